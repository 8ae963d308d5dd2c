package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestTakeIDLookups checks the allowance the imports spend: n lookups all or none, a
// caller short of them left with none, n = 0 taking nothing, and each caller on its own.
func TestTakeIDLookups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		burst := store.DefaultLookupLimit.Burst
		cases := []struct {
			name    string
			subject string
			n       int
			want    bool
		}{
			{"one left is enough to go on", "a", 0, true},
			{"all but one", "a", burst - 1, true},
			{"the last one", "a", 1, true},
			{"none left: refused before testing", "a", 0, false},
			{"another caller is not held back", "b", burst - 2, true},
			{"more than are left: refused", "b", 3, false},
			{"and what was left is spent", "b", 0, false},
			{"more than the burst at once", "c", burst + 1, false},
		}
		for _, c := range cases {
			if ok, wait := st.TakeIDLookups(c.subject, c.n, now); ok != c.want || (!ok && wait <= 0) {
				t.Errorf("%s: %v, %v; want %v", c.name, ok, wait, c.want)
			}
		}
		// A minute later, six lookups are back (the default rate).
		if ok, _ := st.TakeIDLookups("a", 6, now.Add(time.Minute)); !ok {
			t.Error("a minute later: no lookups regained")
		}
	})
}

// TestImportsSpendLookupsOnNumbersTheyConfirm checks, on the real store, that an
// integrator's import that finds people registered in another county takes one lookup for
// each, that a batch the allowance does not cover writes nothing, and that new people
// take nothing; and that importVerifications counts numbers not found in the area alike.
func TestImportsSpendLookupsOnNumbersTheyConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		burst := store.DefaultLookupLimit.Burst
		var elsewhere []*models.HouseholdRecord
		for i := range burst + 1 {
			elsewhere = append(elsewhere, record(fmt.Sprintf("B%d", i), villageB, 1))
		}
		if rep, err := importCases(st).ImportHouseholds(admin(), elsewhere, store.ImportOptions{}); err != nil || rep.Created != len(elsewhere) {
			t.Fatalf("planting: %+v, %v", rep, err)
		}
		probe := func(from int, n int) []*models.HouseholdRecord {
			var out []*models.HouseholdRecord
			for i := range n {
				r := record(fmt.Sprintf("P%d-%d", from, i), villageA1, 1)
				r.Members[0].IDNumber = elsewhere[from+i].Members[0].IDNumber
				out = append(out, r)
			}
			return out
		}
		dept := storetest.As(models.RoleIntegrator, countyA, "MEDICAL")
		before := snapshot(t, st, dept)
		var fresh []*models.HouseholdRecord
		for i := range 200 {
			fresh = append(fresh, record(fmt.Sprintf("N%d", i), villageA1, 2))
		}
		rep, err := importCases(st).ImportHouseholds(dept, append(probe(0, burst-2), fresh...), store.ImportOptions{DryRun: true})
		if err != nil || rep.Rejected != burst-2 || rep.Created != len(fresh) {
			t.Fatalf("within the allowance: %+v, %v", rep, err)
		}
		_, err = importCases(st).ImportHouseholds(dept, append(probe(burst-2, 3), fresh...), store.ImportOptions{Partial: true})
		if !errors.Is(err, models.ErrRateLimited) {
			t.Fatalf("past the allowance: %v, want RATE_LIMITED", err)
		}
		if after := snapshot(t, st, dept); after.households != before.households || after.changes != before.changes {
			t.Fatalf("a refused batch wrote: %+v, before %+v", after, before)
		}
		check := &models.VerificationRecord{IDNumber: elsewhere[0].Members[0].IDNumber, Source: "TAX",
			CheckDate: models.NewDate(2026, 1, 5), MonthlyIncome: income(100)}
		if _, err := verificationCases(st).ImportVerifications(dept, []*models.VerificationRecord{check}, store.ImportOptions{DryRun: true}); !errors.Is(err, models.ErrRateLimited) {
			t.Fatalf("verifications with the allowance spent: %v, want RATE_LIMITED", err)
		}
		// Another department's verifications: each number of the other county is
		// NOT_FOUND and a lookup, past the allowance RATE_LIMITED.
		other := storetest.As(models.RoleIntegrator, townshipA1, "DIBAO")
		var checks []*models.VerificationRecord
		for _, r := range elsewhere {
			c := *check
			c.IDNumber = r.Members[0].IDNumber
			checks = append(checks, &c)
		}
		rv, err := verificationCases(st).ImportVerifications(other, checks[:burst], store.ImportOptions{DryRun: true})
		if err != nil || rv.Rejected != burst {
			t.Fatalf("verifications within the allowance: %+v, %v", rv, err)
		}
		if _, err := verificationCases(st).ImportVerifications(other, checks[burst:], store.ImportOptions{DryRun: true}); !errors.Is(err, models.ErrRateLimited) {
			t.Fatalf("verifications past the allowance: %v, want RATE_LIMITED", err)
		}
	})
}
