package store_test

import (
	"context"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store/storetest"
)

// BenchmarkAreaStats measures areaStats and trends of the city and of a township over
// 20,000 demo households, on each database of storetest.Dialects.
func BenchmarkAreaStats(b *testing.B) {
	for _, d := range storetest.Dialects() {
		st := storetest.MustOpen(b, d)
		ds := seed.Generate(st.Tree(), 20000, time.Now())
		if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			b.Fatal(err)
		}
		if err := st.Setup().AnalyzeUnscoped(context.Background()); err != nil {
			b.Fatal(err)
		}
		for _, area := range []string{cityArea, townshipA1} {
			ctx := storetest.As(models.RoleOfficer, area)
			b.Run(string(d)+"/areaStats/"+area, func(b *testing.B) {
				for b.Loop() {
					if _, err := reportCases(st).AreaStats(ctx, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(string(d)+"/trends36/"+area, func(b *testing.B) {
				for b.Loop() {
					if _, err := reportCases(st).Trends(ctx, nil, intp(36)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
