package categoryviews_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/casework/categoryviews"
	"jiuzhu/models"
	"jiuzhu/store"
)

func as(role models.Role, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role), Role: role, Area: "371402000000", Categories: categories,
	})
}

// TestCategoryViews reads the values derived from grants of a low-income, care-eligible
// household whose elderly member is also on rural dibao, as callers of every kind: the
// store's category views need no database, so the service runs over them.
func TestCategoryViews(t *testing.T) {
	elderly := &models.Member{ID: "m1", CareFlags: string(models.CareRuralDibao) + "," + string(models.CareElderlyWithoutSelfCare)}
	dibaoOnly := &models.Member{ID: "m2", CareFlags: string(models.CareRuralDibao)}
	h := &models.Household{ID: "h"}
	h.LowIncome, h.CareEligible = true, true
	svc := categoryviews.NewWith(store.CategoryViews{})
	tests := []struct {
		name    string
		caller  context.Context
		members []*models.Member
		// lowIncome is nil when the caller may not read it.
		lowIncome *bool
		reasons   []models.CareReason // of the first member
		eligible  bool
		want      error
	}{
		{name: "officer", caller: as(models.RoleOfficer), members: []*models.Member{dibaoOnly}, lowIncome: ptr(true),
			reasons: []models.CareReason{models.CareRuralDibao}, eligible: true},
		{name: "integrator of DIBAO and TEKUN", caller: as(models.RoleIntegrator, "DIBAO", "TEKUN"), members: []*models.Member{elderly},
			lowIncome: ptr(true), reasons: []models.CareReason{models.CareRuralDibao, models.CareElderlyWithoutSelfCare}, eligible: true},
		{name: "integrator of DIBAO only", caller: as(models.RoleIntegrator, "DIBAO"), members: []*models.Member{dibaoOnly},
			reasons: []models.CareReason{models.CareRuralDibao}, eligible: true},
		{name: "integrator of MEDICAL, a reason without grants", caller: as(models.RoleIntegrator, "MEDICAL"), members: []*models.Member{elderly},
			reasons: []models.CareReason{models.CareElderlyWithoutSelfCare}, eligible: true},
		{name: "integrator of MEDICAL, rural dibao the only reason", caller: as(models.RoleIntegrator, "MEDICAL"), members: []*models.Member{dibaoOnly},
			reasons: []models.CareReason{}, eligible: false},
		{name: "no caller", caller: context.Background(), members: []*models.Member{elderly}, want: models.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low, err := svc.LowIncomeOf(tt.caller, h)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("lowIncome: %v, want %v", err, tt.want)
				}
				if _, err := svc.CareReasonsOf(tt.caller, tt.members[0]); !errors.Is(err, tt.want) {
					t.Fatalf("careReasons: %v, want %v", err, tt.want)
				}
				if _, err := svc.HouseholdCareEligible(tt.caller, h, func() ([]*models.Member, error) { return tt.members, nil }); !errors.Is(err, tt.want) {
					t.Fatalf("careEligible: %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil || (low == nil) != (tt.lowIncome == nil) || (low != nil && *low != *tt.lowIncome) {
				t.Fatalf("lowIncome %v %v, want %v", low, err, tt.lowIncome)
			}
			rs, err := svc.CareReasonsOf(tt.caller, tt.members[0])
			if err != nil || !slices.Equal(rs, tt.reasons) && len(rs)+len(tt.reasons) > 0 {
				t.Fatalf("careReasons %v %v, want %v", rs, err, tt.reasons)
			}
			ok, err := svc.HouseholdCareEligible(tt.caller, h, func() ([]*models.Member, error) { return tt.members, nil })
			if err != nil || ok != tt.eligible {
				t.Fatalf("careEligible %v %v, want %v", ok, err, tt.eligible)
			}
		})
	}
	failing := errors.New("members unavailable")
	if _, err := svc.HouseholdCareEligible(as(models.RoleIntegrator, "MEDICAL"), h, func() ([]*models.Member, error) { return nil, failing }); !errors.Is(err, failing) {
		t.Fatalf("a failing read of the members: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
