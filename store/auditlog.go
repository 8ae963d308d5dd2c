package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
)

// AuditQuery selects a page of the audit trail.
type AuditQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.AuditFilter
	PageArgs
}

// AuditEvents returns a page of the audit events recorded in the query's area that match
// its filter, ordered by (area code, id); ids are time-ordered, so within an area the
// order is the order of recording. Only admins and auditors read the trail. It returns a
// Forbidden error for other roles and for an area outside the caller's subtree, and a
// *models.FieldError for a bad area, filter or paging argument.
func (s *Store) AuditEvents(ctx context.Context, q AuditQuery) (*Page[models.AuditEvent], error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionReadAudit, "read the audit trail"); err != nil {
		return nil, err
	}
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if f == nil {
		f = &models.AuditFilter{}
	}
	if err := refuseMasked("filter.operation", f.Operation, "filter.actor", f.Actor); err != nil {
		return nil, err
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return nil, models.Invalid("filter.to", "must be after filter.from")
	}
	db := s.db.WithContext(ctx)
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
