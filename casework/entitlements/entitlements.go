// Package entitlements holds the use cases of what grants pay (P18–P21): the counties'
// entitlement parameters, the approval that computes a grant's amount by rule, its
// calculation and overrides, and the check of the rules of one benefit where the policy
// allows one. Each use case takes the caller, checks what it may do, validates the input,
// calls the pure rules of the policy package and tells its Store what to read and write.
package entitlements

import (
	"context"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Store is what the use cases read and write; *store.Store implements it. Every method
// works within the explicit scope it is given.
type Store interface {
	// SaveEntitlementParameters stores a county's parameters from a date, audited.
	SaveEntitlementParameters(ctx context.Context, sc store.Scope, p models.EntitlementParameters) (*models.EntitlementParameters, error)
	// EntitlementParametersOf lists the parameter sets of a county ("" for all seen).
	EntitlementParametersOf(ctx context.Context, sc store.Scope, county string, year *int) ([]*models.EntitlementParameters, error)
	// ApproveEntitled approves a grant, the amount decided by decide under the
	// household's lock.
	ApproveEntitled(ctx context.Context, id string, in models.ApprovalInput, expected *int, decide store.ApprovalDecider) (*models.Grant, error)
	// CalculationOf returns a grant's calculation, nil when it has none.
	CalculationOf(ctx context.Context, sc store.Scope, grantID string) (*models.EntitlementCalculation, error)
	// CountOverrides counts the overridden grants of an area.
	CountOverrides(ctx context.Context, sc store.Scope, area string) (int, error)
	// Violations lists the records that break the rules of P21 and late urgent files.
	Violations(ctx context.Context, sc store.Scope, today models.Date) ([]models.Violation, error)
}

// Service runs the use cases over a Store and the jurisdiction tree.
type Service struct {
	store Store
	tree  *division.Tree
}

// New returns the use cases over st and tree.
func New(st Store, tree *division.Tree) *Service { return &Service{store: st, tree: tree} }

// MaySetParameters reports whether p may set the entitlement parameters of county: the
// city's admins for every county, and the county's own officers and admins for it.
func MaySetParameters(p auth.Principal, county string) bool {
	switch {
	case p.Role == models.RoleAdmin && p.Level() == models.LevelCity:
		return true
	case p.Role == models.RoleAdmin || p.Role == models.RoleOfficer:
		return p.Area == county
	}
	return false
}

// SetParameters sets the entitlement parameters of a county from a day of a year
// (P18–P20), replacing a set of the same county and day; fields left out take the
// policy's defaults. It returns a Forbidden error unless the caller is a city admin or an
// officer or admin of that county, and a *models.FieldError naming the field for a code
// that is not a county, a year outside 2000–2100, an effective date outside the year, a
// malformed multiple or a figure out of bounds (policy.CheckParameters).
func (s *Service) SetParameters(ctx context.Context, p auth.Principal, in models.EntitlementParametersInput) (*models.EntitlementParameters, error) {
	county := strings.TrimSpace(in.County)
	u, ok := s.tree.Unit(county)
	if !ok {
		return nil, models.Invalid("input.county", "%s is not a jurisdiction code", privacy.Quote(county))
	}
	if u.Level != models.LevelCounty {
		return nil, models.Invalid("input.county", "%s %s is a %s, not a county", county, u.Name, u.Level)
	}
	if !MaySetParameters(p, county) {
		return nil, models.Forbidden("entitlement parameters of %s are set by the city's admins or the county's own officers", county)
	}
	if in.Year < 2000 || in.Year > 2100 {
		return nil, models.Invalid("input.year", "must be from 2000 to 2100")
	}
	if in.EffectiveFrom.IsZero() || in.EffectiveFrom.Year() != in.Year {
		return nil, models.Invalid("input.effectiveFrom", "must be a day of %d", in.Year)
	}
	out := policy.DefaultEntitlementParameters()
	out.AreaCode, out.Year, out.EffectiveFrom = county, in.Year, in.EffectiveFrom
	for _, m := range []struct {
		field string
		in    *models.Money
		dst   *models.Money
	}{{"dibaoMinPerPerson", in.DibaoMinPerPerson, &out.DibaoMinPerPerson}, {"careFull", in.CareFull, &out.CareFull},
		{"carePartial", in.CarePartial, &out.CarePartial}, {"careNone", in.CareNone, &out.CareNone}} {
		if m.in != nil {
			*m.dst = *m.in
		}
	}
	for _, m := range []struct {
		field string
		in    *string
		dst   *int64
	}{{"input.tekunMultiple", in.TekunMultiple, &out.TekunMultipleMilli}, {"input.temporaryMultiple", in.TemporaryMultiple, &out.TemporaryMultipleMilli}} {
		if m.in == nil {
			continue
		}
		v, err := policy.ParseMultiple(m.field, *m.in)
		if err != nil {
			return nil, err
		}
		*m.dst = v
	}
	if in.UrgentDays != nil {
		out.UrgentDays = *in.UrgentDays
	}
	for _, pa := range in.Programs {
		if pa == nil {
			continue
		}
		out.Programs = append(out.Programs, models.ProgramAmount{ProgramCode: strings.TrimSpace(pa.ProgramCode), Mode: pa.Mode, Amount: pa.Amount})
	}
	if err := policy.CheckParameters(out); err != nil {
		return nil, err
	}
	return s.store.SaveEntitlementParameters(ctx, store.ScopeFor(p), out)
}

// Parameters returns the parameter sets of county (every county the caller sees when
// nil), of year when given. They are published figures: every caller of the county, and
// the city, reads them. It returns a *models.FieldError for a code that is not a county
// and a Forbidden error for a county the caller neither lies in nor covers.
func (s *Service) Parameters(ctx context.Context, p auth.Principal, county *string, year *int) ([]*models.EntitlementParameters, error) {
	code := ""
	if county != nil && *county != "" {
		code = *county
		u, ok := s.tree.Unit(code)
		if !ok || u.Level != models.LevelCounty {
			return nil, models.Invalid("county", "%s is not a county code", privacy.Quote(code))
		}
		if !p.Covers(code) && !division.Contains(code, p.Area) {
			return nil, models.Forbidden("county: %s is outside your jurisdiction", code)
		}
	}
	return s.store.EntitlementParametersOf(ctx, store.ScopeFor(p), code, year)
}

// Approve approves a reviewed grant with the amount the policy computes
// (policy.DecideApproval): the caller no longer types it; an override needs a reason. It
// returns a Forbidden error for a role that does not decide grants, a *models.FieldError
// for a malformed override, and the errors of the store's approval and of the policy,
// among them a Conflict error naming the grant that blocks this one (P21), when the
// caller sees it.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string, in models.ApprovalInput, expected *int) (*models.Grant, error) {
	if !p.May(auth.ActionDecideGrant) {
		return nil, models.Forbidden("the %s role may not approve grants", p.Role)
	}
	if err := policy.CheckOverride(in.Override); err != nil {
		return nil, err
	}
	return s.store.ApproveEntitled(ctx, id, in, expected, policy.DecideApproval)
}

