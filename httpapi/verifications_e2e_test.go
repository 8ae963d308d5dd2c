package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const importVerificationsMutation = `mutation($records: [VerificationRecord!]!, $dryRun: Boolean) {
  importVerifications(records: $records, dryRun: $dryRun) {
    committed created updated unchanged rejected
    results { index key outcome id }
    errors { index key field reason code } } }`

type verificationsAnswer struct {
	ImportVerifications struct {
		Committed                             bool
		Created, Updated, Unchanged, Rejected int
		Results                               []struct {
			Index        int
			Key, Outcome string
			ID           *string
		}
		Errors []struct {
			Index                    int
			Key, Field, Reason, Code string
		}
	}
}

// feedSince reads the whole change feed of tok after cursor since ("" from the start)
// and returns how often each entity was logged, and the new cursor.
func (e *env) feedSince(tok, since string) (map[string]int, string) {
	e.t.Helper()
	seen := map[string]int{}
	for {
		vars := map[string]any{}
		if since != "" {
			vars["since"] = since
		}
		var c changesAnswer
		e.ok(tok, changesQuery, vars, &c)
		for _, edge := range c.Changes.Edges {
			seen[edge.Node.Entity+" "+edge.Node.ID]++
		}
		since = c.Changes.PageInfo.EndCursor
		if len(c.Changes.Edges) < 1000 {
			return seen, since
		}
	}
}

// dataAudits counts the audit records of imported verifications (not the recorded calls).
func dataAudits(t *testing.T, st *store.Store) int {
	t.Helper()
	evs, err := st.Audit().AuditTrailUnscoped(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Operation == "importVerifications" {
			n++
		}
	}
	return n
}

