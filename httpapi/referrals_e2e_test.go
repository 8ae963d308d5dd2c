package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// tokenOfDepartment signs the token of a department's integrator.
func (e *env) tokenOfDepartment(sub, area string, dept models.Department, categories ...string) string {
	e.t.Helper()
	tok, err := e.verifier.Sign(auth.Principal{Subject: sub, Role: models.RoleIntegrator, Area: area, Categories: categories, Department: dept}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type referralView struct {
	ID, Status, Department, Reason, DueAt string
	Version                               int
	Overdue                               bool
	HandledBy                             *string
	Application                           struct{ ID, Status, Amount string }
}

const referralFields = `id status department reason dueAt version overdue handledBy application { id status amount }`

func referralOf(t *testing.T, r response, field string) referralView {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", field, r.raw)
	}
	var out map[string]referralView
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out[field]
}

// TestReferralsToDepartments walks applications through one door, many departments:
// an education application is referred on receipt, accepted and approved by the
// education bureau; another is returned and decided by civil affairs; a dibao
// application is not referred; integrators of another area or department, and of no
// department, get NOT_FOUND or FORBIDDEN; the township sees the whole history.
func TestReferralsToDepartments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		town := l.tok["township officer"]
		edu := l.tokenOfDepartment("edu-bureau", seed.DemoCounty, models.DeptEducation, "EDUCATION")
		edu2 := l.tokenOfDepartment("edu-bureau-2", seed.DemoCounty, models.DeptEducation, "EDUCATION")
		strangers := map[string]string{
			"education bureau of another county": l.tokenOfDepartment("edu-other", otherCounty, models.DeptEducation, "EDUCATION"),
			"health bureau of the county":        l.tokenOfDepartment("health", seed.DemoCounty, models.DeptHealth, "EDUCATION", "MEDICAL"),
			"integrator without the category":    l.tokenOfDepartment("edu-nocat", seed.DemoCounty, models.DeptEducation, "DIBAO"),
		}

		// Civil affairs decides dibao: no referral.
		dibao := grantOf(t, l.submit(town, "RURAL_DIBAO", nil), "submitApplication")
		var none struct {
			Application struct{ Referral *referralView }
		}
		l.ok(town, `query($r: String!) { application(reference: $r) { referral { id } } }`, map[string]any{"r": dibao.Reference}, &none)
		if none.Application.Referral != nil {
			t.Fatalf("a dibao application was referred: %+v", none.Application.Referral)
		}

		// Education aid is referred to the education bureau on receipt.
		app := grantOf(t, l.submit(town, "EDU_COMPULSORY", nil), "submitApplication")
		var got struct {
			Application struct{ Referral referralView }
		}
		l.ok(town, `query($r: String!) { application(reference: $r) { referral { `+referralFields+` } } }`, map[string]any{"r": app.Reference}, &got)
		ref := got.Application.Referral
		if ref.Status != "REFERRED" || ref.Department != "EDUCATION" || ref.Application.ID != app.ID || ref.Overdue {
			t.Fatalf("referral on receipt: %+v", ref)
		}
		due, err := time.Parse(time.RFC3339Nano, ref.DueAt)
		if err != nil || !due.After(time.Now().Add(10*24*time.Hour)) {
			t.Fatalf("due %q: 10 working days are more than 10 calendar days ahead (%v)", ref.DueAt, err)
		}

		// Outside the bureau's queue a referral does not exist.
		for who, tok := range strangers {
			if r := l.do(tok, `query($id: ID!) { referral(id: $id) { id } }`, map[string]any{"id": ref.ID}); r.code() != "NOT_FOUND" {
				t.Errorf("%s read the referral: %s", who, r.raw)
			}
			if r := l.do(tok, `mutation($id: ID!) { acceptReferral(id: $id) { id } }`, map[string]any{"id": ref.ID}); r.code() != "NOT_FOUND" {
				t.Errorf("%s accepted the referral: %s", who, r.raw)
			}
			var q struct{ Referrals struct{ TotalCount int } }
			l.ok(tok, `{ referrals { totalCount } }`, nil, &q)
			if q.Referrals.TotalCount != 0 {
				t.Errorf("%s lists %d referrals", who, q.Referrals.TotalCount)
			}
		}
		for who, tok := range map[string]string{"township officer": town, "integrator without department": l.tok["integrator"]} {
			if r := l.do(tok, `mutation($id: ID!) { acceptReferral(id: $id) { id } }`, map[string]any{"id": ref.ID}); r.code() != "FORBIDDEN" {
				t.Errorf("%s accepted the referral: %s", who, r.raw)
			}
		}

		// The bureau sees its queue, accepts and approves.
		var queue struct {
			Referrals struct {
				TotalCount int
				Edges      []struct{ Node referralView }
			}
		}
		l.ok(edu, `{ referrals(filter: {status: REFERRED}) { totalCount edges { node { `+referralFields+` } } } }`, nil, &queue)
		if queue.Referrals.TotalCount != 1 || queue.Referrals.Edges[0].Node.ID != ref.ID {
			t.Fatalf("the bureau's queue: %+v", queue.Referrals)
		}
		acc := referralOf(t, l.do(edu, `mutation($id: ID!, $v: Int) { acceptReferral(id: $id, expectedVersion: $v) { `+referralFields+` } }`,
			map[string]any{"id": ref.ID, "v": ref.Version}), "acceptReferral")
		if acc.Status != "ACCEPTED" {
			t.Fatalf("accepted: %+v", acc)
		}
		if r := l.do(edu, `mutation($id: ID!) { decideReferral(id: $id, input: {decision: APPROVE, reason: "符合条件"}) { id } }`,
			map[string]any{"id": ref.ID}); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.raw, "input.approval") {
			t.Fatalf("approval without its input: %s", r.raw)
		}
		// The integrator who accepted (reviewed) it does not approve it; another of the
		// bureau does (P8). Outside the queue the decision finds nothing.
		approve := `mutation($id: ID!) { decideReferral(id: $id, input: {decision: APPROVE, reason: "符合条件", approval: {amount: "125.00", startDate: "2026-03-01"}}) { ` + referralFields + ` } }`
		if r := l.do(edu, approve, map[string]any{"id": ref.ID}); r.code() != "FORBIDDEN" || !strings.Contains(r.raw, "another integrator of the EDUCATION department") {
			t.Fatalf("the accepting integrator approved: %s", r.raw)
		}
		for who, tok := range strangers {
			if r := l.do(tok, approve, map[string]any{"id": ref.ID}); r.code() != "NOT_FOUND" {
				t.Errorf("%s approved the referral: %s", who, r.raw)
			}
		}
		// An integrator reads the office that acted, not the subject (@integratorView).
		dec := referralOf(t, l.do(edu2, approve, map[string]any{"id": ref.ID}), "decideReferral")
		if dec.Status != "DECIDED" || dec.Application.Status != "ACTIVE" || dec.Reason != "符合条件" || dec.HandledBy == nil || !strings.HasPrefix(*dec.HandledBy, "INTEGRATOR@") {
			t.Fatalf("decided: %+v", dec)
		}
		if r := l.do(edu, `mutation($id: ID!) { returnReferral(id: $id, reason: "x") { id } }`, map[string]any{"id": ref.ID}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("a decided referral was returned: %s", r.raw)
		}

		// The township keeps the whole history.
		var hist struct{ Application grantView }
		l.ok(town, `query($r: String!) { application(reference: $r) { `+grantFields+` } }`, map[string]any{"r": app.Reference}, &hist)
		var steps []string
		for _, ev := range hist.Application.Events {
			steps = append(steps, ev.ToStatus+" "+ev.Reason)
		}
		all := strings.Join(steps, " | ")
		for _, want := range []string{"referred to EDUCATION", "referral accepted by EDUCATION", "REVIEWED reviewed by EDUCATION", "ACTIVE approved by EDUCATION: 符合条件", "referral decided by EDUCATION: APPROVE"} {
			if !strings.Contains(all, want) {
				t.Errorf("history %q lacks %q", all, want)
			}
		}

		// Returned to civil affairs, which then reviews and approves it itself.
		second := grantOf(t, l.submit(town, "EDU_HIGHSCHOOL", nil), "submitApplication")
		l.ok(town, `query($r: String!) { application(reference: $r) { referral { `+referralFields+` } } }`, map[string]any{"r": second.Reference}, &got)
		// While the department holds it, civil affairs may not decide it.
		for _, op := range []string{`reviewGrant(id: $id) { id }`, `rejectGrant(id: $id, reason: "不符合") { id }`} {
			if r := l.do(town, `mutation($id: ID!) { `+op+` }`, map[string]any{"id": second.ID}); r.code() != "CONFLICT" || !strings.Contains(r.raw, "EDUCATION") {
				t.Fatalf("civil affairs deciding a referred application: %s", r.raw)
			}
		}
		if r := l.do(edu, `mutation($id: ID!) { returnReferral(id: $id, reason: "") { id } }`, map[string]any{"id": got.Application.Referral.ID}); r.code() != "BAD_USER_INPUT" {
			t.Fatalf("a return without a reason: %s", r.raw)
		}
		ret := referralOf(t, l.do(edu, `mutation($id: ID!) { returnReferral(id: $id, reason: "非本部门职责") { `+referralFields+` } }`,
			map[string]any{"id": got.Application.Referral.ID}), "returnReferral")
		if ret.Status != "RETURNED" || ret.Application.Status != "PENDING" {
			t.Fatalf("returned: %+v", ret)
		}
		l.must(town, "review", second.ID)
		if g := l.must(l.tok["county officer"], "approve", second.ID); g.Status != "ACTIVE" {
			t.Fatalf("civil affairs' approval: %+v", g)
		}

		// Counts per department and township: nothing open is left.
		var counts struct {
			ReferralCounts []struct {
				Department, AreaCode string
				Open, Overdue        int
			}
		}
		l.ok(town, `{ referralCounts { department areaCode open overdue } }`, nil, &counts)
		if len(counts.ReferralCounts) != 0 {
			t.Fatalf("open referrals left: %+v", counts.ReferralCounts)
		}
	})
}

