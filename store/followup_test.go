package store_test

import (
	"errors"
	"testing"
	"time"

	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/reviews"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// unserved registers, as the city admin, a registered poor household (建档立卡) of two
// without income and without a grant in village: the discovery list selects it (P7).
func unserved(t *testing.T, st *store.Store, village string, labour models.LabourCapacity) *models.Household {
	t.Helper()
	zero := models.Money(0)
	h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{
		Village: village, Address: "发现路1号", PovertyRegistered: true,
		Members: []*models.MemberInput{
			{Name: "张三", IDNumber: person(1980, true), Relation: models.RelationHead, MonthlyIncome: &zero, LabourCapacity: &labour},
			{Name: "赵四", IDNumber: person(1982, false), Relation: models.RelationSpouse, MonthlyIncome: &zero, LabourCapacity: &labour},
		},
	})
	if err != nil {
		t.Fatalf("create household in %s: %v", village, err)
	}
	return h
}

// expectErr fails unless err matches want (nil for success) and, for a field error, names
// field.
func expectErr(t *testing.T, what string, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	var fe *models.FieldError
	if !errors.Is(err, want) || (field != "" && (!errors.As(err, &fe) || fe.Field != field)) {
		t.Fatalf("%s: want %v on %q, got %v", what, want, field, err)
	}
}

