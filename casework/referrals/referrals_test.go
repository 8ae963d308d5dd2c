package referrals_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/referrals"
	"jiuzhu/models"
	"jiuzhu/policy"
)

const (
	village      = "371402001001"
	otherVillage = "371403001003"
	county       = "371402000000"
	otherCounty  = "371403000000"
)

// clock is Friday 4 December 2026, 10:00 in China.
var clock = time.Date(2026, 12, 4, 10, 0, 0, 0, policy.ChinaTime)

func as(p auth.Principal) context.Context {
	if p.Subject == "" {
		p.Subject = string(p.Role) + "@" + p.Area
	}
	return auth.WithPrincipal(context.Background(), p)
}

var (
	eduBureau = auth.Principal{Subject: "edu", Role: models.RoleIntegrator, Area: county, Categories: []string{"EDUCATION"}, Department: models.DeptEducation}
	eduOther  = auth.Principal{Subject: "edu-2", Role: models.RoleIntegrator, Area: county, Categories: []string{"EDUCATION"}, Department: models.DeptEducation}
	otherEdu  = auth.Principal{Subject: "edu-b", Role: models.RoleIntegrator, Area: otherCounty, Categories: []string{"EDUCATION"}, Department: models.DeptEducation}
	health    = auth.Principal{Subject: "health", Role: models.RoleIntegrator, Area: county, Categories: []string{"EDUCATION"}, Department: models.DeptHealth}
	noDept    = auth.Principal{Subject: "int", Role: models.RoleIntegrator, Area: county, Categories: []string{"EDUCATION"}}
	officer   = auth.Principal{Subject: "town", Role: models.RoleOfficer, Area: county}
)

// setup returns the service over a fake with the settings of an education program
// (referred, 10 working days), a dibao program (civil affairs) and a closed program, and
// one referred education application of the demo village.
func setup(t *testing.T) (*referrals.Service, *fake, string) {
	t.Helper()
	f := newFake()
	closed := models.NewDate(2026, 12, 1)
	f.settings["EDU_COMPULSORY"] = &models.ProgramSetting{ProgramCode: "EDU_COMPULSORY", Department: models.DeptEducation, ReferralDays: 10}
	f.settings["RURAL_DIBAO"] = &models.ProgramSetting{ProgramCode: "RURAL_DIBAO", Department: models.DeptCivilAffairs, ReferralDays: 10}
	f.settings["EDU_CLOSED"] = &models.ProgramSetting{ProgramCode: "EDU_CLOSED", Department: models.DeptEducation, ReferralDays: 10, ClosedFrom: &closed}
	n := 0
	svc := referrals.NewWith(f, func() time.Time { return clock }, func() string { n++; return fmt.Sprintf("id-%d", n) }, policy.Calendar{})
	g := &models.Grant{ID: "app-1", AreaCode: village, ProgramCode: "EDU_COMPULSORY", CategoryCode: "EDUCATION", Status: models.GrantPending, CreatedBy: "town"}
	if err := f.Write(context.Background(), scope(officer), "submit", func(t referrals.Tx) error { return svc.Refer(t, g) }); err != nil {
		t.Fatal(err)
	}
	return svc, f, "id-1"
}

