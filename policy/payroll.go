package policy

import (
	"fmt"
	"time"

	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Month is a calendar month, counted as year×12 + month−1 so that months add and compare
// as integers. Months are those of Dezhou's calendar (ChinaTime).
type Month int

// NewMonth returns the month of year y, month m.
func NewMonth(y int, m time.Month) Month { return Month(y*12 + int(m) - 1) }

// MonthOf returns the month in which instant t falls in Dezhou (ChinaTime).
func MonthOf(t time.Time) Month {
	t = t.In(ChinaTime)
	return NewMonth(t.Year(), t.Month())
}

// MonthOfDate returns the month of a calendar date.
func MonthOfDate(d models.Date) Month { return NewMonth(d.Year(), d.Month()) }

// ParseMonth reads a month written YYYY-MM. It returns a *models.FieldError on field
// otherwise.
func ParseMonth(field, s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return 0, models.Invalid(field, "%s is not a month written YYYY-MM", privacy.Quote(s))
	}
	return NewMonth(t.Year(), t.Month()), nil
}

// Year returns the month's year.
func (m Month) Year() int { return int(m) / 12 }

// Calendar returns the month's month of the year.
func (m Month) Calendar() time.Month { return time.Month(int(m)%12 + 1) }

// String writes the month as YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year(), int(m.Calendar())) }

// Compact writes the month as YYYYMM, as bank references carry it.
func (m Month) Compact() string { return fmt.Sprintf("%04d%02d", m.Year(), int(m.Calendar())) }

// Start returns the first instant of the month in Dezhou.
func (m Month) Start() time.Time {
	return time.Date(m.Year(), m.Calendar(), 1, 0, 0, 0, 0, ChinaTime)
}

// CheckPayrollMonth refuses a payroll month beyond the next one: a county pays the
// current month and may prepare the next, and may still generate any past month it has
// not paid. It returns a *models.FieldError on field.
func CheckPayrollMonth(field string, m Month, now time.Time) error {
	if next := MonthOf(now) + 1; m > next {
		return models.Invalid(field, "%s is beyond next month (%s); a payroll is generated at most one month ahead", m, next)
	}
	return nil
}

// StatusChange is one move of a grant's status: when, and to which status.
type StatusChange struct {
	At time.Time
	To models.GrantStatus
}

// PayableGrant is what the payroll needs to know of a grant: its program's way of paying,
// its amount (the entitlement as approved: what is owed per month, or once), its period,
// its status history oldest first, the months already on a payroll line, and what the
// township reserve fund already paid it (P16, P20).
type PayableGrant struct {
	// Recurring is set for programs paid monthly (catalogue.IsRecurring).
	Recurring bool
	// FromApprovalMonth is set for programs paid from the month of approval itself
	// instead of the month after.
	FromApprovalMonth bool
	Amount            models.Money
	Start             models.Date
	End               *models.Date
	History           []StatusChange
	// Covered reports the months already on a line of some payroll (any attempt).
	Covered func(Month) bool
	// Drawn is the sum of the reserve fund's draws for the grant.
	Drawn models.Money
}

// Due is one payment a payroll owes a grant: the month it pays for, why, and how much.
type Due struct {
	Month  Month
	Kind   models.PayrollLineKind
	Amount models.Money
}

// receiving reports whether status pays.
func receiving(s models.GrantStatus) bool {
	return s == models.GrantActive || s == models.GrantGrace
}

// statusAt returns the grant's status at instant t: the last move before t, or "" when
// there was none yet.
func statusAt(h []StatusChange, t time.Time) models.GrantStatus {
	var s models.GrantStatus
	for _, c := range h {
		if !c.At.Before(t) {
			break
		}
		s = c.To
	}
	return s
}

// approval returns the first move of the history into a receiving status.
func approval(h []StatusChange) (time.Time, bool) {
	for _, c := range h {
		if receiving(c.To) {
			return c.At, true
		}
	}
	return time.Time{}, false
}

// FirstPaidMonth returns the first month for which the payroll pays a grant approved at
// instant at: the month after approval, or the month of approval itself for a program
// that says so (P22).
func FirstPaidMonth(at time.Time, fromApprovalMonth bool) Month {
	if fromApprovalMonth {
		return MonthOf(at)
	}
	return MonthOf(at) + 1
}

// DuesOf returns what the payroll of month m owes grant g, oldest month first (P22):
//
//   - Payment starts with the first paid month (FirstPaidMonth). A grant is paid for m
//     only when it was ACTIVE or GRACE at the start of m: a grant suspended or
//     terminated gets nothing from the month after the move, and a resumed one is paid
//     again from the month after its resumption.
//   - A recurring grant is owed every month of its period (from its start date's month to
//     its end date's month). The months of the period before the first paid month — a
//     retroactive approval — are owed as arrears (补发), one line each, on the first
//     payroll that pays the grant.
//   - A one-off grant is owed its amount once, as of its approval month, less what the
//     reserve fund already paid it.
//
// Months already on a payroll line (Covered) are never owed again; a failed payment is
// paid again by re-issuing its line, not here.
func DuesOf(g PayableGrant, m Month) []Due {
	at, ok := approval(g.History)
	if !ok {
		return nil
	}
	first := FirstPaidMonth(at, g.FromApprovalMonth)
	if m < first {
		return nil
	}
	status := statusAt(g.History, m.Start())
	if g.FromApprovalMonth && m == first {
		status = statusAt(g.History, m.Start().AddDate(0, 1, 0))
	}
	if !receiving(status) {
		return nil
	}
	covered := g.Covered
	if covered == nil {
		covered = func(Month) bool { return false }
	}
	if !g.Recurring {
		paid := MonthOf(at)
		if covered(paid) || g.Amount-g.Drawn <= 0 {
			return nil
		}
		return []Due{{Month: paid, Kind: models.LineOneOff, Amount: g.Amount - g.Drawn}}
	}
	startM := MonthOfDate(g.Start)
	endM := m
	if g.End != nil {
		endM = min(endM, MonthOfDate(*g.End))
	}
	var out []Due
	for k := startM; k < first && k <= endM; k++ {
		if !covered(k) {
			out = append(out, Due{Month: k, Kind: models.LineArrears, Amount: g.Amount})
		}
	}
	if startM <= m && m <= endM && !covered(m) {
		out = append(out, Due{Month: m, Kind: models.LineRegular, Amount: g.Amount})
	}
	return out
}
