package policy

import (
	"errors"
	"testing"

	"jiuzhu/models"
)

func TestRequiredLevel(t *testing.T) {
	tests := []struct {
		clause   string
		from, to models.GrantStatus
		want     models.Level
	}{
		{"P5 township reviews at the one door", models.GrantPending, models.GrantReviewed, models.LevelTownship},
		{"P5 township rejects a fresh application", models.GrantPending, models.GrantRejected, models.LevelTownship},
		{"P8 county approves", models.GrantReviewed, models.GrantActive, models.LevelCounty},
		{"P8 county rejects a reviewed application", models.GrantReviewed, models.GrantRejected, models.LevelCounty},
		{"township suspends", models.GrantActive, models.GrantSuspended, models.LevelTownship},
		{"township resumes", models.GrantSuspended, models.GrantActive, models.LevelTownship},
		{"county terminates", models.GrantActive, models.GrantTerminated, models.LevelCounty},
		{"county terminates a suspended grant", models.GrantSuspended, models.GrantTerminated, models.LevelCounty},
		{"P13 grace is a county decision", models.GrantActive, models.GrantGrace, models.LevelCounty},
		{"illegal move has no tier", models.GrantPending, models.GrantActive, ""},
		{"final status has no tier", models.GrantTerminated, models.GrantActive, ""},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := RequiredLevel(tt.from, tt.to); got != tt.want {
				t.Fatalf("RequiredLevel(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestAtLevel(t *testing.T) {
	tests := []struct {
		clause          string
		level, required models.Level
		want            bool
	}{
		{"P5 city reaches county work", models.LevelCity, models.LevelCounty, true},
		{"P5 county reaches county work", models.LevelCounty, models.LevelCounty, true},
		{"P5 township does not reach county work", models.LevelTownship, models.LevelCounty, false},
		{"P5 township reaches township work", models.LevelTownship, models.LevelTownship, true},
		{"P5 county reaches township work", models.LevelCounty, models.LevelTownship, true},
		{"P5 village does not reach township work", models.LevelVillage, models.LevelTownship, false},
		{"unknown level reaches nothing", "", models.LevelVillage, false},
		{"nothing is required of an unknown tier", models.LevelCity, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := AtLevel(tt.level, tt.required); got != tt.want {
				t.Fatalf("AtLevel(%s, %s) = %v, want %v", tt.level, tt.required, got, tt.want)
			}
		})
	}
}

func TestCheckSeparation(t *testing.T) {
	tests := []struct {
		clause             string
		reviewer, approver string
		forbidden          bool
	}{
		{"P8 reviewer cannot approve", "officer-a", "officer-a", true},
		{"P8 another officer approves", "officer-a", "officer-b", false},
		{"P8 nobody reviewed", "", "officer-b", false},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			err := CheckSeparation(tt.reviewer, tt.approver)
			if errors.Is(err, models.ErrForbidden) != tt.forbidden {
				t.Fatalf("CheckSeparation(%q, %q) = %v", tt.reviewer, tt.approver, err)
			}
		})
	}
}

func TestApplicationReference(t *testing.T) {
	tests := []struct {
		clause  string
		county  string
		year, n int
		want    string
	}{
		{"P11 first of the year", "371402", 2026, 1, "JZ-371402-2026-000001"},
		{"P11 padded", "371402", 2026, 123, "JZ-371402-2026-000123"},
		{"P11 another county", "371403", 2026, 1, "JZ-371403-2026-000001"},
		{"P11 six digits", "371482", 2027, 999999, "JZ-371482-2027-999999"},
		{"P11 grows past a million", "371482", 2027, 1000000, "JZ-371482-2027-1000000"},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := ApplicationReference(tt.county, tt.year, tt.n); got != tt.want {
				t.Fatalf("ApplicationReference(%s, %d, %d) = %q, want %q", tt.county, tt.year, tt.n, got, tt.want)
			}
		})
	}
}
