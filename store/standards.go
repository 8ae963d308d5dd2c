package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Bounds of amounts the policy rules accept, so that their exact integer arithmetic
// cannot overflow.
const (
	// MaxStandard is the largest monthly dibao standard accepted.
	MaxStandard = models.Money(10_000_000) // 100,000.00 yuan
	// MaxMonthlyAmount is the largest verified monthly income or expenditure accepted.
	MaxMonthlyAmount = models.Money(100_000_000) // 1,000,000.00 yuan
	minStandardYear  = 2000
	maxStandardYear  = 2100
)

// countyOf returns the county code of code, or "" for the city and malformed codes.
func countyOf(code string) string {
	switch division.LevelOf(code) {
	case models.LevelCounty, models.LevelTownship, models.LevelVillage:
		return code[:6] + "000000"
	default:
		return ""
	}
}

// standardRows returns the dibao standards the caller may read. Standards are published
// figures that every level below a county works with, so a caller sees those of its own
// county (and the city all of them) rather than only those inside its subtree; they hold
// no personal data.
func (sc Scope) standardRows(db *gorm.DB) *gorm.DB {
	lo, hi := sc.lo, sc.hi
	if c := countyOf(sc.p.Area); c != "" {
		lo, hi = division.Range(c)
	}
	return db.Table("dibao_standards").Where("dibao_standards.area_code BETWEEN ? AND ?", lo, hi)
}

// SetDibaoStandard sets the monthly urban and rural dibao standards of a county for a
// year (P12), replacing any set before, and recomputes what the rules derive for the
// county's households. Only admins of the county or above may set them. It returns a
// Forbidden error for another role or a county outside the caller's area, and a
// *models.FieldError for a code that is not a county, a year outside 2000–2100, an
// amount that is not positive, or a rural standard at or under the provincial poverty
// line of the year (the message states the line).
func (s *Store) SetDibaoStandard(ctx context.Context, county string, year int, urban, rural models.Money) (*models.DibaoStandard, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionSetStandard, "set dibao standards"); err != nil {
		return nil, err
	}
	u, ok := s.tree.Unit(county)
	if !ok {
		return nil, models.Invalid("county", "%s is not a jurisdiction code", privacy.Quote(county))
	}
	if u.Level != models.LevelCounty {
		return nil, models.Invalid("county", "%s %s is a %s, not a county", county, u.Name, u.Level)
	}
	if !sc.p.Covers(county) {
		return nil, models.Forbidden("county: %s is outside your jurisdiction", county)
	}
	if year < minStandardYear || year > maxStandardYear {
		return nil, models.Invalid("year", "must be from %d to %d", minStandardYear, maxStandardYear)
	}
	if urban <= 0 || urban > MaxStandard {
		return nil, models.Invalid("urban", "must be more than 0.00 and at most %s", MaxStandard)
	}
	if rural <= 0 || rural > MaxStandard {
		return nil, models.Invalid("rural", "must be more than 0.00 and at most %s", MaxStandard)
	}
	if line, ok := s.policy.RuralStandardAllowed(year, rural); !ok {
		return nil, models.Invalid("rural", "the rural standard %s must be above the provincial poverty line of %d, %s a month (P12)",
			rural, year, line)
	}
	var out *models.DibaoStandard
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur models.DibaoStandard
		err := sc.standardRows(tx).Where("area_code = ? AND year = ?", county, year).Take(&cur).Error
		now := tx.NowFunc()
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			out = &models.DibaoStandard{ID: newID(), AreaCode: county, Year: year, Urban: urban, Rural: rural,
				SetBy: sc.p.Subject, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(out).Error; err != nil {
				if isUniqueViolation(err) {
					return models.Conflict("the standard of %s for %d was set concurrently; try again", county, year)
				}
				return err
			}
			if err := s.audit(tx, sc, "setDibaoStandard", county, []string{out.ID}, nil, out); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			before := cur
			cur.Urban, cur.Rural, cur.SetBy, cur.UpdatedAt = urban, rural, sc.p.Subject, now
			if err := sc.standardRows(tx).Where("id = ?", cur.ID).Updates(map[string]any{
				"urban": urban, "rural": rural, "set_by": sc.p.Subject, "updated_at": now,
			}).Error; err != nil {
				return err
			}
			out = &cur
			if err := s.audit(tx, sc, "setDibaoStandard", county, []string{cur.ID}, before, out); err != nil {
				return err
			}
		}
		_, err = s.refreshArea(tx, sc, county)
		return err
	})
	if err != nil {
		return nil, wrap("set dibao standard", err)
	}
	return out, nil
}

// DibaoStandards returns the standards of the counties of area (the caller's by default)
// for year, or for every year when year is nil, ordered by county and year. For an area
// below a county they are its county's. It returns a *models.FieldError for an unknown
// area and a Forbidden error for one outside the caller's subtree.
func (s *Store) DibaoStandards(ctx context.Context, area *string, year *int) ([]*models.DibaoStandard, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.area(sc, "area", area); err != nil {
		return nil, err
	}
	code := sc.p.Area
	if area != nil && *area != "" {
		code = *area
	}
	lo, hi := division.Range(code)
	if c := countyOf(code); c != "" {
		lo, hi = division.Range(c)
	}
	q := sc.standardRows(s.db.WithContext(ctx)).Where("dibao_standards.area_code BETWEEN ? AND ?", lo, hi)
	if year != nil {
		q = q.Where("dibao_standards.year = ?", *year)
	}
	var out []*models.DibaoStandard
	err = q.Order("dibao_standards.area_code").Order("dibao_standards.year").Find(&out).Error
	return out, wrap("dibao standards", err)
}

// StandardOf returns the dibao standard in force for a household of the caller's area,
// or nil when its county has none. It returns models.ErrNotFound for a household outside
// the area.
func (s *Store) StandardOf(ctx context.Context, householdID string) (*models.AppliedStandard, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	h, err := s.household(sc.rows(db, "households"), householdID)
	if err != nil {
		return nil, wrap("standard of household", err)
	}
	idx, err := s.standardsInForce(db, sc)
	if err != nil {
		return nil, wrap("standard of household", err)
	}
	return idx.applied(s, h.AreaCode), nil
}

// standardIndex maps a county code to its standard in force.
type standardIndex map[string]*models.DibaoStandard

// standardsInForce loads, for each county the caller sees, the standard of the latest
// year not after the current year.
func (s *Store) standardsInForce(db *gorm.DB, sc Scope) (standardIndex, error) {
	var rows []*models.DibaoStandard
	err := sc.standardRows(db).Where("dibao_standards.year <= ?", s.now().Year()).
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
