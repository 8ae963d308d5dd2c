package verifications_test

import (
	"context"
	"slices"
	"strings"
	"time"

	"jiuzhu/casework/verifications"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory verifications.Store: households, members, verifications with
// their member lines, the counties' standards in force and grants, narrowed to the
// caller's area as the store narrows them, and a unit of work that keeps nothing of a
// step that fails or records no audit event (as store.Write).
type fake struct {
	households map[string]*models.Household
	members    []*models.Member
	vs         []*models.Verification // in recording order
	lines      []*models.VerificationMember
	standards  map[string]*models.DibaoStandard // by county code
	grants     map[string]*models.Grant
	// audits are the audit events committed, in order.
	audits []audit
	// settled counts the settles of committed units of work.
	settled int
	// lookups is how many lookups by ID number the caller has left; -1 means no limit.
	lookups int
}

// audit is one audit event the fake kept.
type audit struct {
	op, area string
	ids      []string
}

func newFake() *fake {
	return &fake{households: map[string]*models.Household{}, standards: map[string]*models.DibaoStandard{},
		grants: map[string]*models.Grant{}, lookups: -1}
}

func covers(sc store.Scope, area string) bool { return sc.Principal().Covers(area) }

func (f *fake) Verifications(_ context.Context, sc store.Scope, householdID string) ([]*models.Verification, error) {
	if h := f.households[householdID]; h == nil || !covers(sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	var out []*models.Verification
	for _, v := range f.vs {
		if v.HouseholdID == householdID {
			out = append(out, v)
		}
	}
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b *models.Verification) int { return b.CheckDate.Compare(a.CheckDate.Time) })
	return out, nil
}

func (f *fake) Latest(_ context.Context, sc store.Scope, householdID string) (*models.Verification, error) {
	if h := f.households[householdID]; h == nil || !covers(sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	return (&fakeTx{f: f, sc: sc}).Latest(householdID)
}

func (f *fake) Lines(_ context.Context, sc store.Scope, verificationID string) ([]*models.VerificationMember, error) {
	return (&fakeTx{f: f, sc: sc}).Lines([]string{verificationID})
}

// Write runs step on a copy of the fake's records and keeps the copy only when step
// succeeds and recorded an audit event, as store.Write commits.
// ExpireGrace asks over about every grant in GRACE, not only those before today as the
// store does, so that the tests judge the rule alone.
func (f *fake) ExpireGrace(_ context.Context, _ models.Date, over func(until models.Date) bool) (int, error) {
	n := 0
	for _, g := range f.grants {
		if g.Status == models.GrantGrace && g.GraceUntil != nil && over(*g.GraceUntil) {
			g.Status = models.GrantTerminated
			n++
		}
	}
	return n, nil
}

// TakeIDLookups takes n of the lookups left, all or none; short of them, it takes what
// is left.
func (f *fake) TakeIDLookups(_ string, n int, _ time.Time) (bool, time.Duration) {
	switch {
	case f.lookups < 0:
		return true, 0
	case f.lookups == 0 || n > f.lookups:
		f.lookups = 0
		return false, 10 * time.Second
	}
	f.lookups -= n
	return true, 0
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(verifications.Tx) error) error {
	c := &fake{households: f.households, members: f.members, standards: f.standards,
		vs: make([]*models.Verification, 0, len(f.vs)), lines: slices.Clone(f.lines), grants: map[string]*models.Grant{}}
	for _, v := range f.vs {
		cp := *v
		c.vs = append(c.vs, &cp)
	}
	for id, g := range f.grants {
		cp := *g
		c.grants[id] = &cp
	}
	tx := &fakeTx{f: c, sc: sc}
	if err := step(tx); err != nil {
		return err
	}
	if len(tx.audits) == 0 {
		return store.ErrNoAudit
	}
	f.vs, f.lines, f.grants = c.vs, c.lines, c.grants
	f.audits = append(f.audits, tx.audits...)
	f.settled += tx.settled
	return nil
}

// fakeTx is one unit of work of the fake.
type fakeTx struct {
	f       *fake
	sc      store.Scope
	audits  []audit
	settled int
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	h := t.f.households[id]
	if h == nil || !covers(t.sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	return h, nil
}

func (t *fakeTx) Members(householdID string) ([]*models.Member, error) {
	var out []*models.Member
	for _, m := range t.f.members {
		if m.HouseholdID == householdID && covers(t.sc, m.AreaCode) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *models.Member) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (t *fakeTx) People(nums []string) ([]*models.Member, error) {
	var out []*models.Member
	for _, m := range t.f.members {
		if slices.Contains(nums, m.IDNumber) && covers(t.sc, m.AreaCode) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (t *fakeTx) Latest(householdID string) (*models.Verification, error) {
	for _, v := range t.f.vs {
		if v.HouseholdID == householdID && v.Latest && covers(t.sc, v.AreaCode) {
			return v, nil
		}
	}
	return nil, nil
}

func (t *fakeTx) OfSources(households, sources []string) ([]*models.Verification, error) {
	var out []*models.Verification
	for _, v := range t.f.vs {
		if slices.Contains(households, v.HouseholdID) && slices.Contains(sources, v.SourceDepartment) && covers(t.sc, v.AreaCode) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (t *fakeTx) Lines(ids []string) ([]*models.VerificationMember, error) {
	var out []*models.VerificationMember
	for _, l := range t.f.lines {
		if slices.Contains(ids, l.VerificationID) && covers(t.sc, l.AreaCode) {
			out = append(out, l)
		}
	}
	return out, nil
}

func (t *fakeTx) Standard(area string) (*models.DibaoStandard, error) {
	return t.f.standards[area[:6]+"000000"], nil
}

func (t *fakeTx) ActiveRuralDibao(householdID string) ([]*models.Grant, error) {
	var out []*models.Grant
	for _, g := range t.f.grants {
		if g.HouseholdID == householdID && g.ProgramCode == "RURAL_DIBAO" && g.Status == models.GrantActive && covers(t.sc, g.AreaCode) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b *models.Grant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (t *fakeTx) Insert(v *models.Verification, lines []*models.VerificationMember) error {
	if v.Latest {
		for _, o := range t.f.vs {
			if o.HouseholdID == v.HouseholdID {
				o.Latest = false
			}
		}
	}
	t.f.vs = append(t.f.vs, v)
	for i, l := range lines {
		l.ID, l.VerificationID, l.AreaCode = v.ID+"/"+string(rune('a'+i)), v.ID, v.AreaCode
		t.f.lines = append(t.f.lines, l)
	}
	return nil
}

func (t *fakeTx) Grace(g *models.Grant, until models.Date, reason string) error {
	cur := t.f.grants[g.ID]
	if cur == nil || cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else")
	}
	cur.Status, cur.GraceUntil, cur.Version = models.GrantGrace, &until, cur.Version+1
	*g = *cur
	return nil
}

func (t *fakeTx) Flag(g *models.Grant, reason string) error {
	cur := t.f.grants[g.ID]
	if cur == nil || cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else")
	}
	cur.ReviewFlag, cur.ReviewReason, cur.Version = true, &reason, cur.Version+1
	*g = *cur
	return nil
}

func (t *fakeTx) Settle() error { t.settled++; return nil }

func (t *fakeTx) Audit(op, area string, ids []string, _, _ any) {
	t.audits = append(t.audits, audit{op: op, area: area, ids: ids})
}
