package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const areaStatsQuery = `query($area: String) { areaStats(area: $area) {
  area { code } households activeHouseholds committedMonthly lowIncomeHouseholds
  byCategory { category { code } households }
  children { area { code } households byCategory { category { code } } } } }`

type areaStatsAnswer struct {
	AreaStats struct {
		Area                struct{ Code string }
		Households          int
		ActiveHouseholds    int
		CommittedMonthly    string
		LowIncomeHouseholds *int
		ByCategory          []struct {
			Category   struct{ Code string }
			Households int
		}
		Children []struct {
			Area       struct{ Code string }
			Households int
			ByCategory []struct{ Category struct{ Code string } }
		}
	}
}

// TestDashboardQueriesOverHTTP checks areaStats and trends through the API: the figures
// stay inside the caller's subtree, an area outside it is FORBIDDEN and discloses
// nothing, and bad arguments name their field.
func TestDashboardQueriesOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 300)
		county := e.token(models.RoleOfficer, seed.DemoCounty)
		var a areaStatsAnswer
		e.ok(county, areaStatsQuery, nil, &a)
		s := a.AreaStats
		wantHouseholds := 0
		for _, h := range e.data.Households {
			if division.Contains(seed.DemoCounty, h.AreaCode) {
				wantHouseholds++
			}
		}
		if s.Area.Code != seed.DemoCounty || s.Households != wantHouseholds || s.LowIncomeHouseholds == nil {
			t.Errorf("county figures: %+v, want %d households", s, wantHouseholds)
		}
		if _, err := models.ParseMoney(s.CommittedMonthly); err != nil || !strings.Contains(s.CommittedMonthly, ".") {
			t.Errorf("committedMonthly %q is not a two-place decimal", s.CommittedMonthly)
		}
		sum := 0
		for _, c := range s.Children {
			if !division.Contains(seed.DemoCounty, c.Area.Code) || c.Area.Code == seed.DemoCounty {
				t.Errorf("child %s is not under the county", c.Area.Code)
			}
			sum += c.Households
		}
		if sum != s.Households || len(s.Children) != len(st.Tree().Children(seed.DemoCounty)) {
			t.Errorf("children hold %d households in %d units, want %d in %d", sum, len(s.Children), s.Households, len(st.Tree().Children(seed.DemoCounty)))
		}

		// An integrator counts only its categories' grants.
		integ, err := e.verifier.Sign(auth.Principal{Subject: "e2e-integrator", Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{"DIBAO"}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var ai areaStatsAnswer
		e.ok(integ, areaStatsQuery, nil, &ai)
		if ai.AreaStats.Households != s.Households || ai.AreaStats.ActiveHouseholds > s.ActiveHouseholds {
			t.Errorf("integrator: %d/%d households, county officer %d/%d", ai.AreaStats.Households, ai.AreaStats.ActiveHouseholds, s.Households, s.ActiveHouseholds)
		}
		for _, c := range ai.AreaStats.ByCategory {
			if c.Category.Code != "DIBAO" {
				t.Errorf("integrator sees category %s", c.Category.Code)
			}
		}
		for _, ch := range ai.AreaStats.Children {
			for _, c := range ch.ByCategory {
				if c.Category.Code != "DIBAO" {
					t.Errorf("integrator sees category %s in %s", c.Category.Code, ch.Area.Code)
				}
			}
		}

		township := e.token(models.RoleOfficer, seed.DemoTownship)
		refused := []struct {
			name, token, query string
			vars               map[string]any
			code, field        string
		}{
			{"areaStats of a sibling county", county, areaStatsQuery, map[string]any{"area": "371403000000"}, httpapi.CodeForbidden, ""},
			{"areaStats of the city", county, areaStatsQuery, map[string]any{"area": division.CityCode}, httpapi.CodeForbidden, ""},
			{"areaStats of the county above", township, areaStatsQuery, map[string]any{"area": seed.DemoCounty}, httpapi.CodeForbidden, ""},
			{"areaStats of an unknown code", county, areaStatsQuery, map[string]any{"area": "371499999000"}, httpapi.CodeBadUserInput, "area"},
			{"trends of a sibling county", county, `query($area: String) { trends(area: $area) { months { month } } }`, map[string]any{"area": "371403000000"}, httpapi.CodeForbidden, ""},
			{"trends of the county above", township, `query($area: String) { trends(area: $area) { months { month } } }`, map[string]any{"area": seed.DemoCounty}, httpapi.CodeForbidden, ""},
			{"trends of 0 months", county, `{ trends(months: 0) { months { month } } }`, nil, httpapi.CodeBadUserInput, "months"},
			{"trends of 37 months", county, `{ trends(months: 37) { months { month } } }`, nil, httpapi.CodeBadUserInput, "months"},
			{"no token", "", `{ areaStats { households } }`, nil, httpapi.CodeUnauthenticated, ""},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tt.token, tt.query, tt.vars)
				if r.code() != tt.code || (tt.field != "" && r.Errors[0].Extensions["field"] != tt.field) {
					t.Fatalf("code %q, want %s (field %q): %s", r.code(), tt.code, tt.field, r.raw)
				}
				if strings.Contains(r.raw, "households\":") || strings.Contains(r.raw, "\"month\"") {
					t.Errorf("the refusal carries figures: %s", r.raw)
				}
			})
		}

		var tr struct {
			Trends struct {
				Area   struct{ Code string }
				Months []struct {
					Month                                    string
					NewApplications, Approvals, Terminations int
					Committed                                string
				}
			}
		}
		e.ok(township, `{ trends(months: 24) { area { code } months { month newApplications approvals terminations committed } } }`, nil, &tr)
		if tr.Trends.Area.Code != seed.DemoTownship || len(tr.Trends.Months) != 24 {
			t.Fatalf("trends: %+v", tr.Trends)
		}
		opened := 0
		for _, m := range tr.Trends.Months {
			opened += m.NewApplications
		}
		if opened == 0 {
			t.Error("no grant opened in the township over 24 months of demo data")
		}
	})
}
