// Package households holds the use cases of households and their members: registering
// and changing households, adding, changing and removing members, changing the head,
// the reads of both, and the reveals of ID numbers and birth dates. Each use case takes
// the caller from its context, checks what the caller's role may do, validates its
// input, and tells the store what to write in one unit of work; the store narrows every
// read and write to the caller's scope.
package households

import (
	"context"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of households and members.
// *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	Household(ctx context.Context, sc store.Scope, id string) (*models.Household, error)
	Households(ctx context.Context, sc store.Scope, q store.HouseholdQuery) (*store.Page[models.Household], error)
	Member(ctx context.Context, sc store.Scope, id string) (*models.Member, error)
	MemberByIDNumber(ctx context.Context, sc store.Scope, number string) (*models.Member, error)
	Members(ctx context.Context, sc store.Scope, householdID string) ([]*models.Member, error)
	Head(ctx context.Context, sc store.Scope, householdID string) (*models.Member, error)
	// Village checks that code is a village inside sc (see store.Jurisdictions.Village).
	Village(sc store.Scope, field, code string) (*division.Unit, error)
	// AllowIDLookup takes one lookup by ID number from subject's allowance.
	AllowIDLookup(subject string, now time.Time) (bool, time.Duration)
	// TakeIDLookups takes n lookups by ID number from subject's allowance, all or none;
	// with n = 0 it reports whether one is left (see store.Store.TakeIDLookups).
	TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on households and members, inside Store.Write. Its writes
// record their own change-feed entries and refreshes; the use case records the audit
// event.
type Tx interface {
	Household(id string) (*models.Household, error)
	// Member returns member id, of household householdID unless that is "".
	Member(householdID, id string) (*models.Member, error)
	IDNumbersTaken(nums []string) ([]string, error)
	GrantsNaming(memberID string) (int64, error)
	Insert(h *models.Household, members []*models.Member) error
	Save(before, h *models.Household) error
	InsertMember(m *models.Member) error
	SaveMember(m *models.Member) error
	DeleteMember(m *models.Member) error
	SetHead(h *models.Household, m *models.Member, formerRelation models.Relation) error
	Audit(op, area string, ids []string, before, after any)
	// Settle writes what was recorded so far, before derived values are read back.
	Settle() error
}

// Service runs the use cases of households and members. It is safe for concurrent use.
type Service struct {
	st Store
	// now is the clock the rules judge by (ID numbers, ages).
	now func() time.Time
	// wall is the clock of the limit on lookups by ID number.
	wall func() time.Time
	ids  func() string
}

// New returns the use cases over st, with st's clock.
func New(st *store.Store) *Service {
	return &Service{st: adapter{st: st, hh: st.Households()}, now: st.Now, wall: time.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store, with the clock now and the maker of
// record ids ids; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, wall: now, ids: ids}
}

// adapter serves Store with *store.Store's households.
type adapter struct {
	st *store.Store
	hh *store.Households
}

func (a adapter) Household(ctx context.Context, sc store.Scope, id string) (*models.Household, error) {
	return a.hh.Get(ctx, sc, id)
}

func (a adapter) Households(ctx context.Context, sc store.Scope, q store.HouseholdQuery) (*store.Page[models.Household], error) {
	return a.hh.List(ctx, sc, q)
}

func (a adapter) Member(ctx context.Context, sc store.Scope, id string) (*models.Member, error) {
	return a.hh.Member(ctx, sc, id)
}

func (a adapter) MemberByIDNumber(ctx context.Context, sc store.Scope, number string) (*models.Member, error) {
	return a.hh.MemberByIDNumber(ctx, sc, number)
}

func (a adapter) Members(ctx context.Context, sc store.Scope, householdID string) ([]*models.Member, error) {
	return a.hh.Members(ctx, sc, householdID)
}

func (a adapter) Head(ctx context.Context, sc store.Scope, householdID string) (*models.Member, error) {
	return a.hh.Head(ctx, sc, householdID)
}

func (a adapter) Village(sc store.Scope, field, code string) (*division.Unit, error) {
	return a.st.Jurisdictions().Village(sc, field, code)
}

func (a adapter) AllowIDLookup(subject string, now time.Time) (bool, time.Duration) {
	return a.hh.AllowIDLookup(subject, now)
}

func (a adapter) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return a.st.TakeIDLookups(subject, n, now)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, hh: a.hh}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	hh *store.Households
}

func (t tx) Household(id string) (*models.Household, error) { return t.hh.HouseholdIn(t.w, id) }
func (t tx) Member(householdID, id string) (*models.Member, error) {
	return t.hh.MemberIn(t.w, householdID, id)
}
func (t tx) IDNumbersTaken(nums []string) ([]string, error) { return t.hh.IDNumbersTaken(t.w, nums) }
func (t tx) GrantsNaming(memberID string) (int64, error)    { return t.hh.GrantsNaming(t.w, memberID) }
func (t tx) Insert(h *models.Household, members []*models.Member) error {
	return t.hh.Insert(t.w, h, members)
}
func (t tx) Save(before, h *models.Household) error { return t.hh.Save(t.w, before, h) }
func (t tx) InsertMember(m *models.Member) error    { return t.hh.InsertMember(t.w, m) }
func (t tx) SaveMember(m *models.Member) error      { return t.hh.SaveMember(t.w, m) }
func (t tx) DeleteMember(m *models.Member) error    { return t.hh.DeleteMember(t.w, m) }
func (t tx) SetHead(h *models.Household, m *models.Member, formerRelation models.Relation) error {
	return t.hh.SetHead(t.w, h, m, formerRelation)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
func (t tx) Settle() error { return t.w.Settle() }
