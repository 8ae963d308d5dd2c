package store

import (
	"time"

	"jiuzhu/models"
)

// Rules is what the store needs of the policy to keep the values derived from a
// household's inputs in step with them: Store.Write refreshes, in its own transaction,
// what Assess derives for every household a write touched (derive.go). The caller that
// opens the store gives the policy's implementation in Config.Rules (the server's
// wiring, storetest); the store does not decide what a rule means.
type Rules interface {
	// Assess returns what the rules derive for the household of facts f on the date of
	// today (the store's clock).
	Assess(f HouseholdFacts, today time.Time) Assessment
}

// HouseholdFacts are the stored inputs of the rules about one household, as the refresh
// reads them inside its transaction.
type HouseholdFacts struct {
	// PovertyRegistered is the household's registration as a poor household.
	PovertyRegistered bool
	// Members are the household's members, in the order of their ids.
	Members []MemberFacts
	// Verification is the household's latest verification; nil without one.
	Verification *VerificationFacts
	// Standard is the dibao standard in force for the household; nil when none is set.
	Standard *models.Money
	// Grants are the household's grants of a receiving status (models.ReceivingStatuses).
	Grants []GrantFacts
}

// MemberFacts are the stored inputs of the rules about one member.
type MemberFacts struct {
	BirthDate       models.Date
	Labour          models.LabourCapacity
	DisabilityLevel *int
	// SelfCareLost comes from the latest verification; false without one.
	SelfCareLost bool
}

// VerificationFacts are what the rules read of a household's latest verification.
type VerificationFacts struct {
	TotalIncome models.Money
	// Members is the number of members the verification counted.
	Members int
	// RigidExpenditure is its medical and education expenditure.
	RigidExpenditure models.Money
	// AssetsFound reports a finding of assets over the limits.
	AssetsFound bool
}

// GrantFacts are what the rules read of a grant the household receives.
type GrantFacts struct {
	ProgramCode  string
	CategoryCode string
}

// Assessment is what the rules derive for a household: the values stored on its row and
// the care reasons of each member.
type Assessment struct {
	// Derived are the household's derived values, StandardAmount being the facts'
	// Standard.
	Derived models.HouseholdDerived
	// MemberCare holds the care reasons of each member: one entry per member of the
	// facts, in their order.
	MemberCare [][]models.CareReason
}
