package httpapi_test

import (
	"jiuzhu/casework/verifications"
	"strconv"
	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// Areas of the policy-rule tests: a rural village of 德城区 and an urban one, with their
// townships, and 陵城区 as the other county.
const (
	ruleCounty        = "371402000000"
	ruleRuralTownship = "371402002000" // 新华街道
	ruleRuralVillage  = "371402002215" // 新园村委会
	ruleUrbanVillage  = "371402001001" // 尉署社区居委会
	otherVillage      = "371403001003"
)

var ruleSeq = 100

// newPerson returns a fresh valid ID number of someone born in year.
func newPerson(year int) string {
	ruleSeq++
	return idnumber.Build("371402", time.Date(year, time.Month(1+ruleSeq%12), 1+ruleSeq%28, 0, 0, 0, 0, time.UTC), ruleSeq)
}

type ruleMember struct {
	born       int
	disability int
}

type created struct {
	ID      string
	Members []struct{ ID, IDNumber string }
}

// newHousehold registers a household in village as the city admin.
func (e *env) newHousehold(village string, registered bool, ms ...ruleMember) created {
	e.t.Helper()
	var in []map[string]any
	for i, m := range ms {
		rel := "CHILD"
		if i == 0 {
			rel = "HEAD"
		}
		x := map[string]any{"name": "成员" + strconv.Itoa(i), "idNumber": newPerson(m.born), "relation": rel}
		if m.disability > 0 {
			x["disabilityLevel"] = m.disability
		}
		in = append(in, x)
	}
	var out struct{ CreateHousehold created }
	e.ok(e.token(models.RoleAdmin, division.CityCode), `mutation($in: HouseholdInput!) { createHousehold(input: $in) { id members { id idNumber(reveal: true) } } }`,
		map[string]any{"in": map[string]any{"village": village, "address": "政策路1号", "povertyRegistered": registered, "members": in}}, &out)
	return out.CreateHousehold
}

// grantOn opens an ACTIVE grant of program for h as the city admin, at 300.00 a month
// whatever the rule computes (an override, P18), from 2025, the year the callers set
// the standard for.
func (e *env) grantOn(h created, program string) string {
	e.t.Helper()
	var out struct{ CreateGrant struct{ ID string } }
	e.ok(e.token(models.RoleAdmin, division.CityCode), `mutation($h: ID!, $p: String!) { createGrant(input: {householdId: $h, programCode: $p, amount: "300.00", overrideReason: "评议确定的金额", startDate: "2025-01-01"}) { id } }`,
		map[string]any{"h": h.ID, "p": program}, &out)
	return out.CreateGrant.ID
}

const verifyMutation = `mutation($h: ID!, $in: VerificationInput!) { recordVerification(householdId: $h, input: $in) {
  id totalIncome memberCount perCapitaIncome rigidExpenditure latest members { monthlyIncome member { id } } } }`

// verification builds a verification input that gives each member of h income.
func verification(h created, date string, incomes ...string) map[string]any {
	var ms []map[string]any
	for i, m := range h.Members {
		ms = append(ms, map[string]any{"memberId": m.ID, "monthlyIncome": incomes[i]})
	}
	return map[string]any{"sourceDepartment": "民政局核对中心", "checkDate": date, "members": ms}
}

func (e *env) setStandard(tok, county string, year int, urban, rural string) response {
	e.t.Helper()
	return e.do(tok, `mutation($c: String!, $y: Int!, $u: Money!, $r: Money!) { setDibaoStandard(county: $c, year: $y, urban: $u, rural: $r) { countyCode year urban rural county { name } } }`,
		map[string]any{"c": county, "y": year, "u": urban, "r": rural})
}

func TestDibaoStandardsOverGraphQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 10)
		year := 2025 // the year grantOn's grants start
		line, _ := policy.DefaultConfig().PovertyLine(year)
		cases := []struct {
			name, county, rural string
			role                models.Role
			area                string
			code, field         string
		}{
			{"county officer", ruleCounty, "700.00", models.RoleOfficer, ruleCounty, httpapi.CodeForbidden, ""},
			{"county assistant", ruleCounty, "700.00", models.RoleAssistant, ruleCounty, httpapi.CodeForbidden, ""},
			{"integrator", ruleCounty, "700.00", models.RoleIntegrator, division.CityCode, httpapi.CodeForbidden, ""},
			{"auditor of the city", ruleCounty, "700.00", models.RoleAuditor, division.CityCode, httpapi.CodeForbidden, ""},
			{"township admin", ruleCounty, "700.00", models.RoleAdmin, ruleRuralTownship, httpapi.CodeForbidden, ""},
			{"admin of another county", ruleCounty, "700.00", models.RoleAdmin, otherCounty, httpapi.CodeForbidden, ""},
			{"a township is not a county", ruleRuralTownship, "700.00", models.RoleAdmin, division.CityCode, httpapi.CodeBadUserInput, "county"},
			{"unknown code", "371499000000", "700.00", models.RoleAdmin, division.CityCode, httpapi.CodeBadUserInput, "county"},
			{"rural equal to the poverty line", ruleCounty, line.String(), models.RoleAdmin, ruleCounty, httpapi.CodeBadUserInput, "rural"},
			{"rural under the poverty line", ruleCounty, (line - 1).String(), models.RoleAdmin, ruleCounty, httpapi.CodeBadUserInput, "rural"},
			{"rural zero", ruleCounty, "0", models.RoleAdmin, ruleCounty, httpapi.CodeBadUserInput, "rural"},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				r := e.setStandard(e.token(tt.role, tt.area), tt.county, year, "900.00", tt.rural)
				if r.code() != tt.code || (tt.field != "" && r.Errors[0].Extensions["field"] != tt.field) {
					t.Fatalf("got %s", r.raw)
				}
				if tt.field == "rural" && tt.rural == line.String() && !strings.Contains(r.raw, line.String()) {
					t.Errorf("the message does not state the line %s: %s", line, r.raw)
				}
			})
		}
		// Nothing was written by the refused calls.
		var none struct{ DibaoStandards []struct{ Year int } }
		e.ok(e.token(models.RoleAdmin, division.CityCode), `{ dibaoStandards { year } }`, nil, &none)
		if len(none.DibaoStandards) != 0 {
			t.Fatalf("refused calls wrote standards: %+v", none)
		}
		// The county's admin and the city's admin may set them; setting again replaces.
		for _, s := range []struct {
			tok, county, rural string
		}{
			{e.token(models.RoleAdmin, ruleCounty), ruleCounty, (line + 1).String()},
			{e.token(models.RoleAdmin, ruleCounty), ruleCounty, "650.00"},
			{e.token(models.RoleAdmin, division.CityCode), otherCounty, "660.00"},
		} {
			if r := e.setStandard(s.tok, s.county, year, "900.00", s.rural); len(r.Errors) > 0 {
				t.Fatalf("set %s: %s", s.county, r.raw)
			}
		}
		var last struct {
			DibaoStandards []struct{ CountyCode, Rural string }
		}
		// A village assistant sees its county's standards, not the other county's.
		e.ok(e.token(models.RoleAssistant, ruleRuralVillage), `{ dibaoStandards { countyCode rural } }`, nil, &last)
		if len(last.DibaoStandards) != 1 || last.DibaoStandards[0].CountyCode != ruleCounty || last.DibaoStandards[0].Rural != "650.00" {
			t.Errorf("village assistant sees %+v", last.DibaoStandards)
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($y: Int) { dibaoStandards(year: $y) { countyCode rural } }`, map[string]any{"y": year}, &last)
		if len(last.DibaoStandards) != 2 {
			t.Errorf("city admin sees %+v", last.DibaoStandards)
		}
		if r := e.do(e.token(models.RoleAssistant, ruleRuralVillage), `{ dibaoStandards(area: "371403000000") { year } }`, nil); r.code() != httpapi.CodeForbidden {
			t.Errorf("foreign area: %s", r.raw)
		}
		// The standard in force follows the village: rural here, urban there.
		h := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1970})
		u := e.newHousehold(ruleUrbanVillage, false, ruleMember{born: 1970})
		for _, c := range []struct {
			h      created
			amount string
			urban  bool
		}{{h, "650.00", false}, {u, "900.00", true}} {
			var out struct {
				Household struct {
					DibaoStandard *struct {
						Amount string
						Urban  bool
						Year   int
						County struct{ Code string }
					}
				}
			}
			e.ok(e.token(models.RoleOfficer, ruleCounty), `query($id: ID!) { household(id: $id) { dibaoStandard { amount urban year county { code } } } }`,
				map[string]any{"id": c.h.ID}, &out)
			s := out.Household.DibaoStandard
			if s == nil || s.Amount != c.amount || s.Urban != c.urban || s.Year != year || s.County.Code != ruleCounty {
				t.Errorf("standard of %s: %+v", c.h.ID, s)
			}
		}
		// A household of a county without a standard has none.
		st2 := e.newHousehold("371423101201", false, ruleMember{born: 1970})
		var out struct {
			Household struct{ DibaoStandard *struct{ Amount string } }
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($id: ID!) { household(id: $id) { dibaoStandard { amount } } }`, map[string]any{"id": st2.ID}, &out)
		if out.Household.DibaoStandard != nil {
			t.Errorf("a county without a standard: %+v", out.Household.DibaoStandard)
		}
	})
}

