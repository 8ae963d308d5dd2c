package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// Areas of the lifecycle tests besides the demo county, township and village.
const (
	otherTownship = "371402002000" // 新华街道, same county as the demo township
	otherCounty   = "371403000000" // 陵城区
	otherTownB    = "371403001000" // a township of the other county
)

// lc is a running server with the callers of the lifecycle tests.
type lc struct {
	*env
	village string
	h       models.Household
	members []models.Member
	tok     map[string]string
}

// demoTownshipCase returns a casework client over e for the first seeded household of the
// demo township (371402001), in its village; it fails t when the seed has none there.
func demoTownshipCase(t *testing.T, e *env) *lc {
	t.Helper()
	l := &lc{env: e, tok: map[string]string{}}
	for _, h := range e.data.Households {
		if h.AreaCode[:9] == "371402001" {
			l.h, l.village = h, h.AreaCode
			return l
		}
	}
	t.Fatal("no household in the demo township")
	return nil
}

// tokenAs signs a token for subject sub.
func (e *env) tokenAs(sub string, role models.Role, area string, categories ...string) string {
	e.t.Helper()
	tok, err := e.verifier.Sign(auth.Principal{Subject: sub, Role: role, Area: area, Categories: categories}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func startLifecycle(t *testing.T, st *store.Store) *lc {
	t.Helper()
	e := start(t, st, 30)
	// The county's dibao standard caps temporary assistance (P20).
	if _, err := staffingCases(st).SetDibaoStandard(storetest.As(models.RoleAdmin, division.CityCode), seed.DemoCounty, 2026, models.Yuan(900), models.Yuan(700)); err != nil {
		t.Fatal(err)
	}
	l := &lc{env: e, village: seed.DemoVillage(st.Tree())}
	for _, h := range e.data.Households {
		if h.AreaCode == l.village {
			l.h = h
			break
		}
	}
	if l.h.ID == "" {
		t.Fatal("the seed put no household in the demo village")
	}
	for _, m := range e.data.Members {
		if m.HouseholdID == l.h.ID {
			l.members = append(l.members, m)
		}
	}
	l.tok = map[string]string{
		"village assistant": e.tokenAs("va", models.RoleAssistant, l.village),
		"village officer":   e.tokenAs("vo", models.RoleOfficer, l.village),
		"township officer":  e.tokenAs("town-a", models.RoleOfficer, seed.DemoTownship),
		"township officer2": e.tokenAs("town-b", models.RoleOfficer, seed.DemoTownship),
		"township admin":    e.tokenAs("town-admin", models.RoleAdmin, seed.DemoTownship),
		"other township":    e.tokenAs("other-town", models.RoleOfficer, otherTownship),
		"county officer":    e.tokenAs("county-a", models.RoleOfficer, seed.DemoCounty),
		"county officer2":   e.tokenAs("county-b", models.RoleOfficer, seed.DemoCounty),
		"county assistant":  e.tokenAs("county-asst", models.RoleAssistant, seed.DemoCounty),
		"other county":      e.tokenAs("other-county", models.RoleOfficer, otherCounty),
		"city admin":        e.tokenAs("city", models.RoleAdmin, "371400000000"),
		"auditor":           e.tokenAs("aud", models.RoleAuditor, seed.DemoCounty),
		"integrator":        e.tokenAs("int", models.RoleIntegrator, seed.DemoCounty, "MEDICAL", "TEMPORARY", "DIBAO"),
	}
	return l
}

// grantView is what the tests read of a grant.
type grantView struct {
	ID, Status, Amount, Reference, Channel, StartDate string
	Version                                           int
	Events                                            []struct {
		Actor, ActorRole, ActorArea, FromStatus, ToStatus, Reason string
	}
	MedicalClaim *struct {
		TotalCost, BasicInsurance, CriticalIllnessInsurance, Ratio, Ceiling, PaidThisYear, Payable string
		Year                                                                                       int
	}
}

const grantFields = `id status amount reference channel startDate version
  events { actor actorRole actorArea fromStatus toStatus reason }
  medicalClaim { year totalCost basicInsurance criticalIllnessInsurance ratio ceiling paidThisYear payable }`

// grantOf decodes the grant a mutation or query named field returned.
func grantOf(t *testing.T, r response, field string) grantView {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", field, r.raw)
	}
	var out map[string]grantView
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out[field]
}

func (l *lc) submit(tok, program string, member *string) response {
	l.t.Helper()
	vars := map[string]any{"h": l.h.ID, "p": program, "m": member}
	return l.do(tok, `mutation($h: ID!, $p: String!, $m: ID) { submitApplication(input: {householdId: $h, memberId: $m, programCode: $p, channel: HOTLINE, note: "来电"}) { `+grantFields+` } }`, vars)
}

// mutations of the lifecycle, by name: the GraphQL text with $id and $v (expected version).
var lifecycleOps = map[string]string{
	"review":    `mutation($id: ID!, $v: Int) { reviewGrant(id: $id, expectedVersion: $v, reason: "入户核查属实") { ` + grantFields + ` } }`,
	"approve":   `mutation($id: ID!, $v: Int) { approveGrant(id: $id, expectedVersion: $v, input: {amount: "800.00", startDate: "2026-02-01"}) { ` + grantFields + ` } }`,
	"reject":    `mutation($id: ID!, $v: Int) { rejectGrant(id: $id, expectedVersion: $v, reason: "收入超标") { ` + grantFields + ` } }`,
	"suspend":   `mutation($id: ID!, $v: Int) { suspendGrant(id: $id, expectedVersion: $v, reason: "待复核") { ` + grantFields + ` } }`,
	"resume":    `mutation($id: ID!, $v: Int) { resumeGrant(id: $id, expectedVersion: $v, reason: "复核通过") { ` + grantFields + ` } }`,
	"terminate": `mutation($id: ID!, $v: Int) { terminateGrant(id: $id, expectedVersion: $v, reason: "家庭收入提高") { ` + grantFields + ` } }`,
}

var opField = map[string]string{"review": "reviewGrant", "approve": "approveGrant", "reject": "rejectGrant",
	"suspend": "suspendGrant", "resume": "resumeGrant", "terminate": "terminateGrant"}

func (l *lc) op(tok, name, id string, version *int) response {
	l.t.Helper()
	return l.do(tok, lifecycleOps[name], map[string]any{"id": id, "v": version})
}

func (l *lc) must(tok, name, id string) grantView {
	l.t.Helper()
	return grantOf(l.t, l.op(tok, name, id, nil), opField[name])
}

// grantIn returns a new temporary-assistance grant brought to status by the right callers.
func (l *lc) grantIn(status string) grantView {
	l.t.Helper()
	g := grantOf(l.t, l.submit(l.tok["village assistant"], "TEMPORARY_RELIEF", nil), "submitApplication")
	path := map[string][]string{
		"PENDING": nil, "REVIEWED": {"review"}, "ACTIVE": {"review", "approve"},
		"SUSPENDED": {"review", "approve", "suspend"},
	}[status]
	who := map[string]string{"review": "township officer", "approve": "county officer", "suspend": "township officer"}
	for _, step := range path {
		g = l.must(l.tok[who[step]], step, g.ID)
	}
	if g.Status != status {
		l.t.Fatalf("grant in %s, want %s", g.Status, status)
	}
	return g
}

// current reads a grant as the city admin.
func (l *lc) current(id string) grantView {
	l.t.Helper()
	return grantOf(l.t, l.do(l.tok["city admin"], `query($id: ID!) { grant(id: $id) { `+grantFields+` } }`, map[string]any{"id": id}), "grant")
}

var referenceRE = regexp.MustCompile(`^JZ-\d{6}-\d{4}-\d{6,}$`)

// TestApplicationLifecycle follows one application from the hotline to termination,
// with the history each step leaves (P5, P8, P11).
func TestApplicationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		g := grantOf(t, l.submit(l.tok["village assistant"], "TEMPORARY_RELIEF", nil), "submitApplication")
		if g.Status != "PENDING" || g.Channel != "HOTLINE" || !referenceRE.MatchString(g.Reference) || g.Amount != "0.00" ||
			len(g.Events) != 1 || g.Events[0].FromStatus != "" || !strings.Contains(g.Events[0].Reason, "HOTLINE") {
			t.Fatalf("submitted: %+v", g)
		}
		wantYear := fmt.Sprintf("JZ-%s-%d-", l.village[:6], time.Now().In(policy.ChinaTime).Year())
		if !strings.HasPrefix(g.Reference, wantYear) {
			t.Errorf("reference %s is not of this county and year", g.Reference)
		}
		// The hotline follows it by reference, in any case; outside the area it does not exist.
		appQ := `query($r: String!) { application(reference: $r) { id status events { toStatus } } }`
		var app struct{ Application grantView }
		l.ok(l.tok["township officer"], appQ, map[string]any{"r": " " + strings.ToLower(g.Reference) + " "}, &app)
		if app.Application.ID != g.ID || app.Application.Status != "PENDING" {
			t.Errorf("application: %+v", app.Application)
		}
		for _, who := range []string{"other township", "other county"} {
			if r := l.do(l.tok[who], appQ, map[string]any{"r": g.Reference}); r.code() != httpapi.CodeNotFound {
				t.Errorf("%s reads the application: %s", who, r.raw)
			}
		}
		if r := l.do(l.tok["township officer"], appQ, map[string]any{"r": "JZ-1999-000001"}); r.code() != httpapi.CodeNotFound {
			t.Errorf("unknown reference: %s", r.raw)
		}

		g = l.must(l.tok["township officer"], "review", g.ID)
		if g.Status != "REVIEWED" || g.Version != 2 {
			t.Fatalf("reviewed: %+v", g)
		}
		// Approval needs an amount; the reviewer's own county account cannot approve.
		r := l.do(l.tok["county officer"], `mutation($id: ID!) { approveGrant(id: $id, input: {startDate: "2026-02-01"}) { id } }`, map[string]any{"id": g.ID})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.amount" {
			t.Errorf("approval without amount: %s", r.raw)
		}
		g = grantOf(t, l.do(l.tok["county officer"], `mutation($id: ID!) { approveGrant(id: $id, input: {amount: "1200.00", startDate: "2026-02-01", endDate: "2026-04-30"}) { `+grantFields+` } }`,
			map[string]any{"id": g.ID}), "approveGrant")
		if g.Status != "ACTIVE" || g.Amount != "1200.00" || g.StartDate != "2026-02-01" || g.Version != 3 {
			t.Fatalf("approved: %+v", g)
		}
		// An illegal move is BAD_USER_INPUT naming the current status, and changes nothing.
		r = l.op(l.tok["township officer"], "review", g.ID, nil)
		if r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.Errors[0].Message, "ACTIVE") {
			t.Errorf("review of an active grant: %s", r.raw)
		}
		// A stale expected version is CONFLICT.
		stale := 2
		if r := l.op(l.tok["township officer"], "suspend", g.ID, &stale); r.code() != httpapi.CodeConflict {
			t.Errorf("stale version: %s", r.raw)
		}
		v := g.Version
		g = grantOf(t, l.op(l.tok["township officer"], "suspend", g.ID, &v), "suspendGrant")
		g = l.must(l.tok["township officer2"], "resume", g.ID)
		g = l.must(l.tok["county officer2"], "terminate", g.ID)
		if r := l.op(l.tok["county officer"], "reject", g.ID, nil); r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.raw, "TERMINATED") {
			t.Errorf("reject of a terminated grant: %s", r.raw)
		}
		want := []struct{ from, to, actor, role, area string }{
			{"", "PENDING", "va", "ASSISTANT", l.village},
			{"PENDING", "REVIEWED", "town-a", "OFFICER", seed.DemoTownship},
			{"REVIEWED", "ACTIVE", "county-a", "OFFICER", seed.DemoCounty},
			{"ACTIVE", "SUSPENDED", "town-a", "OFFICER", seed.DemoTownship},
			{"SUSPENDED", "ACTIVE", "town-b", "OFFICER", seed.DemoTownship},
			{"ACTIVE", "TERMINATED", "county-b", "OFFICER", seed.DemoCounty},
		}
		g = l.current(g.ID)
		if len(g.Events) != len(want) || g.Status != "TERMINATED" || g.Version != 6 {
			t.Fatalf("history: %+v", g)
		}
		for i, w := range want {
			ev := g.Events[i]
			if ev.FromStatus != w.from || ev.ToStatus != w.to || ev.Actor != w.actor || ev.ActorRole != w.role || ev.ActorArea != w.area || ev.Reason == "" {
				t.Errorf("event %d: %+v, want %+v", i, ev, w)
			}
		}

		// Rejection needs a reason; a fresh application is rejected by the township.
		p := l.grantIn("PENDING")
		r = l.do(l.tok["township officer"], `mutation($id: ID!) { rejectGrant(id: $id, reason: "  ") { id } }`, map[string]any{"id": p.ID})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "reason" {
			t.Errorf("rejection without reason: %s", r.raw)
		}
		if p = l.must(l.tok["township officer"], "reject", p.ID); p.Status != "REJECTED" || p.Events[1].Reason != "收入超标" {
			t.Errorf("rejected: %+v", p)
		}
		// The existing createGrant stays for officers.
		var cg struct {
			CreateGrant struct{ Status, Reference string }
		}
		l.ok(l.tok["township officer"], `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "650.00", overrideReason: "评议确定的金额", startDate: "2026-01-01"}) { status reference } }`,
			map[string]any{"h": l.h.ID}, &cg)
		if cg.CreateGrant.Status != "ACTIVE" || cg.CreateGrant.Reference != "" {
			t.Errorf("createGrant: %+v", cg)
		}
	})
}

