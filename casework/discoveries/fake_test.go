package discoveries_test

import (
	"context"
	"time"

	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory discoveries.Store: households, what the discovery list says of
// each (its candidate), staff and cases keyed by id, narrowed to the caller's area as the
// store narrows them, and a unit of work that keeps nothing of a step that fails or
// records no audit event (as store.Write).
type fake struct {
	households map[string]*models.Household
	candidates map[string]store.Candidate
	staff      map[string]*models.StaffMember
	cases      map[string]*models.DiscoveryCase
	visits     []*models.DiscoveryVisit
	audits     []string
}

func newFake() *fake {
	return &fake{households: map[string]*models.Household{}, candidates: map[string]store.Candidate{},
		staff: map[string]*models.StaffMember{}, cases: map[string]*models.DiscoveryCase{}}
}

func (f *fake) Case(_ context.Context, sc store.Scope, id string) (*models.DiscoveryCase, error) {
	return fakestore.Get(sc, f.cases, id, "discovery case")
}

func (f *fake) Cases(_ context.Context, sc store.Scope, q store.CaseQuery) (*store.Page[models.DiscoveryCase], error) {
	return fakestore.Page(sc, f.cases, func(c *models.DiscoveryCase) bool { return q.Stale == nil || *q.Stale == c.Stale }), nil
}

func (f *fake) Visits(_ context.Context, sc store.Scope, caseID string) ([]*models.DiscoveryVisit, error) {
	return fakestore.Filter(sc, f.visits, func(v *models.DiscoveryVisit) bool { return v.CaseID == caseID }), nil
}

func (f *fake) Stats(_ context.Context, sc store.Scope, _ *string, level models.Level, _ []models.GrantStatus) ([]models.DiscoveryCaseStats, error) {
	var found int
	for _, c := range f.cases {
		if fakestore.Covers(sc, c.AreaCode) {
			found++
		}
	}
	return []models.DiscoveryCaseStats{{AreaCode: sc.Principal().Area, Level: level, Found: found}}, nil
}

func (f *fake) StaleCandidates(_ context.Context, sc store.Scope, before time.Time, after string, limit int) ([]models.DiscoveryCase, error) {
	var out []models.DiscoveryCase
	for _, id := range fakestore.Sorted(f.cases) {
		c := f.cases[id]
		if fakestore.Covers(sc, c.AreaCode) && c.Status != models.CaseClosed && !c.Stale && c.CreatedAt.Before(before) && id > after && len(out) < limit {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(discoveries.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error { return step(&tx{Unit: u, f: f}) })
}

// tx is a unit of work of the fake: what it writes is kept apart until Write keeps it.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Household(id string) (*models.Household, error) {
	return fakestore.Get(t.Scope, t.f.households, id, "household")
}

func (t *tx) Candidate(h *models.Household, _ store.DiscoveryQuery) (*store.Candidate, error) {
	c := t.f.candidates[h.ID]
	c.Household = h
	return &c, nil
}

func (t *tx) Staff(id string) (*models.StaffMember, error) {
	return fakestore.Get(t.Scope, t.f.staff, id, "staff member")
}

func (t *tx) Case(id string) (*models.DiscoveryCase, error) {
	return fakestore.Get(t.Scope, t.f.cases, id, "discovery case")
}

func (t *tx) InsertCase(c *models.DiscoveryCase) error {
	if err := t.Writing(); err != nil {
		return err
	}
	for _, o := range t.f.cases {
		if o.HouseholdID == c.HouseholdID && o.Status != models.CaseClosed {
			return models.Conflict("the household already has an open discovery case")
		}
	}
	fakestore.Put(t.Unit, t.f.cases, c.ID, c)
	return nil
}

func (t *tx) UpdateCase(c *models.DiscoveryCase) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur, ok := t.f.cases[c.ID]
	if !ok || cur.Version != c.Version {
		return models.Conflict("the discovery case was changed")
	}
	c.Version++
	fakestore.Put(t.Unit, t.f.cases, c.ID, c)
	return nil
}

func (t *tx) InsertVisit(v *models.DiscoveryVisit) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Add(t.Unit, &t.f.visits, v)
	return nil
}
