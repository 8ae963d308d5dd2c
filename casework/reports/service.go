// Package reports holds the use cases that read figures and trails across the records
// of an area: the dashboard's figures and monthly trends, the change feed integrators
// sync from, the audit trail, the lookups of the public status page and the daily job's
// alerts of them, which admins acknowledge. Each use case takes the caller from its
// context, checks what the caller's role may read or do and the arguments, and asks the
// store, which narrows every read and write to the caller's scope.
package reports

import (
	"context"

	"jiuzhu/models"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of figures, changes and audit
// events. *store.Store serves it through New; the tests use an in-memory fake.
type Store interface {
	// AreaStats returns the figures of area and its children (see store.Stats.Area).
	AreaStats(ctx context.Context, sc store.Scope, area *string) (*models.AreaStats, error)
	// Trends returns the monthly figures of area (see store.Stats.Trends).
	Trends(ctx context.Context, sc store.Scope, area *string, months int) (*models.Trends, error)
	// Changes returns a page of the change feed (see store.Changes.List).
	Changes(ctx context.Context, sc store.Scope, q store.ChangeQuery) (*models.ChangeConnection, error)
	// AuditEvents returns a page of the audit trail (see store.Audit.Events).
	AuditEvents(ctx context.Context, sc store.Scope, q store.AuditQuery) (*store.Page[models.AuditEvent], error)
	// StatusLookups returns a page of the lookups of the status page (see
	// store.StatusPage.Lookups).
	StatusLookups(ctx context.Context, sc store.Scope, q store.StatusLookupQuery) (*store.Page[models.StatusLookup], error)
	// FailedStatusLookups counts the failed lookups of the status page per digest (see
	// store.StatusPage.FailedLookups).
	FailedStatusLookups(ctx context.Context, sc store.Scope, q store.FailedLookupsQuery) ([]models.FailedStatusLookups, error)
	// StatusLookupAlerts returns a page of the alerts of the status page (see
	// store.StatusPage.Alerts).
	StatusLookupAlerts(ctx context.Context, sc store.Scope, q store.StatusAlertQuery) (*store.Page[store.StatusAlert], error)
	// AcknowledgeStatusLookupAlert acknowledges an alert of the status page (see
	// store.StatusPage.AcknowledgeAlert).
	AcknowledgeStatusLookupAlert(ctx context.Context, sc store.Scope, id, note string) (*store.StatusAlert, error)
}

// Service runs the use cases of figures, changes and the audit trail. It is safe for
// concurrent use.
type Service struct {
	st Store
}

// New returns the use cases over st.
func New(st *store.Store) *Service {
	return &Service{st: adapter{stats: st.Stats(), changes: st.Changes(), audit: st.Audit(), status: st.StatusPage()}}
}

// NewWith returns the use cases over any Store; it is for tests.
func NewWith(st Store) *Service { return &Service{st: st} }

// adapter serves Store with *store.Store's figures, change feed and audit trail.
type adapter struct {
	stats   *store.Stats
	changes *store.Changes
	audit   *store.Audit
	status  *store.StatusPage
}

func (a adapter) AreaStats(ctx context.Context, sc store.Scope, area *string) (*models.AreaStats, error) {
	return a.stats.Area(ctx, sc, area)
}

func (a adapter) Trends(ctx context.Context, sc store.Scope, area *string, months int) (*models.Trends, error) {
	return a.stats.Trends(ctx, sc, area, months)
}

func (a adapter) Changes(ctx context.Context, sc store.Scope, q store.ChangeQuery) (*models.ChangeConnection, error) {
	return a.changes.List(ctx, sc, q)
}

func (a adapter) AuditEvents(ctx context.Context, sc store.Scope, q store.AuditQuery) (*store.Page[models.AuditEvent], error) {
	return a.audit.Events(ctx, sc, q)
}

func (a adapter) StatusLookups(ctx context.Context, sc store.Scope, q store.StatusLookupQuery) (*store.Page[models.StatusLookup], error) {
	return a.status.Lookups(ctx, sc, q)
}

func (a adapter) FailedStatusLookups(ctx context.Context, sc store.Scope, q store.FailedLookupsQuery) ([]models.FailedStatusLookups, error) {
	return a.status.FailedLookups(ctx, sc, q)
}

func (a adapter) StatusLookupAlerts(ctx context.Context, sc store.Scope, q store.StatusAlertQuery) (*store.Page[store.StatusAlert], error) {
	return a.status.Alerts(ctx, sc, q)
}

func (a adapter) AcknowledgeStatusLookupAlert(ctx context.Context, sc store.Scope, id, note string) (*store.StatusAlert, error) {
	return a.status.AcknowledgeAlert(ctx, sc, id, note)
}
