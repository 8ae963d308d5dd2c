package store_test

import (
	"context"
	"errors"
	"jiuzhu/casework/categoryviews"
	"slices"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDerivedValuesFollowTheIntegratorsCategories checks, for integrators, the values
// derived from grants (P14, P17): care reasons without RURAL_DIBAO unless the integrator
// sees DIBAO, household care eligibility and the careEligible filter by the reasons it
// sees, lowIncome and lowIncomeHouseholds null (and the lowIncome filter FORBIDDEN)
// unless it sees DIBAO and TEKUN.
func TestDerivedValuesFollowTheIntegratorsCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var village string
		for _, v := range st.Tree().Within(countyA, models.LevelVillage) {
			if !v.Urban {
				village = v.Code
				break
			}
		}
		// Two registered poor households on rural dibao; in the second a child is severely
		// disabled, a care reason that depends on no grant.
		register := func(disabled bool) *models.Household {
			t.Helper()
			child := &models.MemberInput{Name: "孩子", IDNumber: person(2012, false), Relation: models.RelationChild}
			if disabled {
				child.DisabilityLevel = ptr(1)
			}
			h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: village, Address: "农村路1号", PovertyRegistered: true,
				Members: []*models.MemberInput{{Name: "户主", IDNumber: person(1975, true), Relation: models.RelationHead}, child}})
			if err != nil {
				t.Fatal(err)
			}
			standard(t, st, village[:6]+"000000", 2026)
			if _, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h.ID, ProgramCode: "RURAL_DIBAO",
				StartDate: models.NewDate(2026, 1, 1)}); err != nil {
				t.Fatal(err)
			}
			return h
		}
		dibaoOnly, disabled := register(false), register(true)

		medical := storetest.As(models.RoleIntegrator, countyA, "MEDICAL")
		dibao := storetest.As(models.RoleIntegrator, countyA, "DIBAO")
		both := storetest.As(models.RoleIntegrator, countyA, "DIBAO", "TEKUN")
		reasons := func(ctx context.Context, h *models.Household) map[string][]models.CareReason {
			t.Helper()
			ms, err := useCases(st).MembersOf(admin(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string][]models.CareReason{}
			for _, m := range ms {
				if out[string(m.Relation)], err = categoryviews.New(st).CareReasonsOf(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		eligible := func(ctx context.Context, h *models.Household) bool {
			t.Helper()
			h, err := useCases(st).Household(admin(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			ok, err := categoryviews.New(st).HouseholdCareEligible(ctx, h, func() ([]*models.Member, error) { return useCases(st).MembersOf(ctx, h.ID) })
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		filtered := func(ctx context.Context, want bool) []string {
			t.Helper()
			page, err := useCases(st).Households(ctx, store.HouseholdQuery{Filter: &models.HouseholdFilter{CareEligible: &want}, PageArgs: store.PageArgs{First: ptr(100)}})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range page.Items {
				ids = append(ids, h.ID)
			}
			return ids
		}
		if r := reasons(medical, dibaoOnly); len(r["HEAD"]) != 0 || len(r["CHILD"]) != 0 {
			t.Errorf("MEDICAL integrator reads care reasons %v", r)
		}
		if r := reasons(medical, disabled); len(r["HEAD"]) != 0 || !slices.Equal(r["CHILD"], []models.CareReason{models.CareSevereDisability}) {
			t.Errorf("MEDICAL integrator reads care reasons %v", r)
		}
		for _, ctx := range []context.Context{dibao, admin()} {
			if r := reasons(ctx, disabled); !slices.Equal(r["CHILD"], []models.CareReason{models.CareRuralDibao, models.CareSevereDisability}) {
				t.Errorf("care reasons %v, want RURAL_DIBAO and SEVERE_DISABILITY", r)
			}
		}
		if eligible(medical, dibaoOnly) || !eligible(medical, disabled) || !eligible(dibao, dibaoOnly) || !eligible(admin(), dibaoOnly) {
			t.Errorf("household care eligibility: MEDICAL %v %v, DIBAO %v", eligible(medical, dibaoOnly), eligible(medical, disabled), eligible(dibao, dibaoOnly))
		}
		yes, no := filtered(medical, true), filtered(medical, false)
		if !slices.Contains(yes, disabled.ID) || slices.Contains(yes, dibaoOnly.ID) || !slices.Contains(no, dibaoOnly.ID) || slices.Contains(no, disabled.ID) {
			t.Errorf("MEDICAL integrator's careEligible filter: true %v, false %v", yes, no)
		}
		if yes := filtered(dibao, true); !slices.Contains(yes, disabled.ID) || !slices.Contains(yes, dibaoOnly.ID) {
			t.Errorf("DIBAO integrator's careEligible filter: %v", yes)
		}

		// lowIncome depends on dibao and 特困 grants.
		for _, tt := range []struct {
			name  string
			ctx   context.Context
			reads bool
		}{{"MEDICAL", medical, false}, {"DIBAO", dibao, false}, {"DIBAO and TEKUN", both, true}, {"admin", admin(), true}} {
			v, err := categoryviews.New(st).LowIncomeOf(tt.ctx, dibaoOnly)
			if err != nil || (v != nil) != tt.reads {
				t.Errorf("%s: lowIncome %v, %v", tt.name, v, err)
			}
			stats, err := reportCases(st).AreaStats(tt.ctx, nil)
			if err != nil || (stats.LowIncomeHouseholds != nil) != tt.reads {
				t.Errorf("%s: lowIncomeHouseholds %v, %v", tt.name, stats.LowIncomeHouseholds, err)
			}
			_, err = useCases(st).Households(tt.ctx, store.HouseholdQuery{Filter: &models.HouseholdFilter{LowIncome: ptr(true)}})
			if tt.reads != (err == nil) || (!tt.reads && !errors.Is(err, models.ErrForbidden)) {
				t.Errorf("%s: lowIncome filter: %v", tt.name, err)
			}
		}
	})
}