// TestImportVerificationsOverHTTP imports tax checks as an integrator of a township
// whose categories do not include dibao: the registered poor household's ACTIVE rural
// dibao moves to GRACE (P13), the other household's is flagged, each change is in the
// feed once; refusals, a dry run and a repeated batch write nothing; a person outside
// the caller's area reads exactly like an unknown one.
func TestImportVerificationsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		if r := e.setStandard(e.token(models.RoleAdmin, ruleCounty), ruleCounty, 2025, "900.00", "650.00"); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		poor := e.newHousehold(ruleRuralVillage, true, ruleMember{born: 1970}, ruleMember{born: 2010})
		other := e.newHousehold(ruleRuralVillage, false, ruleMember{born: 1972}, ruleMember{born: 2011})
		nearby := e.newHousehold(ruleUrbanVillage, false, ruleMember{born: 1980}) // another township of the county
		away := e.newHousehold(otherVillage, true, ruleMember{born: 1975})        // another county
		poorGrant := e.grantOn(poor, "RURAL_DIBAO")
		otherGrant := e.grantOn(other, "RURAL_DIBAO")
		admin := e.token(models.RoleAdmin, division.CityCode)
		tok := e.integrator(ruleRuralTownship, "MEDICAL")
		check := func(idNumber, source, date, income string) map[string]any {
			return map[string]any{"idNumber": idNumber, "source": source, "checkDate": date, "monthlyIncome": income}
		}
		good := []map[string]any{
			check(poor.Members[0].IDNumber, "TAX", "2025-11-30", "1400.00"),
			check(other.Members[0].IDNumber, "税务", "2025-11-30", "1400.00"),
		}
		grant := func(id string) grantState {
			var g grantState
			e.ok(admin, grantStateQuery, map[string]any{"id": id}, &g)
			return g
		}
		untouched := func(what string) {
			t.Helper()
			if p, o := grant(poorGrant).Grant, grant(otherGrant).Grant; p.Status != "ACTIVE" || o.Status != "ACTIVE" || o.ReviewFlag {
				t.Fatalf("%s: the grants changed: %+v %+v", what, p, o)
			}
			if n := dataAudits(t, st); n != 0 {
				t.Fatalf("%s: %d verifications audited", what, n)
			}
		}
		_, cursor := e.feedSince(admin, "")
		_, tokCursor := e.feedSince(tok, "")

		// One bad record refuses the batch; an unknown person and people outside the
		// caller's area get the same words.
		const notHere = "no person with this ID number is registered in your area"
		bad := []struct {
			name, tok      string
			rec            map[string]any
			field, code    string
			reason         string
			reasonContains bool
		}{
			{"unknown person", tok, check(newPerson(1981), "TAX", "2025-11-30", "1.00"), "records[2].idNumber", "NOT_FOUND", notHere, false},
			{"person of another township", tok, check(nearby.Members[0].IDNumber, "TAX", "2025-11-30", "1.00"), "records[2].idNumber", "NOT_FOUND", notHere, false},
			{"person of another county", tok, check(away.Members[0].IDNumber, "TAX", "2025-11-30", "1.00"), "records[2].idNumber", "NOT_FOUND", notHere, false},
			{"bad source", tok, check(poor.Members[1].IDNumber, "HEALTH", "2025-11-30", "1.00"), "records[2].source", "BAD_USER_INPUT", "not a source", true},
			{"future date", tok, check(poor.Members[1].IDNumber, "TAX", time.Now().AddDate(0, 0, 2).Format(models.DateLayout), "1.00"), "records[2].checkDate", "BAD_USER_INPUT", "future", true},
			{"negative income", tok, check(poor.Members[1].IDNumber, "TAX", "2025-11-30", "-1.00"), "records[2].monthlyIncome", "BAD_USER_INPUT", "from 0.00", true},
		}
		for _, b := range bad {
			var a verificationsAnswer
			e.ok(b.tok, importVerificationsMutation, map[string]any{"records": append(append([]map[string]any{}, good...), b.rec)}, &a)
			r := a.ImportVerifications
			if r.Committed || r.Rejected != 1 || len(r.Errors) != 1 || r.Created != 2 {
				t.Fatalf("%s: %+v", b.name, r)
			}
			if err := r.Errors[0]; err.Index != 2 || err.Field != b.field || err.Code != b.code ||
				(!b.reasonContains && err.Reason != b.reason) || (b.reasonContains && !strings.Contains(err.Reason, b.reason)) {
				t.Errorf("%s: %+v", b.name, err)
			}
			untouched(b.name)
		}
		// Integrators and officers of another area: every record is unknown to them.
		for _, outsider := range []string{e.integrator(otherCounty, "MEDICAL"), e.integrator("371402001000", "DIBAO"), e.token(models.RoleOfficer, otherCounty)} {
			var a verificationsAnswer
			e.ok(outsider, importVerificationsMutation, map[string]any{"records": good}, &a)
			if r := a.ImportVerifications; r.Committed || r.Rejected != 2 || r.Errors[0].Code != "NOT_FOUND" || r.Errors[0].Reason != notHere {
				t.Errorf("outsider: %+v", r)
			}
		}
		untouched("outsiders")
		// Roles that may not import.
		for _, role := range []models.Role{models.RoleAssistant, models.RoleAuditor} {
			if r := e.do(e.token(role, ruleCounty), importVerificationsMutation, map[string]any{"records": good}); r.code() != "FORBIDDEN" {
				t.Errorf("%s: %s", role, r.raw)
			}
		}
		// A dry run reports and writes nothing.
		var a verificationsAnswer
		e.ok(tok, importVerificationsMutation, map[string]any{"records": good, "dryRun": true}, &a)
		if r := a.ImportVerifications; r.Committed || r.Created != 2 || r.Results[0].ID != nil {
			t.Fatalf("dry run: %+v", r)
		}
		untouched("dry run")
		if seen, _ := e.feedSince(admin, cursor); len(seen) != 0 {
			t.Fatalf("refused calls and the dry run logged changes: %v", seen)
		}

		// The import: P13 for the registered poor household, a review flag for the other.
		e.ok(tok, importVerificationsMutation, map[string]any{"records": good}, &a)
		first := a.ImportVerifications
		if !first.Committed || first.Created != 2 || first.Results[0].ID == nil {
			t.Fatalf("import: %+v", first)
		}
		p := grant(poorGrant).Grant
		if p.Status != "GRACE" || p.GraceUntil == nil || *p.GraceUntil != "2026-02-28" || !strings.Contains(p.Events[len(p.Events)-1].Reason, "P13") {
			t.Errorf("registered poor household's grant: %+v", p)
		}
		if o := grant(otherGrant).Grant; o.Status != "ACTIVE" || !o.ReviewFlag || o.ReviewReason == nil {
			t.Errorf("other household's grant: %+v", o)
		}
		var hv struct {
			Household struct {
				PerCapitaIncome    string
				LatestVerification struct {
					ID, SourceDepartment, TotalIncome string
					MemberCount                       int
				}
			}
		}
		e.ok(tok, `query($id: ID!) { household(id: $id) { perCapitaIncome latestVerification { id sourceDepartment totalIncome memberCount } } }`,
			map[string]any{"id": poor.ID}, &hv)
		if v := hv.Household.LatestVerification; v.ID != *first.Results[0].ID || v.SourceDepartment != "TAX" || v.TotalIncome != "1400.00" ||
			v.MemberCount != 2 || hv.Household.PerCapitaIncome != "700.00" {
			t.Errorf("verification: %+v", hv.Household)
		}
		seen, cursor := e.feedSince(admin, cursor)
		for _, k := range []string{"GRANT " + poorGrant, "GRANT " + otherGrant, "HOUSEHOLD " + poor.ID, "HOUSEHOLD " + other.ID} {
			if seen[k] != 1 {
				t.Errorf("%s logged %d times, want once: %v", k, seen[k], seen)
			}
		}
		// The integrator's own feed shows the households but not the dibao grants.
		mine, _ := e.feedSince(tok, tokCursor)
		if len(mine) != 2 || mine["HOUSEHOLD "+poor.ID] != 1 || mine["HOUSEHOLD "+other.ID] != 1 {
			t.Errorf("integrator's feed: %v", mine)
		}
		if n := dataAudits(t, st); n != 2 {
			t.Errorf("%d verifications audited, want 2", n)
		}

		// The same batch again: UNCHANGED, nothing written.
		e.ok(tok, importVerificationsMutation, map[string]any{"records": good}, &a)
		if r := a.ImportVerifications; !r.Committed || r.Unchanged != 2 || r.Created+r.Updated != 0 || *r.Results[1].ID != *first.Results[1].ID {
			t.Errorf("again: %+v", r)
		}
		if seen, _ := e.feedSince(admin, cursor); len(seen) != 0 {
			t.Errorf("the repeated batch logged changes: %v", seen)
		}
		if n := dataAudits(t, st); n != 2 {
			t.Errorf("the repeated batch was audited: %d", n)
		}
	})
}
