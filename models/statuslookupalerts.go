package models

import (
	"context"
	"time"
)

// StatusLookupAlert is one warning of the daily job about a digest of the status page's
// lookups (P25): what it was counted by, the digest, the area responsible (the county of
// the application a reference belongs to, otherwise the city), the window and the counts,
// and, once an admin of the area has looked into it, the acknowledgement. It holds no
// reference number and no address.
type StatusLookupAlert struct {
	ID     string          `gorm:"primaryKey;size:36"`
	By     StatusLookupKey `gorm:"column:counted_by;size:12;not null;uniqueIndex:idx_status_lookup_alerts_window,priority:1"`
	Digest string          `gorm:"size:64;not null;uniqueIndex:idx_status_lookup_alerts_window,priority:2"`
	// AreaCode is the county of the application whose reference it is, or the city.
	AreaCode   string    `gorm:"size:12;not null;index:idx_status_lookup_alerts_area"`
	WindowFrom time.Time `gorm:"not null;uniqueIndex:idx_status_lookup_alerts_window,priority:3"`
	WindowTo   time.Time `gorm:"not null"`
	// Failed counts the failed lookups of the digest in the window; Distinct the distinct
	// references (of an address) or addresses (of a reference) among them.
	Failed    int       `gorm:"not null"`
	Distinct  int       `gorm:"column:spread;not null"`
	CreatedAt time.Time `gorm:"not null"`
	// AcknowledgedAt, AcknowledgedBy and AcknowledgementNote say when, by whom (the
	// subject of the admin) and with what note the alert was acknowledged; nil until
	// then.
	AcknowledgedAt      *time.Time
	AcknowledgedBy      *string `gorm:"size:128"`
	AcknowledgementNote *string `gorm:"size:500"`
}

// TableName names the table of the alerts.
func (StatusLookupAlert) TableName() string { return "status_lookup_alerts" }

// Acknowledgement returns who acknowledged the alert, when and with what note, or nil
// while nobody has.
func (a *StatusLookupAlert) Acknowledgement() *StatusLookupAlertAcknowledgement {
	if a.AcknowledgedAt == nil || a.AcknowledgedBy == nil || a.AcknowledgementNote == nil {
		return nil
	}
	return &StatusLookupAlertAcknowledgement{By: *a.AcknowledgedBy, At: *a.AcknowledgedAt, Note: *a.AcknowledgementNote}
}

// StatusLookupAlertAcknowledgement is an admin's acknowledgement of an alert: the
// subject of the admin, when, and the note of what was found or done.
type StatusLookupAlertAcknowledgement struct {
	By   string
	At   time.Time
	Note string
}

// StatusLookupAlertFilter narrows the alerts of the status page; nil fields do not
// filter.
type StatusLookupAlertFilter struct {
	// By keeps the alerts counted by one key.
	By *StatusLookupKey
	// From and To bound the time the alert was written: From inclusive, To exclusive.
	From *time.Time
	To   *time.Time
	// Acknowledged keeps the acknowledged alerts (true) or those not yet acknowledged
	// (false).
	Acknowledged *bool
}

// StatusLookupAlertEdge is one alert of a connection with its cursor.
type StatusLookupAlertEdge struct {
	Cursor string
	Node   *StatusLookupAlert
}

// StatusLookupAlertConnection is a page of the alerts of the status page, newest first.
// The total is counted only when asked for.
type StatusLookupAlertConnection struct {
	Edges    []*StatusLookupAlertEdge
	PageInfo *PageInfo
	// Count counts the matching alerts over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching alerts over all pages.
func (c *StatusLookupAlertConnection) TotalCount(ctx context.Context) (int, error) {
	return c.Count(ctx)
}
