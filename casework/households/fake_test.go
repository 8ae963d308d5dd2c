package households_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"jiuzhu/casework/households"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory households.Store: households and members keyed by id, narrowed
// to the caller's area as the store narrows them, a unit of work that keeps nothing of a
// step that fails or records no audit event (as store.Write), and a record of what the
// use cases asked to write.
type fake struct {
	villages   fakestore.Villages
	households map[string]*models.Household
	members    map[string]*models.Member
	// grants counts the grants that name each member.
	grants map[string]int64
	// audits are the audit operations committed, in order.
	audits []string
	// saves counts the committed calls of each Tx write method.
	saves map[string]int
	// lookupsLeft is how many lookups by ID number are left; negative means no limit.
	lookupsLeft fakestore.Lookups
	// listed counts the calls of Households.
	listed int
}

func newFake() *fake {
	return &fake{
		villages:    fakestore.Villages{},
		households:  map[string]*models.Household{},
		members:     map[string]*models.Member{},
		grants:      map[string]int64{},
		saves:       map[string]int{},
		lookupsLeft: -1,
	}
}

// add puts a household and its members into the fake, as already stored.
func (f *fake) add(h *models.Household, ms ...*models.Member) {
	f.villages[h.AreaCode] = true
	f.households[h.ID] = h
	for _, m := range ms {
		m.HouseholdID, m.AreaCode = h.ID, h.AreaCode
		f.members[m.ID] = m
	}
}

func (f *fake) Household(_ context.Context, sc store.Scope, id string) (*models.Household, error) {
	return fakestore.Get(sc, f.households, id, "household")
}

func (f *fake) Households(_ context.Context, sc store.Scope, q store.HouseholdQuery) (*store.Page[models.Household], error) {
	f.listed++
	return fakestore.Page(sc, f.households, func(h *models.Household) bool { return f.hasMember(h.ID, q.Filter) }), nil
}

// hasMember reports whether household id has a member matching every member field of
// filter (name, name prefix, ID number, phone), as the store compares them.
func (f *fake) hasMember(id string, filter *models.HouseholdFilter) bool {
	if filter == nil || filter.MemberName == nil && filter.MemberNamePrefix == nil && filter.MemberIDNumber == nil && filter.MemberPhone == nil {
		return true
	}
	for _, m := range f.members {
		if m.HouseholdID == id &&
			(filter.MemberName == nil || m.Name == *filter.MemberName) &&
			(filter.MemberNamePrefix == nil || strings.HasPrefix(m.Name, *filter.MemberNamePrefix)) &&
			(filter.MemberIDNumber == nil || m.IDNumber == *filter.MemberIDNumber) &&
			(filter.MemberPhone == nil || m.Phone != nil && *m.Phone == *filter.MemberPhone) {
			return true
		}
	}
	return false
}

func (f *fake) Member(_ context.Context, sc store.Scope, id string) (*models.Member, error) {
	return fakestore.Get(sc, f.members, id, "member")
}

func (f *fake) MemberByIDNumber(_ context.Context, sc store.Scope, number string) (*models.Member, error) {
	for _, m := range f.members {
		if m.IDNumber == number && fakestore.Covers(sc, m.AreaCode) {
			c := *m
			return &c, nil
		}
	}
	return nil, models.NotFound("member")
}

func (f *fake) Members(_ context.Context, sc store.Scope, householdID string) ([]*models.Member, error) {
	var out []*models.Member
	for _, m := range f.members {
		if m.HouseholdID == householdID && fakestore.Covers(sc, m.AreaCode) {
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fake) Head(ctx context.Context, sc store.Scope, householdID string) (*models.Member, error) {
	ms, _ := f.Members(ctx, sc, householdID)
	for _, m := range ms {
		if m.Relation == models.RelationHead {
			return m, nil
		}
	}
	return nil, nil
}

func (f *fake) Village(sc store.Scope, field, code string) (*division.Unit, error) {
	return f.villages.Village(sc, field, code)
}

func (f *fake) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return f.lookupsLeft.TakeIDLookups(subject, n, now)
}

func (f *fake) AllowIDLookup(subject string, now time.Time) (bool, time.Duration) {
	return f.lookupsLeft.AllowIDLookup(subject, now)
}

// Write runs step on copies of the fake's households, members and counts of saves,
// kept only when step succeeds and records an audit event, as store.Write commits.
func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(households.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.Track(u, &f.households)
		fakestore.Track(u, &f.members)
		fakestore.TrackMap(u, &f.saves)
		return step(&fakeTx{Unit: u, f: f})
	})
}

// fakeTx is one unit of work on a fake.
type fakeTx struct {
	*fakestore.Unit
	f *fake
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	return fakestore.Get(t.Scope, t.f.households, id, "household")
}

func (t *fakeTx) Member(householdID, id string) (*models.Member, error) {
	m, ok := t.f.members[id]
	if !ok || !fakestore.Covers(t.Scope, m.AreaCode) || (householdID != "" && m.HouseholdID != householdID) {
		return nil, models.NotFound("member")
	}
	c := *m
	return &c, nil
}

// IDNumbersTaken looks in every area, as the store does (P2).
func (t *fakeTx) IDNumbersTaken(nums []string) ([]string, error) {
	var taken []string
	for _, m := range t.f.members {
		if slices.Contains(nums, m.IDNumber) {
			taken = append(taken, m.IDNumber)
		}
	}
	return taken, nil
}

func (t *fakeTx) GrantsNaming(memberID string) (int64, error) { return t.f.grants[memberID], nil }

func (t *fakeTx) Insert(h *models.Household, ms []*models.Member) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["Insert"]++
	c := *h
	t.f.households[h.ID] = &c
	for _, m := range ms {
		c := *m
		t.f.members[m.ID] = &c
	}
	return nil
}

func (t *fakeTx) Save(before, h *models.Household) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["Save"]++
	if _, ok := t.f.households[h.ID]; !ok {
		return errors.New("fake: save of an unknown household")
	}
	h.Version = before.Version + 1
	c := *h
	t.f.households[h.ID] = &c
	return nil
}

func (t *fakeTx) InsertMember(m *models.Member) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["InsertMember"]++
	c := *m
	t.f.members[m.ID] = &c
	return nil
}

func (t *fakeTx) SaveMember(m *models.Member) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["SaveMember"]++
	c := *m
	t.f.members[m.ID] = &c
	return nil
}

func (t *fakeTx) DeleteMember(m *models.Member) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["DeleteMember"]++
	delete(t.f.members, m.ID)
	return nil
}

func (t *fakeTx) SetHead(h *models.Household, m *models.Member, former models.Relation) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.saves["SetHead"]++
	for _, o := range t.f.members {
		if o.HouseholdID == h.ID && o.Relation == models.RelationHead {
			o.Relation = former
		}
	}
	t.f.members[m.ID].Relation = models.RelationHead
	return nil
}

func (t *fakeTx) Settle() error { return t.Writing() }