// TestReviewerCannotApprove checks the separation of review and approval (P8).
func TestReviewerCannotApprove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		g := l.grantIn("PENDING")
		g = l.must(l.tok["county officer"], "review", g.ID)
		r := l.op(l.tok["county officer"], "approve", g.ID, nil)
		if r.code() != httpapi.CodeForbidden || !strings.Contains(r.Errors[0].Message, "you reviewed") {
			t.Fatalf("reviewer approves: %s", r.raw)
		}
		// The same person with another token (same subject) is still the reviewer.
		if r := l.op(l.tokenAs("county-a", models.RoleAdmin, "371400000000"), "approve", g.ID, nil); r.code() != httpapi.CodeForbidden {
			t.Errorf("reviewer with a city token approves: %s", r.raw)
		}
		if now := l.current(g.ID); now.Status != "REVIEWED" || len(now.Events) != 2 {
			t.Errorf("a refused approval changed the grant: %+v", now)
		}
		if g = l.must(l.tok["county officer2"], "approve", g.ID); g.Status != "ACTIVE" {
			t.Errorf("another officer approves: %+v", g)
		}
	})
}

// TestLifecycleWrongTierAndArea runs every lifecycle mutation with callers of the wrong
// role, tier or area: each gets its code and the grant does not change; then the right
// caller succeeds.
func TestLifecycleWrongTierAndArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		F, N := httpapi.CodeForbidden, httpapi.CodeNotFound
		tests := []struct {
			op, from, good string
			bad            map[string]string // caller → code
		}{
			{"review", "PENDING", "township admin", map[string]string{
				"village officer": F, "village assistant": F, "auditor": F, "integrator": F, "other township": N, "other county": N}},
			{"approve", "REVIEWED", "city admin", map[string]string{
				"township officer": F, "township admin": F, "county assistant": F, "auditor": F, "other county": N}},
			{"reject", "PENDING", "township officer", map[string]string{
				"village officer": F, "village assistant": F, "other township": N, "other county": N}},
			{"reject", "REVIEWED", "county officer2", map[string]string{
				"township officer": F, "village officer": F, "other county": N}},
			{"suspend", "ACTIVE", "township officer", map[string]string{
				"village officer": F, "county assistant": F, "other township": N, "other county": N}},
			{"resume", "SUSPENDED", "county officer", map[string]string{
				"village officer": F, "auditor": F, "other township": N, "other county": N}},
			{"terminate", "ACTIVE", "county officer", map[string]string{
				"township officer": F, "village officer": F, "integrator": F, "other county": N}},
		}
		for _, tt := range tests {
			t.Run(tt.op+" "+tt.from, func(t *testing.T) {
				g := l.grantIn(tt.from)
				for who, code := range tt.bad {
					r := l.op(l.tok[who], tt.op, g.ID, nil)
					if r.code() != code {
						t.Errorf("%s: code %q, want %s: %s", who, r.code(), code, r.raw)
					}
					if code == N && strings.Contains(r.raw, l.h.Address) {
						t.Errorf("%s: the answer discloses the household", who)
					}
				}
				if now := l.current(g.ID); now.Version != g.Version || now.Status != g.Status || len(now.Events) != len(g.Events) {
					t.Fatalf("refused calls changed the grant: %+v → %+v", g, now)
				}
				if r := l.op(l.tok[tt.good], tt.op, g.ID, &g.Version); len(r.Errors) > 0 {
					t.Errorf("%s: %s", tt.good, r.raw)
				}
			})
		}
		t.Run("submit", func(t *testing.T) {
			for who, code := range map[string]string{"auditor": F, "integrator": F, "other township": N, "other county": N} {
				if r := l.submit(l.tok[who], "TEMPORARY_RELIEF", nil); r.code() != code {
					t.Errorf("%s: %s", who, r.raw)
				}
			}
			if r := l.do(l.tok["township officer"], `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "NOPE", channel: ONLINE}) { id } }`,
				map[string]any{"h": l.h.ID}); r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.programCode" {
				t.Errorf("unknown program: %s", r.raw)
			}
			var list struct{ Grants struct{ TotalCount int } }
			l.ok(l.tok["city admin"], `query($h: ID!) { grants(filter: {householdId: $h, status: PENDING}) { totalCount } }`, map[string]any{"h": l.h.ID}, &list)
			before := list.Grants.TotalCount
			for _, ch := range []string{"WALK_IN", "HOTLINE", "ONLINE", "REFERRAL", "PROACTIVE"} {
				var out struct {
					SubmitApplication struct{ Channel, Status string }
				}
				l.ok(l.tok["township officer"], `mutation($h: ID!, $c: ApplicationChannel!) { submitApplication(input: {householdId: $h, programCode: "RURAL_DIBAO", channel: $c}) { channel status } }`,
					map[string]any{"h": l.h.ID, "c": ch}, &out)
				if out.SubmitApplication.Channel != ch || out.SubmitApplication.Status != "PENDING" {
					t.Errorf("channel %s: %+v", ch, out)
				}
			}
			l.ok(l.tok["city admin"], `query($h: ID!) { grants(filter: {householdId: $h, status: PENDING}) { totalCount } }`, map[string]any{"h": l.h.ID}, &list)
			if list.Grants.TotalCount != before+5 {
				t.Errorf("pending grants %d, want %d: refused submissions wrote something", list.Grants.TotalCount, before+5)
			}
		})
	})
}

