package models

import (
	"fmt"
	"io"
	"time"
)

// SelfCare is the self-care ability of a person in 特困 support (P19), which decides the
// care amount added to the basic-living amount.
type SelfCare string

// The three degrees of self-care ability.
const (
	// SelfCareFull: the person looks after themself (全自理).
	SelfCareFull SelfCare = "FULL"
	// SelfCarePartial: the person partly lost the ability (半失能).
	SelfCarePartial SelfCare = "PARTIAL"
	// SelfCareNone: the person cannot look after themself (全失能).
	SelfCareNone SelfCare = "NONE"
)

// SelfCares lists every valid degree of self-care ability.
var SelfCares = []SelfCare{SelfCareFull, SelfCarePartial, SelfCareNone}

// MarshalGQL writes the degree.
func (v SelfCare) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a degree of self-care ability.
func (v *SelfCare) UnmarshalGQL(x any) error { return readEnum(x, v, SelfCares, "selfCare") }

// AmountMode says how the parameters of a program without a rule of its own fix a
// grant's amount.
type AmountMode string

// The two modes of a program's amount.
const (
	// AmountFixed: every grant pays the configured amount.
	AmountFixed AmountMode = "FIXED"
	// AmountCapped: a grant pays the assessed need, at most the configured amount.
	AmountCapped AmountMode = "CAPPED"
)

// AmountModes lists every valid mode.
var AmountModes = []AmountMode{AmountFixed, AmountCapped}

// MarshalGQL writes the mode.
func (v AmountMode) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a mode.
func (v *AmountMode) UnmarshalGQL(x any) error { return readEnum(x, v, AmountModes, "mode") }

// ProgramAmount is the amount rule of one program: a fixed amount, or a cap on the
// assessed need.
type ProgramAmount struct {
	ProgramCode string     `json:"program"`
	Mode        AmountMode `json:"mode"`
	Amount      Money      `json:"amount"`
}

