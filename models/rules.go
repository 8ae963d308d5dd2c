package models

import (
	"context"
	"io"
	"time"
)

// HouseholdDerived holds what the policy rules derive for a household (P9, P14, P15,
// P17). The values are materialized on the household row, so that lists filter and count
// on them with an index; the store recomputes them whenever an input changes (a
// verification, a standard, a member, a grant) and the daily job refreshes them for
// changes of age.
type HouseholdDerived struct {
	// PerCapitaIncome is the verified monthly income per member of the latest
	// verification, rounded down to the fen; nil without a verification.
	PerCapitaIncome *Money `gorm:"column:per_capita_income"`
	// StandardAmount is the monthly dibao standard in force for the household (urban or
	// rural, of its county); nil when none is set.
	StandardAmount *Money
	// BelowStandard reports a verified income under the standard, assets permitting.
	BelowStandard bool `gorm:"not null;default:false"`
	// LowIncome reports a low-income family (P17).
	LowIncome bool `gorm:"not null;default:false;index:idx_households_area_low_income,priority:2"`
	// Grade is the household's grade (P9); nil when it is not graded.
	Grade *Grade `gorm:"size:1;index:idx_households_area_grade,priority:2"`
	// ExpenditurePoverty reports expenditure-type poverty (P15).
	ExpenditurePoverty bool `gorm:"not null;default:false;index:idx_households_area_expenditure,priority:2"`
	// SevereDisability reports a member with disability level 1 or 2.
	SevereDisability bool `gorm:"not null;default:false"`
	// CareEligible reports a member eligible for centralized care (P14).
	CareEligible bool `gorm:"not null;default:false;index:idx_households_area_care,priority:2"`
	// Need orders proactive discovery (P7): the standard minus the per-capita income, in
	// fen, or NeedUnknown when either is unknown.
	Need int64 `gorm:"not null;default:-1000000000000000"`
}

// NeedUnknown is the Need of a household without a verified income or a standard: it
// sorts after every known need.
const NeedUnknown int64 = -1000000000000000

