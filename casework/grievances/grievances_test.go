package grievances_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/grievances"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	cityCode  = "371400000000"
	countyA   = "371402000000"
	townshipA = "371402001000"
	villageA  = "371402001001"
	countyB   = "371403000000"
	villageB  = "371403001001"
)

// today is a Friday, 10:00 in China; the Monday after is a configured holiday.
var today = time.Date(2026, 3, 13, 2, 0, 0, 0, time.UTC)

var rules = policy.Config{
	Calendar:      policy.Calendar{Holidays: map[string]bool{"2026-03-16": true}},
	GrievanceDays: map[models.GrievanceCategory]int{models.GrievanceAmount: 2},
}

func as(sub string, role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: sub, Role: role, Area: area, Categories: categories})
}

var (
	villageAssistant = as("va", models.RoleAssistant, villageA)
	townOfficer      = as("town-a", models.RoleOfficer, townshipA)
	townOfficer2     = as("town-b", models.RoleOfficer, townshipA)
	countyOfficer    = as("county-a", models.RoleOfficer, countyA)
	countyOfficer2   = as("county-b", models.RoleOfficer, countyA)
	cityAdmin        = as("city", models.RoleAdmin, cityCode)
	auditor          = as("aud", models.RoleAuditor, countyA)
	integrator       = as("int", models.RoleIntegrator, countyA, "TEMPORARY")
	otherCounty      = as("other", models.RoleOfficer, countyB)
)

func ptr[T any](v T) *T { return &v }

// world is a fake with an application rejected at the township (rej, by town-a), one
// rejected at the county after review (rejc, by county-a), an active grant without a
// reference (act) and a grant of another county (far), and the service over it.
func world() (*fake, *grievances.Service) {
	f := newFake()
	pending, reviewed := models.GrantPending, models.GrantReviewed
	add := func(id, area string, status models.GrantStatus, ref *string) {
		f.grants[id] = &models.Grant{ID: id, AreaCode: area, HouseholdID: "h-" + id, Status: status, Reference: ref, CategoryCode: "TEMPORARY"}
	}
	add("rej", villageA, models.GrantRejected, ptr("JZ-371402-2026-000001"))
	add("rejc", villageA, models.GrantRejected, ptr("JZ-371402-2026-000002"))
	add("act", villageA, models.GrantActive, nil)
	add("far", villageB, models.GrantRejected, ptr("JZ-371403-2026-000001"))
	f.events = []*models.GrantEvent{
		{ID: "e1", GrantID: "rej", Actor: "town-a", ActorArea: townshipA, FromStatus: &pending, ToStatus: models.GrantRejected},
		{ID: "e2", GrantID: "rejc", Actor: "county-a", ActorArea: countyA, FromStatus: &reviewed, ToStatus: models.GrantRejected},
		{ID: "e3", GrantID: "far", Actor: "far-officer", ActorArea: "371403001000", FromStatus: &pending, ToStatus: models.GrantRejected},
	}
	n := 0
	ids := func() string { n++; return fmt.Sprintf("id%d", n) }
	return f, grievances.NewWith(f, rules, division.Dezhou(), func() time.Time { return today }, ids)
}

// check compares err with the sentinel want (nil for success) and, for a field error,
// its field.
func check(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("want %v, got %v", want, err)
	}
	var fe *models.FieldError
	if field != "" && (!errors.As(err, &fe) || fe.Field != field) {
		t.Fatalf("want an error of field %s, got %v", field, err)
	}
}

// endOf is the last instant of day (YYYY-MM-DD) in China.
func endOf(day string) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, day, policy.ChinaTime)
	return d.AddDate(0, 0, 1).Add(-time.Nanosecond).UTC()
}

