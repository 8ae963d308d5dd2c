package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// plantLookups records, a minute apart from t0 on, the lookups of the status page that
// the tests of the lookups read: a reference of villageA1 guessed three times and then
// shown, a reference of villageB guessed once, and two unknown references (the root's
// area), most of them from one address. It returns the ids in the order recorded.
func plantLookups(t *testing.T, st *store.Store, t0 time.Time) []string {
	t.Helper()
	n := 0
	store.SetClock(st, func() time.Time { return t0.Add(time.Duration(n) * time.Minute) })
	ctx := context.Background()
	const refA, refB = "JZ-371402-2026-000101", "JZ-371403-2026-000202"
	for _, l := range []struct {
		ref, addr, area string
		outcome         store.StatusLookupOutcome
	}{
		{refA, "198.51.100.9", villageA1, store.LookupMismatch},
		{refA, "198.51.100.9", villageA1, store.LookupMismatch},
		{refA, "198.51.100.9", villageA1, store.LookupMismatch},
		{refA, "192.0.2.1", villageA1, store.LookupShown},
		{refB, "198.51.100.9", villageB, store.LookupMismatch},
		{"JZ-371402-2026-999901", "198.51.100.9", "", store.LookupUnknown},
		{"JZ-371402-2026-999902", "198.51.100.9", "", store.LookupUnknown},
	} {
		var shown []string
		if l.outcome == store.LookupShown {
			shown = []string{store.NewID()}
		}
		if err := st.StatusPage().RecordStatusLookupUnscoped(ctx, l.ref, l.addr, l.area, l.outcome, shown); err != nil {
			t.Fatal(err)
		}
		n++
	}
	var ids []string
	for _, ref := range []string{refA, refB, "JZ-371402-2026-999901", "JZ-371402-2026-999902"} {
		got, err := st.StatusPage().StatusLookupsUnscoped(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range got {
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// TestStatusLookupsList checks the list of the status page's lookups: each caller sees
// the lookups of its area only, newest first (the unknown references, in the root's
// area, only the city), narrowed by outcome and time; pages read forward and backward
// join up, and lookups of one instant are paged by id; an area outside the caller's is Forbidden and a bad cursor names its
// argument. On SQLite, PostgreSQL and PostgreSQL under row-level security.
func TestStatusLookupsList(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		ids := plantLookups(t, st, t0)
		newest := func(idx ...int) []string {
			out := make([]string, len(idx))
			for i, j := range idx {
				out[i] = ids[j]
			}
			return out
		}
		mismatch, at := models.LookupMismatch, func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
		cityAud, audA, audB := auditorScope(division.CityCode), auditorScope(countyA), auditorScope(countyB)
		// pageForward reads every page of q as the city's auditor, size lookups a page,
		// following the end cursors, and returns the ids in order; it fails past ten
		// pages, more than any case here has.
		pageForward := func(q store.StatusLookupQuery, size int) []string {
			t.Helper()
			var got []string
			q.PageArgs = store.PageArgs{First: &size}
			for range 10 {
				p, err := st.StatusPage().Lookups(context.Background(), cityAud, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range p.Items {
					got = append(got, l.ID)
				}
				if !p.HasNextPage {
					return got
				}
				end := p.EndCursor()
				q.PageArgs.After = &end
			}
			t.Fatalf("more than ten pages of %d", size)
			return nil
		}
		tests := []struct {
			name   string
			sc     store.Scope
			area   *string
			filter *models.StatusLookupFilter
			want   []string
		}{
			{"county A", audA, nil, nil, newest(3, 2, 1, 0)},
			{"county B", audB, nil, nil, newest(4)},
			{"city", cityAud, nil, nil, newest(6, 5, 4, 3, 2, 1, 0)},
			{"city narrowed to county A", cityAud, ptr(countyA), nil, newest(3, 2, 1, 0)},
			{"city, mismatches", cityAud, nil, &models.StatusLookupFilter{Outcome: &mismatch}, newest(4, 2, 1, 0)},
			{"city, minutes 1 to 5", cityAud, nil, &models.StatusLookupFilter{From: at(1), To: at(5)}, newest(4, 3, 2, 1)},
			{"county A, before anything", audA, nil, &models.StatusLookupFilter{To: at(0)}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := st.StatusPage().Lookups(context.Background(), tt.sc, store.StatusLookupQuery{Area: tt.area, Filter: tt.filter})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, l := range p.Items {
					got = append(got, l.ID)
					if l.ReferenceDigest == "" || l.AddressDigest == "" || len(l.ReferenceDigest) != 64 {
						t.Errorf("lookup %s without its digests: %+v", l.ID, l)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				if n, err := p.Count(); err != nil || n != len(tt.want) {
					t.Errorf("count %d (%v), want %d", n, err, len(tt.want))
				}
			})
		}

		t.Run("pages", func(t *testing.T) {
			two := 2
			got := pageForward(store.StatusLookupQuery{}, two)
			if want := newest(6, 5, 4, 3, 2, 1, 0); !slices.Equal(got, want) {
				t.Errorf("forward: %v, want %v", got, want)
			}
			// Backward from the fifth: the two before it.
			all, err := st.StatusPage().Lookups(context.Background(), cityAud, store.StatusLookupQuery{})
			if err != nil {
				t.Fatal(err)
			}
			before := all.Cursors[4]
			p, err := st.StatusPage().Lookups(context.Background(), cityAud, store.StatusLookupQuery{PageArgs: store.PageArgs{Last: &two, Before: &before}})
			if err != nil {
				t.Fatal(err)
			}
			if back := []string{p.Items[0].ID, p.Items[1].ID}; !slices.Equal(back, newest(4, 3)) || !p.HasPreviousPage {
				t.Errorf("backward: %v (more before: %v), want %v", back, p.HasPreviousPage, newest(4, 3))
			}
		})

		t.Run("same instant", func(t *testing.T) {
			// Lookups at one instant are ordered by id, descending, and paged one by one.
			at := t0.Add(time.Hour)
			store.SetClock(st, func() time.Time { return at })
			var want []string
			for i := range 3 {
				ref := fmt.Sprintf("JZ-371402-2026-99991%d", i)
				if err := st.StatusPage().RecordStatusLookupUnscoped(context.Background(), ref, "203.0.113.5", "", store.LookupUnknown, nil); err != nil {
					t.Fatal(err)
				}
				got, err := st.StatusPage().StatusLookupsUnscoped(context.Background(), ref)
				if err != nil || len(got) != 1 {
					t.Fatalf("%v %v", got, err)
				}
				want = append(want, got[0].ID)
			}
			slices.Sort(want)
			slices.Reverse(want)
			got := pageForward(store.StatusLookupQuery{Filter: &models.StatusLookupFilter{From: &at}}, 1)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})

		t.Run("refused", func(t *testing.T) {
			bad := "not a cursor"
			for _, tt := range []struct {
				name string
				sc   store.Scope
				q    store.StatusLookupQuery
				want error
			}{
				{"another county", audA, store.StatusLookupQuery{Area: ptr(countyB)}, models.ErrForbidden},
				{"the city from a county", audA, store.StatusLookupQuery{Area: ptr(division.CityCode)}, models.ErrForbidden},
				{"not a code", cityAud, store.StatusLookupQuery{Area: ptr(notACodeArea)}, models.ErrInvalid},
				{"bad cursor", cityAud, store.StatusLookupQuery{PageArgs: store.PageArgs{After: &bad}}, models.ErrInvalid},
			} {
				if _, err := st.StatusPage().Lookups(context.Background(), tt.sc, tt.q); !errors.Is(err, tt.want) {
					t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
				}
			}
		})
	})
}

// TestFailedStatusLookups checks the counts of failed lookups: per address, the address
// that guessed and swept leads with every failure the caller may see and the references
// it tried; per reference, the reference guessed three times leads; a caller counts the
// failures of its own area only (the unknown references only the city); the range and
// top bound the answer. On SQLite, PostgreSQL and PostgreSQL under row-level security.
func TestFailedStatusLookups(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		plantLookups(t, st, t0)
		cityAud, audA, audB := auditorScope(division.CityCode), auditorScope(countyA), auditorScope(countyB)
		day := func(by models.StatusLookupKey, top int) store.FailedLookupsQuery {
			return store.FailedLookupsQuery{By: by, From: t0, To: t0.Add(24 * time.Hour), Top: top}
		}
		type row struct {
			failed, distinct int
			first, last      int // minutes after t0
		}
		tests := []struct {
			name string
			sc   store.Scope
			q    store.FailedLookupsQuery
			want []row
		}{
			// 198.51.100.9 failed six times over four references; 192.0.2.1 never failed.
			{"city by address", cityAud, day(models.LookupsByAddress, 10), []row{{6, 4, 0, 6}}},
			{"county A by address", audA, day(models.LookupsByAddress, 10), []row{{3, 1, 0, 2}}},
			{"county B by address", audB, day(models.LookupsByAddress, 10), []row{{1, 1, 4, 4}}},
			{"city by reference", cityAud, day(models.LookupsByReference, 10), []row{{3, 1, 0, 2}, {1, 1, 4, 4}, {1, 1, 5, 5}, {1, 1, 6, 6}}},
			{"city by reference, top 1", cityAud, day(models.LookupsByReference, 1), []row{{3, 1, 0, 2}}},
			{"county A by reference", audA, day(models.LookupsByReference, 10), []row{{3, 1, 0, 2}}},
			{"city by address, minutes 2 to 5", cityAud, store.FailedLookupsQuery{By: models.LookupsByAddress, From: t0.Add(2 * time.Minute), To: t0.Add(5 * time.Minute), Top: 10}, []row{{2, 2, 2, 4}}},
			{"city, before anything", cityAud, store.FailedLookupsQuery{By: models.LookupsByAddress, From: t0.Add(-time.Hour), To: t0, Top: 10}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := st.StatusPage().FailedLookups(context.Background(), tt.sc, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				var rows []row
				for _, g := range got {
					if len(g.Digest) != 64 {
						t.Errorf("digest %q", g.Digest)
					}
					rows = append(rows, row{g.Failed, g.Distinct, int(g.First.Sub(t0) / time.Minute), int(g.Last.Sub(t0) / time.Minute)})
				}
				// Ties are ordered by digest, which the key decides: compare them as a set.
				if len(rows) > 1 {
					slices.SortStableFunc(rows[1:], func(a, b row) int { return a.first - b.first })
				}
				if !slices.Equal(rows, tt.want) {
					t.Errorf("got %+v, want %+v", rows, tt.want)
				}
			})
		}
		// The guessed reference's digest is the one its lookups are listed under.
		list, err := st.StatusPage().Lookups(context.Background(), audA, store.StatusLookupQuery{Filter: &models.StatusLookupFilter{Outcome: ptr(models.LookupMismatch)}})
		if err != nil {
			t.Fatal(err)
		}
		byRef, err := st.StatusPage().FailedLookups(context.Background(), audA, day(models.LookupsByReference, 1))
		if err != nil || len(byRef) != 1 || len(list.Items) != 3 || byRef[0].Digest != list.Items[0].ReferenceDigest {
			t.Errorf("by reference %+v (%v), list %+v", byRef, err, list.Items)
		}
		for _, tt := range []struct {
			name string
			sc   store.Scope
			q    store.FailedLookupsQuery
			want error
		}{
			{"another county", audA, store.FailedLookupsQuery{Area: ptr(countyB), By: models.LookupsByAddress, From: t0, To: t0.Add(time.Hour), Top: 1}, models.ErrForbidden},
			{"no key", cityAud, store.FailedLookupsQuery{From: t0, To: t0.Add(time.Hour), Top: 1}, models.ErrInvalid},
		} {
			if _, err := st.StatusPage().FailedLookups(context.Background(), tt.sc, tt.q); !errors.Is(err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
	})
}

// auditorScope returns the scope of an auditor of area.
func auditorScope(area string) store.Scope {
	return store.ScopeFor(auth.Principal{Subject: "auditor@" + area, Role: models.RoleAuditor, Area: area})
}
