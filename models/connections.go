package models

import "context"

// PageInfo tells a Relay client where a page starts and ends and whether the list goes
// on. Read forward (first), HasNextPage says whether more rows follow and
// HasPreviousPage is false; read backward (last), HasPreviousPage says whether more rows
// precede and HasNextPage is false: the reading of the Relay specification that costs no
// extra query.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	// StartCursor and EndCursor are the cursors of the first and last edges, nil on an
	// empty page.
	StartCursor *string
	EndCursor   *string
}

// HouseholdEdge is one household of a connection with its cursor.
type HouseholdEdge struct {
	Cursor string
	Node   *Household
}

// HouseholdConnection is a page of households. The total is counted only when asked for.
type HouseholdConnection struct {
	Edges    []*HouseholdEdge
	PageInfo *PageInfo
	// Count counts the matching households over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching households over all pages.
func (c *HouseholdConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// GrantEdge is one grant of a connection with its cursor.
type GrantEdge struct {
	Cursor string
	Node   *Grant
}

// GrantConnection is a page of grants. The total is counted only when asked for.
type GrantConnection struct {
	Edges    []*GrantEdge
	PageInfo *PageInfo
	// Count counts the matching grants over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching grants over all pages.
func (c *GrantConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }

// AuditEventEdge is one audit event of a connection with its cursor.
type AuditEventEdge struct {
	Cursor string
	Node   *AuditEvent
}

// AuditEventConnection is a page of the audit trail. The total is counted only when
// asked for.
type AuditEventConnection struct {
	Edges    []*AuditEventEdge
	PageInfo *PageInfo
	// Count counts the matching events over all pages.
	Count func(context.Context) (int, error)
}

// TotalCount returns the number of matching audit events over all pages.
func (c *AuditEventConnection) TotalCount(ctx context.Context) (int, error) { return c.Count(ctx) }
