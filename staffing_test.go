package main

import (
	"path/filepath"
	"testing"
)

// TestFirstRunSeedsStaffing checks that the first-run demo also loads the township
// populations (about 5.6 million in all) and a staff registry that leaves some townships
// short, as the city admin's staffing report shows.
func TestFirstRunSeedsStaffing(t *testing.T) {
	base, out, stop := startDemo(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	toks := tokens(out.String())
	if len(toks) == 0 {
		t.Fatalf("no tokens:\n%s", out.String())
	}
	d := query(t, base, toks[0], `{ staffingReport { total { townships townshipsCompliant townshipsWithUnknownPopulation population shortfall } } }`)
	total := d["staffingReport"].(map[string]any)["total"].(map[string]any)
	pop, _ := total["population"].(float64)
	if total["townships"].(float64) != 135 || total["townshipsWithUnknownPopulation"].(float64) != 0 ||
		pop < 5_500_000 || pop > 5_700_000 || total["shortfall"].(float64) == 0 ||
		total["townshipsCompliant"].(float64) == 0 {
		t.Errorf("demo staffing totals %v", total)
	}
}

func TestCoordinatorThresholdSetting(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"100", 100, true},
		{" 30 ", 30, true},
		{"1", 1, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"many", 0, false},
	}
	for _, tt := range tests {
		got, err := coordinatorThreshold(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("coordinatorThreshold(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
