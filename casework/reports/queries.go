package reports

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// AreaStats returns the figures of area (the caller's own area when nil) and of each of
// its children, counted inside the caller's scope: households, members, active
// recipients by program and category, money committed per month, grace-period
// households, population and coverage. Integrators count only the grants of their
// categories, and see low-income households (P17) only with both categories they
// depend on. It returns models.ErrUnauthenticated without a caller, a
// *models.FieldError (field "area") for a code that is not a jurisdiction and a
// Forbidden error for one outside the caller's subtree.
func (s *Service) AreaStats(ctx context.Context, area *string) (*models.AreaStats, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.AreaStats(ctx, sc, area)
}

// Trends returns the monthly figures of area (the caller's own area when nil) for the
// last months calendar months in Asia/Shanghai time, the current one included, oldest
// first: grants opened, approvals, terminations and the money committed by the recurring
// grants paying in each month. months defaults to store.DefaultTrendMonths. It returns
// models.ErrUnauthenticated without a caller, a *models.FieldError for months outside
// 1..store.MaxTrendMonths (field "months") or an unknown area (field "area"), and a
// Forbidden error for an area outside the caller's subtree.
func (s *Service) Trends(ctx context.Context, area *string, months *int) (*models.Trends, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	n := store.DefaultTrendMonths
	if months != nil {
		n = *months
	}
	if n < 1 || n > store.MaxTrendMonths {
		return nil, models.Invalid("months", "must be between 1 and %d, not %d", store.MaxTrendMonths, n)
	}
	return s.st.Trends(ctx, sc, area, n)
}

// Changes returns the households, members and grants created, updated or deleted in the
// caller's area after the cursor q.Since, in commit order, with each record as it is now
// when the caller may still see it (a deleted record is a tombstone with its id).
// Integrators see grant changes of their categories only. The end cursor of the page is
// where to read on; on an empty page it is q.Since itself. It returns
// models.ErrUnauthenticated without a caller and a *models.FieldError for a first
// outside 0..store.MaxChangesPage (field "first") or a since that is not a cursor of the
// feed (field "since").
func (s *Service) Changes(ctx context.Context, q store.ChangeQuery) (*models.ChangeConnection, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if q.First != nil && (*q.First < 0 || *q.First > store.MaxChangesPage) {
		return nil, models.Invalid("first", "must be between 0 and %d", store.MaxChangesPage)
	}
	page, err := s.st.Changes(ctx, sc, q)
	if err != nil {
		return nil, err
	}
	for _, e := range page.Edges {
		if l := e.Node.PayrollLine; l != nil {
			l.Account = privacy.BankAccount(l.Account)
		}
	}
	return page, nil
}

// AuditEvents returns a page of the audit events recorded in the query's area that match
// its filter, ordered by (area code, id), the order of recording within an area. Only
// admins and auditors read the trail. It returns models.ErrUnauthenticated without a
// caller, a Forbidden error for other roles and for an area outside the caller's
// subtree, and a *models.FieldError for a bad area, a masked operation or actor in the
// filter, a filter.to not after filter.from, or a bad paging argument.
func (s *Service) AuditEvents(ctx context.Context, q store.AuditQuery) (*store.Page[models.AuditEvent], error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadAudit, "read the audit trail"))
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil {
		if err := input.RefuseMasked("filter.operation", f.Operation, "filter.actor", f.Actor); err != nil {
			return nil, err
		}
		if f.From != nil && f.To != nil && !f.To.After(*f.From) {
			return nil, models.Invalid("filter.to", "must be after filter.from")
		}
	}
	return s.st.AuditEvents(ctx, sc, q)
}
