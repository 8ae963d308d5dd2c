package grants_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/grants"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	city        = division.CityCode
	county      = "371402000000" // 德城区
	otherCounty = "371403000000"
	township    = "371402001000"
	village     = "371402001001"
	otherVill   = "371403001001"
)

// clock is the fixed time of the tests: 1 March 2026 in Dezhou.
var clock = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fake is an in-memory grants.Store: grants, events, calculations, claims and parameter
// sets in maps and slices, narrowed to the caller's area as the store narrows them, and
// a unit of work that keeps nothing of a step that fails or records no audit event (as
// store.Write).
type fake struct {
	tree       *division.Tree
	urban      map[string]bool
	programs   map[string]*models.Program
	households map[string]*models.Household
	members    map[string][]models.Member
	standards  map[string]*models.DibaoStandard
	verified   map[string]*models.Verification
	grants     map[string]*models.Grant
	events     []*models.GrantEvent
	referrals  map[string]*models.Referral
	calcs      []*models.EntitlementCalculation
	claims     []*models.MedicalClaim
	params     []models.EntitlementParameters
	paid       map[string]models.Money
	urgent     []store.UrgentFile
	// audits are the audit operations committed, in order.
	audits []string
	// scopes are the scopes the store was told, in order.
	scopes []store.Scope
	n      int
}

func newFake() *fake {
	f := &fake{
		tree: division.Dezhou(), urban: map[string]bool{village: true, otherVill: true},
		programs: map[string]*models.Program{}, households: map[string]*models.Household{},
		members: map[string][]models.Member{}, standards: map[string]*models.DibaoStandard{},
		verified: map[string]*models.Verification{}, grants: map[string]*models.Grant{}, paid: map[string]models.Money{},
	}
	for _, p := range catalogue.Programs() {
		f.programs[p.Code] = &models.Program{Code: p.Code, Name: p.Name, CategoryCode: p.CategoryCode, Active: true}
	}
	f.standards[county] = &models.DibaoStandard{AreaCode: county, Year: 2026, Urban: money("850.00"), Rural: money("700.00")}
	return f
}

// household adds a household of n members without income in area.
func (f *fake) household(id, area string, n int) *models.Household {
	h := &models.Household{ID: id, AreaCode: area}
	f.households[id] = h
	for i := 0; i < n; i++ {
		f.members[id] = append(f.members[id], models.Member{ID: fmt.Sprintf("%s-m%d", id, i), HouseholdID: id, AreaCode: area})
	}
	return h
}

// grant adds a grant of household h on program in status, opened by "seed".
func (f *fake) grant(id string, h *models.Household, program string, status models.GrantStatus) *models.Grant {
	g := &models.Grant{ID: id, HouseholdID: h.ID, AreaCode: h.AreaCode, ProgramCode: program,
		CategoryCode: f.programs[program].CategoryCode, Status: status, Amount: money("100.00"),
		StartDate: models.NewDate(2026, 1, 1), Version: 1, CreatedBy: "seed"}
	f.grants[id] = g
	return g
}

// reviewedBy records that subject moved grant id to REVIEWED.
func (f *fake) reviewedBy(id, subject string) {
	g := f.grants[id]
	from := models.GrantPending
	f.events = append(f.events, &models.GrantEvent{ID: "ev-" + id, GrantID: id, AreaCode: g.AreaCode, Actor: subject, FromStatus: &from, ToStatus: models.GrantReviewed})
}

// sees reports whether the caller of sc reaches grant g, by its area and category.
func sees(sc store.Scope, g *models.Grant) bool {
	return fakestore.Sees(sc, g.AreaCode, g.CategoryCode)
}

func (f *fake) Referral(_ context.Context, _ store.Scope, grantID string) (*models.Referral, error) {
	return f.referrals[grantID], nil
}

func (f *fake) Rejecters(_ context.Context, _ store.Scope, grantID string) ([]string, error) {
	reopened := false
	var out []string
	for _, e := range f.events {
		if e.GrantID != grantID {
			continue
		}
		if e.FromStatus != nil && *e.FromStatus == models.GrantRejected {
			reopened = true
		}
		if e.ToStatus == models.GrantRejected {
			out = append(out, e.Actor)
		}
	}
	if !reopened {
		return nil, nil
	}
	return out, nil
}

func (f *fake) Grant(_ context.Context, sc store.Scope, id string) (*models.Grant, error) {
	g, ok := f.grants[id]
	if !ok || !sees(sc, g) {
		return nil, models.NotFound("grant")
	}
	c := *g
	return &c, nil
}

func (f *fake) Grants(_ context.Context, sc store.Scope, q store.GrantQuery) (*store.Page[models.Grant], error) {
	return fakestore.Page(sc, f.grants, func(g *models.Grant) bool { return sees(sc, g) }), nil
}