func TestOpen(t *testing.T) {
	in := func(subject models.GrievanceSubject, rec string, cat models.GrievanceCategory) models.OpenGrievanceInput {
		return models.OpenGrievanceInput{Subject: subject, RecordID: rec, Category: cat, Channel: models.GrievanceByHotline, Summary: "来电反映"}
	}
	cases := []struct {
		name     string
		ctx      context.Context
		in       models.OpenGrievanceInput
		want     error
		field    string
		appeal   bool
		assigned string
		decider  string
		due      string
	}{
		{"an appeal of a township's rejection goes to the county", villageAssistant, in(models.GrievanceOfApplication, " jz-371402-2026-000001 ", models.GrievanceEligibility), nil, "", true, countyA, "town-a", "2026-04-06"},
		{"an appeal of a county's rejection goes to the city", townOfficer, in(models.GrievanceOfDecision, "e2", models.GrievanceEligibility), nil, "", true, cityCode, "county-a", "2026-04-06"},
		{"a complaint of delay goes to the township, in 5 working days past the holiday", countyOfficer, in(models.GrievanceOfApplication, "JZ-371402-2026-000001", models.GrievanceDelay), nil, "", false, townshipA, "", "2026-03-23"},
		{"a dispute of an amount, with its configured 2 days", cityAdmin, in(models.GrievanceOfGrant, "act", models.GrievanceAmount), nil, "", false, townshipA, "", "2026-03-18"},
		{"eligibility of a grant that is no rejected application is no appeal", villageAssistant, in(models.GrievanceOfGrant, "act", models.GrievanceEligibility), nil, "", false, townshipA, "", "2026-04-06"},
		{"an auditor may not", auditor, in(models.GrievanceOfGrant, "act", models.GrievanceOther), models.ErrForbidden, "", false, "", "", ""},
		{"an integrator may not", integrator, in(models.GrievanceOfGrant, "act", models.GrievanceOther), models.ErrForbidden, "", false, "", "", ""},
		{"no caller", context.Background(), in(models.GrievanceOfGrant, "act", models.GrievanceOther), models.ErrUnauthenticated, "", false, "", "", ""},
		{"a grant of another county", countyOfficer, in(models.GrievanceOfGrant, "far", models.GrievanceOther), models.ErrNotFound, "", false, "", "", ""},
		{"an application of another county", countyOfficer, in(models.GrievanceOfApplication, "JZ-371403-2026-000001", models.GrievanceEligibility), models.ErrNotFound, "", false, "", "", ""},
		{"a decision of another county", countyOfficer, in(models.GrievanceOfDecision, "e3", models.GrievanceEligibility), models.ErrNotFound, "", false, "", "", ""},
		{"an unknown subject", countyOfficer, in("PERSON", "act", models.GrievanceOther), models.ErrInvalid, "input.subject", false, "", "", ""},
		{"an unknown category", countyOfficer, in(models.GrievanceOfGrant, "act", "MOOD"), models.ErrInvalid, "input.category", false, "", "", ""},
		{"an unknown channel", countyOfficer, models.OpenGrievanceInput{Subject: models.GrievanceOfGrant, RecordID: "act", Category: models.GrievanceOther, Channel: "PIGEON", Summary: "x"}, models.ErrInvalid, "input.channel", false, "", "", ""},
		{"an empty summary", countyOfficer, models.OpenGrievanceInput{Subject: models.GrievanceOfGrant, RecordID: "act", Category: models.GrievanceOther, Channel: models.GrievanceOnline, Summary: " "}, models.ErrInvalid, "input.summary", false, "", "", ""},
		{"a summary too long", countyOfficer, models.OpenGrievanceInput{Subject: models.GrievanceOfGrant, RecordID: "act", Category: models.GrievanceOther, Channel: models.GrievanceOnline, Summary: strings.Repeat("字", grievances.MaxSummaryLen+1)}, models.ErrInvalid, "input.summary", false, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			g, err := svc.Open(c.ctx, c.in)
			check(t, err, c.want, c.field)
			if err != nil {
				if len(f.grievances) != 0 || len(f.audits) != 0 || len(f.notices) != 0 {
					t.Fatalf("a refused grievance wrote %d grievances, audits %v, notices %v", len(f.grievances), f.audits, f.notices)
				}
				return
			}
			if g.Appeal != c.appeal || g.AssignedArea != c.assigned || g.Status != models.GrievanceOpen {
				t.Fatalf("grievance %+v: want appeal %v assigned to %s", g, c.appeal, c.assigned)
			}
			if (g.Decider == nil && c.decider != "") || (g.Decider != nil && *g.Decider != c.decider) {
				t.Fatalf("decider %v, want %q", g.Decider, c.decider)
			}
			if !g.DueAt.Equal(endOf(c.due)) {
				t.Fatalf("due %s, want the end of %s", g.DueAt.In(policy.ChinaTime), c.due)
			}
			if !slices.Equal(f.audits, []string{"openGrievance"}) ||
				!slices.Equal(f.notices, []string{string(store.NoticeGrievanceOpened), string(store.NoticeGrievanceDue)}) {
				t.Fatalf("audited %v, notices %v", f.audits, f.notices)
			}
		})
	}
}

