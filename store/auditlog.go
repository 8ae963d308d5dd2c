package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// AuditQuery selects a page of the audit trail.
type AuditQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.AuditFilter
	PageArgs
}

// Audit reads the audit trail, narrowed by the caller's scope.
type Audit struct{ s *Store }

// Audit returns the reads of the audit trail.
func (s *Store) Audit() *Audit { return &Audit{s: s} }

// Events returns a page of the audit events recorded in the query's area that match
// its filter, ordered by (area code, id); ids are time-ordered, so within an area the
// order is the order of recording. The use case checks the caller's role and the
// filter. It returns a Forbidden error for an area outside the caller's subtree, and a
// *models.FieldError for a bad area or paging argument.
func (a *Audit) Events(ctx context.Context, sc Scope, q AuditQuery) (*Page[models.AuditEvent], error) {
	f := q.Filter
	if f == nil {
		f = &models.AuditFilter{}
	}
	return auditByArea.page(ctx, a.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
		if f.Operation != nil {
			b = b.Where("audit_events.operation = ?", *f.Operation)
		}
		if f.Actor != nil {
			b = b.Where("audit_events.actor = ?", *f.Actor)
		}
		b = createdWithin(b, "audit_events", f.From, f.To)
		return b
	})
}

// auditByArea is the audit trail's list: the events recorded in an area.
var auditByArea = areaList[models.AuditEvent]{name: "audit events", table: "audit_events",
	area: func(e *models.AuditEvent) string { return e.AreaCode }, id: func(e *models.AuditEvent) string { return e.ID }}
