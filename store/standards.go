package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Standards is the persistence of the per-county dibao standards (P12): reads narrowed
// by the caller's Scope (standardRows), and writes inside a unit of work (Writer). It
// checks no permission and no rule of the policy; the use cases in casework/staffing do.
// Reach it with Store.Standards.
type Standards struct{ s *Store }

// Standards returns the store of dibao standards.
func (s *Store) Standards() *Standards { return &Standards{s: s} }

// Set sets the monthly urban and rural standards of county for year, replacing any set
// before, as the caller of w, and recomputes what the rules derive for the county's
// households. It returns the standard as it was (nil when there was none) and as it is
// now, and a Conflict error when the same standard was set concurrently. The use case
// has checked that county is a county in w's scope.
func (r *Standards) Set(w *Writer, county string, year int, urban, rural models.Money) (before, after *models.DibaoStandard, err error) {
	tx, sc := w.tx, w.sc
	var cur models.DibaoStandard
	err = sc.standardRows(tx).Where("area_code = ? AND year = ?", county, year).Take(&cur).Error
	now := tx.NowFunc()
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		after = &models.DibaoStandard{ID: newID(), AreaCode: county, Year: year, Urban: urban, Rural: rural,
			SetBy: sc.p.Subject, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(after).Error; err != nil {
			if isUniqueViolation(err) {
				return nil, nil, models.Conflict("the standard of %s for %d was set concurrently; try again", county, year)
			}
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, err
	default:
		old := cur
		before = &old
		cur.Urban, cur.Rural, cur.SetBy, cur.UpdatedAt = urban, rural, sc.p.Subject, now
		if err := sc.standardRows(tx).Where("id = ?", cur.ID).Updates(map[string]any{
			"urban": urban, "rural": rural, "set_by": sc.p.Subject, "updated_at": now,
		}).Error; err != nil {
			return nil, nil, err
		}
		after = &cur
	}
	if _, err := r.s.Derived().refreshArea(tx, sc, county); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// List returns the standards of the counties of area (the caller's by default) for
// year, or for every year when year is nil, ordered by county and year. For an area
// below a county they are its county's. It returns a *models.FieldError for an unknown
// area and a Forbidden error for one outside sc.
func (r *Standards) List(ctx context.Context, sc Scope, area *string, year *int) ([]*models.DibaoStandard, error) {
	if _, _, err := r.s.area(sc, "area", area); err != nil {
		return nil, err
	}
	code := sc.p.Area
	if area != nil && *area != "" {
		code = *area
	}
	q := sc.standardsOf(r.s.db.WithContext(ctx), code)
	if year != nil {
		q = q.Where("dibao_standards.year = ?", *year)
	}
	var out []*models.DibaoStandard
	err := q.Order("dibao_standards.area_code").Order("dibao_standards.year").Find(&out).Error
	return out, wrap("dibao standards", err)
}

// Of returns the dibao standard in force for a household in sc, or nil when its county
// has none. It returns models.ErrNotFound for a household outside sc.
func (r *Standards) Of(ctx context.Context, sc Scope, householdID string) (*models.AppliedStandard, error) {
	s := r.s
	db := s.db.WithContext(ctx)
	h, err := household(sc.rows(db, "households"), householdID)
	if err != nil {
		return nil, wrap("standard of household", err)
	}
	idx, err := s.Standards().inForce(db, sc)
	if err != nil {
		return nil, wrap("standard of household", err)
	}
	return idx.applied(s, h.AreaCode), nil
}

// InForceIn returns the standard in force, inside the unit of work w, for the county of
// area (a village or township in w's scope), or nil when the county has none.
func (r *Standards) InForceIn(w *Writer, area string) (*models.DibaoStandard, error) {
	idx, err := r.s.Standards().inForce(w.tx, w.sc)
	if err != nil {
		return nil, err
	}
	return idx[countyOf(area)], nil
}

// standardIndex maps a county code to its standard in force.
type standardIndex map[string]*models.DibaoStandard

// inForce loads, for each county the caller sees, the standard of the latest
// year not after the current year in Dezhou (China time), whatever the server's zone.
func (x *Standards) inForce(db *gorm.DB, sc Scope) (standardIndex, error) {
	s := x.s
	var rows []*models.DibaoStandard
	err := sc.standardRows(db).Where("dibao_standards.year <= ?", s.now().In(shanghai).Year()).
		Order("dibao_standards.area_code").Order("dibao_standards.year").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	idx := standardIndex{}
	for _, r := range rows {
		idx[r.AreaCode] = r // ordered by year: the latest wins
	}
	return idx, nil
}

// applied returns the standard that applies to a record in village area, or nil.
func (idx standardIndex) applied(s *Store, area string) *models.AppliedStandard {
	st := idx[countyOf(area)]
	if st == nil {
		return nil
	}
	urban := false
	if u, ok := s.tree.Unit(area); ok {
		urban = u.Urban
	}
	amount := st.Rural
	if urban {
		amount = st.Urban
	}
	return &models.AppliedStandard{CountyCode: st.AreaCode, Year: st.Year, Urban: urban, Amount: amount}
}