type grantState struct {
	Grant struct {
		Status       string
		GraceUntil   *string
		ReviewFlag   bool
		ReviewReason *string
		Events       []struct{ ToStatus, Actor, Reason string }
	}
}

const grantStateQuery = `query($id: ID!) { grant(id: $id) { status graceUntil reviewFlag reviewReason events { toStatus actor reason } } }`

func TestVerificationGraceAndJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 10)
		year := 2025 // the year grantOn's grants start
		if r := e.setStandard(e.token(models.RoleAdmin, ruleCounty), ruleCounty, year, "900.00", "650.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		officer := e.token(models.RoleOfficer, ruleRuralTownship)
		poor := e.newHousehold(ruleRuralVillage, true, ruleMember{born: 1970}, ruleMember{born: 2010})
		other := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1970}, ruleMember{born: 2010})
		poorGrant := e.grantOn(poor, "RURAL_DIBAO")
		otherGrant := e.grantOn(other, "RURAL_DIBAO")

		// Wrong tier and wrong area: nothing is written.
		denied := []struct {
			name, tok, code string
		}{
			{"auditor", e.token(models.RoleAuditor, ruleCounty), httpapi.CodeForbidden},
			{"integrator", e.token(models.RoleIntegrator, ruleCounty), httpapi.CodeForbidden},
			{"assistant of another village", e.token(models.RoleAssistant, "371402002216"), httpapi.CodeNotFound},
			{"officer of another county", e.token(models.RoleOfficer, otherCounty), httpapi.CodeNotFound},
		}
		for _, d := range denied {
			r := e.do(d.tok, verifyMutation, map[string]any{"h": poor.ID, "in": verification(poor, "2025-11-30", "2000.00", "0")})
			if r.code() != d.code {
				t.Errorf("%s: %s", d.name, r.raw)
			}
		}
		// Bad input names the field.
		bad := []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"a missing member", func() map[string]any {
				v := verification(poor, "2025-11-30", "1.00", "1.00")
				v["members"] = v["members"].([]map[string]any)[:1]
				return v
			}(), "input.members"},
			{"a member of another household", func() map[string]any {
				v := verification(poor, "2025-11-30", "1.00", "1.00")
				v["members"].([]map[string]any)[1]["memberId"] = other.Members[1].ID
				return v
			}(), "input.members[1].memberId"},
			{"a future check date", verification(poor, time.Now().AddDate(0, 0, 2).Format(models.DateLayout), "1.00", "1.00"), "input.checkDate"},
			{"a negative income", verification(poor, "2025-11-30", "-1.00", "1.00"), "input.members[0].monthlyIncome"},
			{"no department", func() map[string]any {
				v := verification(poor, "2025-11-30", "1.00", "1.00")
				v["sourceDepartment"] = " "
				return v
			}(), "input.sourceDepartment"},
		}
		for _, b := range bad {
			r := e.do(officer, verifyMutation, map[string]any{"h": poor.ID, "in": b.in})
			if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != b.field {
				t.Errorf("%s: %s", b.name, r.raw)
			}
		}
		var hv struct {
			Household struct{ Verifications []struct{ ID string } }
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($id: ID!) { household(id: $id) { verifications { id } } }`, map[string]any{"id": poor.ID}, &hv)
		if len(hv.Household.Verifications) != 0 {
			t.Fatalf("refused verifications were written: %+v", hv)
		}

		// Exactly at the standard (650.00 per person): nothing moves.
		var v struct {
			RecordVerification struct {
				ID, TotalIncome, PerCapitaIncome string
				MemberCount                      int
				Latest                           bool
			}
		}
		e.ok(officer, verifyMutation, map[string]any{"h": poor.ID, "in": verification(poor, "2025-11-01", "1300.00", "0")}, &v)
		if v.RecordVerification.PerCapitaIncome != "650.00" || v.RecordVerification.MemberCount != 2 || !v.RecordVerification.Latest {
			t.Errorf("verification: %+v", v.RecordVerification)
		}
		var g grantState
		e.ok(officer, grantStateQuery, map[string]any{"id": poorGrant}, &g)
		if g.Grant.Status != "ACTIVE" || g.Grant.GraceUntil != nil {
			t.Fatalf("at the standard the grant moved: %+v", g.Grant)
		}
		// A fen above it on 30 November: registered poor, so GRACE until the end of February.
		e.ok(e.token(models.RoleAssistant, ruleRuralVillage), verifyMutation,
			map[string]any{"h": poor.ID, "in": verification(poor, "2025-11-30", "1300.01", "0")}, &v)
		if v.RecordVerification.PerCapitaIncome != "650.00" || v.RecordVerification.TotalIncome != "1300.01" {
			t.Errorf("per capita rounds down: %+v", v.RecordVerification)
		}
		e.ok(officer, grantStateQuery, map[string]any{"id": poorGrant}, &g)
		if g.Grant.Status != "GRACE" || g.Grant.GraceUntil == nil || *g.Grant.GraceUntil != "2026-02-28" || g.Grant.ReviewFlag {
			t.Fatalf("P13 grace: %+v", g.Grant)
		}
		if ev := g.Grant.Events[len(g.Grant.Events)-1]; ev.ToStatus != "GRACE" || !strings.Contains(ev.Reason, "P13") {
			t.Errorf("grace event: %+v", ev)
		}
		// The household shows its verifications, latest first.
		var hh struct {
			Household struct {
				PerCapitaIncome    string
				LatestVerification struct{ ID, CheckDate string }
				Verifications      []struct{ CheckDate string }
			}
		}
		e.ok(officer, `query($id: ID!) { household(id: $id) { perCapitaIncome latestVerification { id checkDate } verifications { checkDate } } }`,
			map[string]any{"id": poor.ID}, &hh)
		if hh.Household.LatestVerification.CheckDate != "2025-11-30" || len(hh.Household.Verifications) != 2 ||
			hh.Household.Verifications[0].CheckDate != "2025-11-30" || hh.Household.PerCapitaIncome != "650.00" {
			t.Errorf("history: %+v", hh.Household)
		}
		// Not registered poor: the grant stays ACTIVE and is flagged for review.
		e.ok(officer, verifyMutation, map[string]any{"h": other.ID, "in": verification(other, "2025-11-30", "2000.00", "0")}, &v)
		e.ok(officer, grantStateQuery, map[string]any{"id": otherGrant}, &g)
		if g.Grant.Status != "ACTIVE" || !g.Grant.ReviewFlag || g.Grant.ReviewReason == nil || !strings.Contains(*g.Grant.ReviewReason, "not registered poor") {
			t.Fatalf("review flag: %+v", g.Grant)
		}

		// The daily job: nothing on the last day of grace, TERMINATED the day after, and
		// nothing more when run again.
		runs := []struct {
			day  string
			want int
		}{{"2026-02-27", 0}, {"2026-02-28", 0}, {"2026-03-01", 1}, {"2026-03-01", 0}, {"2026-03-02", 0}}
		for _, r := range runs {
			d, _ := models.ParseDate(r.day)
			n, err := verifications.New(st, policy.DefaultConfig()).ExpireGrace(t.Context(), d)
			if err != nil || n != r.want {
				t.Fatalf("job on %s: %d, %v; want %d", r.day, n, err, r.want)
			}
			e.ok(officer, grantStateQuery, map[string]any{"id": poorGrant}, &g)
			want := "GRACE"
			if r.day >= "2026-03-01" {
				want = "TERMINATED"
			}
			if g.Grant.Status != want {
				t.Fatalf("after the job of %s: %s, want %s", r.day, g.Grant.Status, want)
			}
		}
		evs := g.Grant.Events
		if len(evs) != 3 || evs[2].ToStatus != "TERMINATED" || evs[2].Actor != "system:grace-job" {
			t.Errorf("events: %+v", evs)
		}
		// A later verification of a terminated grant's household changes no grant.
		e.ok(officer, verifyMutation, map[string]any{"h": poor.ID, "in": verification(poor, "2026-03-05", "5000.00", "0")}, &v)
		e.ok(officer, grantStateQuery, map[string]any{"id": poorGrant}, &g)
		if g.Grant.Status != "TERMINATED" || len(g.Grant.Events) != 3 {
			t.Errorf("terminated grant changed: %+v", g.Grant)
		}
		// An older verification recorded later is history, not the latest: no consequence.
		third := e.newHousehold(ruleRuralVillage, true, ruleMember{born: 1970})
		thirdGrant := e.grantOn(third, "RURAL_DIBAO")
		e.ok(officer, verifyMutation, map[string]any{"h": third.ID, "in": verification(third, "2026-01-10", "100.00")}, &v)
		e.ok(officer, verifyMutation, map[string]any{"h": third.ID, "in": verification(third, "2025-12-10", "9000.00")}, &v)
		if v.RecordVerification.Latest {
			t.Error("an older check became the latest")
		}
		e.ok(officer, grantStateQuery, map[string]any{"id": thirdGrant}, &g)
		if g.Grant.Status != "ACTIVE" {
			t.Errorf("an older verification moved the grant: %+v", g.Grant)
		}
	})
}

type discoveryPage struct {
	Discoveries struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				Need      *string
				Reasons   []string
				Household struct{ ID, AreaCode string }
			}
		}
	}
}

func TestDerivedValuesFiltersAndDiscoveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 30)
		year := 2025 // the year grantOn's grants start
		admin := e.token(models.RoleAdmin, ruleCounty)
		if r := e.setStandard(admin, ruleCounty, year, "900.00", "650.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		officer := e.token(models.RoleOfficer, ruleRuralTownship)
		verify := func(h created, in map[string]any) {
			t.Helper()
			var v struct{ RecordVerification struct{ ID string } }
			e.ok(officer, verifyMutation, map[string]any{"h": h.ID, "in": in}, &v)
		}
		day := time.Now().AddDate(0, 0, -3).Format(models.DateLayout)
		// poorest: nothing at all, two people: below the standard, low income, grade A.
		poorest := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1980}, ruleMember{born: 2015})
		verify(poorest, verification(poorest, day, "0", "0"))
		// margin: 750 per person, within 1.5 × 650: low income, grade C.
		margin := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1980}, ruleMember{born: 2015})
		verify(margin, verification(margin, day, "1500.00", "0"))
		// spending: 750 per person, but 300 of medicine a month leaves 600: P15.
		spending := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1980}, ruleMember{born: 2015})
		in := verification(spending, day, "1500.00", "0")
		in["medicalExpenditure"] = "300.00"
		verify(spending, in)
		// disabled: registered poor, a member of disability level 1, no verification.
		disabled := e.newHousehold(ruleRuralVillage, true, ruleMember{born: 1950}, ruleMember{born: 1985, disability: 1})
		// covered: nothing, but on rural dibao already.
		covered := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1980})
		e.grantOn(covered, "RURAL_DIBAO")
		verify(covered, verification(covered, day, "0"))
		// rich: well off, with a car.
		rich := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1980})
		in = verification(rich, day, "100.00")
		in["ownsVehicle"] = true
		verify(rich, in)

		type derived struct {
			LowIncome, ExpenditurePoverty, CareEligible, BelowStandard, SevereDisability bool
			Grade                                                                        *string
			Members                                                                      []struct {
				CareEligible bool
				CareReasons  []string
			}
		}
		get := func(h created) derived {
			var out struct{ Household derived }
			e.ok(officer, `query($id: ID!) { household(id: $id) { lowIncome expenditurePoverty careEligible belowStandard severeDisability grade members { careEligible careReasons } } }`,
				map[string]any{"id": h.ID}, &out)
			return out.Household
		}
		grade := func(d derived) string {
			if d.Grade == nil {
				return "-"
			}
			return *d.Grade
		}
		checks := []struct {
			name                  string
			h                     created
			low, exp, care, below bool
			grade                 string
		}{
			{"poorest", poorest, true, false, false, true, "A"},
			{"margin", margin, true, false, false, false, "C"},
			{"spending", spending, true, true, false, false, "C"},
			{"disabled", disabled, false, false, true, false, "-"},
			{"covered", covered, false, false, false, true, "A"},
			{"rich", rich, false, false, false, false, "-"},
		}
		for _, c := range checks {
			d := get(c.h)
			if d.LowIncome != c.low || d.ExpenditurePoverty != c.exp || d.CareEligible != c.care || d.BelowStandard != c.below || grade(d) != c.grade {
				t.Errorf("%s: %+v grade %s", c.name, d, grade(d))
			}
		}
		if d := get(disabled); !d.SevereDisability || d.Members[0].CareEligible || !d.Members[1].CareEligible ||
			len(d.Members[1].CareReasons) != 1 || d.Members[1].CareReasons[0] != "SEVERE_DISABILITY" {
			t.Errorf("care of members: %+v", d.Members)
		}

		// The filters count in SQL what the fields say.
		count := func(filter string) int {
			var out struct{ Households struct{ TotalCount int } }
			e.ok(officer, `query { households(area: "`+ruleRuralVillage+`", filter: `+filter+`) { totalCount } }`, nil, &out)
			return out.Households.TotalCount
		}
		filters := []struct {
			filter string
			want   int
		}{
			{`{lowIncome: true}`, 3},
			{`{grade: A}`, 2},
			{`{grade: C}`, 2},
			{`{expenditurePoverty: true}`, 1},
			{`{careEligible: true}`, 1},
			{`{lowIncome: true, grade: C}`, 2},
		}
		for _, f := range filters {
			if got := count(f.filter); got != f.want {
				t.Errorf("filter %s: %d, want %d", f.filter, got, f.want)
			}
		}

		// Discoveries: the most in need first, in pages, and nothing already covered.
		want := []struct {
			h       created
			need    string
			reasons string
		}{
			{poorest, "650.00", "BELOW_STANDARD LOW_INCOME"},
			{margin, "-100.00", "LOW_INCOME"},
			{spending, "-100.00", "LOW_INCOME EXPENDITURE_POVERTY"},
			{disabled, "", "SEVERE_DISABILITY POVERTY_REGISTERED CARE_ELIGIBLE"},
		}
		if margin.ID > spending.ID { // equal need: by id
			want[1], want[2] = want[2], want[1]
		}
		var got []string
		var after any
		for pages := 0; pages < 5; pages++ {
			var p discoveryPage
			e.ok(officer, `query($after: String) { discoveries(area: "`+ruleRuralVillage+`", first: 3, after: $after) {
			  totalCount pageInfo { hasNextPage endCursor } edges { node { need reasons household { id areaCode } } } } }`,
				map[string]any{"after": after}, &p)
			if p.Discoveries.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", p.Discoveries.TotalCount, len(want))
			}
			for _, edge := range p.Discoveries.Edges {
				n := edge.Node
				need := ""
				if n.Need != nil {
					need = *n.Need
				}
				got = append(got, n.Household.ID+" "+need+" "+strings.Join(n.Reasons, " "))
			}
			if !p.Discoveries.PageInfo.HasNextPage {
				break
			}
			after = p.Discoveries.PageInfo.EndCursor
		}
		var exp []string
		for _, w := range want {
			exp = append(exp, w.h.ID+" "+w.need+" "+w.reasons)
		}
		if strings.Join(got, "\n") != strings.Join(exp, "\n") {
			t.Errorf("discoveries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
		}
		// A grant of the matching kind takes a household off the list.
		e.grantOn(poorest, "RURAL_DIBAO")
		var p discoveryPage
		e.ok(officer, `{ discoveries(area: "`+ruleRuralVillage+`") { totalCount edges { node { household { id } } } } }`, nil, &p)
		if p.Discoveries.TotalCount != 3 {
			t.Errorf("after a dibao grant: %d", p.Discoveries.TotalCount)
		}
		// A tier sees only discoveries of its subtree.
		for _, tier := range []string{division.CityCode, ruleCounty, ruleRuralTownship, otherCounty} {
			e.ok(e.token(models.RoleAuditor, tier), `{ discoveries(first: 100) { totalCount edges { node { household { id areaCode } } } } }`, nil, &p)
			for _, edge := range p.Discoveries.Edges {
				if !division.Contains(tier, edge.Node.Household.AreaCode) {
					t.Errorf("%s sees a discovery in %s", tier, edge.Node.Household.AreaCode)
				}
			}
		}

		// A new standard recomputes the county's households: at 800, margin is below it.
		if r := e.setStandard(admin, ruleCounty, year, "900.00", "800.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		if d := get(margin); !d.BelowStandard || !d.LowIncome || grade(d) != "B" {
			t.Errorf("margin after the new standard: %+v %s", d, grade(d))
		}
		if got := count(`{grade: C}`); got != 0 {
			t.Errorf("grade C after the new standard: %d", got)
		}
		// Members change the derived values too: a severe disability for margin's child.
		r := e.do(officer, `mutation($id: ID!) { updateMember(id: $id, input: {disabilityLevel: 2}) { id } }`, map[string]any{"id": margin.Members[1].ID})
		if len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		if d := get(margin); !d.SevereDisability || grade(d) != "A" {
			t.Errorf("margin after a disability: %+v %s", d, grade(d))
		}
	})
}

// TestRuleFieldsAcrossAreas asks for every new field and mutation with records and areas
// outside the caller's subtree.
func TestRuleFieldsAcrossAreas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 10)
		year := 2025 // the year grantOn's grants start
		if r := e.setStandard(e.token(models.RoleAdmin, division.CityCode), otherCounty, year, "900.00", "650.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		h := e.newHousehold(otherVillage, true, ruleMember{born: 1950, disability: 1})
		g := e.grantOn(h, "URBAN_DIBAO") // otherVillage is a residents' committee: urban dibao (P21)
		var v struct{ RecordVerification struct{ ID string } }
		e.ok(e.token(models.RoleOfficer, otherCounty), verifyMutation, map[string]any{"h": h.ID, "in": verification(h, "2026-01-05", "100.00")}, &v)
		tok := e.token(models.RoleOfficer, ruleCounty)
		cases := []struct {
			name, query string
			vars        map[string]any
			code        string
		}{
			{"household rule fields", `query($id: ID!) { household(id: $id) { dibaoStandard { amount } latestVerification { id } verifications { id } perCapitaIncome lowIncome grade expenditurePoverty careEligible } }`,
				map[string]any{"id": h.ID}, httpapi.CodeNotFound},
			{"member care", `query($id: ID!) { member(id: $id) { careEligible careReasons } }`, map[string]any{"id": h.Members[0].ID}, httpapi.CodeNotFound},
			{"grant grace and review", `query($id: ID!) { grant(id: $id) { graceUntil reviewFlag reviewReason } }`, map[string]any{"id": g}, httpapi.CodeNotFound},
			{"record a verification", verifyMutation, map[string]any{"h": h.ID, "in": verification(h, "2026-01-06", "9999.00")}, httpapi.CodeNotFound},
			{"set a standard", `mutation { setDibaoStandard(county: "371403000000", year: 2026, urban: "1.00", rural: "700.00") { year } }`, nil, httpapi.CodeForbidden},
			{"standards of a foreign area", `{ dibaoStandards(area: "371403000000") { year } }`, nil, httpapi.CodeForbidden},
			{"discoveries of a foreign area", `{ discoveries(area: "371403000000") { totalCount } }`, nil, httpapi.CodeForbidden},
			{"derived filters on a foreign area", `{ households(area: "371403000000", filter: {lowIncome: true, grade: A, careEligible: true, expenditurePoverty: false}) { totalCount } }`, nil, httpapi.CodeForbidden},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tok, tt.query, tt.vars)
				if r.code() != tt.code {
					t.Fatalf("code %q, want %s: %s", r.code(), tt.code, r.raw)
				}
				if strings.Contains(r.raw, h.Members[0].IDNumber) || strings.Contains(r.raw, otherVillage) {
					t.Errorf("the answer discloses the record: %s", r.raw)
				}
			})
		}
		// Nothing changed: one verification, the grant as it was, the standard as it was.
		var after struct {
			Household struct {
				Verifications []struct{ TotalIncome string }
				Grants        []struct{ Status string }
			}
			DibaoStandards []struct{ Urban, Rural string }
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($id: ID!) { household(id: $id) { verifications { totalIncome } grants { status } }
		  dibaoStandards(area: "371403000000") { urban rural } }`, map[string]any{"id": h.ID}, &after)
		if len(after.Household.Verifications) != 1 || after.Household.Verifications[0].TotalIncome != "100.00" ||
			len(after.DibaoStandards) != 1 || after.DibaoStandards[0].Urban != "900.00" {
			t.Errorf("a refused call changed something: %+v", after)
		}
		// Discoveries of the caller's own area do not include the foreign household.
		var p discoveryPage
		e.ok(tok, `{ discoveries(first: 100) { totalCount edges { node { household { id } } } } }`, nil, &p)
		for _, edge := range p.Discoveries.Edges {
			if edge.Node.Household.ID == h.ID {
				t.Error("a foreign household is discovered")
			}
		}
		// And the policy defaults are those docs/policy-rules.md states.
		c := policy.DefaultConfig()
		if c.LowIncomeFactor != 1500 || c.GraceMonths != 3 {
			t.Errorf("defaults: %+v", c)
		}
	})
}
