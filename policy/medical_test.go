package policy

import (
	"strings"
	"testing"

	"jiuzhu/models"
)

func TestMedicalPayable(t *testing.T) {
	y := models.Yuan
	rule := MedicalRule{Ratio: 7000, Ceiling: y(30000)}
	tests := []struct {
		clause string
		costs  MedicalCosts
		rule   MedicalRule
		want   MedicalPayment
	}{
		{"P3 zero cost pays nothing", MedicalCosts{}, rule,
			MedicalPayment{Remaining: 0, Assisted: 0, Room: y(30000), Payable: 0}},
		{"P3 insurance first: ratio of what is left", MedicalCosts{TotalCost: y(10000), BasicInsurance: y(5000), CriticalIllnessInsurance: y(1000)}, rule,
			MedicalPayment{Remaining: y(4000), Assisted: y(2800), Room: y(30000), Payable: y(2800)}},
		{"P3 negative after insurance gives zero", MedicalCosts{TotalCost: y(1000), BasicInsurance: y(900), CriticalIllnessInsurance: y(300)}, rule,
			MedicalPayment{Remaining: 0, Assisted: 0, Room: y(30000), Payable: 0}},
		{"P3 exactly at the ceiling", MedicalCosts{TotalCost: y(50000), BasicInsurance: y(5000), CriticalIllnessInsurance: y(2142) + 86, PaidThisYear: 0}, MedicalRule{Ratio: 7000, Ceiling: models.Money(3000000)},
			// (5,000,000 − 500,000 − 214,286) × 0.7 = 2,999,999.8 → 3,000,000 fen, the ceiling exactly
			MedicalPayment{Remaining: models.Money(4285714), Assisted: models.Money(3000000), Room: models.Money(3000000), Payable: models.Money(3000000)}},
		{"P3 above the ceiling is capped", MedicalCosts{TotalCost: y(100000)}, rule,
			MedicalPayment{Remaining: y(100000), Assisted: y(70000), Room: y(30000), Payable: y(30000)}},
		{"P3 ceiling net of what was paid this year", MedicalCosts{TotalCost: y(10000), PaidThisYear: y(25000)}, rule,
			MedicalPayment{Remaining: y(10000), Assisted: y(7000), Room: y(5000), Payable: y(5000)}},
		{"P3 ceiling already exhausted", MedicalCosts{TotalCost: y(10000), PaidThisYear: y(30000)}, rule,
			MedicalPayment{Remaining: y(10000), Assisted: y(7000), Room: 0, Payable: 0}},
		{"P3 paid beyond the ceiling never goes negative", MedicalCosts{TotalCost: y(10000), PaidThisYear: y(31000)}, rule,
			MedicalPayment{Remaining: y(10000), Assisted: y(7000), Room: 0, Payable: 0}},
		{"P3 rounding: half a fen rounds up", MedicalCosts{TotalCost: 333}, MedicalRule{Ratio: 5000, Ceiling: y(1)},
			MedicalPayment{Remaining: 333, Assisted: 167, Room: 100, Payable: 100}},
		{"P3 rounding: below half a fen rounds down", MedicalCosts{TotalCost: 101}, MedicalRule{Ratio: 7000, Ceiling: y(100)},
			MedicalPayment{Remaining: 101, Assisted: 71, Room: y(100), Payable: 71}},
		{"P3 one fen at 70 %", MedicalCosts{TotalCost: 1}, rule,
			MedicalPayment{Remaining: 1, Assisted: 1, Room: y(30000), Payable: 1}},
		{"P3 full ratio pays everything left", MedicalCosts{TotalCost: y(8000), BasicInsurance: y(6000)}, MedicalRule{Ratio: Full, Ceiling: y(30000)},
			MedicalPayment{Remaining: y(2000), Assisted: y(2000), Room: y(30000), Payable: y(2000)}},
		{"P3 huge amounts do not overflow", MedicalCosts{TotalCost: models.Money(1) << 60}, MedicalRule{Ratio: 9999, Ceiling: models.Money(1) << 61},
			MedicalPayment{Remaining: models.Money(1) << 60, Assisted: models.Money(1152806212456386291), Room: models.Money(1) << 61, Payable: models.Money(1152806212456386291)}},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			if got := MedicalPayable(tt.costs, tt.rule); got != tt.want {
				t.Fatalf("MedicalPayable(%+v, %+v) = %+v, want %+v", tt.costs, tt.rule, got, tt.want)
			}
		})
	}
}

func TestParseMedicalRules(t *testing.T) {
	defaults := DefaultMedicalRules()
	tests := []struct {
		clause string
		in     string
		check  map[string]MedicalRule
		err    string
	}{
		{"P3 empty gives the defaults", "", defaults, ""},
		{"P3 override one program", "MEDICAL_INPATIENT=80:40000", map[string]MedicalRule{
			"MEDICAL_INPATIENT": {Ratio: 8000, Ceiling: models.Yuan(40000)}, "MEDICAL_CRITICAL": defaults["MEDICAL_CRITICAL"]}, ""},
		{"P3 decimals and a percent sign", " MEDICAL_CRITICAL = 62.5% : 123456.78 ", map[string]MedicalRule{
			"MEDICAL_CRITICAL": {Ratio: 6250, Ceiling: models.Money(12345678)}}, ""},
		{"P3 a new program", "MEDICAL_DENTAL=50:1000,", map[string]MedicalRule{"MEDICAL_DENTAL": {Ratio: 5000, Ceiling: models.Yuan(1000)}}, ""},
		{"P3 ratio above 100", "MEDICAL_INPATIENT=101:1000", nil, "ratio"},
		{"P3 zero ratio", "MEDICAL_INPATIENT=0:1000", nil, "ratio"},
		{"P3 negative ceiling", "MEDICAL_INPATIENT=70:-1", nil, "ceiling"},
		{"P3 malformed", "MEDICAL_INPATIENT", nil, "CODE=RATIO:CEILING"},
	}
	for _, tt := range tests {
		t.Run(tt.clause, func(t *testing.T) {
			got, err := ParseMedicalRules(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseMedicalRules(%q) error = %v, want one mentioning %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for code, want := range tt.check {
				if got[code] != want {
					t.Errorf("%s = %+v, want %+v", code, got[code], want)
				}
			}
			back, err := ParseMedicalRules(got.String())
			if err != nil || back.String() != got.String() {
				t.Errorf("round trip of %q: %q, %v", got.String(), back.String(), err)
			}
		})
	}
	if r := defaults.Rule("MEDICAL_UNKNOWN"); r != FallbackMedicalRule {
		t.Errorf("rule of a program without one: %+v", r)
	}
}
