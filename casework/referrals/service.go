// Package referrals holds the use cases of one door, many departments (一门受理、协同办理):
// an application for a program that another department decides is referred to that
// department when it is received, with a due day a number of working days ahead; the
// department's integrator accepts it, decides it (approve or reject, with a reason) or
// returns it to civil affairs with a reason. Every step is an event of the application,
// which the township that received it keeps seeing. Overdue referrals are listed and
// counted per department and township.
package referrals

import (
	"context"
	"time"

	"jiuzhu/casework/grants"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of referrals. *store.Store serves
// it through New; the tests use an in-memory fake.
type Store interface {
	// Referral returns the referral id in sc (see store.Referrals.Get).
	Referral(ctx context.Context, sc store.Scope, id string) (*models.Referral, error)
	// ReferralOfGrant returns the referral of an application, or nil (see
	// store.Referrals.OfGrant).
	ReferralOfGrant(ctx context.Context, sc store.Scope, grantID string) (*models.Referral, error)
	// Referrals returns one page of referrals (see store.Referrals.List).
	Referrals(ctx context.Context, sc store.Scope, q store.ReferralQuery) (*store.Page[models.Referral], error)
	// Counts counts open and overdue referrals (see store.Referrals.Counts).
	Counts(ctx context.Context, sc store.Scope, area *string, now time.Time) ([]*models.ReferralCount, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on referrals. Its writes record the application's events; the
// use case records the audit event.
type Tx interface {
	// Setting returns the program's setting in force in county on day, or a
	// *models.FieldError.
	Setting(code, county string, day models.Date) (*models.ProgramSetting, error)
	// Insert stores a new referral of application g and the event reason.
	Insert(r *models.Referral, g *models.Grant, reason string) error
	// Referral returns the referral id in scope and its application, or
	// models.ErrNotFound.
	Referral(id string) (*models.Referral, *models.Grant, error)
	// Step moves the referral to status to with reason, and writes event on g.
	Step(r *models.Referral, g *models.Grant, to models.ReferralStatus, reason, event string) error
	// Approve is the department's approval of g (see store.Referrals.Approve).
	Approve(g *models.Grant, in models.ApprovalInput, reviewReason, reason string) error
	// Reject is the department's rejection of g.
	Reject(g *models.Grant, reason string) error
	// Rejecters returns the subjects who rejected application grantID before it was
	// reopened on appeal; none when it never was (see store.Grants.RejectersIn).
	Rejecters(grantID string) ([]string, error)
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of referrals. It is safe for concurrent use.
type Service struct {
	st Store
	// now is the clock of the due days and of what is overdue.
	now func() time.Time
	ids func() string
	// cal says which days are working days (POLICY_HOLIDAYS, POLICY_WORKDAYS).
	cal policy.Calendar
}

// New returns the use cases over st, with st's clock and the calendar of the policy's
// configuration rules (whose medical rules the grants it opens are approved by).
func New(st *store.Store, rules policy.Config) *Service {
	return &Service{st: adapter{st: st, refs: st.Referrals(), cat: st.Catalogue(), grants: grants.New(st, rules)}, now: st.Now, ids: store.NewID, cal: rules.Calendar}
}

// NewWith returns the use cases over any Store, with the clock now, the maker of record
// ids ids and the working-day calendar cal; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string, cal policy.Calendar) *Service {
	return &Service{st: st, now: now, ids: ids, cal: cal}
}

// Hook returns the step that refers each application received at the one door, in the
// unit of work of its submission (applications.SubmitHook); see Refer.
func (s *Service) Hook() func(w *store.Writer, g *models.Grant) error {
	a, ok := s.st.(adapter)
	if !ok {
		panic("referrals: Hook needs the Service of New")
	}
	return func(w *store.Writer, g *models.Grant) error {
		return s.Refer(tx{w: w, refs: a.refs, cat: a.cat, grs: a.st.Grants()}, g)
	}
}

// adapter serves Store with *store.Store's referrals.
type adapter struct {
	st     *store.Store
	refs   *store.Referrals
	cat    *store.Catalogue
	grants *grants.Service
}

func (a adapter) Referral(ctx context.Context, sc store.Scope, id string) (*models.Referral, error) {
	return a.refs.Get(ctx, sc, id)
}

func (a adapter) ReferralOfGrant(ctx context.Context, sc store.Scope, grantID string) (*models.Referral, error) {
	return a.refs.OfGrant(ctx, sc, grantID)
}

func (a adapter) Referrals(ctx context.Context, sc store.Scope, q store.ReferralQuery) (*store.Page[models.Referral], error) {
	return a.refs.List(ctx, sc, q)
}

func (a adapter) Counts(ctx context.Context, sc store.Scope, area *string, now time.Time) ([]*models.ReferralCount, error) {
	return a.refs.Counts(ctx, sc, area, now)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error {
		return step(tx{w: w, refs: a.refs, cat: a.cat, st: a.st, grants: a.grants, grs: a.st.Grants()})
	})
}

// tx serves Tx with a store.Writer.
type tx struct {
	w      *store.Writer
	refs   *store.Referrals
	cat    *store.Catalogue
	st     *store.Store
	grants *grants.Service
	grs    *store.Grants
}

func (t tx) Setting(code, county string, day models.Date) (*models.ProgramSetting, error) {
	return t.cat.SettingIn(t.w, code, county, day)
}
func (t tx) Insert(r *models.Referral, g *models.Grant, reason string) error {
	return t.refs.Insert(t.w, r, g, reason)
}
func (t tx) Referral(id string) (*models.Referral, *models.Grant, error) { return t.refs.In(t.w, id) }
func (t tx) Step(r *models.Referral, g *models.Grant, to models.ReferralStatus, reason, event string) error {
	return t.refs.Step(t.w, r, g, to, reason, event)
}
func (t tx) Approve(g *models.Grant, in models.ApprovalInput, reviewReason, reason string) error {
	return t.grants.ApproveWithin(grants.TxOf(t.st, t.w), t.w.Scope(), g, in, reviewReason, reason)
}
func (t tx) Reject(g *models.Grant, reason string) error { return t.refs.Reject(t.w, g, reason) }
func (t tx) Rejecters(grantID string) ([]string, error) {
	return t.grs.RejectersIn(t.w, grantID)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