// DibaoStandard is the monthly dibao standard per person of a county for a year, urban
// and rural (P12). AreaCode is the county's code.
type DibaoStandard struct {
	ID        string `gorm:"primaryKey;size:36"`
	AreaCode  string `gorm:"size:12;not null;uniqueIndex:idx_dibao_standards_area_year,priority:1"`
	Year      int    `gorm:"not null;uniqueIndex:idx_dibao_standards_area_year,priority:2"`
	Urban     Money  `gorm:"not null"`
	Rural     Money  `gorm:"not null"`
	SetBy     string `gorm:"size:128;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Verification is one household economic verification (家庭经济状况核对, P10): the
// verified income of every member, the asset findings and the rigid expenditure. They are
// kept as a history; the latest by check date drives the derived values.
type Verification struct {
	ID                   string `gorm:"primaryKey;size:36;index:idx_verifications_area_id,priority:2"`
	HouseholdID          string `gorm:"size:36;not null;index:idx_verifications_household,priority:1"`
	AreaCode             string `gorm:"size:12;not null;index:idx_verifications_area_id,priority:1"`
	SourceDepartment     string `gorm:"size:64;not null"`
	CheckDate            Date   `gorm:"not null;index:idx_verifications_household,priority:2"`
	TotalIncome          Money  `gorm:"not null"`
	MemberCount          int    `gorm:"not null"`
	PerCapitaIncome      Money  `gorm:"not null"`
	OwnsVehicle          bool   `gorm:"not null"`
	SecondProperty       bool   `gorm:"not null"`
	Business             bool   `gorm:"not null"`
	DepositsOverLimit    bool   `gorm:"not null"`
	MedicalExpenditure   Money  `gorm:"not null"`
	EducationExpenditure Money  `gorm:"not null"`
	RecordedBy           string `gorm:"size:128;not null"`
	// Latest marks the household's latest verification: the last by check date, and of
	// those the last recorded.
	Latest    bool `gorm:"not null;default:false;index:idx_verifications_household,priority:3"`
	CreatedAt time.Time
}

// RigidExpenditure is the verified monthly medical and education expenditure (P15).
func (v *Verification) RigidExpenditure() Money { return v.MedicalExpenditure + v.EducationExpenditure }

// AssetsFound reports whether the verification found an asset that rules out
// income-tested assistance.
func (v *Verification) AssetsFound() bool {
	return v.OwnsVehicle || v.SecondProperty || v.Business || v.DepositsOverLimit
}

// VerificationMember is the verified finding on one member.
type VerificationMember struct {
	ID             string `gorm:"primaryKey;size:36;index:idx_verification_members_area_id,priority:2"`
	VerificationID string `gorm:"size:36;not null;index"`
	MemberID       string `gorm:"size:36;not null;index"`
	AreaCode       string `gorm:"size:12;not null;index:idx_verification_members_area_id,priority:1"`
	MonthlyIncome  Money  `gorm:"not null"`
	// SelfCareLost records that the member cannot take care of themself (P14).
	SelfCareLost bool `gorm:"not null"`
}

// VerificationInput records a verification. Members lists every current member of the
// household exactly once.
type VerificationInput struct {
	SourceDepartment     string
	CheckDate            Date
	Members              []*VerifiedMemberInput
	OwnsVehicle          *bool
	SecondProperty       *bool
	Business             *bool
	DepositsOverLimit    *bool
	MedicalExpenditure   *Money
	EducationExpenditure *Money
}

// VerifiedMemberInput is the finding on one member, named by its id or its resident ID
// number (exactly one of the two).
type VerifiedMemberInput struct {
	MemberID      *string
	IDNumber      *string
	MonthlyIncome Money
	SelfCareLost  *bool
}

// Grade is the grading of a needy household (P9).
type Grade string

// The three grades, A the most in need.
const (
	GradeA Grade = "A"
	GradeB Grade = "B"
	GradeC Grade = "C"
)

// Grades lists every grade.
var Grades = []Grade{GradeA, GradeB, GradeC}

// MarshalGQL writes the grade.
func (v Grade) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a grade.
func (v *Grade) UnmarshalGQL(x any) error { return readEnum(x, v, Grades, "grade") }

// CareReason says why a member is eligible for centralized care (P14).
type CareReason string

// Reasons of care eligibility.
const (
	CareElderlyWithoutSelfCare CareReason = "ELDERLY_WITHOUT_SELF_CARE"
	CareRuralDibao             CareReason = "RURAL_DIBAO"
	CareSevereDisability       CareReason = "SEVERE_DISABILITY"
)

// CareReasons lists every care reason.
var CareReasons = []CareReason{CareElderlyWithoutSelfCare, CareRuralDibao, CareSevereDisability}

// MarshalGQL writes the reason.
func (v CareReason) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a reason.
func (v *CareReason) UnmarshalGQL(x any) error { return readEnum(x, v, CareReasons, "careReason") }

// DiscoveryReason says why a household looks eligible (P7).
type DiscoveryReason string

// Reasons of proactive discovery.
const (
	DiscoverBelowStandard      DiscoveryReason = "BELOW_STANDARD"
	DiscoverLowIncome          DiscoveryReason = "LOW_INCOME"
	DiscoverExpenditurePoverty DiscoveryReason = "EXPENDITURE_POVERTY"
	DiscoverSevereDisability   DiscoveryReason = "SEVERE_DISABILITY"
	DiscoverPovertyRegistered  DiscoveryReason = "POVERTY_REGISTERED"
	DiscoverCareEligible       DiscoveryReason = "CARE_ELIGIBLE"
)

// DiscoveryReasons lists every discovery reason, in the order they are reported.
var DiscoveryReasons = []DiscoveryReason{DiscoverBelowStandard, DiscoverLowIncome, DiscoverExpenditurePoverty,
	DiscoverSevereDisability, DiscoverPovertyRegistered, DiscoverCareEligible}

// MarshalGQL writes the reason.
func (v DiscoveryReason) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a reason.
func (v *DiscoveryReason) UnmarshalGQL(x any) error {
	return readEnum(x, v, DiscoveryReasons, "discoveryReason")
}

// Discovery is a household that looks eligible but receives nothing of the matching kind.
type Discovery struct {
	Household *Household
	Reasons   []DiscoveryReason
}

// Need returns the per-capita gap to the standard, or nil when it is unknown.
func (d *Discovery) Need() *Money {
	if d.Household == nil || d.Household.Need == NeedUnknown {
		return nil
	}
	m := Money(d.Household.Need)
	return &m
}

// DiscoveryEdge is one discovery of a connection with its cursor.
type DiscoveryEdge struct {
	Cursor string
	Node   *Discovery
}

// DiscoveryConnection is a page of discoveries. The total is counted only when asked for.
type DiscoveryConnection struct {
	Edges    []*DiscoveryEdge
	PageInfo *PageInfo
	// Count counts the discoveries over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of discoveries over all pages.
func (c *DiscoveryConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// AppliedStandard is the dibao standard in force for a household: its county's standard
// of the latest year not after the current one, urban or rural by its village.
type AppliedStandard struct {
	CountyCode string
	Year       int
	Urban      bool
	Amount     Money
}