// post sends one GraphQL request without failing the test, for use in goroutines.
func (e *env) post(token, query string, vars map[string]any) (response, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	var r response
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		return response{}, fmt.Errorf("status %d, body %q: %w", res.StatusCode, buf.String(), err)
	}
	r.raw, r.status, r.header = buf.String(), res.StatusCode, res.Header
	return r, nil
}

// parallel sends n requests at once; req(i) gives the token, query and variables of the
// i-th. It returns the answers in order.
func (e *env) parallel(n int, req func(i int) (string, string, map[string]any)) []response {
	e.t.Helper()
	out := make([]response, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, q, vars := req(i)
			<-gate
			out[i], errs[i] = e.post(tok, q, vars)
		}()
	}
	close(gate)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

// TestConcurrentTransitions sends competing moves of one grant at once: exactly one wins,
// every other gets CONFLICT, and exactly one event is written.
func TestConcurrentTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		for round := range 4 {
			g := l.grantIn("REVIEWED")
			const n = 6
			rs := l.parallel(n, func(i int) (string, string, map[string]any) {
				op, who := "approve", "county officer"
				if i%2 == 1 {
					op, who = "reject", "county officer2"
				}
				return l.tok[who], lifecycleOps[op], map[string]any{"id": g.ID, "v": g.Version}
			})
			wins, conflicts := 0, 0
			for _, r := range rs {
				switch {
				case len(r.Errors) == 0:
					wins++
				case r.code() == httpapi.CodeConflict:
					conflicts++
				default:
					t.Errorf("round %d: %s", round, r.raw)
				}
			}
			now := l.current(g.ID)
			if wins != 1 || conflicts != n-1 || len(now.Events) != 3 || now.Version != g.Version+1 {
				t.Fatalf("round %d: %d wins, %d conflicts, %d events, version %d", round, wins, conflicts, len(now.Events), now.Version)
			}
		}
	})
}

