package reviews_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/reviews"
	"jiuzhu/models"
	"jiuzhu/policy"
)

const (
	countyA   = "371402000000"
	townshipA = "371402001000"
	villageA  = "371402001001"
	countyB   = "371403000000"
	villageB  = "371403001001"
)

var now = time.Date(2027, 3, 1, 10, 0, 0, 0, policy.ChinaTime)

func as(role models.Role, area string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area})
}

func ptr[T any](v T) *T { return &v }

// world is a fake with the dibao grants gA (village A, a household expected to change)
// and gB (county B), and a 特困 grant gT of village A, all ACTIVE from 2026-01-01, and
// the service over it.
func world() (*fake, *reviews.Service) {
	f := newFake()
	start := models.NewDate(2026, 1, 1)
	f.grants["gA"] = &models.Grant{ID: "gA", HouseholdID: "hA", AreaCode: villageA, ProgramCode: "URBAN_DIBAO", CategoryCode: "DIBAO", Status: models.GrantActive, Amount: 65000, StartDate: start, Version: 1}
	f.grants["gB"] = &models.Grant{ID: "gB", HouseholdID: "hB", AreaCode: villageB, ProgramCode: "URBAN_DIBAO", CategoryCode: "DIBAO", Status: models.GrantActive, Amount: 65000, StartDate: start, Version: 1}
	f.grants["gT"] = &models.Grant{ID: "gT", HouseholdID: "hT", AreaCode: villageA, ProgramCode: "TEKUN_DISPERSED", CategoryCode: "TEKUN", Status: models.GrantActive, Amount: 90000, StartDate: start, Version: 1}
	f.working["hA"] = true
	f.rule["gA"] = 40000
	n := 0
	ids := func() string { n++; return fmt.Sprintf("r%d", n) }
	return f, reviews.NewWith(f, func() time.Time { return now }, ids)
}

