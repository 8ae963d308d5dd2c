// Package staffing holds the use cases of staffing (P6) and of the dibao standards
// (P12): the staff registry, the populations of townships, the staffing report with
// its shortfalls, the reveal of staff phone numbers, and the per-county standards. Each
// use case takes the caller from its context, checks what the caller's role may do,
// validates its input, asks the policy what the rules say, and tells the store what to
// write in one unit of work; the store narrows every read and write to the caller's
// scope.
package staffing

import (
	"context"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of staff, populations and
// standards. *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	StaffMember(ctx context.Context, sc store.Scope, id string) (*models.StaffMember, error)
	Staff(ctx context.Context, sc store.Scope, q store.StaffQuery) (*store.Page[models.StaffMember], error)
	// Figures returns what the staffing report of area is built from (see
	// store.Staff.Figures).
	Figures(ctx context.Context, sc store.Scope, area *string) (*store.StaffingFigures, error)
	Standards(ctx context.Context, sc store.Scope, area *string, year *int) ([]*models.DibaoStandard, error)
	StandardOf(ctx context.Context, sc store.Scope, householdID string) (*models.AppliedStandard, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on staff, populations and standards, inside Store.Write. The
// use case records the audit event.
type Tx interface {
	StaffMember(id string) (*models.StaffMember, error)
	// OverlappingInPost returns another staff member of m's post and area whose time in
	// post overlaps m's, or nil.
	OverlappingInPost(m *models.StaffMember) (*models.StaffMember, error)
	InsertStaff(m *models.StaffMember) error
	// SaveStaff writes m over old, guarded by old's version (a Conflict error when it
	// changed).
	SaveStaff(old, m *models.StaffMember) error
	SetPopulation(code string, population *int) (before *int, after *models.Jurisdiction, err error)
	// SetStandard upserts a county's standard of a year and refreshes what the rules
	// derive for its households.
	SetStandard(county string, year int, urban, rural models.Money) (before, after *models.DibaoStandard, err error)
	Audit(op, area string, ids []string, before, after any)
}

// Config is what the rules of staffing and standards are judged with.
type Config struct {
	// Tree is the jurisdiction tree areas are checked against and reports are built on.
	Tree *division.Tree
	// Rules are the thresholds of the policy (the poverty lines of P12).
	Rules policy.Config
	// CoordinatorThreshold is the number of active recipients from which a village needs
	// two coordinators (P6).
	CoordinatorThreshold int
}

// Service runs the use cases of staffing and standards. It is safe for concurrent use.
type Service struct {
	st  Store
	cfg Config
	// now is the clock the rules judge by (staff in post today).
	now func() time.Time
	ids func() string
}

// New returns the use cases over st, with st's clock and tree, judged by the policy's
// configuration rules (its coordinator threshold too).
func New(st *store.Store, rules policy.Config) *Service {
	return &Service{
		st:  adapter{st: st, staff: st.Staff(), standards: st.Standards()},
		cfg: Config{Tree: st.Tree(), Rules: rules, CoordinatorThreshold: rules.CoordinatorThreshold},
		now: st.Now, ids: store.NewID,
	}
}

// NewWith returns the use cases over any Store, judged with cfg, with the clock now and
// the maker of record ids ids; it is for tests.
func NewWith(st Store, cfg Config, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, cfg: cfg, now: now, ids: ids}
}

// today is the current calendar date of the service's clock in Dezhou (China time).
func (s *Service) today() models.Date { return models.DateOf(s.now().In(policy.ChinaTime)) }

// adapter serves Store with *store.Store's staff and standards.
type adapter struct {
	st        *store.Store
	staff     *store.Staff
	standards *store.Standards
}

func (a adapter) StaffMember(ctx context.Context, sc store.Scope, id string) (*models.StaffMember, error) {
	return a.staff.Get(ctx, sc, id)
}

func (a adapter) Staff(ctx context.Context, sc store.Scope, q store.StaffQuery) (*store.Page[models.StaffMember], error) {
	return a.staff.List(ctx, sc, q)
}

func (a adapter) Figures(ctx context.Context, sc store.Scope, area *string) (*store.StaffingFigures, error) {
	return a.staff.Figures(ctx, sc, area)
}

func (a adapter) Standards(ctx context.Context, sc store.Scope, area *string, year *int) ([]*models.DibaoStandard, error) {
	return a.standards.List(ctx, sc, area, year)
}

func (a adapter) StandardOf(ctx context.Context, sc store.Scope, householdID string) (*models.AppliedStandard, error) {
	return a.standards.Of(ctx, sc, householdID)
}

func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error {
		return step(tx{w: w, staff: a.staff, standards: a.standards})
	})
}

// tx serves Tx with a store.Writer.
type tx struct {
	w         *store.Writer
	staff     *store.Staff
	standards *store.Standards
}

func (t tx) StaffMember(id string) (*models.StaffMember, error) { return t.staff.GetIn(t.w, id) }
func (t tx) OverlappingInPost(m *models.StaffMember) (*models.StaffMember, error) {
	return t.staff.OverlappingInPost(t.w, m)
}
func (t tx) InsertStaff(m *models.StaffMember) error    { return t.staff.Insert(t.w, m) }
func (t tx) SaveStaff(old, m *models.StaffMember) error { return t.staff.Save(t.w, old, m) }
func (t tx) SetPopulation(code string, population *int) (*int, *models.Jurisdiction, error) {
	return t.staff.SetPopulation(t.w, code, population)
}
func (t tx) SetStandard(county string, year int, urban, rural models.Money) (*models.DibaoStandard, *models.DibaoStandard, error) {
	return t.standards.Set(t.w, county, year, urban, rural)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
