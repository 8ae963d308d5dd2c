package referrals_test

import (
	"context"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/casework/referrals"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory referrals.Store: the settings in force by program, the
// applications and referrals by id, narrowed as the store narrows them (by area, and for
// an integrator by its department and categories), and a unit of work that keeps nothing
// of a step that fails or records no audit event (as store.Write).
type fake struct {
	settings  map[string]*models.ProgramSetting
	grants    map[string]models.Grant
	referrals map[string]models.Referral
	// rejecters lists by application the subjects who rejected it before it was
	// reopened on appeal.
	rejecters map[string][]string
	events    []string
	audits    []string
}

func newFake() *fake {
	return &fake{settings: map[string]*models.ProgramSetting{}, grants: map[string]models.Grant{}, referrals: map[string]models.Referral{}, rejecters: map[string][]string{}}
}

// sees reports whether the caller of sc reaches referral r.
func sees(sc store.Scope, r models.Referral) bool {
	p := sc.Principal()
	return fakestore.Covers(sc, r.AreaCode) && (p.Role != models.RoleIntegrator || (p.Department == r.Department && p.SeesCategory(r.CategoryCode)))
}

func (f *fake) Referral(_ context.Context, sc store.Scope, id string) (*models.Referral, error) {
	r, ok := f.referrals[id]
	if !ok || !sees(sc, r) {
		return nil, models.NotFound("referral")
	}
	return &r, nil
}

func (f *fake) ReferralOfGrant(_ context.Context, sc store.Scope, grantID string) (*models.Referral, error) {
	for _, r := range f.referrals {
		if r.GrantID == grantID && sees(sc, r) {
			return &r, nil
		}
	}
	return nil, nil
}

func (f *fake) Referrals(_ context.Context, sc store.Scope, q store.ReferralQuery) (*store.Page[models.Referral], error) {
	p := &store.Page[models.Referral]{}
	for _, r := range f.referrals {
		if sees(sc, r) && (q.OverdueAt == nil || (r.Status.Open() && r.DueAt.Before(*q.OverdueAt))) {
			p.Items = append(p.Items, r)
			p.Cursors = append(p.Cursors, r.ID)
		}
	}
	return p, nil
}

func (f *fake) Counts(_ context.Context, sc store.Scope, _ *string, now time.Time) ([]*models.ReferralCount, error) {
	var out []*models.ReferralCount
	for _, r := range f.referrals {
		if sees(sc, r) && r.Status.Open() {
			c := &models.ReferralCount{Department: r.Department, AreaCode: r.AreaCode[:9] + "000", Open: 1}
			if r.Overdue(now) {
				c.Overdue = 1
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(referrals.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackMap(u, &f.grants)
		fakestore.TrackMap(u, &f.referrals)
		return step(&tx{Unit: u, f: f})
	})
}

// tx is a unit of work of the fake: it reads back the applications and referrals it
// writes, and its grant events are kept apart until Write keeps them.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Setting(code, _ string, _ models.Date) (*models.ProgramSetting, error) {
	s, ok := t.f.settings[code]
	if !ok {
		return nil, models.Invalid("", "no setting")
	}
	return s, nil
}

func (t *tx) Insert(r *models.Referral, g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	t.f.referrals[r.ID] = *r
	t.f.grants[g.ID] = *g
	fakestore.Add(t.Unit, &t.f.events, reason)
	return nil
}

func (t *tx) Referral(id string) (*models.Referral, *models.Grant, error) {
	r, ok := t.f.referrals[id]
	if !ok || !sees(t.Scope, r) {
		return nil, nil, models.NotFound("referral")
	}
	g := t.f.grants[r.GrantID]
	return &r, &g, nil
}

func (t *tx) Step(r *models.Referral, g *models.Grant, to models.ReferralStatus, reason, event string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	sub := t.Scope.Principal().Subject
	r.Status, r.Reason, r.Version, r.HandledBy = to, reason, r.Version+1, &sub
	t.f.referrals[r.ID] = *r
	fakestore.Add(t.Unit, &t.f.events, event)
	return nil
}

func (t *tx) Approve(g *models.Grant, in models.ApprovalInput, reviewReason, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	if in.Amount != nil {
		g.Amount = *in.Amount
	}
	g.Status = models.GrantActive
	t.f.grants[g.ID] = *g
	fakestore.Add(t.Unit, &t.f.events, reviewReason)
	fakestore.Add(t.Unit, &t.f.events, reason)
	return nil
}

func (t *tx) Reject(g *models.Grant, reason string) error {
	if err := t.Writing(); err != nil {
		return err
	}
	g.Status = models.GrantRejected
	t.f.grants[g.ID] = *g
	fakestore.Add(t.Unit, &t.f.events, reason)
	return nil
}

func (t *tx) Rejecters(grantID string) ([]string, error) { return t.f.rejecters[grantID], nil }

// scope returns the scope of p.
func scope(p auth.Principal) store.Scope { return store.ScopeFor(p) }

// storePage returns the default page arguments.
func storePage() store.PageArgs { return store.PageArgs{} }
