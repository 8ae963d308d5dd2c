package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// The batch reads below serve the per-request loaders of the GraphQL layer: each answers
// for many parents in one statement, starting from the caller's scope like every other
// read, so that a nested list costs a constant number of statements whatever its length.
// A key outside the caller's area (or, for grants, outside an integrator's categories)
// simply has no entry in the result.

// GrantsOfHouseholds returns the grants of each of the households ids that sc may see,
// newest first, in one statement. It returns the database's errors.
func (r *Grants) GrantsOfHouseholds(ctx context.Context, sc Scope, ids []string) (map[string][]*models.Grant, error) {
	s := r.s
	out := make(map[string][]*models.Grant, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	scan, err := scannerFor[models.Grant](s.db, "grants")
	if err != nil {
		return nil, wrap("grants of households", err)
	}
	gs, err := scan.find(sc.grantRows(s.db.WithContext(sc.bind(ctx))).
		Where("grants.household_id IN ?", ids).
		Order("grants.household_id").Order("grants.start_date DESC").Order("grants.id"))
	if err != nil {
		return nil, wrap("grants of households", err)
	}
	for _, g := range gs {
		out[g.HouseholdID] = append(out[g.HouseholdID], g)
	}
	return out, nil
}

// EventsOfGrants returns the status history, oldest first, of each of the grants ids that
// sc may see, in one statement. It returns the database's errors.
func (r *Grants) EventsOfGrants(ctx context.Context, sc Scope, ids []string) (map[string][]*models.GrantEvent, error) {
	s := r.s
	out := make(map[string][]*models.GrantEvent, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	db := s.db.WithContext(sc.bind(ctx))
	visible := sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id IN ?", ids)
	var es []*models.GrantEvent
	err := sc.rows(db, "grant_events").
		Where("grant_events.grant_id IN (?)", visible).
		Order("grant_events.grant_id").Order("grant_events.created_at").Order("grant_events.id").
		Find(&es).Error
	if err != nil {
		return nil, wrap("events of grants", err)
	}
	for _, e := range es {
		out[e.GrantID] = append(out[e.GrantID], e)
	}
	return out, nil
}

// ByCode returns the units with codes, in one statement, keyed by code. The tree is
// public to every signed-in caller: sc, the caller's scope, does not narrow it. An
// unknown code has no entry; codes that the embedded tree does not know are not asked of
// the database. It returns the database's errors.
func (r *Jurisdictions) ByCode(ctx context.Context, sc Scope, codes []string) (map[string]*models.Jurisdiction, error) {
	s := r.s
	known := make([]string, 0, len(codes))
	for _, c := range codes {
		if _, ok := s.tree.Unit(c); ok {
			known = append(known, c)
		}
	}
	out := make(map[string]*models.Jurisdiction, len(known))
	if len(known) == 0 {
		return out, nil
	}
	slices.Sort(known)
	var js []*models.Jurisdiction
	if err := s.db.WithContext(sc.bind(ctx)).Where("code IN ?", known).Find(&js).Error; err != nil {
		return nil, wrap("jurisdictions by code", err)
	}
	for _, j := range js {
		out[j.Code] = j
	}
	return out, nil
}
