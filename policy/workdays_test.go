package policy

import (
	"strings"
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, cst)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(10 * time.Hour)
	}
	national, err := parseDateList(EnvHolidays, "2026-10-01..2026-10-07")
	if err != nil {
		t.Fatal(err)
	}
	makeUp, err := parseDateList(EnvWorkdays, "2026-10-10")
	if err != nil {
		t.Fatal(err)
	}
	golden := Calendar{Holidays: national, Workdays: makeUp}
	tests := []struct {
		name string
		cal  Calendar
		from string
		n    int
		want string
	}{
		{"a weekday, within the week", Calendar{}, "2026-12-07", 3, "2026-12-10"},
		{"Friday plus five skips the weekend", Calendar{}, "2026-12-04", 5, "2026-12-11"},
		{"Saturday start counts from Monday", Calendar{}, "2026-12-05", 1, "2026-12-07"},
		{"zero counts as one", Calendar{}, "2026-12-07", 0, "2026-12-08"},
		{"the National Day week is skipped", golden, "2026-09-30", 1, "2026-10-08"},
		{"a make-up Saturday counts", golden, "2026-10-09", 1, "2026-10-10"},
		{"holidays and make-up together", golden, "2026-09-29", 3, "2026-10-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.AddWorkingDays(at(tt.from), tt.n)
			if d := got.Format(time.DateOnly); d != tt.want {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, d, tt.want)
			}
			if got.Hour() != 23 || got.Minute() != 59 || got.Location() != cst {
				t.Fatalf("due %v is not the end of the day in the start's zone", got)
			}
			if n := max(tt.n, 1); tt.cal.WorkingDaysBetween(at(tt.from), got) != n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, got, tt.cal.WorkingDaysBetween(at(tt.from), got), n)
			}
		})
	}
}

func TestCalendarFromEnv(t *testing.T) {
	tests := []struct {
		name, holidays, workdays, wantErr string
		holiday, workday                  string
	}{
		{name: "a range and a date", holidays: "2027-01-01, 2026-10-01..2026-10-03", workdays: "2026-09-27", holiday: "2026-10-02", workday: "2026-09-27"},
		{name: "malformed date", holidays: "2026-13-01", wantErr: EnvHolidays},
		{name: "backward range", holidays: "2026-10-08..2026-10-01", wantErr: EnvHolidays},
		{name: "range too long", workdays: "2026-01-01..2027-06-01", wantErr: EnvWorkdays},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{EnvHolidays: tt.holidays, EnvWorkdays: tt.workdays}
			c, err := ConfigFromEnv(func(k string) string { return env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.Calendar.Holidays[tt.holiday] || !c.Calendar.Workdays[tt.workday] {
				t.Fatalf("calendar %+v misses %s or %s", c.Calendar, tt.holiday, tt.workday)
			}
			day, _ := time.Parse(time.DateOnly, tt.holiday)
			if c.Calendar.IsWorkingDay(day) {
				t.Fatalf("%s is a holiday but counted as a working day", tt.holiday)
			}
		})
	}
}
