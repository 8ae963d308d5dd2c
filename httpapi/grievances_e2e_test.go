package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// grievanceView is what the tests read of a grievance.
type grievanceView struct {
	ID, Subject, GrantID, Category, Channel, Status, Summary, OpenedAt, DueAt string
	Appeal, Overdue, Reopened                                                 bool
	Answer, AnsweredBy, ClosedAt                                              *string
	AssignedArea                                                              struct{ Code string }
	Comments                                                                  []struct{ Author, Text string }
}

const grievanceFields = `id subject grantId category channel status summary openedAt dueAt appeal overdue reopened
  answer answeredBy closedAt assignedArea { code } comments { author text }`

func grievanceOf(t *testing.T, r response, field string) grievanceView {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", field, r.raw)
	}
	var out map[string]grievanceView
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out[field]
}

const (
	openGrievanceQ = `mutation($s: GrievanceSubject!, $r: String!, $c: GrievanceCategory!) {
  openGrievance(input: {subject: $s, recordId: $r, category: $c, channel: HOTLINE, summary: "申请人来电：家中有重病患者，收入核算有误"}) { ` + grievanceFields + ` } }`
	answerGrievanceQ = `mutation($id: ID!, $reopen: Boolean) {
  answerGrievance(id: $id, input: {answer: "经复查，收入核算有误，重新审核", reopen: $reopen}) { ` + grievanceFields + ` } }`
	closeGrievanceQ = `mutation($id: ID!) { closeGrievance(id: $id) { ` + grievanceFields + ` } }`
)

