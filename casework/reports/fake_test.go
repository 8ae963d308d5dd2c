package reports_test

import (
	"context"
	"strings"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory reports.Store: households by village for the figures, change-feed
// entries and audit events, each narrowed to the caller's area as the store narrows
// them, and a record of the reads the use cases asked for.
type fake struct {
	// households counts the households of each village.
	households map[string]int
	changes    []models.ChangeLogEntry
	events     []models.AuditEvent
	// reads counts the reads asked for, by method.
	reads map[string]int
	// months is the months argument of the last read of trends.
	months int
	// first is the first argument of the last read of the change feed.
	first *int
	// lookups are the lookups of the status page.
	lookups []models.StatusLookup
	// failedQuery is the query of the last count of failed lookups.
	failedQuery store.FailedLookupsQuery
	// alerts are the alerts of the status page; acknowledged is the note given to each
	// alert acknowledged.
	alerts       []store.StatusAlert
	acknowledged map[string]string
}

func newFake() *fake {
	return &fake{households: map[string]int{}, reads: map[string]int{}, acknowledged: map[string]string{}}
}

// under reports whether the 12-digit code lies under the unit of area, whose code ends in
// zeros below its level.
func under(code, area string) bool {
	return strings.HasPrefix(code, strings.TrimRight(area, "0"))
}

func (f *fake) AreaStats(_ context.Context, sc store.Scope, a *string) (*models.AreaStats, error) {
	f.reads["AreaStats"]++
	code, err := fakestore.Area(sc, a)
	if err != nil {
		return nil, err
	}
	st := &models.AreaStats{Area: &models.Jurisdiction{Code: code}}
	for v, n := range f.households {
		if fakestore.Covers(sc, v) && under(v, code) {
			st.Households += n
		}
	}
	return st, nil
}

func (f *fake) Trends(_ context.Context, sc store.Scope, a *string, months int) (*models.Trends, error) {
	f.reads["Trends"]++
	f.months = months
	code, err := fakestore.Area(sc, a)
	if err != nil {
		return nil, err
	}
	return &models.Trends{Area: &models.Jurisdiction{Code: code}, Months: make([]*models.TrendMonth, months)}, nil
}

func (f *fake) Changes(_ context.Context, sc store.Scope, q store.ChangeQuery) (*models.ChangeConnection, error) {
	f.reads["Changes"]++
	f.first = q.First
	out := &models.ChangeConnection{PageInfo: &models.PageInfo{}}
	for _, c := range f.changes {
		if fakestore.Covers(sc, c.AreaCode) {
			node := &models.Change{ID: c.EntityID, AreaCode: c.AreaCode, Entity: c.Entity}
			if c.Entity == models.EntityPayrollLine {
				node.PayrollLine = &models.PayrollLine{ID: c.EntityID, AreaCode: c.AreaCode, Account: fullAccount}
			}
			out.Edges = append(out.Edges, &models.ChangeEdge{Node: node})
		}
	}
	return out, nil
}

func (f *fake) AuditEvents(_ context.Context, sc store.Scope, q store.AuditQuery) (*store.Page[models.AuditEvent], error) {
	f.reads["AuditEvents"]++
	code, err := fakestore.Area(sc, q.Area)
	if err != nil {
		return nil, err
	}
	p := &store.Page[models.AuditEvent]{}
	for _, e := range f.events {
		if fakestore.Covers(sc, e.AreaCode) && under(e.AreaCode, code) &&
			(q.Filter == nil || q.Filter.Actor == nil || *q.Filter.Actor == e.Actor) {
			p.Items = append(p.Items, e)
			p.Cursors = append(p.Cursors, e.ID)
		}
	}
	return p, nil
}

func (f *fake) StatusLookups(_ context.Context, sc store.Scope, q store.StatusLookupQuery) (*store.Page[models.StatusLookup], error) {
	f.reads["StatusLookups"]++
	code, err := fakestore.Area(sc, q.Area)
	if err != nil {
		return nil, err
	}
	p := &store.Page[models.StatusLookup]{}
	for _, l := range f.lookups {
		if fakestore.Covers(sc, l.AreaCode) && under(l.AreaCode, code) &&
			(q.Filter == nil || q.Filter.Outcome == nil || *q.Filter.Outcome == l.Outcome) {
			p.Items = append(p.Items, l)
			p.Cursors = append(p.Cursors, l.ID)
		}
	}
	return p, nil
}

func (f *fake) FailedStatusLookups(_ context.Context, sc store.Scope, q store.FailedLookupsQuery) ([]models.FailedStatusLookups, error) {
	f.reads["FailedStatusLookups"]++
	f.failedQuery = q
	if _, err := fakestore.Area(sc, q.Area); err != nil {
		return nil, err
	}
	failed := map[string]int{}
	for _, l := range f.lookups {
		if fakestore.Covers(sc, l.AreaCode) && l.Outcome != models.LookupShown {
			failed[l.AddressDigest]++
		}
	}
	var out []models.FailedStatusLookups
	for d, n := range failed {
		out = append(out, models.FailedStatusLookups{Digest: d, Failed: n})
	}
	return out, nil
}

func (f *fake) StatusLookupAlerts(_ context.Context, sc store.Scope, q store.StatusAlertQuery) (*store.Page[store.StatusAlert], error) {
	f.reads["StatusLookupAlerts"]++
	code, err := fakestore.Area(sc, q.Area)
	if err != nil {
		return nil, err
	}
	p := &store.Page[store.StatusAlert]{}
	for _, a := range f.alerts {
		if fakestore.Covers(sc, a.AreaCode) && under(a.AreaCode, code) &&
			(q.Filter == nil || q.Filter.By == nil || *q.Filter.By == a.By) {
			p.Items = append(p.Items, a)
			p.Cursors = append(p.Cursors, a.ID)
		}
	}
	return p, nil
}

func (f *fake) AcknowledgeStatusLookupAlert(_ context.Context, sc store.Scope, id, note string) (*store.StatusAlert, error) {
	f.reads["AcknowledgeStatusLookupAlert"]++
	for _, a := range f.alerts {
		if a.ID == id && fakestore.Covers(sc, a.AreaCode) {
			if _, ok := f.acknowledged[id]; ok {
				return nil, models.Conflict("acknowledged already")
			}
			f.acknowledged[id] = note
			by := sc.Principal().Subject
			a.AcknowledgedBy, a.AcknowledgementNote = &by, &note
			return &a, nil
		}
	}
	return nil, models.NotFound("status lookup alert")
}
