package policy

import (
	"testing"
	"time"

	"jiuzhu/models"
)

func TestAge(t *testing.T) {
	birth := models.NewDate(2000, time.February, 29)
	tests := []struct {
		on   time.Time
		want int
	}{
		{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2016, 2, 28, 0, 0, 0, 0, time.UTC), 15},
		{time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC), 16},
		{time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), 17},
		{time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		if got := Age(birth, tt.on); got != tt.want {
			t.Errorf("Age on %s = %d, want %d", tt.on.Format(models.DateLayout), got, tt.want)
		}
	}
}

// TestAgeThisYear: the age of the year is the same on the first and the last day of a
// year, whatever the birthday, so that it dates no birthday.
func TestAgeThisYear(t *testing.T) {
	tests := []struct {
		birth models.Date
		on    time.Time
		want  int
	}{
		{models.NewDate(2000, time.February, 29), time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), 16},
		{models.NewDate(2000, time.February, 29), time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), 16},
		{models.NewDate(1966, time.December, 31), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 60},
		{models.NewDate(1966, time.January, 1), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), 60},
		{models.NewDate(2027, time.January, 1), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 0},
		// The year is Dezhou's (UTC+8), whatever the clock's location: the last 8 hours of
		// 31 December in UTC are already 1 January there, and a server in UTC counts the
		// new year's ages from then.
		{models.NewDate(1966, time.June, 1), time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC), 60},
		{models.NewDate(1966, time.June, 1), time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), 61},
		{models.NewDate(1966, time.June, 1), time.Date(2026, 12, 31, 8, 0, 0, 0, time.FixedZone("PST", -8*3600)), 61},
		{models.NewDate(1966, time.June, 1), time.Date(2027, 1, 1, 5, 59, 0, 0, time.FixedZone("UTC+14", 14*3600)), 60},
	}
	for _, tt := range tests {
		if got := AgeThisYear(tt.birth, tt.on); got != tt.want {
			t.Errorf("AgeThisYear(%s) at %s = %d, want %d", tt.birth, tt.on.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestDefaultLabourCapacity(t *testing.T) {
	tests := []struct {
		age  int
		want models.LabourCapacity
	}{
		{0, models.LabourNone}, {15, models.LabourNone}, {16, models.LabourFull},
		{59, models.LabourFull}, {60, models.LabourNone}, {90, models.LabourNone},
	}
	for _, tt := range tests {
		if got := DefaultLabourCapacity(tt.age); got != tt.want {
			t.Errorf("DefaultLabourCapacity(%d) = %s, want %s", tt.age, got, tt.want)
		}
	}
}
