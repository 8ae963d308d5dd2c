package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// CalculationsOf returns the entitlement calculations of the grants ids that the scope
// sees (its area and, for integrators, its categories), by grant id, in one statement
// per thousand ids: the loaders' batch read of Grant.calculation. A grant outside the
// scope, or without a calculation, has no entry. It returns the database's errors.
func (e *Entitlements) CalculationsOf(ctx context.Context, sc Scope, ids []string) (map[string]*models.EntitlementCalculation, error) {
	s := e.s
	out := make(map[string]*models.EntitlementCalculation, len(ids))
	db := s.db.WithContext(sc.bind(ctx))
	for i := 0; i < len(ids); i += 1000 {
		part := ids[i:min(i+1000, len(ids))]
		visible := sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id IN ?", part)
		var cs []*models.EntitlementCalculation
		if err := sc.rows(db, "entitlement_calculations").Where("entitlement_calculations.grant_id IN (?)", visible).Find(&cs).Error; err != nil {
			return nil, wrap("entitlement calculations", err)
		}
		for _, c := range cs {
			out[c.GrantID] = c
		}
	}
	return out, nil
}
