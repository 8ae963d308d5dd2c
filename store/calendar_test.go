package store_test

import (
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestCalendarIsDezhous pins the year of the dibao standard in force and the staff
// registry's today to Dezhou's calendar (UTC+8), whatever the location of the store's
// clock: the last 8 hours of 31 December in UTC are already 1 January there, so the new
// year's standard applies from then and a post ended on 31 December is no longer held.
func TestCalendarIsDezhous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1) // sets the county's standard of 2026: 700.00 urban
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, 2027, models.Yuan(800), models.Yuan(750)); err != nil {
			t.Fatal(err)
		}
		p := principal(t, admin())
		tests := []struct {
			name     string
			at       time.Time
			year     int
			amount   models.Money
			today    models.Date
			lastYear bool // a post ended on 31 December 2026 is still held
		}{
			{"UTC afternoon of 31 December", time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC), 2026, models.Yuan(700), models.NewDate(2026, 12, 31), true},
			{"UTC evening of 31 December", time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), 2027, models.Yuan(800), models.NewDate(2027, 1, 1), false},
			{"a clock in UTC-8", time.Date(2026, 12, 31, 9, 0, 0, 0, time.FixedZone("PST", -8*3600)), 2027, models.Yuan(800), models.NewDate(2027, 1, 1), false},
			{"a clock in UTC+14", time.Date(2027, 1, 1, 5, 0, 0, 0, time.FixedZone("UTC+14", 14*3600)), 2026, models.Yuan(700), models.NewDate(2026, 12, 31), true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				store.SetClock(st, func() time.Time { return tt.at })
				t.Cleanup(func() { store.SetClock(st, time.Now) })
				a, err := st.Standards().Of(admin(), store.ScopeFor(p), h.ID)
				if err != nil {
					t.Fatal(err)
				}
				if a == nil || a.Year != tt.year || a.Amount != tt.amount {
					t.Errorf("standard in force %+v, want the one of %d (%s)", a, tt.year, tt.amount)
				}
				if got := st.Staff().Today(); got != tt.today {
					t.Errorf("the staff registry's today is %s, want %s", got, tt.today)
				}
				ended := models.StaffMember{From: models.NewDate(2020, 1, 1), Until: ptr(models.NewDate(2026, 12, 31))}
				if got := ended.ActiveOn(st.Staff().Today()); got != tt.lastYear {
					t.Errorf("a post ended on 2026-12-31 held: %v, want %v", got, tt.lastYear)
				}
			})
		}
	})
}
