package policy

import (
	"errors"
	"strings"
	"testing"

	"jiuzhu/models"
)

func held(id, program string, member string, start models.Date, end *models.Date) HeldGrant {
	g := HeldGrant{ID: id, Program: program, Start: start, End: end, Visible: true}
	if member != "" {
		g.MemberID = &member
	}
	return g
}

// TestCollision checks the pairs of P21.
func TestCollision(t *testing.T) {
	jan, jun := models.NewDate(2026, 1, 1), models.NewDate(2026, 6, 1)
	mar := models.NewDate(2026, 3, 31)
	tests := []struct {
		name string
		a, b HeldGrant
		want string
	}{
		{"two urban dibao", held("a", "URBAN_DIBAO", "", jan, nil), held("b", "URBAN_DIBAO", "", jun, nil), RuleOneDibao},
		{"urban and rural dibao", held("a", "URBAN_DIBAO", "", jan, nil), held("b", "RURAL_DIBAO", "", jun, nil), RuleOneDibao},
		{"dibao ended before", held("a", "URBAN_DIBAO", "", jan, &mar), held("b", "URBAN_DIBAO", "", jun, nil), ""},
		{"dibao ends the day the other starts", held("a", "URBAN_DIBAO", "", jan, &jun), held("b", "URBAN_DIBAO", "", jun, nil), RuleOneDibao},
		{"tekun of a member and dibao", held("a", "TEKUN_DISPERSED", "m1", jan, nil), held("b", "RURAL_DIBAO", "", jun, nil), RuleTekunWithDibao},
		{"dibao and tekun", held("a", "RURAL_DIBAO", "", jan, nil), held("b", "TEKUN_CENTRALIZED", "m1", jan, nil), RuleTekunWithDibao},
		{"same program same member", held("a", "DISABILITY_CARE", "m1", jan, nil), held("b", "DISABILITY_CARE", "m1", jun, nil), RuleSameProgram},
		{"same program other member", held("a", "DISABILITY_CARE", "m1", jan, nil), held("b", "DISABILITY_CARE", "m2", jun, nil), ""},
		{"same household program", held("a", "HOUSING_RENT_SUBSIDY", "", jan, nil), held("b", "HOUSING_RENT_SUBSIDY", "", jun, nil), RuleSameProgram},
		{"one-off on different days", held("a", "TEMPORARY_RELIEF", "", jan, nil), held("b", "TEMPORARY_RELIEF", "", jun, nil), ""},
		{"one-off on the same day", held("a", "TEMPORARY_RELIEF", "", jun, nil), held("b", "TEMPORARY_RELIEF", "", jun, nil), ""},
		{"medical claims of one person", held("a", "MEDICAL_INPATIENT", "m1", jun, nil), held("b", "MEDICAL_INPATIENT", "m1", jun, nil), ""},
		{"different programs", held("a", "RURAL_DIBAO", "", jan, nil), held("b", "DISABILITY_CARE", "m1", jan, nil), ""},
		{"two tekun of one person", held("a", "TEKUN_DISPERSED", "m1", jan, nil), held("b", "TEKUN_DISPERSED", "m1", jun, nil), RuleSameProgram},
	}
	for _, tt := range tests {
		if got, rev := Collision(tt.a, tt.b), Collision(tt.b, tt.a); got != tt.want || rev != tt.want {
			t.Errorf("%s: %q / %q, want %q", tt.name, got, rev, tt.want)
		}
	}
}

// TestCheckOneBenefit checks the errors of an approval: the blocking grant is named only
// when the caller sees it, and the wrong kind of dibao is bad input.
func TestCheckOneBenefit(t *testing.T) {
	jan := models.NewDate(2026, 1, 1)
	g := held("new", "URBAN_DIBAO", "", jan, nil)
	block := held("g-blocking-7", "URBAN_DIBAO", "", jan, nil)
	err := CheckOneBenefit(g, true, []HeldGrant{g, block})
	if !errors.Is(err, models.ErrConflict) || !strings.Contains(err.Error(), "g-blocking-7") || !strings.Contains(err.Error(), RuleOneDibao) {
		t.Errorf("visible block: %v", err)
	}
	block.Visible = false
	err = CheckOneBenefit(g, true, []HeldGrant{block})
	if !errors.Is(err, models.ErrConflict) || strings.Contains(err.Error(), "g-blocking-7") {
		t.Errorf("invisible block: %v", err)
	}
	if err := CheckOneBenefit(g, false, nil); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("urban dibao of a rural household: %v", err)
	}
	if err := CheckOneBenefit(g, true, []HeldGrant{held("x", "DISABILITY_CARE", "m", jan, nil)}); err != nil {
		t.Errorf("no collision: %v", err)
	}
}

// TestHouseholdViolations lists each pair once, and the dibao of the wrong kind.
func TestHouseholdViolations(t *testing.T) {
	jan, feb := models.NewDate(2026, 1, 1), models.NewDate(2026, 2, 1)
	gs := []HeldGrant{
		held("b", "URBAN_DIBAO", "", feb, nil),
		held("a", "RURAL_DIBAO", "", jan, nil),
		held("c", "TEKUN_DISPERSED", "m1", feb, nil),
		held("d", "DISABILITY_CARE", "m1", feb, nil),
	}
	vs := HouseholdViolations("h", "371402001001", false, gs)
	got := map[string]bool{}
	for _, v := range vs {
		other := ""
		if v.OtherGrantID != nil {
			other = *v.OtherGrantID
		}
		got[v.Rule+":"+v.GrantID+"/"+other] = true
	}
	want := []string{"DIBAO_KIND:b/", "ONE_DIBAO:b/a", "TEKUN_WITH_DIBAO:c/a", "TEKUN_WITH_DIBAO:c/b"}
	if len(vs) != len(want) {
		t.Errorf("%d violations, want %d: %v", len(vs), len(want), vs)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s in %v", w, vs)
		}
	}
}
