package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// ApprovalDecider decides the amount of an approval from the facts read under the lock
// of the household; policy.DecideApproval is the policy's.
type ApprovalDecider func(policy.ApprovalFacts, models.ApprovalInput) (policy.ApprovalDecision, error)

// parameterRows returns the entitlement parameters the caller may read: like the dibao
// standards (standardRows), a county's published figures, seen by every level of the
// county and by the city.
func (sc Scope) parameterRows(db *gorm.DB) *gorm.DB {
	lo, hi := sc.lo, sc.hi
	if c := countyOf(sc.p.Area); c != "" {
		lo, hi = division.Range(c)
	}
	return db.Table("entitlement_parameters").Where("entitlement_parameters.area_code BETWEEN ? AND ?", lo, hi)
}

// SaveEntitlementParameters stores p, the parameters of county p.AreaCode from
// p.EffectiveFrom, replacing a set of the same county and day, with an audit record of
// the change, and returns what it stored. The caller checks the role, the tier and the
// figures (casework/entitlements); the store refuses a county outside sc with a
// Forbidden error.
func (s *Store) SaveEntitlementParameters(ctx context.Context, sc Scope, p models.EntitlementParameters) (*models.EntitlementParameters, error) {
	if !sc.p.Covers(p.AreaCode) {
		return nil, models.Forbidden("county: %s is outside your jurisdiction", p.AreaCode)
	}
	out := p
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur models.EntitlementParameters
		err := sc.parameterRows(tx).Where("area_code = ? AND effective_from = ?", p.AreaCode, p.EffectiveFrom).Take(&cur).Error
		now := tx.NowFunc()
		out.SetBy, out.UpdatedAt = sc.p.Subject, now
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			out.ID, out.CreatedAt = newID(), now
			if err := tx.Create(&out).Error; err != nil {
				if isUniqueViolation(err) {
					return models.Conflict("the parameters of %s from %s were set concurrently; try again", p.AreaCode, p.EffectiveFrom)
				}
				return err
			}
			return s.audit(tx, sc, "setEntitlementParameters", p.AreaCode, []string{out.ID}, nil, out)
		case err != nil:
			return err
		default:
			out.ID, out.CreatedAt = cur.ID, cur.CreatedAt
			if err := tx.Model(&models.EntitlementParameters{}).Where("id = ?", cur.ID).Select("*").Updates(&out).Error; err != nil {
				return err
			}
			return s.audit(tx, sc, "setEntitlementParameters", p.AreaCode, []string{out.ID}, cur, out)
		}
	})
	if err != nil {
		return nil, wrap("set entitlement parameters", err)
	}
	return &out, nil
}

// EntitlementParametersOf returns the parameter sets of county (every county the caller
// sees when ""), of year when it is not nil, ordered by county and effective date.
func (s *Store) EntitlementParametersOf(ctx context.Context, sc Scope, county string, year *int) ([]*models.EntitlementParameters, error) {
	q := sc.parameterRows(s.db.WithContext(ctx))
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

// parametersInForce returns the parameters of county in force on day (the set with the
// latest effective date not after it), or the policy's defaults and a nil id.
func parametersInForce(db *gorm.DB, sc Scope, county string, day models.Date) (models.EntitlementParameters, *string, error) {
	var p models.EntitlementParameters
	err := sc.parameterRows(db).Where("entitlement_parameters.area_code = ? AND entitlement_parameters.effective_from <= ?", county, day).
		Order("entitlement_parameters.effective_from DESC").Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return policy.DefaultEntitlementParameters(), nil, nil
	}
	if err != nil {
		return p, nil, err
	}
	return p, &p.ID, nil
}

