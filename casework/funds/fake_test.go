package funds_test

import (
	"context"
	"fmt"
	"maps"

	"jiuzhu/casework/funds"
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

func covers(sc store.Scope, area string) bool { return sc.Principal().Covers(area) }

func (f *fake) Township(sc store.Scope, field, code string) error {
	u, ok := f.tree.Unit(code)
	switch {
	case !ok:
		return models.Invalid(field, "%s is not a jurisdiction code", code)
	case !covers(sc, code):
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
		if e.AreaCode == township && covers(sc, e.AreaCode) {
			p.Items = append(p.Items, *e)
			p.Cursors = append(p.Cursors, e.ID)
		}
	}
	return p, nil
}

func (f *fake) CharityAidOf(_ context.Context, sc store.Scope, householdID string) ([]*models.CharityAid, error) {
	var out []*models.CharityAid
	for _, a := range f.aid {
		if a.HouseholdID == householdID && covers(sc, a.AreaCode) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Write runs step on a copy of the fake's records and keeps the copy only when step
// succeeds and recorded an audit event, as store.Write commits.
func (f *fake) Write(_ context.Context, sc store.Scope, op string, step func(funds.Tx) error) error {
	tx := &fakeTx{f: f, sc: sc, balances: maps.Clone(f.balances), n: f.n}
	if err := step(tx); err != nil {
		return fmt.Errorf("fake: %s: %w", op, err)
	}
	if len(tx.audits) == 0 {
		return store.ErrNoAudit
	}
	f.balances, f.n = tx.balances, tx.n
	f.entries = append(f.entries, tx.entries...)
	f.aid = append(f.aid, tx.aid...)
	f.audits = append(f.audits, tx.audits...)
	return nil
}

// fakeTx is one unit of work on a fake.
type fakeTx struct {
	f        *fake
	sc       store.Scope
	balances map[string]models.Money
	entries  []*models.ReserveEntry
	aid      []*models.CharityAid
	audits   []string
	n        int
}

func (t *fakeTx) Grant(id string) (*models.Grant, error) {
	g, ok := t.f.grants[id]
	if !ok || !covers(t.sc, g.AreaCode) || !t.sc.Principal().SeesCategory(g.CategoryCode) {
		return nil, models.NotFound("grant")
	}
	c := *g
	return &c, nil
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	h, ok := t.f.households[id]
	if !ok || !covers(t.sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	c := *h
	return &c, nil
}

func (t *fakeTx) ledger(township string, kind models.ReserveEntryKind, delta models.Money, grantID, note *string) *models.ReserveEntry {
	t.n++
	e := &models.ReserveEntry{ID: fmt.Sprintf("e%d", t.n), AreaCode: township, Kind: kind, Amount: delta,
		BalanceAfter: t.balances[township], GrantID: grantID, Actor: t.sc.Principal().Subject}
	if note != nil {
		e.Note = *note
	}
	t.entries = append(t.entries, e)
	return e
}

func (t *fakeTx) TopUp(township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	t.balances[township] += amount
	return t.ledger(township, models.ReserveTopUp, amount, nil, note), nil
}

func (t *fakeTx) Draw(g *models.Grant, amount models.Money, note *string) (*models.ReserveEntry, models.Money, error) {
	township := g.AreaCode[:9] + "000"
	if t.balances[township] < amount {
		return nil, t.balances[township], nil
	}
	t.balances[township] -= amount
	e := t.ledger(township, models.ReserveDraw, -amount, &g.ID, note)
	return e, e.BalanceAfter, nil
}

func (t *fakeTx) InsertCharityAid(a *models.CharityAid) error {
	t.aid = append(t.aid, a)
	return nil
}

func (t *fakeTx) Audit(op, _ string, _ []string, _, _ any) { t.audits = append(t.audits, op) }
