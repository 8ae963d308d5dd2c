package store

import (
	"context"

	"jiuzhu/models"
)

// CharityAidOf returns the charity aid filed against a household in sc, newest first.
func (r *Funds) CharityAidOf(ctx context.Context, sc Scope, householdID string) ([]*models.CharityAid, error) {
	var out []*models.CharityAid
	err := sc.rows(r.s.db.WithContext(ctx), "charity_aids").Where("charity_aids.household_id = ?", householdID).
		Order("charity_aids.date DESC").Order("charity_aids.id DESC").Find(&out).Error
	return out, wrap("charity aid of household", err)
}

// InsertCharityAid writes the new filing of charity aid a. The use case has read a's
// household in w's scope.
func (r *Funds) InsertCharityAid(w *Writer, a *models.CharityAid) error {
	return w.tx.Create(a).Error
}
