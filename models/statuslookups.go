package models

import (
	"context"
	"io"
	"slices"
	"time"
)

// StatusLookupOutcome says how a lookup on the public status page ended.
type StatusLookupOutcome string

// The outcomes of a lookup.
const (
	// LookupShown: the reference and the ID tail matched and the status was shown.
	LookupShown StatusLookupOutcome = "SHOWN"
	// LookupMismatch: the reference exists but the ID tail did not match.
	LookupMismatch StatusLookupOutcome = "MISMATCH"
	// LookupUnknown: no application has the reference.
	LookupUnknown StatusLookupOutcome = "UNKNOWN"
)

// StatusLookupOutcomes lists the outcomes of a lookup.
var StatusLookupOutcomes = []StatusLookupOutcome{LookupShown, LookupMismatch, LookupUnknown}

// MarshalGQL writes the outcome.
func (v StatusLookupOutcome) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads an outcome.
func (v *StatusLookupOutcome) UnmarshalGQL(x any) error {
	return readEnum(x, v, StatusLookupOutcomes, "outcome")
}

// Valid reports whether v is a known outcome.
func (v StatusLookupOutcome) Valid() bool { return slices.Contains(StatusLookupOutcomes, v) }

// StatusLookup is the audit record of one lookup on the public status page (P25). It
// keeps keyed digests (HMAC-SHA-256 under the audit key) of the reference and of the
// client's address, never the reference, the address or the ID tail, so that the trail
// shows how often one reference or one address was tried without holding personal data.
// The records a successful lookup showed are named in the audit trail (AuditEvent,
// operation showApplicantStatus), whose records begin with this record's ID.
type StatusLookup struct {
	ID string `gorm:"primaryKey;size:36"`
	// AreaCode is the application's area, or the root of the tree when none matched.
	AreaCode        string              `gorm:"size:12;not null;index"`
	ReferenceDigest string              `gorm:"size:64;not null;index"`
	AddressDigest   string              `gorm:"size:64;not null;index"`
	Outcome         StatusLookupOutcome `gorm:"size:12;not null"`
	CreatedAt       time.Time           `gorm:"not null;index"`
}

// TableName names the audit table of the status page.
func (StatusLookup) TableName() string { return "status_lookups" }

// StatusLookupFilter narrows the lookups of the status page; nil fields do not filter.
type StatusLookupFilter struct {
	Outcome *StatusLookupOutcome
	// From and To bound the time of the lookup: From inclusive, To exclusive.
	From *time.Time
	To   *time.Time
}

// StatusLookupEdge is one lookup of a connection with its cursor.
type StatusLookupEdge struct {
	Cursor string
	Node   *StatusLookup
}

// StatusLookupConnection is a page of the lookups of the status page, newest first. The
// total is counted only when asked for.
type StatusLookupConnection struct {
	Edges    []*StatusLookupEdge
	PageInfo *PageInfo
	// Count counts the matching lookups over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching lookups over all pages.
func (c *StatusLookupConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// StatusLookupKey is what the failed lookups of the status page are counted by.
type StatusLookupKey string

// The keys of the failed lookups' counts.
const (
	// LookupsByAddress counts per digest of the client's address: one address trying
	// many references is a sweep.
	LookupsByAddress StatusLookupKey = "ADDRESS"
	// LookupsByReference counts per digest of the reference: one reference tried many
	// times is someone guessing its ID tail.
	LookupsByReference StatusLookupKey = "REFERENCE"
)

// StatusLookupKeys lists the keys of the failed lookups' counts.
var StatusLookupKeys = []StatusLookupKey{LookupsByAddress, LookupsByReference}

// MarshalGQL writes the key.
func (v StatusLookupKey) MarshalGQL(w io.Writer) { writeEnum(w, string(v)) }

// UnmarshalGQL reads a key.
func (v *StatusLookupKey) UnmarshalGQL(x any) error {
	return readEnum(x, v, StatusLookupKeys, "by")
}

// Valid reports whether v is a known key.
func (v StatusLookupKey) Valid() bool { return slices.Contains(StatusLookupKeys, v) }

// FailedStatusLookups counts the failed lookups (MISMATCH or UNKNOWN) of the status page
// that share one digest, of an address or of a reference, in a time range.
type FailedStatusLookups struct {
	// Digest is the keyed digest of the address or of the reference.
	Digest string
	// Failed is the number of failed lookups with the digest.
	Failed int
	// Distinct is the number of distinct digests of the other key among them: the
	// references one address tried, or the addresses one reference was tried from.
	Distinct int
	// First and Last are the times of the first and of the last of them.
	First time.Time
	Last  time.Time
}
