package policy

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"jiuzhu/models"
)

// BasisPoints is a share in hundredths of a percent: 10000 is 100 %, 7000 is 70 %.
type BasisPoints int64

// Full is a share of 100 %.
const Full BasisPoints = 10000

// String writes b as a percentage with two decimals, for example "70.00%".
func (b BasisPoints) String() string { return fmt.Sprintf("%d.%02d%%", b/100, b%100) }

// MedicalRule is the assistance that a medical program pays (P3): a ratio of the cost
// left after insurance, up to an annual ceiling per person.
type MedicalRule struct {
	// Ratio is the share of the remaining cost that assistance pays.
	Ratio BasisPoints
	// Ceiling is the most one person receives from the program in one calendar year.
	Ceiling models.Money
}

// MedicalRules holds the rule of each medical program, by program code.
type MedicalRules map[string]MedicalRule

// FallbackMedicalRule applies to a program of the medical category that has no rule of
// its own.
var FallbackMedicalRule = MedicalRule{Ratio: 7000, Ceiling: models.Yuan(30000)}

// DefaultMedicalRules returns the Dezhou-like defaults (P3): outpatient care of chronic
// and special diseases 70 % up to 5,000 yuan a year, inpatient care 70 % up to 30,000
// yuan, and critical illness 60 % up to 100,000 yuan.
func DefaultMedicalRules() MedicalRules {
	return MedicalRules{
		"MEDICAL_OUTPATIENT": {Ratio: 7000, Ceiling: models.Yuan(5000)},
		"MEDICAL_INPATIENT":  {Ratio: 7000, Ceiling: models.Yuan(30000)},
		"MEDICAL_CRITICAL":   {Ratio: 6000, Ceiling: models.Yuan(100000)},
	}
}

// Rule returns the rule of program, or FallbackMedicalRule when it has none.
func (r MedicalRules) Rule(program string) MedicalRule {
	if rule, ok := r[program]; ok {
		return rule
	}
	return FallbackMedicalRule
}

// String writes the rules in the form ParseMedicalRules reads, sorted by program code.
func (r MedicalRules) String() string {
	codes := make([]string, 0, len(r))
	for c := range r {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		rule := r[c]
		parts[i] = fmt.Sprintf("%s=%s:%s", c, strings.TrimSuffix(rule.Ratio.String(), "%"), rule.Ceiling)
	}
	return strings.Join(parts, ",")
}

// ParseMedicalRules reads rules written "CODE=RATIO:CEILING,…", the ratio a percentage
// with at most two decimals ("70", "62.5") and the ceiling in yuan ("30000.00"), and lays
// them over DefaultMedicalRules. An empty string gives the defaults. It returns an error
// naming the faulty entry for anything else, a ratio outside (0, 100] or a negative
// ceiling.
func ParseMedicalRules(s string) (MedicalRules, error) {
	rules := DefaultMedicalRules()
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		code, rest, ok1 := strings.Cut(entry, "=")
		ratio, ceiling, ok2 := strings.Cut(rest, ":")
		code = strings.TrimSpace(code)
		if !ok1 || !ok2 || code == "" {
			return nil, fmt.Errorf("medical rule %q: want CODE=RATIO:CEILING", entry)
		}
		pct, err := models.ParseMoney(strings.TrimSuffix(strings.TrimSpace(ratio), "%"))
		if err != nil || pct <= 0 || BasisPoints(pct) > Full {
			return nil, fmt.Errorf("medical rule %q: the ratio must be a percentage above 0 and at most 100", entry)
		}
		c, err := models.ParseMoney(ceiling)
		if err != nil || c < 0 {
			return nil, fmt.Errorf("medical rule %q: the ceiling must be a non-negative yuan amount", entry)
		}
		// A percentage with two decimals, read as fen, is already in basis points.
		rules[code] = MedicalRule{Ratio: BasisPoints(pct), Ceiling: c}
	}
	return rules, nil
}

// MedicalCosts are the figures of one medical-assistance claim (P3).
type MedicalCosts struct {
	// TotalCost is the cost of the treatment.
	TotalCost models.Money
	// BasicInsurance is what basic medical insurance paid.
	BasicInsurance models.Money
	// CriticalIllnessInsurance is what critical-illness insurance paid.
	CriticalIllnessInsurance models.Money
	// PaidThisYear is what the program already paid the same person this calendar year.
	PaidThisYear models.Money
}

// MedicalPayment is the outcome of MedicalPayable, every step kept for the record.
type MedicalPayment struct {
	// Remaining is the cost left after both insurances, never negative.
	Remaining models.Money
	// Assisted is Remaining times the ratio, rounded to the fen.
	Assisted models.Money
	// Room is what is left of the annual ceiling, never negative.
	Room models.Money
	// Payable is what assistance pays: the lesser of Assisted and Room.
	Payable models.Money
}

// MedicalPayable applies P3, "insurance first, then assistance": assistance pays the
// rule's ratio of what is left after basic and critical-illness insurance paid, capped by
// what is left of the rule's annual ceiling for the person after what the program already
// paid them this year. Nothing is ever negative.
//
// Rounding: the ratio's product is rounded to the nearest fen, halves up (四舍五入), before
// the cap; all other steps are exact integer fen.
func MedicalPayable(c MedicalCosts, rule MedicalRule) MedicalPayment {
	var p MedicalPayment
	p.Remaining = max(c.TotalCost-c.BasicInsurance-c.CriticalIllnessInsurance, 0)
	ratio := min(max(rule.Ratio, 0), Full)
	// remaining × ratio / 10000, rounded half up, in big integers so that no product
	// of two int64 values overflows.
	n := new(big.Int).Mul(big.NewInt(int64(p.Remaining)), big.NewInt(int64(ratio)))
	n.Add(n, big.NewInt(int64(Full)/2))
	n.Quo(n, big.NewInt(int64(Full)))
	p.Assisted = models.Money(n.Int64()) // at most Remaining, so it fits
	p.Room = max(rule.Ceiling-max(c.PaidThisYear, 0), 0)
	p.Payable = min(p.Assisted, p.Room)
	return p
}
