package applications_test

import (
	"context"
	"fmt"
	"strings"

	"jiuzhu/casework/applications"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory applications.Store: programs, households and members keyed by
// code or id, the counters of application numbers by county and year, the applications
// written and the discovery candidates, narrowed to the caller's area as the store
// narrows them, and a unit of work that keeps nothing of a step that fails or records no
// audit event (as store.Write).
type fake struct {
	programs   map[string]*models.Program
	households map[string]*models.Household
	members    map[string]*models.Member
	counters   map[string]int
	grants     []*models.Grant
	reasons    []string
	audits     []string
	candidates []store.Candidate
	cases      map[string]*models.DiscoveryCase
	// query is the last discovery query the store was asked.
	query store.DiscoveryQuery
}

func newFake() *fake {
	return &fake{
		programs:   map[string]*models.Program{},
		households: map[string]*models.Household{},
		members:    map[string]*models.Member{},
		counters:   map[string]int{},
		cases:      map[string]*models.DiscoveryCase{},
	}
}

func (f *fake) Application(_ context.Context, sc store.Scope, ref string) (*models.Grant, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	for _, g := range f.grants {
		if g.Reference != nil && *g.Reference == ref && fakestore.Covers(sc, g.AreaCode) {
			return g, nil
		}
	}
	return nil, models.NotFound("application")
}

func (f *fake) Discoveries(_ context.Context, sc store.Scope, q store.DiscoveryQuery) (*store.Page[store.Candidate], error) {
	f.query = q
	p := &store.Page[store.Candidate]{}
	for _, c := range f.candidates {
		if fakestore.Covers(sc, c.Household.AreaCode) {
			p.Items = append(p.Items, c)
			p.Cursors = append(p.Cursors, c.Household.ID)
		}
	}
	return p, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(applications.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackMap(u, &f.counters)
		return step(&tx{Unit: u, f: f})
	})
}

// tx is a unit of work of the fake: what it writes is kept apart until Write keeps it,
// but for the counters of application numbers, which it reads back.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Program(code string) (*models.Program, error) {
	p, ok := t.f.programs[strings.TrimSpace(code)]
	if !ok {
		return nil, models.Invalid("", "not a program of the catalogue")
	}
	return p, nil
}

func (t *tx) Household(id string) (*models.Household, error) {
	return fakestore.Get(t.Scope, t.f.households, id, "household")
}

func (t *tx) Member(householdID, id string) (*models.Member, error) {
	m, ok := t.f.members[id]
	if !ok || m.HouseholdID != householdID || !fakestore.Covers(t.Scope, m.AreaCode) {
		return nil, models.NotFound("member")
	}
	return m, nil
}

func (t *tx) NextNumber(area string, year int) (string, int, error) {
	if err := t.Writing(); err != nil {
		return "", 0, err
	}
	county := area[:6]
	key := fmt.Sprintf("%s/%d", county, year)
	t.f.counters[key]++
	return county, t.f.counters[key], nil
}

func (t *tx) Insert(g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Add(t.Unit, &t.f.grants, g)
	fakestore.Add(t.Unit, &t.f.reasons, reason)
	return nil
}

func (t *tx) Submitted(*models.Grant) error { return t.Writing() }

func (t *tx) DiscoveryCase(id string) (*models.DiscoveryCase, error) {
	return fakestore.Get(t.Scope, t.f.cases, id, "discovery case")
}

func (t *tx) UpdateDiscoveryCase(c *models.DiscoveryCase) error {
	if err := t.Writing(); err != nil {
		return err
	}
	c.Version++
	fakestore.Put(t.Unit, t.f.cases, c.ID, c)
	return nil
}
