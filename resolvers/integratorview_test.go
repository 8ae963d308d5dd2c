package resolvers_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/resolvers"
	"jiuzhu/store"
)

// TestIntegratorView runs the @integratorView directive over one record of each kind:
// staff read what the resolver gives, an integrator the office, the rule's figures, or
// nothing of an account; a field of a type the directive does not know is an error, not
// the value.
func TestIntegratorView(t *testing.T) {
	staff := auth.Principal{Subject: "li", Role: models.RoleOfficer, Area: "371402000000"}
	integ := auth.Principal{Subject: "exchange", Role: models.RoleIntegrator, Area: "371402000000", Categories: []string{"DIBAO"}}
	subject := "li.county-officer"
	calc := &models.EntitlementCalculation{AreaCode: "371402001001", Method: models.CalcDibaoGap, Formula: "(850.00 − 306.78) × 2 = 1086.44",
		Inputs: []models.CalculationInput{{Name: "standard", Value: "850.00"}, {Name: "perCapitaIncome", Value: "306.78"}}}
	tests := []struct {
		name    string
		caller  auth.Principal
		obj     any
		field   string
		value   any
		want    any
		wantErr bool
	}{
		{"staff read a grant event's subject", staff, &models.GrantEvent{ActorRole: models.RoleOfficer, ActorArea: "371402001000"}, "actor", subject, subject, false},
		{"integrator reads a grant event's office", integ, &models.GrantEvent{ActorRole: models.RoleOfficer, ActorArea: "371402001000"}, "actor", subject, "OFFICER@371402001000", false},
		{"integrator reads a village assistant as the township's", integ, &models.GrantEvent{ActorRole: models.RoleAssistant, ActorArea: "371402001001"}, "actor", subject, "ASSISTANT@371402001000", false},
		{"integrator reads a village actorArea as the township", integ, &models.GrantEvent{}, "actorArea", "371402001001", "371402001000", false},
		{"staff read a village actorArea", staff, &models.GrantEvent{}, "actorArea", "371402001001", "371402001001", false},
		{"integrator reads a setting's admin", integ, &models.ProgramSetting{AreaCode: "371400000000"}, "setBy", subject, "ADMIN@371400000000", false},
		{"integrator reads a standard's admin", integ, &models.DibaoStandard{AreaCode: "371402000000"}, "setBy", subject, "ADMIN@371402000000", false},
		{"integrator reads parameters' staff", integ, &models.EntitlementParameters{AreaCode: "371402000000"}, "setBy", subject, "STAFF@371402000000", false},
		{"integrator reads a calculation's county", integ, calc, "actor", subject, "STAFF@371402000000", false},
		{"integrator reads a verification's township", integ, &models.Verification{AreaCode: "371402001001"}, "recordedBy", subject, "STAFF@371402001000", false},
		{"integrator reads a referral's department", integ, &models.Referral{AreaCode: "371402001000"}, "handledBy", &subject, ptr("INTEGRATOR@371402001000"), false},
		{"integrator reads a referral's receiver", integ, &models.Referral{AreaCode: "371402001000"}, "referredBy", subject, "STAFF@371402001000", false},
		{"integrator reads no one for no one", integ, &models.Review{Township: "371402001000"}, "closedBy", (*string)(nil), (*string)(nil), false},
		{"integrator reads a review's township", integ, &models.Review{Township: "371402001000"}, "closedBy", &subject, ptr("STAFF@371402001000"), false},
		{"integrator reads a grievance answer's office", integ, &models.Grievance{AreaCode: "371402001001", AssignedArea: "371402000000"}, "answeredBy", &subject, ptr("STAFF@371402000000"), false},
		{"integrator reads a document's uploader as the township", integ, &store.Document{AreaCode: "371402001001"}, "createdBy", subject, "STAFF@371402001000", false},
		{"staff read a document's uploader", staff, &store.Document{AreaCode: "371402001001"}, "createdBy", subject, subject, false},
		{"integrator reads a payroll's county", integ, &models.Payroll{AreaCode: "371402000000"}, "generatedBy", subject, "STAFF@371402000000", false},
		{"staff read a calculation's inputs", staff, calc, "inputs", calc.Inputs, calc.Inputs, false},
		{"integrator reads the rule's inputs", integ, calc, "inputs", calc.Inputs, []models.CalculationInput{{Name: "standard", Value: "850.00"}}, false},
		{"integrator reads the rule's formula", integ, calc, "formula", calc.Formula, "max(standard − per-capita income, minPerPerson) × members covered", false},
		{"staff read a payroll line's holder", staff, &models.PayrollLine{Holder: "赵桂兰"}, "holder", "赵桂兰", "赵桂兰", false},
		{"integrator reads no holder", integ, &models.PayrollLine{Holder: "赵桂兰"}, "holder", "赵桂兰", "", false},
		{"integrator reads no digit of the account", integ, &models.PayrollLine{Account: "6222021234567890123"}, "account", "***************0123", "*******************", false},
		{"an unknown record is an error to an integrator", integ, &models.Household{}, "address", "尉署社区3号楼", nil, true},
		{"an unknown record reads as it is to staff", staff, &models.Household{}, "address", "尉署社区3号楼", "尉署社区3号楼", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := auth.WithPrincipal(context.Background(), tt.caller)
			ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Name: tt.field}}})
			got, err := resolvers.IntegratorView(ctx, tt.obj, func(context.Context) (any, error) { return tt.value, nil })
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", deref(got), deref(tt.want))
			}
		})
	}
	t.Run("the resolver's error passes", func(t *testing.T) {
		boom := errors.New("boom")
		ctx := auth.WithPrincipal(context.Background(), integ)
		if _, err := resolvers.IntegratorView(ctx, &models.GrantEvent{}, func(context.Context) (any, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("error %v", err)
		}
	})
}

func ptr(s string) *string { return &s }

func deref(v any) any {
	if p, ok := v.(*string); ok && p != nil {
		return *p
	}
	return v
}