// TestOpenDue: the jobs open a review when a grant falls due by its program's interval
// (six months for a household expected to change, P24), once, due on the anchor plus the
// interval and assigned to the grant's township; a closed review moves the anchor.
func TestOpenDue(t *testing.T) {
	f, svc := world()
	runs := []struct {
		day  models.Date
		want []string // the grants of the reviews opened
	}{
		{models.NewDate(2026, 6, 30), nil},
		{models.NewDate(2026, 7, 1), []string{"gA"}},
		{models.NewDate(2026, 7, 1), nil},
		{models.NewDate(2027, 1, 1), []string{"gB", "gT"}},
		{models.NewDate(2027, 1, 1), nil},
	}
	seen := map[string]bool{}
	for _, r := range runs {
		n, err := svc.OpenDue(context.Background(), r.day)
		if err != nil || n != len(r.want) {
			t.Fatalf("%s: opened %d, want %d (%v)", r.day, n, len(r.want), err)
		}
		var got []string
		for id, v := range f.reviews {
			if !seen[id] {
				seen[id] = true
				got = append(got, v.GrantID)
				months := 12
				if v.GrantID == "gA" {
					months = 6
				}
				if v.DueOn != models.DateOf(time.Date(2026, time.Month(1+months), 1, 0, 0, 0, 0, time.UTC)) || v.Township != v.AreaCode[:9]+"000" || v.Status != models.ReviewOpen || v.OpenKey == nil {
					t.Fatalf("review %+v", v)
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, r.want) {
			t.Fatalf("%s: opened for %v, want %v", r.day, got, r.want)
		}
	}
	// Closing gA's review on 2027-03-01 moves its anchor there: the next is due 2027-09-01.
	var rA string
	for id, v := range f.reviews {
		if v.GrantID == "gA" {
			rA = id
		}
	}
	if _, err := svc.CloseReview(as(models.RoleOfficer, townshipA), rA, models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		day  models.Date
		want int
	}{{models.NewDate(2027, 8, 31), 0}, {models.NewDate(2027, 9, 1), 1}} {
		if n, err := svc.OpenDue(context.Background(), r.day); err != nil || n != r.want {
			t.Fatalf("%s: opened %d, want %d (%v)", r.day, n, r.want, err)
		}
	}
	// A configured schedule: 特困 no longer reviewed, dibao every 3 months for all.
	f2, svc2 := world()
	svc2 = svc2.Configure(policy.ReviewSchedule{"URBAN_DIBAO": {Months: 3, ChangingMonths: 3}}, 10)
	if n, err := svc2.OpenDue(context.Background(), models.NewDate(2026, 4, 1)); err != nil || n != 2 {
		t.Fatalf("configured: opened %d (%v), reviews %v", n, err, f2.reviews)
	}
}

// TestFlagOverdue: an open review is flagged overdue from the day after its grace ends,
// once.
func TestFlagOverdue(t *testing.T) {
	f, svc := world()
	if _, err := svc.OpenDue(context.Background(), models.NewDate(2026, 7, 1)); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		day  models.Date
		want int
	}{{models.NewDate(2026, 7, 31), 0}, {models.NewDate(2026, 8, 1), 1}, {models.NewDate(2026, 8, 1), 0}} {
		if n, err := svc.FlagOverdue(context.Background(), r.day); err != nil || n != r.want {
			t.Fatalf("%s: flagged %d, want %d (%v)", r.day, n, r.want, err)
		}
	}
	if got := f.audits; !slices.Equal(got, []string{"openReview", "flagOverdueReview"}) {
		t.Fatalf("audits %v", got)
	}
	c, err := svc.Counts(as(models.RoleOfficer, countyA), nil)
	if err != nil || c != (models.ReviewCounts{Overdue: 1}) {
		t.Fatalf("counts %+v %v", c, err)
	}
	if c, _ := svc.Counts(as(models.RoleOfficer, countyB), nil); c != (models.ReviewCounts{}) {
		t.Fatalf("county B counts %+v", c)
	}
}

// TestCloseReview: one row per role, tier, scope and outcome, asserting the error, the
// grant's change and what was audited; a refused close writes nothing.
func TestCloseReview(t *testing.T) {
	officerA := as(models.RoleOfficer, townshipA)
	cases := []struct {
		name   string
		ctx    context.Context
		grant  string
		in     models.CloseReviewInput
		want   error
		field  string
		status models.GrantStatus
		amount models.Money
		audits []string
	}{
		{"verified", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, nil, "", models.GrantActive, 65000, []string{"closeReview"}},
		{"a change of amount by the rules", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewAmountChanged)}, nil, "", models.GrantActive, 40000, []string{"recomputeGrant", "closeReview"}},
		{"a change of amount without a standard", officerA, "gT", models.CloseReviewInput{Outcome: ptr(models.ReviewAmountChanged)}, models.ErrInvalid, "id", "", 0, nil},
		{"an assessed need", officerA, "gT", models.CloseReviewInput{Outcome: ptr(models.ReviewAmountChanged), Amount: ptr(models.Money(95000))}, nil, "", models.GrantActive, 95000, []string{"recomputeGrant", "closeReview"}},
		{"an amount with another outcome", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified), Amount: ptr(models.Money(1))}, models.ErrInvalid, "input.amount", "", 0, nil},
		{"suspended", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewSuspended), Note: ptr("外出务工")}, nil, "", models.GrantSuspended, 65000, []string{"suspendGrant", "closeReview"}},
		{"suspended without a reason", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewSuspended)}, models.ErrInvalid, "input.note", "", 0, nil},
		{"terminated by a township officer", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewTerminated), Note: ptr("迁出")}, models.ErrForbidden, "", "", 0, nil},
		{"terminated by a county officer", as(models.RoleOfficer, countyA), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewTerminated), Note: ptr("迁出")}, nil, "", models.GrantTerminated, 65000, []string{"terminateGrant", "closeReview"}},
		{"no outcome", officerA, "gA", models.CloseReviewInput{}, models.ErrInvalid, "input.outcome", "", 0, nil},
		{"an unknown outcome", officerA, "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewOutcome("MAYBE"))}, models.ErrInvalid, "input.outcome", "", 0, nil},
		{"an assistant", as(models.RoleAssistant, villageA), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, models.ErrForbidden, "", "", 0, nil},
		{"a village officer", as(models.RoleOfficer, villageA), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, models.ErrForbidden, "", "", 0, nil},
		{"an auditor", as(models.RoleAuditor, countyA), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, models.ErrForbidden, "", "", 0, nil},
		{"an officer of another county", as(models.RoleOfficer, countyB), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, models.ErrNotFound, "", "", 0, nil},
		{"no caller", context.Background(), "gA", models.CloseReviewInput{Outcome: ptr(models.ReviewVerified)}, models.ErrUnauthenticated, "", "", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			if _, err := svc.OpenDue(context.Background(), models.NewDate(2027, 1, 1)); err != nil {
				t.Fatal(err)
			}
			var id string
			for rid, v := range f.reviews {
				if v.GrantID == c.grant {
					id = rid
				}
			}
			f.audits = nil
			before := *f.grants[c.grant]
			v, err := svc.CloseReview(c.ctx, id, c.in, nil)
			if c.want != nil {
				var fe *models.FieldError
				if !errors.Is(err, c.want) || (c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field)) {
					t.Fatalf("want %v on %q, got %v", c.want, c.field, err)
				}
				if *f.grants[c.grant] != before || f.reviews[id].Status != models.ReviewOpen || len(f.audits) != 0 {
					t.Fatalf("a refused close wrote: grant %+v, review %+v, audits %v", f.grants[c.grant], f.reviews[id], f.audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := f.grants[c.grant]
			if g.Status != c.status || g.Amount != c.amount || v.AmountAfter == nil || *v.AmountAfter != c.amount {
				t.Fatalf("grant %+v, review %+v", g, v)
			}
			if v.Status != models.ReviewClosed || v.OpenKey != nil || v.ClosedOn == nil || *v.Outcome != *c.in.Outcome {
				t.Fatalf("review %+v", v)
			}
			if !slices.Equal(f.audits, c.audits) {
				t.Fatalf("audits %v, want %v", f.audits, c.audits)
			}
			if _, err := svc.CloseReview(c.ctx, id, c.in, nil); !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("closing twice: %v", err)
			}
		})
	}
}
