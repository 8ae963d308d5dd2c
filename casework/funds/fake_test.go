package funds_test

import (
	"context"
	"fmt"

	"jiuzhu/casework/funds"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory funds.Store: reserve balances and ledgers by township, grants,
// households and charity aid, narrowed to the caller's area as the store narrows them,
// and a unit of work that keeps nothing of a step that fails or records no audit event
// (as store.Write).
type fake struct {
	tree       *division.Tree
	balances   map[string]models.Money
	entries    []*models.ReserveEntry
	grants     map[string]*models.Grant
	households map[string]*models.Household
	aid        []*models.CharityAid
	// audits are the audit operations committed, in order.
	audits []string
	// n numbers ledger entries.
	n int
}

func newFake() *fake {
	return &fake{tree: division.Dezhou(), balances: map[string]models.Money{},
		grants: map[string]*models.Grant{}, households: map[string]*models.Household{}}
}

func (f *fake) Township(sc store.Scope, field, code string) error {
	u, ok := f.tree.Unit(code)
	switch {
	case !ok:
		return models.Invalid(field, "%s is not a jurisdiction code", code)
	case !fakestore.Covers(sc, code):
		return models.Forbidden("%s: area %s is outside your jurisdiction", field, code)
	case u.Level != models.LevelTownship:
		return models.Invalid(field, "%s is not a township", code)
	}
	return nil
}

func (f *fake) Fund(_ context.Context, sc store.Scope, township string) (*models.ReserveFund, error) {
	return &models.ReserveFund{AreaCode: township, Balance: f.balances[township]}, nil
}

func (f *fake) Entries(_ context.Context, sc store.Scope, township string, _ store.PageArgs) (*store.Page[models.ReserveEntry], error) {
	p := &store.Page[models.ReserveEntry]{}
	for _, e := range f.entries {
		if e.AreaCode == township && fakestore.Covers(sc, e.AreaCode) {
			p.Items = append(p.Items, *e)
			p.Cursors = append(p.Cursors, e.ID)
		}
	}
	return p, nil
}

func (f *fake) CharityAidOf(_ context.Context, sc store.Scope, householdID string) ([]*models.CharityAid, error) {
	return fakestore.Filter(sc, f.aid, func(a *models.CharityAid) bool { return a.HouseholdID == householdID }), nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(funds.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackMap(u, &f.balances)
		fakestore.TrackValue(u, &f.n)
		return step(&fakeTx{Unit: u, f: f})
	})
}

// fakeTx is one unit of work on a fake: it reads back the balances it moves, and its
// ledger entries and charity aid are kept apart until Write keeps them.
type fakeTx struct {
	*fakestore.Unit
	f *fake
}

func (t *fakeTx) Grant(id string) (*models.Grant, error) {
	g, ok := t.f.grants[id]
	if !ok || !fakestore.Sees(t.Scope, g.AreaCode, g.CategoryCode) {
		return nil, models.NotFound("grant")
	}
	c := *g
	return &c, nil
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	return fakestore.Get(t.Scope, t.f.households, id, "household")
}

func (t *fakeTx) ledger(township string, kind models.ReserveEntryKind, delta models.Money, grantID, note *string) *models.ReserveEntry {
	t.f.n++
	e := &models.ReserveEntry{ID: fmt.Sprintf("e%d", t.f.n), AreaCode: township, Kind: kind, Amount: delta,
		BalanceAfter: t.f.balances[township], GrantID: grantID, Actor: t.Scope.Principal().Subject}
	if note != nil {
		e.Note = *note
	}
	fakestore.Add(t.Unit, &t.f.entries, e)
	return e
}

func (t *fakeTx) TopUp(township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	if err := t.Writing(); err != nil {
		return nil, err
	}
	t.f.balances[township] += amount
	return t.ledger(township, models.ReserveTopUp, amount, nil, note), nil
}

func (t *fakeTx) Draw(g *models.Grant, amount models.Money, note *string) (*models.ReserveEntry, models.Money, error) {
	if err := t.Writing(); err != nil {
		return nil, 0, err
	}
	township := g.AreaCode[:9] + "000"
	if t.f.balances[township] < amount {
		return nil, t.f.balances[township], nil
	}
	t.f.balances[township] -= amount
	e := t.ledger(township, models.ReserveDraw, -amount, &g.ID, note)
	return e, e.BalanceAfter, nil
}

func (t *fakeTx) InsertCharityAid(a *models.CharityAid) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Add(t.Unit, &t.f.aid, a)
	return nil
}