// entitle decides the amount of the approval in of grant g inside tx: it takes the lock
// of g's household (lockHousehold) first, so that of two approvals that the rules of P21
// forbid together one waits for the other and then sees its grant; reads the facts
// (policy.ApprovalFacts) and asks decide. claim is the medical claim of a medical grant.
func (s *Store) entitle(tx *gorm.DB, sc Scope, g *models.Grant, in models.ApprovalInput, claim *models.MedicalClaim, decide ApprovalDecider) (*models.EntitlementCalculation, string, error) {
	if err := lockHousehold(tx, sc, g.HouseholdID); err != nil {
		return nil, "", err
	}
	h, err := s.household(sc.rows(tx, "households"), g.HouseholdID)
	if err != nil {
		return nil, "", err
	}
	f := policy.ApprovalFacts{
		Grant:    policy.HeldGrant{ID: g.ID, Program: g.ProgramCode, MemberID: g.MemberID, Start: in.StartDate, End: in.EndDate, Visible: true},
		Category: g.CategoryCode,
		Today:    models.DateOf(s.now().In(policy.ChinaTime)),
	}
	if u, ok := s.tree.Unit(h.AreaCode); ok {
		f.Urban = u.Urban
	}
	county := countyOf(h.AreaCode)
	var std models.DibaoStandard
	err = sc.standardRows(tx).Where("dibao_standards.area_code = ? AND dibao_standards.year <= ?", county, in.StartDate.Year()).
		Order("dibao_standards.year DESC").Take(&std).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, "", err
	default:
		amount := std.Rural
		if f.Urban {
			amount = std.Urban
		}
		f.Standard, f.StandardYear = &amount, std.Year
	}
	if f.Params, f.ParamsID, err = parametersInForce(tx, sc, county, in.StartDate); err != nil {
		return nil, "", err
	}
	var members []models.Member
	if err := sc.rows(tx, "members").Where("members.household_id = ?", h.ID).Select("members.id", "members.monthly_income").Find(&members).Error; err != nil {
		return nil, "", err
	}
	f.Members = len(members)
	var v models.Verification
	err = sc.rows(tx, "verifications").Where("verifications.household_id = ? AND verifications.latest = ?", h.ID, true).Take(&v).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		f.IncomeSource, f.IncomeMembers = "declared", len(members)
		for _, m := range members {
			f.TotalIncome += m.MonthlyIncome
		}
	case err != nil:
		return nil, "", err
	default:
		f.IncomeSource, f.TotalIncome, f.IncomeMembers = "verification", v.TotalIncome, v.MemberCount
	}
	var held []models.Grant
	if err := sc.rows(tx, "grants").Where("grants.household_id = ? AND grants.id <> ? AND grants.status IN ?", h.ID, g.ID, policy.Held).
		Order("grants.start_date").Order("grants.id").Find(&held).Error; err != nil {
		return nil, "", err
	}
	for _, o := range held {
		f.Held = append(f.Held, policy.HeldGrant{ID: o.ID, Program: o.ProgramCode, MemberID: o.MemberID, Start: o.StartDate, End: o.EndDate,
			Visible: sc.p.SeesCategory(o.CategoryCode)})
	}
	if g.CategoryCode == catalogue.CategoryTemporary {
		var draws []models.ReserveEntry
		if err := sc.rows(tx, "reserve_entries").Where("reserve_entries.grant_id = ? AND reserve_entries.kind = ?", g.ID, models.ReserveDraw).
			Order("reserve_entries.created_at").Find(&draws).Error; err != nil {
			return nil, "", err
		}
		for i, d := range draws {
			f.ReserveDrawn -= d.Amount
			if i == 0 {
				day := models.DateOf(d.CreatedAt.In(policy.ChinaTime))
				f.FirstDraw = &day
			}
		}
	}
	if claim != nil {
		f.MedicalPayable = &claim.Payable
	}
	d, err := decide(f, in)
	if err != nil {
		return nil, "", err
	}
	c := d.Calculation
	return &models.EntitlementCalculation{
		ID: newID(), AreaCode: g.AreaCode, GrantID: g.ID, ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode,
		Method: c.Method, Clause: c.Clause, Formula: c.Formula, Inputs: c.Inputs, Computed: c.Computed, Amount: d.Amount,
		Overridden: d.Overridden, OverrideReason: d.OverrideReason, ParametersID: f.ParamsID, Actor: sc.p.Subject,
	}, d.Flag, nil
}

// recordCalculation stores the calculation of an approval inside tx; an override is
// audited on its own, besides the approval.
func (s *Store) recordCalculation(tx *gorm.DB, sc Scope, c *models.EntitlementCalculation) error {
	if err := tx.Create(c).Error; err != nil {
		return err
	}
	if !c.Overridden {
		return nil
	}
	return s.audit(tx, sc, "overrideEntitlement", c.AreaCode, []string{c.GrantID, c.ID}, nil, c)
}

// CalculationOf returns the calculation of the amount of a grant the caller may see, or
// nil for a grant without one (approved before amounts were computed, or opened
// directly).
func (s *Store) CalculationOf(ctx context.Context, sc Scope, grantID string) (*models.EntitlementCalculation, error) {
	var c models.EntitlementCalculation
	visible := sc.grantRows(s.db.WithContext(ctx).Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id = ?", grantID)
	err := sc.rows(s.db.WithContext(ctx), "entitlement_calculations").Where("entitlement_calculations.grant_id IN (?)", visible).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("entitlement calculation", err)
	}
	return &c, nil
}

// CountOverrides returns the number of grants in the area lo–hi, inside sc and of the
// caller's categories, whose amount overrides the computed one.
func (s *Store) CountOverrides(ctx context.Context, sc Scope, area string) (int, error) {
	lo, hi := division.Range(area)
	visible := sc.grantRows(s.db.WithContext(ctx).Session(&gorm.Session{NewDB: true})).Select("grants.id").
		Where("grants.area_code BETWEEN ? AND ?", lo, hi)
	var n int64
	err := sc.rows(s.db.WithContext(ctx), "entitlement_calculations").
		Where("entitlement_calculations.overridden = ? AND entitlement_calculations.grant_id IN (?)", true, visible).Count(&n).Error
	return int(n), wrap("count overrides", err)
}

// violationBatch bounds the held grants read at a time by Violations.
const violationBatch = 2000

