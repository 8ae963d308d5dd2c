package input_test

import (
	"errors"
	"testing"
	"time"

	"jiuzhu/casework/input"
	"jiuzhu/models"
)

// TestCheckDate pins "not in the future" to Dezhou's calendar (UTC+8), whatever the
// location of the clock: from 16:00 UTC it is already the next day there, and a check
// made on that day is not in the future.
func TestCheckDate(t *testing.T) {
	evening := time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC) // 2026-03-16 00:00 in Dezhou
	tests := []struct {
		name  string
		date  models.Date
		today time.Time
		ok    bool
	}{
		{"today in Dezhou, UTC afternoon", models.NewDate(2026, 3, 15), evening.Add(-time.Second), true},
		{"tomorrow in Dezhou, UTC afternoon", models.NewDate(2026, 3, 16), evening.Add(-time.Second), false},
		{"today in Dezhou, UTC evening", models.NewDate(2026, 3, 16), evening, true},
		{"tomorrow in Dezhou, UTC evening", models.NewDate(2026, 3, 17), evening, false},
		{"today in Dezhou, a clock in UTC-8", models.NewDate(2026, 3, 16), evening.In(time.FixedZone("PST", -8*3600)), true},
		{"tomorrow in Dezhou, a clock in UTC+14", models.NewDate(2026, 3, 16), evening.Add(-time.Hour).In(time.FixedZone("UTC+14", 14*3600)), false},
		{"before the first year", models.NewDate(input.MinYear-1, 12, 31), evening, false},
		{"missing", models.Date{}, evening, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := input.CheckDate("checkDate", tt.date, tt.today)
			var fe *models.FieldError
			switch {
			case tt.ok && err != nil:
				t.Errorf("CheckDate(%s) at %s: %v", tt.date, tt.today.Format(time.RFC3339), err)
			case !tt.ok && (!errors.As(err, &fe) || fe.Field != "checkDate"):
				t.Errorf("CheckDate(%s) at %s: %v, want a field error on checkDate", tt.date, tt.today.Format(time.RFC3339), err)
			}
		})
	}
}
