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
	HouseholdTally
}

// HouseholdTally holds what the dashboards count of a household (areaStats, the staffing
// report), kept on its row so that they add up households instead of aggregating members
// and grants. The store writes them in the transaction of every change to the
// household's members or grants, with the values the rules derive, so they are never
// stale. They are not part of the API.
type HouseholdTally struct {
	// MemberCount is the number of the household's members.
	MemberCount int `gorm:"not null;default:0"`
	// Served reports a grant in a receiving status (ACTIVE or GRACE): the household is an
	// active recipient, and so are its members.
	Served bool `gorm:"not null;default:false"`
	// InGrace reports a grant in GRACE, the grace period of P13.
	InGrace bool `gorm:"not null;default:false"`
	// CommittedMonthly is the sum of the amounts of the household's receiving grants of
	// recurring programs: the money committed to it per month.
	CommittedMonthly Money `gorm:"not null;default:0"`
	// TalliedArea is the village whose AreaTally counts the household; "" until the
	// store first counts it. It differs from AreaCode only inside the transaction that
	// moves the household, until the move is counted.
	TalliedArea string `gorm:"size:12;not null;default:''"`
}

// HouseholdProgram records that a household receives a program: one row per household,
// program and category of its receiving grants (ACTIVE or GRACE), from which the store
// counts the recipients of each program and category without grouping the grants by
// household. The store keeps the rows with the tally (HouseholdTally), in the same
// transaction; they are not part of the API.
type HouseholdProgram struct {
	HouseholdID  string `gorm:"primaryKey;size:36"`
	ProgramCode  string `gorm:"primaryKey;size:40"`
	CategoryCode string `gorm:"primaryKey;size:32"`
	AreaCode     string `gorm:"size:12;not null;index"`
	// FirstOfProgram marks the row that counts the household once for its program: of
	// the household's rows of one program, the first by category.
	FirstOfProgram bool `gorm:"not null"`
	// FirstOfCategory marks the row that counts the household once for its category: of
	// the household's rows of one category, the first by program.
	FirstOfCategory bool `gorm:"not null"`
	// MemberCount is the household's number of members.
	MemberCount int `gorm:"not null"`
	// InGrace reports a grant of the row in GRACE (P13).
	InGrace bool `gorm:"not null"`
	// CommittedMonthly sums the amounts of the row's grants when the program is
	// recurring, zero otherwise.
	CommittedMonthly Money `gorm:"not null"`
}

// AreaTally adds up the tallies (HouseholdTally) of the households of one village, for
// the dashboards: areaStats and the staffing report add up villages instead of
// households. The store keeps it by adding each change of a household's tally in the
// transaction of the change; it is not part of the API.
type AreaTally struct {
	AreaCode string `gorm:"primaryKey;size:12"`
	// Households counts the village's households, LowIncome the low-income ones (P17).
	Households int `gorm:"not null"`
	LowIncome  int `gorm:"not null"`
	// Members counts their members.
	Members int `gorm:"not null"`
	// Active counts the households that receive a grant (ACTIVE or GRACE), ActivePersons
	// their members, Grace those with a grant in GRACE.
	Active        int `gorm:"not null"`
	ActivePersons int `gorm:"not null"`
	Grace         int `gorm:"not null"`
	// CommittedMonthly adds up the households' CommittedMonthly.
	CommittedMonthly Money `gorm:"not null"`
}

// AreaProgramTally adds up the programs (HouseholdProgram) of the households of one
// village with one program and category: the households counted once for the program
// and their members, the households counted once for the category and their members,
// and the money committed per month. The store keeps it with AreaTally.
type AreaProgramTally struct {
	AreaCode           string `gorm:"primaryKey;size:12"`
	ProgramCode        string `gorm:"primaryKey;size:40"`
	CategoryCode       string `gorm:"primaryKey;size:32"`
	ProgramHouseholds  int    `gorm:"not null"`
	ProgramPersons     int    `gorm:"not null"`
	CategoryHouseholds int    `gorm:"not null"`
	CategoryPersons    int    `gorm:"not null"`
	CommittedMonthly   Money  `gorm:"not null"`
}

// Member is a person of a household. A resident ID number exists once city-wide (P2);
// sex and birth date are derived from it.
type Member struct {
	ID              string         `gorm:"primaryKey;size:36;index:idx_members_area_id,priority:2"`
	HouseholdID     string         `gorm:"size:36;not null;index"`
	AreaCode        string         `gorm:"size:12;not null;index:idx_members_area_id,priority:1"`
	Name            string         `gorm:"size:64;not null;index:idx_members_name"`
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
	// Phone is the member's contact phone, a mainland mobile number (11 digits) or a
	// landline with its area code, or nil. It is personal data: shown masked unless an
	// allowed role reveals it (see the privacy package).
	Phone *string `gorm:"size:20;index:idx_members_phone"`
}

// Grant ties a household, and optionally one of its members, to an active program,
// with a monthly amount, a period and a status.
type Grant struct {
	ID           string      `gorm:"primaryKey;size:36;index:idx_grants_area_id,priority:2"`
	HouseholdID  string      `gorm:"size:36;not null;index"`
	MemberID     *string     `gorm:"size:36;index"`
	AreaCode     string      `gorm:"size:12;not null;index:idx_grants_area_id,priority:1"`
	ProgramCode  string      `gorm:"size:40;not null;index;index:idx_grants_review_due,priority:1"`
	CategoryCode string      `gorm:"size:32;not null"`
	Status       GrantStatus `gorm:"size:12;not null;index:idx_grants_review_due,priority:3"`
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
	// UnderReview marks a grant with an open re-certification (P24), and ReviewAnchor is
	// the day its last re-certification closed (nil: never reviewed, and the start date
	// counts). The reviews' store keeps both as reviews open and close, so that the daily
	// job finds the grants due through an index instead of reading every grant's reviews.
	UnderReview  bool `gorm:"not null;default:false;index:idx_grants_review_due,priority:2"`
	ReviewAnchor *Date

	// Reference is the reference number (JZ-371402-2026-000123) of a grant that came in as an
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
// Before and After are digests of the records' JSON (HMAC-SHA-256 under the database's
// secret audit key), empty where there is none.
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
		&ChangeSeq{}, &ChangeLogEntry{}, &StaffMember{},
		&HouseholdProgram{}, &AreaTally{}, &AreaProgramTally{},
		&EntitlementParameters{}, &EntitlementCalculation{},
		&Payee{}, &Payroll{}, &PayrollLine{},
		&Grievance{}, &GrievanceComment{},
		&ProgramSetting{}, &Referral{}}
}
