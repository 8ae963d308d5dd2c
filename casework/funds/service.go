// Package funds holds the use cases of the townships' reserve funds (P16) and of the
// charity aid filed against households (P4): topping up and drawing on a fund, reading
// its balance and ledger, and filing and reading charity aid. Each use case takes the
// caller from its context, checks what the caller's role and tier may do, validates its
// input, asks the policy what the rules say, and tells the store what to write in one
// unit of work; the store narrows every read and write to the caller's scope.
package funds

import (
	"context"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of reserve funds and charity aid.
// *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	// Township checks that code is a township inside sc (see store.Jurisdictions.Township).
	Township(sc store.Scope, field, code string) error
	Fund(ctx context.Context, sc store.Scope, township string) (*models.ReserveFund, error)
	Entries(ctx context.Context, sc store.Scope, township string, args store.PageArgs) (*store.Page[models.ReserveEntry], error)
	CharityAidOf(ctx context.Context, sc store.Scope, householdID string) ([]*models.CharityAid, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on reserve funds and charity aid, inside Store.Write. The use
// case records the audit event.
type Tx interface {
	Grant(id string) (*models.Grant, error)
	Household(id string) (*models.Household, error)
	// TopUp adds amount to a township's fund and returns the ledger entry.
	TopUp(township string, amount models.Money, note *string) (*models.ReserveEntry, error)
	// Draw pays amount for grant g out of its township's fund and returns the ledger
	// entry, or a nil entry and the balance when the balance does not cover amount.
	Draw(g *models.Grant, amount models.Money, note *string) (*models.ReserveEntry, models.Money, error)
	InsertCharityAid(a *models.CharityAid) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of reserve funds and charity aid. It is safe for concurrent
// use.
type Service struct {
	st Store
	// now is the clock the rules judge by (aid filed in advance).
	now func() time.Time
	ids func() string
}

// New returns the use cases over st, with st's clock.
func New(st *store.Store) *Service {
	return &Service{st: adapter{st: st, funds: st.Funds(), hh: st.Households()}, now: st.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store, with the clock now and the maker of
// record ids ids; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, ids: ids}
}

// adapter serves Store with *store.Store's funds.
type adapter struct {
	st    *store.Store
	funds *store.Funds
	hh    *store.Households
}

func (a adapter) Township(sc store.Scope, field, code string) error {
	return a.st.Jurisdictions().Township(sc, field, code)
}

func (a adapter) Fund(ctx context.Context, sc store.Scope, township string) (*models.ReserveFund, error) {
	return a.funds.Fund(ctx, sc, township)
}

func (a adapter) Entries(ctx context.Context, sc store.Scope, township string, args store.PageArgs) (*store.Page[models.ReserveEntry], error) {
	return a.funds.Entries(ctx, sc, township, args)
}

func (a adapter) CharityAidOf(ctx context.Context, sc store.Scope, householdID string) ([]*models.CharityAid, error) {
	return a.funds.CharityAidOf(ctx, sc, householdID)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, funds: a.funds, hh: a.hh}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w     *store.Writer
	funds *store.Funds
	hh    *store.Households
}

func (t tx) Grant(id string) (*models.Grant, error)         { return t.funds.GrantIn(t.w, id) }
func (t tx) Household(id string) (*models.Household, error) { return t.hh.HouseholdIn(t.w, id) }
func (t tx) TopUp(township string, amount models.Money, note *string) (*models.ReserveEntry, error) {
	return t.funds.TopUp(t.w, township, amount, note)
}
func (t tx) Draw(g *models.Grant, amount models.Money, note *string) (*models.ReserveEntry, models.Money, error) {
	return t.funds.Draw(t.w, g, amount, note)
}
func (t tx) InsertCharityAid(a *models.CharityAid) error { return t.funds.InsertCharityAid(t.w, a) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
