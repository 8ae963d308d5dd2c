package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// ReviewInterval is how often the ACTIVE grants of a program are re-certified (动态化管理,
// P24): every Months months, and every ChangingMonths months for a household expected to
// change. A household is expected to change when a member has full labour capacity
// (models.LabourFull): its income follows work and may rise or fall at any time, while a
// household of the old, the sick and the disabled changes little.
type ReviewInterval struct {
	Months         int
	ChangingMonths int
}

// ReviewSchedule is the interval of each program that is reviewed; a program it does
// not name is not reviewed.
type ReviewSchedule map[string]ReviewInterval

// DefaultReviewSchedule returns the schedule of P24 with the project's defaults: the
// dibao and low-income programs every 12 months, 6 for households expected to change; the
// other monthly programs (特困, allowances, care) every 12 months. Programs paid once are
// not reviewed.
func DefaultReviewSchedule() ReviewSchedule {
	s := ReviewSchedule{}
	for _, code := range catalogue.Recurring() {
		s[code] = ReviewInterval{Months: 12, ChangingMonths: 12}
	}
	for _, code := range []string{catalogue.ProgramUrbanDibao, catalogue.ProgramRuralDibao, "LOW_INCOME"} {
		s[code] = ReviewInterval{Months: 12, ChangingMonths: 6}
	}
	return s
}

// DefaultReviewGraceDays is how many days after its due day an open review is flagged
// overdue; DefaultStaleDiscoveryDays how many days after it opened an unclosed discovery
// case is flagged stale.
const (
	DefaultReviewGraceDays    = 30
	DefaultStaleDiscoveryDays = 30
)

// Programs returns the programs of the schedule in code order.
func (s ReviewSchedule) Programs() []string {
	out := make([]string, 0, len(s))
	for code := range s {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// ParseReviewSchedule reads changes to the default schedule from REVIEW_INTERVALS:
// comma-separated CODE=MONTHS or CODE=MONTHS/CHANGING_MONTHS entries, or CODE=0 to stop
// reviewing a program, for instance "RURAL_DIBAO=12/3,DISABILITY_CARE=24". An empty
// string gives the defaults. It returns an error naming the entry for an unknown program
// or a number of months outside 1–60.
func ParseReviewSchedule(spec string) (ReviewSchedule, error) {
	s := DefaultReviewSchedule()
	known := map[string]bool{}
	for _, p := range catalogue.Programs() {
		known[p.Code] = true
	}
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		code, months, ok := strings.Cut(entry, "=")
		code = strings.TrimSpace(code)
		if !ok || !known[code] {
			return nil, fmt.Errorf("review interval %q: not CODE=MONTHS[/MONTHS] of a program of the catalogue", entry)
		}
		if strings.TrimSpace(months) == "0" {
			delete(s, code)
			continue
		}
		every, changing, hasChanging := strings.Cut(months, "/")
		m, err := strconv.Atoi(strings.TrimSpace(every))
		if err != nil || m < 1 || m > 60 {
			return nil, fmt.Errorf("review interval %q: months must be from 1 to 60", entry)
		}
		c := m
		if hasChanging {
			if c, err = strconv.Atoi(strings.TrimSpace(changing)); err != nil || c < 1 || c > 60 {
				return nil, fmt.Errorf("review interval %q: months must be from 1 to 60", entry)
			}
		}
		s[code] = ReviewInterval{Months: m, ChangingMonths: c}
	}
	return s, nil
}

// ReviewDue returns the day a review of a grant falls due: months after anchor (the day
// its last review closed, or its start date), on the last day of the month when the
// anchor's day is not in it (31 August + 6 months is 28 or 29 February).
func ReviewDue(anchor models.Date, months int) models.Date {
	y, m, d := anchor.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return models.NewDate(first.Year(), first.Month(), d)
}

// ReviewAnchorBy returns a day on or after the latest anchor from which a review of
// months is due on today: a bound for the store to select by, which ReviewDue then
// decides exactly (a few anchors at the end of a month fall due on the same day).
func ReviewAnchorBy(today models.Date, months int) models.Date {
	return models.DateOf(today.AddDate(0, -months, 3))
}

// ReviewOverdue reports whether an open review due on due is overdue on today, after
// graceDays.
func ReviewOverdue(due, today models.Date, graceDays int) bool {
	return today.After(due.AddDate(0, 0, graceDays))
}
