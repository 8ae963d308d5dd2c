package policy

import (
	"errors"
	"testing"

	"jiuzhu/models"
)

// TestDibaoGap checks P18 to the fen: the per-capita income is rounded down, so the gap
// per person is rounded up, the minimum per person applies, and a household at or above
// the standard gets nothing.
func TestDibaoGap(t *testing.T) {
	tests := []struct {
		name                  string
		standard, total, min  string
		members, covered      int
		want, wantPC, formula string
		wantErr               bool
	}{
		{name: "one person without income", standard: "850.00", total: "0", members: 1, covered: 1, min: "30.00",
			want: "850.00", wantPC: "0.00", formula: "(850.00 − 0.00) × 1 = 850.00"},
		{name: "three members, income divides exactly", standard: "850.00", total: "900.00", members: 3, covered: 3, min: "30.00",
			want: "1650.00", wantPC: "300.00"},
		// 1000.00 / 3 = 333.333…: rounded down to 333.33, the gap 516.67 rounded up.
		{name: "three members, income rounded down to the fen", standard: "850.00", total: "1000.00", members: 3, covered: 3, min: "0",
			want: "1550.01", wantPC: "333.33", formula: "(850.00 − 333.33) × 3 = 1550.01"},
		// 2000.00 / 3 = 666.666…: 666.66, gap 183.34 per person.
		{name: "rounding of two thirds", standard: "850.00", total: "2000.00", members: 3, covered: 3, min: "0",
			want: "550.02", wantPC: "666.66"},
		{name: "one fen below the standard", standard: "850.00", total: "1699.99", members: 2, covered: 2, min: "0",
			want: "0.02", wantPC: "849.99"},
		{name: "minimum per person", standard: "850.00", total: "1680.00", members: 2, covered: 2, min: "30.00",
			want: "60.00", wantPC: "840.00", formula: "max(850.00 − 840.00, 30.00) × 2 = 60.00"},
		{name: "verified with fewer members than covered", standard: "700.00", total: "500.00", members: 2, covered: 3, min: "0",
			want: "1350.00", wantPC: "250.00"},
		{name: "at the standard", standard: "850.00", total: "1700.00", members: 2, covered: 2, min: "30.00", wantErr: true},
		{name: "above the standard", standard: "850.00", total: "9000.00", members: 2, covered: 2, min: "30.00", wantErr: true},
		{name: "no member covered", standard: "850.00", total: "0", members: 1, covered: 0, min: "30.00", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DibaoGap(DibaoFacts{Standard: money(tt.standard), TotalIncome: money(tt.total), IncomeMembers: tt.members,
				Covered: tt.covered, MinPerPerson: money(tt.min), Source: "verification"})
			if tt.wantErr {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("err = %v, want invalid input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Computed != money(tt.want) || c.Method != models.CalcDibaoGap || c.Clause != "P18" {
				t.Errorf("computed %s by %s (%s), want %s by DIBAO_GAP (P18)", c.Computed, c.Method, c.Clause, tt.want)
			}
			if got := input(c, "perCapitaIncome"); got != tt.wantPC {
				t.Errorf("per-capita income %s, want %s", got, tt.wantPC)
			}
			if tt.formula != "" && c.Formula != tt.formula {
				t.Errorf("formula %q, want %q", c.Formula, tt.formula)
			}
		})
	}
}

func input(c Calculation, name string) string {
	for _, in := range c.Inputs {
		if in.Name == name {
			return in.Value
		}
	}
	return ""
}

