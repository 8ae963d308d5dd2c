package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// alertNode is what the tests read of an alert of the status page.
type alertNode struct {
	ID, By, Digest, WindowFrom, WindowTo, CreatedAt string
	Area                                            struct{ Code, Level string }
	Failed, Distinct                                int
	Acknowledgement                                 *struct{ By, At, Note string }
}

// alertsRead is what the tests read of a page of alerts.
type alertsRead struct {
	StatusLookupAlerts struct {
		TotalCount int
		PageInfo   struct{ HasNextPage bool }
		Edges      []struct {
			Cursor string
			Node   alertNode
		}
	}
}

// readAlertsQuery reads a page of the alerts of the caller's area.
const readAlertsQuery = `query($area: String, $filter: StatusLookupAlertFilter, $first: Int, $after: String) {
  statusLookupAlerts(area: $area, filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage }
    edges { cursor node { id by digest area { code level } windowFrom windowTo failed distinct createdAt acknowledgement { by at note } } } } }`

// acknowledgeQuery acknowledges an alert.
const acknowledgeQuery = `mutation($id: ID!, $note: String!) {
  acknowledgeStatusLookupAlert(id: $id, note: $note) { id by area { code } acknowledgement { by at note } } }`

// TestStatusLookupAlertsOverHTTP guesses an application's ID tail on the status page
// over HTTP and tries a reference no application has, runs the daily job's alerts, and
// reads and acknowledges them through GraphQL. The county's auditor sees the guess's
// alert in the county only; the city's auditor sees it and the city's two (the address,
// and the unknown reference), by key and a page at a time; another county's auditor and
// the township's admin see none, and another county's auditor may not name the county;
// officers, assistants and integrators are FORBIDDEN. The county's admin acknowledges
// the county's alert once (the note trimmed, who and when recorded, audited with the
// alert before and after); again is CONFLICT, a blank or too long note BAD_USER_INPUT
// naming note, the city's alert and another county's admin NOT_FOUND, an auditor
// FORBIDDEN. No answer holds a reference or an address.
func TestStatusLookupAlertsOverHTTP(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		g := l.grantIn("ACTIVE")
		unknownRef := g.Reference[:len(g.Reference)-6] + "999999"
		for _, ref := range []string{g.Reference, g.Reference, unknownRef} {
			if code, body := l.statusAnswer(ref, "000000"); code != http.StatusNotFound {
				t.Fatalf("lookup %s: %d %s, want 404", ref, code, body)
			}
		}
		rules := store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 3, ReferenceAddresses: 1}
		if n, err := jobs.AlertStatusLookups(t.Context(), st, st.Now(), rules); err != nil || n != 3 {
			t.Fatalf("the job wrote %d alerts (%v), want 3", n, err)
		}

		cityAuditor := l.tokenAs("city-aud", models.RoleAuditor, division.CityCode)
		otherAuditor := l.tokenAs("other-aud", models.RoleAuditor, otherCounty)
		countyAdmin := l.tokenAs("county-admin", models.RoleAdmin, seed.DemoCounty)
		otherAdmin := l.tokenAs("other-admin", models.RoleAdmin, otherCounty)
		secrets := []string{g.Reference, unknownRef, "127.0.0.1"}
		call := func(name, tok, query string, vars map[string]any) response {
			t.Helper()
			r := l.do(tok, query, vars)
			for _, s := range secrets {
				if strings.Contains(r.raw, s) {
					t.Errorf("%s: the answer holds %q: %s", name, s, r.raw)
				}
			}
			return r
		}
		read := func(name, tok string, vars map[string]any) alertsRead {
			t.Helper()
			r := call(name, tok, readAlertsQuery, vars)
			if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", name, r.raw)
			}
			var out alertsRead
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		ids := func(a alertsRead) []string {
			var out []string
			for _, e := range a.StatusLookupAlerts.Edges {
				out = append(out, e.Node.ID)
			}
			return out
		}

		county := read("county auditor", l.tok["auditor"], nil)
		if c := county.StatusLookupAlerts; c.TotalCount != 1 || len(c.Edges) != 1 {
			t.Fatalf("county auditor: %+v, want the guess's alert", c)
		}
		guess := county.StatusLookupAlerts.Edges[0].Node
		if guess.By != "REFERENCE" || guess.Area.Code != seed.DemoCounty || guess.Area.Level != string(models.LevelCounty) || len(guess.Digest) != 64 ||
			guess.Failed != 2 || guess.Distinct != 1 || guess.WindowFrom >= guess.WindowTo || guess.CreatedAt == "" || guess.Acknowledgement != nil {
			t.Errorf("county auditor: alert %+v", guess)
		}

		city := read("city auditor", cityAuditor, nil)
		if c := city.StatusLookupAlerts; c.TotalCount != 3 || len(c.Edges) != 3 || !slices.Contains(ids(city), guess.ID) {
			t.Fatalf("city auditor: %+v, want three alerts", c)
		}
		var cityAlert alertNode
		for _, e := range city.StatusLookupAlerts.Edges {
			if e.Node.Area.Code != seed.DemoCounty && e.Node.Area.Code != division.CityCode {
				t.Errorf("city auditor: alert %+v in neither the county nor the city", e.Node)
			}
			if e.Node.Area.Code == division.CityCode {
				cityAlert = e.Node
			}
		}
		byAddress := read("city auditor, by address", cityAuditor, map[string]any{"filter": map[string]any{"by": "ADDRESS"}})
		if c := byAddress.StatusLookupAlerts; c.TotalCount != 1 || len(c.Edges) != 1 || c.Edges[0].Node.Failed != 3 || c.Edges[0].Node.Distinct != 2 ||
			c.Edges[0].Node.Area.Code != division.CityCode {
			t.Errorf("city auditor, by address: %+v", c)
		}
		var paged []string
		var after any
		for range 4 {
			p := read("city auditor, a page of one", cityAuditor, map[string]any{"first": 1, "after": after})
			paged = append(paged, ids(p)...)
			if !p.StatusLookupAlerts.PageInfo.HasNextPage {
				break
			}
			after = p.StatusLookupAlerts.Edges[0].Cursor
		}
		if !slices.Equal(paged, ids(city)) {
			t.Errorf("pages of one: %v, want %v", paged, ids(city))
		}
		for name, tok := range map[string]string{"another county's auditor": otherAuditor, "the township's admin": l.tok["township admin"]} {
			if c := read(name, tok, nil).StatusLookupAlerts; c.TotalCount != 0 || len(c.Edges) != 0 {
				t.Errorf("%s sees %+v", name, c)
			}
		}

		for _, tt := range []struct {
			name, tok, query string
			vars             map[string]any
			code, field      string
		}{
			{"another county's auditor names the county", otherAuditor, readAlertsQuery, map[string]any{"area": seed.DemoCounty}, httpapi.CodeForbidden, ""},
			{"the county's auditor names the city", l.tok["auditor"], readAlertsQuery, map[string]any{"area": division.CityCode}, httpapi.CodeForbidden, ""},
			{"a page too long", cityAuditor, readAlertsQuery, map[string]any{"first": store.MaxPageSize + 1}, httpapi.CodeBadUserInput, "first"},
			{"a bad cursor", cityAuditor, readAlertsQuery, map[string]any{"after": "nonsense"}, httpapi.CodeBadUserInput, "after"},
			{"a county officer reads", l.tok["county officer"], readAlertsQuery, nil, httpapi.CodeForbidden, ""},
			{"a village assistant reads", l.tok["village assistant"], readAlertsQuery, nil, httpapi.CodeForbidden, ""},
			{"an integrator reads", l.tok["integrator"], readAlertsQuery, nil, httpapi.CodeForbidden, ""},
			{"an auditor acknowledges", l.tok["auditor"], acknowledgeQuery, map[string]any{"id": guess.ID, "note": "已核查"}, httpapi.CodeForbidden, ""},
			{"a county officer acknowledges", l.tok["county officer"], acknowledgeQuery, map[string]any{"id": guess.ID, "note": "已核查"}, httpapi.CodeForbidden, ""},
			{"another county's admin acknowledges", otherAdmin, acknowledgeQuery, map[string]any{"id": guess.ID, "note": "已核查"}, httpapi.CodeNotFound, ""},
			{"the county's admin acknowledges the city's alert", countyAdmin, acknowledgeQuery, map[string]any{"id": cityAlert.ID, "note": "已核查"}, httpapi.CodeNotFound, ""},
			{"a blank note", countyAdmin, acknowledgeQuery, map[string]any{"id": guess.ID, "note": "  \n "}, httpapi.CodeBadUserInput, "note"},
			{"a note too long", countyAdmin, acknowledgeQuery, map[string]any{"id": guess.ID, "note": strings.Repeat("查", 501)}, httpapi.CodeBadUserInput, "note"},
		} {
			if r := call(tt.name, tt.tok, tt.query, tt.vars); r.code() != tt.code || (tt.field != "" && r.Errors[0].Extensions["field"] != tt.field) {
				t.Errorf("%s: %s, want %s naming %q", tt.name, r.raw, tt.code, tt.field)
			}
		}
		if c := read("county auditor, acknowledged", l.tok["auditor"], map[string]any{"filter": map[string]any{"acknowledged": true}}).StatusLookupAlerts; c.TotalCount != 0 {
			t.Fatalf("a refused acknowledgement wrote: %+v", c)
		}

		const note = "已核查：申请人本人记错身份证号后六位，已电话告知"
		var acked struct {
			AcknowledgeStatusLookupAlert struct {
				ID              string
				Acknowledgement *struct{ By, At, Note string }
			}
		}
		l.ok(countyAdmin, acknowledgeQuery, map[string]any{"id": guess.ID, "note": "  " + note + "\n"}, &acked)
		if a := acked.AcknowledgeStatusLookupAlert; a.ID != guess.ID || a.Acknowledgement == nil || a.Acknowledgement.By != "county-admin" || a.Acknowledgement.Note != note {
			t.Fatalf("acknowledged %+v", a)
		}
		if r := call("again", countyAdmin, acknowledgeQuery, map[string]any{"id": guess.ID, "note": "再次确认"}); r.code() != httpapi.CodeConflict {
			t.Errorf("acknowledged again: %s, want CONFLICT", r.raw)
		}
		if c := read("city auditor, acknowledged", cityAuditor, map[string]any{"filter": map[string]any{"acknowledged": true}}).StatusLookupAlerts; c.TotalCount != 1 || len(c.Edges) != 1 ||
			c.Edges[0].Node.ID != guess.ID || c.Edges[0].Node.Acknowledgement == nil || c.Edges[0].Node.Acknowledgement.Note != note {
			t.Errorf("the acknowledged alerts: %+v", c)
		}
		if c := read("county auditor, not acknowledged", l.tok["auditor"], map[string]any{"filter": map[string]any{"acknowledged": false}}).StatusLookupAlerts; c.TotalCount != 0 {
			t.Errorf("the county's alerts not acknowledged: %+v", c)
		}
		var events struct {
			AuditEvents struct {
				Edges []struct {
					Node struct {
						Actor, AreaCode, Before, After string
						Records                        []string
					}
				}
			}
		}
		l.ok(l.tok["auditor"], `{ auditEvents(filter: {operation: "acknowledgeStatusLookupAlert"}) { edges { node { actor areaCode before after records } } } }`, nil, &events)
		if e := events.AuditEvents.Edges; len(e) != 1 || e[0].Node.Actor != "county-admin" || e[0].Node.AreaCode != seed.DemoCounty ||
			!slices.Equal(e[0].Node.Records, []string{guess.ID}) || e[0].Node.Before == "" || e[0].Node.After == "" || e[0].Node.Before == e[0].Node.After {
			t.Errorf("the acknowledgement's audit events: %+v", e)
		}
	})
}
