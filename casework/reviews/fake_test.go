package reviews_test

import (
	"context"

	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/reviews"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory reviews.Store: reviews and grants keyed by id, and members'
// labour capacity by household, narrowed to the caller's area as the store narrows them,
// and a unit of work that keeps nothing of a step that fails or records no audit event
// (as store.Write).
type fake struct {
	reviews map[string]*models.Review
	grants  map[string]*models.Grant
	// working marks the households with a member of full labour capacity.
	working map[string]bool
	// rule is the amount the entitlement rules compute for a grant.
	rule   map[string]models.Money
	audits []string
}

func newFake() *fake {
	return &fake{reviews: map[string]*models.Review{}, grants: map[string]*models.Grant{}, working: map[string]bool{}, rule: map[string]models.Money{}}
}

func (f *fake) Review(_ context.Context, sc store.Scope, id string) (*models.Review, error) {
	return fakestore.Get(sc, f.reviews, id, "review")
}

func (f *fake) Reviews(_ context.Context, sc store.Scope, q store.ReviewQuery) (*store.Page[models.Review], error) {
	return fakestore.Page(sc, f.reviews, func(v *models.Review) bool {
		return (q.Overdue == nil || *q.Overdue == v.Overdue) && (q.Status == nil || *q.Status == v.Status)
	}), nil
}

func (f *fake) Counts(_ context.Context, sc store.Scope, _ *string) (models.ReviewCounts, error) {
	var c models.ReviewCounts
	for _, v := range f.reviews {
		if fakestore.Covers(sc, v.AreaCode) && v.Status == models.ReviewOpen {
			if v.Overdue {
				c.Overdue++
			} else {
				c.Due++
			}
		}
	}
	return c, nil
}

func (f *fake) Due(_ context.Context, sc store.Scope, q store.DueQuery) ([]store.DueGrant, error) {
	var out []store.DueGrant
	for _, id := range fakestore.Sorted(f.grants) {
		g := f.grants[id]
		if !fakestore.Covers(sc, g.AreaCode) || g.Status != models.GrantActive || g.ProgramCode != q.Program || id <= q.After || f.working[g.HouseholdID] != q.Changing {
			continue
		}
		anchor, open := g.StartDate, false
		for _, v := range f.reviews {
			if v.GrantID != g.ID {
				continue
			}
			if v.Status == models.ReviewOpen {
				open = true
			} else if v.ClosedOn != nil && v.ClosedOn.After(anchor.Time) {
				anchor = *v.ClosedOn
			}
		}
		if !open && !anchor.After(q.AnchorBy.Time) {
			out = append(out, store.DueGrant{Grant: *g, Anchor: anchor})
		}
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

func (f *fake) Late(_ context.Context, sc store.Scope, dueBefore models.Date, after string, limit int) ([]models.Review, error) {
	var out []models.Review
	for _, id := range fakestore.Sorted(f.reviews) {
		v := f.reviews[id]
		if fakestore.Covers(sc, v.AreaCode) && v.Status == models.ReviewOpen && !v.Overdue && v.DueOn.Before(dueBefore.Time) && id > after && len(out) < limit {
			out = append(out, *v)
		}
	}
	return out, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(reviews.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error { return step(&tx{Unit: u, f: f}) })
}

// tx is a unit of work of the fake: what it writes is kept apart until Write keeps it.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Review(id string) (*models.Review, error) {
	return fakestore.Get(t.Scope, t.f.reviews, id, "review")
}

func (t *tx) InsertReview(v *models.Review) (bool, error) {
	if err := t.Writing(); err != nil {
		return false, err
	}
	for _, o := range t.f.reviews {
		if o.GrantID == v.GrantID && (o.Status == models.ReviewOpen || o.DueOn == v.DueOn) {
			return false, nil
		}
	}
	fakestore.Put(t.Unit, t.f.reviews, v.ID, v)
	return true, nil
}

func (t *tx) UpdateReview(v *models.Review) error {
	if err := t.Writing(); err != nil {
		return err
	}
	cur, ok := t.f.reviews[v.ID]
	if !ok || cur.Version != v.Version {
		return models.Conflict("the review was changed")
	}
	v.Version++
	fakestore.Put(t.Unit, t.f.reviews, v.ID, v)
	return nil
}

func (t *tx) Grant(id string) (*models.Grant, error) {
	return fakestore.Get(t.Scope, t.f.grants, id, "grant")
}

func (t *tx) MoveGrant(g *models.Grant, to models.GrantStatus, _ string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	g.Status, g.Version = to, g.Version+1
	fakestore.Put(t.Unit, t.f.grants, g.ID, g)
	return nil
}

func (t *tx) Recompute(g *models.Grant, _ models.Date, amount *models.Money, _ string) (models.Money, error) {
	if err := t.Writing(); err != nil {
		return 0, err
	}
	a, ok := t.f.rule[g.ID]
	if amount != nil {
		a, ok = *amount, true
	}
	if !ok {
		return 0, models.Invalid("id", "the county has no dibao standard")
	}
	if a != g.Amount {
		g.Amount, g.Version = a, g.Version+1
		fakestore.Put(t.Unit, t.f.grants, g.ID, g)
	}
	return a, nil
}
