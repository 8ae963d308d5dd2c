package privacy

import "strings"

// What an integrator reads of who did something, and of a calculation.
//
// An integrator is another department's system. It needs to know which office acted on a
// record, in which role, and by which rule and standard an amount was computed; it does
// not need the login identity (the token's subject) of the officer who acted, which
// together with the office and the day names a person, nor the household's income
// figures behind an amount. Staff of the area read both as stored.

// StaffRole is the role an office label gives when the record keeps the subject of who
// acted but not the role: an act that admins, officers or assistants may do (for a
// verification, also a department's import).
const StaffRole = "STAFF"

// Acted is who did something, as a record keeps it: the subject of the caller, and the
// caller's role and area when the record keeps them (else the role the act admits, or
// StaffRole, and the area of the office the record belongs to).
type Acted struct {
	Subject string
	Role    string
	Area    string
}

// Office returns the label of the office that acted: the role in capitals, "@" and the
// office's code (OfficeArea), as OFFICER@371402001000. An empty role is StaffRole.
func Office(role, area string) string {
	if role == "" {
		role = StaffRole
	}
	return strings.ToUpper(role) + "@" + OfficeArea(area)
}

// OfficeArea returns the office an integrator reads for an area that acted: the area
// itself, but a village's township. A village has one civil-affairs assistant (P6), so
// a role and a village would name the person as well as the subject does; a township's
// office has several staff. The area is a 12-digit code; anything else is returned as
// it is.
func OfficeArea(area string) string {
	if len(area) != 12 || area[9:] == "000" {
		return area
	}
	return area[:9] + "000"
}

// Actor returns what a caller reads of who did something: the subject for staff
// (integrator false), the office label (Office) for an integrator.
func Actor(integrator bool, a Acted) string {
	if !integrator {
		return a.Subject
	}
	return Office(a.Role, a.Area)
}

// RuleInputs are the names of a calculation's inputs that an integrator reads: the
// rule's parameters (the standard, its year and whether it is the urban or rural one,
// the minimum per person, the multiples, the care amounts, the caps and fixed amounts,
// what a township's reserve fund paid and the urgent file's dates, a medical claim's
// payable amount, which is the amount). Anything else a calculation records (the
// household's total and per-capita income, the members counted, where the income came
// from, the assessed need, an amount entered) is the household's and is left out;
// WithheldInputs lists those known today.
var RuleInputs = map[string]bool{
	"status": true, "standard": true, "standardYear": true, "minPerPerson": true, "multiple": true,
	"basicLiving": true, "selfCare": true, "care": true, "cap": true, "fixed": true, "reserveDrawn": true,
	"payable": true, "urgentFirstDraw": true, "urgentDeadline": true,
}

// WithheldInputs are the names of the calculation inputs known to be the household's,
// which an integrator does not read (see RuleInputs).
var WithheldInputs = map[string]bool{
	"totalIncome": true, "incomeMembers": true, "incomeSource": true, "perCapitaIncome": true,
	"membersCovered": true, "need": true, "entered": true,
}

// IntegratorInputs returns the inputs of a calculation an integrator reads, in their
// order: those named in RuleInputs. name returns an input's name.
func IntegratorInputs[T any](inputs []T, name func(T) string) []T {
	out := make([]T, 0, len(inputs))
	for _, in := range inputs {
		if RuleInputs[name(in)] {
			out = append(out, in)
		}
	}
	return out
}

// ruleFormulas are the formulas of the rules without the household's figures, by the
// calculation method's name.
var ruleFormulas = map[string]string{
	"DIBAO_GAP": "max(standard − per-capita income, minPerPerson) × members covered",
	"TEKUN":     "⌈standard × multiple⌉ + care",
	"TEMPORARY": "min(need, ⌊standard × multiple⌋)",
	"FIXED":     "fixed",
	"CAPPED":    "min(need, cap)",
	"MEDICAL":   "payable (see the medical claim)",
	"ENTERED":   "entered (no parameters fix this program's amount)",
}

// IntegratorFormula returns the formula an integrator reads of a calculation by method:
// the rule's formula in words, without the household's figures (the per-capita income,
// the members covered, the need). A method it does not know gives "".
func IntegratorFormula(method string) string { return ruleFormulas[method] }
