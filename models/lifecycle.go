package models

import (
	"context"
	"fmt"
	"io"
	"time"
)

// ApplicationChannel is the line through which an application came in (P11: many lines
// in, one door out).
type ApplicationChannel string

// The channels of an application.
const (
	ChannelWalkIn    ApplicationChannel = "WALK_IN"
	ChannelHotline   ApplicationChannel = "HOTLINE"
	ChannelOnline    ApplicationChannel = "ONLINE"
	ChannelReferral  ApplicationChannel = "REFERRAL"
	ChannelProactive ApplicationChannel = "PROACTIVE"
)

// ApplicationChannels lists every valid channel.
var ApplicationChannels = []ApplicationChannel{ChannelWalkIn, ChannelHotline, ChannelOnline, ChannelReferral, ChannelProactive}

// MarshalGQL writes the channel.
func (v ApplicationChannel) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a channel.
func (v *ApplicationChannel) UnmarshalGQL(x any) error {
	return readEnum(x, v, ApplicationChannels, "channel")
}

// CharityAidKind is the form of a charity's aid (P4).
type CharityAidKind string

// The forms of charity aid.
const (
	CharityCash    CharityAidKind = "CASH"
	CharityInKind  CharityAidKind = "IN_KIND"
	CharityService CharityAidKind = "SERVICE"
)

// CharityAidKinds lists every valid kind of charity aid.
var CharityAidKinds = []CharityAidKind{CharityCash, CharityInKind, CharityService}

// MarshalGQL writes the kind.
func (v CharityAidKind) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a kind of charity aid.
func (v *CharityAidKind) UnmarshalGQL(x any) error {
	return readEnum(x, v, CharityAidKinds, "kind")
}

// ReserveEntryKind says whether a ledger entry of a reserve fund put money in or took it
// out (P16).
type ReserveEntryKind string

// The kinds of reserve-fund movement.
const (
	ReserveTopUp ReserveEntryKind = "TOP_UP"
	ReserveDraw  ReserveEntryKind = "DRAW"
)

// MarshalGQL writes the kind.
func (v ReserveEntryKind) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a kind of reserve-fund movement.
func (v *ReserveEntryKind) UnmarshalGQL(x any) error {
	return readEnum(x, v, []ReserveEntryKind{ReserveTopUp, ReserveDraw}, "kind")
}

// ApplicationCounter numbers the applications of one county in one calendar year (P11).
// Its row is incremented in the transaction that stores the application, so reference
// numbers have neither gaps nor duplicates within a county and year, and no county learns
// from its own numbers how many applications the others receive. It holds no personal
// data. (Databases created before references were numbered per county keep a table
// application_counters of city-wide counts per year; nothing reads it any more.)
type ApplicationCounter struct {
	// County is the 6-digit code of the county (division.Prefix of its 12-digit code).
	County string `gorm:"primaryKey;size:6"`
	Year   int    `gorm:"primaryKey;autoIncrement:false"`
	Last   int    `gorm:"not null;default:0"`
}

// TableName keeps the per-county counters apart from the city-wide ones of older
// databases, whose rows are keyed by year alone.
func (ApplicationCounter) TableName() string { return "county_application_counters" }

// MedicalClaim records every figure of the medical assistance paid by a grant (P3): the
// costs and insurance payments, the program's ratio and ceiling, what the member had
// already received from the program that year, and the payable amount.
type MedicalClaim struct {
	ID                       string `gorm:"primaryKey;size:36;index:idx_medical_claims_area_id,priority:2"`
	AreaCode                 string `gorm:"size:12;not null;index:idx_medical_claims_area_id,priority:1"`
	GrantID                  string `gorm:"size:36;not null;uniqueIndex"`
	MemberID                 string `gorm:"size:36;not null;index:idx_medical_claims_member_year,priority:1"`
	ProgramCode              string `gorm:"size:40;not null;index:idx_medical_claims_member_year,priority:2"`
	Year                     int    `gorm:"not null;index:idx_medical_claims_member_year,priority:3"`
	TotalCost                Money  `gorm:"not null"`
	BasicInsurance           Money  `gorm:"not null"`
	CriticalIllnessInsurance Money  `gorm:"not null"`
	// RatioBasisPoints is the program's ratio in hundredths of a percent (7000 = 70 %).
	RatioBasisPoints int   `gorm:"not null"`
	Ceiling          Money `gorm:"not null"`
	PaidThisYear     Money `gorm:"not null"`
	Payable          Money `gorm:"not null"`
	CreatedAt        time.Time
}