// TestReferOnSubmission checks what the receipt of an application leads to, program by
// program.
func TestReferOnSubmission(t *testing.T) {
	for _, c := range []struct {
		program  string
		wantErr  string
		referred bool
	}{
		{program: "EDU_COMPULSORY", referred: true},
		{program: "RURAL_DIBAO"},
		{program: "EDU_CLOSED", wantErr: "input.programCode"},
		{program: "UNKNOWN", wantErr: "input.programCode"},
	} {
		t.Run(c.program, func(t *testing.T) {
			svc, f, _ := setup(t)
			before := len(f.referrals)
			g := &models.Grant{ID: "app-2", AreaCode: village, ProgramCode: c.program, CategoryCode: "EDUCATION", Status: models.GrantPending}
			err := f.Write(context.Background(), scope(officer), "submit", func(t referrals.Tx) error {
				if err := svc.Refer(t, g); err != nil {
					return err
				}
				t.Audit("submitApplication", "", nil, nil, nil)
				return nil
			})
			var fe *models.FieldError
			switch {
			case c.wantErr != "":
				if !errors.As(err, &fe) || fe.Field != c.wantErr {
					t.Fatalf("err %v, want a field error on %s", err, c.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			if got := len(f.referrals) - before; got != map[bool]int{true: 1}[c.referred] {
				t.Fatalf("%d referrals written", got)
			}
			if c.referred {
				r := f.referrals["id-2"]
				// Ten working days after Friday 4 December: Friday 18 December.
				if r.Department != models.DeptEducation || r.DueAt.Format(time.DateOnly) != "2026-12-18" || r.Status != models.ReferralReferred {
					t.Fatalf("referral %+v", r)
				}
			}
		})
	}
}

// TestDepartmentSteps checks each step of a department on a referral, by caller and by
// the referral's state: what is refused writes nothing.
func TestDepartmentSteps(t *testing.T) {
	approve := models.ReferralDecisionInput{Decision: models.DecisionApprove, Reason: "符合条件",
		Approval: &models.ApprovalInput{Amount: ptr(models.Yuan(125)), StartDate: models.NewDate(2026, 12, 1)}}
	reject := models.ReferralDecisionInput{Decision: models.DecisionReject, Reason: "不符合条件"}
	for _, c := range []struct {
		name       string
		caller     auth.Principal
		prepare    func(svc *referrals.Service, f *fake, id string)
		step       func(svc *referrals.Service, ctx context.Context, id string) (*models.Referral, error)
		wantErr    error
		wantField  string
		wantStatus models.ReferralStatus
		wantGrant  models.GrantStatus
	}{
		{name: "accept", caller: eduBureau, step: accept, wantStatus: models.ReferralAccepted, wantGrant: models.GrantPending},
		{name: "another county's bureau", caller: otherEdu, step: accept, wantErr: models.ErrNotFound},
		{name: "another department", caller: health, step: accept, wantErr: models.ErrNotFound},
		{name: "an integrator of no department", caller: noDept, step: accept, wantErr: models.ErrForbidden},
		{name: "an officer", caller: officer, step: accept, wantErr: models.ErrForbidden},
		{name: "approve what another accepted", caller: eduOther, prepare: acceptedBy(eduBureau), step: decide(approve), wantStatus: models.ReferralDecided, wantGrant: models.GrantActive},
		{name: "approve what one accepted", caller: eduBureau, prepare: acceptedBy(eduBureau), step: decide(approve), wantErr: models.ErrForbidden},
		{name: "approve before acceptance", caller: eduBureau, step: decide(approve), wantErr: models.ErrInvalid, wantField: "id"},
		{name: "reject what one accepted", caller: eduBureau, prepare: acceptedBy(eduBureau), step: decide(reject), wantStatus: models.ReferralDecided, wantGrant: models.GrantRejected},
		{name: "return what one accepted", caller: eduBureau, prepare: acceptedBy(eduBureau), step: giveBack("非本部门职责"), wantStatus: models.ReferralReturned, wantGrant: models.GrantPending},
		{name: "accept what one rejected before the appeal", caller: eduBureau, prepare: rejectedBy("edu"), step: accept, wantErr: models.ErrForbidden},
		{name: "reject what one rejected before the appeal", caller: eduBureau, prepare: rejectedBy("edu"), step: decide(reject), wantErr: models.ErrForbidden},
		{name: "accept what another rejected before the appeal", caller: eduOther, prepare: rejectedBy("edu"), step: accept, wantStatus: models.ReferralAccepted, wantGrant: models.GrantPending},
		{name: "reject", caller: eduBureau, step: decide(reject), wantStatus: models.ReferralDecided, wantGrant: models.GrantRejected},
		{name: "approve without the approval", caller: eduBureau, step: decide(models.ReferralDecisionInput{Decision: models.DecisionApprove, Reason: "x"}), wantErr: models.ErrInvalid, wantField: "input.approval"},
		{name: "reject with an approval", caller: eduBureau, step: decide(models.ReferralDecisionInput{Decision: models.DecisionReject, Reason: "x", Approval: approve.Approval}), wantErr: models.ErrInvalid, wantField: "input.approval"},
		{name: "decide without a reason", caller: eduBureau, step: decide(models.ReferralDecisionInput{Decision: models.DecisionReject, Reason: " "}), wantErr: models.ErrInvalid, wantField: "input.reason"},
		{name: "return", caller: eduBureau, step: giveBack("非本部门职责"), wantStatus: models.ReferralReturned, wantGrant: models.GrantPending},
		{name: "return without a reason", caller: eduBureau, step: giveBack(""), wantErr: models.ErrInvalid, wantField: "reason"},
		{name: "accept twice", caller: eduBureau, prepare: acceptedBy(eduBureau),
			step: accept, wantErr: models.ErrInvalid, wantField: "id"},
		{name: "decide a returned referral", caller: eduBureau, prepare: func(svc *referrals.Service, _ *fake, id string) { _, _ = svc.Return(as(eduBureau), id, "退回", nil) },
			step: decide(reject), wantErr: models.ErrInvalid, wantField: "id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, f, id := setup(t)
			if c.prepare != nil {
				c.prepare(svc, f, id)
			}
			audits, events := len(f.audits), len(f.events)
			r, err := c.step(svc, as(c.caller), id)
			if c.wantErr != nil {
				var fe *models.FieldError
				if !errors.Is(err, c.wantErr) || (c.wantField != "" && (!errors.As(err, &fe) || fe.Field != c.wantField)) {
					t.Fatalf("err %v, want %v on %q", err, c.wantErr, c.wantField)
				}
				if len(f.audits) != audits || len(f.events) != events {
					t.Fatal("a refused step wrote")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != c.wantStatus || f.referrals[id].Status != c.wantStatus || f.grants["app-1"].Status != c.wantGrant {
				t.Fatalf("referral %s, application %s; want %s, %s", r.Status, f.grants["app-1"].Status, c.wantStatus, c.wantGrant)
			}
			if len(f.audits) != audits+1 || !strings.Contains(strings.Join(f.events[events:], "|"), string(models.DeptEducation)) {
				t.Fatalf("audits %v, events %v", f.audits, f.events)
			}
		})
	}
}

// TestOverdueAndCounts checks that a referral is overdue after its due day only, in the
// list and the counts.
func TestOverdueAndCounts(t *testing.T) {
	_, f, _ := setup(t)
	for _, c := range []struct {
		at      time.Time
		overdue int
	}{
		{time.Date(2026, 12, 18, 23, 0, 0, 0, policy.ChinaTime), 0},
		{time.Date(2026, 12, 19, 0, 0, 1, 0, policy.ChinaTime), 1},
	} {
		at := c.at
		svc := referrals.NewWith(f, func() time.Time { return at }, nil, policy.Calendar{})
		p, err := svc.List(as(eduBureau), nil, referrals.ReferralFilter{Overdue: true}, storePage())
		if err != nil || len(p.Items) != c.overdue {
			t.Fatalf("at %v: %d overdue, want %d (%v)", at, len(p.Items), c.overdue, err)
		}
		cs, err := svc.Counts(as(officer), nil)
		if err != nil || len(cs) != 1 || cs[0].Overdue != c.overdue || cs[0].Open != 1 {
			t.Fatalf("at %v: counts %+v (%v)", at, cs, err)
		}
	}
}

// acceptedBy prepares a referral accepted by p.
func acceptedBy(p auth.Principal) func(*referrals.Service, *fake, string) {
	return func(svc *referrals.Service, _ *fake, id string) {
		if _, err := svc.Accept(as(p), id, nil); err != nil {
			panic(err)
		}
	}
}

// rejectedBy prepares an application that subject rejected before it was reopened on
// appeal.
func rejectedBy(subject string) func(*referrals.Service, *fake, string) {
	return func(_ *referrals.Service, f *fake, id string) {
		f.rejecters[f.referrals[id].GrantID] = []string{subject}
	}
}

func accept(svc *referrals.Service, ctx context.Context, id string) (*models.Referral, error) {
	return svc.Accept(ctx, id, nil)
}

func decide(in models.ReferralDecisionInput) func(*referrals.Service, context.Context, string) (*models.Referral, error) {
	return func(svc *referrals.Service, ctx context.Context, id string) (*models.Referral, error) {
		return svc.Decide(ctx, id, in, nil)
	}
}

func giveBack(reason string) func(*referrals.Service, context.Context, string) (*models.Referral, error) {
	return func(svc *referrals.Service, ctx context.Context, id string) (*models.Referral, error) {
		return svc.Return(ctx, id, reason, nil)
	}
}

func ptr[T any](v T) *T { return &v }
