package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store/storetest"
)

// BenchmarkStaffingReport measures the staffing report of the whole city (135 townships,
// 5,307 villages, the full demo registry) and of one township, over
// BENCH_HOUSEHOLDS demo households (20,000 by default), on SQLite and, with
// TEST_DATABASE_URL, on PostgreSQL, after the statistics refresh that the seed command
// runs too. BENCHMARKS.md records the figures.
func BenchmarkStaffingReport(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_HOUSEHOLDS")); err == nil && v > 0 {
		n = v
	}
	tree := division.Dezhou()
	now := time.Now()
	ds := seed.Generate(tree, n, now)
	sd := seed.Staffing(tree, now)
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			bg := context.Background()
			if err := st.Setup().SeedUnscoped(bg, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
				b.Fatal(err)
			}
			if err := st.Setup().SeedStaffingUnscoped(bg, sd.Populations, sd.Staff); err != nil {
				b.Fatal(err)
			}
			if err := st.Setup().AnalyzeUnscoped(bg); err != nil {
				b.Fatal(err)
			}
			for _, area := range []string{cityArea, townshipA1} {
				b.Run(string(division.LevelOf(area)), func(b *testing.B) {
					ctx := storetest.As(models.RoleAdmin, cityArea)
					for b.Loop() {
						rep, err := staffingCases(st).StaffingReport(ctx, &area)
						if err != nil || len(rep.Townships) == 0 {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