// Calculation returns how the amount of a grant the caller sees was computed, nil for a
// grant without one.
func (s *Service) Calculation(ctx context.Context, p auth.Principal, grantID string) (*models.EntitlementCalculation, error) {
	return s.store.CalculationOf(ctx, store.ScopeFor(p), grantID)
}

// Overridden reports whether the amount of a grant the caller sees overrides the
// computed one.
func (s *Service) Overridden(ctx context.Context, p auth.Principal, grantID string) (bool, error) {
	c, err := s.Calculation(ctx, p, grantID)
	return c != nil && c.Overridden, err
}

// Overrides counts the grants of area (a code inside the caller's subtree) whose amount
// overrides the computed one, of the caller's categories.
func (s *Service) Overrides(ctx context.Context, p auth.Principal, area string) (int, error) {
	if !p.Covers(area) {
		return 0, models.Forbidden("area %s is outside your jurisdiction", area)
	}
	return s.store.CountOverrides(ctx, store.ScopeFor(p), area)
}

// Check lists the records of the caller's area that break the rules of one benefit where
// the policy allows one (P21), and the urgent files not completed in time on today (P20).
// Only admins may: the check reads grants of every category. It returns a Forbidden
// error for any other role.
func (s *Service) Check(ctx context.Context, p auth.Principal, today models.Date) ([]models.Violation, error) {
	if !p.May(auth.ActionCheckBenefits) {
		return nil, models.Forbidden("only admins check the records against the rules of one benefit")
	}
	return s.store.Violations(ctx, store.ScopeFor(p), today)
}
