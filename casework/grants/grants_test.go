package grants_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// TestDecisions: each move of the lifecycle (P5, P8) takes a role that decides on
// grants, a grant in the caller's area, a status the lifecycle leaves from (policy.CanMove)
// and the tier the move needs (policy.RequiredLevel); a refused move writes nothing, an
// allowed one moves the grant, records its event and audits the operation.
func TestDecisions(t *testing.T) {
	type move func(ctx context.Context, f *fake, id string) (*models.Grant, error)
	review := func(ctx context.Context, f *fake, id string) (*models.Grant, error) {
		return service(f).ReviewGrant(ctx, id, nil, nil)
	}
	reject := func(ctx context.Context, f *fake, id string) (*models.Grant, error) {
		return service(f).RejectGrant(ctx, id, "收入超标", nil)
	}
	suspend := func(ctx context.Context, f *fake, id string) (*models.Grant, error) {
		return service(f).SuspendGrant(ctx, id, "外出务工，待核实", nil)
	}
	resume := func(ctx context.Context, f *fake, id string) (*models.Grant, error) {
		return service(f).ResumeGrant(ctx, id, "核实完毕", nil)
	}
	terminate := func(ctx context.Context, f *fake, id string) (*models.Grant, error) {
		return service(f).TerminateGrant(ctx, id, "户籍迁出", nil)
	}
	tests := []struct {
		name  string
		ctx   context.Context
		from  models.GrantStatus
		move  move
		op    string
		to    models.GrantStatus
		err   error
		field string
	}{
		{"township reviews", as(models.RoleOfficer, township), models.GrantPending, review, "reviewGrant", models.GrantReviewed, nil, ""},
		{"village may not review", as(models.RoleOfficer, village), models.GrantPending, review, "", "", models.ErrForbidden, ""},
		{"assistant may not review", as(models.RoleAssistant, township), models.GrantPending, review, "", "", models.ErrForbidden, ""},
		{"auditor may not suspend", as(models.RoleAuditor, county), models.GrantActive, suspend, "", "", models.ErrForbidden, ""},
		{"another county's grant is not found", as(models.RoleOfficer, otherCounty), models.GrantActive, suspend, "", "", models.ErrNotFound, ""},
		{"township rejects a pending grant", as(models.RoleOfficer, township), models.GrantPending, reject, "rejectGrant", models.GrantRejected, nil, ""},
		{"township may not reject a reviewed grant", as(models.RoleOfficer, township), models.GrantReviewed, reject, "", "", models.ErrForbidden, ""},
		{"county rejects a reviewed grant", as(models.RoleOfficer, county), models.GrantReviewed, reject, "rejectGrant", models.GrantRejected, nil, ""},
		{"township suspends", as(models.RoleOfficer, township), models.GrantActive, suspend, "suspendGrant", models.GrantSuspended, nil, ""},
		{"a pending grant is not suspended", as(models.RoleOfficer, township), models.GrantPending, suspend, "", "", models.ErrInvalid, "status"},
		{"township resumes", as(models.RoleOfficer, township), models.GrantSuspended, resume, "resumeGrant", models.GrantActive, nil, ""},
		{"an active grant is not resumed", as(models.RoleOfficer, township), models.GrantActive, resume, "", "", models.ErrInvalid, "status"},
		{"township may not terminate", as(models.RoleOfficer, township), models.GrantActive, terminate, "", "", models.ErrForbidden, ""},
		{"county terminates", as(models.RoleOfficer, county), models.GrantSuspended, terminate, "terminateGrant", models.GrantTerminated, nil, ""},
		{"a terminated grant stays so", as(models.RoleOfficer, county), models.GrantTerminated, terminate, "", "", models.ErrInvalid, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			h := f.household("h1", village, 1)
			f.grant("g1", h, "URBAN_DIBAO", tt.from)
			g, err := tt.move(tt.ctx, f, "g1")
			if tt.err != nil {
				var fe *models.FieldError
				if !errors.Is(err, tt.err) || (tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field)) {
					t.Fatalf("err = %v, want %v on %q", err, tt.err, tt.field)
				}
				if f.grants["g1"].Status != tt.from || len(f.events) != 0 || len(f.audits) != 0 {
					t.Errorf("a refused move wrote: %s, %d events, audits %v", f.grants["g1"].Status, len(f.events), f.audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.Status != tt.to || f.grants["g1"].Version != 2 {
				t.Errorf("grant %s version %d, want %s version 2", g.Status, f.grants["g1"].Version, tt.to)
			}
			if len(f.events) != 1 || *f.events[0].FromStatus != tt.from || f.events[0].ToStatus != tt.to || f.events[0].Reason == "" {
				t.Errorf("events %+v", f.events)
			}
			if !slices.Equal(f.audits, []string{tt.op}) {
				t.Errorf("audits %v, want %s", f.audits, tt.op)
			}
		})
	}
}

// TestDecisionInput: a required reason, the expected version, and an integrator that
// does not see the grant's category.
func TestDecisionInput(t *testing.T) {
	f := newFake()
	h := f.household("h1", village, 1)
	f.grant("g1", h, "URBAN_DIBAO", models.GrantActive)
	svc := service(f)
	var fe *models.FieldError
	if _, err := svc.SuspendGrant(as(models.RoleOfficer, county), "g1", " ", nil); !errors.As(err, &fe) || fe.Field != "reason" {
		t.Errorf("a blank reason: %v", err)
	}
	if _, err := svc.SuspendGrant(as(models.RoleOfficer, county), "g1", "核实", ptr(7)); !errors.Is(err, models.ErrConflict) {
		t.Errorf("a stale version: %v", err)
	}
	if _, err := svc.Grant(as(models.RoleIntegrator, county, "TEKUN"), "g1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("an integrator of another category: %v", err)
	}
	if _, err := svc.Grants(as(models.RoleOfficer, county), store.GrantQuery{Filter: &models.GrantFilter{Status: ptr(models.GrantStatus("OPEN"))}}); !errors.As(err, &fe) || fe.Field != "filter.status" {
		t.Errorf("a status that is none: %v", err)
	}
	if len(f.events) != 0 || len(f.audits) != 0 {
		t.Errorf("refusals wrote %d events, audits %v", len(f.events), f.audits)
	}
}

// TestApprove: the amount is computed by the program's rule (P18, P19), a typed amount
// for a computed program is refused, an override needs a reason and is audited on its
// own, the reviewer may not approve (separation of duties), and a grant that P21 forbids
// beside a held one is refused with CONFLICT naming the blocking grant. A refusal writes
// nothing.
func TestApprove(t *testing.T) {
	start := models.NewDate(2026, 2, 1)
	tests := []struct {
		name     string
		ctx      context.Context
		setup    func(f *fake)
		program  string
		in       models.ApprovalInput
		amount   string
		over     bool
		err      error
		has      string
		hasNot   string
		reviewer string
	}{
		{name: "dibao computed", program: "URBAN_DIBAO", amount: "850.00"},
		{name: "dibao amount typed", program: "URBAN_DIBAO", in: models.ApprovalInput{Amount: ptr(money("9999.00"))}, err: models.ErrInvalid, has: "input.amount"},
		{name: "override with a reason", program: "URBAN_DIBAO", in: models.ApprovalInput{Override: &models.OverrideInput{Amount: money("900.00"), Reason: "重病支出，经评议"}},
			amount: "900.00", over: true},
		{name: "override without a reason", program: "URBAN_DIBAO", in: models.ApprovalInput{Override: &models.OverrideInput{Amount: money("900.00")}},
			err: models.ErrInvalid, has: "input.override.reason"},
		{name: "second dibao, blocking grant named", program: "URBAN_DIBAO", err: models.ErrConflict, has: "g-held",
			setup: func(f *fake) { f.grant("g-held", f.households["h1"], "URBAN_DIBAO", models.GrantActive) }},
		{name: "dibao beside a 特困 grant", program: "URBAN_DIBAO", err: models.ErrConflict, has: policy.RuleTekunWithDibao + ": blocked by grant g-held-tekun",
			setup: func(f *fake) {
				g := f.grant("g-held-tekun", f.households["h1"], "TEKUN_DISPERSED", models.GrantActive)
				g.MemberID = ptr("h1-m0")
			}},
		{name: "urban dibao for a rural household", program: "URBAN_DIBAO", err: models.ErrInvalid, has: "rural",
			setup: func(f *fake) { f.urban[village] = false }},
		{name: "no standard", program: "URBAN_DIBAO", err: models.ErrInvalid, has: "standard",
			setup: func(f *fake) { delete(f.standards, county) }},
		{name: "the reviewer may not approve", program: "URBAN_DIBAO", reviewer: "officer@" + county, err: models.ErrForbidden},
		{name: "assistant may not approve", ctx: as(models.RoleAssistant, county), program: "URBAN_DIBAO", err: models.ErrForbidden},
		{name: "township may not approve", ctx: as(models.RoleOfficer, township), program: "URBAN_DIBAO", err: models.ErrForbidden},
		{name: "medical without bills", program: "MEDICAL_OUTPATIENT", err: models.ErrInvalid, has: "input.medical"},
		{name: "bills for a dibao", program: "URBAN_DIBAO", in: models.ApprovalInput{Medical: &models.MedicalCostsInput{TotalCost: money("100.00")}},
			err: models.ErrInvalid, has: "input.medical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			h := f.household("h1", village, 1)
			g := f.grant("g1", h, tt.program, models.GrantReviewed)
			g.MemberID = ptr("h1-m0")
			reviewer := tt.reviewer
			if reviewer == "" {
				reviewer = "officer@" + township
			}
			f.reviewedBy("g1", reviewer)
			if tt.setup != nil {
				tt.setup(f)
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = as(models.RoleOfficer, county)
			}
			in := tt.in
			in.StartDate = start
			got, err := service(f).ApproveGrant(ctx, "g1", in, nil)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.has) {
					t.Fatalf("err = %v, want %v mentioning %q", err, tt.err, tt.has)
				}
				if tt.hasNot != "" && strings.Contains(err.Error(), tt.hasNot) {
					t.Errorf("the error names a grant the caller does not see: %v", err)
				}
				if f.grants["g1"].Status != models.GrantReviewed || len(f.calcs) != 0 || len(f.audits) != 0 || len(f.events) != 1 {
					t.Errorf("a refused approval wrote: %s, %d calculations, audits %v", f.grants["g1"].Status, len(f.calcs), f.audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != models.GrantActive || got.Amount != money(tt.amount) || len(f.calcs) != 1 {
				t.Fatalf("approved %s %s with %d calculations, want ACTIVE %s", got.Status, got.Amount, len(f.calcs), tt.amount)
			}
			c := f.calcs[0]
			if c.Overridden != tt.over || c.Amount != got.Amount || c.Actor != "officer@"+county {
				t.Errorf("calculation %+v", c)
			}
			want := []string{"approveGrant"}
			if tt.over {
				want = []string{"overrideEntitlement", "approveGrant"}
				if c.Computed == c.Amount || c.OverrideReason == "" || !strings.Contains(f.events[1].Reason, "amount overridden") {
					t.Errorf("the override hides the computed amount or its reason: %+v, event %q", c, f.events[1].Reason)
				}
			}
			if !slices.Equal(f.audits, want) {
				t.Errorf("audits %v, want %v", f.audits, want)
			}
			if n, _ := service(f).Overrides(ctx, county); (n == 1) != tt.over {
				t.Errorf("%d overrides counted", n)
			}
		})
	}
}

// TestApproveMedical: the amount of a medical program is the claim's payable amount
// (P3) from the bills, what the program paid the member this year counted; nothing
// payable is refused.
func TestApproveMedical(t *testing.T) {
	f := newFake()
	h := f.household("h1", village, 1)
	g := f.grant("g1", h, "MEDICAL_OUTPATIENT", models.GrantReviewed)
	g.MemberID = ptr("h1-m0")
	f.reviewedBy("g1", "officer@"+township)
	f.paid["h1-m0MEDICAL_OUTPATIENT2026"] = money("9900.00")
	in := models.ApprovalInput{StartDate: models.NewDate(2026, 2, 1), Medical: &models.MedicalCostsInput{TotalCost: money("1000.00"), BasicInsurance: money("600.00")}}
	got, err := service(f).ApproveGrant(as(models.RoleOfficer, county), "g1", in, nil)
	if err != nil {
		t.Fatal(err)
	}
	// (1,000.00 − 600.00) × 70% = 280.00, but only 100.00 of the ceiling is left.
	if got.Amount != money("100.00") || len(f.claims) != 1 || f.claims[0].PaidThisYear != money("9900.00") {
		t.Errorf("amount %s, claims %+v", got.Amount, f.claims)
	}
	f2 := newFake()
	h2 := f2.household("h1", village, 1)
	g2 := f2.grant("g1", h2, "MEDICAL_OUTPATIENT", models.GrantReviewed)
	g2.MemberID = ptr("h1-m0")
	f2.paid["h1-m0MEDICAL_OUTPATIENT2026"] = money("10000.00")
	if _, err := service(f2).ApproveGrant(as(models.RoleOfficer, county), "g1", in, nil); !errors.Is(err, models.ErrInvalid) || len(f2.claims) != 0 {
		t.Errorf("nothing payable: %v, %d claims", err, len(f2.claims))
	}
}

// TestCreateGrant: the role, the input, an inactive program, a household outside the
// caller's area and the rules of one benefit (P21) for an ACTIVE grant, whose amount is
// computed by rule as on approval (P18, P20): a typed amount that differs is an override
// that needs a reason. A refusal writes nothing; an opening writes the grant, its first
// event, its calculation and the audit events.
func TestCreateGrant(t *testing.T) {
	valid := func() models.GrantInput {
		return models.GrantInput{HouseholdID: "h1", ProgramCode: "URBAN_DIBAO", Amount: money("850.00"), StartDate: models.NewDate(2026, 1, 1)}
	}
	tests := []struct {
		name  string
		ctx   context.Context
		edit  func(*models.GrantInput)
		setup func(*fake)
		err   error
		field string
		// override is the amount that overrides the computed one, "" for none.
		override string
	}{
		{name: "opens", ctx: as(models.RoleOfficer, township)},
		{name: "pending", ctx: as(models.RoleOfficer, township), edit: func(in *models.GrantInput) { in.Status = ptr(models.GrantPending) }},
		{name: "auditor", ctx: as(models.RoleAuditor, county), err: models.ErrForbidden},
		{name: "integrator", ctx: as(models.RoleIntegrator, county, "DIBAO"), err: models.ErrForbidden},
		{name: "another county's household", ctx: as(models.RoleOfficer, otherCounty), err: models.ErrNotFound},
		{name: "another household's member", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.MemberID = ptr("h9-m0") }, err: models.ErrNotFound},
		{name: "negative amount", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.Amount = -1 }, err: models.ErrInvalid, field: "input.amount"},
		{name: "no start", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.StartDate = models.Date{} }, err: models.ErrInvalid, field: "input.startDate"},
		{name: "end before start", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.EndDate = ptr(models.NewDate(2025, 1, 1)) },
			err: models.ErrInvalid, field: "input.endDate"},
		{name: "opens as REVIEWED", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.Status = ptr(models.GrantReviewed) },
			err: models.ErrInvalid, field: "input.status"},
		{name: "inactive program", ctx: as(models.RoleOfficer, county), setup: func(f *fake) { f.programs["URBAN_DIBAO"].Active = false },
			err: models.ErrInvalid, field: "input.programCode"},
		{name: "second dibao", ctx: as(models.RoleOfficer, county), setup: func(f *fake) { f.grant("g-held", f.households["h1"], "URBAN_DIBAO", models.GrantActive) },
			err: models.ErrConflict},
		{name: "amount left out", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.Amount = 0 }},
		{name: "typed amount differs", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) { in.Amount = money("9999.00") },
			err: models.ErrInvalid, field: "input.amount"},
		{name: "override with a reason", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.Amount, in.OverrideReason = money("900.00"), ptr("重病支出，经评议")
		}, override: "900.00"},
		{name: "override with a one-letter reason", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.Amount, in.OverrideReason = money("900.00"), ptr("x")
		}, err: models.ErrInvalid, field: "input.overrideReason"},
		{name: "reason without amount", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.Amount, in.OverrideReason = 0, ptr("重病支出")
		}, err: models.ErrInvalid, field: "input.overrideReason"},
		{name: "reason on a pending grant", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.Status, in.OverrideReason = ptr(models.GrantPending), ptr("重病支出")
		}, err: models.ErrInvalid, field: "input.overrideReason"},
		{name: "no standard", ctx: as(models.RoleOfficer, county), setup: func(f *fake) { delete(f.standards, county) },
			err: models.ErrInvalid, field: "input.programCode"},
		{name: "medical opens pending only", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.ProgramCode, in.MemberID = "MEDICAL_OUTPATIENT", ptr("h1-m0")
		}, err: models.ErrInvalid, field: "input.status"},
		{name: "temporary need capped", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.ProgramCode, in.Amount = "TEMPORARY_RELIEF", money("99999.00")
		}, err: models.ErrInvalid, field: "input.amount"},
		{name: "temporary need", ctx: as(models.RoleOfficer, county), edit: func(in *models.GrantInput) {
			in.ProgramCode, in.Amount = "TEMPORARY_RELIEF", money("500.00")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.household("h1", village, 1)
			f.household("h9", village, 1)
			if tt.setup != nil {
				tt.setup(f)
			}
			before := len(f.grants)
			in := valid()
			if tt.edit != nil {
				tt.edit(&in)
			}
			g, err := service(f).CreateGrant(tt.ctx, in)
			if tt.err != nil {
				var fe *models.FieldError
				if !errors.Is(err, tt.err) || (tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field)) {
					t.Fatalf("err = %v, want %v on %q", err, tt.err, tt.field)
				}
				if len(f.grants) != before || len(f.events) != 0 || len(f.audits) != 0 {
					t.Errorf("a refusal wrote %d grants, %d events, audits %v", len(f.grants)-before, len(f.events), f.audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.grants[g.ID] == nil || g.AreaCode != village || g.Version != 1 {
				t.Errorf("stored %+v", g)
			}
			audits := []string{"createGrant"}
			if tt.override != "" {
				audits = []string{"overrideEntitlement", "createGrant"}
			}
			if len(f.events) != 1 || f.events[0].FromStatus != nil || f.events[0].ToStatus != g.Status || !slices.Equal(f.audits, audits) {
				t.Errorf("events %+v, audits %v, want %v", f.events, f.audits, audits)
			}
			if g.Status == models.GrantPending {
				if len(f.calcs) != 0 {
					t.Errorf("a pending grant has a calculation: %+v", f.calcs)
				}
				return
			}
			// The ACTIVE grant pays what its calculation says.
			if len(f.calcs) != 1 || f.calcs[0].GrantID != g.ID || f.calcs[0].Amount != g.Amount || f.calcs[0].Overridden != (tt.override != "") {
				t.Fatalf("grant %s, calculations %+v", g.Amount, f.calcs)
			}
			switch {
			case tt.override != "":
				if g.Amount != money(tt.override) || f.calcs[0].Computed == g.Amount || f.calcs[0].OverrideReason == "" {
					t.Errorf("override: grant %s, calculation %+v", g.Amount, f.calcs[0])
				}
			case in.ProgramCode == "URBAN_DIBAO":
				// One member without income against the standard of 850.00 (P18).
				if g.Amount != money("850.00") || f.calcs[0].Method != models.CalcDibaoGap {
					t.Errorf("dibao: grant %s, calculation %+v", g.Amount, f.calcs[0])
				}
			default:
				if g.Amount != in.Amount || f.calcs[0].Method != models.CalcTemporary {
					t.Errorf("temporary: grant %s, calculation %+v", g.Amount, f.calcs[0])
				}
			}
		})
	}
}