func (f *fake) GrantsOf(_ context.Context, sc store.Scope, householdID string) ([]*models.Grant, error) {
	var out []*models.Grant
	for _, g := range f.grants {
		if g.HouseholdID == householdID && sees(sc, g) {
			c := *g
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fake) Events(_ context.Context, sc store.Scope, grantID string) ([]*models.GrantEvent, error) {
	g, ok := f.grants[grantID]
	if !ok || !sees(sc, g) {
		return nil, nil
	}
	var out []*models.GrantEvent
	for _, e := range f.events {
		if e.GrantID == grantID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fake) MedicalClaim(_ context.Context, sc store.Scope, grantID string) (*models.MedicalClaim, error) {
	for _, c := range f.claims {
		if g := f.grants[c.GrantID]; c.GrantID == grantID && sees(sc, g) {
			return c, nil
		}
	}
	return nil, nil
}

func (f *fake) Calculation(_ context.Context, sc store.Scope, grantID string) (*models.EntitlementCalculation, error) {
	for _, c := range f.calcs {
		if g := f.grants[c.GrantID]; c.GrantID == grantID && sees(sc, g) {
			return c, nil
		}
	}
	return nil, nil
}

func (f *fake) CountOverrides(_ context.Context, sc store.Scope, area string) (int, error) {
	n := 0
	for _, c := range f.calcs {
		if g := f.grants[c.GrantID]; c.Overridden && sees(sc, g) && division.Contains(area, g.AreaCode) {
			n++
		}
	}
	return n, nil
}

func (f *fake) Parameters(_ context.Context, sc store.Scope, county string, _ *int) ([]*models.EntitlementParameters, error) {
	f.scopes = append(f.scopes, sc)
	var out []*models.EntitlementParameters
	for i := range f.params {
		if county == "" || f.params[i].AreaCode == county {
			out = append(out, &f.params[i])
		}
	}
	return out, nil
}

func (f *fake) ParametersOn(_ context.Context, _ store.Scope, area string, day models.Date) (*models.EntitlementParameters, error) {
	var best *models.EntitlementParameters
	for i := range f.params {
		p := &f.params[i]
		if division.Contains(p.AreaCode, area) && !p.EffectiveFrom.After(day.Time) && (best == nil || p.EffectiveFrom.After(best.EffectiveFrom.Time)) {
			best = p
		}
	}
	return best, nil
}

func (f *fake) HeldAfter(_ context.Context, sc store.Scope, statuses []models.GrantStatus, after string) ([]models.Grant, error) {
	f.scopes = append(f.scopes, sc)
	var out []models.Grant
	for _, id := range fakestore.Sorted(f.grants) {
		g := f.grants[id]
		if g.HouseholdID > after && fakestore.Covers(sc, g.AreaCode) && slices.Contains(statuses, g.Status) {
			out = append(out, *g)
		}
	}
	slices.SortStableFunc(out, func(a, b models.Grant) int {
		if a.HouseholdID < b.HouseholdID {
			return -1
		}
		if a.HouseholdID > b.HouseholdID {
			return 1
		}
		return 0
	})
	return out, nil
}

func (f *fake) UrgentFiles(_ context.Context, sc store.Scope) ([]store.UrgentFile, error) {
	var out []store.UrgentFile
	for _, u := range f.urgent {
		if fakestore.Covers(sc, u.Grant.AreaCode) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fake) Unit(code string) (*division.Unit, bool) {
	u, ok := f.tree.Unit(code)
	if !ok {
		return nil, false
	}
	c := *u
	c.Urban = f.urban[code]
	return &c, true
}

// Write runs step on copies of the fake's grants, events, calculations, claims and
// parameter sets, kept only when step succeeds and records an audit event.
func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(grants.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.Track(u, &f.grants)
		fakestore.TrackSlice(u, &f.events)
		fakestore.TrackSlice(u, &f.calcs)
		fakestore.TrackSlice(u, &f.claims)
		fakestore.TrackSlice(u, &f.params)
		return step(&tx{Unit: u, f: f})
	})
}

// tx is the fake's unit of work.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Grant(id string) (*models.Grant, error) {
	return t.f.Grant(context.Background(), t.Scope, id)
}

func (t *tx) Target(programCode, householdID string, memberID *string) (*models.Program, *models.Household, error) {
	p, ok := t.f.programs[programCode]
	if !ok {
		return nil, nil, models.Invalid("input.programCode", "%s is not a program of the catalogue", programCode)
	}
	h, ok := t.f.households[householdID]
	if !ok || !fakestore.Covers(t.Scope, h.AreaCode) {
		return nil, nil, models.NotFound("household")
	}
	if memberID != nil && !slices.ContainsFunc(t.f.members[h.ID], func(m models.Member) bool { return m.ID == *memberID }) {
		return nil, nil, models.NotFound("member")
	}
	return p, h, nil
}

func (t *tx) Facts(g *models.Grant, start models.Date, held []models.GrantStatus) (*store.EntitlementFacts, error) {
	h, ok := t.f.households[g.HouseholdID]
	if !ok || !fakestore.Covers(t.Scope, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	f := &store.EntitlementFacts{Household: h, Urban: t.f.urban[h.AreaCode], Members: t.f.members[h.ID], Verification: t.f.verified[h.ID]}
	if std := t.f.standards[h.AreaCode[:6]+"000000"]; std != nil && std.Year <= start.Year() {
		f.Standard = std
	}
	f.Params, _ = t.f.ParametersOn(context.Background(), t.Scope, h.AreaCode, start)
	for _, id := range fakestore.Sorted(t.f.grants) {
		o := t.f.grants[id]
		if o.HouseholdID == h.ID && o.ID != g.ID && slices.Contains(held, o.Status) {
			f.Held = append(f.Held, *o)
		}
	}
	return f, nil
}

func (t *tx) ReviewerOf(grantID string) (string, error) {
	who := ""
	for _, e := range t.f.events {
		if e.GrantID == grantID && e.ToStatus == models.GrantReviewed {
			who = e.Actor
		}
	}
	return who, nil
}

func (t *tx) MedicalPaid(memberID, program string, year int) (models.Money, error) {
	return t.f.paid[fmt.Sprint(memberID, program, year)], nil
}

func (t *tx) event(g *models.Grant, from *models.GrantStatus, to models.GrantStatus, reason string) {
	t.f.n++
	p := t.Scope.Principal()
	t.f.events = append(t.f.events, &models.GrantEvent{ID: fmt.Sprint("ev", t.f.n), GrantID: g.ID, AreaCode: g.AreaCode,
		Actor: p.Subject, ActorRole: p.Role, ActorArea: p.Area, FromStatus: from, ToStatus: to, Reason: reason})
}

func (t *tx) Insert(g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	if _, dup := t.f.grants[g.ID]; dup {
		return errors.New("duplicate grant id")
	}
	c := *g
	t.f.grants[g.ID] = &c
	t.event(g, nil, g.Status, reason)
	return nil
}

func (t *tx) Move(g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur, ok := t.f.grants[g.ID]
	if !ok || cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	from := g.Status
	cur.Status, cur.Version = to, cur.Version+1
	if a, ok := set["amount"].(models.Money); ok {
		cur.Amount = a
	}
	if set["review_flag"] == true {
		cur.ReviewFlag = true
	}
	g.Status, g.Version = to, cur.Version
	t.event(g, &from, to, reason)
	return nil
}

func (t *tx) ClearFlag(g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur := t.f.grants[g.ID]
	if cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	cur.ReviewFlag, cur.ReviewReason, cur.Version = false, nil, cur.Version+1
	g.ReviewFlag, g.ReviewReason, g.Version = false, nil, cur.Version
	from := g.Status
	t.event(g, &from, g.Status, reason)
	return nil
}

func (t *tx) InsertClaim(c *models.MedicalClaim) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.claims = append(t.f.claims, c)
	return nil
}

func (t *tx) Reprice(g *models.Grant, calc *models.EntitlementCalculation, reason string) error {
	if err := t.Move(g, g.Status, reason, map[string]any{"amount": calc.Amount}); err != nil {
		return err
	}
	g.Amount = calc.Amount
	return t.RecordCalculation(calc)
}

func (t *tx) RecordCalculation(c *models.EntitlementCalculation) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.calcs = append(t.f.calcs, c)
	return nil
}

