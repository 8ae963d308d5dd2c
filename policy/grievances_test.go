package policy

import (
	"errors"
	"testing"
	"time"

	"jiuzhu/models"
)

func TestGrievanceOffice(t *testing.T) {
	tests := []struct {
		clause            string
		appeal            bool
		record, decidedAt string
		want              string
	}{
		{"P25 an appeal of a township's rejection goes to the county", true, "371402001001", "371402001000", "371402000000"},
		{"P25 an appeal of a county's rejection goes to the city", true, "371402001001", "371402000000", "371400000000"},
		{"P25 an appeal of the city's rejection stays with the city", true, "371402001001", "371400000000", "371400000000"},
		{"P25 an appeal of a village's rejection goes to the township", true, "371402001001", "371402001001", "371402001000"},
		{"P25 a complaint goes to the record's township", false, "371402001001", "371402001000", "371402001000"},
		{"P25 a complaint of a township's record stays there", false, "371402001000", "", "371402001000"},
		{"P25 a complaint of a county's record stays with the county", false, "371402000000", "", "371402000000"},
		{"P25 an appeal without a known decider goes to the township", true, "371402001001", "", "371402001000"},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := GrievanceOffice(tt.appeal, tt.record, tt.decidedAt); got != tt.want {
				t.Fatalf("GrievanceOffice(%v, %s, %s) = %s, want %s", tt.appeal, tt.record, tt.decidedAt, got, tt.want)
			}
		})
	}
}

func TestReopenStatusAndSeparation(t *testing.T) {
	tests := []struct {
		clause       string
		status, from models.GrantStatus
		want         models.GrantStatus
		ok           bool
	}{
		{"P25 a township's rejection reopens the review", models.GrantRejected, models.GrantPending, models.GrantPending, true},
		{"P25 a county's rejection reopens the approval", models.GrantRejected, models.GrantReviewed, models.GrantReviewed, true},
		{"P25 a grant no longer rejected is not reopened", models.GrantPending, models.GrantPending, "", false},
		{"P25 an unknown origin is not reopened", models.GrantRejected, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			got, ok := ReopenStatus(tt.status, tt.from)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ReopenStatus(%s, %s) = %s %v, want %s %v", tt.status, tt.from, got, ok, tt.want, tt.ok)
			}
		})
	}
	if err := CheckAppealSeparation([]string{"a", "b"}, "b"); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("the rejecting officer decides again: %v", err)
	}
	if err := CheckAppealSeparation([]string{"a"}, "c"); err != nil {
		t.Errorf("another officer: %v", err)
	}
	if !IsAppeal(models.GrievanceEligibility, models.GrantRejected, true) || IsAppeal(models.GrievanceAmount, models.GrantRejected, true) ||
		IsAppeal(models.GrievanceEligibility, models.GrantActive, true) || IsAppeal(models.GrievanceEligibility, models.GrantRejected, false) {
		t.Error("IsAppeal is wrong")
	}
}

func TestGrievanceDaysFromEnv(t *testing.T) {
	opened := time.Date(2026, 3, 13, 10, 0, 0, 0, ChinaTime) // a Friday
	tests := []struct {
		name, env, holidays string
		category            models.GrievanceCategory
		wantDue             string
		wantErr             bool
	}{
		{"the default of delay", "", "", models.GrievanceDelay, "2026-03-20", false},
		{"the default of staff conduct", "", "", models.GrievanceStaffConduct, "2026-03-27", false},
		{"configured", "DELAY=2", "", models.GrievanceDelay, "2026-03-17", false},
		{"a holiday pushes it on", "DELAY=2", "2026-03-16", models.GrievanceDelay, "2026-03-18", false},
		{"other categories keep their defaults", "DELAY=2", "", models.GrievanceAmount, "2026-04-03", false},
		{"an unknown category", "MOOD=3", "", "", "", true},
		{"zero days", "DELAY=0", "", "", "", true},
		{"not a pair", "DELAY", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(func(k string) string {
				return map[string]string{EnvGrievanceDays: tt.env, EnvHolidays: tt.holidays}[k]
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			due := c.GrievanceDue(tt.category, opened)
			if got := due.Format(time.DateOnly); got != tt.wantDue || due.Hour() != 23 {
				t.Fatalf("due %s, want the end of %s", due, tt.wantDue)
			}
		})
	}
}
