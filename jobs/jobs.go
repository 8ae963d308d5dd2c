// Package jobs runs jiuzhu's scheduled work. Daily is meant to run once a day (from cron
// or a timer, as `jiuzhu jobs run`); running it again the same day changes nothing.
package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"jiuzhu/casework/attachments"
	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/reviews"
	"jiuzhu/casework/verifications"
	"jiuzhu/documents"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/telemetry"
)

// Report says what one run of Daily changed.
type Report struct {
	// GraceTerminated counts the grants whose grace period (P13) ended and that were
	// terminated.
	GraceTerminated int
	// HouseholdsRefreshed counts the households whose derived values (P9, P14, P15,
	// P17) changed, for instance because a member came of age or a new year's standard
	// came into force.
	HouseholdsRefreshed int
	// ReferralNotices counts the notices written to departments of referrals falling due
	// or overdue.
	ReferralNotices int
	// ReviewsOpened counts the re-certifications opened for grants that fell due (P24).
	ReviewsOpened int
	// ReviewsOverdue counts the open reviews newly flagged overdue (P24).
	ReviewsOverdue int
	// DiscoveriesStale counts the unclosed discovery cases newly flagged stale (P24).
	DiscoveriesStale int
	// StatusAlerts counts the alerts written of sweeps and guesses on the public status
	// page (P25), each with its audit event and its notice to a civil-affairs department.
	StatusAlerts int
	// ContentsRemoved counts the contents of withdrawn documents removed from the
	// document store, which no standing document had.
	ContentsRemoved int
}

// Options are the settings of the daily jobs' dynamic management (P24).
type Options struct {
	// Schedule is the review interval of each program.
	Schedule policy.ReviewSchedule
	// ReviewGraceDays is how many days after its due day an open review is overdue.
	ReviewGraceDays int
	// StaleDiscoveryDays is how many days after it opened an unclosed discovery case is
	// stale.
	StaleDiscoveryDays int
	// Policy holds the thresholds of the policy rules the jobs judge by (the grace period
	// of P13, the medical rules of a re-certified grant).
	Policy policy.Config
	// StatusAlerts are the thresholds of the alerts of the public status page (P25).
	StatusAlerts store.StatusAlertRules
	// Documents is the store of supporting documents' contents, swept of the contents
	// of withdrawn documents; nil skips the sweep.
	Documents documents.Blobs
}

// Defaults of the status page's alerts: over the last day, an address with 20 failed
// lookups (an hour of the page's sustained limit per address, where a person mistyping
// their own tail is stopped by the limit per reference after 5) or 5 distinct references
// (a family follows one to three applications), and a reference failing from 3
// addresses (an applicant asks from home and from a phone).
const (
	DefaultStatusAlertWindow             = 24 * time.Hour
	DefaultStatusAlertAddressFailed      = 20
	DefaultStatusAlertAddressReferences  = 5
	DefaultStatusAlertReferenceAddresses = 3
)

// DefaultStatusAlertRules returns the defaults of the status page's alerts.
func DefaultStatusAlertRules() store.StatusAlertRules {
	return store.StatusAlertRules{Window: DefaultStatusAlertWindow, AddressFailed: DefaultStatusAlertAddressFailed,
		AddressReferences: DefaultStatusAlertAddressReferences, ReferenceAddresses: DefaultStatusAlertReferenceAddresses}
}

// AlertStatusLookups warns, as of now, of the sweeps and guesses on the public status page
// (P25) seen since its last run (store.StatusPage's AlertFailedLookupsUnscoped), and
// returns how many alerts it wrote. Running it again writes none. It returns the store's
// errors.
func AlertStatusLookups(ctx context.Context, st *store.Store, now time.Time, rules store.StatusAlertRules) (int, error) {
	alerts, err := st.StatusPage().AlertFailedLookupsUnscoped(ctx, now, rules)
	return len(alerts), err
}

