// Package grants holds the use cases of grants and what they pay: opening a grant, the
// lifecycle of review, approval, suspension, resumption, rejection and termination
// (P5, P8), the review flags (P10), the amounts computed by rule with their calculations
// and overrides (P3, P18–P20), the rules of one benefit where the policy allows one
// (P21), and the counties' entitlement parameters. Each use case takes the caller from
// its context, checks what the caller's role may do, validates its input, asks the
// policy what the rules say, and tells the store what to write in one unit of work; the
// store narrows every read and write to the caller's scope.
package grants

import (
	"context"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of grants and entitlements.
// *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	Grant(ctx context.Context, sc store.Scope, id string) (*models.Grant, error)
	Grants(ctx context.Context, sc store.Scope, q store.GrantQuery) (*store.Page[models.Grant], error)
	GrantsOf(ctx context.Context, sc store.Scope, householdID string) ([]*models.Grant, error)
	Events(ctx context.Context, sc store.Scope, grantID string) ([]*models.GrantEvent, error)
	// Rejecters returns the officers who rejected the grant before it was reopened on
	// appeal (P25); none when it never was.
	Rejecters(ctx context.Context, sc store.Scope, grantID string) ([]string, error)
	// Referral returns the referral of the application grantID to another department,
	// nil when it has none (casework/referrals).
	Referral(ctx context.Context, sc store.Scope, grantID string) (*models.Referral, error)
	MedicalClaim(ctx context.Context, sc store.Scope, grantID string) (*models.MedicalClaim, error)
	Calculation(ctx context.Context, sc store.Scope, grantID string) (*models.EntitlementCalculation, error)
	CountOverrides(ctx context.Context, sc store.Scope, area string) (int, error)
	Parameters(ctx context.Context, sc store.Scope, county string, year *int) ([]*models.EntitlementParameters, error)
	// ParametersOn returns the parameters in force on day in the county of area, nil
	// when it has set none.
	ParametersOn(ctx context.Context, sc store.Scope, area string, day models.Date) (*models.EntitlementParameters, error)
	// HeldAfter returns the grants in statuses of the next batch of households after
	// household after, by household; none at the end.
	HeldAfter(ctx context.Context, sc store.Scope, statuses []models.GrantStatus, after string) ([]models.Grant, error)
	UrgentFiles(ctx context.Context, sc store.Scope) ([]store.UrgentFile, error)
	// Unit returns the jurisdiction of code (its level, and whether a village is urban).
	Unit(code string) (*division.Unit, bool)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on grants, inside Store.Write. Its writes record their own
// change-feed entries, notices and refreshes; the use case records the audit events.
type Tx interface {
	Grant(id string) (*models.Grant, error)
	// Target reads the program, the household (taking its lock) and checks the member
	// of a new grant.
	Target(programCode, householdID string, memberID *string) (*models.Program, *models.Household, error)
	// Facts reads, under the household's lock, what the amount of g is computed from.
	Facts(g *models.Grant, start models.Date, held []models.GrantStatus) (*store.EntitlementFacts, error)
	ReviewerOf(grantID string) (string, error)
	// MedicalPaid returns what program paid member in year, locking the member.
	MedicalPaid(memberID, program string, year int) (models.Money, error)
	Insert(g *models.Grant, reason string) error
	Move(g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error
	ClearFlag(g *models.Grant, reason string) error
	InsertClaim(c *models.MedicalClaim) error
	RecordCalculation(c *models.EntitlementCalculation) error
	// Reprice sets g's amount to calc's, replacing its calculation (a re-certification).
	Reprice(g *models.Grant, calc *models.EntitlementCalculation, reason string) error
	SaveParameters(p models.EntitlementParameters) (out, before *models.EntitlementParameters, err error)
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of grants and entitlements. It is safe for concurrent use.
type Service struct {
	st Store
	// medical holds the ratio and ceiling of each medical program (P3).
	medical policy.MedicalRules
	// now is the clock the rules judge by (ages, the urgent deadlines of P20).
	now func() time.Time
	ids func() string
}

// New returns the use cases over st, with st's clock and the medical rules of the
// policy's configuration rules.
func New(st *store.Store, rules policy.Config) *Service {
	return &Service{st: adapter{st: st, gr: st.Grants(), en: st.Entitlements()}, medical: rules.Medical, now: st.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store, with the medical rules of rules, the
// clock now and the maker of record ids ids; it is for tests.
func NewWith(st Store, rules policy.Config, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, medical: rules.Medical, now: now, ids: ids}
}

// adapter serves Store with *store.Store's grants and entitlements.
type adapter struct {
	st *store.Store
	gr *store.Grants
	en *store.Entitlements
}

func (a adapter) Grant(ctx context.Context, sc store.Scope, id string) (*models.Grant, error) {
	return a.gr.Get(ctx, sc, id)
}
func (a adapter) Grants(ctx context.Context, sc store.Scope, q store.GrantQuery) (*store.Page[models.Grant], error) {
	return a.gr.List(ctx, sc, q)
}
func (a adapter) GrantsOf(ctx context.Context, sc store.Scope, householdID string) ([]*models.Grant, error) {
	return a.gr.Of(ctx, sc, householdID)
}
func (a adapter) Events(ctx context.Context, sc store.Scope, grantID string) ([]*models.GrantEvent, error) {
	return a.gr.Events(ctx, sc, grantID)
}
func (a adapter) Rejecters(ctx context.Context, sc store.Scope, grantID string) ([]string, error) {
	return a.gr.Rejecters(ctx, sc, grantID)
}
func (a adapter) Referral(ctx context.Context, sc store.Scope, grantID string) (*models.Referral, error) {
	return a.st.Referrals().OfGrant(ctx, sc, grantID)
}
func (a adapter) MedicalClaim(ctx context.Context, sc store.Scope, grantID string) (*models.MedicalClaim, error) {
	return a.gr.MedicalClaim(ctx, sc, grantID)
}
func (a adapter) Calculation(ctx context.Context, sc store.Scope, grantID string) (*models.EntitlementCalculation, error) {
	return a.en.Calculation(ctx, sc, grantID)
}
func (a adapter) CountOverrides(ctx context.Context, sc store.Scope, area string) (int, error) {
	return a.en.CountOverrides(ctx, sc, area)
}
func (a adapter) Parameters(ctx context.Context, sc store.Scope, county string, year *int) ([]*models.EntitlementParameters, error) {
	return a.en.Parameters(ctx, sc, county, year)
}
func (a adapter) ParametersOn(ctx context.Context, sc store.Scope, area string, day models.Date) (*models.EntitlementParameters, error) {
	return a.en.ParametersOn(ctx, sc, area, day)
}
func (a adapter) HeldAfter(ctx context.Context, sc store.Scope, statuses []models.GrantStatus, after string) ([]models.Grant, error) {
	return a.en.HeldAfter(ctx, sc, statuses, after)
}
func (a adapter) UrgentFiles(ctx context.Context, sc store.Scope) ([]store.UrgentFile, error) {
	return a.en.UrgentFiles(ctx, sc)
}
func (a adapter) Unit(code string) (*division.Unit, bool) { return a.st.Tree().Unit(code) }
func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, gr: a.gr, en: a.en}) })
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	gr *store.Grants
	en *store.Entitlements
}

