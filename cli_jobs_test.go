package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
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

// TestStatusAlertOptions reads the thresholds of the status page's alerts (P25) from the
// environment: the defaults when unset, the values given, 0 to turn one off, and an
// error naming the variable of a bad value.
func TestStatusAlertOptions(t *testing.T) {
	def := jobs.DefaultStatusAlertRules()
	cases := []struct {
		name      string
		env       map[string]string
		want      store.StatusAlertRules
		wantError string
	}{
		{"defaults", nil, store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 20, AddressReferences: 5, ReferenceAddresses: 3}, ""},
		{"set", map[string]string{"STATUS_ALERT_WINDOW": "6h", "STATUS_ALERT_ADDRESS_FAILED": "50", "STATUS_ALERT_ADDRESS_REFERENCES": "0", "STATUS_ALERT_REFERENCE_ADDRESSES": " 4 "},
			store.StatusAlertRules{Window: 6 * time.Hour, AddressFailed: 50, AddressReferences: 0, ReferenceAddresses: 4}, ""},
		{"a window too short", map[string]string{"STATUS_ALERT_WINDOW": "30m"}, def, "STATUS_ALERT_WINDOW"},
		{"a window too long", map[string]string{"STATUS_ALERT_WINDOW": "745h"}, def, "STATUS_ALERT_WINDOW"},
		{"a window that is no duration", map[string]string{"STATUS_ALERT_WINDOW": "a day"}, def, "STATUS_ALERT_WINDOW"},
		{"a negative count", map[string]string{"STATUS_ALERT_ADDRESS_FAILED": "-1"}, def, "STATUS_ALERT_ADDRESS_FAILED"},
		{"a count that is no number", map[string]string{"STATUS_ALERT_ADDRESS_REFERENCES": "five"}, def, "STATUS_ALERT_ADDRESS_REFERENCES"},
		{"a count too large", map[string]string{"STATUS_ALERT_REFERENCE_ADDRESSES": "100001"}, def, "STATUS_ALERT_REFERENCE_ADDRESSES"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := jobOptions(func(k string) string { return c.env[k] })
			if c.wantError != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.wantError+":") {
					t.Fatalf("want an error naming %s, got %v", c.wantError, err)
				}
				return
			}
			if err != nil || o.StatusAlerts != c.want {
				t.Fatalf("rules %+v %v, want %+v", o.StatusAlerts, err, c.want)
			}
		})
	}
}

// TestJobsDay pins the default day of "jobs run" to Dezhou's date: from 16:00 UTC it is
// already the next day there.
func TestJobsDay(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		want models.Date
	}{
		{time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC), models.NewDate(2026, 12, 31)},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), models.NewDate(2027, 1, 1)},
		{time.Date(2026, 12, 31, 9, 0, 0, 0, time.FixedZone("PST", -8*3600)), models.NewDate(2027, 1, 1)},
		{time.Date(2027, 1, 1, 5, 0, 0, 0, time.FixedZone("UTC+14", 14*3600)), models.NewDate(2026, 12, 31)},
	} {
		if got := jobsDay(c.at); got != c.want {
			t.Errorf("jobsDay(%s) = %s, want %s", c.at.Format(time.RFC3339), got, c.want)
		}
	}
}

// TestJobsSummary checks that the line of "jobs run" gives every count of its report,
// the referral notices written to departments among them.
func TestJobsSummary(t *testing.T) {
	day := models.NewDate(2026, 12, 4)
	for _, c := range []struct {
		name string
		r    jobs.Report
		want []string
	}{
		{"nothing", jobs.Report{}, []string{"jobs of 2026-12-04: ", "0 grace periods ended", "0 referral notices (due or overdue) written", "in 1.5s"}},
		{"every count", jobs.Report{GraceTerminated: 1, HouseholdsRefreshed: 2, ReviewsOpened: 3, ReviewsOverdue: 4, DiscoveriesStale: 5, ReferralNotices: 6, StatusAlerts: 7, ContentsRemoved: 8},
			[]string{"1 grace periods ended", "2 households refreshed", "3 reviews opened", "4 reviews overdue", "5 discovery cases stale", "6 referral notices (due or overdue) written", "7 status page alerts written", "8 contents of withdrawn documents removed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := jobsSummary(day, c.r, 1500*time.Millisecond)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

// TestJobsRunPrintsReferralNotices runs "jiuzhu jobs run" on a new SQLite database: the
// line it prints counts the referral notices it wrote (none on a database without
// referrals).
func TestJobsRunPrintsReferralNotices(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("JIUZHU_TOKEN", "")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"jobs", "run", "--data-dir", dir, "--date", "2026-12-04"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "jobs of 2026-12-04: ") || !strings.Contains(out.String(), "0 referral notices (due or overdue) written") ||
		!strings.Contains(out.String(), "0 status page alerts written") {
		t.Fatalf("jobs run printed %q", out.String())
	}
}
