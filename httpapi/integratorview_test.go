package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestIntegratorsReadOfficesNotSubjects checks @integratorView over the real server: an
// integrator of the county (dibao) reads the role and office that acted on a grant's
// events (a village's assistant as its township's), its calculation, the county's
// program setting, dibao standard and entitlement parameters and the change feed, never an officer's subject, and a calculation's rule
// figures without the household's income; an officer of the county reads the subjects
// and the income figures. It runs on SQLite and PostgreSQL (with row-level security too),
// with compiled reads on and off.
func TestIntegratorsReadOfficesNotSubjects(t *testing.T) {
	eachReadMode(t, storetest.EachWithRLS, func(t *testing.T, st *store.Store, compiled bool, opts func(*httpapi.Options), reads *sqlread.Reader) {
		integratorView(t, st, opts)
		answeredCompiled(t, compiled, reads, "query")
	})
}

func integratorView(t *testing.T, st *store.Store, opts func(*httpapi.Options)) {
	e := startWith(t, st, 0, opts)
	const city, county, township, village = "371400000000", "371402000000", "371402001000", "371402001001"
	subjects := []string{"zhang.city-admin", "li.county-officer", "wu.town-officer", "chen.village-assistant"}
	admin := e.tokenAs(subjects[0], models.RoleAdmin, city)
	officer := e.tokenAs(subjects[1], models.RoleOfficer, county)
	town := e.tokenAs(subjects[2], models.RoleOfficer, township)
	assistant := e.tokenAs(subjects[3], models.RoleAssistant, village)
	integ := e.tokenAs("civil-affairs-exchange", models.RoleIntegrator, county, "DIBAO")

	if r := e.setStandard(admin, county, 2026, "850.00", "700.00"); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	e.ok(officer, `mutation { setEntitlementParameters(input: {county: "371402000000", year: 2026, effectiveFrom: "2026-01-01"}) { id } }`, nil, &struct{}{})
	e.ok(admin, `mutation { changeProgram(code: "URBAN_DIBAO", input: {areaCode: "371402000000", effectiveFrom: "2026-01-01", referralDays: 12, reason: "县级设置"}) { id } }`, nil, &struct{}{})

	h := e.newHousehold(village, false, ruleMember{born: 1950}, ruleMember{born: 1980})
	e.ok(admin, `mutation($id: ID!) { updateMember(id: $id, input: {monthlyIncome: "613.57"}) { id } }`, map[string]any{"id": h.Members[1].ID}, &struct{}{})
	var app struct{ SubmitApplication struct{ ID string } }
	e.ok(assistant, `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "URBAN_DIBAO", channel: WALK_IN}) { id } }`,
		map[string]any{"h": h.ID}, &app)
	id := app.SubmitApplication.ID
	e.ok(town, `mutation($id: ID!) { reviewGrant(id: $id) { id } }`, map[string]any{"id": id}, &struct{}{})
	e.ok(officer, `mutation($id: ID!) { approveGrant(id: $id, input: {startDate: "2026-02-01"}) { id } }`, map[string]any{"id": id}, &struct{}{})

	// The events alone compile to one statement on PostgreSQL; the rest goes to the executor.
	const events = `query($id: ID!) { grant(id: $id) { events { actor actorRole actorArea } } }`
	const rest = `query($id: ID!) {
	  grant(id: $id) { amount calculation { actor formula inputs { name value } } }
	  programs { code history { areaCode setBy } }
	  dibaoStandards(area: "371402000000") { setBy }
	  entitlementParameters(county: "371402000000") { setBy }
	  changes(first: 100) { edges { node { grant { id events { actor } } } } } }`

	type event struct{ Actor, ActorRole, ActorArea string }
	var ev struct{ Grant struct{ Events []event } }
	type answer struct {
		Grant struct {
			Amount      string
			Calculation struct {
				Actor, Formula string
				Inputs         []struct{ Name, Value string }
			}
		}
		Programs []struct {
			Code    string
			History []struct{ AreaCode, SetBy string }
		}
		DibaoStandards        []struct{ SetBy string }
		EntitlementParameters []struct{ SetBy string }
	}
	inputNames := func(a answer) []string {
		var out []string
		for _, in := range a.Grant.Calculation.Inputs {
			out = append(out, in.Name)
		}
		return out
	}
	settingBy := func(a answer) string {
		for _, p := range a.Programs {
			for _, s := range p.History {
				if p.Code == "URBAN_DIBAO" && s.AreaCode == county {
					return s.SetBy
				}
			}
		}
		return ""
	}

	// The officer of the county reads who acted and the household's figures.
	e.ok(officer, events, map[string]any{"id": id}, &ev)
	if len(ev.Grant.Events) != 3 || ev.Grant.Events[0].Actor != subjects[3] || ev.Grant.Events[0].ActorArea != village ||
		ev.Grant.Events[1].Actor != subjects[2] || ev.Grant.Events[2].Actor != subjects[1] {
		t.Errorf("the officer reads the events %+v", ev.Grant.Events)
	}
	var off answer
	e.ok(officer, rest, map[string]any{"id": id}, &off)
	if c := off.Grant.Calculation; c.Actor != subjects[1] || !strings.Contains(c.Formula, "306.78") || !slices.Contains(inputNames(off), "perCapitaIncome") ||
		!slices.Contains(inputNames(off), "totalIncome") || !slices.Contains(inputNames(off), "membersCovered") {
		t.Errorf("the officer reads the calculation %+v", c)
	}
	if by := settingBy(off); by != subjects[0] {
		t.Errorf("the officer reads the county's setting as set by %q", by)
	}
	if len(off.DibaoStandards) != 1 || off.DibaoStandards[0].SetBy != subjects[0] || len(off.EntitlementParameters) != 1 || off.EntitlementParameters[0].SetBy != subjects[1] {
		t.Errorf("the officer reads the standards %+v and parameters %+v", off.DibaoStandards, off.EntitlementParameters)
	}

	// The integrator reads the role and office that acted, and the rule's figures only.
	r := e.do(integ, events, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	if err := json.Unmarshal(r.Data, &ev); err != nil {
		t.Fatal(err)
	}
	// The village's assistant reads as its township's: a village has one assistant.
	want := []event{{"ASSISTANT@" + township, "ASSISTANT", township}, {"OFFICER@" + township, "OFFICER", township}, {"OFFICER@" + county, "OFFICER", county}}
	if !slices.Equal(ev.Grant.Events, want) {
		t.Errorf("the integrator reads the events %+v, want %+v", ev.Grant.Events, want)
	}
	noSubject := func(what, raw string) {
		t.Helper()
		for _, s := range subjects {
			if strings.Contains(raw, s) {
				t.Errorf("%s shows the integrator the subject %q: %s", what, s, raw)
			}
		}
	}
	noSubject("the events", r.raw)
	if strings.Contains(r.raw, village) {
		t.Errorf("the integrator reads the village that acted: %s", r.raw)
	}
	r = e.do(integ, rest, map[string]any{"id": id})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	noSubject("the records", r.raw)
	for _, figure := range []string{"613.57", "306.78", "306.79"} {
		if strings.Contains(r.raw, figure) {
			t.Errorf("the integrator reads the household's figure %s: %s", figure, r.raw)
		}
	}
	var in answer
	if err := json.Unmarshal(r.Data, &in); err != nil {
		t.Fatal(err)
	}
	if c := in.Grant.Calculation; c.Actor != "STAFF@"+county || c.Formula != "max(standard − per-capita income, minPerPerson) × members covered" ||
		!slices.Equal(inputNames(in), []string{"status", "standard", "minPerPerson", "standardYear"}) || in.Grant.Amount != off.Grant.Amount {
		t.Errorf("the integrator reads the calculation %+v (amount %s)", c, in.Grant.Amount)
	}
	if by := settingBy(in); by != "ADMIN@"+county {
		t.Errorf("the integrator reads the county's setting as set by %q", by)
	}
	if len(in.DibaoStandards) != 1 || in.DibaoStandards[0].SetBy != "ADMIN@"+county || len(in.EntitlementParameters) != 1 || in.EntitlementParameters[0].SetBy != "STAFF@"+county {
		t.Errorf("the integrator reads the standards %+v and parameters %+v", in.DibaoStandards, in.EntitlementParameters)
	}
	if !strings.Contains(r.raw, "OFFICER@"+county) {
		t.Errorf("the change feed shows the integrator no office: %s", r.raw)
	}
}
