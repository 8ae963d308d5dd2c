package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
)

func TestCheckDraw(t *testing.T) {
	tests := []struct {
		clause          string
		amount, balance models.Money
		ok              bool
		mentions        []string
	}{
		{"P16 draw within the balance", models.Yuan(300), models.Yuan(1000), true, nil},
		{"P16 draw of the whole balance", models.Yuan(1000), models.Yuan(1000), true, nil},
		{"P16 draw above the balance", models.Yuan(1000) + 1, models.Yuan(1000), false, []string{"1000.01", "1000.00"}},
		{"P16 draw from an empty fund", 1, 0, false, []string{"0.01", "0.00"}},
		{"P16 zero draw", 0, models.Yuan(1000), false, []string{"more than zero"}},
		{"P16 negative draw", -5, models.Yuan(1000), false, []string{"more than zero"}},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			err := CheckDraw(tt.amount, tt.balance)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckDraw(%s, %s) = %v", tt.amount, tt.balance, err)
			}
			if err == nil {
				return
			}
			var fe *models.FieldError
			if !errors.As(err, &fe) || fe.Field != "amount" {
				t.Fatalf("error %v does not name the amount field", err)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestCheckCharityFiling(t *testing.T) {
	today := time.Date(2026, 3, 10, 23, 30, 0, 0, ChinaTime)
	tests := []struct {
		clause   string
		date     models.Date
		advance  bool
		wantFail bool
	}{
		{"P4 reported in advance of a future gift", models.NewDate(2026, 3, 20), true, false},
		{"P4 reported in advance on the day", models.NewDate(2026, 3, 10), true, false},
		{"P4 a past gift cannot be reported in advance", models.NewDate(2026, 3, 9), true, true},
		{"P4 a past gift filed afterwards", models.NewDate(2026, 1, 9), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			err := CheckCharityFiling(tt.date, tt.advance, today)
			if (err != nil) != tt.wantFail {
				t.Fatalf("CheckCharityFiling(%s, %v) = %v", tt.date, tt.advance, err)
			}
		})
	}
}
