package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// statusTrail is what the tests read of the audit trail of the status page.
type statusTrail struct {
	AuditEvents struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				AreaCode, Actor, ActorRole, Operation string
				Records                               []string
			}
		}
	}
}

// TestStatusPageAuditNamesTheGrievancesShown looks an application with two grievances
// up on the status page, over HTTP, as its applicant would, beside another application
// of the household with a grievance of its own. A wrong ID tail and an unknown reference
// write nothing to the audit trail. Each lookup that shows the application (the JSON
// answer and the form) is in the trail as a showApplicantStatus event in the
// application's area, naming the lookup's status_lookups record, the application and its
// two grievances, and not the other application's; the county's auditor reads it, another
// county's does not. The answers show no id.
func TestStatusPageAuditNamesTheGrievancesShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		var head models.Member
		for _, m := range l.members {
			if m.Relation == models.RelationHead {
				head = m
			}
		}
		if head.ID == "" {
			t.Fatal("the demo household has no head")
		}
		tail := head.IDNumber[12:]
		app := l.grantIn("REVIEWED")
		other := l.grantIn("PENDING")
		open := func(ref, category string) string {
			g := grievanceOf(t, l.do(l.tok["village assistant"], openGrievanceQ, map[string]any{"s": "APPLICATION", "r": ref, "c": category}), "openGrievance")
			return g.ID
		}
		shown := []string{app.ID, open(app.Reference, "DELAY"), open(app.Reference, "OTHER")}
		notShown := open(other.Reference, "AMOUNT")

		trail := func(tok string) statusTrail {
			t.Helper()
			var tr statusTrail
			l.ok(tok, `{ auditEvents(filter: {operation: "showApplicantStatus"}, first: 100) {
				totalCount edges { node { areaCode actor actorRole operation records } } } }`, nil, &tr)
			return tr
		}
		everything := func() int {
			t.Helper()
			var all struct{ AuditEvents struct{ TotalCount int } }
			l.ok(l.tok["city admin"], `{ auditEvents(first: 1) { totalCount } }`, nil, &all)
			return all.AuditEvents.TotalCount
		}

		// Lookups that show nothing write nothing to the audit trail.
		before := everything()
		wrongTail := "000000"
		if tail == wrongTail {
			wrongTail = "000001"
		}
		unknownRef := app.Reference[:len(app.Reference)-6] + "999999"
		for _, tt := range []struct{ name, ref, tail string }{
			{"wrong tail", app.Reference, wrongTail},
			{"unknown reference", unknownRef, tail},
		} {
			if code, body := l.statusAnswer(tt.ref, tt.tail); code != http.StatusNotFound {
				t.Errorf("%s: %d %s, want 404", tt.name, code, body)
			}
		}
		if after := everything(); after != before {
			t.Errorf("lookups that showed nothing wrote %d audit events", after-before)
		}
		if tr := trail(l.tok["city admin"]); tr.AuditEvents.TotalCount != 0 {
			t.Errorf("lookups that showed nothing are in the trail: %+v", tr)
		}

		// Two lookups show the application: the JSON answer and the form.
		code, body := l.statusAnswer(app.Reference, tail)
		var answer struct {
			Data struct{ Grievances []map[string]string }
		}
		if err := json.Unmarshal([]byte(body), &answer); code != http.StatusOK || err != nil || len(answer.Data.Grievances) != 2 {
			t.Fatalf("right pair: %d %s (%v), want the application with 2 grievances", code, body, err)
		}
		res, err := http.PostForm(l.url+"/status/", url.Values{"reference": {app.Reference}, "idTail": {tail}})
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "反映办理超时") {
			t.Fatalf("page: %d\n%s", res.StatusCode, page)
		}
		for _, id := range append(slices.Clone(shown), notShown) {
			if strings.Contains(body, id) || strings.Contains(string(page), id) {
				t.Errorf("an answer shows the id %s", id)
			}
		}

		lookups, err := st.StatusPage().StatusLookupsUnscoped(t.Context(), app.Reference)
		if err != nil {
			t.Fatal(err)
		}
		var shownLookups []string
		for _, lk := range lookups {
			if lk.Outcome == store.LookupShown {
				shownLookups = append(shownLookups, lk.ID)
			}
		}
		if len(shownLookups) != 2 {
			t.Fatalf("lookups of the application: %+v, want 2 shown", lookups)
		}
		tr := trail(l.tok["auditor"])
		if tr.AuditEvents.TotalCount != 2 {
			t.Fatalf("the county's auditor reads %d events, want 2: %+v", tr.AuditEvents.TotalCount, tr)
		}
		var named []string
		for _, e := range tr.AuditEvents.Edges {
			n := e.Node
			named = append(named, n.Records[0])
			if n.AreaCode != l.village || n.Actor != store.StatusPageActor.Subject || n.ActorRole != "ADMIN" ||
				!slices.Equal(n.Records[1:], shown) {
				t.Errorf("event %+v, want the lookup, the application and its grievances %v in %s", n, shown, l.village)
			}
			if slices.Contains(n.Records, notShown) || slices.Contains(n.Records, other.ID) {
				t.Errorf("event %+v names the other application or its grievance", n)
			}
		}
		slices.Sort(named)
		slices.Sort(shownLookups)
		if !slices.Equal(named, shownLookups) {
			t.Errorf("the events name the lookups %v, want %v", named, shownLookups)
		}
		otherAuditor := l.tokenAs("other-aud", models.RoleAuditor, otherCounty)
		if tr := trail(otherAuditor); tr.AuditEvents.TotalCount != 0 {
			t.Errorf("another county's auditor reads the lookups: %+v", tr)
		}
	})
}