// Violations returns the records inside sc that break the rules of one benefit (P21),
// household by household (policy.HouseholdViolations), and the urgent files paid from a
// reserve fund that are still not approved after the county's urgentDays (P20) on today.
// It reads every grant of the area, whatever the caller's categories: call it for
// callers who see every category. Grants are read in batches of households, so memory
// stays bounded by the largest household.
func (s *Store) Violations(ctx context.Context, sc Scope, today models.Date) ([]models.Violation, error) {
	db := s.db.WithContext(sc.bind(ctx))
	var out []models.Violation
	after := ""
	for {
		var hs []string
		if err := sc.rows(db, "grants").Where("grants.status IN ? AND grants.household_id > ?", policy.Held, after).
			Distinct("grants.household_id").Order("grants.household_id").Limit(violationBatch).Pluck("grants.household_id", &hs).Error; err != nil {
			return nil, wrap("violations", err)
		}
		if len(hs) == 0 {
			break
		}
		after = hs[len(hs)-1]
		var gs []models.Grant
		if err := sc.rows(db, "grants").Where("grants.status IN ? AND grants.household_id IN ?", policy.Held, hs).
			Order("grants.household_id").Order("grants.id").Find(&gs).Error; err != nil {
			return nil, wrap("violations", err)
		}
		for i := 0; i < len(gs); {
			j := i
			var held []policy.HeldGrant
			for ; j < len(gs) && gs[j].HouseholdID == gs[i].HouseholdID; j++ {
				g := gs[j]
				held = append(held, policy.HeldGrant{ID: g.ID, Program: g.ProgramCode, MemberID: g.MemberID, Start: g.StartDate, End: g.EndDate, Visible: true})
			}
			urban := false
			if u, ok := s.tree.Unit(gs[i].AreaCode); ok {
				urban = u.Urban
			}
			out = append(out, policy.HouseholdViolations(gs[i].HouseholdID, gs[i].AreaCode, urban, held)...)
			i = j
		}
	}
	urgent, err := s.overdueUrgent(db, sc, today)
	if err != nil {
		return nil, wrap("violations", err)
	}
	return append(out, urgent...), nil
}

// overdueUrgent returns the temporary-assistance grants still PENDING or REVIEWED whose
// first reserve-fund draw lies more than their county's urgentDays before today (P20).
func (s *Store) overdueUrgent(db *gorm.DB, sc Scope, today models.Date) ([]models.Violation, error) {
	var gs []models.Grant
	if err := sc.rows(db, "grants").Where("grants.category_code = ? AND grants.status IN ?", catalogue.CategoryTemporary,
		[]models.GrantStatus{models.GrantPending, models.GrantReviewed}).
		Where("grants.id IN (?)", sc.rows(db.Session(&gorm.Session{NewDB: true}), "reserve_entries").Select("reserve_entries.grant_id").
			Where("reserve_entries.kind = ?", models.ReserveDraw)).
		Order("grants.id").Find(&gs).Error; err != nil {
		return nil, err
	}
	var out []models.Violation
	for _, g := range gs {
		var first models.ReserveEntry
		if err := sc.rows(db.Session(&gorm.Session{NewDB: true}), "reserve_entries").
			Where("reserve_entries.grant_id = ? AND reserve_entries.kind = ?", g.ID, models.ReserveDraw).
			Order("reserve_entries.created_at").Take(&first).Error; err != nil {
			return nil, err
		}
		day := models.DateOf(first.CreatedAt.In(policy.ChinaTime))
		p, _, err := parametersInForce(db.Session(&gorm.Session{NewDB: true}), sc, countyOf(g.AreaCode), day)
		if err != nil {
			return nil, err
		}
		deadline := policy.UrgentDeadline(day, p.UrgentDays)
		if policy.UrgentOverdue(deadline, today) {
			out = append(out, models.Violation{Rule: policy.RuleUrgentOverdue, GrantID: g.ID, HouseholdID: g.HouseholdID, AreaCode: g.AreaCode,
				Detail: "paid from the reserve fund on " + day.String() + "; the file was due by " + deadline.String()})
		}
	}
	return out, nil
}

// checkOneBenefit returns the error of policy.CheckOneBenefit for grant g, about to be
// held by its household, inside tx that holds the household's lock.
func (s *Store) checkOneBenefit(tx *gorm.DB, sc Scope, g *models.Grant) error {
	var held []models.Grant
	if err := sc.rows(tx, "grants").Where("grants.household_id = ? AND grants.id <> ? AND grants.status IN ?", g.HouseholdID, g.ID, policy.Held).
		Order("grants.start_date").Order("grants.id").Find(&held).Error; err != nil {
		return err
	}
	hs := make([]policy.HeldGrant, len(held))
	for i, o := range held {
		hs[i] = policy.HeldGrant{ID: o.ID, Program: o.ProgramCode, MemberID: o.MemberID, Start: o.StartDate, End: o.EndDate,
			Visible: sc.p.SeesCategory(o.CategoryCode)}
	}
	urban := false
	if u, ok := s.tree.Unit(g.AreaCode); ok {
		urban = u.Urban
	}
	return policy.CheckOneBenefit(policy.HeldGrant{ID: g.ID, Program: g.ProgramCode, MemberID: g.MemberID, Start: g.StartDate, End: g.EndDate}, urban, hs)
}
