// Package grievances holds the use cases of grievances (投诉/申诉, P25): a ticket against
// an application, a grant or a decision, opened through any channel, with a category, a
// due date in working days, the office it is assigned to, comments, an answer and a
// close. An appeal against a rejected application may reopen its review, which another
// officer than the one who rejected then decides.
//
// Each use case takes the caller from its context, checks what the caller's role may
// do, validates its input, asks policy what the rules say, and tells the store what to
// read or write; the store narrows every read and write to the caller's scope, so a
// grievance outside the caller's area is NOT_FOUND.
package grievances

import (
	"context"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of grievances. *store.Store
// serves it through New; the tests use an in-memory fake.
type Store interface {
	// Grievance returns the grievance id in sc (see store.Grievances.Get).
	Grievance(ctx context.Context, sc store.Scope, id string) (*models.Grievance, error)
	// Grievances returns a page of grievances (see store.Grievances.List).
	Grievances(ctx context.Context, sc store.Scope, q store.GrievanceQuery) (*store.Page[models.Grievance], error)
	// Comments returns a grievance's comments (see store.Grievances.Comments).
	Comments(ctx context.Context, sc store.Scope, id string) ([]models.GrievanceComment, error)
	// OverdueByArea counts overdue grievances per area code (see
	// store.Grievances.OverdueByArea).
	OverdueByArea(ctx context.Context, sc store.Scope, area *string, now time.Time) ([]store.AreaCount, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on grievances, inside Store.Write. Its writes record their own
// change-feed entries and notices; the use case records the audit events.
type Tx interface {
	// Target returns the grant (and for a DECISION the event) a grievance is against, in
	// scope, or models.ErrNotFound.
	Target(subject models.GrievanceSubject, recordID string) (*models.Grant, *models.GrantEvent, error)
	// LastRejection returns the latest event that rejected the grant, or nil.
	LastRejection(grantID string) (*models.GrantEvent, error)
	// Grievance returns the grievance id in scope, or models.ErrNotFound.
	Grievance(id string) (*models.Grievance, error)
	// Insert stores a new grievance with its notices to the applicant.
	Insert(g *models.Grievance, grant *models.Grant) error
	// AddComment stores a comment on g.
	AddComment(g *models.Grievance, c *models.GrievanceComment, category string) error
	// Update writes g's answer and close, guarded by its version.
	Update(g *models.Grievance, category string) error
	// NoticeAnswered writes the applicant's notice of the answer.
	NoticeAnswered(g *models.Grievance, grant *models.Grant) error
	// Reopen moves the rejected application back to status to on appeal.
	Reopen(grant *models.Grant, to models.GrantStatus, reason string) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of grievances. It is safe for concurrent use.
type Service struct {
	st    Store
	rules policy.Config
	tree  *division.Tree
	// now is the clock of openings, answers, due dates and overdue counts.
	now func() time.Time
	ids func() string
}

// New returns the use cases over st, with st's clock and jurisdiction tree, judged by
// the policy's configuration rules.
func New(st *store.Store, rules policy.Config) *Service {
	return &Service{st: adapter{st: st, gs: st.Grievances()}, rules: rules, tree: st.Tree(), now: st.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store, with the policy rules, the jurisdiction
// tree, the clock now and the maker of record ids ids; it is for tests.
func NewWith(st Store, rules policy.Config, tree *division.Tree, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, rules: rules, tree: tree, now: now, ids: ids}
}

// adapter serves Store with *store.Store's grievances.
type adapter struct {
	st *store.Store
	gs *store.Grievances
}

func (a adapter) Grievance(ctx context.Context, sc store.Scope, id string) (*models.Grievance, error) {
	return a.gs.Get(ctx, sc, id)
}

func (a adapter) Grievances(ctx context.Context, sc store.Scope, q store.GrievanceQuery) (*store.Page[models.Grievance], error) {
	return a.gs.List(ctx, sc, q)
}

func (a adapter) Comments(ctx context.Context, sc store.Scope, id string) ([]models.GrievanceComment, error) {
	return a.gs.Comments(ctx, sc, id)
}

func (a adapter) OverdueByArea(ctx context.Context, sc store.Scope, area *string, now time.Time) ([]store.AreaCount, error) {
	return a.gs.OverdueByArea(ctx, sc, area, now)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, gs: a.gs}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	gs *store.Grievances
}

func (t tx) Target(subject models.GrievanceSubject, recordID string) (*models.Grant, *models.GrantEvent, error) {
	return t.gs.Target(t.w, subject, recordID)
}
func (t tx) LastRejection(grantID string) (*models.GrantEvent, error) {
	return t.gs.LastRejection(t.w, grantID)
}
func (t tx) Grievance(id string) (*models.Grievance, error) { return t.gs.GetIn(t.w, id) }
func (t tx) Insert(g *models.Grievance, grant *models.Grant) error {
	return t.gs.Insert(t.w, g, grant)
}
func (t tx) AddComment(g *models.Grievance, c *models.GrievanceComment, category string) error {
	return t.gs.AddComment(t.w, g, c, category)
}
func (t tx) Update(g *models.Grievance, category string) error { return t.gs.Update(t.w, g, category) }
func (t tx) NoticeAnswered(g *models.Grievance, grant *models.Grant) error {
	return t.gs.NoticeAnswered(t.w, g, grant)
}
func (t tx) Reopen(grant *models.Grant, to models.GrantStatus, reason string) error {
	return t.gs.Reopen(t.w, grant, to, reason)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
