// Package discoveries holds the use cases of discovery cases (P24, P7): a household of
// the discovery list becomes a case that is assigned to a village assistant or a
// township's civil-affairs staff, followed up with visits, and closed with an outcome;
// an application made from it links back (casework/applications), and the daily jobs
// flag the cases left unclosed too long. It is a package of its own, not part of
// casework/applications, because a case is an aggregate of its own with its own
// lifecycle and readers (the dashboard's per-level counts), while the one door only
// links an application to it.
package discoveries

import (
	"context"
	"time"

	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of discovery cases. *store.Store
// serves it through New; the tests use an in-memory fake.
type Store interface {
	// Case returns the case id in sc (see store.DiscoveryCases.Get).
	Case(ctx context.Context, sc store.Scope, id string) (*models.DiscoveryCase, error)
	// Cases returns a page of cases (see store.DiscoveryCases.List).
	Cases(ctx context.Context, sc store.Scope, q store.CaseQuery) (*store.Page[models.DiscoveryCase], error)
	// Visits returns a case's visits (see store.DiscoveryCases.Visits).
	Visits(ctx context.Context, sc store.Scope, caseID string) ([]*models.DiscoveryVisit, error)
	// Stats counts the cases per unit of a level (see store.DiscoveryCases.Stats).
	Stats(ctx context.Context, sc store.Scope, area *string, level models.Level, granted []models.GrantStatus) ([]models.DiscoveryCaseStats, error)
	// StaleCandidates returns unclosed cases opened before a time, not yet stale.
	StaleCandidates(ctx context.Context, sc store.Scope, before time.Time, after string, limit int) ([]models.DiscoveryCase, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on discovery cases, inside Store.Write. The writes record their
// own change-feed entries; the use case records the audit events.
type Tx interface {
	// Household returns the household id in scope and takes its lock, or
	// models.ErrNotFound.
	Household(id string) (*models.Household, error)
	// Candidate says what the discovery list says of h under q's rules.
	Candidate(h *models.Household, q store.DiscoveryQuery) (*store.Candidate, error)
	// Staff returns the staff member id in scope, or models.ErrNotFound.
	Staff(id string) (*models.StaffMember, error)
	// Case returns the case id in scope, or models.ErrNotFound.
	Case(id string) (*models.DiscoveryCase, error)
	// InsertCase stores a new case, or returns a Conflict error when the household has
	// an unclosed one.
	InsertCase(c *models.DiscoveryCase) error
	// UpdateCase writes c at its version, or returns a Conflict error.
	UpdateCase(c *models.DiscoveryCase) error
	// InsertVisit stores a visit.
	InsertVisit(v *models.DiscoveryVisit) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of discovery cases. It is safe for concurrent use.
type Service struct {
	st  Store
	now func() time.Time
	ids func() string
	// staleDays is the age in days from which an unclosed case is flagged stale.
	staleDays int
}

// New returns the use cases over st, with st's clock and the default stale days.
func New(st *store.Store) *Service {
	return NewWith(adapter{st: st, dc: st.DiscoveryCases()}, st.Now, store.NewID)
}

// NewWith returns the use cases over any Store, with the clock now and the maker of
// record ids ids; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, ids: ids, staleDays: policy.DefaultStaleDiscoveryDays}
}

// Configure returns a copy of s that flags unclosed cases stale after staleDays days.
func (s *Service) Configure(staleDays int) *Service {
	c := *s
	c.staleDays = staleDays
	return &c
}

// adapter serves Store with *store.Store's discovery cases.
type adapter struct {
	st *store.Store
	dc *store.DiscoveryCases
}

func (a adapter) Case(ctx context.Context, sc store.Scope, id string) (*models.DiscoveryCase, error) {
	return a.dc.Get(ctx, sc, id)
}

func (a adapter) Cases(ctx context.Context, sc store.Scope, q store.CaseQuery) (*store.Page[models.DiscoveryCase], error) {
	return a.dc.List(ctx, sc, q)
}

func (a adapter) Visits(ctx context.Context, sc store.Scope, caseID string) ([]*models.DiscoveryVisit, error) {
	return a.dc.Visits(ctx, sc, caseID)
}

func (a adapter) Stats(ctx context.Context, sc store.Scope, area *string, level models.Level, granted []models.GrantStatus) ([]models.DiscoveryCaseStats, error) {
	return a.dc.Stats(ctx, sc, area, level, granted)
}

func (a adapter) StaleCandidates(ctx context.Context, sc store.Scope, before time.Time, after string, limit int) ([]models.DiscoveryCase, error) {
	return a.dc.StaleCandidates(ctx, sc, before, after, limit)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, dc: a.dc}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	dc *store.DiscoveryCases
}

func (t tx) Household(id string) (*models.Household, error) { return t.dc.Household(t.w, id) }
func (t tx) Candidate(h *models.Household, q store.DiscoveryQuery) (*store.Candidate, error) {
	return t.dc.Candidate(t.w, h, q)
}
func (t tx) Staff(id string) (*models.StaffMember, error)  { return t.dc.Staff(t.w, id) }
func (t tx) Case(id string) (*models.DiscoveryCase, error) { return t.dc.In(t.w, id) }
func (t tx) InsertCase(c *models.DiscoveryCase) error      { return t.dc.Insert(t.w, c) }
func (t tx) UpdateCase(c *models.DiscoveryCase) error      { return t.dc.Update(t.w, c) }
func (t tx) InsertVisit(v *models.DiscoveryVisit) error    { return t.dc.InsertVisit(t.w, v) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