func (t *tx) SaveParameters(p models.EntitlementParameters) (*models.EntitlementParameters, *models.EntitlementParameters, error) {
	if err := t.Writing(); err != nil {
		return nil, nil, err
	}
	t.f.scopes = append(t.f.scopes, t.Scope)
	if !fakestore.Covers(t.Scope, p.AreaCode) {
		return nil, nil, models.Forbidden("county: %s is outside your jurisdiction", p.AreaCode)
	}
	for i := range t.f.params {
		if t.f.params[i].AreaCode == p.AreaCode && t.f.params[i].EffectiveFrom == p.EffectiveFrom {
			before := t.f.params[i]
			p.ID = before.ID
			t.f.params[i] = p
			return &p, &before, nil
		}
	}
	t.f.n++
	p.ID = fmt.Sprint("params", t.f.n)
	t.f.params = append(t.f.params, p)
	return &p, nil, nil
}

// service returns the use cases over f with the tests' clock and counted ids, and a
// policy whose outpatient care pays 70 % up to 10,000.00 a year (P3).
func service(f *fake) *grants.Service {
	rules := policy.DefaultConfig()
	rules.Medical = policy.MedicalRules{"MEDICAL_OUTPATIENT": {Ratio: 7000, Ceiling: money("10000.00")}}
	return grants.NewWith(f, rules, func() time.Time { return clock }, func() string { f.n++; return fmt.Sprint("id", f.n) })
}

// as returns a context whose caller has role in area (and categories, for integrators).
func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories})
}

func money(s string) models.Money {
	m, err := models.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }
