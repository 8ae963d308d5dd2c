package staffing

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// StaffMember returns the staff member with id. It returns a Forbidden error for a role
// that may not read the registry and models.ErrNotFound when there is none in the
// caller's area.
func (s *Service) StaffMember(ctx context.Context, id string) (*models.StaffMember, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadStaffing, "read the staff registry"))
	if err != nil {
		return nil, err
	}
	return s.st.StaffMember(ctx, sc, id)
}

// Staff returns a page of the staff registry of the query's area that matches its filter,
// ordered by (area code, id); q.Post is a shorthand for the filter's post. It returns a
// Forbidden error for a role that may not read the registry or an area outside the
// caller's subtree, and a *models.FieldError for a bad area, filter or paging argument
// (post disagreeing with filter.post included).
func (s *Service) Staff(ctx context.Context, q store.StaffQuery) (*store.Page[models.StaffMember], error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadStaffing, "read the staff registry"))
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if q.Post != nil {
		if f != nil && f.Post != nil && *f.Post != *q.Post {
			return nil, models.Invalid("post", "disagrees with filter.post")
		}
		merged := models.StaffFilter{}
		if f != nil {
			merged = *f
		}
		merged.Post = q.Post
		f = &merged
	}
	if f != nil && f.Post != nil && !f.Post.Valid() {
		return nil, models.Invalid("filter.post", "%s is not a post", privacy.Quote(string(*f.Post)))
	}
	q.Filter, q.Post = f, nil
	return s.st.Staff(ctx, sc, q)
}

// Active reports whether staff member m is in post today, by the service's clock.
func (s *Service) Active(m *models.StaffMember) bool { return m.ActiveOn(s.today()) }

// StaffingReport returns the staffing report (P6) of area, or of the caller's own area
// when area is nil: one row per township, totals per county and for the area, and the
// villages short of an assistant or of coordinators, each in code order. Staff are
// counted when in post today; a village's active recipients are the members of its
// households that hold an ACTIVE or GRACE grant.
//
// It returns a Forbidden error for a role other than admin, officer or auditor and for an
// area outside the caller's subtree, and a *models.FieldError naming area for a code that
// is not a jurisdiction.
func (s *Service) StaffingReport(ctx context.Context, area *string) (*models.StaffingReport, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadStaffing, "read the staffing report"))
	if err != nil {
		return nil, err
	}
	f, err := s.st.Figures(ctx, sc, area)
	if err != nil {
		return nil, err
	}
	return s.assembleReport(f), nil
}

// DibaoStandards returns the standards of the counties of area (the caller's by default)
// for year, or for every year when year is nil, ordered by county and year. For an area
// below a county they are its county's. It returns a *models.FieldError for an unknown
// area and a Forbidden error for one outside the caller's subtree.
func (s *Service) DibaoStandards(ctx context.Context, area *string, year *int) ([]*models.DibaoStandard, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Standards(ctx, sc, area, year)
}

// StandardOf returns the dibao standard in force for a household of the caller's area,
// or nil when its county has none. It returns models.ErrNotFound for a household outside
// the area.
func (s *Service) StandardOf(ctx context.Context, householdID string) (*models.AppliedStandard, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.StandardOf(ctx, sc, householdID)
}
