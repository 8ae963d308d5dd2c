package httpapi_test

import (
	"strings"
	"testing"

	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestEntitlementsOverHTTP goes through the money of a grant over the API: the county
// sets its parameters (other counties and townships may not), approval computes a
// one-person household's dibao whatever the approver types (P18) and shows the
// calculation, 特困 support for the same person is a CONFLICT naming the dibao grant
// (P21), and the check of one benefit answers admins only.
func TestEntitlementsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		const county, township, village = "371402000000", "371402001000", "371402001001"
		admin := e.token(models.RoleAdmin, "371400000000")
		officer := e.tokenAs("money-county", models.RoleOfficer, county)
		town := e.tokenAs("money-town", models.RoleOfficer, township)
		if r := e.setStandard(admin, county, 2026, "850.00", "700.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		set := `mutation($c: String!) { setEntitlementParameters(input: {county: $c, year: 2026, effectiveFrom: "2026-01-01", tekunMultiple: "1.4"}) { countyCode tekunMultiple careFull } }`
		for name, tok := range map[string]string{"another county": e.token(models.RoleOfficer, "371403000000"), "a township": town} {
			if r := e.do(tok, set, map[string]any{"c": county}); r.code() != httpapi.CodeForbidden {
				t.Errorf("%s sets the parameters: %s", name, r.raw)
			}
		}
		var params struct {
			SetEntitlementParameters struct{ CountyCode, TekunMultiple, CareFull string }
		}
		e.ok(officer, set, map[string]any{"c": county}, &params)
		if p := params.SetEntitlementParameters; p.TekunMultiple != "1.400" || p.CareFull != "100.00" {
			t.Errorf("parameters %+v", p)
		}

		h := e.newHousehold(village, false, ruleMember{born: 1950})
		apply := func(program string, member *string) string {
			t.Helper()
			var app struct{ SubmitApplication struct{ ID string } }
			e.ok(admin, `mutation($h: ID!, $p: String!, $m: ID) { submitApplication(input: {householdId: $h, memberId: $m, programCode: $p, channel: WALK_IN}) { id } }`,
				map[string]any{"h": h.ID, "p": program, "m": member}, &app)
			e.ok(town, `mutation($id: ID!) { reviewGrant(id: $id) { id } }`, map[string]any{"id": app.SubmitApplication.ID}, &struct{}{})
			return app.SubmitApplication.ID
		}
		dibao := apply("URBAN_DIBAO", nil)
		approve := `mutation($id: ID!, $in: ApprovalInput!) { approveGrant(id: $id, input: $in) { id amount overridden
		  calculation { method clause formula computed amount overridden inputs { name value } } } }`
		r := e.do(officer, approve, map[string]any{"id": dibao, "in": map[string]any{"startDate": "2026-02-01", "amount": "9999.00"}})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.amount" {
			t.Errorf("a typed dibao amount: %s", r.raw)
		}
		var ok struct {
			ApproveGrant struct {
				Amount      string
				Overridden  bool
				Calculation struct {
					Method, Clause, Formula, Computed string
					Inputs                            []struct{ Name, Value string }
				}
			}
		}
		e.ok(officer, approve, map[string]any{"id": dibao, "in": map[string]any{"startDate": "2026-02-01"}}, &ok)
		g := ok.ApproveGrant
		if g.Amount != "850.00" || g.Overridden || g.Calculation.Method != "DIBAO_GAP" || g.Calculation.Clause != "P18" ||
			g.Calculation.Formula != "(850.00 − 0.00) × 1 = 850.00" || len(g.Calculation.Inputs) == 0 {
			t.Errorf("approved %+v", g)
		}

		tekun := apply("TEKUN_DISPERSED", &h.Members[0].ID)
		r = e.do(officer, approve, map[string]any{"id": tekun, "in": map[string]any{"startDate": "2026-02-01", "selfCare": "FULL"}})
		if r.code() != httpapi.CodeConflict || !strings.Contains(r.raw, dibao) || !strings.Contains(r.raw, "TEKUN_WITH_DIBAO") {
			t.Errorf("特困 beside the dibao: %s", r.raw)
		}

		check := `{ oneBenefitViolations { rule grantId } }`
		if r := e.do(officer, check, nil); r.code() != httpapi.CodeForbidden {
			t.Errorf("an officer checks: %s", r.raw)
		}
		var vs struct{ OneBenefitViolations []struct{ Rule string } }
		e.ok(e.token(models.RoleAdmin, county), check, nil, &vs)
		if len(vs.OneBenefitViolations) != 0 {
			t.Errorf("violations after refused approvals: %+v", vs.OneBenefitViolations)
		}
		var stats struct {
			AreaStats struct{ OverriddenGrants int }
		}
		e.ok(officer, `{ areaStats { overriddenGrants } }`, nil, &stats)
		if stats.AreaStats.OverriddenGrants != 0 {
			t.Errorf("%d overridden grants", stats.AreaStats.OverriddenGrants)
		}
	})
}