// opened returns the world with grievance id1 opened by the village assistant against
// application ref in category cat.
func opened(t *testing.T, ref string, cat models.GrievanceCategory) (*fake, *grievances.Service) {
	t.Helper()
	f, svc := world()
	if _, err := svc.Open(villageAssistant, models.OpenGrievanceInput{Subject: models.GrievanceOfApplication, RecordID: ref, Category: cat, Channel: models.GrievanceOnline, Summary: "不服"}); err != nil {
		t.Fatal(err)
	}
	f.audits, f.notices = nil, nil
	return f, svc
}

func TestAnswer(t *testing.T) {
	const rej, rejc = "JZ-371402-2026-000001", "JZ-371402-2026-000002"
	cases := []struct {
		name     string
		ref      string
		cat      models.GrievanceCategory
		ctx      context.Context
		in       models.AnswerGrievanceInput
		want     error
		field    string
		reopened string
	}{
		{"the county reopens a township's rejection: PENDING again", rej, models.GrievanceEligibility, countyOfficer, models.AnswerGrievanceInput{Answer: "重新审核", Reopen: ptr(true)}, nil, "", "rej→PENDING"},
		{"the city reopens a county's rejection: REVIEWED again", rejc, models.GrievanceEligibility, cityAdmin, models.AnswerGrievanceInput{Answer: "重新审批", Reopen: ptr(true)}, nil, "", "rejc→REVIEWED"},
		{"the county upholds the rejection", rej, models.GrievanceEligibility, countyOfficer2, models.AnswerGrievanceInput{Answer: "维持原决定"}, nil, "", ""},
		{"the township answers a complaint of delay", rej, models.GrievanceDelay, townOfficer2, models.AnswerGrievanceInput{Answer: "已加快办理"}, nil, "", ""},
		{"the township may not answer an appeal assigned to the county", rej, models.GrievanceEligibility, townOfficer2, models.AnswerGrievanceInput{Answer: "x", Reopen: ptr(true)}, models.ErrForbidden, "", ""},
		{"the officer who rejected may not answer the appeal", rejc, models.GrievanceEligibility, countyOfficer, models.AnswerGrievanceInput{Answer: "x"}, models.ErrForbidden, "", ""},
		{"a complaint does not reopen", rej, models.GrievanceDelay, countyOfficer, models.AnswerGrievanceInput{Answer: "x", Reopen: ptr(true)}, models.ErrInvalid, "input.reopen", ""},
		{"an assistant may not answer", rej, models.GrievanceDelay, villageAssistant, models.AnswerGrievanceInput{Answer: "x"}, models.ErrForbidden, "", ""},
		{"another county does not see it", rej, models.GrievanceEligibility, otherCounty, models.AnswerGrievanceInput{Answer: "x"}, models.ErrNotFound, "", ""},
		{"an empty answer", rej, models.GrievanceEligibility, countyOfficer, models.AnswerGrievanceInput{Answer: ""}, models.ErrInvalid, "input.answer", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := opened(t, c.ref, c.cat)
			g, err := svc.Answer(c.ctx, "id1", c.in)
			check(t, err, c.want, c.field)
			if err != nil {
				if len(f.audits) != 0 || len(f.notices) != 0 || len(f.reopened) != 0 || f.grievances["id1"].Status != models.GrievanceOpen {
					t.Fatalf("a refused answer wrote: audits %v, notices %v, reopened %v", f.audits, f.notices, f.reopened)
				}
				return
			}
			if g.Status != models.GrievanceAnswered || g.Answer == nil || *g.Answer != c.in.Answer || g.Reopened != (c.reopened != "") {
				t.Fatalf("answered %+v", g)
			}
			wantAudits := []string{"answerGrievance"}
			if c.reopened != "" {
				wantAudits = []string{"reopenApplication", "answerGrievance"}
			}
			if !slices.Equal(f.audits, wantAudits) || !slices.Equal(f.notices, []string{string(store.NoticeGrievanceAnswered)}) ||
				!slices.Equal(f.withdrawn, []string{"id1"}) {
				t.Fatalf("audited %v, notices %v, withdrawn %v", f.audits, f.notices, f.withdrawn)
			}
			var wantReopened []string
			if c.reopened != "" {
				wantReopened = []string{c.reopened}
			}
			if !slices.Equal(f.reopened, wantReopened) {
				t.Fatalf("reopened %v, want %v", f.reopened, wantReopened)
			}
			// Answered once: a second answer is refused by the grievance's status.
			_, err = svc.Answer(c.ctx, "id1", c.in)
			check(t, err, models.ErrInvalid, "status")
		})
	}
}

