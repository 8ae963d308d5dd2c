package store_test

import (
	"slices"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestRuleMutationsAreAudited checks that each mutation of the policy rules, and the
// grace job, appends its audit record, and that a refused one appends none.
func TestRuleMutationsAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		year := 2025 // the year the grant below starts
		if _, err := staffingCases(st).SetDibaoStandard(storetest.As(models.RoleOfficer, countyA), countyA, year, 90000, 65000); err == nil {
			t.Fatal("an officer set a standard")
		}
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, year, 90000, 65000); err != nil {
			t.Fatal(err)
		}
		h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: "371402002215", Address: "审计路1号", PovertyRegistered: true,
			Members: []*models.MemberInput{{Name: "张三", IDNumber: person(1970, true), Relation: models.RelationHead}}})
		if err != nil {
			t.Fatal(err)
		}
		g, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h.ID, ProgramCode: "RURAL_DIBAO",
			StartDate: models.NewDate(2025, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2025, 8, 31),
			Members: []*models.VerifiedMemberInput{{MemberID: &ms[0].ID, MonthlyIncome: 65001}}}
		if _, err := verificationCases(st).RecordVerification(storetest.As(models.RoleAuditor, countyA), h.ID, in); err == nil {
			t.Fatal("an auditor recorded a verification")
		}
		if _, err := verificationCases(st).RecordVerification(storetest.As(models.RoleAssistant, "371402002215"), h.ID, in); err != nil {
			t.Fatal(err)
		}
		gr, err := grantCases(st).Grant(admin(), g.ID)
		if err != nil || gr.Status != models.GrantGrace || gr.GraceUntil == nil || gr.GraceUntil.String() != "2025-11-30" {
			t.Fatalf("31 August + 3 months: %+v %v", gr, err)
		}
		if n, err := st.Verifications().ExpireGrace(t.Context(), models.NewDate(2025, 12, 1), graceOver(models.NewDate(2025, 12, 1))); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		ops, err := store.AuditOps(st)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"setDibaoStandard", "recordVerification", "expireGrace"}
		var got []string
		for _, op := range ops {
			if slices.Contains(want, op) {
				got = append(got, op)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit trail %v, want %v", got, want)
		}
	})
}

// TestDemoRulesAndRefreshIdempotent seeds the demo's standards and verifications and
// checks that a second refresh, as the daily job runs it, changes nothing.
func TestDemoRulesAndRefreshIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Now()
		ds := seed.Generate(st.Tree(), 300, now)
		if err := st.Setup().SeedUnscoped(t.Context(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			t.Fatal(err)
		}
		standards := seed.Standards(st.Tree(), now)
		for _, s := range standards {
			line, _ := policy.DefaultConfig().PovertyLine(s.Year)
			if s.Rural <= line || s.Urban <= s.Rural {
				t.Errorf("demo standard %s %d: urban %s rural %s, line %s", s.AreaCode, s.Year, s.Urban, s.Rural, line)
			}
		}
		vs, lines := seed.Verifications(ds, now)
		if err := st.Setup().SeedRulesUnscoped(t.Context(), standards, vs, lines); err != nil {
			t.Fatal(err)
		}
		if n, err := st.Derived().RefreshAllUnscoped(t.Context()); err != nil || n != 0 {
			t.Errorf("second refresh changed %d households: %v", n, err)
		}
		page, err := useCases(st).Households(admin(), store.HouseholdQuery{Filter: &models.HouseholdFilter{LowIncome: ptr(true)}})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := page.Count(); n == 0 {
			t.Error("the demo has no low-income household")
		}
		d, err := applicationCases(st).Discoveries(admin(), store.DiscoveryQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Items) == 0 {
			t.Error("the demo has no discovery")
		}
		for i := 1; i < len(d.Items); i++ {
			if d.Items[i].Household.Need > d.Items[i-1].Household.Need {
				t.Errorf("discoveries out of order at %d", i)
			}
		}
	})
}

// graceOver is P13's rule as casework/verifications hands it to ExpireGrace on today.
func graceOver(today models.Date) func(until models.Date) bool {
	return func(until models.Date) bool { return policy.GraceOver(until, today) }
}