// TestTekun checks P19: the standard times the multiple rounded up to the fen, plus the
// care amount of the self-care ability.
func TestTekun(t *testing.T) {
	care := map[models.SelfCare]models.Money{models.SelfCareFull: 10000, models.SelfCarePartial: 30000, models.SelfCareNone: 60000}
	tests := []struct {
		name, standard string
		multiple       int64
		selfCare       models.SelfCare
		want, basic    string
		wantErr        bool
	}{
		{name: "default multiple, full self-care", standard: "850.00", multiple: 1300, selfCare: models.SelfCareFull, want: "1205.00", basic: "1105.00"},
		// 666.67 × 1.3 = 866.671 → 866.68.
		{name: "rounded up to the fen", standard: "666.67", multiple: 1300, selfCare: models.SelfCareNone, want: "1466.68", basic: "866.68"},
		{name: "partial self-care, multiple 1.5", standard: "700.00", multiple: 1500, selfCare: models.SelfCarePartial, want: "1350.00", basic: "1050.00"},
		{name: "self-care unknown", standard: "700.00", multiple: 1300, selfCare: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Tekun(TekunFacts{Standard: money(tt.standard), Multiple: tt.multiple, SelfCare: tt.selfCare, Care: care})
			if tt.wantErr {
				var fe *models.FieldError
				if !errors.As(err, &fe) || fe.Field != "input.selfCare" {
					t.Fatalf("err = %v, want a field error on input.selfCare", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Computed != money(tt.want) || input(c, "basicLiving") != tt.basic {
				t.Errorf("computed %s with basic %s, want %s with %s", c.Computed, input(c, "basicLiving"), tt.want, tt.basic)
			}
		})
	}
}

// TestTemporary checks P20: the need, capped at the multiple of the standard rounded
// down to the fen; the urgent path takes the reserve's draw when no need is given.
func TestTemporary(t *testing.T) {
	p := func(s string) *models.Money { m := money(s); return &m }
	tests := []struct {
		name     string
		standard string
		multiple int64
		need     *models.Money
		drawn    string
		want     string
		wantErr  bool
	}{
		{name: "under the cap", standard: "700.00", multiple: 3000, need: p("800.00"), drawn: "0", want: "800.00"},
		{name: "at the cap", standard: "700.00", multiple: 3000, need: p("2100.00"), drawn: "0", want: "2100.00"},
		{name: "over the cap", standard: "700.00", multiple: 3000, need: p("9999.00"), drawn: "0", want: "2100.00"},
		// 666.67 × 2.5 = 1666.675 → 1666.67.
		{name: "cap rounded down", standard: "666.67", multiple: 2500, need: p("5000.00"), drawn: "0", want: "1666.67"},
		{name: "urgent, the draw", standard: "700.00", multiple: 3000, drawn: "500.00", want: "500.00"},
		{name: "no need", standard: "700.00", multiple: 3000, drawn: "0", wantErr: true},
		{name: "negative need", standard: "700.00", multiple: 3000, need: p("-1.00"), drawn: "0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Temporary(TemporaryFacts{Standard: money(tt.standard), Multiple: tt.multiple, Need: tt.need, ReserveDrawn: money(tt.drawn)})
			if tt.wantErr {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("err = %v, want invalid input", err)
				}
				return
			}
			if err != nil || c.Computed != money(tt.want) {
				t.Errorf("computed %s, %v; want %s", c.Computed, err, tt.want)
			}
		})
	}
}

// TestProgramAmount checks the fixed and capped amounts of other programs, and the
// entered amount of a program without parameters.
func TestProgramAmount(t *testing.T) {
	p := func(s string) *models.Money { m := money(s); return &m }
	fixed := &models.ProgramAmount{ProgramCode: "EDU_HIGHSCHOOL", Mode: models.AmountFixed, Amount: 100000}
	capped := &models.ProgramAmount{ProgramCode: "HOUSING_RENT_SUBSIDY", Mode: models.AmountCapped, Amount: 50000}
	tests := []struct {
		name    string
		rule    *models.ProgramAmount
		need    *models.Money
		want    string
		method  models.CalculationMethod
		wantErr bool
	}{
		{name: "fixed", rule: fixed, want: "1000.00", method: models.CalcFixed},
		{name: "fixed, the same need", rule: fixed, need: p("1000.00"), want: "1000.00", method: models.CalcFixed},
		{name: "fixed, another need", rule: fixed, need: p("1200.00"), wantErr: true},
		{name: "capped under", rule: capped, need: p("300.00"), want: "300.00", method: models.CalcCapped},
		{name: "capped over", rule: capped, need: p("800.00"), want: "500.00", method: models.CalcCapped},
		{name: "capped without need", rule: capped, wantErr: true},
		{name: "no parameters", need: p("123.45"), want: "123.45", method: models.CalcEntered},
		{name: "no parameters, no amount", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ProgramAmount(tt.rule, tt.need)
			if tt.wantErr {
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("err = %v, want invalid input", err)
				}
				return
			}
			if err != nil || c.Computed != money(tt.want) || c.Method != tt.method {
				t.Errorf("%s by %s, %v; want %s by %s", c.Computed, c.Method, err, tt.want, tt.method)
			}
		})
	}
}

