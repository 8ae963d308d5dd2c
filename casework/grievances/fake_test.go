package grievances_test

import (
	"context"
	"strings"
	"time"

	"jiuzhu/casework/grievances"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory grievances.Store: grants and their events, grievances and
// comments, narrowed to the caller's area as the store narrows them, and a unit of work
// that keeps nothing of a step that fails or records no audit event (as store.Write).
type fake struct {
	grants     map[string]*models.Grant
	events     []*models.GrantEvent
	grievances map[string]*models.Grievance
	comments   []*models.GrievanceComment
	audits     []string
	// notices are the kinds of the notices written, and withdrawn the grievances whose
	// due-day notice was withdrawn.
	notices   []string
	withdrawn []string
	// reopened records the moves of Reopen, "grant→status".
	reopened []string
}

func newFake() *fake {
	return &fake{grants: map[string]*models.Grant{}, grievances: map[string]*models.Grievance{}}
}

func (f *fake) Grievance(_ context.Context, sc store.Scope, id string) (*models.Grievance, error) {
	return fakestore.Get(sc, f.grievances, id, "grievance")
}

func (f *fake) Grievances(_ context.Context, sc store.Scope, q store.GrievanceQuery) (*store.Page[models.Grievance], error) {
	return fakestore.Page(sc, f.grievances, func(g *models.Grievance) bool { return q.OverdueAt == nil || g.Overdue(*q.OverdueAt) }), nil
}

func (f *fake) Comments(ctx context.Context, sc store.Scope, id string) ([]models.GrievanceComment, error) {
	if _, err := f.Grievance(ctx, sc, id); err != nil {
		return nil, err
	}
	var out []models.GrievanceComment
	for _, c := range f.comments {
		if c.GrievanceID == id {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (f *fake) OverdueByArea(_ context.Context, sc store.Scope, area *string, now time.Time) ([]store.AreaCount, error) {
	if _, err := fakestore.Area(sc, area); err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, g := range f.grievances {
		if fakestore.Covers(sc, g.AreaCode) && (area == nil || strings.HasPrefix(g.AreaCode, strings.TrimRight(*area, "0"))) && g.Overdue(now) {
			n[g.AreaCode]++
		}
	}
	var out []store.AreaCount
	for a, c := range n {
		out = append(out, store.AreaCount{AreaCode: a, N: c})
	}
	return out, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(grievances.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error { return step(&tx{Unit: u, f: f}) })
}

// tx is a unit of work of the fake: what it writes is kept apart until Write keeps it.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Target(subject models.GrievanceSubject, recordID string) (*models.Grant, *models.GrantEvent, error) {
	for _, g := range t.f.grants {
		if !fakestore.Covers(t.Scope, g.AreaCode) {
			continue
		}
		switch subject {
		case models.GrievanceOfApplication:
			if g.Reference != nil && *g.Reference == strings.ToUpper(strings.TrimSpace(recordID)) {
				c := *g
				return &c, nil, nil
			}
		case models.GrievanceOfGrant:
			if g.ID == recordID {
				c := *g
				return &c, nil, nil
			}
		case models.GrievanceOfDecision:
			for _, e := range t.f.events {
				if e.ID == recordID && e.GrantID == g.ID {
					c := *g
					return &c, e, nil
				}
			}
		}
	}
	return nil, nil, models.NotFound("grant")
}

func (t *tx) LastRejection(grantID string) (*models.GrantEvent, error) {
	var last *models.GrantEvent
	for _, e := range t.f.events {
		if e.GrantID == grantID && e.ToStatus == models.GrantRejected {
			last = e
		}
	}
	return last, nil
}

func (t *tx) Grievance(id string) (*models.Grievance, error) {
	return t.f.Grievance(context.Background(), t.Scope, id)
}

func (t *tx) Insert(g *models.Grievance, _ *models.Grant) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Put(t.Unit, t.f.grievances, g.ID, g)
	fakestore.Add(t.Unit, &t.f.notices, string(store.NoticeGrievanceOpened))
	fakestore.Add(t.Unit, &t.f.notices, string(store.NoticeGrievanceDue))
	return nil
}

func (t *tx) AddComment(_ *models.Grievance, c *models.GrievanceComment, _ string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Add(t.Unit, &t.f.comments, c)
	return nil
}

func (t *tx) Update(g *models.Grievance, _ string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	if cur := t.f.grievances[g.ID]; cur == nil || cur.Version != g.Version {
		return models.Conflict("changed")
	}
	g.Version++
	fakestore.Put(t.Unit, t.f.grievances, g.ID, g)
	return nil
}

func (t *tx) NoticeAnswered(g *models.Grievance, _ *models.Grant) error {
	if err := t.Writing(); err != nil {
		return err
	}
	fakestore.Add(t.Unit, &t.f.withdrawn, g.ID)
	fakestore.Add(t.Unit, &t.f.notices, string(store.NoticeGrievanceAnswered))
	return nil
}

func (t *tx) Reopen(grant *models.Grant, to models.GrantStatus, _ string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	grant.Status = to
	fakestore.Put(t.Unit, t.f.grants, grant.ID, grant)
	fakestore.Add(t.Unit, &t.f.reopened, grant.ID+"→"+string(to))
	return nil
}
