package models

import "time"

// HouseholdInput creates a household together with its head and other members.
type HouseholdInput struct {
	Village           string
	Address           string
	PovertyRegistered bool
	ExternalRef       *string
	Members           []*MemberInput
}

// HouseholdPatch changes a household; nil fields stay as they are.
type HouseholdPatch struct {
	Village           *string
	Address           *string
	PovertyRegistered *bool
	ExternalRef       *string
}

// MemberInput adds a person to a household.
type MemberInput struct {
	Name            string
	IDNumber        string
	Relation        Relation
	DisabilityLevel *int
	LabourCapacity  *LabourCapacity
	MonthlyIncome   *Money
	// Phone is the member's contact phone: a mainland mobile number or a landline with
	// its area code; nil or blank for none.
	Phone *string
}

// MemberPatch changes a member; nil fields stay as they are. The ID number cannot be
// changed: a person with another number is another person.
type MemberPatch struct {
	Name            *string
	Relation        *Relation
	DisabilityLevel *int
	LabourCapacity  *LabourCapacity
	MonthlyIncome   *Money
	// Phone replaces the contact phone; an empty string clears it.
	Phone *string
}

// GrantInput opens a grant on an active program.
type GrantInput struct {
	HouseholdID string
	MemberID    *string
	ProgramCode string
	// Amount is the amount typed, zero when left out: for an ACTIVE grant an override of
	// the computed amount (with OverrideReason) or, for programs that start from a need,
	// the need; for a PENDING grant the amount asked for.
	Amount    Money
	StartDate Date
	EndDate   *Date
	Status    *GrantStatus
	// OverrideReason says why Amount replaces the computed amount.
	OverrideReason *string
	// SelfCare is the person's self-care ability, for 特困 support (P19).
	SelfCare *SelfCare
}

// HouseholdFilter narrows a household list.
type HouseholdFilter struct {
	PovertyRegistered *bool
	ExternalRef       *string
	AddressContains   *string
	ProgramCode       *string
	// LowIncome, Grade, ExpenditurePoverty and CareEligible select on the values derived
	// by the policy rules (P17, P9, P15, P14).
	LowIncome          *bool
	Grade              *Grade
	ExpenditurePoverty *bool
	CareEligible       *bool
	// MemberName, MemberNamePrefix, MemberIDNumber and MemberPhone select the households
	// with a member of that exact name, a name starting with the prefix, that full
	// resident ID number (upper-case X) or that full contact phone.
	MemberName       *string
	MemberNamePrefix *string
	MemberIDNumber   *string
	MemberPhone      *string
}

// GrantFilter narrows a grant list.
type GrantFilter struct {
	Status       *GrantStatus
	ProgramCode  *string
	CategoryCode *string
	HouseholdID  *string
}

// AuditFilter narrows the audit trail; nil fields do not filter.
type AuditFilter struct {
	// Operation is the name of a mutation or of another audited act, like revealIdNumber.
	Operation *string
	// Actor is the subject of the caller who acted.
	Actor *string
	// From and To bound the time of recording: From inclusive, To exclusive.
	From *time.Time
	To   *time.Time
}
