package entitlements_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/casework/entitlements"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	county      = "371402000000" // 德城区
	otherCounty = "371403000000"
	township    = "371402001000"
)

// fake is an in-memory Store: it keeps parameter sets, answers an approval by asking
// decide about the facts of the grant, and returns the violations it is given.
type fake struct {
	params     []models.EntitlementParameters
	facts      map[string]policy.ApprovalFacts
	decided    map[string]policy.ApprovalDecision
	violations []models.Violation
	scopes     []store.Scope
}

func newFake() *fake {
	return &fake{facts: map[string]policy.ApprovalFacts{}, decided: map[string]policy.ApprovalDecision{}}
}

func (f *fake) SaveEntitlementParameters(_ context.Context, sc store.Scope, p models.EntitlementParameters) (*models.EntitlementParameters, error) {
	f.scopes = append(f.scopes, sc)
	for i := range f.params {
		if f.params[i].AreaCode == p.AreaCode && f.params[i].EffectiveFrom == p.EffectiveFrom {
			f.params[i] = p
			return &p, nil
		}
	}
	f.params = append(f.params, p)
	return &p, nil
}

func (f *fake) EntitlementParametersOf(_ context.Context, sc store.Scope, county string, _ *int) ([]*models.EntitlementParameters, error) {
	f.scopes = append(f.scopes, sc)
	var out []*models.EntitlementParameters
	for i := range f.params {
		if county == "" || f.params[i].AreaCode == county {
			out = append(out, &f.params[i])
		}
	}
	return out, nil
}

func (f *fake) ApproveEntitled(_ context.Context, id string, in models.ApprovalInput, _ *int, decide store.ApprovalDecider) (*models.Grant, error) {
	facts, ok := f.facts[id]
	if !ok {
		return nil, models.NotFound("grant")
	}
	d, err := decide(facts, in)
	if err != nil {
		return nil, err
	}
	f.decided[id] = d
	return &models.Grant{ID: id, Status: models.GrantActive, Amount: d.Amount, ProgramCode: facts.Grant.Program}, nil
}

func (f *fake) CalculationOf(context.Context, store.Scope, string) (*models.EntitlementCalculation, error) {
	return nil, nil
}

func (f *fake) CountOverrides(context.Context, store.Scope, string) (int, error) {
	n := 0
	for _, d := range f.decided {
		if d.Overridden {
			n++
		}
	}
	return n, nil
}

func (f *fake) Violations(_ context.Context, sc store.Scope, _ models.Date) ([]models.Violation, error) {
	f.scopes = append(f.scopes, sc)
	return f.violations, nil
}

func caller(role models.Role, area string, categories ...string) auth.Principal {
	return auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories}
}

func money(s string) models.Money {
	m, err := models.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// TestSetParametersWho: the city's admins set every county's parameters, a county's own
// officers and admins its own; nobody else, and a refusal writes nothing.
func TestSetParametersWho(t *testing.T) {
	tests := []struct {
		name string
		p    auth.Principal
		want error
	}{
		{"city admin", caller(models.RoleAdmin, "371400000000"), nil},
		{"county officer", caller(models.RoleOfficer, county), nil},
		{"county admin", caller(models.RoleAdmin, county), nil},
		{"officer of another county", caller(models.RoleOfficer, otherCounty), models.ErrForbidden},
		{"township officer", caller(models.RoleOfficer, township), models.ErrForbidden},
		{"county assistant", caller(models.RoleAssistant, county), models.ErrForbidden},
		{"county auditor", caller(models.RoleAuditor, county), models.ErrForbidden},
		{"integrator", caller(models.RoleIntegrator, county, "DIBAO"), models.ErrForbidden},
		{"city officer", caller(models.RoleOfficer, "371400000000"), models.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			svc := entitlements.New(f, division.Dezhou())
			got, err := svc.SetParameters(context.Background(), tt.p, models.EntitlementParametersInput{
				County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 1, 1)})
			if tt.want != nil {
				if !errors.Is(err, tt.want) || len(f.params) != 0 {
					t.Fatalf("err = %v with %d sets written, want %v and none", err, len(f.params), tt.want)
				}
				return
			}
			if err != nil || len(f.params) != 1 || got.AreaCode != county {
				t.Fatalf("err = %v, %d sets written", err, len(f.params))
			}
			if f.scopes[0].Principal().Subject != tt.p.Subject {
				t.Errorf("the store was told the scope of %s", f.scopes[0].Principal().Subject)
			}
		})
	}
}

