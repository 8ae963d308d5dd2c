package verifications_test

import (
	"context"
	"slices"
	"strings"
	"time"

	"jiuzhu/casework/internal/fakestore"
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
	audits []fakestore.Event
	// settled counts the settles of committed units of work.
	settled int
	// lookups is how many lookups by ID number the caller has left; -1 means no limit.
	lookups fakestore.Lookups
}

func newFake() *fake {
	return &fake{households: map[string]*models.Household{}, standards: map[string]*models.DibaoStandard{},
		grants: map[string]*models.Grant{}, lookups: -1}
}

func (f *fake) Verifications(_ context.Context, sc store.Scope, householdID string) ([]*models.Verification, error) {
	if h := f.households[householdID]; h == nil || !fakestore.Covers(sc, h.AreaCode) {
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
	if h := f.households[householdID]; h == nil || !fakestore.Covers(sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	return (&fakeTx{Unit: &fakestore.Unit{Scope: sc}, f: f}).Latest(householdID)
}

func (f *fake) Lines(_ context.Context, sc store.Scope, verificationID string) ([]*models.VerificationMember, error) {
	return (&fakeTx{Unit: &fakestore.Unit{Scope: sc}, f: f}).Lines([]string{verificationID})
}

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

func (f *fake) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return f.lookups.TakeIDLookups(subject, n, now)
}

// Write runs step on copies of the fake's verifications, their lines and its grants,
// kept only when step succeeds and records an audit event, as store.Write commits.
func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(verifications.Tx) error) error {
	return fakestore.WriteEvents(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackList(u, &f.vs)
		fakestore.TrackSlice(u, &f.lines)
		fakestore.Track(u, &f.grants)
		fakestore.TrackValue(u, &f.settled)
		return step(&fakeTx{Unit: u, f: f})
	})
}

// fakeTx is one unit of work of the fake.
type fakeTx struct {
	*fakestore.Unit
	f *fake
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	h := t.f.households[id]
	if h == nil || !fakestore.Covers(t.Scope, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	return h, nil
}

func (t *fakeTx) Members(householdID string) ([]*models.Member, error) {
	out := fakestore.Filter(t.Scope, t.f.members, func(m *models.Member) bool { return m.HouseholdID == householdID })
	slices.SortFunc(out, func(a, b *models.Member) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (t *fakeTx) People(nums []string) ([]*models.Member, error) {
	return fakestore.Filter(t.Scope, t.f.members, func(m *models.Member) bool { return slices.Contains(nums, m.IDNumber) }), nil
}

func (t *fakeTx) Latest(householdID string) (*models.Verification, error) {
	for _, v := range t.f.vs {
		if v.HouseholdID == householdID && v.Latest && fakestore.Covers(t.Scope, v.AreaCode) {
			return v, nil
		}
	}
	return nil, nil
}

func (t *fakeTx) OfSources(households, sources []string) ([]*models.Verification, error) {
	return fakestore.Filter(t.Scope, t.f.vs, func(v *models.Verification) bool {
		return slices.Contains(households, v.HouseholdID) && slices.Contains(sources, v.SourceDepartment)
	}), nil
}

func (t *fakeTx) Lines(ids []string) ([]*models.VerificationMember, error) {
	return fakestore.Filter(t.Scope, t.f.lines, func(l *models.VerificationMember) bool { return slices.Contains(ids, l.VerificationID) }), nil
}

func (t *fakeTx) Standard(area string) (*models.DibaoStandard, error) {
	return t.f.standards[area[:6]+"000000"], nil
}

func (t *fakeTx) ActiveRuralDibao(householdID string) ([]*models.Grant, error) {
	var out []*models.Grant
	for _, g := range t.f.grants {
		if g.HouseholdID == householdID && g.ProgramCode == "RURAL_DIBAO" && g.Status == models.GrantActive && fakestore.Covers(t.Scope, g.AreaCode) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b *models.Grant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (t *fakeTx) Insert(v *models.Verification, lines []*models.VerificationMember) error {
	if err := t.Writing(); err != nil {
		return err
	}
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
	if err := t.Writing(); err != nil {
		return err
	}
	cur := t.f.grants[g.ID]
	if cur == nil || cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else")
	}
	cur.Status, cur.GraceUntil, cur.Version = models.GrantGrace, &until, cur.Version+1
	*g = *cur
	return nil
}

func (t *fakeTx) Flag(g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur := t.f.grants[g.ID]
	if cur == nil || cur.Version != g.Version {
		return models.Conflict("the grant was changed by someone else")
	}
	cur.ReviewFlag, cur.ReviewReason, cur.Version = true, &reason, cur.Version+1
	*g = *cur
	return nil
}

func (t *fakeTx) Settle() error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.settled++
	return nil
}
