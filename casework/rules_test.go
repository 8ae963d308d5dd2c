package casework_test

import (
	"slices"
	"testing"
	"time"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// TestRulesAssess: the store's facts reach the policy as the clauses read them: ages of
// the year of today (P9, P14), a receiving dibao or 特困 grant taking a household out of
// low income (P17), a rural dibao grant making its members eligible for care (P14), and
// the standard stored as it was given.
func TestRulesAssess(t *testing.T) {
	today := time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)
	std := models.Yuan(1000)
	worker := store.MemberFacts{BirthDate: models.NewDate(1986, 12, 31), Labour: models.LabourFull}
	// Born on the last day of 1966: 60 in the year of today, elderly for P9 and P14.
	elder := store.MemberFacts{BirthDate: models.NewDate(1966, 12, 31), Labour: models.LabourFull, SelfCareLost: true}
	// Born on the first day of 1967: 59 in the year of today.
	almost := store.MemberFacts{BirthDate: models.NewDate(1967, 1, 1), Labour: models.LabourFull, SelfCareLost: true}
	verified := func(total string, members ...store.MemberFacts) store.HouseholdFacts {
		m, err := models.ParseMoney(total)
		if err != nil {
			t.Fatal(err)
		}
		return store.HouseholdFacts{PovertyRegistered: true, Members: members, Standard: &std,
			Verification: &store.VerificationFacts{TotalIncome: m, Members: len(members)}}
	}
	with := func(f store.HouseholdFacts, grants ...store.GrantFacts) store.HouseholdFacts {
		f.Grants = grants
		return f
	}
	grade := func(g models.Grade) *models.Grade { return &g }
	tests := []struct {
		name      string
		f         store.HouseholdFacts
		lowIncome bool
		grade     *models.Grade
		care      [][]models.CareReason
	}{
		{"P17 low income without a grant", verified("2500.00", worker, worker), true, grade(models.GradeC),
			[][]models.CareReason{{}, {}}},
		{"P17 urban dibao is not low income", with(verified("2500.00", worker, worker), store.GrantFacts{ProgramCode: "URBAN_DIBAO", CategoryCode: "DIBAO"}),
			false, grade(models.GradeC), [][]models.CareReason{{}, {}}},
		{"P17 特困 is not low income", with(verified("2500.00", worker, worker), store.GrantFacts{ProgramCode: "TEKUN_DISPERSED", CategoryCode: "TEKUN"}),
			false, grade(models.GradeC), [][]models.CareReason{{}, {}}},
		{"P14 rural dibao makes members eligible for care", with(verified("2500.00", worker), store.GrantFacts{ProgramCode: "RURAL_DIBAO", CategoryCode: "DIBAO"}),
			false, nil, [][]models.CareReason{{models.CareRuralDibao}}},
		{"P9 P14 sixty in the year of today is elderly", verified("900.00", elder), true, grade(models.GradeA),
			[][]models.CareReason{{models.CareElderlyWithoutSelfCare}}},
		{"P9 P14 fifty-nine in the year of today is not", verified("900.00", almost), true, grade(models.GradeB),
			[][]models.CareReason{{}}},
	}
	rules := casework.Rules(policy.DefaultConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := rules.Assess(tt.f, today)
			d := a.Derived
			if d.LowIncome != tt.lowIncome || (d.Grade == nil) != (tt.grade == nil) || (d.Grade != nil && *d.Grade != *tt.grade) {
				t.Errorf("low income %v grade %v, want %v %v", d.LowIncome, d.Grade, tt.lowIncome, tt.grade)
			}
			if d.StandardAmount == nil || *d.StandardAmount != std {
				t.Errorf("standard %v, want %s", d.StandardAmount, std)
			}
			if len(a.MemberCare) != len(tt.care) {
				t.Fatalf("care of %d members, want %d", len(a.MemberCare), len(tt.care))
			}
			for i := range tt.care {
				if !slices.Equal(a.MemberCare[i], tt.care[i]) {
					t.Errorf("member %d care %v, want %v", i, a.MemberCare[i], tt.care[i])
				}
			}
		})
	}
	// Without a verification nothing is derived from an income.
	a := rules.Assess(store.HouseholdFacts{Members: []store.MemberFacts{worker}, Standard: &std}, today)
	if a.Derived.PerCapitaIncome != nil || a.Derived.Need != models.NeedUnknown || a.Derived.Grade != nil {
		t.Errorf("unverified: %+v", a.Derived)
	}
}
