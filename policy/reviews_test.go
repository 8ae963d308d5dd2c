package policy_test

import (
	"testing"

	"jiuzhu/models"
	"jiuzhu/policy"
)

func TestReviewDueAndAnchorBy(t *testing.T) {
	cases := []struct {
		anchor models.Date
		months int
		due    models.Date
	}{
		{models.NewDate(2026, 1, 1), 12, models.NewDate(2027, 1, 1)},
		{models.NewDate(2026, 1, 1), 6, models.NewDate(2026, 7, 1)},
		{models.NewDate(2026, 8, 31), 6, models.NewDate(2027, 2, 28)},
		{models.NewDate(2027, 8, 31), 6, models.NewDate(2028, 2, 29)},
		{models.NewDate(2026, 3, 31), 1, models.NewDate(2026, 4, 30)},
	}
	for _, c := range cases {
		due := policy.ReviewDue(c.anchor, c.months)
		if due != c.due {
			t.Errorf("ReviewDue(%s, %d) = %s, want %s", c.anchor, c.months, due, c.due)
		}
		// On its due day the anchor is selected; the day before, ReviewDue says not yet.
		if by := policy.ReviewAnchorBy(due, c.months); by.Before(c.anchor.Time) {
			t.Errorf("on %s the anchor bound %s excludes %s", due, by, c.anchor)
		}
	}
}

func TestParseReviewSchedule(t *testing.T) {
	s, err := policy.ParseReviewSchedule("RURAL_DIBAO=12/3, DISABILITY_CARE=24,TEKUN_DISPERSED=0")
	if err != nil {
		t.Fatal(err)
	}
	if s["RURAL_DIBAO"] != (policy.ReviewInterval{Months: 12, ChangingMonths: 3}) || s["DISABILITY_CARE"] != (policy.ReviewInterval{Months: 24, ChangingMonths: 24}) {
		t.Fatalf("schedule %+v", s)
	}
	if _, ok := s["TEKUN_DISPERSED"]; ok {
		t.Fatal("TEKUN_DISPERSED=0 still reviewed")
	}
	if d := policy.DefaultReviewSchedule(); d["URBAN_DIBAO"] != (policy.ReviewInterval{Months: 12, ChangingMonths: 6}) || d["MEDICAL_INPATIENT"] != (policy.ReviewInterval{}) {
		t.Fatalf("defaults %+v", d)
	}
	for _, bad := range []string{"NOPE=12", "RURAL_DIBAO", "RURAL_DIBAO=61", "RURAL_DIBAO=12/x"} {
		if _, err := policy.ParseReviewSchedule(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
