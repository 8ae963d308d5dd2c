// Package jobs runs jiuzhu's scheduled work. Daily is meant to run once a day (from cron
// or a timer, as `jiuzhu jobs run`); running it again the same day changes nothing.
package jobs

import (
	"context"

	"jiuzhu/models"
	"jiuzhu/store"
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
// it finished before an error stays done, and the next run completes the rest.
func Daily(ctx context.Context, st *store.Store, today models.Date) (Report, error) {
	var r Report
	var err error
	if r.GraceTerminated, err = st.ExpireGrace(ctx, today); err != nil {
		return r, err
	}
	r.HouseholdsRefreshed, err = st.RefreshAllUnscoped(ctx)
	return r, err
}
