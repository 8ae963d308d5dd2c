// Package verifications holds the use cases of the households' economic verifications
// (P10): recording one, importing departments' checks in bulk, and the reads of both.
// Each use case takes the caller from its context, checks what the caller's role may
// do, validates its input, asks the policy what the rules say (P10's per-capita income,
// P13's grace period or review flag), and tells the store what to write in one unit of
// work; the store narrows every read and write to the caller's scope.
package verifications

import (
	"context"
	"time"

	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of verifications. *store.Store
// serves it through New; the tests use an in-memory fake.
type Store interface {
	// Verifications returns a household's verifications, latest first, or
	// models.ErrNotFound for a household outside sc.
	Verifications(ctx context.Context, sc store.Scope, householdID string) ([]*models.Verification, error)
	// Latest returns a household's latest verification or nil, or models.ErrNotFound for
	// a household outside sc.
	Latest(ctx context.Context, sc store.Scope, householdID string) (*models.Verification, error)
	// Lines returns the member lines of a verification in sc.
	Lines(ctx context.Context, sc store.Scope, verificationID string) ([]*models.VerificationMember, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
	// ExpireGrace terminates, as store.SystemActor, the grants in GRACE with a GraceUntil
	// before today for which over is true, and returns how many (see
	// store.Verifications.ExpireGrace).
	ExpireGrace(ctx context.Context, today models.Date, over func(until models.Date) bool) (int, error)
	// TakeIDLookups takes n lookups by ID number from subject's allowance, all or none;
	// with n = 0 it reports whether one is left (see store.Store.TakeIDLookups).
	TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration)
}

// Tx is one unit of work on verifications, inside Store.Write. Its writes record their
// own change-feed entries and refreshes; the use case records the audit event.
type Tx interface {
	// Household returns the household with id in scope, or models.ErrNotFound.
	Household(id string) (*models.Household, error)
	// Members returns a household's current members, by id.
	Members(householdID string) ([]*models.Member, error)
	// People returns the members in scope with the ID numbers nums.
	People(nums []string) ([]*models.Member, error)
	// Latest returns a household's latest verification, or nil.
	Latest(householdID string) (*models.Verification, error)
	// OfSources returns the verifications of households by sources, in recording order.
	OfSources(households, sources []string) ([]*models.Verification, error)
	// Lines returns the member lines of the verifications ids.
	Lines(ids []string) ([]*models.VerificationMember, error)
	// Standard returns the dibao standard in force for the county of area, or nil.
	Standard(area string) (*models.DibaoStandard, error)
	// ActiveRuralDibao returns a household's ACTIVE rural dibao grants, by id.
	ActiveRuralDibao(householdID string) ([]*models.Grant, error)
	// Insert writes a verification with its member lines; when v.Latest, it supersedes
	// the household's latest one.
	Insert(v *models.Verification, lines []*models.VerificationMember) error
	// Grace moves an ACTIVE grant to GRACE until until (P13).
	Grace(g *models.Grant, until models.Date, reason string) error
	// Flag flags a grant for review, keeping its status (P13).
	Flag(g *models.Grant, reason string) error
	// Settle writes what was recorded so far (the household's refresh).
	Settle() error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of verifications. It is safe for concurrent use.
type Service struct {
	st Store
	// rules are the thresholds of the policy (the grace period of P13).
	rules policy.Config
	// now is the clock the rules judge by (dates in the future, ID numbers).
	now func() time.Time
	// wall is the clock of the allowance of lookups by ID number.
	wall func() time.Time
	ids  func() string
}

// New returns the use cases over st, with st's clock, judged by the policy's
// configuration rules.
func New(st *store.Store, rules policy.Config) *Service {
	return &Service{
		st:    adapter{st: st, vs: st.Verifications(), hh: st.Households(), standards: st.Standards()},
		rules: rules, now: st.Now, wall: time.Now, ids: store.NewID,
	}
}

// NewWith returns the use cases over any Store, with the policy rules, the clock now and
// the maker of record ids ids; it is for tests. now is also the clock of the allowance
// of lookups by ID number.
func NewWith(st Store, rules policy.Config, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, rules: rules, now: now, wall: now, ids: ids}
}

// adapter serves Store with *store.Store's verifications.
type adapter struct {
	st        *store.Store
	vs        *store.Verifications
	hh        *store.Households
	standards *store.Standards
}

func (a adapter) Verifications(ctx context.Context, sc store.Scope, householdID string) ([]*models.Verification, error) {
	return a.vs.List(ctx, sc, householdID)
}

func (a adapter) Latest(ctx context.Context, sc store.Scope, householdID string) (*models.Verification, error) {
	return a.vs.Latest(ctx, sc, householdID)
}

func (a adapter) Lines(ctx context.Context, sc store.Scope, verificationID string) ([]*models.VerificationMember, error) {
	return a.vs.Lines(ctx, sc, verificationID)
}

func (a adapter) ExpireGrace(ctx context.Context, today models.Date, over func(until models.Date) bool) (int, error) {
	return a.vs.ExpireGrace(ctx, today, over)
}

func (a adapter) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return a.st.TakeIDLookups(subject, n, now)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error {
		return step(tx{w: w, vs: a.vs, hh: a.hh, standards: a.standards, grants: grantWrites{vs: a.vs}})
	})
}

// tx serves Tx with a store.Writer.
type tx struct {
	w         *store.Writer
	vs        *store.Verifications
	hh        *store.Households
	standards *store.Standards
	grants    grantWrites
}

func (t tx) Household(id string) (*models.Household, error) { return t.hh.HouseholdIn(t.w, id) }
func (t tx) Members(householdID string) ([]*models.Member, error) {
	return t.vs.MembersIn(t.w, householdID)
}
func (t tx) People(nums []string) ([]*models.Member, error) { return t.vs.PeopleIn(t.w, nums) }
func (t tx) Latest(householdID string) (*models.Verification, error) {
	return t.vs.LatestIn(t.w, householdID)
}
func (t tx) OfSources(households, sources []string) ([]*models.Verification, error) {
	return t.vs.OfSourcesIn(t.w, households, sources)
}
func (t tx) Lines(ids []string) ([]*models.VerificationMember, error) { return t.vs.LinesIn(t.w, ids) }
func (t tx) Standard(area string) (*models.DibaoStandard, error) {
	return t.standards.InForceIn(t.w, area)
}
func (t tx) ActiveRuralDibao(householdID string) ([]*models.Grant, error) {
	return t.vs.ActiveRuralDibaoIn(t.w, householdID)
}
func (t tx) Insert(v *models.Verification, lines []*models.VerificationMember) error {
	return t.vs.Insert(t.w, v, lines)
}
func (t tx) Grace(g *models.Grant, until models.Date, reason string) error {
	return t.grants.grace(t.w, g, until, reason)
}
func (t tx) Flag(g *models.Grant, reason string) error { return t.grants.flag(t.w, g, reason) }
func (t tx) Settle() error                             { return t.w.Settle() }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}

// grantWrites is where the writes of grants that a verification causes (P13) reach the
// store: the move to GRACE and the review flag, each a write of the unit of work.
type grantWrites struct{ vs *store.Verifications }

func (g grantWrites) grace(w *store.Writer, gr *models.Grant, until models.Date, reason string) error {
	return g.vs.GraceIn(w, gr, until, reason)
}

func (g grantWrites) flag(w *store.Writer, gr *models.Grant, reason string) error {
	return g.vs.FlagIn(w, gr, reason)
}
