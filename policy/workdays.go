package policy

import (
	"fmt"
	"strings"
	"time"
)

// Calendar says which days are working days for the deadlines the policy sets in working
// days: a referral's due date (一门受理、协同办理) and a grievance's answer. Saturdays and
// Sundays are rest days and Monday to Friday working days, except for the dates listed in
// Holidays (public holidays, rest days even on a weekday) and Workdays (the weekend days the
// State Council's yearly holiday notice turns into working days, 调休). The lists are
// local and yearly, so they are configuration (POLICY_HOLIDAYS, POLICY_WORKDAYS); the zero
// Calendar knows weekends only.
type Calendar struct {
	// Holidays are civil dates ("2006-01-02") that are rest days.
	Holidays map[string]bool
	// Workdays are civil dates that are working days although they fall on a weekend.
	Workdays map[string]bool
}

// IsWorkingDay reports whether the civil date of t (in t's location) is a working day.
func (c Calendar) IsWorkingDay(t time.Time) bool {
	d := t.Format(time.DateOnly)
	if c.Workdays[d] {
		return true
	}
	if c.Holidays[d] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the end of the n-th working day after the day of from: the day
// of from itself does not count, as a deadline of "5 working days" set on a Friday ends
// on the following Friday when no holiday falls between. The result is the last instant
// of that day (23:59:59.999999999 in from's location), so that anything done on the due
// day is on time. n below 1 counts as 1.
func (c Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	if n < 1 {
		n = 1
	}
	y, m, d := from.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, from.Location())
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// WorkingDaysBetween counts the working days after the day of from up to and including
// the day of to; it is 0 when to is on or before from's day. AddWorkingDays(from, n) is
// the end of the day where WorkingDaysBetween(from, ·) first reaches n.
func (c Calendar) WorkingDaysBetween(from, to time.Time) int {
	y, m, d := from.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, from.Location())
	ty, tm, td := to.In(from.Location()).Date()
	end := time.Date(ty, tm, td, 0, 0, 0, 0, from.Location())
	n := 0
	for day.Before(end) {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n++
		}
	}
	return n
}

// parseDateList reads "2026-10-01,2026-10-02" or ranges "2026-10-01..2026-10-08" (both
// ends included) into a set of civil dates.
func parseDateList(env, v string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "..")
		if !isRange {
			hi = lo
		}
		from, err1 := time.Parse(time.DateOnly, strings.TrimSpace(lo))
		to, err2 := time.Parse(time.DateOnly, strings.TrimSpace(hi))
		if err1 != nil || err2 != nil || to.Before(from) {
			return nil, fmt.Errorf("%s: %q is not a date YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD", env, part)
		}
		if to.Sub(from) > 366*24*time.Hour {
			return nil, fmt.Errorf("%s: %q spans more than a year", env, part)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			out[d.Format(time.DateOnly)] = true
		}
	}
	return out, nil
}
