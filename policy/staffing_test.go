package policy

import "testing"

func intp(v int) *int { return &v }

func TestRequiredCivilAffairsStaff(t *testing.T) {
	tests := []struct {
		clause     string
		population int
		want       int
	}{
		{"P6 empty township", 0, 3},
		{"P6 small township", 12_000, 3},
		{"P6 just under 50,000", 49_999, 3},
		{"P6 at 50,000", 50_000, 5},
		{"P6 just over 50,000", 50_001, 5},
		{"P6 large township", 180_000, 5},
	}
	for _, tt := range tests {
		if got := RequiredCivilAffairsStaff(tt.population); got != tt.want {
			t.Errorf("%s: RequiredCivilAffairsStaff(%d) = %d, want %d", tt.clause, tt.population, got, tt.want)
		}
	}
}

func TestRequiredCoordinators(t *testing.T) {
	tests := []struct {
		clause     string
		recipients int
		threshold  int
		want       int
	}{
		{"P6 no recipients", 0, 100, 1},
		{"P6 one below the threshold", 99, 100, 1},
		{"P6 at the threshold", 100, 100, 2},
		{"P6 above the threshold", 450, 100, 2},
		{"P6 configured threshold, one below", 29, 30, 1},
		{"P6 configured threshold, at it", 30, 30, 2},
		{"P6 unset threshold means the default, one below", DefaultCoordinatorThreshold - 1, 0, 1},
		{"P6 unset threshold means the default, at it", DefaultCoordinatorThreshold, 0, 2},
	}
	for _, tt := range tests {
		if got := RequiredCoordinators(tt.recipients, tt.threshold); got != tt.want {
			t.Errorf("%s: RequiredCoordinators(%d, %d) = %d, want %d", tt.clause, tt.recipients, tt.threshold, got, tt.want)
		}
	}
}

func TestVillageShortfall(t *testing.T) {
	tests := []struct {
		clause          string
		v               VillageStaff
		want            int
		noAssistant     bool
		fewCoordinators bool
	}{
		{"P6 fully staffed small village", VillageStaff{ActiveRecipients: 99, Assistants: 1, Coordinators: 1}, 0, false, false},
		{"P6 at the threshold one coordinator is short", VillageStaff{ActiveRecipients: 100, Assistants: 1, Coordinators: 1}, 1, false, true},
		{"P6 at the threshold with two coordinators", VillageStaff{ActiveRecipients: 100, Assistants: 1, Coordinators: 2}, 0, false, false},
		{"P6 no assistant", VillageStaff{ActiveRecipients: 5, Coordinators: 1}, 1, true, false},
		{"P6 nobody in a large village", VillageStaff{ActiveRecipients: 300}, 3, true, true},
		{"P6 a surplus coordinator does not replace the assistant", VillageStaff{Coordinators: 3}, 1, true, false},
	}
	for _, tt := range tests {
		got, na, fc := VillageShortfall(tt.v, 100)
		if got != tt.want || na != tt.noAssistant || fc != tt.fewCoordinators {
			t.Errorf("%s: VillageShortfall(%+v) = %d, %v, %v; want %d, %v, %v",
				tt.clause, tt.v, got, na, fc, tt.want, tt.noAssistant, tt.fewCoordinators)
		}
	}
}

func TestTownshipShortfall(t *testing.T) {
	tests := []struct {
		clause string
		t      TownshipStaff
		want   int
	}{
		{"P6 small township fully staffed", TownshipStaff{intp(49_999), 3, 3}, 0},
		{"P6 at 50,000 three staff are two short", TownshipStaff{intp(50_000), 3, 3}, 2},
		{"P6 at 50,000 five staff suffice", TownshipStaff{intp(50_000), 5, 3}, 0},
		{"P6 missing social workers", TownshipStaff{intp(20_000), 3, 1}, 2},
		{"P6 unknown population counts only known missing posts", TownshipStaff{nil, 0, 2}, 1},
		{"P6 surplus staff do not make up for social workers", TownshipStaff{intp(10_000), 9, 0}, 3},
	}
	for _, tt := range tests {
		if got := TownshipShortfall(tt.t); got != tt.want {
			t.Errorf("%s: TownshipShortfall = %d, want %d", tt.clause, got, tt.want)
		}
	}
}

func TestTownshipCompliant(t *testing.T) {
	tests := []struct {
		clause    string
		known     bool
		shortfall int
		want      bool
	}{
		{"P6 known and nothing missing", true, 0, true},
		{"P6 known and something missing", true, 1, false},
		{"P6 unknown population is never compliant", false, 0, false},
	}
	for _, tt := range tests {
		if got := TownshipCompliant(tt.known, tt.shortfall); got != tt.want {
			t.Errorf("%s: TownshipCompliant(%v, %d) = %v", tt.clause, tt.known, tt.shortfall, got)
		}
	}
}
