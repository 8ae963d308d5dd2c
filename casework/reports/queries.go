package reports

import (
	"context"
	"time"

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

// StatusLookups returns a page of the lookups of the public status page (P25) recorded in
// the query's area that match its filter, newest first: the audit trail of the page,
// failed lookups included, with digests of the reference and of the address, never
// either. A lookup that matched no application lies in the root's area, so only callers
// of the whole city see it. Only admins and auditors read it, as they read the audit
// trail. It returns models.ErrUnauthenticated without a caller, a Forbidden error for
// other roles and for an area outside the caller's subtree, and a *models.FieldError for
// a bad area, a filter.to not after filter.from, or a bad paging argument.
func (s *Service) StatusLookups(ctx context.Context, q store.StatusLookupQuery) (*store.Page[models.StatusLookup], error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadAudit, "read the lookups of the status page"))
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil && f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return nil, models.Invalid("filter.to", "must be after filter.from")
	}
	return s.st.StatusLookups(ctx, sc, q)
}

// FailedLookupsInput selects the counts of failed lookups of the status page.
type FailedLookupsInput struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area *string
	// By is the digest the failed lookups are counted by.
	By models.StatusLookupKey
	// From (inclusive) and To (exclusive) bound the time of the lookups. To defaults to
	// now and From to store.DefaultFailedLookupsRange before To.
	From, To *time.Time
	// Top is how many digests to return; store.DefaultFailedLookupsTop when nil.
	Top *int
}

// FailedStatusLookups counts the failed lookups (MISMATCH or UNKNOWN) of the public status
// page (P25) in the caller's scope per digest of the address (a sweep of references from
// one address) or of the reference (guesses of one reference's ID tail), and returns the
// digests with the most, the most first. The range is at most
// store.MaxFailedLookupsRange and the answer at most store.MaxFailedLookupsTop digests,
// so that it is one bounded statement. Only admins and auditors read it. It returns
// models.ErrUnauthenticated without a caller, a Forbidden error for other roles and for an
// area outside the caller's subtree, and a *models.FieldError for a bad area, a to not
// after from (field "to"), a range longer than the maximum (field "from") or a top
// outside 1..store.MaxFailedLookupsTop (field "top").
func (s *Service) FailedStatusLookups(ctx context.Context, in FailedLookupsInput) ([]models.FailedStatusLookups, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadAudit, "read the lookups of the status page"))
	if err != nil {
		return nil, err
	}
	q := store.FailedLookupsQuery{Area: in.Area, By: in.By, To: time.Now().UTC(), Top: store.DefaultFailedLookupsTop}
	if in.To != nil {
		q.To = *in.To
	}
	q.From = q.To.Add(-store.DefaultFailedLookupsRange)
	if in.From != nil {
		q.From = *in.From
	}
	if !q.To.After(q.From) {
		return nil, models.Invalid("to", "must be after from")
	}
	if q.To.Sub(q.From) > store.MaxFailedLookupsRange {
		return nil, models.Invalid("from", "the range may be at most %d days", int(store.MaxFailedLookupsRange/(24*time.Hour)))
	}
	if in.Top != nil {
		q.Top = *in.Top
	}
	if q.Top < 1 || q.Top > store.MaxFailedLookupsTop {
		return nil, models.Invalid("top", "must be between 1 and %d", store.MaxFailedLookupsTop)
	}
	return s.st.FailedStatusLookups(ctx, sc, q)
}

// StatusLookupAlerts returns a page of the daily job's alerts of sweeps and guesses on
// the public status page (P25) whose area lies in the query's area and that match its
// filter, newest first: digests and counts, never a reference number or an address. An
// alert lies in a county (a reference's, of its application) or in the city (an
// address's), so only callers of the county or of the whole city see it. Only admins and
// auditors read them, as they read the audit trail. It returns models.ErrUnauthenticated
// without a caller, a Forbidden error for other roles and for an area outside the
// caller's subtree, and a *models.FieldError for a bad area, a filter.by that is not a
// key, a filter.to not after filter.from, or a bad paging argument.
func (s *Service) StatusLookupAlerts(ctx context.Context, q store.StatusAlertQuery) (*store.Page[store.StatusAlert], error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadAudit, "read the alerts of the status page"))
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil {
		if f.By != nil && !f.By.Valid() {
			return nil, models.Invalid("filter.by", "must be one of %v", models.StatusLookupKeys)
		}
		if f.From != nil && f.To != nil && !f.To.After(*f.From) {
			return nil, models.Invalid("filter.to", "must be after filter.from")
		}
	}
	return s.st.StatusLookupAlerts(ctx, sc, q)
}

// MaxAlertNoteLen bounds the note of an acknowledgement, in characters.
const MaxAlertNoteLen = input.MaxReasonLen

// AcknowledgeStatusLookupAlert records that the caller, an admin of the alert's area,
// looked into alert id of the status page and what was found or done (note, trimmed),
// and audits it. An alert is acknowledged once. It returns models.ErrUnauthenticated
// without a caller, a Forbidden error for roles other than admin, a *models.FieldError
// naming note when it is blank, longer than MaxAlertNoteLen characters or not valid text,
// models.ErrNotFound for an alert outside the caller's area, models.ErrConflict for one
// acknowledged already, and the store's errors.
func (s *Service) AcknowledgeStatusLookupAlert(ctx context.Context, id, note string) (*store.StatusAlert, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionAcknowledgeStatusAlert, "acknowledge the alerts of the status page"))
	if err != nil {
		return nil, err
	}
	n, err := input.Text("note", note, true, MaxAlertNoteLen)
	if err != nil {
		return nil, err
	}
	return s.st.AcknowledgeStatusLookupAlert(ctx, sc, id, n)
}
