package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
)

// Entitlements is the persistence of what grants pay (P18–P21): the counties'
// entitlement parameters, the facts an approval's amount is computed from, the
// calculations and overrides kept with the grants, and the reads of the check of one
// benefit. It checks no permission and asks no rule of the policy; the use cases in
// casework/grants do. Reach it with Store.Entitlements.
type Entitlements struct{ s *Store }

// Entitlements returns the store of entitlement parameters and calculations.
func (s *Store) Entitlements() *Entitlements { return &Entitlements{s: s} }

// SaveParameters stores p, the parameters of county p.AreaCode from p.EffectiveFrom,
// inside w, replacing a set of the same county and day, and returns what it stored and
// the set it replaced (nil for none); the use case records the audit event. It returns
// a Forbidden error for a county outside w's scope and a Conflict error when the same
// set was stored concurrently.
func (e *Entitlements) SaveParameters(w *Writer, p models.EntitlementParameters) (out, before *models.EntitlementParameters, err error) {
	if !w.sc.p.Covers(p.AreaCode) {
		return nil, nil, models.Forbidden("county: %s is outside your jurisdiction", p.AreaCode)
	}
	var cur models.EntitlementParameters
	err = w.sc.parameterRows(w.tx).Where("area_code = ? AND effective_from = ?", p.AreaCode, p.EffectiveFrom).Take(&cur).Error
	now := w.tx.NowFunc()
	saved := p
	saved.SetBy, saved.UpdatedAt = w.sc.p.Subject, now
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		saved.ID, saved.CreatedAt = newID(), now
		if err := w.tx.Create(&saved).Error; err != nil {
			if isUniqueViolation(err) {
				return nil, nil, models.Conflict("the parameters of %s from %s were set concurrently; try again", p.AreaCode, p.EffectiveFrom)
			}
			return nil, nil, err
		}
		return &saved, nil, nil
	case err != nil:
		return nil, nil, err
	default:
		saved.ID, saved.CreatedAt = cur.ID, cur.CreatedAt
		if err := w.tx.Model(&models.EntitlementParameters{}).Where("id = ?", cur.ID).Select("*").Updates(&saved).Error; err != nil {
			return nil, nil, err
		}
		return &saved, &cur, nil
	}
}

// Parameters returns the parameter sets of county (every county sc sees when ""), of
// year when it is not nil, ordered by county and effective date.
func (e *Entitlements) Parameters(ctx context.Context, sc Scope, county string, year *int) ([]*models.EntitlementParameters, error) {
	q := sc.parameterRows(e.s.db.WithContext(ctx))
	if county != "" {
		q = q.Where("entitlement_parameters.area_code = ?", county)
	}
	if year != nil {
		q = q.Where("entitlement_parameters.year = ?", *year)
	}
	var out []*models.EntitlementParameters
	err := q.Order("entitlement_parameters.area_code").Order("entitlement_parameters.effective_from").Find(&out).Error
	return out, wrap("entitlement parameters", err)
}

// ParametersOn returns the parameters in force on day in the county of area, or nil when
// the county has set none by then (the policy's defaults apply).
func (e *Entitlements) ParametersOn(ctx context.Context, sc Scope, area string, day models.Date) (*models.EntitlementParameters, error) {
	p, err := parametersInForce(e.s.db.WithContext(sc.bind(ctx)), sc, countyOf(area), day)
	return p, wrap("entitlement parameters", err)
}

// parametersInForce returns the parameters of county in force on day (the set with the
// latest effective date not after it), or nil.
func parametersInForce(db *gorm.DB, sc Scope, county string, day models.Date) (*models.EntitlementParameters, error) {
	var p models.EntitlementParameters
	err := sc.parameterRows(db).Where("entitlement_parameters.area_code = ? AND entitlement_parameters.effective_from <= ?", county, day).
		Order("entitlement_parameters.effective_from DESC").Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// EntitlementFacts is what the amount of a grant is computed from, read under the lock
// of its household.
type EntitlementFacts struct {
	Household *models.Household
	// Urban is the household's urban or rural status, by its village.
	Urban bool
	// Standard is the county's latest dibao standard of the start date's year or before;
	// nil when none is set.
	Standard *models.DibaoStandard
	// Params are the county's parameters in force on the start date; nil when none.
	Params *models.EntitlementParameters
	// Members are the household's members (their ids and declared monthly incomes).
	Members []models.Member
	// Verification is the household's latest verification, nil when it has none.
	Verification *models.Verification
	// Held are the household's other grants in the statuses asked for.
	Held []models.Grant
	// Draws are the reserve fund's draws for a temporary-assistance grant, oldest first.
	Draws []models.ReserveEntry
}

// Facts reads, inside w, the facts of the amount of grant g starting on start: it takes
// the lock of g's household (lockHousehold) first, so that of two writes that the rules
// of P21 forbid together one waits for the other and then sees its grant. held lists the
// statuses of the grants that count as held. It returns models.ErrNotFound for a
// household outside w's scope.
func (e *Entitlements) Facts(w *Writer, g *models.Grant, start models.Date, held []models.GrantStatus) (*EntitlementFacts, error) {
	tx, sc := w.tx, w.sc
	if err := lockHousehold(tx, sc, g.HouseholdID); err != nil {
		return nil, err
	}
	h, err := household(sc.rows(tx, "households"), g.HouseholdID)
	if err != nil {
		return nil, err
	}
	f := &EntitlementFacts{Household: h}
	if u, ok := e.s.tree.Unit(h.AreaCode); ok {
		f.Urban = u.Urban
	}
	county := countyOf(h.AreaCode)
	var std models.DibaoStandard
	err = sc.standardRows(tx).Where("dibao_standards.area_code = ? AND dibao_standards.year <= ?", county, start.Year()).
		Order("dibao_standards.year DESC").Take(&std).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, err
	default:
		f.Standard = &std
	}
	if f.Params, err = parametersInForce(tx, sc, county, start); err != nil {
		return nil, err
	}
	if err := sc.rows(tx, "members").Where("members.household_id = ?", h.ID).Select("members.id", "members.monthly_income").Find(&f.Members).Error; err != nil {
		return nil, err
	}
	var v models.Verification
	err = sc.rows(tx, "verifications").Where("verifications.household_id = ? AND verifications.latest = ?", h.ID, true).Take(&v).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, err
	default:
		f.Verification = &v
	}
	if err := sc.rows(tx, "grants").Where("grants.household_id = ? AND grants.id <> ? AND grants.status IN ?", h.ID, g.ID, held).
		Order("grants.start_date").Order("grants.id").Find(&f.Held).Error; err != nil {
		return nil, err
	}
	if g.CategoryCode == catalogue.CategoryTemporary {
		if err := sc.rows(tx, "reserve_entries").Where("reserve_entries.grant_id = ? AND reserve_entries.kind = ?", g.ID, models.ReserveDraw).
			Order("reserve_entries.created_at").Find(&f.Draws).Error; err != nil {
			return nil, err
		}
	}
	return f, nil
}

