package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// lookupsNotRegained gives a store the default allowance of lookups by ID number
// (store.DefaultLookupLimit.Burst) but regains one only every million minutes instead of
// every 10 seconds. At the default rate, a test that spends the allowance and then
// counts on it being spent failed when its steps took long on a busy machine: a refused
// call leaves the fraction of a lookup that was regained meanwhile, and the next call
// found a whole one if the steps had taken close to a multiple of 10 seconds.
func lookupsNotRegained(c *store.Config) {
	c.IDLookups = store.LookupLimit{PerMinute: 1e-6, Burst: store.DefaultLookupLimit.Burst}
}

const probeVerifications = `mutation($r: [VerificationRecord!]!, $dryRun: Boolean) { importVerifications(records: $r, dryRun: $dryRun) {
  committed created rejected errors { index field reason code } } }`

// TestImportsAreNoIDNumberOracle checks, over the HTTP server, that the paths that take
// full ID numbers in bulk do not confirm them for free: an integrator that probes numbers
// registered in another county through importHouseholds, or numbers nobody in its area
// has through importVerifications, spends its allowance of lookups by ID number
// (store.DefaultLookupLimit.Burst), each such number audited as lookupIdNumber; past it
// the call is RATE_LIMITED and writes nothing, and every later call, whatever its
// numbers, is refused alike. An officer registering people registered elsewhere meets
// the same limit. Another department's normal import of 1,000 new households (a dry run,
// then the write) and of verifications of its area's people is not held back.
func TestImportsAreNoIDNumberOracle(t *testing.T) {
	storetest.EachWith(t, lookupsNotRegained, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		burst := store.DefaultLookupLimit.Burst
		admin := e.token(models.RoleAdmin, division.CityCode)
		village := seed.DemoVillage(st.Tree())
		var otherCounty string
		for _, c := range st.Tree().Children(division.CityCode) {
			if c != seed.DemoCounty {
				otherCounty = c
				break
			}
		}
		elsewhereVillage := st.Tree().Within(otherCounty, models.LevelVillage)[0].Code
		day := func(year, i int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i) }
		record := func(ref, village, number string) map[string]any {
			return map[string]any{"externalRef": ref, "village": village, "address": "探测路1号",
				"members": []map[string]any{{"name": "户主", "idNumber": number, "relation": "HEAD"}}}
		}
		// People registered in another county, out of the integrators' sight.
		elsewhere := make([]string, 2*burst)
		var planted []map[string]any
		for i := range elsewhere {
			elsewhere[i] = idnumber.Build(otherCounty[:6], day(1960, i), 7)
			planted = append(planted, record(fmt.Sprintf("ELSE-%d", i), elsewhereVillage, elsewhere[i]))
		}
		var imp importAnswer
		e.ok(admin, importMutation, map[string]any{"records": planted}, &imp)
		if imp.ImportHouseholds.Created != len(planted) {
			t.Fatalf("planting: %+v", imp.ImportHouseholds)
		}
		countOwn := func() int {
			var out struct{ Households struct{ TotalCount int } }
			e.ok(admin, `query($a: String!) { households(area: $a, first: 1) { totalCount } }`, map[string]any{"a": seed.DemoCounty}, &out)
			return out.Households.TotalCount
		}
		own := countOwn()

		prober := e.tokenAs("probe-dept", models.RoleIntegrator, seed.DemoCounty, catalogue.CategoryMedical)
		// A dry run of 1,000 candidates: the new ones cost nothing, each one registered
		// elsewhere costs a lookup and is CONFLICT without saying where.
		hits := burst - 5
		var probe []map[string]any
		for i := range store.MaxImportRecords {
			n := idnumber.Build(seed.DemoCounty[:6], day(1985, i), 11)
			if i < hits {
				n = elsewhere[i]
			}
			probe = append(probe, record(fmt.Sprintf("PROBE-%d", i), village, n))
		}
		e.ok(prober, importMutation, map[string]any{"records": probe, "dryRun": true}, &imp)
		if got := imp.ImportHouseholds; got.Rejected != hits || got.Created != len(probe)-hits || got.Committed {
			t.Fatalf("probe within the allowance: %+v", got)
		}
		for _, er := range imp.ImportHouseholds.Errors {
			if er.Code != "CONFLICT" || strings.Contains(er.Reason, otherCounty[:6]) || strings.Contains(er.Reason, elsewhereVillage) {
				t.Fatalf("a conflict says more than that: %+v", er)
			}
		}
		// Ten more numbers registered elsewhere with five lookups left: refused, nothing
		// written, not even the new households of a partial batch.
		probe = nil
		for i := range 15 {
			n := idnumber.Build(seed.DemoCounty[:6], day(1986, i), 11)
			if i < 10 {
				n = elsewhere[hits+i]
			}
			probe = append(probe, record(fmt.Sprintf("PROBE2-%d", i), village, n))
		}
		r := e.do(prober, importMutation, map[string]any{"records": probe, "partial": true})
		if r.code() != httpapi.CodeRateLimited || strings.Contains(r.raw, "PROBE2") {
			t.Fatalf("probe past the allowance: %s, want RATE_LIMITED", r.raw)
		}
		if n := countOwn(); n != own {
			t.Fatalf("a refused probe wrote %d households", n-own)
		}
		// Spent: any call is refused before a number is tested, registered or not.
		for _, recs := range [][]map[string]any{{record("SPENT-1", village, elsewhere[2*burst-1])}, {record("SPENT-2", village, idnumber.Build(seed.DemoCounty[:6], day(1987, 1), 11))}} {
			if r := e.do(prober, importMutation, map[string]any{"records": recs, "dryRun": true}); r.code() != httpapi.CodeRateLimited {
				t.Fatalf("import with the allowance spent: %s, want RATE_LIMITED", r.raw)
			}
		}
		if r := e.do(prober, probeVerifications, map[string]any{"r": []map[string]any{{"idNumber": elsewhere[0], "source": "TAX", "checkDate": "2026-01-05", "monthlyIncome": "100.00"}}, "dryRun": true}); r.code() != httpapi.CodeRateLimited {
			t.Fatalf("verifications with the allowance spent: %s, want RATE_LIMITED", r.raw)
		}
		var audit struct{ AuditEvents struct{ TotalCount int } }
		e.ok(admin, `query($a: String) { auditEvents(first: 1, filter: {operation: "lookupIdNumber", actor: $a}) { totalCount } }`, map[string]any{"a": "probe-dept"}, &audit)
		if audit.AuditEvents.TotalCount != hits+10 {
			t.Errorf("%d lookups audited, want %d", audit.AuditEvents.TotalCount, hits+10)
		}

		// A normal import of another department: 1,000 new households, a dry run and
		// then the write, then checks of its own people: never held back.
		dept := e.tokenAs("normal-dept", models.RoleIntegrator, seed.DemoCounty, catalogue.CategoryMedical)
		var fresh []map[string]any
		var checks []map[string]any
		for i := range store.MaxImportRecords {
			n := idnumber.Build(seed.DemoCounty[:6], day(1990, i%365), 100+i/365)
			fresh = append(fresh, record(fmt.Sprintf("NEW-%d", i), village, n))
			checks = append(checks, map[string]any{"idNumber": n, "source": "TAX", "checkDate": "2026-01-05", "monthlyIncome": "100.00"})
		}
		for _, dry := range []bool{true, false} {
			e.ok(dept, importMutation, map[string]any{"records": fresh, "dryRun": dry}, &imp)
			if imp.ImportHouseholds.Created != len(fresh) || imp.ImportHouseholds.Committed == dry {
				t.Fatalf("normal import (dry run %v): %+v", dry, imp.ImportHouseholds)
			}
		}
		var ver struct {
			ImportVerifications struct {
				Committed         bool
				Created, Rejected int
			}
		}
		e.ok(dept, probeVerifications, map[string]any{"r": checks[:100]}, &ver)
		if !ver.ImportVerifications.Committed || ver.ImportVerifications.Created != 100 {
			t.Fatalf("normal verifications: %+v", ver.ImportVerifications)
		}

		// Verifications that probe numbers nobody in the area has (unknown, or registered
		// in the other county: the same answer) spend the allowance too.
		checker := e.tokenAs("check-dept", models.RoleIntegrator, seed.DemoCounty, catalogue.CategoryMedical)
		var unknown []map[string]any
		for i := range burst - 1 {
			n := idnumber.Build(seed.DemoCounty[:6], day(1970, i), 13)
			if i%2 == 0 {
				n = elsewhere[i]
			}
			unknown = append(unknown, map[string]any{"idNumber": n, "source": "TAX", "checkDate": "2026-01-05", "monthlyIncome": "100.00"})
		}
		e.ok(checker, probeVerifications, map[string]any{"r": unknown, "dryRun": true}, &ver)
		if ver.ImportVerifications.Rejected != len(unknown) {
			t.Fatalf("verifications within the allowance: %+v", ver.ImportVerifications)
		}
		r = e.do(checker, probeVerifications, map[string]any{"r": append(checks[:1:1], unknown[:2]...)})
		if r.code() != httpapi.CodeRateLimited {
			t.Fatalf("verifications past the allowance: %s, want RATE_LIMITED", r.raw)
		}

		// An officer registering people registered elsewhere meets the same limit.
		officer := e.tokenAs("register-officer", models.RoleOfficer, seed.DemoCounty)
		const create = `mutation($v: String!, $n: String!) { createHousehold(input: {village: $v, address: "登记路1号", members: [{name: "户主", idNumber: $n, relation: HEAD}]}) { id } }`
		for i := range burst {
			if r := e.do(officer, create, map[string]any{"v": village, "n": elsewhere[i]}); r.code() != httpapi.CodeConflict {
				t.Fatalf("registration %d of a person registered elsewhere: %s, want CONFLICT", i, r.raw)
			}
		}
		for _, n := range []string{elsewhere[burst], idnumber.Build(seed.DemoCounty[:6], day(1991, 1), 17)} {
			if r := e.do(officer, create, map[string]any{"v": village, "n": n}); r.code() != httpapi.CodeRateLimited {
				t.Fatalf("registration with the allowance spent: %s, want RATE_LIMITED", r.raw)
			}
		}
	})
}