// TestCheckParameters checks the bounds of the parameters, each naming its field.
func TestCheckParameters(t *testing.T) {
	ok := DefaultEntitlementParameters()
	if err := CheckParameters(ok); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	tests := []struct {
		field string
		edit  func(*models.EntitlementParameters)
	}{
		{"input.dibaoMinPerPerson", func(p *models.EntitlementParameters) { p.DibaoMinPerPerson = -1 }},
		{"input.careNone", func(p *models.EntitlementParameters) { p.CareNone = MaxParameterAmount + 1 }},
		{"input.tekunMultiple", func(p *models.EntitlementParameters) { p.TekunMultipleMilli = 999 }},
		{"input.temporaryMultiple", func(p *models.EntitlementParameters) { p.TemporaryMultipleMilli = 0 }},
		{"input.urgentDays", func(p *models.EntitlementParameters) { p.UrgentDays = 0 }},
		{"input.programs[0].programCode", func(p *models.EntitlementParameters) {
			p.Programs = []models.ProgramAmount{{ProgramCode: "NOPE", Mode: models.AmountFixed, Amount: 1}}
		}},
		{"input.programs[0].programCode", func(p *models.EntitlementParameters) {
			p.Programs = []models.ProgramAmount{{ProgramCode: "URBAN_DIBAO", Mode: models.AmountFixed, Amount: 1}}
		}},
		{"input.programs[1].programCode", func(p *models.EntitlementParameters) {
			p.Programs = []models.ProgramAmount{{ProgramCode: "EDU_COLLEGE", Mode: models.AmountFixed, Amount: 1}, {ProgramCode: "EDU_COLLEGE", Mode: models.AmountCapped, Amount: 1}}
		}},
		{"input.programs[0].amount", func(p *models.EntitlementParameters) {
			p.Programs = []models.ProgramAmount{{ProgramCode: "EDU_COLLEGE", Mode: models.AmountFixed, Amount: 0}}
		}},
	}
	for _, tt := range tests {
		p := DefaultEntitlementParameters()
		tt.edit(&p)
		var fe *models.FieldError
		if err := CheckParameters(p); !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: err = %v", tt.field, err)
		}
	}
}

// TestParseMultiple reads multiples without floating point.
func TestParseMultiple(t *testing.T) {
	for in, want := range map[string]int64{"1.3": 1300, "1": 1000, "2.125": 2125, "0.5": 500} {
		if got, err := ParseMultiple("f", in); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.3333", "x", "-1", "1e3"} {
		if _, err := ParseMultiple("f", bad); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
	if Thousandths(1300) != "1.300" {
		t.Errorf("Thousandths(1300) = %s", Thousandths(1300))
	}
}

// TestUrgentDeadline checks the urgent path's deadline (P20).
func TestUrgentDeadline(t *testing.T) {
	d := UrgentDeadline(models.NewDate(2026, 2, 26), 5)
	if d != models.NewDate(2026, 3, 3) {
		t.Fatalf("deadline %s", d)
	}
	if UrgentOverdue(d, models.NewDate(2026, 3, 3)) || !UrgentOverdue(d, models.NewDate(2026, 3, 4)) {
		t.Error("overdue from the day after the deadline only")
	}
}
