// Package reviews holds the use cases of the periodic re-certification of grants
// (动态化管理, P24): the daily jobs open a review for every ACTIVE grant that is due by its
// program's interval, assigned to the grant's township, and flag it overdue after a grace
// of days; an officer closes it with a verification, a change of amount recomputed by the
// entitlement rules, or a move of the grant (suspend, terminate). Each use case takes the
// caller, checks its role, validates the input and runs one unit of work.
package reviews

import (
	"context"
	"time"

	"jiuzhu/casework/grants"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of reviews. *store.Store serves
// it through New; the tests use an in-memory fake.
type Store interface {
	// Review returns the review id in sc (see store.Reviews.Get).
	Review(ctx context.Context, sc store.Scope, id string) (*models.Review, error)
	// Reviews returns a page of reviews (see store.Reviews.List).
	Reviews(ctx context.Context, sc store.Scope, q store.ReviewQuery) (*store.Page[models.Review], error)
	// Counts counts the open reviews of an area (see store.Reviews.Counts).
	Counts(ctx context.Context, sc store.Scope, area *string) (models.ReviewCounts, error)
	// Due returns grants a review is due for (see store.Reviews.Due).
	Due(ctx context.Context, sc store.Scope, q store.DueQuery) ([]store.DueGrant, error)
	// Late returns open reviews due before a day, not yet overdue (see store.Reviews.Late).
	Late(ctx context.Context, sc store.Scope, dueBefore models.Date, after string, limit int) ([]models.Review, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on reviews, inside Store.Write. The writes record their own
// change-feed entries; the use case records the audit events.
type Tx interface {
	// Review returns the review id in scope, or models.ErrNotFound.
	Review(id string) (*models.Review, error)
	// InsertReview stores a new review unless one of the grant is open or has the same due
	// day; it reports whether it stored it.
	InsertReview(v *models.Review) (bool, error)
	// UpdateReview writes v at its version, or returns a Conflict error.
	UpdateReview(v *models.Review) error
	// Grants are the grant operations (grants.go).
	Grants
	Audit(op, area string, ids []string, before, after any)
}

// Grants are the operations of the grants' lifecycle and rules that closing a review
// takes, inside its unit of work.
type Grants interface {
	// Grant returns the grant id in scope, or models.ErrNotFound.
	Grant(id string) (*models.Grant, error)
	// MoveGrant moves g to status to for reason, through the grant lifecycle.
	MoveGrant(g *models.Grant, to models.GrantStatus, reason string) error
	// Recompute computes g's amount again by its program's rule as of day (amount is the
	// assessed need of programs that take one) and sets it when it differs; it returns
	// the new amount.
	Recompute(g *models.Grant, day models.Date, amount *models.Money, reason string) (models.Money, error)
}

// Service runs the use cases of reviews. It is safe for concurrent use.
type Service struct {
	st  Store
	now func() time.Time
	ids func() string
	// schedule is the interval of each reviewed program; grace the days after its due
	// day from which an open review is overdue.
	schedule policy.ReviewSchedule
	grace    int
}

// New returns the use cases over st, with st's clock and the default schedule and grace;
// the grants it re-certifies are judged by the policy's configuration rules.
func New(st *store.Store, rules policy.Config) *Service {
	return NewWith(adapter{st: st, rv: st.Reviews(), grants: grants.New(st, rules)}, st.Now, store.NewID)
}

// NewWith returns the use cases over any Store, with the clock now and the maker of
// record ids ids, and the default schedule and grace; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, ids: ids, schedule: policy.DefaultReviewSchedule(), grace: policy.DefaultReviewGraceDays}
}

// Configure returns a copy of s with the schedule and the grace days given.
func (s *Service) Configure(schedule policy.ReviewSchedule, graceDays int) *Service {
	c := *s
	c.schedule, c.grace = schedule, graceDays
	return &c
}

// adapter serves Store with *store.Store's reviews.
type adapter struct {
	st     *store.Store
	rv     *store.Reviews
	grants *grants.Service
}

func (a adapter) Review(ctx context.Context, sc store.Scope, id string) (*models.Review, error) {
	return a.rv.Get(ctx, sc, id)
}

func (a adapter) Reviews(ctx context.Context, sc store.Scope, q store.ReviewQuery) (*store.Page[models.Review], error) {
	return a.rv.List(ctx, sc, q)
}

func (a adapter) Counts(ctx context.Context, sc store.Scope, area *string) (models.ReviewCounts, error) {
	return a.rv.Counts(ctx, sc, area)
}

func (a adapter) Due(ctx context.Context, sc store.Scope, q store.DueQuery) ([]store.DueGrant, error) {
	return a.rv.Due(ctx, sc, q)
}

func (a adapter) Late(ctx context.Context, sc store.Scope, dueBefore models.Date, after string, limit int) ([]models.Review, error) {
	return a.rv.Late(ctx, sc, dueBefore, after, limit)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, rv: a.rv, st: a.st, grants: a.grants}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w      *store.Writer
	rv     *store.Reviews
	st     *store.Store
	grants *grants.Service
}

func (t tx) Review(id string) (*models.Review, error)    { return t.rv.In(t.w, id) }
func (t tx) InsertReview(v *models.Review) (bool, error) { return t.rv.Insert(t.w, v) }
func (t tx) UpdateReview(v *models.Review) error         { return t.rv.Update(t.w, v) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
