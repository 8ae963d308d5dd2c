package models

import (
	"strings"
	"time"
)

// Jurisdiction is one unit of the four-level network (P5), keyed by its 12-digit
// statistical division code. The tree is public: any signed-in caller may read it.
type Jurisdiction struct {
	Code       string  `gorm:"primaryKey;size:12"`
	Name       string  `gorm:"size:64;not null"`
	Level      Level   `gorm:"size:8;not null;index"`
	ParentCode *string `gorm:"size:12;index"`
	// Population is known for townships once an admin sets it; nil means unknown.
	Population *int
	// Urban is set on villages only: true for a residents' committee (居委会).
	Urban *bool
}

// Category is one of the ten categories of the assistance catalogue (P1).
type Category struct {
	Code      string `gorm:"primaryKey;size:32"`
	Name      string `gorm:"size:64;not null"`
	SortOrder int    `gorm:"not null;default:0"`
}

// Program is one of the assistance programs of the catalogue (P1). A grant can only be
// opened on an active program.
type Program struct {
	Code         string `gorm:"primaryKey;size:40"`
	Name         string `gorm:"size:64;not null"`
	CategoryCode string `gorm:"size:32;not null;index"`
	Active       bool   `gorm:"not null"`
	SortOrder    int    `gorm:"not null;default:0"`
}

// Household is a needy household of the unified recipient database (P2). AreaCode is
// the code of its village.
type Household struct {
	ID                string  `gorm:"primaryKey;size:36;index:idx_households_area_id,priority:2"`
	AreaCode          string  `gorm:"size:12;not null;index:idx_households_area_id,priority:1;index:idx_households_area_low_income,priority:1;index:idx_households_area_grade,priority:1;index:idx_households_area_expenditure,priority:1;index:idx_households_area_care,priority:1"`
	Address           string  `gorm:"size:200;not null"`
	PovertyRegistered bool    `gorm:"not null"`
	ExternalRef       *string `gorm:"size:64;uniqueIndex"`
	Version           int     `gorm:"not null;default:1"`
	CreatedAt         time.Time
	UpdatedAt         time.Time
	HouseholdDerived
}

// Member is a person of a household. A resident ID number exists once city-wide (P2);
// sex and birth date are derived from it.
type Member struct {
	ID              string         `gorm:"primaryKey;size:36;index:idx_members_area_id,priority:2"`
	HouseholdID     string         `gorm:"size:36;not null;index"`
	AreaCode        string         `gorm:"size:12;not null;index:idx_members_area_id,priority:1"`
	Name            string         `gorm:"size:64;not null"`
	IDNumber        string         `gorm:"column:id_number;size:18;not null;uniqueIndex"`
	Sex             Sex            `gorm:"size:6;not null"`
	BirthDate       Date           `gorm:"not null"`
	Relation        Relation       `gorm:"size:16;not null"`
	DisabilityLevel *int           `gorm:""`
	LabourCapacity  LabourCapacity `gorm:"size:8;not null"`
	MonthlyIncome   Money          `gorm:"not null;default:0"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// CareFlags is derived (P14): the comma-separated CareReasons for which the member is
	// eligible for low-cost or free centralized care, "" for none. The store keeps it
	// current; it is never typed.
	CareFlags string `gorm:"size:120;not null;default:''"`
}

// Grant ties a household, and optionally one of its members, to an active program,
// with a monthly amount, a period and a status.
type Grant struct {
	ID           string      `gorm:"primaryKey;size:36;index:idx_grants_area_id,priority:2"`
	HouseholdID  string      `gorm:"size:36;not null;index"`
	MemberID     *string     `gorm:"size:36;index"`
	AreaCode     string      `gorm:"size:12;not null;index:idx_grants_area_id,priority:1"`
	ProgramCode  string      `gorm:"size:40;not null;index"`
	CategoryCode string      `gorm:"size:32;not null"`
	Status       GrantStatus `gorm:"size:12;not null"`
	Amount       Money       `gorm:"not null"`
	StartDate    Date        `gorm:"not null"`
	EndDate      *Date
	Version      int    `gorm:"not null;default:1"`
	CreatedBy    string `gorm:"size:128;not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// GraceUntil is the last day of the grace period of a grant in GRACE (P13).
	GraceUntil *Date
	// ReviewFlag marks a grant whose household's verified income no longer fits it, for
	// an officer to review; ReviewReason says why.
	ReviewFlag   bool    `gorm:"not null;default:false"`
	ReviewReason *string `gorm:"size:500"`

	// Reference is the reference number (JZ-2026-000123) of a grant that came in as an
	// application through submitApplication, and Channel the line it came in through (P11).
	Reference *string             `gorm:"size:24;uniqueIndex"`
	Channel   *ApplicationChannel `gorm:"size:12"`
}

// GrantEvent records one change of a grant's status: who, in which role and area,
// from which status to which, why and when.
type GrantEvent struct {
	ID         string       `gorm:"primaryKey;size:36;index:idx_grant_events_area_id,priority:2"`
	GrantID    string       `gorm:"size:36;not null;index"`
	AreaCode   string       `gorm:"size:12;not null;index:idx_grant_events_area_id,priority:1"`
	Actor      string       `gorm:"size:128;not null"`
	ActorRole  Role         `gorm:"size:16;not null"`
	ActorArea  string       `gorm:"size:12;not null"`
	FromStatus *GrantStatus `gorm:"size:12"`
	ToStatus   GrantStatus  `gorm:"size:12;not null"`
	Reason     string       `gorm:"size:500;not null;default:''"`
	CreatedAt  time.Time
}

// AuditEvent is one entry of the append-only audit trail: a mutation, a reveal of
// personal data or an integrator's call. AreaCode is the area of the records touched (the
// caller's area when there are none), so that the trail is scoped like every record.
// Before and After are SHA-256 digests of the records' JSON, empty where there is none.
type AuditEvent struct {
	ID        string    `gorm:"primaryKey;size:36;index:idx_audit_events_area_id,priority:2"`
	AreaCode  string    `gorm:"size:12;not null;index:idx_audit_events_area_id,priority:1"`
	Actor     string    `gorm:"size:128;not null;index"`
	ActorRole Role      `gorm:"size:16;not null"`
	ActorArea string    `gorm:"size:12;not null"`
	Operation string    `gorm:"size:64;not null;index"`
	RecordIDs string    `gorm:"column:record_ids;size:2000;not null;default:''"`
	Before    string    `gorm:"size:64;not null;default:''"`
	After     string    `gorm:"size:64;not null;default:''"`
	CreatedAt time.Time `gorm:"index"`
}

// Records returns the ids of the records the event touched.
func (e *AuditEvent) Records() []string {
	if e.RecordIDs == "" {
		return []string{}
	}
	return strings.Split(e.RecordIDs, ",")
}

// All lists every model, in an order fit for migration.
func All() []any {
	return []any{&Jurisdiction{}, &Category{}, &Program{}, &Household{}, &Member{}, &Grant{}, &GrantEvent{}, &AuditEvent{},
		&DibaoStandard{}, &Verification{}, &VerificationMember{},
		&ApplicationCounter{}, &MedicalClaim{}, &ReserveFund{}, &ReserveEntry{}, &CharityAid{},
		&ChangeSeq{}, &ChangeLogEntry{}, &StaffMember{}}
}