func (t tx) Grant(id string) (*models.Grant, error) { return t.gr.GetIn(t.w, id) }
func (t tx) Target(programCode, householdID string, memberID *string) (*models.Program, *models.Household, error) {
	return t.gr.Target(t.w, programCode, householdID, memberID)
}
func (t tx) Facts(g *models.Grant, start models.Date, held []models.GrantStatus) (*store.EntitlementFacts, error) {
	return t.en.Facts(t.w, g, start, held)
}
func (t tx) ReviewerOf(grantID string) (string, error) { return t.gr.ReviewerOf(t.w, grantID) }
func (t tx) MedicalPaid(memberID, program string, year int) (models.Money, error) {
	return t.gr.MedicalPaid(t.w, memberID, program, year)
}
func (t tx) Insert(g *models.Grant, reason string) error { return t.gr.Insert(t.w, g, reason) }
func (t tx) Move(g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
	return t.gr.Move(t.w, g, to, reason, set)
}
func (t tx) ClearFlag(g *models.Grant, reason string) error { return t.gr.ClearFlag(t.w, g, reason) }
func (t tx) InsertClaim(c *models.MedicalClaim) error       { return t.gr.InsertClaim(t.w, c) }
func (t tx) Reprice(g *models.Grant, calc *models.EntitlementCalculation, reason string) error {
	return t.gr.Reprice(t.w, g, calc, reason)
}
func (t tx) RecordCalculation(c *models.EntitlementCalculation) error {
	return t.en.RecordCalculation(t.w, c)
}
func (t tx) SaveParameters(p models.EntitlementParameters) (*models.EntitlementParameters, *models.EntitlementParameters, error) {
	return t.en.SaveParameters(t.w, p)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}