// TestClearReviewFlag: a township officer clears a flag (P10) with a reason; a village
// officer may not, a grant without a flag has nothing to clear.
func TestClearReviewFlag(t *testing.T) {
	tests := []struct {
		name  string
		ctx   context.Context
		flag  bool
		err   error
		field string
	}{
		{"township clears", as(models.RoleOfficer, township), true, nil, ""},
		{"village may not", as(models.RoleOfficer, village), true, models.ErrForbidden, ""},
		{"assistant may not", as(models.RoleAssistant, county), true, models.ErrForbidden, ""},
		{"no flag", as(models.RoleOfficer, township), false, models.ErrInvalid, "grantId"},
		{"another county", as(models.RoleOfficer, otherCounty), true, models.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			g := f.grant("g1", f.household("h1", village, 1), "URBAN_DIBAO", models.GrantActive)
			g.ReviewFlag, g.ReviewReason = tt.flag, ptr("收入超标")
			got, err := service(f).ClearReviewFlag(tt.ctx, "g1", "已入户核实", nil)
			if tt.err != nil {
				var fe *models.FieldError
				if !errors.Is(err, tt.err) || (tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field)) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if f.grants["g1"].ReviewFlag != tt.flag || len(f.audits) != 0 {
					t.Errorf("a refusal wrote")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ReviewFlag || got.Status != models.GrantActive || len(f.events) != 1 || f.events[0].ToStatus != models.GrantActive ||
				!strings.Contains(f.events[0].Reason, "已入户核实") || !slices.Equal(f.audits, []string{"clearReviewFlag"}) {
				t.Errorf("grant %+v, events %+v, audits %v", got, f.events, f.audits)
			}
		})
	}
}

