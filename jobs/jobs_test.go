package jobs_test

import (
	"testing"
	"time"

	"jiuzhu/casework/verifications"
	"jiuzhu/idnumber"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDailyEndsGraceOnceP13 runs the daily job around the end of a grace period: it
// terminates the grant from the day after graceUntil, once.
func TestDailyEndsGraceOnceP13(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		admin := storetest.As(models.RoleAdmin, "371400000000")
		if _, err := staffingCases(st).SetDibaoStandard(admin, "371402000000", 2025, 90000, 65000); err != nil {
			t.Fatal(err)
		}
		h, err := useCases(st).CreateHousehold(admin, models.HouseholdInput{Village: "371402002215", Address: "作业路1号", PovertyRegistered: true,
			Members: []*models.MemberInput{{Name: "李四", IDNumber: idnumber.Build("371402", time.Date(1970, 3, 4, 0, 0, 0, 0, time.UTC), 7), Relation: models.RelationHead}}})
		if err != nil {
			t.Fatal(err)
		}
		g, err := grantCases(st).CreateGrant(admin, models.GrantInput{HouseholdID: h.ID, ProgramCode: "RURAL_DIBAO", Amount: 30000, OverrideReason: ptr("评议确定的金额"), StartDate: models.NewDate(2025, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := useCases(st).MembersOf(admin, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifications.New(st, policy.DefaultConfig()).RecordVerification(admin, h.ID, models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2025, 11, 30),
			Members: []*models.VerifiedMemberInput{{MemberID: &ms[0].ID, MonthlyIncome: 80000}}})
		if err != nil {
			t.Fatal(err)
		}
		runs := []struct {
			day    models.Date
			ended  int
			status models.GrantStatus
		}{
			{models.NewDate(2026, 2, 28), 0, models.GrantGrace},
			{models.NewDate(2026, 3, 1), 1, models.GrantTerminated},
			{models.NewDate(2026, 3, 1), 0, models.GrantTerminated},
		}
		for _, r := range runs {
			rep, err := jobs.Daily(t.Context(), st, r.day)
			if err != nil || rep.GraceTerminated != r.ended || rep.HouseholdsRefreshed != 0 {
				t.Fatalf("%s: %+v %v", r.day, rep, err)
			}
			got, err := grantCases(st).Grant(admin, g.ID)
			if err != nil || got.Status != r.status {
				t.Fatalf("%s: %v %v", r.day, got.Status, err)
			}
		}
	})
}

// TestDailyOpensReviewsOnceP24 runs the daily job around the day a dibao grant falls due
// for re-certification (P24): the review opens that day, once, and is flagged overdue
// once after the grace days.
func TestDailyOpensReviewsOnceP24(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		admin := storetest.As(models.RoleAdmin, "371400000000")
		if _, err := staffingCases(st).SetDibaoStandard(admin, "371402000000", 2025, 90000, 65000); err != nil {
			t.Fatal(err)
		}
		h, err := useCases(st).CreateHousehold(admin, models.HouseholdInput{Village: "371402002215", Address: "复核路1号",
			Members: []*models.MemberInput{{Name: "王五", IDNumber: idnumber.Build("371402", time.Date(1950, 3, 4, 0, 0, 0, 0, time.UTC), 9), Relation: models.RelationHead}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).CreateGrant(admin, models.GrantInput{HouseholdID: h.ID, ProgramCode: "RURAL_DIBAO", Amount: 30000, OverrideReason: ptr("评议确定的金额"), StartDate: models.NewDate(2025, 1, 1)}); err != nil {
			t.Fatal(err)
		}
		opts := jobs.DefaultOptions()
		opts.ReviewGraceDays = 10
		runs := []struct {
			day             models.Date
			opened, overdue int
		}{
			{models.NewDate(2025, 12, 31), 0, 0},
			{models.NewDate(2026, 1, 1), 1, 0},
			{models.NewDate(2026, 1, 1), 0, 0},
			{models.NewDate(2026, 1, 12), 0, 1},
			{models.NewDate(2026, 1, 12), 0, 0},
		}
		for _, r := range runs {
			rep, err := jobs.DailyWith(t.Context(), st, r.day, opts)
			if err != nil || rep.ReviewsOpened != r.opened || rep.ReviewsOverdue != r.overdue {
				t.Fatalf("%s: %+v %v", r.day, rep, err)
			}
		}
	})
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