// EntitlementParameters are the figures by which a county computes what its grants pay
// (P18–P20), in force from EffectiveFrom (a day of Year) until the next set of the county
// takes effect. Multiples are in thousandths: 1300 is 1.3 times.
type EntitlementParameters struct {
	ID string `gorm:"primaryKey;size:36"`
	// AreaCode is the county's 12-digit code.
	AreaCode      string `gorm:"size:12;not null;uniqueIndex:idx_entitlement_parameters_area_from,priority:1"`
	Year          int    `gorm:"not null"`
	EffectiveFrom Date   `gorm:"not null;uniqueIndex:idx_entitlement_parameters_area_from,priority:2"`
	// DibaoMinPerPerson is the least dibao paid per member covered (P18).
	DibaoMinPerPerson Money `gorm:"not null"`
	// TekunMultipleMilli is the multiple of the dibao standard that 特困 basic living pays at
	// least (P19).
	TekunMultipleMilli int64 `gorm:"not null"`
	// CareFull, CarePartial and CareNone are the monthly care amounts of 特困 support by
	// self-care ability (P19).
	CareFull    Money `gorm:"not null"`
	CarePartial Money `gorm:"not null"`
	CareNone    Money `gorm:"not null"`
	// TemporaryMultipleMilli caps temporary assistance at this multiple of the monthly dibao
	// standard (P20).
	TemporaryMultipleMilli int64 `gorm:"not null"`
	// UrgentDays is the number of days within which the file of an urgent (急难) case
	// paid from the reserve fund must be completed by approval (P20).
	UrgentDays int `gorm:"not null"`
	// Programs holds the fixed or capped amounts of other programs.
	Programs  []ProgramAmount `gorm:"serializer:json;type:text;not null"`
	SetBy     string          `gorm:"size:128;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CountyCode returns the county's code.
func (p *EntitlementParameters) CountyCode() string { return p.AreaCode }

// TekunMultiple returns the 特困 multiple with three places ("1.300").
func (p *EntitlementParameters) TekunMultiple() string { return milli(p.TekunMultipleMilli) }

// TemporaryMultiple returns the temporary-assistance multiple with three places.
func (p *EntitlementParameters) TemporaryMultiple() string { return milli(p.TemporaryMultipleMilli) }

// milli formats thousandths with three places: 1300 is "1.300".
func milli(v int64) string { return fmt.Sprintf("%d.%03d", v/1000, v%1000) }

// Program returns the amount rule of program, or nil when none is configured.
func (p *EntitlementParameters) Program(program string) *ProgramAmount {
	for i := range p.Programs {
		if p.Programs[i].ProgramCode == program {
			return &p.Programs[i]
		}
	}
	return nil
}

// CalculationMethod names the rule by which a grant's amount was computed.
type CalculationMethod string

// The rules of the amounts of grants.
const (
	CalcDibaoGap  CalculationMethod = "DIBAO_GAP" // P18
	CalcTekun     CalculationMethod = "TEKUN"     // P19
	CalcTemporary CalculationMethod = "TEMPORARY" // P20
	CalcFixed     CalculationMethod = "FIXED"
	CalcCapped    CalculationMethod = "CAPPED"
	CalcMedical   CalculationMethod = "MEDICAL" // P3
	// CalcEntered: no parameters fix the program's amount; the approver's figure is used.
	CalcEntered CalculationMethod = "ENTERED"
)

// CalculationMethods lists every method.
var CalculationMethods = []CalculationMethod{CalcDibaoGap, CalcTekun, CalcTemporary, CalcFixed, CalcCapped, CalcMedical, CalcEntered}

// MarshalGQL writes the method.
func (v CalculationMethod) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a method.
func (v *CalculationMethod) UnmarshalGQL(x any) error {
	return readEnum(x, v, CalculationMethods, "method")
}

// CalculationInput is one named figure a calculation used, written as text ("850.00",
// "3", "1.300", "URBAN").
type CalculationInput struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// EntitlementCalculation records how the amount of an approved grant was computed: the
// rule, its inputs, the formula with its figures, the computed amount and the amount
// granted. Overridden marks a granted amount that differs from the computed one, with
// the approver's reason.
type EntitlementCalculation struct {
	ID             string             `gorm:"primaryKey;size:36;index:idx_entitlement_calculations_area_id,priority:2"`
	AreaCode       string             `gorm:"size:12;not null;index:idx_entitlement_calculations_area_id,priority:1"`
	GrantID        string             `gorm:"size:36;not null;uniqueIndex"`
	ProgramCode    string             `gorm:"size:40;not null"`
	CategoryCode   string             `gorm:"size:32;not null"`
	Method         CalculationMethod  `gorm:"size:16;not null"`
	Clause         string             `gorm:"size:16;not null;default:''"`
	Formula        string             `gorm:"size:500;not null;default:''"`
	Inputs         []CalculationInput `gorm:"serializer:json;type:text;not null"`
	Computed       Money              `gorm:"not null"`
	Amount         Money              `gorm:"not null"`
	Overridden     bool               `gorm:"not null;default:false;index"`
	OverrideReason string             `gorm:"size:500;not null;default:''"`
	ParametersID   *string            `gorm:"size:36"`
	Actor          string             `gorm:"size:128;not null"`
	CreatedAt      time.Time
}

// OverrideInput replaces the computed amount of an approval, with the reason why.
type OverrideInput struct {
	Amount Money
	Reason string
}

// EntitlementParametersInput sets a county's entitlement parameters from a date. Nil
// fields take the defaults of the policy.
type EntitlementParametersInput struct {
	County            string
	Year              int
	EffectiveFrom     Date
	DibaoMinPerPerson *Money
	TekunMultiple     *string
	CareFull          *Money
	CarePartial       *Money
	CareNone          *Money
	TemporaryMultiple *string
	UrgentDays        *int
	Programs          []*ProgramAmountInput
}

// ProgramAmountInput is the amount rule of one program.
type ProgramAmountInput struct {
	ProgramCode string
	Mode        AmountMode
	Amount      Money
}

// Violation is a record that breaks a rule of one benefit where the policy allows one
// (P21), or an urgent file not completed in time (P20).
type Violation struct {
	// Rule names the rule broken (ONE_DIBAO, DIBAO_KIND, TEKUN_WITH_DIBAO,
	// SAME_PROGRAM, URGENT_OVERDUE).
	Rule        string
	GrantID     string
	HouseholdID string
	AreaCode    string
	// OtherGrantID is the grant it collides with, nil for rules about one grant.
	OtherGrantID *string
	// Detail says what is wrong, without personal data.
	Detail string
}
