package models

import (
	"io"
	"slices"
	"time"
)

// HouseholdRecord is one household with its members as a department sends it for bulk
// upsert. ExternalRef, the department's stable reference for the household, is the key:
// a record whose reference is already registered updates that household, any other
// creates one. Members are keyed by their resident ID number; the record is the whole
// household, so registered members that the record leaves out are removed.
type HouseholdRecord struct {
	ExternalRef       string
	Village           string
	Address           string
	PovertyRegistered bool
	Members           []*MemberInput
}

// ImportOutcome says what an import did, or in a dry run would do, with one record.
type ImportOutcome string

// The outcomes of an imported record.
const (
	ImportCreated   ImportOutcome = "CREATED"
	ImportUpdated   ImportOutcome = "UPDATED"
	ImportUnchanged ImportOutcome = "UNCHANGED"
	ImportRejected  ImportOutcome = "REJECTED"
)

// ImportOutcomes lists every import outcome.
var ImportOutcomes = []ImportOutcome{ImportCreated, ImportUpdated, ImportUnchanged, ImportRejected}

// MarshalGQL writes the outcome as a GraphQL enum value.
func (v ImportOutcome) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads an outcome; it returns a *FieldError for an unknown value.
func (v *ImportOutcome) UnmarshalGQL(x any) error {
	return readEnum(x, v, ImportOutcomes, "import outcome")
}

// ImportReport is the answer to one import call, whatever the kind of record: what
// happened, or in a dry run or a refused batch would have happened, to each record.
type ImportReport struct {
	// DryRun is true when nothing was to be written.
	DryRun bool
	// Partial is true when valid records are written even if others are invalid.
	Partial bool
	// Committed is true when the call wrote its valid records; false for a dry run and
	// for a default (all-or-nothing) batch with an invalid record.
	Committed bool
	Created   int
	Updated   int
	Unchanged int
	Rejected  int
	// Results has one entry per record, in the order of the call.
	Results []*ImportResult
	// Errors has one entry per rejected record, in the order of the call.
	Errors []*ImportError
}

// ImportResult is the outcome of one record of an import call.
type ImportResult struct {
	// Index is the record's position in the call, from 0.
	Index int
	// Key is the record's key (for households, the external reference).
	Key     string
	Outcome ImportOutcome
	// ID is the id of the record in jiuzhu; nil for a rejected record and for one that
	// was not written and does not exist yet.
	ID *string
}

// ImportError says why one record of an import call was rejected.
type ImportError struct {
	Index int
	Key   string
	// Field is the path of the offending value, such as "records[3].members[1].idNumber".
	Field string
	// Reason says what is wrong, in words fit for the caller.
	Reason string
	// Code is the error code the same fault would have as a single mutation:
	// BAD_USER_INPUT, FORBIDDEN, NOT_FOUND or CONFLICT.
	Code string
}

// ChangeKind says what happened to a record in the change feed.
type ChangeKind string

// The kinds of change.
const (
	ChangeCreated ChangeKind = "CREATED"
	ChangeUpdated ChangeKind = "UPDATED"
	ChangeDeleted ChangeKind = "DELETED"
)

// ChangeKinds lists every change kind.
var ChangeKinds = []ChangeKind{ChangeCreated, ChangeUpdated, ChangeDeleted}

// MarshalGQL writes the kind as a GraphQL enum value.
func (v ChangeKind) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a kind; it returns a *FieldError for an unknown value.
func (v *ChangeKind) UnmarshalGQL(x any) error { return readEnum(x, v, ChangeKinds, "change kind") }

// Valid reports whether v is a change kind.
func (v ChangeKind) Valid() bool { return slices.Contains(ChangeKinds, v) }

// ChangeEntity names the type of a changed record.
type ChangeEntity string

// The entities of the change feed.
const (
	EntityHousehold ChangeEntity = "HOUSEHOLD"
	EntityMember    ChangeEntity = "MEMBER"
	EntityGrant     ChangeEntity = "GRANT"
	// EntityPayrollLine is a line of a payroll (P22): written when the payroll is
	// generated, updated when the bank's return file settles it, deleted with a
	// discarded draft. It carries its grant's category.
	EntityPayrollLine ChangeEntity = "PAYROLL_LINE"
	// EntityGrievance is a grievance (P25).
	EntityGrievance ChangeEntity = "GRIEVANCE"
	// EntityDiscovery is a discovery case (P24).
	EntityDiscovery ChangeEntity = "DISCOVERY"
	// EntityReview is a re-certification of a grant (P24).
	EntityReview ChangeEntity = "REVIEW"
)

// ChangeEntities lists every entity of the change feed.
var ChangeEntities = []ChangeEntity{EntityHousehold, EntityMember, EntityGrant, EntityPayrollLine, EntityGrievance, EntityDiscovery, EntityReview}

// MarshalGQL writes the entity as a GraphQL enum value.
func (v ChangeEntity) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads an entity; it returns a *FieldError for an unknown value.
func (v *ChangeEntity) UnmarshalGQL(x any) error {
	return readEnum(x, v, ChangeEntities, "change entity")
}

// ChangeLogEntry is one row of the change log: a household, member or grant was
// created, updated or deleted. Seq is allocated in commit order (see store.logChange), so
// reading the log by increasing Seq never misses nor repeats a change. AreaCode is the
// record's area after the change; CategoryCode is set for grants, and for the changes of
// households' and members' derived values that a grant's write caused, so that
// integrators see only their categories.
type ChangeLogEntry struct {
	Seq          int64        `gorm:"primaryKey;autoIncrement:false;index:idx_change_log_area_seq,priority:2"`
	AreaCode     string       `gorm:"size:12;not null;index:idx_change_log_area_seq,priority:1"`
	Entity       ChangeEntity `gorm:"size:12;not null"`
	EntityID     string       `gorm:"size:36;not null"`
	CategoryCode *string      `gorm:"size:32"`
	Kind         ChangeKind   `gorm:"size:8;not null"`
	At           time.Time    `gorm:"not null"`
}

// TableName is change_log.
func (ChangeLogEntry) TableName() string { return "change_log" }

// Change is one entry of the change feed as a caller reads it: the log entry, its
// cursor, and the record as it is now when the caller may still see it (nil for a
// deletion, which is a tombstone carrying only the id).
type Change struct {
	Cursor    string
	Kind      ChangeKind
	Entity    ChangeEntity
	ID        string
	AreaCode  string
	At        time.Time
	Household *Household
	Member    *Member
	Grant     *Grant
	// PayrollLine is the payroll line as it is now, its account number masked.
	PayrollLine *PayrollLine
}

// ChangeEdge is one change of a feed page.
type ChangeEdge struct {
	Cursor string
	Node   *Change
}

// ChangeConnection is a page of the change feed. PageInfo.EndCursor is always set: on an
// empty page it is the cursor the caller passed, so that it can poll again with it.
type ChangeConnection struct {
	Edges    []*ChangeEdge
	PageInfo *PageInfo
}

// ChangeSeq is the single-row counter from which change sequence numbers are taken.
type ChangeSeq struct {
	ID int   `gorm:"primaryKey;autoIncrement:false"`
	N  int64 `gorm:"not null"`
}

// TableName is change_seq.
func (ChangeSeq) TableName() string { return "change_seq" }
