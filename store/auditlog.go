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
	lo, hi, err := a.s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if f == nil {
		f = &models.AuditFilter{}
	}
	db := a.s.db.WithContext(ctx)
	build := func() *gorm.DB {
		b := sc.within(db, "audit_events", lo, hi)
		if f.Operation != nil {
			b = b.Where("audit_events.operation = ?", *f.Operation)
		}
		if f.Actor != nil {
			b = b.Where("audit_events.actor = ?", *f.Actor)
		}
		if f.From != nil {
			b = b.Where("audit_events.created_at >= ?", f.From.UTC())
		}
		if f.To != nil {
			b = b.Where("audit_events.created_at < ?", f.To.UTC())
		}
		return b
	}
	page, err := paginate(build, "audit_events", q.PageArgs,
		func(e *models.AuditEvent) string { return e.AreaCode },
		func(e *models.AuditEvent) string { return e.ID })
	return page, wrap("audit events", err)
}