// TestSetParametersInput: left-out fields take the policy's defaults, multiples are read
// without floating point, and bad input names its field and writes nothing.
func TestSetParametersInput(t *testing.T) {
	admin := caller(models.RoleAdmin, "371400000000")
	valid := func() models.EntitlementParametersInput {
		return models.EntitlementParametersInput{County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 7, 1)}
	}
	f := newFake()
	svc := entitlements.New(f, division.Dezhou())
	in := valid()
	in.TekunMultiple, in.DibaoMinPerPerson, in.UrgentDays = ptr("1.45"), ptr(money("25.50")), ptr(7)
	in.Programs = []*models.ProgramAmountInput{{ProgramCode: "EDU_HIGHSCHOOL", Mode: models.AmountFixed, Amount: money("1000.00")}}
	got, err := svc.SetParameters(context.Background(), admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.TekunMultipleMilli != 1450 || got.DibaoMinPerPerson != 2550 || got.UrgentDays != 7 ||
		got.TemporaryMultipleMilli != policy.DefaultTemporaryMultiple || got.CareNone != policy.DefaultCareNone ||
		got.Program("EDU_HIGHSCHOOL") == nil || got.TekunMultiple() != "1.450" {
		t.Errorf("stored %+v", got)
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
		_, err := entitlements.New(f, division.Dezhou()).SetParameters(context.Background(), admin, in)
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != b.field || len(f.params) != 0 {
			t.Errorf("%s: err = %v, %d written", b.field, err, len(f.params))
		}
	}
}

// TestApprove decides approvals over facts held by the fake: the amount is computed by
// the program's rule, a typed amount for a computed program is refused, an override
// needs a reason and stays marked, and a blocking grant is named only when the caller
// sees it.
func TestApprove(t *testing.T) {
	std := money("850.00")
	jan := models.NewDate(2026, 1, 1)
	member := "m1"
	one := policy.ApprovalFacts{ // a one-person urban household without income
		Grant: policy.HeldGrant{ID: "g-dibao", Program: "URBAN_DIBAO", Start: jan, Visible: true}, Category: "DIBAO",
		Urban: true, Standard: &std, StandardYear: 2026, Params: policy.DefaultEntitlementParameters(),
		TotalIncome: 0, IncomeMembers: 1, IncomeSource: "verification", Members: 1, Today: jan,
	}
	blocked := one
	blocked.Grant.ID = "g-second"
	blocked.Held = []policy.HeldGrant{{ID: "g-held-dibao", Program: "URBAN_DIBAO", Start: models.NewDate(2025, 6, 1), Visible: true}}
	hidden := blocked
	hidden.Grant.ID = "g-hidden"
	hidden.Held = []policy.HeldGrant{{ID: "g-held-tekun", Program: "TEKUN_DISPERSED", MemberID: &member, Start: jan, Visible: false}}
	rural := one
	rural.Grant.ID, rural.Urban = "g-rural", false
	tekun := one
	tekun.Grant = policy.HeldGrant{ID: "g-tekun", Program: "TEKUN_DISPERSED", MemberID: &member, Start: jan, Visible: true}
	tekun.Category = "TEKUN"
	officer := caller(models.RoleOfficer, county)
	tests := []struct {
		name    string
		p       auth.Principal
		id      string
		in      models.ApprovalInput
		amount  string
		over    bool
		errIs   error
		errHas  string
		errNots string
	}{
		{name: "dibao computed", p: officer, id: "g-dibao", amount: "850.00"},
		{name: "dibao amount typed", p: officer, id: "g-dibao", in: models.ApprovalInput{Amount: ptr(money("9999.00"))}, errIs: models.ErrInvalid, errHas: "input.amount"},
		{name: "override with a reason", p: officer, id: "g-dibao", in: models.ApprovalInput{Override: &models.OverrideInput{Amount: money("900.00"), Reason: "重病支出，经评议"}},
			amount: "900.00", over: true},
		{name: "override without a reason", p: officer, id: "g-dibao", in: models.ApprovalInput{Override: &models.OverrideInput{Amount: money("900.00")}},
			errIs: models.ErrInvalid, errHas: "input.override.reason"},
		{name: "second dibao, blocking grant named", p: officer, id: "g-second", errIs: models.ErrConflict, errHas: "g-held-dibao"},
		{name: "dibao beside an unseen 特困 grant", p: caller(models.RoleOfficer, county, "DIBAO"), id: "g-hidden", errIs: models.ErrConflict,
			errHas: policy.RuleTekunWithDibao, errNots: "g-held-tekun"},
		{name: "urban dibao for a rural household", p: officer, id: "g-rural", errIs: models.ErrInvalid, errHas: "rural"},
		{name: "tekun needs self-care", p: officer, id: "g-tekun", errIs: models.ErrInvalid, errHas: "input.selfCare"},
		{name: "tekun computed", p: officer, id: "g-tekun", in: models.ApprovalInput{SelfCare: ptr(models.SelfCarePartial)}, amount: "1405.00"},
		{name: "assistant may not approve", p: caller(models.RoleAssistant, county), id: "g-dibao", errIs: models.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			for _, fs := range []policy.ApprovalFacts{one, blocked, hidden, rural, tekun} {
				f.facts[fs.Grant.ID] = fs
			}
			svc := entitlements.New(f, division.Dezhou())
			g, err := svc.Approve(context.Background(), tt.p, tt.id, tt.in, nil)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) || !strings.Contains(err.Error(), tt.errHas) || len(f.decided) != 0 {
					t.Fatalf("err = %v (%d decided), want %v mentioning %q", err, len(f.decided), tt.errIs, tt.errHas)
				}
				if tt.errNots != "" && strings.Contains(err.Error(), tt.errNots) {
					t.Errorf("the error names a grant the caller does not see: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := f.decided[tt.id]
			if g.Amount != money(tt.amount) || d.Overridden != tt.over {
				t.Errorf("amount %s overridden %v, want %s %v", g.Amount, d.Overridden, tt.amount, tt.over)
			}
			if tt.over && (d.Calculation.Computed == d.Amount || d.OverrideReason == "") {
				t.Errorf("the override hides the computed amount or its reason: %+v", d)
			}
			if n, _ := svc.Overrides(context.Background(), tt.p, county); (n == 1) != tt.over {
				t.Errorf("%d overrides counted", n)
			}
		})
	}
}

