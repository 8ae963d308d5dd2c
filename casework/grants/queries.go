package grants

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Grant returns the grant with id. It returns models.ErrNotFound when there is none in
// the caller's area or, for integrators, in their categories.
func (s *Service) Grant(ctx context.Context, id string) (*models.Grant, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Grant(ctx, sc, id)
}

// Grants returns a page of the grants in the query's area that match its filter. It
// returns a *models.FieldError for a bad argument (a status that is not one, a masked
// value in the filter) and a Forbidden error for an area outside the caller's subtree.
func (s *Service) Grants(ctx context.Context, q store.GrantQuery) (*store.Page[models.Grant], error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil {
		if f.Status != nil && !f.Status.Valid() {
			return nil, models.Invalid("filter.status", "%s is not a grant status", privacy.Quote(string(*f.Status)))
		}
		if err := input.RefuseMasked("filter.programCode", f.ProgramCode, "filter.categoryCode", f.CategoryCode, "filter.householdId", f.HouseholdID); err != nil {
			return nil, err
		}
	}
	return s.st.Grants(ctx, sc, q)
}

// GrantsOf returns the grants of a household that the caller may see, newest first;
// none for a household outside the caller's area.
func (s *Service) GrantsOf(ctx context.Context, householdID string) ([]*models.Grant, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.GrantsOf(ctx, sc, householdID)
}

// Events returns the status history of a grant the caller may see, oldest first; none
// for a grant outside the caller's area or categories.
func (s *Service) Events(ctx context.Context, grantID string) ([]*models.GrantEvent, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Events(ctx, sc, grantID)
}

// MedicalClaim returns the medical claim of a grant the caller may see (P3), or nil when
// the grant has none.
func (s *Service) MedicalClaim(ctx context.Context, grantID string) (*models.MedicalClaim, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.MedicalClaim(ctx, sc, grantID)
}

// MedicalRule returns the configured ratio and ceiling of a program of the medical
// category (P3), or nil for any other program. The rules are public configuration.
func (s *Service) MedicalRule(p *models.Program) *models.MedicalRule {
	if p == nil || p.CategoryCode != catalogue.CategoryMedical {
		return nil
	}
	r := s.medical.Rule(p.Code)
	return &models.MedicalRule{RatioBasisPoints: int(r.Ratio), Ceiling: r.Ceiling}
}

// Calculation returns how the amount of a grant the caller sees was computed, nil for a
// grant without one (opened before amounts were computed).
func (s *Service) Calculation(ctx context.Context, grantID string) (*models.EntitlementCalculation, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Calculation(ctx, sc, grantID)
}

// Overridden reports whether the amount of a grant the caller sees overrides the
// computed one.
func (s *Service) Overridden(ctx context.Context, grantID string) (bool, error) {
	c, err := s.Calculation(ctx, grantID)
	return c != nil && c.Overridden, err
}

// Overrides counts the grants of area (a code inside the caller's subtree) whose amount
// overrides the computed one, of the caller's categories. It returns a Forbidden error
// for an area outside the caller's subtree.
func (s *Service) Overrides(ctx context.Context, area string) (int, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return 0, err
	}
	if !sc.Principal().Covers(area) {
		return 0, models.Forbidden("area %s is outside your jurisdiction", area)
	}
	return s.st.CountOverrides(ctx, sc, area)
}

// Parameters returns the parameter sets of county (every county the caller sees when
// nil), of year when given. They are published figures: every caller of the county, and
// the city, reads them. It returns a *models.FieldError for a code that is not a county
// and a Forbidden error for a county the caller neither lies in nor covers.
func (s *Service) Parameters(ctx context.Context, county *string, year *int) ([]*models.EntitlementParameters, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	p := sc.Principal()
	code := ""
	if county != nil && *county != "" {
		code = *county
		u, ok := s.st.Unit(code)
		if !ok || u.Level != models.LevelCounty {
			return nil, models.Invalid("county", "%s is not a county code", privacy.Quote(code))
		}
		if !p.Covers(code) && !division.Contains(code, p.Area) {
			return nil, models.Forbidden("county: %s is outside your jurisdiction", code)
		}
	}
	return s.st.Parameters(ctx, sc, code, year)
}

// Violations lists the records of the caller's area that break the rules of one benefit
// where the policy allows one (P21), and the urgent files not completed in time (P20),
// today by the service's clock. See Check.
func (s *Service) Violations(ctx context.Context) ([]models.Violation, error) {
	return s.Check(ctx, models.DateOf(s.now().In(policy.ChinaTime)))
}

// Check lists the records of the caller's area that break the rules of one benefit where
// the policy allows one (P21), household by household (policy.HouseholdViolations), and
// the urgent files paid from a reserve fund that are still not approved after their
// county's urgentDays on today (P20). Only admins may: the check reads grants of every
// category. It returns a Forbidden error for any other role. Grants are read in batches
// of households, so memory stays bounded by the largest household.
func (s *Service) Check(ctx context.Context, today models.Date) ([]models.Violation, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !sc.Principal().May(auth.ActionCheckBenefits) {
		return nil, models.Forbidden("only admins check the records against the rules of one benefit")
	}
	var out []models.Violation
	after := ""
	for {
		gs, err := s.st.HeldAfter(ctx, sc, policy.Held, after)
		if err != nil {
			return nil, err
		}
		if len(gs) == 0 {
			break
		}
		after = gs[len(gs)-1].HouseholdID
		for i := 0; i < len(gs); {
			j := i
			var held []policy.HeldGrant
			for ; j < len(gs) && gs[j].HouseholdID == gs[i].HouseholdID; j++ {
				held = append(held, heldGrant(&gs[j], true))
			}
			out = append(out, policy.HouseholdViolations(gs[i].HouseholdID, gs[i].AreaCode, s.urban(gs[i].AreaCode), held)...)
			i = j
		}
	}
	files, err := s.st.UrgentFiles(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		day := models.DateOf(f.FirstDraw.In(policy.ChinaTime))
		p, err := s.st.ParametersOn(ctx, sc, f.Grant.AreaCode, day)
		if err != nil {
			return nil, err
		}
		deadline := policy.UrgentDeadline(day, paramsOrDefault(p).UrgentDays)
		if policy.UrgentOverdue(deadline, today) {
			out = append(out, models.Violation{Rule: policy.RuleUrgentOverdue, GrantID: f.Grant.ID, HouseholdID: f.Grant.HouseholdID, AreaCode: f.Grant.AreaCode,
				Detail: "paid from the reserve fund on " + day.String() + "; the file was due by " + deadline.String()})
		}
	}
	return out, nil
}

// urban reports whether the village of area is urban.
func (s *Service) urban(area string) bool {
	u, ok := s.st.Unit(area)
	return ok && u.Urban
}

// heldGrant is g as the rules of one benefit see it.
func heldGrant(g *models.Grant, visible bool) policy.HeldGrant {
	return policy.HeldGrant{ID: g.ID, Program: g.ProgramCode, MemberID: g.MemberID, Start: g.StartDate, End: g.EndDate, Visible: visible}
}

// paramsOrDefault returns *p, or the policy's defaults when p is nil.
func paramsOrDefault(p *models.EntitlementParameters) models.EntitlementParameters {
	if p == nil {
		return policy.DefaultEntitlementParameters()
	}
	return *p
}
