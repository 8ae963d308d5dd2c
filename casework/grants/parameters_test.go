package grants_test

import (
	"context"
	"errors"
	"testing"

	"jiuzhu/models"
	"jiuzhu/policy"
)

// TestSetParametersWho: the city's admins set every county's parameters, a county's own
// officers and admins its own; nobody else, and a refusal writes nothing.
func TestSetParametersWho(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"city admin", as(models.RoleAdmin, city), nil},
		{"county officer", as(models.RoleOfficer, county), nil},
		{"county admin", as(models.RoleAdmin, county), nil},
		{"officer of another county", as(models.RoleOfficer, otherCounty), models.ErrForbidden},
		{"township officer", as(models.RoleOfficer, township), models.ErrForbidden},
		{"county assistant", as(models.RoleAssistant, county), models.ErrForbidden},
		{"county auditor", as(models.RoleAuditor, county), models.ErrForbidden},
		{"integrator", as(models.RoleIntegrator, county, "DIBAO"), models.ErrForbidden},
		{"city officer", as(models.RoleOfficer, city), models.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			got, err := service(f).SetParameters(tt.ctx, models.EntitlementParametersInput{
				County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 1, 1)})
			if tt.want != nil {
				if !errors.Is(err, tt.want) || len(f.params) != 0 || len(f.audits) != 0 {
					t.Fatalf("err = %v with %d sets written, want %v and none", err, len(f.params), tt.want)
				}
				return
			}
			if err != nil || len(f.params) != 1 || got.AreaCode != county || len(f.audits) != 1 || f.audits[0] != "setEntitlementParameters" {
				t.Fatalf("err = %v, %d sets written, audits %v", err, len(f.params), f.audits)
			}
		})
	}
}

// TestSetParametersInput: left-out fields take the policy's defaults, multiples are read
// without floating point, a second set of the same day replaces the first, and bad input
// names its field and writes nothing.
func TestSetParametersInput(t *testing.T) {
	admin := as(models.RoleAdmin, city)
	valid := func() models.EntitlementParametersInput {
		return models.EntitlementParametersInput{County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 7, 1)}
	}
	f := newFake()
	in := valid()
	in.TekunMultiple, in.DibaoMinPerPerson, in.UrgentDays = ptr("1.45"), ptr(money("25.50")), ptr(7)
	in.Programs = []*models.ProgramAmountInput{{ProgramCode: "EDU_HIGHSCHOOL", Mode: models.AmountFixed, Amount: money("1000.00")}}
	got, err := service(f).SetParameters(admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.TekunMultipleMilli != 1450 || got.DibaoMinPerPerson != 2550 || got.UrgentDays != 7 ||
		got.TemporaryMultipleMilli != policy.DefaultTemporaryMultiple || got.CareNone != policy.DefaultCareNone ||
		got.Program("EDU_HIGHSCHOOL") == nil || got.TekunMultiple() != "1.450" {
		t.Errorf("stored %+v", got)
	}
	again, err := service(f).SetParameters(admin, valid())
	if err != nil || again.ID != got.ID || len(f.params) != 1 || again.UrgentDays != policy.DefaultEntitlementParameters().UrgentDays {
		t.Errorf("replacing the set of the same day: %v, %+v", err, f.params)
	}
	bad := []struct {
		field string
		edit  func(*models.EntitlementParametersInput)
	}{
		{"input.county", func(in *models.EntitlementParametersInput) { in.County = township }},
		{"input.county", func(in *models.EntitlementParametersInput) { in.County = "371499999999" }},
		{"input.year", func(in *models.EntitlementParametersInput) {
			in.Year, in.EffectiveFrom = 1999, models.NewDate(1999, 1, 1)
		}},
		{"input.effectiveFrom", func(in *models.EntitlementParametersInput) { in.EffectiveFrom = models.NewDate(2025, 12, 31) }},
		{"input.tekunMultiple", func(in *models.EntitlementParametersInput) { in.TekunMultiple = ptr("1.3e0") }},
		{"input.tekunMultiple", func(in *models.EntitlementParametersInput) { in.TekunMultiple = ptr("0.9") }},
		{"input.temporaryMultiple", func(in *models.EntitlementParametersInput) { in.TemporaryMultiple = ptr("0") }},
		{"input.careFull", func(in *models.EntitlementParametersInput) { in.CareFull = ptr(money("-1.00")) }},
		{"input.urgentDays", func(in *models.EntitlementParametersInput) { in.UrgentDays = ptr(0) }},
		{"input.programs[0].programCode", func(in *models.EntitlementParametersInput) {
			in.Programs = []*models.ProgramAmountInput{{ProgramCode: "RURAL_DIBAO", Mode: models.AmountFixed, Amount: 100}}
		}},
	}
	for _, b := range bad {
		f := newFake()
		in := valid()
		b.edit(&in)
		_, err := service(f).SetParameters(admin, in)
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != b.field || len(f.params) != 0 {
			t.Errorf("%s: err = %v, %d written", b.field, err, len(f.params))
		}
	}
}

// TestParametersRead: a village caller reads its county's parameters; a county outside
// the caller's is FORBIDDEN, a code that is not a county BAD_USER_INPUT.
func TestParametersRead(t *testing.T) {
	f := newFake()
	svc := service(f)
	if _, err := svc.SetParameters(as(models.RoleAdmin, city),
		models.EntitlementParametersInput{County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	villager := as(models.RoleAssistant, village)
	if ps, err := svc.Parameters(villager, ptr(county), nil); err != nil || len(ps) != 1 {
		t.Errorf("own county: %v %v", ps, err)
	}
	if _, err := svc.Parameters(villager, ptr(otherCounty), nil); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("other county: %v", err)
	}
	if _, err := svc.Parameters(villager, ptr(township), nil); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("a township: %v", err)
	}
}
