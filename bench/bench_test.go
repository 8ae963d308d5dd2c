package bench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/bench"
	"jiuzhu/store/storetest"
)

// TestHarnessRunsOnASmallDataset loads a small dataset into a PostgreSQL schema of its
// own and runs every phase briefly with an in-process server: the dataset loads, the
// GraphQL county list equals the hand-written SQL's, and no request fails. A second run
// reuses the dataset.
func TestHarnessRunsOnASmallDataset(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	for _, want := range []string{"dataset: 400 households", "dataset: reusing 400 households"} {
		var out strings.Builder
		err := bench.Run(context.Background(), bench.Options{
			DatabaseURL: url, Households: 400, Clients: 2,
			Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond, Out: &out,
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		s := out.String()
		for _, part := range []string{want, "return the same", "| countyList |", "| sqlCountyList |", "| oneStatementCountyList |", "| householdById |", "GraphQL / hand-written SQL", "of the ceiling"} {
			if !strings.Contains(s, part) {
				t.Errorf("output lacks %q:\n%s", part, s)
			}
		}
	}
}
