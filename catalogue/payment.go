package catalogue

import "slices"

// oneOff lists the programs paid once (or once per school term): the amount of their
// grants is the sum paid, not a monthly payment. Every other program pays monthly.
var oneOff = []string{
	"MEDICAL_OUTPATIENT", "MEDICAL_INPATIENT", "MEDICAL_CRITICAL",
	"EDU_PRESCHOOL", "EDU_COMPULSORY", "EDU_HIGHSCHOOL", "EDU_COLLEGE",
	"HOUSING_RENOVATION", "EMPLOYMENT_SUBSIDY", "DISASTER_RELIEF", "TEMPORARY_RELIEF",
}

// IsRecurring reports whether grants of program pay their amount every month (dibao,
// 特困, allowances) rather than once (medical, education, temporary, disaster relief).
// A program outside the catalogue is not recurring.
func IsRecurring(program string) bool {
	if slices.Contains(oneOff, program) {
		return false
	}
	for _, p := range Programs() {
		if p.Code == program {
			return true
		}
	}
	return false
}

// Recurring returns the codes of the programs that pay monthly, in display order.
func Recurring() []string {
	var out []string
	for _, p := range Programs() {
		if !slices.Contains(oneOff, p.Code) {
			out = append(out, p.Code)
		}
	}
	return out
}