// TestMedicalAssistanceAfterInsurance approves medical applications of one member within
// one year (P3): each pays the ratio of what insurance left, up to what is left of the
// annual ceiling, and keeps every figure.
func TestMedicalAssistanceAfterInsurance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		l := startLifecycle(t, st)
		m := l.members[0].ID
		if r := l.submit(l.tok["township officer"], "MEDICAL_INPATIENT", nil); r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.memberId" {
			t.Errorf("medical application without a member: %s", r.raw)
		}
		var rule struct {
			Programs []struct {
				Code        string
				MedicalRule *struct{ Ratio, Ceiling string }
			}
		}
		l.ok(l.tok["township officer"], `{ programs { code medicalRule { ratio ceiling } } }`, nil, &rule)
		for _, p := range rule.Programs {
			if (p.MedicalRule != nil) != strings.HasPrefix(p.Code, "MEDICAL_") {
				t.Errorf("program %s: medical rule %+v", p.Code, p.MedicalRule)
			}
			if p.Code == "MEDICAL_INPATIENT" && (p.MedicalRule.Ratio != "70.00%" || p.MedicalRule.Ceiling != "30000.00") {
				t.Errorf("inpatient rule: %+v", p.MedicalRule)
			}
		}
		approve := `mutation($id: ID!, $t: Money!, $b: Money!, $c: Money!, $a: Money) { approveGrant(id: $id, input: {amount: $a, startDate: "2026-03-01",
		  medical: {totalCost: $t, basicInsurance: $b, criticalIllnessInsurance: $c}}) { ` + grantFields + ` } }`
		paid := models.Money(0)
		rulebook := policy.DefaultMedicalRules().Rule("MEDICAL_INPATIENT")
		claims := []struct{ total, basic, critical models.Money }{
			{models.Yuan(50000), models.Yuan(30000), models.Yuan(5000)}, // 15,000 left → 10,500.00
			{models.Yuan(100000), models.Yuan(50000), 0},                // 35,000 due, 19,500.00 of room
		}
		for i, c := range claims {
			g := grantOf(t, l.submit(l.tok["village assistant"], "MEDICAL_INPATIENT", &m), "submitApplication")
			g = l.must(l.tok["township officer"], "review", g.ID)
			if i == 0 {
				r := l.do(l.tok["county officer"], approve, map[string]any{"id": g.ID, "t": c.total.String(), "b": c.basic.String(), "c": c.critical.String(), "a": "100.00"})
				if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.amount" {
					t.Errorf("medical approval with an amount: %s", r.raw)
				}
				r = l.do(l.tok["county officer"], approve, map[string]any{"id": g.ID, "t": "-1.00", "b": "0", "c": "0"})
				if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.medical.totalCost" {
					t.Errorf("negative cost: %s", r.raw)
				}
			}
			g = grantOf(t, l.do(l.tok["county officer"], approve, map[string]any{"id": g.ID, "t": c.total.String(), "b": c.basic.String(), "c": c.critical.String()}), "approveGrant")
			want := policy.MedicalPayable(policy.MedicalCosts{TotalCost: c.total, BasicInsurance: c.basic, CriticalIllnessInsurance: c.critical, PaidThisYear: paid}, rulebook)
			mc := g.MedicalClaim
			if mc == nil || g.Amount != want.Payable.String() || mc.Payable != want.Payable.String() || mc.PaidThisYear != paid.String() ||
				mc.TotalCost != c.total.String() || mc.BasicInsurance != c.basic.String() || mc.CriticalIllnessInsurance != c.critical.String() ||
				mc.Ratio != "70.00%" || mc.Ceiling != "30000.00" || mc.Year != 2026 {
				t.Fatalf("claim %d: amount %s, %+v, want payable %s", i, g.Amount, mc, want.Payable)
			}
			paid += want.Payable
		}
		if paid != models.Yuan(30000) {
			t.Fatalf("paid %s in the year, want the ceiling 30000.00 (10500.00 + 19500.00)", paid)
		}
		// The ceiling is exhausted: nothing is payable, and the grant stays REVIEWED.
		g := grantOf(t, l.submit(l.tok["village assistant"], "MEDICAL_INPATIENT", &m), "submitApplication")
		g = l.must(l.tok["township officer"], "review", g.ID)
		r := l.do(l.tok["county officer"], approve, map[string]any{"id": g.ID, "t": "1000.00", "b": "0", "c": "0"})
		if r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.Errors[0].Message, "nothing is payable") {
			t.Errorf("approval beyond the ceiling: %s", r.raw)
		}
		if now := l.current(g.ID); now.Status != "REVIEWED" || now.MedicalClaim != nil {
			t.Errorf("a refused approval changed the grant: %+v", now)
		}
		// A non-medical program takes no bills.
		tg := l.grantIn("REVIEWED")
		r = l.do(l.tok["county officer"], approve, map[string]any{"id": tg.ID, "t": "1000.00", "b": "0", "c": "0", "a": "100.00"})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.medical" {
			t.Errorf("bills on a temporary grant: %s", r.raw)
		}
	})
}
