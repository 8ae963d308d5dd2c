package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Grants is the persistence of grants and their events (the status history): reads
// narrowed by the caller's Scope (grantRows: the area, and the categories of an
// integrator's token), and writes inside a unit of work (Writer) that record their
// change-feed entries, the applicant's notice (outbox.go) and the refresh of the
// household. It checks no permission and no rule of the policy; the use cases in
// casework/grants do. Reach it with Store.Grants.
type Grants struct{ s *Store }

// Grants returns the store of grants and grant events.
func (s *Store) Grants() *Grants { return &Grants{s: s} }

// GrantQuery selects a page of grants.
type GrantQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.GrantFilter
	PageArgs
}

// Get returns the grant with id. It returns models.ErrNotFound when there is none in sc
// or, for integrators, in their categories.
func (r *Grants) Get(ctx context.Context, sc Scope, id string) (*models.Grant, error) {
	g, err := grantIn(sc.grantRows(r.s.db.WithContext(ctx)), id)
	return g, wrap("grant", err)
}

// GetIn is Get inside the unit of work w, which sees what w wrote.
func (r *Grants) GetIn(w *Writer, id string) (*models.Grant, error) {
	return grantIn(w.sc.grantRows(w.tx), id)
}

// grantIn returns the grant with id among the rows of q, or models.ErrNotFound.
func grantIn(q *gorm.DB, id string) (*models.Grant, error) {
	var g models.Grant
	err := q.Where("grants.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("grant")
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// List returns a page of the grants in the query's area that match its filter. It
// returns a *models.FieldError for a bad area or paging argument and a Forbidden error
// for an area outside sc; the use case checks the filter's values.
func (r *Grants) List(ctx context.Context, sc Scope, q GrantQuery) (*Page[models.Grant], error) {
	return grantsByArea.page(ctx, r.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
		if f := q.Filter; f != nil {
			if f.Status != nil {
				b = b.Where("grants.status = ?", *f.Status)
			}
			if f.ProgramCode != nil {
				b = b.Where("grants.program_code = ?", *f.ProgramCode)
			}
			if f.CategoryCode != nil {
				b = b.Where("grants.category_code = ?", *f.CategoryCode)
			}
			if f.HouseholdID != nil {
				b = b.Where("grants.household_id = ?", *f.HouseholdID)
			}
		}
		return b
	})
}

// grantsByArea is the grants' list: the grants sc sees (for integrators, of their
// categories) in an area.
var grantsByArea = areaList[models.Grant]{name: "grants", table: "grants", within: Scope.grantsWithin,
	area: func(g *models.Grant) string { return g.AreaCode }, id: func(g *models.Grant) string { return g.ID }}

// Of returns the grants of a household in sc, newest first.
func (r *Grants) Of(ctx context.Context, sc Scope, householdID string) ([]*models.Grant, error) {
	var gs []*models.Grant
	err := sc.grantRows(r.s.db.WithContext(ctx)).Where("grants.household_id = ?", householdID).
		Order("grants.start_date DESC").Order("grants.id").Find(&gs).Error
	return gs, wrap("grants of household", err)
}

// Events returns the status history of a grant in sc, oldest first; none for a grant
// outside it.
func (r *Grants) Events(ctx context.Context, sc Scope, grantID string) ([]*models.GrantEvent, error) {
	db := r.s.db.WithContext(ctx)
	var es []*models.GrantEvent
	err := sc.rows(db, "grant_events").Where("grant_events.grant_id IN (?)", sc.visibleGrant(db, grantID)).
		Order("grant_events.created_at").Order("grant_events.id").Find(&es).Error
	return es, wrap("grant events", err)
}

// Target reads, inside w, what a new grant ties together: the program (active or not:
// the use case decides), a household of w's scope, whose lock it takes (lockHousehold),
// and, when memberID is set, checks that the member belongs to it. It returns a
// *models.FieldError on input.programCode for a code the catalogue does not hold, and
// models.ErrNotFound for a household or member outside the scope.
func (r *Grants) Target(w *Writer, programCode, householdID string, memberID *string) (*models.Program, *models.Household, error) {
	prog, err := r.s.Catalogue().program(w.tx, strings.TrimSpace(programCode))
	if err != nil {
		return nil, nil, models.WithField("input.programCode", err)
	}
	h, err := household(w.sc.rows(w.tx, "households"), householdID)
	if err != nil {
		return nil, nil, err
	}
	if err := lockHousehold(w.tx, w.sc, h.ID); err != nil {
		return nil, nil, err
	}
	if memberID != nil {
		if _, err := member(w.sc.rows(w.tx, "members").Where("members.id = ? AND members.household_id = ?", *memberID, h.ID)); err != nil {
			return nil, nil, err
		}
	}
	return prog, h, nil
}

// Insert stores the new grant g inside w with its opening event (reason), the
// applicant's notice when g came in as an application (outbox.go), its entry in the
// change feed and the refresh of its household, whose values receiving a grant changes.
// The use case records the audit event.
func (r *Grants) Insert(w *Writer, g *models.Grant, reason string) error {
	if err := w.tx.Create(g).Error; err != nil {
		return err
	}
	if err := w.tx.Create(grantEvent(w.sc.p, g, nil, g.Status, reason)).Error; err != nil {
		return err
	}
	if err := r.s.Outbox().noticeGrantMoved(w.tx, g, nil); err != nil { // the applicant's notice (outbox.go)
		return err
	}
	w.changed(grantChanged(models.ChangeCreated, g))
	return w.grantTouched(g)
}

// grantTouched writes what w recorded so far and refreshes the household of grant g,
// logging the changes of its derived values with g's category (refreshForGrant), after
// g's own entry in the change feed.
func (w *Writer) grantTouched(g *models.Grant) error {
	if err := w.Settle(); err != nil {
		return err
	}
	return w.s.refreshForGrant(w.tx, w.sc, g)
}

// ReviewerOf returns the subject who last moved the grant to REVIEWED, or "".
func (r *Grants) ReviewerOf(w *Writer, grantID string) (string, error) {
	var ev models.GrantEvent
	err := w.sc.rows(w.tx, "grant_events").Where("grant_events.grant_id = ? AND grant_events.to_status = ?", grantID, models.GrantReviewed).
		Order("grant_events.created_at DESC").Order("grant_events.id DESC").Take(&ev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return ev.Actor, err
}
