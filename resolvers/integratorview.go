package resolvers

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// IntegratorView implements the schema's @integratorView directive, the one place where
// what integrators read differs from what staff read on the same field: a who-did-it
// field gives an integrator the office that acted (privacy.Actor over ActedOn), an
// actorArea the office's area (privacy.OfficeArea), a calculation's inputs and formula
// only the rule's figures (privacy.IntegratorInputs, privacy.IntegratorFormula), and a
// payroll line neither the account's last digits nor the holder. Every other caller
// reads the field as resolved. It returns the resolver's error, and an error for a field
// of a type it does not know (a schema change that forgot ActedOn), so that nothing is
// shown by mistake.
func IntegratorView(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	v, err := next(ctx)
	if err != nil {
		return v, err
	}
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if p.Role != models.RoleIntegrator {
		return v, nil
	}
	field := ""
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		field = fc.Field.Name
	}
	if field == "actorArea" {
		if area, ok := v.(string); ok {
			return privacy.OfficeArea(area), nil
		}
	}
	if _, ok := obj.(*models.PayrollLine); ok {
		switch field {
		case "account":
			if account, ok := v.(string); ok {
				return privacy.MaskWhole(account), nil
			}
		case "holder":
			return "", nil
		}
	}
	if c, ok := obj.(*models.EntitlementCalculation); ok {
		switch field {
		case "inputs":
			return privacy.IntegratorInputs(c.Inputs, func(in models.CalculationInput) string { return in.Name }), nil
		case "formula":
			return privacy.IntegratorFormula(string(c.Method)), nil
		}
	}
	a, ok := ActedOn(obj, field)
	if !ok {
		return nil, fmt.Errorf("@integratorView on %T.%s: %w", obj, field, errNoView)
	}
	switch s := v.(type) {
	case string:
		a.Subject = s
		return privacy.Actor(true, a), nil
	case *string:
		if s == nil {
			return s, nil
		}
		a.Subject = *s
		out := privacy.Actor(true, a)
		return &out, nil
	}
	return nil, fmt.Errorf("@integratorView on %T.%s of %T: %w", obj, field, v, errNoView)
}

// errNoView is the error of a field under @integratorView that IntegratorView cannot
// show an integrator.
var errNoView = fmt.Errorf("no integrator's view")

// ActedOn returns the role and office that acted on field of record obj, as the record
// keeps them (see privacy.Acted): the caller's role and area for grant events,
// reserve-fund entries and audit events; for other records the one role the act admits
// (ADMIN: dibao standards and program settings; INTEGRATOR: a referral's last step) or
// privacy.StaffRole, and the area of the office the record belongs to. ok is false for a
// record it does not know.
func ActedOn(obj any, field string) (a privacy.Acted, ok bool) {
	switch r := obj.(type) {
	case *models.GrantEvent:
		return privacy.Acted{Role: string(r.ActorRole), Area: r.ActorArea}, true
	case *models.ReserveEntry:
		return privacy.Acted{Role: string(r.ActorRole), Area: r.ActorArea}, true
	case *models.AuditEvent:
		return privacy.Acted{Role: string(r.ActorRole), Area: r.ActorArea}, true
	case *models.ProgramSetting:
		return privacy.Acted{Role: string(models.RoleAdmin), Area: r.AreaCode}, true
	case *models.DibaoStandard:
		return privacy.Acted{Role: string(models.RoleAdmin), Area: r.AreaCode}, true
	case *models.EntitlementParameters:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.EntitlementCalculation:
		// Approval is the county's (or the city's): the county of the grant's area.
		return privacy.Acted{Area: countyOf(r.AreaCode)}, true
	case *models.Payroll:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.Verification:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.CharityAid:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.Referral:
		if field == "handledBy" {
			return privacy.Acted{Role: string(models.RoleIntegrator), Area: r.AreaCode}, true
		}
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.Grievance:
		if field == "answeredBy" || field == "closedBy" {
			return privacy.Acted{Area: r.AssignedArea}, true
		}
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.GrievanceComment:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.DiscoveryCase:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.DiscoveryVisit:
		return privacy.Acted{Area: r.AreaCode}, true
	case *models.Review:
		return privacy.Acted{Area: r.Township}, true
	case *store.Document:
		// Uploaded by staff of the record's area.
		return privacy.Acted{Area: r.AreaCode}, true
	}
	return privacy.Acted{}, false
}

// countyOf returns the code of the county that holds code, or code itself above county
// level.
func countyOf(code string) string {
	if l := division.LevelOf(code); (l == models.LevelTownship || l == models.LevelVillage) && len(code) == 12 {
		return code[:6] + "000000"
	}
	return code
}
