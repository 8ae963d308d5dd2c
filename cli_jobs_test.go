package main

import (
	"testing"

	"jiuzhu/policy"
)

// TestJobOptions reads the settings of dynamic management (P24) from the environment:
// defaults when unset, the values given, and an error naming the variable otherwise.
func TestJobOptions(t *testing.T) {
	cases := []struct {
		name      string
		env       map[string]string
		grace     int
		stale     int
		rural     policy.ReviewInterval
		wantError string
	}{
		{"defaults", nil, policy.DefaultReviewGraceDays, policy.DefaultStaleDiscoveryDays, policy.ReviewInterval{Months: 12, ChangingMonths: 6}, ""},
		{"set", map[string]string{"REVIEW_GRACE_DAYS": "15", "DISCOVERY_STALE_DAYS": "60", "REVIEW_INTERVALS": "RURAL_DIBAO=12/3"}, 15, 60, policy.ReviewInterval{Months: 12, ChangingMonths: 3}, ""},
		{"a bad grace", map[string]string{"REVIEW_GRACE_DAYS": "-1"}, 0, 0, policy.ReviewInterval{}, "REVIEW_GRACE_DAYS"},
		{"bad stale days", map[string]string{"DISCOVERY_STALE_DAYS": "x"}, 0, 0, policy.ReviewInterval{}, "DISCOVERY_STALE_DAYS"},
		{"a bad interval", map[string]string{"REVIEW_INTERVALS": "NOPE=3"}, 0, 0, policy.ReviewInterval{}, "REVIEW_INTERVALS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := jobOptions(func(k string) string { return c.env[k] })
			if c.wantError != "" {
				if err == nil || len(err.Error()) < len(c.wantError) || err.Error()[:len(c.wantError)] != c.wantError {
					t.Fatalf("want an error naming %s, got %v", c.wantError, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.ReviewGraceDays != c.grace || o.StaleDiscoveryDays != c.stale || o.Schedule["RURAL_DIBAO"] != c.rural {
				t.Fatalf("options %+v", o)
			}
		})
	}
}
