package policy

import (
	"fmt"
	"strconv"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// Rounding of entitlements, stated once:
//
//   - per-capita income is the household's monthly income over the members it was
//     verified with, rounded DOWN to the fen (PerCapita), so that the dibao gap, the
//     standard minus it, is rounded UP to the fen, in the household's favour (P18);
//   - a multiple of the standard that a grant pays at least (特困 basic living, P19) is
//     rounded UP to the fen;
//   - a multiple of the standard that caps a grant (temporary assistance, P20) is
//     rounded DOWN to the fen;
//   - every other step is exact integer arithmetic in fen.

// Defaults of the entitlement parameters, used for a county that has set none.
const (
	DefaultDibaoMinPerPerson = models.Money(3000) // 30.00 a month per member covered
	DefaultTekunMultiple     = 1300               // 1.3 × the dibao standard (P19)
	DefaultCareFull          = models.Money(10000)
	DefaultCarePartial       = models.Money(30000)
	DefaultCareNone          = models.Money(60000)
	DefaultTemporaryMultiple = 6000 // 6 × the monthly standard (P20)
	DefaultUrgentDays        = 5
)

// Bounds of the parameters, so that their integer arithmetic cannot overflow.
const (
	MaxParameterAmount = models.Money(10_000_000) // 100,000.00
	MaxMultiple        = 24_000                   // 24 times
	MaxUrgentDays      = 90
)

// DefaultEntitlementParameters returns the parameters of a county that has set none.
func DefaultEntitlementParameters() models.EntitlementParameters {
	return models.EntitlementParameters{
		DibaoMinPerPerson: DefaultDibaoMinPerPerson, TekunMultipleMilli: DefaultTekunMultiple,
		CareFull: DefaultCareFull, CarePartial: DefaultCarePartial, CareNone: DefaultCareNone,
		TemporaryMultipleMilli: DefaultTemporaryMultiple, UrgentDays: DefaultUrgentDays,
		Programs: []models.ProgramAmount{},
	}
}

// CheckParameters returns a *models.FieldError naming the first field of p out of
// bounds: amounts from 0.00 to 100,000.00, the 特困 multiple at least 1 (P19), the
// temporary multiple more than 0, both at most 24, urgent days from 1 to 90, and program
// amounts more than 0.00 on known programs with their own rule (P18–P20 programs and
// medical programs take none), each once.
func CheckParameters(p models.EntitlementParameters) error {
	for _, f := range []struct {
		name string
		v    models.Money
	}{{"dibaoMinPerPerson", p.DibaoMinPerPerson}, {"careFull", p.CareFull}, {"carePartial", p.CarePartial}, {"careNone", p.CareNone}} {
		if f.v < 0 || f.v > MaxParameterAmount {
			return models.Invalid("input."+f.name, "must be from 0.00 to %s", MaxParameterAmount)
		}
	}
	if p.TekunMultipleMilli < 1000 || p.TekunMultipleMilli > MaxMultiple {
		return models.Invalid("input.tekunMultiple", "must be from 1 to 24: 特困 basic living is at least the dibao standard (P19)")
	}
	if p.TemporaryMultipleMilli <= 0 || p.TemporaryMultipleMilli > MaxMultiple {
		return models.Invalid("input.temporaryMultiple", "must be more than 0 and at most 24")
	}
	if p.UrgentDays < 1 || p.UrgentDays > MaxUrgentDays {
		return models.Invalid("input.urgentDays", "must be from 1 to %d", MaxUrgentDays)
	}
	seen := map[string]bool{}
	for i, pa := range p.Programs {
		field := fmt.Sprintf("input.programs[%d]", i)
		if !knownProgram(pa.ProgramCode) {
			return models.Invalid(field+".programCode", "is not a program of the catalogue")
		}
		if ruled(pa.ProgramCode) {
			return models.Invalid(field+".programCode", "%s has a rule of its own (P3, P18–P20); it takes no fixed or capped amount", pa.ProgramCode)
		}
		if seen[pa.ProgramCode] {
			return models.Invalid(field+".programCode", "%s is given twice", pa.ProgramCode)
		}
		seen[pa.ProgramCode] = true
		if pa.Mode != models.AmountFixed && pa.Mode != models.AmountCapped {
			return models.Invalid(field+".mode", "must be FIXED or CAPPED")
		}
		if pa.Amount <= 0 || pa.Amount > MaxParameterAmount {
			return models.Invalid(field+".amount", "must be more than 0.00 and at most %s", MaxParameterAmount)
		}
	}
	return nil
}

// knownProgram reports a program of the catalogue.
func knownProgram(code string) bool {
	for _, p := range catalogue.Programs() {
		if p.Code == code {
			return true
		}
	}
	return false
}

// TekunPrograms are the programs of 特困 support (P19).
var TekunPrograms = []string{"TEKUN_DISPERSED", "TEKUN_CENTRALIZED"}

// ruled reports a program whose amount a rule of its own computes.
func ruled(program string) bool {
	switch ProgramRule(program, "") {
	case models.CalcDibaoGap, models.CalcTekun, models.CalcTemporary, models.CalcMedical:
		return true
	}
	return false
}

// ProgramRule returns the rule that computes the amount of program of category
// (category may be "" when unknown): the dibao gap (P18), 特困 support (P19), temporary
// assistance (P20), medical assistance (P3), or "" for a program whose parameters fix
// it.
func ProgramRule(program, category string) models.CalculationMethod {
	switch {
	case program == catalogue.ProgramUrbanDibao || program == catalogue.ProgramRuralDibao:
		return models.CalcDibaoGap
	case program == TekunPrograms[0] || program == TekunPrograms[1]:
		return models.CalcTekun
	case program == "TEMPORARY_RELIEF" || program == "TEMPORARY_VAGRANT" || category == catalogue.CategoryTemporary:
		return models.CalcTemporary
	case category == catalogue.CategoryMedical || program == "MEDICAL_OUTPATIENT" || program == "MEDICAL_INPATIENT" || program == "MEDICAL_CRITICAL":
		return models.CalcMedical
	}
	return ""
}

// Calculation is a computed amount with what it was computed from.
type Calculation struct {
	Method   models.CalculationMethod
	Clause   string
	Formula  string
	Inputs   []models.CalculationInput
	Computed models.Money
}

func (c *Calculation) add(name, value string) {
	c.Inputs = append(c.Inputs, models.CalculationInput{Name: name, Value: value})
}

// Thousandths formats a multiple in thousandths with three places: 1300 is "1.300".
func Thousandths(v int64) string { return fmt.Sprintf("%d.%03d", v/1000, v%1000) }

// ParseMultiple reads a multiple such as "1.3" as thousandths (1300), without floating
// point. It returns a *models.FieldError on field for anything else.
func ParseMultiple(field, s string) (int64, error) {
	v, err := parseThousandths(s)
	if err != nil {
		return 0, models.Invalid(field, "must be a decimal such as \"1.3\" with at most three places")
	}
	return v, nil
}

// DibaoFacts are the figures of the dibao gap (P18).
type DibaoFacts struct {
	// Standard is the county's monthly standard for the household's urban or rural status.
	Standard models.Money
	Urban    bool
	// TotalIncome is the household's monthly income over IncomeMembers members; Source
	// says where it comes from ("verification" or "declared").
	TotalIncome   models.Money
	IncomeMembers int
	Source        string
	// Covered is the number of members the grant covers.
	Covered      int
	MinPerPerson models.Money
}

// DibaoGap computes dibao as the difference (P18): per person the standard minus the
// per-capita monthly income (rounded down to the fen, so the gap is rounded up), at least
// MinPerPerson, times the members covered. It returns a *models.FieldError when no member
// is covered, and when the per-capita income is not below the standard: then nothing is
// payable and the application is to be rejected.
func DibaoGap(f DibaoFacts) (Calculation, error) {
	if f.Covered < 1 || f.IncomeMembers < 1 {
		return Calculation{}, models.Invalid("id", "the household has no member for dibao to cover")
	}
	pc := PerCapita(f.TotalIncome, f.IncomeMembers)
	if !BelowStandard(f.TotalIncome, f.Standard, f.IncomeMembers) {
		return Calculation{}, models.Invalid("id", "the per-capita income %s is not below the standard %s: no dibao is payable (P18); reject the application instead", pc, f.Standard)
	}
	gap := f.Standard - pc
	per := max(gap, f.MinPerPerson)
	c := Calculation{Method: models.CalcDibaoGap, Clause: "P18", Computed: per * models.Money(f.Covered)}
	status := "RURAL"
	if f.Urban {
		status = "URBAN"
	}
	c.add("status", status)
	c.add("standard", f.Standard.String())
	c.add("totalIncome", f.TotalIncome.String())
	c.add("incomeMembers", strconv.Itoa(f.IncomeMembers))
	c.add("incomeSource", f.Source)
	c.add("perCapitaIncome", pc.String())
	c.add("minPerPerson", f.MinPerPerson.String())
	c.add("membersCovered", strconv.Itoa(f.Covered))
	if per == gap {
		c.Formula = fmt.Sprintf("(%s − %s) × %d = %s", f.Standard, pc, f.Covered, c.Computed)
	} else {
		c.Formula = fmt.Sprintf("max(%s − %s, %s) × %d = %s", f.Standard, pc, f.MinPerPerson, f.Covered, c.Computed)
	}
	return c, nil
}

// TekunFacts are the figures of 特困 support (P19).
type TekunFacts struct {
	Standard models.Money
	Urban    bool
	// Multiple is in thousandths.
	Multiple int64
	SelfCare models.SelfCare
	// Care is the care amount of each degree of self-care ability.
	Care map[models.SelfCare]models.Money
}

// Tekun computes 特困 support (P19): the basic-living amount, the standard times the
// multiple rounded up to the fen, plus the care amount of the person's self-care
// ability. It returns a *models.FieldError on input.selfCare when the ability is unknown.
func Tekun(f TekunFacts) (Calculation, error) {
	care, ok := f.Care[f.SelfCare]
	if !ok {
		return Calculation{}, models.Invalid("input.selfCare", "is required for 特困 support: FULL, PARTIAL or NONE (P19)")
	}
	basic := models.Money(ceilDiv(int64(f.Standard)*f.Multiple, 1000))
	c := Calculation{Method: models.CalcTekun, Clause: "P19", Computed: basic + care}
	status := "RURAL"
	if f.Urban {
		status = "URBAN"
	}
	c.add("status", status)
	c.add("standard", f.Standard.String())
	c.add("multiple", Thousandths(f.Multiple))
	c.add("basicLiving", basic.String())
	c.add("selfCare", string(f.SelfCare))
	c.add("care", care.String())
	c.Formula = fmt.Sprintf("⌈%s × %s⌉ + %s = %s + %s = %s", f.Standard, Thousandths(f.Multiple), care, basic, care, c.Computed)
	return c, nil
}

// TemporaryFacts are the figures of temporary assistance (P20).
type TemporaryFacts struct {
	Standard models.Money
	// Multiple is in thousandths.
	Multiple int64
	// Need is the assessed need; nil on the urgent path takes what the reserve paid.
	Need *models.Money
	// ReserveDrawn is what the township's reserve fund paid for the grant (P16).
	ReserveDrawn models.Money
}

// Temporary computes temporary assistance (P20): the assessed need, at most the cap of
// the monthly standard times the multiple, rounded down to the fen. Without a need, an
// urgent case paid from the reserve takes the amount drawn. It returns a
// *models.FieldError on input.amount when there is no need to go by, or it is not
// positive.
func Temporary(f TemporaryFacts) (Calculation, error) {
	need := f.ReserveDrawn
	if f.Need != nil {
		need = *f.Need
	}
	if need <= 0 {
		return Calculation{}, models.Invalid("input.amount", "the assessed need is required for temporary assistance, more than 0.00 (P20)")
	}
	capped := models.Money(int64(f.Standard) * f.Multiple / 1000)
	c := Calculation{Method: models.CalcTemporary, Clause: "P20", Computed: min(need, capped)}
	c.add("need", need.String())
	c.add("standard", f.Standard.String())
	c.add("multiple", Thousandths(f.Multiple))
	c.add("cap", capped.String())
	if f.ReserveDrawn > 0 {
		c.add("reserveDrawn", f.ReserveDrawn.String())
	}
	c.Formula = fmt.Sprintf("min(%s, ⌊%s × %s⌋) = min(%s, %s) = %s", need, f.Standard, Thousandths(f.Multiple), need, capped, c.Computed)
	return c, nil
}

// ProgramAmount computes the amount of a program without a rule of its own: the fixed
// amount of its parameters, or the assessed need at most the cap; without parameters the
// approver's figure as entered. It returns a *models.FieldError on input.amount for a need
// given to a fixed amount, or missing or not positive otherwise.
func ProgramAmount(rule *models.ProgramAmount, need *models.Money) (Calculation, error) {
	switch {
	case rule != nil && rule.Mode == models.AmountFixed:
		if need != nil && *need != rule.Amount {
			return Calculation{}, models.Invalid("input.amount", "the program pays a fixed %s; leave the amount out, or override it with a reason", rule.Amount)
		}
		c := Calculation{Method: models.CalcFixed, Computed: rule.Amount, Formula: fmt.Sprintf("fixed %s", rule.Amount)}
		c.add("fixed", rule.Amount.String())
		return c, nil
	case need == nil || *need <= 0:
		return Calculation{}, models.Invalid("input.amount", "the assessed need is required, more than 0.00")
	case rule != nil:
		c := Calculation{Method: models.CalcCapped, Computed: min(*need, rule.Amount)}
		c.add("need", need.String())
		c.add("cap", rule.Amount.String())
		c.Formula = fmt.Sprintf("min(%s, %s) = %s", *need, rule.Amount, c.Computed)
		return c, nil
	default:
		c := Calculation{Method: models.CalcEntered, Computed: *need, Formula: fmt.Sprintf("entered %s (no parameters fix this program's amount)", *need)}
		c.add("entered", need.String())
		return c, nil
	}
}

// UrgentDeadline returns the last day by which the file of an urgent case first paid
// from the reserve fund on drawn must be completed by approval (P20).
func UrgentDeadline(drawn models.Date, days int) models.Date {
	return models.DateOf(drawn.AddDate(0, 0, days))
}

// UrgentOverdue reports whether an urgent file due by deadline is late on day.
func UrgentOverdue(deadline, day models.Date) bool { return day.After(deadline.Time) }

// CheckOverride returns a *models.FieldError unless an override of a computed amount is
// well formed: an amount more than 0.00 and a reason that says why.
func CheckOverride(o *models.OverrideInput) error {
	if o == nil {
		return nil
	}
	if o.Amount <= 0 {
		return models.Invalid("input.override.amount", "must be more than 0.00")
	}
	if len([]rune(o.Reason)) < 2 {
		return models.Invalid("input.override.reason", "an override needs a reason")
	}
	return nil
}

// ceilDiv returns a / b rounded up, for a ≥ 0 and b > 0.
func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// ApprovalFacts is what the decision on an approval reads, all of it under the lock of
// the household: the grant with the period asked for, the household's urban or rural
// status, the standard and parameters in force on the start date, the income, the
// grants the household holds, and what the reserve fund paid for the grant.
type ApprovalFacts struct {
	Grant    HeldGrant
	Category string
	Urban    bool
	// Standard is the county's monthly dibao standard for the household's status in
	// StandardYear, the latest year not after the start date's; nil when none is set.
	Standard     *models.Money
	StandardYear int
	// Params are the county's parameters in force on the start date (the defaults when
	// it has set none; then ParamsID is nil).
	Params   models.EntitlementParameters
	ParamsID *string
	// TotalIncome is the monthly income over IncomeMembers members: of the latest
	// verification (IncomeSource "verification"), else as declared per member
	// ("declared").
	TotalIncome   models.Money
	IncomeMembers int
	IncomeSource  string
	// Members is the household's number of members, all covered by a dibao grant.
	Members int
	// Held lists the other grants the household holds (see Held).
	Held []HeldGrant
	// ReserveDrawn and FirstDraw: what the township's reserve fund paid for the grant,
	// and the day of the first draw (nil for none), the urgent path of P20.
	ReserveDrawn models.Money
	FirstDraw    *models.Date
	Today        models.Date
	// MedicalPayable is the payable amount of a medical claim, computed from the bills
	// (P3); nil for other programs.
	MedicalPayable *models.Money
}

// ApprovalDecision is what an approval writes: the calculation, the amount granted,
// whether it overrides the computed one and why, and a review flag when the urgent file
// was completed late.
type ApprovalDecision struct {
	Calculation    Calculation
	Amount         models.Money
	Overridden     bool
	OverrideReason string
	// Flag, when not "", is the reason to flag the grant for review.
	Flag string
}

// DecideApproval decides the amount of an approval: the grant must be allowed alongside
// the household's held grants (CheckOneBenefit, P21); its amount is computed by the rule
// of its program (DibaoGap, Tekun, Temporary, the medical claim, ProgramAmount) and may
// be overridden only with a reason (CheckOverride). It returns the errors of those
// functions, a *models.FieldError on input.amount when an amount is typed for a program
// that computes it, and one on id when a standard is needed and the county has none.
func DecideApproval(f ApprovalFacts, in models.ApprovalInput) (ApprovalDecision, error) {
	if err := CheckOneBenefit(f.Grant, f.Urban, f.Held); err != nil {
		return ApprovalDecision{}, err
	}
	if err := CheckOverride(in.Override); err != nil {
		return ApprovalDecision{}, err
	}
	rule := ProgramRule(f.Grant.Program, f.Category)
	var standard models.Money
	switch rule {
	case models.CalcDibaoGap, models.CalcTekun, models.CalcTemporary:
		if f.Standard == nil {
			return ApprovalDecision{}, models.Invalid("id", "the county has no dibao standard for %d or before; set it first (P12)", f.Grant.Start.Year())
		}
		standard = *f.Standard
	}
	if in.SelfCare != nil && rule != models.CalcTekun {
		return ApprovalDecision{}, models.Invalid("input.selfCare", "only 特困 support takes a self-care ability; %s is not 特困", f.Grant.Program)
	}
	var c Calculation
	var err error
	switch rule {
	case models.CalcDibaoGap, models.CalcTekun:
		if in.Amount != nil {
			return ApprovalDecision{}, models.Invalid("input.amount", "the amount of %s is computed (P18, P19); leave it out, or give input.override with a reason", f.Grant.Program)
		}
		if rule == models.CalcDibaoGap {
			c, err = DibaoGap(DibaoFacts{Standard: standard, Urban: f.Urban, TotalIncome: f.TotalIncome, IncomeMembers: f.IncomeMembers,
				Source: f.IncomeSource, Covered: f.Members, MinPerPerson: f.Params.DibaoMinPerPerson})
		} else {
			sc := models.SelfCare("")
			if in.SelfCare != nil {
				sc = *in.SelfCare
			}
			c, err = Tekun(TekunFacts{Standard: standard, Urban: f.Urban, Multiple: f.Params.TekunMultipleMilli, SelfCare: sc,
				Care: map[models.SelfCare]models.Money{models.SelfCareFull: f.Params.CareFull, models.SelfCarePartial: f.Params.CarePartial, models.SelfCareNone: f.Params.CareNone}})
		}
	case models.CalcTemporary:
		c, err = Temporary(TemporaryFacts{Standard: standard, Multiple: f.Params.TemporaryMultipleMilli, Need: in.Amount, ReserveDrawn: f.ReserveDrawn})
	case models.CalcMedical:
		if f.MedicalPayable == nil {
			return ApprovalDecision{}, models.Invalid("input.medical", "the bills are required to approve medical program %s", f.Grant.Program)
		}
		if in.Override != nil {
			return ApprovalDecision{}, models.Invalid("input.override", "medical assistance is computed from the bills (P3) and is not overridden")
		}
		c = Calculation{Method: models.CalcMedical, Clause: "P3", Computed: *f.MedicalPayable, Formula: fmt.Sprintf("payable %s (see the medical claim)", *f.MedicalPayable)}
		c.add("payable", f.MedicalPayable.String())
	default:
		c, err = ProgramAmount(f.Params.Program(f.Grant.Program), in.Amount)
	}
	if err != nil {
		return ApprovalDecision{}, err
	}
	if f.Standard != nil && rule != models.CalcMedical {
		c.add("standardYear", strconv.Itoa(f.StandardYear))
	}
	d := ApprovalDecision{Calculation: c, Amount: c.Computed}
	if in.Override != nil {
		d.Amount, d.Overridden, d.OverrideReason = in.Override.Amount, true, in.Override.Reason
	}
	if f.FirstDraw != nil {
		deadline := UrgentDeadline(*f.FirstDraw, f.Params.UrgentDays)
		d.Calculation.add("urgentFirstDraw", f.FirstDraw.String())
		d.Calculation.add("urgentDeadline", deadline.String())
		if UrgentOverdue(deadline, f.Today) {
			d.Flag = fmt.Sprintf("urgent case paid from the reserve fund on %s: its file was completed on %s, after the deadline of %s (P20)", f.FirstDraw, f.Today, deadline)
		}
	}
	return d, nil
}
