// Package applications holds the use cases of the one door (P5, P11) and of proactive
// discovery (P7): submitting an application, finding one by its reference number, and
// the list of households that look eligible but receive nothing of the matching kind.
// Each use case takes the caller from its context, checks what the caller's role may
// do, validates its input, asks policy what the rules say, and tells the store what to
// read or write; the store narrows every read and write to the caller's scope.
package applications

import (
	"context"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of applications and discoveries.
// *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	// Application returns the application with reference ref (see store.Applications.Get).
	Application(ctx context.Context, sc store.Scope, ref string) (*models.Grant, error)
	// Discoveries returns the households the discovery list selects (see
	// store.Discoveries.List).
	Discoveries(ctx context.Context, sc store.Scope, q store.DiscoveryQuery) (*store.Page[store.Candidate], error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on applications, inside Store.Write. Insert records its own
// change-feed entry; the use case records the audit event.
type Tx interface {
	// Program returns the program of the catalogue with code, or a *models.FieldError.
	Program(code string) (*models.Program, error)
	// Household returns the household id in scope and takes its lock, or
	// models.ErrNotFound.
	Household(id string) (*models.Household, error)
	// Member returns member id of household householdID in scope, or models.ErrNotFound.
	Member(householdID, id string) (*models.Member, error)
	// NextNumber takes the next application number of year in the county of area.
	NextNumber(area string, year int) (county string, n int, err error)
	// Insert stores a new application with its opening event.
	Insert(g *models.Grant, reason string) error
	// Submitted runs, in the same unit of work, what follows the receipt of application
	// g (its referral to the department that decides its program); its error undoes the
	// receipt.
	Submitted(g *models.Grant) error
	// DiscoveryCase returns the discovery case id in scope, or models.ErrNotFound.
	DiscoveryCase(id string) (*models.DiscoveryCase, error)
	// UpdateDiscoveryCase writes c at its version, or returns a Conflict error.
	UpdateDiscoveryCase(c *models.DiscoveryCase) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of applications and discoveries. It is safe for concurrent
// use.
type Service struct {
	st Store
	// now is the clock of the day of an application and the year of its number.
	now func() time.Time
	ids func() string
}

// SubmitHook runs inside the unit of work of a submission, after the application g is
// stored (see Tx.Submitted); casework/referrals provides one.
type SubmitHook func(w *store.Writer, g *models.Grant) error

// New returns the use cases over st, with st's clock; hooks run after each submission.
func New(st *store.Store, hooks ...SubmitHook) *Service {
	return &Service{st: adapter{st: st, apps: st.Applications(), disc: st.Discoveries(), cases: st.DiscoveryCases(), hooks: hooks}, now: st.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store, with the clock now and the maker of
// record ids ids; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, ids: ids}
}

// adapter serves Store with *store.Store's applications and discoveries.
type adapter struct {
	st    *store.Store
	apps  *store.Applications
	disc  *store.Discoveries
	cases *store.DiscoveryCases
	// hooks run after each submission.
	hooks []SubmitHook
}

func (a adapter) Application(ctx context.Context, sc store.Scope, ref string) (*models.Grant, error) {
	return a.apps.Get(ctx, sc, ref)
}

func (a adapter) Discoveries(ctx context.Context, sc store.Scope, q store.DiscoveryQuery) (*store.Page[store.Candidate], error) {
	return a.disc.List(ctx, sc, q)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, apps: a.apps, hooks: a.hooks, cases: a.cases}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w     *store.Writer
	apps  *store.Applications
	hooks []SubmitHook
	cases *store.DiscoveryCases
}

func (t tx) Program(code string) (*models.Program, error)   { return t.apps.Program(t.w, code) }
func (t tx) Household(id string) (*models.Household, error) { return t.apps.Household(t.w, id) }
func (t tx) Member(householdID, id string) (*models.Member, error) {
	return t.apps.Member(t.w, householdID, id)
}
func (t tx) NextNumber(area string, year int) (string, int, error) {
	return t.apps.NextNumber(t.w, area, year)
}
func (t tx) Insert(g *models.Grant, reason string) error { return t.apps.Insert(t.w, g, reason) }
func (t tx) Submitted(g *models.Grant) error {
	for _, h := range t.hooks {
		if err := h(t.w, g); err != nil {
			return err
		}
	}
	return nil
}
func (t tx) DiscoveryCase(id string) (*models.DiscoveryCase, error) {
	return t.cases.In(t.w, id)
}
func (t tx) UpdateDiscoveryCase(c *models.DiscoveryCase) error { return t.cases.Update(t.w, c) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