// RecordCalculation stores the calculation of a grant's amount inside w; the use case
// audits an override.
func (e *Entitlements) RecordCalculation(w *Writer, c *models.EntitlementCalculation) error {
	return w.tx.Create(c).Error
}

// Calculation returns the calculation of the amount of a grant in sc, or nil for a
// grant without one (approved before amounts were computed) or outside sc.
func (e *Entitlements) Calculation(ctx context.Context, sc Scope, grantID string) (*models.EntitlementCalculation, error) {
	db := e.s.db.WithContext(ctx)
	var c models.EntitlementCalculation
	err := sc.rows(db, "entitlement_calculations").Where("entitlement_calculations.grant_id IN (?)", sc.visibleGrant(db, grantID)).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("entitlement calculation", err)
	}
	return &c, nil
}

// CountOverrides returns the number of grants in area, inside sc and of the caller's
// categories, whose amount overrides the computed one.
func (e *Entitlements) CountOverrides(ctx context.Context, sc Scope, area string) (int, error) {
	db := e.s.db.WithContext(ctx)
	lo, hi := division.Range(area)
	visible := sc.grantsWithin(db.Session(&gorm.Session{NewDB: true}), lo, hi).Select("grants.id")
	var n int64
	err := sc.rows(db, "entitlement_calculations").
		Where("entitlement_calculations.overridden = ? AND entitlement_calculations.grant_id IN (?)", true, visible).Count(&n).Error
	return int(n), wrap("count overrides", err)
}

// HeldBatch is the number of households whose grants HeldAfter reads at a time.
const HeldBatch = 2000

// HeldAfter returns the grants inside sc, whatever their category, in one of statuses,
// of the first HeldBatch households (by id) after household after, ordered by household
// and id; none when no household is left. Call it for callers who see every category.
func (e *Entitlements) HeldAfter(ctx context.Context, sc Scope, statuses []models.GrantStatus, after string) ([]models.Grant, error) {
	db := e.s.db.WithContext(sc.bind(ctx))
	var hs []string
	if err := sc.rows(db, "grants").Where("grants.status IN ? AND grants.household_id > ?", statuses, after).
		Distinct("grants.household_id").Order("grants.household_id").Limit(HeldBatch).Pluck("grants.household_id", &hs).Error; err != nil {
		return nil, wrap("held grants", err)
	}
	if len(hs) == 0 {
		return nil, nil
	}
	var gs []models.Grant
	err := sc.rows(db, "grants").Where("grants.status IN ? AND grants.household_id IN ?", statuses, hs).
		Order("grants.household_id").Order("grants.id").Find(&gs).Error
	return gs, wrap("held grants", err)
}

// UrgentFile is a temporary-assistance grant not yet approved that the reserve fund has
// paid, with the time of its first draw (P20).
type UrgentFile struct {
	Grant     models.Grant
	FirstDraw time.Time
}

// UrgentFiles returns the temporary-assistance grants inside sc still PENDING or
// REVIEWED that the reserve fund has paid, by id, each with its first draw.
func (e *Entitlements) UrgentFiles(ctx context.Context, sc Scope) ([]UrgentFile, error) {
	db := e.s.db.WithContext(sc.bind(ctx))
	var gs []models.Grant
	if err := sc.rows(db, "grants").Where("grants.category_code = ? AND grants.status IN ?", catalogue.CategoryTemporary,
		[]models.GrantStatus{models.GrantPending, models.GrantReviewed}).
		Where("grants.id IN (?)", sc.rows(db.Session(&gorm.Session{NewDB: true}), "reserve_entries").Select("reserve_entries.grant_id").
			Where("reserve_entries.kind = ?", models.ReserveDraw)).
		Order("grants.id").Find(&gs).Error; err != nil {
		return nil, wrap("urgent files", err)
	}
	out := make([]UrgentFile, 0, len(gs))
	for _, g := range gs {
		var first models.ReserveEntry
		if err := sc.rows(db.Session(&gorm.Session{NewDB: true}), "reserve_entries").
			Where("reserve_entries.grant_id = ? AND reserve_entries.kind = ?", g.ID, models.ReserveDraw).
			Order("reserve_entries.created_at").Take(&first).Error; err != nil {
			return nil, wrap("urgent files", err)
		}
		out = append(out, UrgentFile{Grant: g, FirstDraw: first.CreatedAt})
	}
	return out, nil
}