// TestDiscoveryCaseToAnActiveGrant follows one discovered household (P7) as a case
// (P24): opened by its village's assistant, assigned to the township's civil-affairs
// staff, visited, an application made from it, approved, and closed as APPLIED; the
// per-level counts show it found, followed, closed and granted, in the caller's subtree
// only. An unclosed case of another village is flagged stale once, after the days set.
func TestDiscoveryCaseToAnActiveGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		year := time.Now().In(policy.ChinaTime).Year()
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, year, models.Yuan(800), models.Yuan(700)); err != nil {
			t.Fatal(err)
		}
		found := unserved(t, st, villageA1, models.LabourNone)
		other := unserved(t, st, villageA2, models.LabourNone)
		answered, _ := household(t, st, villageA1)
		svc := discoveries.New(st)
		assistant := storetest.As(models.RoleAssistant, villageA1)
		staff := func(post models.StaffPost, area string) string {
			m, err := staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "周" + string(post)[:3], Post: post, Area: area, From: models.NewDate(2020, 1, 1)})
			if err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		township := staff(models.PostCivilAffairsStaff, townshipA1)
		elsewhere := staff(models.PostVillageAssistant, villageA2)

		_, err := svc.OpenCase(assistant, models.DiscoveryCaseInput{HouseholdID: answered.ID})
		expectErr(t, "a household its grant answers", err, models.ErrInvalid, "input.householdId")
		_, err = svc.OpenCase(storetest.As(models.RoleAssistant, villageA2), models.DiscoveryCaseInput{HouseholdID: found.ID})
		expectErr(t, "a household of another village", err, models.ErrNotFound, "")
		_, err = svc.OpenCase(storetest.As(models.RoleIntegrator, countyA, "EDUCATION"), models.DiscoveryCaseInput{HouseholdID: found.ID})
		expectErr(t, "an integrator", err, models.ErrForbidden, "")
		_, err = svc.OpenCase(officer(countyA, "county"), models.DiscoveryCaseInput{HouseholdID: found.ID, AssigneeID: &elsewhere})
		expectErr(t, "an assistant of another village", err, models.ErrInvalid, "input.assigneeId")
		c, err := svc.OpenCase(assistant, models.DiscoveryCaseInput{HouseholdID: found.ID})
		expectErr(t, "open", err, nil, "")
		if c.Status != models.CaseOpen || len(c.Reasons()) == 0 {
			t.Fatalf("opened %+v", c)
		}
		_, err = svc.OpenCase(assistant, models.DiscoveryCaseInput{HouseholdID: found.ID})
		expectErr(t, "a second unclosed case", err, models.ErrConflict, "")
		if _, err := svc.OpenCase(storetest.As(models.RoleOfficer, townshipA2), models.DiscoveryCaseInput{HouseholdID: other.ID}); err != nil {
			t.Fatal(err)
		}

		c, err = svc.AssignCase(officer(townshipA1, "town"), c.ID, township, &c.Version)
		expectErr(t, "assign", err, nil, "")
		_, err = svc.RecordVisit(assistant, c.ID, models.DiscoveryVisitInput{VisitedOn: models.DateOf(time.Now().In(policy.ChinaTime))}, nil)
		expectErr(t, "a visit without notes", err, models.ErrInvalid, "input.note")
		c, err = svc.RecordVisit(assistant, c.ID, models.DiscoveryVisitInput{VisitedOn: models.DateOf(time.Now().In(policy.ChinaTime)), Note: "入户核实：无收入"}, nil)
		expectErr(t, "visit", err, nil, "")
		if c.Status != models.CaseFollowed || c.FollowedAt == nil {
			t.Fatalf("visited %+v", c)
		}
		applied := models.OutcomeApplied
		_, err = svc.CloseCase(assistant, c.ID, models.CloseDiscoveryInput{Outcome: &applied}, nil)
		expectErr(t, "APPLIED without an application", err, models.ErrInvalid, "input.outcome")
		_, err = svc.CloseCase(assistant, c.ID, models.CloseDiscoveryInput{}, nil)
		expectErr(t, "no outcome", err, models.ErrInvalid, "input.outcome")

		g, err := applicationCases(st).SubmitApplication(assistant, models.ApplicationInput{HouseholdID: found.ID, ProgramCode: "URBAN_DIBAO", Channel: models.ChannelProactive, DiscoveryID: &c.ID})
		expectErr(t, "application from the case", err, nil, "")
		if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "reviewer"), g.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ApproveGrant(officer(countyA, "approver"), g.ID, models.ApprovalInput{StartDate: models.DateOf(time.Now().In(policy.ChinaTime))}, nil); err != nil {
			t.Fatal(err)
		}
		c, err = svc.CloseCase(assistant, c.ID, models.CloseDiscoveryInput{Outcome: &applied}, nil)
		expectErr(t, "close", err, nil, "")
		if c.ApplicationID == nil || *c.ApplicationID != g.ID || c.Status != models.CaseClosed {
			t.Fatalf("closed %+v", c)
		}
		visits, err := svc.Visits(assistant, c.ID)
		if err != nil || len(visits) != 1 {
			t.Fatalf("visits %v %v", visits, err)
		}

		township1 := models.LevelTownship
		stats, err := svc.Stats(officer(countyA, "county"), nil, &township1)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]models.DiscoveryCaseStats{
			townshipA1: {AreaCode: townshipA1, Level: township1, Found: 1, Followed: 1, Closed: 1, Granted: 1},
			townshipA2: {AreaCode: townshipA2, Level: township1, Found: 1},
		}
		if len(stats) != len(want) {
			t.Fatalf("stats %+v", stats)
		}
		for _, s := range stats {
			if s != want[s.AreaCode] {
				t.Fatalf("stats of %s: %+v, want %+v", s.AreaCode, s, want[s.AreaCode])
			}
		}
		_, err = svc.Stats(officer(countyB, "b"), ptr(countyA), nil)
		expectErr(t, "stats of a sibling county", err, models.ErrForbidden, "")
		if _, err := svc.Case(officer(countyB, "b"), c.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a case of a sibling county: %v", err)
		}

		later := models.DateOf(time.Now().In(policy.ChinaTime).AddDate(0, 0, 31))
		for i, want := range []int{1, 0} {
			n, err := svc.FlagStale(t.Context(), later)
			if err != nil || n != want {
				t.Fatalf("run %d: flagged %d stale, want %d (%v)", i, n, want, err)
			}
		}
		stale := true
		page, err := svc.Cases(officer(countyA, "county"), store.CaseQuery{Stale: &stale})
		if err != nil || len(page.Items) != 1 || page.Items[0].HouseholdID != other.ID {
			t.Fatalf("stale cases %+v %v", page, err)
		}
		for op, want := range map[string]int64{"openDiscoveryCase": 2, "assignDiscoveryCase": 1, "recordDiscoveryVisit": 1,
			"linkDiscoveryCase": 1, "closeDiscoveryCase": 1, "flagStaleDiscoveryCase": 1} {
			if got := store.AuditCount(st, op); got != want {
				t.Errorf("%d audit events of %s, want %d", got, op, want)
			}
		}
	})
}

