package store_test

import (
	"context"
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

// TestAreaListsOpenAlike reads every list of a scoped table by area (grants, staff,
// reviews, referrals, grievances, discovery cases, audit events) through the same
// arguments and requires the same answers of each: an area outside the caller's subtree
// is Forbidden, a code that is not a jurisdiction and a bad paging argument are field
// errors naming the argument, and a read with the caller's scope but a context without
// its caller (row-level security then reads the scope's caller) lists the same rows as
// the caller's own read, inside the area only.
func TestAreaListsOpenAlike(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		ds := seed.Generate(st.Tree(), 200, now)
		if err := st.Setup().SeedUnscoped(t.Context(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			t.Fatal(err)
		}
		staffing := seed.Staffing(st.Tree(), now)
		staff := slices.DeleteFunc(staffing.Staff, func(m models.StaffMember) bool { return !strings.HasPrefix(m.AreaCode, "371402") })
		if err := st.Setup().SeedStaffingUnscoped(t.Context(), staffing.Populations, staff); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			household(t, st, villageA1) // audited mutations, for the audit trail
		}
		// read returns the cursors of one page of a list.
		type read func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error)
		lists := []struct {
			name string
			// rows says whether the fixture gives the list rows in townshipA1.
			rows bool
			read read
		}{
			{"grants", true, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Grants().List(ctx, sc, store.GrantQuery{Area: area, PageArgs: a})
				return cursorsOf(p, err)
			}},
			{"staff", true, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Staff().List(ctx, sc, store.StaffQuery{Area: area, PageArgs: a})
				return cursorsOf(p, err)
			}},
			{"reviews", false, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Reviews().List(ctx, sc, store.ReviewQuery{Area: area, PageArgs: a})
				return cursorsOf(p, err)
			}},
			{"referrals", false, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Referrals().List(ctx, sc, store.ReferralQuery{Area: area, Page: a})
				return cursorsOf(p, err)
			}},
			{"grievances", false, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Grievances().List(ctx, sc, store.GrievanceQuery{Area: area, Args: a})
				return cursorsOf(p, err)
			}},
			{"discovery cases", false, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.DiscoveryCases().List(ctx, sc, store.CaseQuery{Area: area, PageArgs: a})
				return cursorsOf(p, err)
			}},
			{"audit events", true, func(ctx context.Context, sc store.Scope, area *string, a store.PageArgs) ([]string, error) {
				p, err := st.Audit().Events(ctx, sc, store.AuditQuery{Area: area, PageArgs: a})
				return cursorsOf(p, err)
			}},
		}
		caller := storetest.As(models.RoleAdmin, countyA)
		sc := scopeOf(caller)
		all := store.PageArgs{First: ptr(store.MaxPageSize)}
		for _, l := range lists {
			t.Run(l.name, func(t *testing.T) {
				for _, bad := range []struct {
					name  string
					area  *string
					args  store.PageArgs
					field string // "" for Forbidden
				}{
					{"an area outside the subtree", ptr(countyB), all, ""},
					{"a code that is no jurisdiction", ptr("379999999999"), all, "area"},
					{"first above the ceiling", nil, store.PageArgs{First: ptr(store.MaxPageSize + 1)}, "first"},
					{"first with last", nil, store.PageArgs{First: ptr(1), Last: ptr(1)}, "last"},
					{"a cursor of no list", nil, store.PageArgs{After: ptr("!!notbase64")}, "after"},
				} {
					_, err := l.read(caller, sc, bad.area, bad.args)
					var fe *models.FieldError
					switch {
					case bad.field == "" && !errors.Is(err, models.ErrForbidden):
						t.Errorf("%s: %v, want FORBIDDEN", bad.name, err)
					case bad.field != "" && (!errors.As(err, &fe) || fe.Field != bad.field):
						t.Errorf("%s: %v, want a field error on %s", bad.name, err, bad.field)
					}
				}
				own, err := l.read(caller, sc, ptr(townshipA1), all)
				if err != nil {
					t.Fatal(err)
				}
				if l.rows != (len(own) > 0) {
					t.Fatalf("%d rows in the township, want rows: %v", len(own), l.rows)
				}
				for _, c := range own {
					if area, _, err := store.ParseCursor(c); err != nil || !strings.HasPrefix(area, townshipA1[:9]) {
						t.Fatalf("a row of area %s listed for township %s (%v)", area, townshipA1, err)
					}
				}
				bare, err := l.read(context.Background(), sc, ptr(townshipA1), all)
				if err != nil || !slices.Equal(bare, own) {
					t.Fatalf("without the caller in the context: %d rows, %v; with it %d", len(bare), err, len(own))
				}
			})
		}
	})
}

// cursorsOf returns the cursors of a page, one per row, which carry each row's area
// code and id.
func cursorsOf[T any](p *store.Page[T], err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return p.Cursors, nil
}
