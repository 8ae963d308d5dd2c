package catalogue

import (
	"slices"
	"testing"
)

func TestRecurringPrograms(t *testing.T) {
	tests := []struct {
		program string
		want    bool
	}{
		{ProgramUrbanDibao, true},
		{ProgramRuralDibao, true},
		{"TEKUN_DISPERSED", true},
		{"DISABILITY_CARE", true},
		{"CHILD_ORPHAN", true},
		{"MEDICAL_INPATIENT", false},
		{"TEMPORARY_RELIEF", false},
		{"EDU_COLLEGE", false},
		{"NO_SUCH_PROGRAM", false},
	}
	for _, tt := range tests {
		if got := IsRecurring(tt.program); got != tt.want {
			t.Errorf("IsRecurring(%s) = %v, want %v", tt.program, got, tt.want)
		}
	}
	rec := Recurring()
	if len(rec)+len(oneOff) != len(Programs()) {
		t.Errorf("%d recurring and %d one-off programs, want %d in all", len(rec), len(oneOff), len(Programs()))
	}
	codes := map[string]bool{}
	for _, p := range Programs() {
		codes[p.Code] = true
	}
	for _, p := range oneOff {
		if !codes[p] {
			t.Errorf("one-off program %s is not in the catalogue", p)
		}
		if slices.Contains(rec, p) {
			t.Errorf("%s is both one-off and recurring", p)
		}
	}
}
