package policy_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/policy"
)

func at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, policy.ChinaTime)
}

func mo(y int, m time.Month) policy.Month { return policy.NewMonth(y, m) }

func TestMonthArithmetic(t *testing.T) {
	m, err := policy.ParseMonth("month", "2026-12")
	if err != nil || m.String() != "2026-12" || (m+1).String() != "2027-01" || (m+1).Compact() != "202701" {
		t.Fatalf("ParseMonth(2026-12) = %v, %v; next %v", m, err, m+1)
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-01", "2026/01", ""} {
		var fe *models.FieldError
		if _, err := policy.ParseMonth("month", bad); !errors.As(err, &fe) || fe.Field != "month" {
			t.Errorf("ParseMonth(%q) = %v, want a FieldError on month", bad, err)
		}
	}
	// 31 December 2026 20:00 UTC is already January 2027 in Dezhou.
	if got := policy.MonthOf(time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)); got != mo(2027, 1) {
		t.Errorf("MonthOf = %v, want 2027-01", got)
	}
	now := at(2026, 12, 5)
	for m, ok := range map[policy.Month]bool{mo(2025, 1): true, mo(2026, 12): true, mo(2027, 1): true, mo(2027, 2): false} {
		if err := policy.CheckPayrollMonth("month", m, now); (err == nil) != ok {
			t.Errorf("CheckPayrollMonth(%v) = %v, want ok=%v", m, err, ok)
		}
	}
}

func TestDuesOf(t *testing.T) {
	amount := models.Money(65000)
	approved := []policy.StatusChange{{At: at(2026, 2, 20), To: models.GrantPending}, {At: at(2026, 3, 10), To: models.GrantActive}}
	end := models.NewDate(2026, 6, 30)
	due := func(m policy.Month, k models.PayrollLineKind, a models.Money) policy.Due {
		return policy.Due{Month: m, Kind: k, Amount: a}
	}
	tests := []struct {
		name  string
		g     policy.PayableGrant
		month policy.Month
		want  []policy.Due
	}{
		{"not paid in the approval month", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 3, 10), History: approved}, mo(2026, 3), nil},
		{"first paid month pays the approval month as arrears", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 3, 10), History: approved}, mo(2026, 4),
			[]policy.Due{due(mo(2026, 3), models.LineArrears, amount), due(mo(2026, 4), models.LineRegular, amount)}},
		{"start in the month after approval: no arrears", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1), History: approved}, mo(2026, 4),
			[]policy.Due{due(mo(2026, 4), models.LineRegular, amount)}},
		{"retroactive approval: one arrears line per month", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 1, 1), History: approved}, mo(2026, 4),
			[]policy.Due{due(mo(2026, 1), models.LineArrears, amount), due(mo(2026, 2), models.LineArrears, amount), due(mo(2026, 3), models.LineArrears, amount), due(mo(2026, 4), models.LineRegular, amount)}},
		{"covered months are not owed again", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 1, 1), History: approved,
			Covered: func(m policy.Month) bool { return m <= mo(2026, 4) }}, mo(2026, 5), []policy.Due{due(mo(2026, 5), models.LineRegular, amount)}},
		{"program paid from the approval month", policy.PayableGrant{Recurring: true, FromApprovalMonth: true, Amount: amount, Start: models.NewDate(2026, 3, 10), History: approved}, mo(2026, 3),
			[]policy.Due{due(mo(2026, 3), models.LineRegular, amount)}},
		{"after the end date nothing", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1), End: &end, History: approved}, mo(2026, 7), nil},
		{"suspended in May: paid for May, not June", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1),
			History: append(approved[:2:2], policy.StatusChange{At: at(2026, 5, 15), To: models.GrantSuspended})}, mo(2026, 5), []policy.Due{due(mo(2026, 5), models.LineRegular, amount)}},
		{"suspended in May: nothing for June", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1),
			History: append(approved[:2:2], policy.StatusChange{At: at(2026, 5, 15), To: models.GrantSuspended})}, mo(2026, 6), nil},
		{"resumed in July: paid from August", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1),
			History: append(approved[:2:2], policy.StatusChange{At: at(2026, 5, 15), To: models.GrantSuspended}, policy.StatusChange{At: at(2026, 7, 2), To: models.GrantActive})}, mo(2026, 8),
			[]policy.Due{due(mo(2026, 8), models.LineRegular, amount)}},
		{"grace pays", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1),
			History: append(approved[:2:2], policy.StatusChange{At: at(2026, 5, 15), To: models.GrantGrace})}, mo(2026, 6), []policy.Due{due(mo(2026, 6), models.LineRegular, amount)}},
		{"terminated gets nothing from the month after", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 4, 1),
			History: append(approved[:2:2], policy.StatusChange{At: at(2026, 5, 31), To: models.GrantTerminated})}, mo(2026, 6), nil},
		{"never approved", policy.PayableGrant{Recurring: true, Amount: amount, Start: models.NewDate(2026, 1, 1), History: approved[:1]}, mo(2026, 6), nil},
		{"one-off once, less the reserve's draws", policy.PayableGrant{Amount: amount, Drawn: 20000, Start: models.NewDate(2026, 3, 1), History: approved}, mo(2026, 4),
			[]policy.Due{due(mo(2026, 3), models.LineOneOff, 45000)}},
		{"one-off paid whole by the reserve", policy.PayableGrant{Amount: amount, Drawn: amount, Start: models.NewDate(2026, 3, 1), History: approved}, mo(2026, 4), nil},
		{"one-off already on a line", policy.PayableGrant{Amount: amount, Start: models.NewDate(2026, 3, 1), History: approved,
			Covered: func(m policy.Month) bool { return m == mo(2026, 3) }}, mo(2026, 5), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.DuesOf(tt.g, tt.month); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DuesOf = %v, want %v", got, tt.want)
			}
		})
	}
}