// TestCheck: only admins list violations, in their own scope.
func TestCheck(t *testing.T) {
	f := newFake()
	f.violations = []models.Violation{{Rule: policy.RuleOneDibao, GrantID: "a", OtherGrantID: ptr("b")}}
	svc := entitlements.New(f, division.Dezhou())
	for _, p := range []auth.Principal{caller(models.RoleOfficer, county), caller(models.RoleAuditor, county), caller(models.RoleIntegrator, county, "DIBAO")} {
		if _, err := svc.Check(context.Background(), p, models.NewDate(2026, 1, 1)); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%s: err = %v", p.Role, err)
		}
	}
	admin := caller(models.RoleAdmin, county)
	vs, err := svc.Check(context.Background(), admin, models.NewDate(2026, 1, 1))
	if err != nil || len(vs) != 1 || f.scopes[len(f.scopes)-1].Principal().Area != county {
		t.Errorf("%v %v", vs, err)
	}
}

// TestParametersRead: a village caller reads its county's parameters; a county outside
// the caller's is FORBIDDEN, a code that is not a county BAD_USER_INPUT.
func TestParametersRead(t *testing.T) {
	f := newFake()
	svc := entitlements.New(f, division.Dezhou())
	if _, err := svc.SetParameters(context.Background(), caller(models.RoleAdmin, "371400000000"),
		models.EntitlementParametersInput{County: county, Year: 2026, EffectiveFrom: models.NewDate(2026, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	village := caller(models.RoleAssistant, "371402001001")
	if ps, err := svc.Parameters(context.Background(), village, ptr(county), nil); err != nil || len(ps) != 1 {
		t.Errorf("own county: %v %v", ps, err)
	}
	if _, err := svc.Parameters(context.Background(), village, ptr(otherCounty), nil); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("other county: %v", err)
	}
	if _, err := svc.Parameters(context.Background(), village, ptr(township), nil); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("a township: %v", err)
	}
}