// TestGrievanceAppealChangesTheDecision follows an appeal over the real server, from the
// hotline to a decision that changes (P25): a township officer rejects an application;
// the applicant's appeal is opened by the village assistant and assigned to the county
// (one level above the rejecting office) with a due date in working days; the township
// may not answer it, another county does not see it; the county reopens the review; the
// officer who rejected may not decide it again, another officer reviews it and the
// county approves it. Every step is audited and in the change feed, the applicant is
// told through the outbox, and the status page shows the grievance's state and dates.
func TestGrievanceAppealChangesTheDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		app := grantOf(t, l.submit(l.tok["village assistant"], "TEMPORARY_RELIEF", nil), "submitApplication")
		rejected := l.must(l.tok["township officer"], "reject", app.ID)
		if rejected.Status != "REJECTED" {
			t.Fatalf("rejected: %+v", rejected)
		}

		vars := map[string]any{"s": "APPLICATION", "r": strings.ToLower(app.Reference), "c": "ELIGIBILITY_DECISION"}
		g := grievanceOf(t, l.do(l.tok["village assistant"], openGrievanceQ, vars), "openGrievance")
		if !g.Appeal || g.Status != "OPEN" || g.GrantID != app.ID || g.AssignedArea.Code != seed.DemoCounty || g.Overdue {
			t.Fatalf("opened: %+v", g)
		}
		opened, _ := time.Parse(time.RFC3339, g.OpenedAt)
		due, _ := time.Parse(time.RFC3339, g.DueAt)
		if want := policy.DefaultConfig().GrievanceDue(models.GrievanceEligibility, opened); !due.Equal(want) {
			t.Errorf("due %s, want %s (15 working days)", due, want)
		}

		// Outside the area it does not exist; the township may read it but not answer it.
		getQ := `query($id: ID!) { grievance(id: $id) { ` + grievanceFields + ` } }`
		for _, who := range []string{"other county", "other township"} {
			if r := l.do(l.tok[who], getQ, map[string]any{"id": g.ID}); r.code() != httpapi.CodeNotFound {
				t.Errorf("%s reads the grievance: %s", who, r.raw)
			}
			if r := l.do(l.tok[who], answerGrievanceQ, map[string]any{"id": g.ID, "reopen": true}); r.code() != httpapi.CodeNotFound {
				t.Errorf("%s answers the grievance: %s", who, r.raw)
			}
		}
		if r := l.do(l.tok["integrator"], getQ, map[string]any{"id": g.ID}); r.code() != httpapi.CodeForbidden {
			t.Errorf("an integrator reads the grievance: %s", r.raw)
		}
		if r := l.do(l.tok["township officer2"], answerGrievanceQ, map[string]any{"id": g.ID, "reopen": true}); r.code() != httpapi.CodeForbidden {
			t.Errorf("the township answers an appeal assigned to the county: %s", r.raw)
		}
		if r := l.do(l.tok["county officer"], closeGrievanceQ, map[string]any{"id": g.ID}); r.code() != httpapi.CodeBadUserInput {
			t.Errorf("an open grievance closes: %s", r.raw)
		}

		var c struct{ CommentGrievance struct{ Author, Text string } }
		l.ok(l.tok["county officer"], `mutation($id: ID!) { commentGrievance(id: $id, text: "调取入户核查记录") { author text } }`, map[string]any{"id": g.ID}, &c)

		// The county reopens the review: the application is PENDING again.
		g = grievanceOf(t, l.do(l.tok["county officer"], answerGrievanceQ, map[string]any{"id": g.ID, "reopen": true}), "answerGrievance")
		if g.Status != "ANSWERED" || !g.Reopened || g.AnsweredBy == nil || *g.AnsweredBy != "county-a" || len(g.Comments) != 1 {
			t.Fatalf("answered: %+v", g)
		}
		if now := l.current(app.ID); now.Status != "PENDING" {
			t.Fatalf("reopened application is %s", now.Status)
		}
		if r := l.do(l.tok["county officer"], answerGrievanceQ, map[string]any{"id": g.ID, "reopen": true}); r.code() != httpapi.CodeBadUserInput {
			t.Errorf("a grievance is answered twice: %s", r.raw)
		}

		// The officer who rejected may not decide it again; another officer reviews it
		// and the county approves it: the decision changed.
		for _, op := range []string{"review", "reject"} {
			if r := l.op(l.tok["township officer"], op, app.ID, nil); r.code() != httpapi.CodeForbidden {
				t.Errorf("the rejecting officer may %s again: %s", op, r.raw)
			}
		}
		l.must(l.tok["township officer2"], "review", app.ID)
		approved := l.must(l.tok["county officer2"], "approve", app.ID)
		if approved.Status != "ACTIVE" {
			t.Fatalf("approved: %+v", approved)
		}

		g = grievanceOf(t, l.do(l.tok["county officer"], closeGrievanceQ, map[string]any{"id": g.ID}), "closeGrievance")
		if g.Status != "CLOSED" || g.ClosedAt == nil {
			t.Fatalf("closed: %+v", g)
		}

		// Audited, in the change feed, and told to the applicant (without the due-day
		// notice, which the answer withdrew).
		for _, op := range []string{"openGrievance", "commentGrievance", "reopenApplication", "answerGrievance", "closeGrievance"} {
			var trail struct {
				AuditEvents struct {
					Edges []struct{ Node struct{ Records []string } }
				}
			}
			l.ok(l.tok["city admin"], `query($op: String) { auditEvents(filter: {operation: $op}, first: 100) { edges { node { records } } } }`, map[string]any{"op": op}, &trail)
			found := false
			for _, e := range trail.AuditEvents.Edges {
				found = found || slices.Contains(e.Node.Records, g.ID)
			}
			if !found {
				t.Errorf("no audit event %s of the grievance", op)
			}
		}
		var seen []string
		for since, more := "", true; more; {
			var feed struct {
				Changes struct {
					Edges []struct {
						Node struct{ Entity, ID, Kind string }
					}
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
			var v map[string]any
			if since != "" {
				v = map[string]any{"since": since}
			}
			l.ok(l.tok["city admin"], `query($since: String) { changes(since: $since, first: 100) { edges { node { entity id kind } } pageInfo { hasNextPage endCursor } } }`, v, &feed)
			for _, e := range feed.Changes.Edges {
				if e.Node.Entity == "GRIEVANCE" && e.Node.ID == g.ID {
					seen = append(seen, e.Node.Kind)
				}
			}
			since, more = feed.Changes.PageInfo.EndCursor, feed.Changes.PageInfo.HasNextPage
		}
		if !slices.Equal(seen, []string{"CREATED", "UPDATED", "UPDATED", "UPDATED"}) {
			t.Errorf("change feed of the grievance: %v", seen)
		}
		notes, err := st.Outbox().NotificationsUnscoped(t.Context(), app.Reference)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, n := range notes {
			if strings.HasPrefix(string(n.Kind), "grievance.") {
				kinds = append(kinds, string(n.Kind))
			}
		}
		if !slices.Equal(kinds, []string{"grievance.opened", "grievance.answered"}) {
			t.Errorf("notices %v", kinds)
		}

		// The applicant sees the grievance's state and dates on the status page.
		var head models.Member
		for _, m := range l.members {
			if m.Relation == models.RelationHead {
				head = m
			}
		}
		code, body := l.statusAnswer(app.Reference, head.IDNumber[12:])
		if code != http.StatusOK {
			t.Fatalf("status: %d %s", code, body)
		}
		var status struct {
			Data struct {
				Status     string
				Grievances []map[string]string
			}
		}
		if err := json.Unmarshal([]byte(body), &status); err != nil {
			t.Fatal(err)
		}
		day := opened.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		if status.Data.Status != "ACTIVE" || len(status.Data.Grievances) != 1 ||
			status.Data.Grievances[0]["status"] != "CLOSED" || status.Data.Grievances[0]["opened"] != day || status.Data.Grievances[0]["closed"] == "" {
			t.Errorf("status page: %s", body)
		}
		if !strings.Contains(body, "申诉受理，重新审核") {
			t.Errorf("the status page does not show the review reopened on appeal: %s", body)
		}
		for _, secret := range []string{"收入核算", "county-a", head.IDNumber, head.Name} {
			if strings.Contains(body, secret) {
				t.Errorf("the status page shows %q: %s", secret, body)
			}
		}
	})
}
