package seed_test

import (
	"slices"
	"testing"

	"jiuzhu/models"
	"jiuzhu/policy"
)

// TestDemoKeepsOneBenefit checks that the demo data keeps the rules of one benefit where
// the policy allows one (P21): no household holds two dibao grants, a dibao of the wrong
// kind for its village, 特困 and dibao at once, or a monthly program twice over
// overlapping periods.
func TestDemoKeepsOneBenefit(t *testing.T) {
	ds := generated(t, 5000)
	byHousehold := map[string][]policy.HeldGrant{}
	area := map[string]string{}
	held := 0
	for _, g := range ds.Grants {
		if !slices.Contains(policy.Held, g.Status) {
			continue
		}
		held++
		byHousehold[g.HouseholdID] = append(byHousehold[g.HouseholdID], policy.HeldGrant{ID: g.ID, Program: g.ProgramCode,
			MemberID: g.MemberID, Start: g.StartDate, End: g.EndDate})
		area[g.HouseholdID] = g.AreaCode
	}
	if held < 1000 {
		t.Fatalf("only %d held grants: the test needs a real sample", held)
	}
	var vs []models.Violation
	for h, gs := range byHousehold {
		u, ok := tree().Unit(area[h])
		if !ok {
			t.Fatalf("household %s in unknown area %s", h, area[h])
		}
		vs = append(vs, policy.HouseholdViolations(h, area[h], u.Urban, gs)...)
	}
	for i, v := range vs {
		if i < 10 {
			t.Errorf("%s: grant %s (%s)", v.Rule, v.GrantID, v.Detail)
		}
	}
	if len(vs) > 0 {
		t.Errorf("%d violations in %d held grants", len(vs), held)
	}
}
