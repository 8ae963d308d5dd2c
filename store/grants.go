package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// GrantQuery selects a page of grants.
type GrantQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.GrantFilter
	PageArgs
}

// Grant returns the grant with id. It returns models.ErrNotFound when there is none in
// the caller's area or, for integrators, in their categories.
func (s *Store) Grant(ctx context.Context, id string) (*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var g models.Grant
	err = sc.grantRows(s.db.WithContext(ctx)).Where("grants.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("grant")
	}
	if err != nil {
		return nil, wrap("grant", err)
	}
	return &g, nil
}

// Grants returns a page of the grants in the query's area that match its filter. It
// returns a *models.FieldError for a bad argument and a Forbidden error for an area
// outside the caller's subtree.
func (s *Store) Grants(ctx context.Context, q GrantQuery) (*Page[models.Grant], error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil && f.Status != nil && !f.Status.Valid() {
		return nil, models.Invalid("filter.status", "%s is not a grant status", privacy.Quote(string(*f.Status)))
	}
	if f := q.Filter; f != nil {
		if err := refuseMasked("filter.programCode", f.ProgramCode, "filter.categoryCode", f.CategoryCode, "filter.householdId", f.HouseholdID); err != nil {
			return nil, err
		}
	}
	db := s.db.WithContext(ctx)
	build := func() *gorm.DB {
		b := sc.grantsWithin(db, lo, hi)
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
	}
	page, err := paginate(build, "grants", q.PageArgs,
		func(g *models.Grant) string { return g.AreaCode },
		func(g *models.Grant) string { return g.ID })
	return page, wrap("grants", err)
}

// GrantsOf returns the grants of a household that the caller may see, newest first.
func (s *Store) GrantsOf(ctx context.Context, householdID string) ([]*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var gs []*models.Grant
	err = sc.grantRows(s.db.WithContext(ctx)).Where("grants.household_id = ?", householdID).
		Order("grants.start_date DESC").Order("grants.id").Find(&gs).Error
	return gs, wrap("grants of household", err)
}

// EventsOf returns the status history of a grant the caller may see, oldest first.
func (s *Store) EventsOf(ctx context.Context, grantID string) ([]*models.GrantEvent, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var es []*models.GrantEvent
	visible := sc.grantRows(s.db.WithContext(ctx).Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id = ?", grantID)
	err = sc.rows(s.db.WithContext(ctx), "grant_events").
		Where("grant_events.grant_id IN (?)", visible).
		Order("grant_events.created_at").Order("grant_events.id").Find(&es).Error
	return es, wrap("grant events", err)
}

// CreateGrant opens a grant for a household of the caller's area, optionally for one of
// its members, on an active program (P1). The status is ACTIVE unless PENDING is asked
// for; the full approval lifecycle moves it from there. The opening is recorded as the
// grant's first event. It returns models.ErrNotFound for a household or member outside
// the caller's area, a *models.FieldError for bad input or an inactive program, and a
// Forbidden error for a role that may not open grants.
func (s *Store) CreateGrant(ctx context.Context, in models.GrantInput) (*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteGrant, "open grants"); err != nil {
		return nil, err
	}
	if in.Amount <= 0 {
		return nil, models.Invalid("input.amount", "must be more than zero")
	}
	if in.StartDate.IsZero() {
		return nil, models.Invalid("input.startDate", "is required")
	}
	if in.EndDate != nil && in.EndDate.Before(in.StartDate.Time) {
		return nil, models.Invalid("input.endDate", "must not be before startDate")
	}
	status := models.GrantActive
	if in.Status != nil {
		if *in.Status != models.GrantActive && *in.Status != models.GrantPending {
			return nil, models.Invalid("input.status", "a grant opens as ACTIVE or PENDING, not %s", *in.Status)
		}
		status = *in.Status
	}
	var out *models.Grant
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		prog, h, err := s.grantTarget(tx, sc, in.ProgramCode, in.HouseholdID, in.MemberID, "grants")
		if err != nil {
			return err
		}
		g := &models.Grant{
			ID: newID(), HouseholdID: h.ID, MemberID: in.MemberID, AreaCode: h.AreaCode,
			ProgramCode: prog.Code, CategoryCode: prog.CategoryCode, Status: status,
			Amount: in.Amount, StartDate: in.StartDate, EndDate: in.EndDate, Version: 1,
			CreatedBy: sc.p.Subject,
		}
		if status == models.GrantActive {
			if err := s.checkOneBenefit(tx, sc, g); err != nil { // P21
				return err
			}
		}
		if err := s.insertGrant(tx, sc, g, "opened", "createGrant"); err != nil {
			return err
		}
		out = g
		return s.refreshForGrant(tx, sc, g)
	})
	if err != nil {
		return nil, wrap("create grant", err)
	}
	return out, nil
}

// grantTarget reads, inside tx, what a new grant or application ties together: an active
// program, a household of the caller's area, whose lock it takes (lockHousehold), and,
// when memberID is set, one of its members. what names the records being opened, for
// the message on an inactive program. It returns a *models.FieldError on input.programCode for an unknown or inactive
// program, and models.ErrNotFound for a household or member outside the caller's area.
func (s *Store) grantTarget(tx *gorm.DB, sc Scope, programCode, householdID string, memberID *string, what string) (*models.Program, *models.Household, error) {
	prog, err := s.program(tx, strings.TrimSpace(programCode))
	if err != nil {
		return nil, nil, models.WithField("input.programCode", err)
	}
	if !prog.Active {
		return nil, nil, models.Invalid("input.programCode", "program %s is not active; %s open only on active programs", prog.Code, what)
	}
	h, err := s.household(sc.rows(tx, "households"), householdID)
	if err != nil {
		return nil, nil, err
	}
	if err := lockHousehold(tx, sc, h.ID); err != nil {
		return nil, nil, err
	}
	if memberID != nil {
		if _, err := member(sc.rows(tx, "members").Where("members.id = ? AND members.household_id = ?", *memberID, h.ID)); err != nil {
			return nil, nil, err
		}
	}
	return prog, h, nil
}
