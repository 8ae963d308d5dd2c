package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"jiuzhu/casework"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// BenchmarkDashboardAtScale measures one areaStats and one staffingReport call at a time,
// for the city and for a county, and areaStats for an integrator of the dibao category,
// on a PostgreSQL database that `jiuzhu-bench` loaded (1M households, say), named by
// BENCH_DATABASE_URL. It is skipped without one. It migrates the database first, as the
// server does when it starts, and logs how long that took. BENCHMARKS.md records the
// figures.
func BenchmarkDashboardAtScale(b *testing.B) {
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("BENCH_DATABASE_URL is not set")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DatabaseURL: url, Rules: casework.DefaultRules()}, division.Dezhou())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	if err := st.Setup().Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("migrate: %s", time.Since(start).Round(time.Millisecond))
	ctx = admin()
	for _, area := range []string{cityArea, countyA} {
		b.Run("areaStats/"+area, func(b *testing.B) {
			for b.Loop() {
				if _, err := reportCases(st).AreaStats(ctx, &area); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("staffingReport/"+area, func(b *testing.B) {
			for b.Loop() {
				if _, err := staffingCases(st).StaffingReport(ctx, &area); err != nil {
					b.Fatal(err)
				}
			}
		})
		// An integrator's active recipients are counted from the households' programs.
		integrator := storetest.As(models.RoleIntegrator, cityArea, catalogue.CategoryDibao)
		b.Run("areaStats/integrator/"+area, func(b *testing.B) {
			for b.Loop() {
				if _, err := reportCases(st).AreaStats(integrator, &area); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