// DefaultOptions returns the policy's defaults.
func DefaultOptions() Options {
	return Options{Schedule: policy.DefaultReviewSchedule(), ReviewGraceDays: policy.DefaultReviewGraceDays,
		StaleDiscoveryDays: policy.DefaultStaleDiscoveryDays, Policy: policy.DefaultConfig(), StatusAlerts: DefaultStatusAlertRules()}
}

// Daily runs DailyWith with the default options.
func Daily(ctx context.Context, st *store.Store, today models.Date) (Report, error) {
	return DailyWith(ctx, st, today, DefaultOptions())
}

// DailyWith terminates the grants whose grace period ended before today, refreshes every
// household's derived values, as store.SystemActor, then opens the reviews that are due,
// flags the overdue ones and the stale discovery cases, as store.ReviewActor, and tells
// the departments of the referrals falling due or overdue (through the outbox), and
// warns of the sweeps and guesses on the public status page (AlertStatusLookups) and
// removes from o.Documents the contents that only withdrawn documents have. It returns
// the store's errors; what it finished before an error stays done, and the next run
// completes the rest. Each job's run ("expire_grace", "refresh_households",
// "open_reviews", "flag_overdue_reviews", "flag_stale_discoveries", "referral_notices",
// "status_alerts", "sweep_document_contents") is counted in the metrics of ctx, if any
// (telemetry.WithMetrics).
func DailyWith(ctx context.Context, st *store.Store, today models.Date, o Options) (Report, error) {
	m := telemetry.MetricsFrom(ctx)
	var r Report
	var err error
	r.GraceTerminated, err = verifications.New(st, o.Policy).ExpireGrace(ctx, today)
	m.JobRun("expire_grace", err)
	if err != nil {
		return r, err
	}
	r.HouseholdsRefreshed, err = refresh(ctx, st, today, o.Policy)
	m.JobRun("refresh_households", err)
	if err != nil {
		return r, err
	}
	rv := reviews.New(st, o.Policy).Configure(o.Schedule, o.ReviewGraceDays)
	r.ReviewsOpened, err = rv.OpenDue(ctx, today)
	m.JobRun("open_reviews", err)
	if err != nil {
		return r, err
	}
	r.ReviewsOverdue, err = rv.FlagOverdue(ctx, today)
	m.JobRun("flag_overdue_reviews", err)
	if err != nil {
		return r, err
	}
	r.DiscoveriesStale, err = discoveries.New(st).Configure(o.StaleDiscoveryDays).FlagStale(ctx, today)
	m.JobRun("flag_stale_discoveries", err)
	if err != nil {
		return r, err
	}
	r.ReferralNotices, err = st.Referrals().NoticeReferralsUnscoped(ctx, st.Now().In(policy.ChinaTime))
	m.JobRun("referral_notices", err)
	if err != nil {
		return r, err
	}
	r.StatusAlerts, err = AlertStatusLookups(ctx, st, st.Now(), o.StatusAlerts)
	m.JobRun("status_alerts", err)
	if err != nil || o.Documents == nil {
		return r, err
	}
	r.ContentsRemoved, err = attachments.Sweep(ctx, st.Documents(), o.Documents)
	m.JobRun("sweep_document_contents", err)
	return r, err
}

// refresh recomputes every household's derived values when the year of today or the
// rules' configuration differs from the last full refresh's (store.Derived's
// RefreshAllIfStale: every write refreshes the households it touches, and the rules
// depend on the date only through the year). A configuration that does not encode
// refreshes every time.
func refresh(ctx context.Context, st *store.Store, today models.Date, rules policy.Config) (int, error) {
	b, err := json.Marshal(rules)
	if err != nil {
		return st.Derived().RefreshAllUnscoped(ctx)
	}
	sum := sha256.Sum256(b)
	n, _, err := st.Derived().RefreshAllIfStale(ctx, today.Time.Year(), hex.EncodeToString(sum[:]))
	return n, err
}