// Ratio returns the ratio as a percentage with two decimals, for example "70.00%".
func (c *MedicalClaim) Ratio() string {
	return fmt.Sprintf("%d.%02d%%", c.RatioBasisPoints/100, c.RatioBasisPoints%100)
}

// ReserveFund is the reserve fund (备用金) of one township for temporary assistance (P16).
// AreaCode is the township's code. Balance always equals the sum of the fund's ledger.
type ReserveFund struct {
	AreaCode  string `gorm:"primaryKey;size:12"`
	Balance   Money  `gorm:"not null;default:0"`
	UpdatedAt time.Time
}

// ReserveEntry is one movement of a township's reserve fund (P16): a top-up (positive
// amount) or a draw for a temporary-assistance grant (negative amount). AreaCode is the
// township's code.
type ReserveEntry struct {
	ID           string           `gorm:"primaryKey;size:36;index:idx_reserve_entries_area_id,priority:2"`
	AreaCode     string           `gorm:"size:12;not null;index:idx_reserve_entries_area_id,priority:1"`
	Kind         ReserveEntryKind `gorm:"size:8;not null"`
	Amount       Money            `gorm:"not null"`
	BalanceAfter Money            `gorm:"not null"`
	GrantID      *string          `gorm:"size:36;index"`
	Note         string           `gorm:"size:200;not null;default:''"`
	Actor        string           `gorm:"size:128;not null"`
	ActorRole    Role             `gorm:"size:16;not null"`
	ActorArea    string           `gorm:"size:12;not null"`
	CreatedAt    time.Time
}

// CharityAid is assistance a charity or other social force gave a household, filed
// against it so that government and social assistance see each other (P4).
type CharityAid struct {
	ID             string         `gorm:"primaryKey;size:36;index:idx_charity_aids_area_id,priority:2"`
	AreaCode       string         `gorm:"size:12;not null;index:idx_charity_aids_area_id,priority:1"`
	HouseholdID    string         `gorm:"size:36;not null;index"`
	Organisation   string         `gorm:"size:128;not null"`
	Date           Date           `gorm:"not null"`
	Kind           CharityAidKind `gorm:"size:8;not null"`
	Amount         Money          `gorm:"not null"`
	FiledInAdvance bool           `gorm:"not null"`
	Note           string         `gorm:"size:500;not null;default:''"`
	CreatedBy      string         `gorm:"size:128;not null"`
	CreatedAt      time.Time
}

// ApplicationInput is an application for a program, received through one channel (P11).
type ApplicationInput struct {
	HouseholdID string
	MemberID    *string
	ProgramCode string
	Channel     ApplicationChannel
	Note        *string
	// DiscoveryID is the discovery case (P24) the application is made from, if any.
	DiscoveryID *string
}

// MedicalCostsInput are the bills of a medical-assistance claim (P3).
type MedicalCostsInput struct {
	TotalCost                Money
	BasicInsurance           Money
	CriticalIllnessInsurance Money
}

// ApprovalInput approves a reviewed grant: its period, and what its amount is computed
// from (P18–P20, P3): Amount is the assessed need of temporary assistance and of capped
// programs; Medical the bills of a medical claim; SelfCare the self-care ability of a
// person in 特困 support. Override replaces the computed amount, with a reason.
type ApprovalInput struct {
	Amount    *Money
	StartDate Date
	EndDate   *Date
	Medical   *MedicalCostsInput
	Reason    *string
	SelfCare  *SelfCare
	Override  *OverrideInput
}

// CharityAidInput files a charity's aid against a household (P4).
type CharityAidInput struct {
	HouseholdID    string
	Organisation   string
	Date           Date
	Kind           CharityAidKind
	Amount         Money
	FiledInAdvance bool
	Note           *string
}

// ReserveEntryEdge is one ledger entry of a connection with its cursor.
type ReserveEntryEdge struct {
	Cursor string
	Node   *ReserveEntry
}

// ReserveEntryConnection is a page of a reserve fund's ledger, oldest first.
type ReserveEntryConnection struct {
	Edges    []*ReserveEntryEdge
	PageInfo *PageInfo
	// Count counts the fund's entries over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of entries over all pages.
func (c *ReserveEntryConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// MedicalRule is the ratio and annual ceiling per person of a medical program (P3), as
// configured.
type MedicalRule struct {
	RatioBasisPoints int
	Ceiling          Money
}

// Ratio returns the ratio as a percentage with two decimals, for example "70.00%".
func (r *MedicalRule) Ratio() string {
	return fmt.Sprintf("%d.%02d%%", r.RatioBasisPoints/100, r.RatioBasisPoints%100)
}
