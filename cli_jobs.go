package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

func (c *cli) jobsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "Run the daily jobs (jobs run)",
		Long: `Run the daily jobs. "jiuzhu jobs run" is the only one: it ends the grace periods that
are over, refreshes the derived values of households and removes the contents that only
withdrawn documents have. Schedule it once a day.`,
		Example: `  jiuzhu jobs run
  jiuzhu jobs run --date 2026-01-01`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q; the command is \"run\"", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return errUsage("%q needs a command: run", cmd.CommandPath())
		},
	}
	var day string
	run := &cobra.Command{
		Use:   "run",
		Short: "End grace periods that are over and refresh households' derived values",
		Long: `Run the daily jobs for a day (today by default): end the grace periods that are over and
refresh the derived values of households; open the re-certifications that are due, flag the
overdue ones and the discovery cases left unclosed (P24); notify departments of the referrals
falling due or overdue; warn the civil-affairs departments of sweeps and guesses on the
public status page (P25); and remove from the document store the contents that only
withdrawn documents have (DOCUMENTS_* as for serve). REVIEW_INTERVALS, REVIEW_GRACE_DAYS and DISCOVERY_STALE_DAYS change
their settings, STATUS_ALERT_WINDOW, STATUS_ALERT_ADDRESS_FAILED,
STATUS_ALERT_ADDRESS_REFERENCES and STATUS_ALERT_REFERENCE_ADDRESSES the alerts'. It prints
what it changed, the referral notices and the status page's alerts written among it.`,
		Example: `  jiuzhu jobs run
  jiuzhu jobs run --date 2026-01-01
  DATABASE_URL='postgres://jiuzhu_app@db:5432/jiuzhu' jiuzhu jobs run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			today := jobsDay(time.Now())
			if day != "" {
				d, err := models.ParseDate(day)
				if err != nil {
					return errUsage("--date: %w", err)
				}
				today = d
			}
			return runJobs(cmd.Context(), c.config(cmd), today, c.out)
		},
	}
	run.Flags().StringVar(&day, "date", "", "the day to run for, YYYY-MM-DD (default today in China time)")
	cmd.AddCommand(run)
	return cmd
}

// runJobs runs the daily jobs for today and prints what they changed.
func runJobs(ctx context.Context, cfg config, today models.Date, out io.Writer) error {
	st, err := openStore(ctx, cfg, newLogger(cfg, out))
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	opts, err := jobOptions(os.Getenv)
	if err != nil {
		return errUsage("%w", err)
	}
	if opts.Policy, err = cfg.rules(); err != nil {
		return err
	}
	if opts.Documents, _, err = documentStore(cfg.dataDir); err != nil { // cli_documents.go
		return errUsage("%w", err)
	}
	r, err := jobs.DailyWith(ctx, st, today, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, jobsSummary(today, r, time.Since(start)))
	return nil
}

// jobsSummary is the line "jobs run" prints of report r of the jobs of today, which
// took took: each count of what changed, the referral notices written to departments
// (due or overdue) and the status page's alerts among them.
func jobsSummary(today models.Date, r jobs.Report, took time.Duration) string {
	return fmt.Sprintf("jobs of %s: %d grace periods ended, %d households refreshed, %d reviews opened, %d reviews overdue, %d discovery cases stale, %d referral notices (due or overdue) written, %d status page alerts written, %d contents of withdrawn documents removed, in %s",
		today, r.GraceTerminated, r.HouseholdsRefreshed, r.ReviewsOpened, r.ReviewsOverdue, r.DiscoveriesStale, r.ReferralNotices, r.StatusAlerts, r.ContentsRemoved, took.Round(time.Millisecond))
}

// jobOptions reads the settings of dynamic management (P24) from the environment:
// REVIEW_INTERVALS (policy.ParseReviewSchedule), REVIEW_GRACE_DAYS and
// DISCOVERY_STALE_DAYS (whole days, 0–365); and the thresholds of the status page's
// alerts (P25): STATUS_ALERT_WINDOW (a duration from 1h to 744h, 31 days) and
// STATUS_ALERT_ADDRESS_FAILED, STATUS_ALERT_ADDRESS_REFERENCES and
// STATUS_ALERT_REFERENCE_ADDRESSES (whole numbers from 0, which turns that alert off, to
// 100000). Unset, each takes its default. It returns an error naming the variable of a
// bad value.
func jobOptions(getenv func(string) string) (jobs.Options, error) {
	o := jobs.DefaultOptions()
	sched, err := policy.ParseReviewSchedule(getenv("REVIEW_INTERVALS"))
	if err != nil {
		return o, fmt.Errorf("REVIEW_INTERVALS: %w", err)
	}
	o.Schedule = sched
	for _, v := range []struct {
		name string
		dst  *int
	}{{"REVIEW_GRACE_DAYS", &o.ReviewGraceDays}, {"DISCOVERY_STALE_DAYS", &o.StaleDiscoveryDays}} {
		raw := strings.TrimSpace(getenv(v.name))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 365 {
			return o, fmt.Errorf("%s: %q is not a number of days from 0 to 365", v.name, raw)
		}
		*v.dst = n
	}
	if raw := strings.TrimSpace(getenv("STATUS_ALERT_WINDOW")); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < time.Hour || d > store.MaxFailedLookupsRange {
			return o, fmt.Errorf("STATUS_ALERT_WINDOW: %q is not a duration from 1h to 744h", raw)
		}
		o.StatusAlerts.Window = d
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{
		{"STATUS_ALERT_ADDRESS_FAILED", &o.StatusAlerts.AddressFailed},
		{"STATUS_ALERT_ADDRESS_REFERENCES", &o.StatusAlerts.AddressReferences},
		{"STATUS_ALERT_REFERENCE_ADDRESSES", &o.StatusAlerts.ReferenceAddresses},
	} {
		raw := strings.TrimSpace(getenv(v.name))
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 100000 {
			return o, fmt.Errorf("%s: %q is not a whole number from 0 (off) to 100000", v.name, raw)
		}
		*v.dst = n
	}
	return o, nil
}

// jobsDay is the day jobs run runs for without --date at instant now: the date in
// Dezhou (China time), whatever the server's zone, so that a timer starting the jobs
// after midnight there (before 08:00, still the day before in UTC) runs them for the new
// day.
func jobsDay(now time.Time) models.Date { return models.DateOf(now.In(policy.ChinaTime)) }