// TestReopenNeedsARejection: an appeal whose application was meanwhile reopened (or
// decided otherwise) reopens nothing.
func TestReopenNeedsARejection(t *testing.T) {
	f, svc := opened(t, "JZ-371402-2026-000001", models.GrievanceEligibility)
	f.grants["rej"].Status = models.GrantPending
	_, err := svc.Answer(countyOfficer, "id1", models.AnswerGrievanceInput{Answer: "x", Reopen: ptr(true)})
	check(t, err, models.ErrInvalid, "input.reopen")
	if len(f.audits) != 0 || len(f.reopened) != 0 {
		t.Fatalf("wrote %v %v", f.audits, f.reopened)
	}
}

func TestCommentAndClose(t *testing.T) {
	f, svc := opened(t, "JZ-371402-2026-000001", models.GrievanceDelay)
	_, err := svc.Close(townOfficer, "id1")
	check(t, err, models.ErrInvalid, "status")
	_, err = svc.Comment(auditor, "id1", "看过")
	check(t, err, models.ErrForbidden, "")
	_, err = svc.Comment(otherCounty, "id1", "看过")
	check(t, err, models.ErrNotFound, "")
	_, err = svc.Comment(villageAssistant, "id1", "")
	check(t, err, models.ErrInvalid, "text")
	c, err := svc.Comment(villageAssistant, "id1", "已电话回访")
	check(t, err, nil, "")
	if c.Author != "va" || c.GrievanceID != "id1" {
		t.Fatalf("comment %+v", c)
	}
	if _, err := svc.Answer(townOfficer, "id1", models.AnswerGrievanceInput{Answer: "已办理"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Close(otherCounty, "id1")
	check(t, err, models.ErrNotFound, "")
	g, err := svc.Close(townOfficer2, "id1")
	check(t, err, nil, "")
	if g.Status != models.GrievanceClosed || g.ClosedBy == nil || *g.ClosedBy != "town-b" {
		t.Fatalf("closed %+v", g)
	}
	_, err = svc.Comment(villageAssistant, "id1", "再补充")
	check(t, err, models.ErrInvalid, "status")
	if !slices.Equal(f.audits, []string{"commentGrievance", "answerGrievance", "closeGrievance"}) {
		t.Fatalf("audited %v", f.audits)
	}
}

func TestReadsAndOverdue(t *testing.T) {
	f, svc := opened(t, "JZ-371402-2026-000001", models.GrievanceDelay)
	_, err := svc.Grievance(integrator, "id1")
	check(t, err, models.ErrForbidden, "")
	_, err = svc.Grievance(otherCounty, "id1")
	check(t, err, models.ErrNotFound, "")
	g, err := svc.Grievance(auditor, "id1")
	check(t, err, nil, "")
	if svc.IsOverdue(g) {
		t.Fatal("overdue on the day it was opened")
	}
	// Past its due date (the end of 2026-03-23), it counts in its township and county.
	f.grievances["id1"].DueAt = today.Add(-time.Hour)
	o, err := svc.Overdue(countyOfficer, nil)
	check(t, err, nil, "")
	if o.AreaCode != countyA || o.Count != 1 {
		t.Fatalf("overdue %+v", o)
	}
	for _, c := range o.Children {
		if want := map[bool]int{true: 1, false: 0}[c.AreaCode == townshipA]; c.Count != want {
			t.Fatalf("child %s counts %d, want %d", c.AreaCode, c.Count, want)
		}
	}
	o, err = svc.Overdue(otherCounty, nil)
	check(t, err, nil, "")
	if o.Count != 0 {
		t.Fatalf("another county counts %d", o.Count)
	}
	_, err = svc.Overdue(integrator, nil)
	check(t, err, models.ErrForbidden, "")
}