// TestCatalogueThroughTheAPI adds a program, switches it off from a day and checks that
// no application opens on it from then, that only admins covering the area change it,
// and that every change is kept.
func TestCatalogueThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		city, town := l.tok["city admin"], l.tok["township officer"]
		county := l.tokenAs("county-admin", models.RoleAdmin, seed.DemoCounty)
		add := `mutation($in: NewProgramInput!) { addProgram(input: $in) { code name active setting { department referralDays } } }`
		in := map[string]any{"code": "EDU_VOCATIONAL", "name": "中职国家助学金", "categoryCode": "EDUCATION", "referralDays": 5}
		for who, tok := range map[string]string{"county admin": county, "township officer": town} {
			if r := l.do(tok, add, map[string]any{"in": in}); r.code() != "FORBIDDEN" {
				t.Errorf("%s added a program: %s", who, r.raw)
			}
		}
		if r := l.do(city, add, map[string]any{"in": map[string]any{"code": "bad code", "name": "x", "categoryCode": "EDUCATION"}}); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.raw, "input.code") {
			t.Fatalf("a bad code: %s", r.raw)
		}
		var added struct {
			AddProgram struct {
				Code, Name string
				Active     bool
				Setting    struct {
					Department   string
					ReferralDays int
				}
			}
		}
		l.ok(city, add, map[string]any{"in": in}, &added)
		if a := added.AddProgram; a.Code != "EDU_VOCATIONAL" || !a.Active || a.Setting.Department != "EDUCATION" || a.Setting.ReferralDays != 5 {
			t.Fatalf("added: %+v", a)
		}
		if r := l.do(city, add, map[string]any{"in": in}); r.code() != "CONFLICT" {
			t.Fatalf("a second program with the code: %s", r.raw)
		}
		sub := grantOf(t, l.submit(town, "EDU_VOCATIONAL", nil), "submitApplication")
		if sub.Status != "PENDING" {
			t.Fatalf("an application on the new program: %+v", sub)
		}

		// Switched off in the county from today: no new applications there.
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		change := `mutation($c: String!, $in: ProgramChangeInput!) { changeProgram(code: $c, input: $in) { areaCode effectiveFrom closedFrom department } }`
		off := map[string]any{"areaCode": seed.DemoCounty, "effectiveFrom": today, "closedFrom": today, "reason": "资金用尽"}
		if r := l.do(l.tokenAs("other-admin", models.RoleAdmin, otherCounty), change, map[string]any{"c": "EDU_VOCATIONAL", "in": off}); r.code() != "FORBIDDEN" {
			t.Fatalf("another county's admin changed the program: %s", r.raw)
		}
		l.ok(county, change, map[string]any{"c": "EDU_VOCATIONAL", "in": off}, &struct{}{})
		if r := l.submit(town, "EDU_VOCATIONAL", nil); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.raw, "input.programCode") {
			t.Fatalf("an application on a program switched off: %s", r.raw)
		}
		if r := l.do(county, change, map[string]any{"c": "EDU_VOCATIONAL", "in": off}); r.code() != "CONFLICT" {
			t.Fatalf("a second change of the same day: %s", r.raw)
		}
		var hist struct {
			Programs []struct {
				Code    string
				History []struct{ AreaCode, SetBy, Reason string }
			}
		}
		l.ok(town, `{ programs { code history { areaCode setBy reason } } }`, nil, &hist)
		for _, p := range hist.Programs {
			if p.Code == "EDU_VOCATIONAL" && (len(p.History) != 2 || p.History[1].Reason != "资金用尽" || p.History[1].AreaCode != seed.DemoCounty) {
				t.Fatalf("history: %+v", p.History)
			}
		}
		// Another county sees the city's settings only: not this county's, which name
		// its admin and its reason.
		other := l.tokenAs("other-officer", models.RoleOfficer, otherCounty)
		l.ok(other, `{ programs { code history { areaCode setBy reason } } }`, nil, &hist)
		for _, p := range hist.Programs {
			for _, h := range p.History {
				if h.AreaCode == seed.DemoCounty || h.Reason == "资金用尽" {
					t.Fatalf("another county reads this county's setting: %+v", h)
				}
			}
		}
		q := `query($c: String) { programs { code setting(county: $c) { areaCode } } }`
		if r := l.do(other, q, map[string]any{"c": seed.DemoCounty}); r.code() != "NOT_FOUND" {
			t.Fatalf("another county's setting: %s", r.raw)
		}
		l.ok(town, q, map[string]any{"c": seed.DemoCounty}, &struct{}{})
	})
}
