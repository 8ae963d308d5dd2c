// Package jobs runs jiuzhu's scheduled work. Daily is meant to run once a day (from cron
// or a timer, as `jiuzhu jobs run`); running it again the same day changes nothing.
package jobs

import (
	"context"

	"jiuzhu/models"
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
}

// Daily terminates the grants whose grace period ended before today and refreshes every
// household's derived values, as store.SystemActor. It returns the store's errors; what
// it finished before an error stays done, and the next run completes the rest. Each job's
// run ("expire_grace", "refresh_households") is counted in the metrics of ctx, if any
// (telemetry.WithMetrics).
func Daily(ctx context.Context, st *store.Store, today models.Date) (Report, error) {
	m := telemetry.MetricsFrom(ctx)
	var r Report
	var err error
	r.GraceTerminated, err = st.Verifications().ExpireGrace(ctx, today)
	m.JobRun("expire_grace", err)
	if err != nil {
		return r, err
	}
	r.HouseholdsRefreshed, err = st.Derived().RefreshAllUnscoped(ctx)
	m.JobRun("refresh_households", err)
	return r, err
}
