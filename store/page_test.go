package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// listPage is one page of a list, reduced to what paging compares: the ids in order,
// the cursors, and the page info.
type listPage struct {
	ids, cursors  []string
	next, prev    bool
	start, finish string
}

// lister reads one page of a list with the given paging arguments.
type lister func(args store.PageArgs) (listPage, error)

func pageOfIDs[T any](p *store.Page[T], err error, id func(*T) string) (listPage, error) {
	if err != nil {
		return listPage{}, err
	}
	out := listPage{cursors: p.Cursors, next: p.HasNextPage, prev: p.HasPreviousPage, start: p.StartCursor(), finish: p.EndCursor()}
	for i := range p.Items {
		out.ids = append(out.ids, id(&p.Items[i]))
	}
	return out, nil
}

// TestPagesBackwardMirrorForward walks each keyset list forward with first and after,
// then backward with last and before from its end, and requires the same pages in
// reverse order, the page info of the Relay specification's cheap reading (no previous
// page when reading forward, no next page when reading backward), and the same ceiling
// and refusal of first with last on every list.
func TestPagesBackwardMirrorForward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		ds := seed.Generate(st.Tree(), 300, now)
		if err := st.Setup().SeedUnscoped(t.Context(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			t.Fatal(err)
		}
		vs, lines := seed.Verifications(ds, now)
		if err := st.Setup().SeedRulesUnscoped(t.Context(), seed.Standards(st.Tree(), now), vs, lines); err != nil {
			t.Fatal(err)
		}
		staffing := seed.Staffing(st.Tree(), now)
		staff := slices.DeleteFunc(staffing.Staff, func(m models.StaffMember) bool { return !strings.HasPrefix(m.AreaCode, "371402") })
		if err := st.Setup().SeedStaffingUnscoped(t.Context(), staffing.Populations, staff); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			household(t, st, villageA1) // audited mutations, for the audit trail
		}
		county := storetest.As(models.RoleAdmin, countyA)
		lists := []struct {
			name string
			page lister
		}{
			{"households", func(a store.PageArgs) (listPage, error) {
				p, err := useCases(st).Households(county, store.HouseholdQuery{PageArgs: a})
				return pageOfIDs(p, err, func(h *models.Household) string { return h.ID })
			}},
			{"grants", func(a store.PageArgs) (listPage, error) {
				p, err := grantCases(st).Grants(county, store.GrantQuery{PageArgs: a})
				return pageOfIDs(p, err, func(g *models.Grant) string { return g.ID })
			}},
			{"staff", func(a store.PageArgs) (listPage, error) {
				p, err := staffingCases(st).Staff(county, store.StaffQuery{Area: ptr(townshipA1), PageArgs: a})
				return pageOfIDs(p, err, func(m *models.StaffMember) string { return m.ID })
			}},
			{"discoveries", func(a store.PageArgs) (listPage, error) {
				p, err := applicationCases(st).Discoveries(admin(), store.DiscoveryQuery{PageArgs: a})
				return pageOfIDs(p, err, func(d *models.Discovery) string { return d.Household.ID })
			}},
			{"audit events", func(a store.PageArgs) (listPage, error) {
				p, err := reportCases(st).AuditEvents(county, store.AuditQuery{PageArgs: a})
				return pageOfIDs(p, err, func(e *models.AuditEvent) string { return e.ID })
			}},
		}
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				const size = 3
				var forward []listPage
				var after *string
				for {
					p, err := l.page(store.PageArgs{First: ptr(size), After: after})
					if err != nil {
						t.Fatal(err)
					}
					if p.prev {
						t.Fatalf("forward page %d says a previous page exists: the cheap reading says false", len(forward))
					}
					forward = append(forward, p)
					if !p.next {
						break
					}
					after = &p.finish
					if len(forward) > 1000 {
						t.Fatal("the forward walk does not end")
					}
				}
				if len(forward) < 3 {
					t.Fatalf("only %d pages: the test needs a longer list", len(forward))
				}
				// Backward from the end: the last page first, with as many rows as it has,
				// then full pages before each start cursor.
				var before *string
				for i := len(forward) - 1; i >= 0; i-- {
					want := forward[i]
					p, err := l.page(store.PageArgs{Last: ptr(len(want.ids)), Before: before})
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(p.ids, want.ids) || !slices.Equal(p.cursors, want.cursors) {
						t.Fatalf("backward page %d: %v, want the forward page %v", i, p.ids, want.ids)
					}
					if p.next {
						t.Errorf("backward page %d says a next page exists: the cheap reading says false", i)
					}
					if p.prev != (i > 0) {
						t.Errorf("backward page %d: hasPreviousPage %v, want %v", i, p.prev, i > 0)
					}
					if p.start != want.cursors[0] || p.finish != want.cursors[len(want.cursors)-1] {
						t.Errorf("backward page %d: start and end cursors %q %q", i, p.start, p.finish)
					}
					before = &p.start
				}
				// after and before together bound a window: the rows strictly between.
				all := slices.Concat(forward[0].ids, forward[1].ids, forward[2].ids)
				mid, err := l.page(store.PageArgs{First: ptr(100), After: &forward[0].finish, Before: &forward[2].start})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(mid.ids, all[size:2*size]) || mid.next {
					t.Errorf("between pages 0 and 2: %v (next %v), want %v", mid.ids, mid.next, all[size:2*size])
				}
				// last: 0 reads nothing and fails nothing.
				if p, err := l.page(store.PageArgs{Last: ptr(0)}); err != nil || len(p.ids) != 0 {
					t.Errorf("last: 0: %v, %v", p.ids, err)
				}
				for _, bad := range []struct {
					args  store.PageArgs
					field string
				}{
					{store.PageArgs{First: ptr(5), Last: ptr(5)}, "last"},
					{store.PageArgs{Last: ptr(store.MaxPageSize + 1)}, "last"},
					{store.PageArgs{Last: ptr(-1)}, "last"},
					{store.PageArgs{First: ptr(store.MaxPageSize + 1)}, "first"},
					{store.PageArgs{Last: ptr(5), Before: ptr("!!notbase64")}, "before"},
					{store.PageArgs{Before: ptr("eHl6")}, "before"},
				} {
					_, err := l.page(bad.args)
					var fe *models.FieldError
					if !errors.As(err, &fe) || fe.Field != bad.field {
						t.Errorf("%+v: %v, want a field error on %s", bad.args, err, bad.field)
					}
				}
				if _, err := l.page(store.PageArgs{Last: ptr(store.MaxPageSize)}); err != nil {
					t.Errorf("last at the ceiling: %v", err)
				}
			})
		}
	})
}