// TestReviewsOpenOnceFlagOverdueAndClose runs the re-certification (P24) of two dibao
// grants: the jobs open a review on the day each falls due, once; flag it overdue after
// the grace days, once; an officer of the township closes one with a change of amount
// that lowers it by the rules, and one of the sibling county suspends the other; a
// refused close writes nothing, and every read stays in the caller's subtree.
func TestReviewsOpenOnceFlagOverdueAndClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		year := time.Now().In(policy.ChinaTime).Year()
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, year, models.Yuan(700), models.Yuan(650)); err != nil {
			t.Fatal(err)
		}
		hA, gA := household(t, st, villageA1) // URBAN_DIBAO of 650 yuan from 2026-01-01
		// The household's verified income rises: by the rules it is now owed less.
		ms, err := useCases(st).MembersOf(admin(), hA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := verificationCases(st).RecordVerification(admin(), hA.ID, models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2026, 11, 30),
			Members: []*models.VerifiedMemberInput{{MemberID: &ms[0].ID, MonthlyIncome: models.Yuan(1000)}, {MemberID: &ms[1].ID}}}); err != nil {
			t.Fatal(err)
		}
		_, gB := household(t, st, villageB)
		svc := reviews.New(st, policy.DefaultConfig())
		for _, r := range []struct {
			day  models.Date
			want int
		}{{models.NewDate(2026, 12, 31), 0}, {models.NewDate(2027, 1, 1), 2}, {models.NewDate(2027, 1, 1), 0}, {models.NewDate(2027, 1, 20), 0}} {
			n, err := svc.OpenDue(t.Context(), r.day)
			if err != nil || n != r.want {
				t.Fatalf("%s: opened %d, want %d (%v)", r.day, n, r.want, err)
			}
		}
		townOfficer := officer(townshipA1, "town")
		page, err := svc.Reviews(townOfficer, store.ReviewQuery{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("reviews of the township: %+v %v", page, err)
		}
		rA := page.Items[0]
		if rA.GrantID != gA.ID || rA.Township != townshipA1 || rA.DueOn != models.NewDate(2027, 1, 1) || rA.Status != models.ReviewOpen || rA.AmountBefore != gA.Amount {
			t.Fatalf("review %+v", rA)
		}
		if _, err := svc.Review(officer(countyB, "b"), rA.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a review of a sibling county: %v", err)
		}
		for _, r := range []struct {
			day  models.Date
			want int
		}{{models.NewDate(2027, 1, 31), 0}, {models.NewDate(2027, 2, 1), 2}, {models.NewDate(2027, 2, 1), 0}} {
			n, err := svc.FlagOverdue(t.Context(), r.day)
			if err != nil || n != r.want {
				t.Fatalf("%s: flagged %d, want %d (%v)", r.day, n, r.want, err)
			}
		}
		counts, err := svc.Counts(officer(countyA, "county"), nil)
		if err != nil || counts != (models.ReviewCounts{Due: 0, Overdue: 1}) {
			t.Fatalf("counts %+v %v", counts, err)
		}

		_, err = svc.CloseReview(townOfficer, rA.ID, models.CloseReviewInput{}, nil)
		expectErr(t, "no outcome", err, models.ErrInvalid, "input.outcome")
		changed := models.ReviewAmountChanged
		_, err = svc.CloseReview(storetest.As(models.RoleAssistant, villageA1), rA.ID, models.CloseReviewInput{Outcome: &changed}, nil)
		expectErr(t, "an assistant", err, models.ErrForbidden, "")
		_, err = svc.CloseReview(officer(countyB, "b"), rA.ID, models.CloseReviewInput{Outcome: &changed}, nil)
		expectErr(t, "an officer of a sibling county", err, models.ErrNotFound, "")
		closed, err := svc.CloseReview(townOfficer, rA.ID, models.CloseReviewInput{Outcome: &changed, Note: ptr("家庭人口与收入复核")}, ptr(rA.Version+1))
		expectErr(t, "close with a change of amount", err, nil, "")
		g, err := grantCases(st).Grant(admin(), gA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if closed.AmountAfter == nil || *closed.AmountAfter != g.Amount || g.Amount >= gA.Amount || g.Status != models.GrantActive {
			t.Fatalf("review %+v, grant %+v: want the amount lowered from %s", closed, g, gA.Amount)
		}
		calc, err := grantCases(st).Calculation(admin(), gA.ID)
		if err != nil || calc == nil || calc.Amount != g.Amount {
			t.Fatalf("calculation %+v %v", calc, err)
		}
		_, err = svc.CloseReview(townOfficer, rA.ID, models.CloseReviewInput{Outcome: &changed}, nil)
		expectErr(t, "a closed review", err, models.ErrInvalid, "id")

		page, err = svc.Reviews(officer(countyB, "b"), store.ReviewQuery{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("reviews of county B: %+v %v", page, err)
		}
		rB := page.Items[0]
		suspended := models.ReviewSuspended
		_, err = svc.CloseReview(officer(countyB, "b"), rB.ID, models.CloseReviewInput{Outcome: &suspended}, nil)
		expectErr(t, "a suspension without a reason", err, models.ErrInvalid, "input.note")
		if _, err := svc.CloseReview(officer(countyB, "b"), rB.ID, models.CloseReviewInput{Outcome: &suspended, Note: ptr("外出务工，收入待核")}, nil); err != nil {
			t.Fatal(err)
		}
		if g, err := grantCases(st).Grant(admin(), gB.ID); err != nil || g.Status != models.GrantSuspended {
			t.Fatalf("grant B %+v %v", g, err)
		}
		if n, err := svc.OpenDue(t.Context(), models.NewDate(2027, 2, 1)); err != nil || n != 0 {
			t.Fatalf("after closing: opened %d (%v)", n, err)
		}
		for op, want := range map[string]int64{"openReview": 2, "flagOverdueReview": 2, "closeReview": 2, "recomputeGrant": 1, "suspendGrant": 1} {
			if got := store.AuditCount(st, op); got != want {
				t.Errorf("%d audit events of %s, want %d", got, op, want)
			}
		}
	})
}
