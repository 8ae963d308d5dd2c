package staffing_test

import (
	"context"
	"fmt"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/staffing"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory staffing.Store: staff members keyed by id, township populations,
// dibao standards and the active recipients of villages, narrowed to the caller's area
// as the store narrows them, and a unit of work that keeps nothing of a step that fails
// or records no audit event (as store.Write).
type fake struct {
	staff       map[string]*models.StaffMember
	populations map[string]int
	// standards are keyed by county and year.
	standards map[string]*models.DibaoStandard
	// recipients are the active recipients by village.
	recipients map[string]int
	// today is the day staff are counted in post.
	today models.Date
	// audits are the audit operations committed, in order.
	audits []string
}

func newFake(today models.Date) *fake {
	return &fake{
		staff: map[string]*models.StaffMember{}, populations: map[string]int{},
		standards: map[string]*models.DibaoStandard{}, recipients: map[string]int{}, today: today,
	}
}

func (f *fake) StaffMember(_ context.Context, sc store.Scope, id string) (*models.StaffMember, error) {
	return fakestore.Get(sc, f.staff, id, "staff member")
}

func (f *fake) Staff(_ context.Context, sc store.Scope, q store.StaffQuery) (*store.Page[models.StaffMember], error) {
	return fakestore.Page(sc, f.staff, func(m *models.StaffMember) bool {
		return q.Filter == nil || q.Filter.Post == nil || m.Post == *q.Filter.Post
	}), nil
}

func (f *fake) Figures(_ context.Context, sc store.Scope, area *string) (*store.StaffingFigures, error) {
	code, err := fakestore.Area(sc, area)
	if err != nil {
		return nil, err
	}
	fig := &store.StaffingFigures{Area: code, Populations: map[string]int{},
		Staff: map[string]map[models.StaffPost]int{}, Recipients: map[string]int{}}
	within := func(c string) bool { return division.Contains(code, c) }
	for c, n := range f.populations {
		if within(c) {
			fig.Populations[c] = n
		}
	}
	for _, m := range f.staff {
		if within(m.AreaCode) && m.ActiveOn(f.today) {
			if fig.Staff[m.AreaCode] == nil {
				fig.Staff[m.AreaCode] = map[models.StaffPost]int{}
			}
			fig.Staff[m.AreaCode][m.Post]++
		}
	}
	for c, n := range f.recipients {
		if within(c) {
			fig.Recipients[c] = n
		}
	}
	return fig, nil
}

func (f *fake) Standards(_ context.Context, sc store.Scope, _ *string, year *int) ([]*models.DibaoStandard, error) {
	var out []*models.DibaoStandard
	for _, k := range fakestore.Sorted(f.standards) {
		s := f.standards[k]
		if fakestore.Covers(sc, s.AreaCode) && (year == nil || s.Year == *year) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fake) StandardOf(context.Context, store.Scope, string) (*models.AppliedStandard, error) {
	return nil, nil
}

// Write runs step on copies of the fake's staff, populations and standards, kept only
// when step succeeds and records an audit event, as store.Write commits.
func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(staffing.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.Track(u, &f.staff)
		fakestore.TrackMap(u, &f.populations)
		fakestore.Track(u, &f.standards)
		return step(&fakeTx{Unit: u, f: f})
	})
}

// fakeTx is one unit of work on a fake.
type fakeTx struct {
	*fakestore.Unit
	f *fake
}

func (t *fakeTx) StaffMember(id string) (*models.StaffMember, error) {
	return fakestore.Get(t.Scope, t.f.staff, id, "staff member")
}

func (t *fakeTx) OverlappingInPost(m *models.StaffMember) (*models.StaffMember, error) {
	var found *models.StaffMember
	for _, o := range t.f.staff {
		if o.ID == m.ID || o.AreaCode != m.AreaCode || o.Post != m.Post {
			continue
		}
		if o.Until != nil && o.Until.Before(m.From.Time) {
			continue
		}
		if m.Until != nil && o.From.After(m.Until.Time) {
			continue
		}
		if found == nil || o.From.Before(found.From.Time) {
			found = o
		}
	}
	return found, nil
}

func (t *fakeTx) InsertStaff(m *models.StaffMember) error {
	if err := t.Writing(); err != nil {
		return err
	}
	c := *m
	t.f.staff[m.ID] = &c
	return nil
}

func (t *fakeTx) SaveStaff(old, m *models.StaffMember) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur, ok := t.f.staff[old.ID]
	if !ok || cur.Version != old.Version {
		return models.Conflict("the staff member was changed by someone else; reload and try again")
	}
	m.Version = old.Version + 1
	c := *m
	t.f.staff[m.ID] = &c
	return nil
}

func (t *fakeTx) SetPopulation(code string, population *int) (*int, *models.Jurisdiction, error) {
	if err := t.Writing(); err != nil {
		return nil, nil, err
	}
	var before *int
	if n, ok := t.f.populations[code]; ok {
		before = &n
	}
	if population == nil {
		delete(t.f.populations, code)
	} else {
		t.f.populations[code] = *population
	}
	return before, &models.Jurisdiction{Code: code, Level: models.LevelTownship, Population: population}, nil
}

func (t *fakeTx) SetStandard(county string, year int, urban, rural models.Money) (*models.DibaoStandard, *models.DibaoStandard, error) {
	if err := t.Writing(); err != nil {
		return nil, nil, err
	}
	k := fmt.Sprintf("%s/%d", county, year)
	var before *models.DibaoStandard
	if cur, ok := t.f.standards[k]; ok {
		c := *cur
		before = &c
	}
	after := &models.DibaoStandard{ID: k, AreaCode: county, Year: year, Urban: urban, Rural: rural,
		SetBy: t.Scope.Principal().Subject}
	t.f.standards[k] = after
	return before, after, nil
}