// TestCheck: only admins list violations (P21), within their own area; an urgent file
// paid from the reserve fund and not approved within the county's days is listed
// (P20).
func TestCheck(t *testing.T) {
	f := newFake()
	h := f.household("h1", village, 1)
	f.grant("g1", h, "URBAN_DIBAO", models.GrantActive)
	f.grant("g2", h, "URBAN_DIBAO", models.GrantActive)
	away := f.household("h2", otherVill, 1)
	f.grant("g3", away, "URBAN_DIBAO", models.GrantActive)
	f.grant("g4", away, "URBAN_DIBAO", models.GrantActive)
	temp := f.grant("g5", h, "TEMPORARY_RELIEF", models.GrantPending)
	f.urgent = []store.UrgentFile{{Grant: *temp, FirstDraw: clock.AddDate(0, -1, 0)}}
	svc := service(f)
	for _, ctx := range []context.Context{as(models.RoleOfficer, county), as(models.RoleAuditor, county), as(models.RoleIntegrator, county, "DIBAO")} {
		if _, err := svc.Violations(ctx); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("err = %v", err)
		}
	}
	vs, err := svc.Violations(as(models.RoleAdmin, county))
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]int{}
	for _, v := range vs {
		rules[v.Rule]++
		if v.HouseholdID != "h1" {
			t.Errorf("a violation outside the caller's area: %+v", v)
		}
	}
	if rules[policy.RuleOneDibao] != 1 || rules[policy.RuleUrgentOverdue] != 1 || len(vs) != 2 {
		t.Errorf("violations %+v", vs)
	}
}
