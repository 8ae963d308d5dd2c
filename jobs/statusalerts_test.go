package jobs_test

import (
	"fmt"
	"testing"
	"time"

	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDailyAlertsStatusLookupsOnceP25 sweeps the status page from one address and runs
// the daily job's alert step around it (P25): a run as of before the sweep finds nothing
// and leaves it for later, the daily job then writes one alert and reports it, and the
// next daily run writes none. The lookups take the store's clock and each run is given
// its time, so nothing waits.
func TestDailyAlertsStatusLookupsOnceP25(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		before := st.Now().Add(-time.Minute)
		for i := range jobs.DefaultStatusAlertAddressReferences {
			ref := fmt.Sprintf("JZ-371402-2026-%06d", 900+i)
			if err := st.StatusPage().RecordStatusLookupUnscoped(ctx, ref, "198.51.100.40", "", store.LookupUnknown, nil); err != nil {
				t.Fatal(err)
			}
		}
		n, err := jobs.AlertStatusLookups(ctx, st, before, jobs.DefaultStatusAlertRules())
		if err != nil || n != 0 {
			t.Fatalf("as of before the sweep: %d alerts, %v", n, err)
		}
		day := models.DateOf(st.Now())
		for i, want := range []int{1, 0} {
			rep, err := jobs.Daily(ctx, st, day)
			if err != nil || rep.StatusAlerts != want {
				t.Fatalf("daily run %d: %+v %v, want %d alerts", i+1, rep, err, want)
			}
		}
		all, err := st.StatusPage().StatusAlertsUnscoped(ctx)
		if err != nil || len(all) != 1 || all[0].By != models.LookupsByAddress || all[0].Distinct != jobs.DefaultStatusAlertAddressReferences {
			t.Fatalf("alerts %+v %v", all, err)
		}
	})
}
