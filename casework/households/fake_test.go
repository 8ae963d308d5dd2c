package households_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"jiuzhu/casework/households"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory households.Store: households and members keyed by id, narrowed
// to the caller's area as the store narrows them, a unit of work that keeps nothing of a
// step that fails or records no audit event (as store.Write), and a record of what the
// use cases asked to write.
type fake struct {
	villages   map[string]bool
	households map[string]*models.Household
	members    map[string]*models.Member
	// grants counts the grants that name each member.
	grants map[string]int64
	// audits are the audit operations committed, in order.
	audits []string
	// saves counts the committed calls of each Tx write method.
	saves map[string]int
	// lookupsLeft is how many lookups by ID number are left; negative means no limit.
	lookupsLeft int
	// listed counts the calls of Households.
	listed int
}

func newFake() *fake {
	return &fake{
		villages:    map[string]bool{},
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

func covers(sc store.Scope, area string) bool { return sc.Principal().Covers(area) }

func (f *fake) Household(_ context.Context, sc store.Scope, id string) (*models.Household, error) {
	h, ok := f.households[id]
	if !ok || !covers(sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	c := *h
	return &c, nil
}

func (f *fake) Households(_ context.Context, sc store.Scope, q store.HouseholdQuery) (*store.Page[models.Household], error) {
	f.listed++
	p := &store.Page[models.Household]{}
	for _, id := range slices.Sorted(maps.Keys(f.households)) {
		if h := f.households[id]; covers(sc, h.AreaCode) && f.hasMember(h.ID, q.Filter) {
			p.Items = append(p.Items, *h)
			p.Cursors = append(p.Cursors, h.ID)
		}
	}
	return p, nil
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
	m, ok := f.members[id]
	if !ok || !covers(sc, m.AreaCode) {
		return nil, models.NotFound("member")
	}
	c := *m
	return &c, nil
}

func (f *fake) MemberByIDNumber(_ context.Context, sc store.Scope, number string) (*models.Member, error) {
	for _, m := range f.members {
		if m.IDNumber == number && covers(sc, m.AreaCode) {
			c := *m
			return &c, nil
		}
	}
	return nil, models.NotFound("member")
}

func (f *fake) Members(_ context.Context, sc store.Scope, householdID string) ([]*models.Member, error) {
	var out []*models.Member
	for _, m := range f.members {
		if m.HouseholdID == householdID && covers(sc, m.AreaCode) {
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
	if !f.villages[code] {
		return nil, models.Invalid(field, "%s is not a village", code)
	}
	if !covers(sc, code) {
		return nil, models.Forbidden("%s: village %s is outside your jurisdiction", field, code)
	}
	return &division.Unit{Code: code, Level: models.LevelVillage}, nil
}

// TakeIDLookups takes n of the lookups left, all or none; short of them, it takes what
// is left. With n = 0 it reports whether one is left.
func (f *fake) TakeIDLookups(_ string, n int, _ time.Time) (bool, time.Duration) {
	switch {
	case f.lookupsLeft < 0:
		return true, 0
	case f.lookupsLeft == 0 || n > f.lookupsLeft:
		f.lookupsLeft = 0
		return false, 30 * time.Second
	}
	f.lookupsLeft -= n
	return true, 0
}

func (f *fake) AllowIDLookup(string, time.Time) (bool, time.Duration) {
	if f.lookupsLeft == 0 {
		return false, 30 * time.Second
	}
	if f.lookupsLeft > 0 {
		f.lookupsLeft--
	}
	return true, 0
}

// Write runs step on a copy of the fake's records and keeps the copy only when step
// succeeds and recorded an audit event, as store.Write commits.
func (f *fake) Write(_ context.Context, sc store.Scope, op string, step func(households.Tx) error) error {
	tx := &fakeTx{f: f, sc: sc, households: map[string]*models.Household{}, members: map[string]*models.Member{}, saves: map[string]int{}}
	for id, h := range f.households {
		c := *h
		tx.households[id] = &c
	}
	for id, m := range f.members {
		c := *m
		tx.members[id] = &c
	}
	if err := step(tx); err != nil {
		return fmt.Errorf("fake: %s: %w", op, err)
	}
	if len(tx.audits) == 0 {
		return store.ErrNoAudit
	}
	f.households, f.members = tx.households, tx.members
	f.audits = append(f.audits, tx.audits...)
	for k, n := range tx.saves {
		f.saves[k] += n
	}
	return nil
}

// fakeTx is one unit of work on a fake.
type fakeTx struct {
	f          *fake
	sc         store.Scope
	households map[string]*models.Household
	members    map[string]*models.Member
	audits     []string
	saves      map[string]int
}

func (t *fakeTx) Household(id string) (*models.Household, error) {
	h, ok := t.households[id]
	if !ok || !covers(t.sc, h.AreaCode) {
		return nil, models.NotFound("household")
	}
	c := *h
	return &c, nil
}

func (t *fakeTx) Member(householdID, id string) (*models.Member, error) {
	m, ok := t.members[id]
	if !ok || !covers(t.sc, m.AreaCode) || (householdID != "" && m.HouseholdID != householdID) {
		return nil, models.NotFound("member")
	}
	c := *m
	return &c, nil
}

// IDNumbersTaken looks in every area, as the store does (P2).
func (t *fakeTx) IDNumbersTaken(nums []string) ([]string, error) {
	var taken []string
	for _, m := range t.members {
		if slices.Contains(nums, m.IDNumber) {
			taken = append(taken, m.IDNumber)
		}
	}
	return taken, nil
}

func (t *fakeTx) GrantsNaming(memberID string) (int64, error) { return t.f.grants[memberID], nil }

func (t *fakeTx) Insert(h *models.Household, ms []*models.Member) error {
	t.saves["Insert"]++
	c := *h
	t.households[h.ID] = &c
	for _, m := range ms {
		c := *m
		t.members[m.ID] = &c
	}
	return nil
}

func (t *fakeTx) Save(before, h *models.Household) error {
	t.saves["Save"]++
	if _, ok := t.households[h.ID]; !ok {
		return errors.New("fake: save of an unknown household")
	}
	h.Version = before.Version + 1
	c := *h
	t.households[h.ID] = &c
	return nil
}

func (t *fakeTx) InsertMember(m *models.Member) error {
	t.saves["InsertMember"]++
	c := *m
	t.members[m.ID] = &c
	return nil
}

func (t *fakeTx) SaveMember(m *models.Member) error {
	t.saves["SaveMember"]++
	c := *m
	t.members[m.ID] = &c
	return nil
}

func (t *fakeTx) DeleteMember(m *models.Member) error {
	t.saves["DeleteMember"]++
	delete(t.members, m.ID)
	return nil
}

func (t *fakeTx) SetHead(h *models.Household, m *models.Member, former models.Relation) error {
	t.saves["SetHead"]++
	for _, o := range t.members {
		if o.HouseholdID == h.ID && o.Relation == models.RelationHead {
			o.Relation = former
		}
	}
	t.members[m.ID].Relation = models.RelationHead
	return nil
}

func (t *fakeTx) Audit(op, _ string, _ []string, _, _ any) { t.audits = append(t.audits, op) }

func (t *fakeTx) Settle() error { return nil }
