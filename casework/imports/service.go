// Package imports holds the use cases of bulk imports: households with their members,
// upserted by external reference in batches. The use case takes the caller from its
// context, checks that its role may import, validates every record, and asks the store
// to plan and write the batch in one unit of work, which writes nothing when the batch
// may not be written.
package imports

import (
	"context"
	"time"

	"jiuzhu/division"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of imports. *store.Store serves it
// through New; the tests use an in-memory fake.
type Store interface {
	// Village checks that code is a village inside sc (see store.Jurisdictions.Village).
	Village(sc store.Scope, field, code string) (*division.Unit, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
	// Stale reports whether a failed unit of work may be tried again (see store.Stale).
	Stale(err error) bool
	// TakeIDLookups takes n lookups by ID number from subject's allowance, all or none;
	// with n = 0 it reports whether one is left (see store.Store.TakeIDLookups).
	TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration)
}

// Tx is one unit of work of an import, inside Store.Write. Write records the change-feed
// entries and refreshes of what it writes; the use case records the audit events.
type Tx interface {
	// Plan decides what each valid record does (see store.Imports.Plan).
	Plan(batch []*store.HouseholdImport, mayRemove bool) error
	// NamedOnGrants returns those of the members ids a grant names (see
	// store.Imports.NamedOnGrants).
	NamedOnGrants(ids []string) ([]string, error)
	// Write writes the plan (see store.Imports.Write).
	Write(batch []*store.HouseholdImport) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of imports. It is safe for concurrent use.
type Service struct {
	st Store
	// now is the clock the rules judge by (ID numbers, ages).
	now func() time.Time
	// wall is the clock of the allowance of lookups by ID number.
	wall func() time.Time
}

// New returns the use cases over st, with st's clock.
func New(st *store.Store) *Service {
	return &Service{st: adapter{st: st, im: st.Imports()}, now: st.Now, wall: time.Now}
}

// NewWith returns the use cases over any Store, with the clock now (also the clock of
// the allowance of lookups by ID number); it is for tests.
func NewWith(st Store, now func() time.Time) *Service { return &Service{st: st, now: now, wall: now} }

// adapter serves Store with *store.Store's imports.
type adapter struct {
	st *store.Store
	im *store.Imports
}

func (a adapter) Village(sc store.Scope, field, code string) (*division.Unit, error) {
	return a.st.Jurisdictions().Village(sc, field, code)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, im: a.im}) })
}

func (a adapter) Stale(err error) bool { return store.Stale(err) }

func (a adapter) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return a.st.TakeIDLookups(subject, n, now)
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	im *store.Imports
}

func (t tx) Plan(batch []*store.HouseholdImport, mayRemove bool) error {
	return t.im.Plan(t.w, batch, mayRemove)
}
func (t tx) NamedOnGrants(ids []string) ([]string, error) { return t.im.NamedOnGrants(t.w, ids) }
func (t tx) Write(batch []*store.HouseholdImport) error   { return t.im.Write(t.w, batch) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
