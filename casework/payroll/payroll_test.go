package payroll_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/payroll"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	county   = "371402000000"
	township = "371402001000"
	village  = "371402001001"
	other    = "371403000000"
	otherVil = "371403001003"
)

func who(sub string, role models.Role, area string) auth.Principal {
	return auth.Principal{Subject: sub, Role: role, Area: area}
}

var (
	officer1 = who("officer-1", models.RoleOfficer, county)
	officer2 = who("officer-2", models.RoleOfficer, county)
	ctx      = context.Background()
	now      = time.Date(2026, 5, 10, 9, 0, 0, 0, policy.ChinaTime)
)

// world is a fake store with two households of one county, a dibao grant each approved
// in March 2026 (one retroactively from January), a household of another county, and a
// service at 10 May 2026.
func world() (*fake, *payroll.Service) {
	f := newFake()
	f.households["h1"], f.households["h2"], f.households["h3"] = village, village, otherVil
	hist := []store.StatusChange{{At: time.Date(2026, 3, 5, 10, 0, 0, 0, policy.ChinaTime), To: models.GrantActive}}
	f.grants = []*store.PayrollGrant{
		{ID: "g1", HouseholdID: "h1", AreaCode: village, ProgramCode: "URBAN_DIBAO", CategoryCode: "SUBSISTENCE", Amount: 65000, StartDate: models.NewDate(2026, 3, 5), History: hist},
		{ID: "g2", HouseholdID: "h2", AreaCode: village, ProgramCode: "URBAN_DIBAO", CategoryCode: "SUBSISTENCE", Amount: 30000, StartDate: models.NewDate(2026, 1, 1), History: hist},
		{ID: "g3", HouseholdID: "h3", AreaCode: otherVil, ProgramCode: "URBAN_DIBAO", CategoryCode: "SUBSISTENCE", Amount: 50000, StartDate: models.NewDate(2026, 1, 1), History: hist},
	}
	return f, &payroll.Service{Store: f, Now: func() time.Time { return now }}
}

func fieldOf(err error) string {
	var fe *models.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestSetPayee(t *testing.T) {
	good := models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}
	with := func(change func(*models.PayeeInput)) models.PayeeInput { in := good; change(&in); return in }
	tests := []struct {
		name   string
		p      auth.Principal
		in     models.PayeeInput
		want   error
		field  string
		masked string
	}{
		{"officer sets an account", officer1, good, nil, "", "***************0123"},
		{"assistant of the village", who("a", models.RoleAssistant, village), with(func(in *models.PayeeInput) { in.Account = "622202123456" }), nil, "", "********3456"},
		{"letters in the account", officer1, with(func(in *models.PayeeInput) { in.Account = "62220212345678901X" }), models.ErrInvalid, "input.account", ""},
		{"eleven digits", officer1, with(func(in *models.PayeeInput) { in.Account = "62220212345" }), models.ErrInvalid, "input.account", ""},
		{"twenty digits", officer1, with(func(in *models.PayeeInput) { in.Account = "62220212345678901234" }), models.ErrInvalid, "input.account", ""},
		{"spaces inside", officer1, with(func(in *models.PayeeInput) { in.Account = "6222 0212 3456 7890" }), models.ErrInvalid, "input.account", ""},
		{"no bank", officer1, with(func(in *models.PayeeInput) { in.Bank = " " }), models.ErrInvalid, "input.bank", ""},
		{"no holder", officer1, with(func(in *models.PayeeInput) { in.Holder = "" }), models.ErrInvalid, "input.holder", ""},
		{"household of another county", officer1, with(func(in *models.PayeeInput) { in.HouseholdID = "h3" }), models.ErrNotFound, "", ""},
		{"integrator", who("i", models.RoleIntegrator, county), good, models.ErrForbidden, "", ""},
		{"auditor", who("u", models.RoleAuditor, county), good, models.ErrForbidden, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			got, err := svc.SetPayee(ctx, tt.p, tt.in)
			if !errors.Is(err, tt.want) || fieldOf(err) != tt.field {
				t.Fatalf("SetPayee = %v, want %v on %q", err, tt.want, tt.field)
			}
			if err != nil {
				if strings.Contains(err.Error(), tt.in.Account) || len(f.payees) != 0 || len(f.audits) != 0 {
					t.Fatalf("refused SetPayee wrote %v / message %q repeats the account", f.audits, err)
				}
				return
			}
			if got.Account != tt.masked || f.payees[tt.in.HouseholdID].Account != tt.in.Account || !slices.Equal(f.audits, []string{"setPayee"}) {
				t.Fatalf("SetPayee gave %q, stored %q, audits %v", got.Account, f.payees[tt.in.HouseholdID].Account, f.audits)
			}
			read, err := svc.Payee(ctx, who("u", models.RoleAuditor, county), tt.in.HouseholdID)
			if err != nil || read.Account != tt.masked {
				t.Fatalf("Payee = %+v, %v; want masked %q", read, err, tt.masked)
			}
		})
	}
}

func TestRevealAccountIsAudited(t *testing.T) {
	f, svc := world()
	if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevealAccount(ctx, who("u", models.RoleAuditor, county), "h1"); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("auditor reveal = %v, want FORBIDDEN", err)
	}
	if _, err := svc.RevealAccount(ctx, who("o", models.RoleOfficer, other), "h1"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("reveal from another county = %v, want NOT_FOUND", err)
	}
	got, err := svc.RevealAccount(ctx, officer2, "h1")
	if err != nil || got != "6222021234567890123" || !slices.Equal(f.audits, []string{"setPayee", "revealPayeeAccount"}) {
		t.Fatalf("RevealAccount = %q, %v; audits %v", got, err, f.audits)
	}
}

func TestGenerateRefusesBadInput(t *testing.T) {
	tests := []struct {
		name          string
		p             auth.Principal
		county, month string
		want          error
		field         string
	}{
		{"month beyond the next", officer1, county, "2026-07", models.ErrInvalid, "month"},
		{"malformed month", officer1, county, "2026-5", models.ErrInvalid, "month"},
		{"county outside the caller's area", officer1, other, "2026-05", models.ErrNotFound, ""},
		{"not a county", officer1, township, "2026-05", models.ErrInvalid, "county"},
		{"unknown county", officer1, "371499000000", "2026-05", models.ErrInvalid, "county"},
		{"township officer", who("t", models.RoleOfficer, township), county, "2026-05", models.ErrForbidden, ""},
		{"assistant", who("a", models.RoleAssistant, county), county, "2026-05", models.ErrForbidden, ""},
		{"auditor", who("u", models.RoleAuditor, county), county, "2026-05", models.ErrForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			_, err := svc.Generate(ctx, tt.p, tt.county, tt.month)
			if !errors.Is(err, tt.want) || fieldOf(err) != tt.field {
				t.Fatalf("Generate = %v, want %v on %q", err, tt.want, tt.field)
			}
			if len(f.payrolls) != 0 || len(f.lines) != 0 {
				t.Fatalf("a refused generation wrote %d payrolls", len(f.payrolls))
			}
		})
	}
}

// lineKey is what identifies a payment regardless of ids.
func lineKey(l *models.PayrollLine) string {
	return strings.Join([]string{l.Reference, l.GrantID, l.Month, string(l.Kind), l.Amount.String(), string(l.Status)}, "|")
}

func TestGenerateApproveReconcileReissue(t *testing.T) {
	f, svc := world()
	if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}); err != nil {
		t.Fatal(err)
	}
	// April: g1 its April and March (arrears from its start date); g2 January to March as
	// arrears and April, all FAILED: h2 has no account.
	apr, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range f.linesOf(apr.ID) {
		got = append(got, lineKey(l))
	}
	want := []string{
		"371402-202604-0-000001|g1|2026-03|ARREARS|650.00|UNSETTLED",
		"371402-202604-0-000002|g1|2026-04|REGULAR|650.00|UNSETTLED",
		"371402-202604-0-000003|g2|2026-01|ARREARS|300.00|FAILED",
		"371402-202604-0-000004|g2|2026-02|ARREARS|300.00|FAILED",
		"371402-202604-0-000005|g2|2026-03|ARREARS|300.00|FAILED",
		"371402-202604-0-000006|g2|2026-04|REGULAR|300.00|FAILED",
	}
	if !slices.Equal(got, want) || apr.Total != 250000 || apr.LineCount != 6 {
		t.Fatalf("April lines =\n%s\nwant\n%s\ntotal %s", strings.Join(got, "\n"), strings.Join(want, "\n"), apr.Total)
	}
	// The computation is deterministic: the same inputs give the same lines.
	in, _ := f.PayrollInputs(ctx, store.ScopeFor(officer1), county)
	in2, _ := f.PayrollInputs(ctx, store.ScopeFor(officer1), county)
	a := svc.Lines(&models.Payroll{ID: "x", AreaCode: county, Month: "2026-05"}, in, policy.NewMonth(2026, 5), false)
	b := svc.Lines(&models.Payroll{ID: "x", AreaCode: county, Month: "2026-05"}, in2, policy.NewMonth(2026, 5), false)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("Lines gave %d then %d lines", len(a), len(b))
	}
	for i := range a {
		if lineKey(a[i]) != lineKey(b[i]) {
			t.Fatalf("line %d differs: %s / %s", i, lineKey(a[i]), lineKey(b[i]))
		}
	}

	if _, err := svc.Generate(ctx, officer2, county, "2026-04"); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second April payroll = %v, want CONFLICT", err)
	}
	if _, err := svc.Reconcile(ctx, officer2, apr.ID, nil, false); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("reconciling a draft = %v, want CONFLICT", err)
	}
	if err := svc.Export(ctx, officer2, apr.ID, func(*models.Payroll) error { return nil }, func(*models.PayrollLine) error { return nil }); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("exporting a draft = %v, want CONFLICT", err)
	}
	if _, err := svc.Approve(ctx, officer1, apr.ID); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("approval by the generating officer = %v, want FORBIDDEN", err)
	}
	if _, err := svc.Approve(ctx, who("o", models.RoleOfficer, other), apr.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("approval from another county = %v, want NOT_FOUND", err)
	}
	if _, err := svc.Approve(ctx, officer2, apr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, who("admin", models.RoleAdmin, county), apr.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second approval = %v, want CONFLICT", err)
	}

	// The bank's list holds the two lines with an account, in full; the export is audited.
	var exported []string
	err = svc.Export(ctx, officer2, apr.ID, func(*models.Payroll) error { return nil }, func(l *models.PayrollLine) error {
		exported = append(exported, l.Reference+" "+l.Account)
		return nil
	})
	if err != nil || len(exported) != 2 || exported[0] != "371402-202604-0-000001 6222021234567890123" || !slices.Contains(f.audits, "exportPayroll") {
		t.Fatalf("export = %v, %v; audits %v", exported, err, f.audits)
	}

	// A file with a wrong amount and an unknown reference writes nothing.
	bad := []models.Settlement{
		{Row: 2, Reference: "371402-202604-0-000001", Status: models.LinePaid, Amount: 65000},
		{Row: 3, Reference: "371402-202604-0-000002", Status: models.LinePaid, Amount: 65001},
		{Row: 4, Reference: "371402-202604-0-999999", Status: models.LinePaid, Amount: 100},
	}
	res, err := svc.Reconcile(ctx, officer2, apr.ID, bad, false)
	if !errors.Is(err, models.ErrInvalid) || fieldOf(err) != "records[row 3]" || len(res.Refused) != 2 || res.Paid != 0 {
		t.Fatalf("bad file = %+v, %v", res, err)
	}
	if !strings.Contains(res.Refused[1].Error(), "371402-202604-0-999999") || !strings.Contains(res.Refused[0].Error(), "differs") {
		t.Fatalf("refusals do not name the record: %v", res.Refused)
	}
	if tot, _ := svc.Totals(ctx, officer2, apr.ID); tot.Paid != 0 || tot.Unsettled != 130000 {
		t.Fatalf("a refused file wrote: %+v", tot)
	}
	// With partial, the good record is written.
	res, err = svc.Reconcile(ctx, officer2, apr.ID, bad, true)
	if err != nil || res.Paid != 1 || len(res.Refused) != 2 {
		t.Fatalf("partial = %+v, %v", res, err)
	}
	// The second line fails at the bank; the payroll is settled.
	res, err = svc.Reconcile(ctx, officer2, apr.ID, []models.Settlement{
		{Reference: "371402-202604-0-000001", Status: models.LinePaid, Amount: 65000},
		{Reference: "371402-202604-0-000002", Status: models.LineFailed, Amount: 65000, Reason: "账户已冻结"},
	}, false)
	if err != nil || res.Failed != 1 || res.Paid != 0 {
		t.Fatalf("settling = %+v, %v", res, err)
	}
	if pr, _ := svc.Payroll(ctx, officer2, apr.ID); pr.Status != models.PayrollSettled {
		t.Fatalf("payroll is %s, want SETTLED", pr.Status)
	}
	tot, _ := svc.Totals(ctx, officer2, apr.ID)
	if tot.Paid+tot.Failed+tot.Unsettled != apr.Total || tot.Paid != 65000 {
		t.Fatalf("totals %+v do not add up to %s", tot, apr.Total)
	}

	// A supplementary run re-issues the failed line of h1; h2 still has no account.
	sup, err := svc.GenerateSupplementary(ctx, officer1, county, "2026-04")
	if err != nil || sup.Run != 1 || sup.LineCount != 1 || sup.Total != 65000 {
		t.Fatalf("supplementary = %+v, %v", sup, err)
	}
	if l := f.linesOf(sup.ID)[0]; l.Kind != models.LineReissue || l.Month != "2026-04" || l.Attempt != 1 || l.Reference != "371402-202604-1-000001" {
		t.Fatalf("re-issue line = %+v", l)
	}
	if _, err := svc.Approve(ctx, officer2, sup.ID); err != nil {
		t.Fatal(err)
	}
	// May, once h2 has an account: May for both, h2's four failed months re-issued.
	if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h2", Bank: "农商银行", Account: "622202123456", Holder: "李秀英"}); err != nil {
		t.Fatal(err)
	}
	may, err := svc.Generate(ctx, officer1, county, "2026-05")
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, l := range f.linesOf(may.ID) {
		got = append(got, l.GrantID+"|"+l.Month+"|"+string(l.Kind)+"|"+string(l.Status))
	}
	want = []string{"g1|2026-05|REGULAR|UNSETTLED", "g2|2026-05|REGULAR|UNSETTLED",
		"g2|2026-01|REISSUE|UNSETTLED", "g2|2026-02|REISSUE|UNSETTLED", "g2|2026-03|REISSUE|UNSETTLED", "g2|2026-04|REISSUE|UNSETTLED"}
	if !slices.Equal(got, want) {
		t.Fatalf("May lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := svc.GenerateSupplementary(ctx, officer1, county, "2026-06"); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("supplementary run of a month without payroll = %v, want BAD_USER_INPUT", err)
	}
}

func TestLinesOfMasksAccounts(t *testing.T) {
	_, svc := world()
	if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}); err != nil {
		t.Fatal(err)
	}
	pr, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	ten, two, zero, big := 10, 2, 0, 101
	page, err := svc.LinesOf(ctx, who("u", models.RoleAuditor, county), pr.ID, store.PageArgs{First: &ten})
	if err != nil || len(page.Items) != 6 || page.Items[0].Account != "***************0123" || page.HasNextPage || page.HasPreviousPage {
		t.Fatalf("LinesOf = %+v, %v", page, err)
	}
	if n, err := page.Count(); n != 6 || err != nil || page.Cursors[1] != payroll.Cursor(&page.Items[1]) {
		t.Fatalf("count = %d, %v; cursors %v", n, err, page.Cursors)
	}
	after := page.Cursors[1]
	page, err = svc.LinesOf(ctx, officer1, pr.ID, store.PageArgs{First: &two, After: &after})
	if err != nil || len(page.Items) != 2 || page.Items[0].Seq != 3 || !page.HasNextPage || !page.HasPreviousPage {
		t.Fatalf("second page = %+v, %v", page, err)
	}
	before := page.Cursors[0]
	page, err = svc.LinesOf(ctx, officer1, pr.ID, store.PageArgs{Last: &two, Before: &before})
	if err != nil || len(page.Items) != 2 || page.Items[0].Seq != 1 || page.HasPreviousPage || !page.HasNextPage {
		t.Fatalf("backward page = %+v, %v", page, err)
	}
	if _, err := svc.LinesOf(ctx, who("a", models.RoleAssistant, county), pr.ID, store.PageArgs{First: &ten}); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("assistant reads payroll lines: %v", err)
	}
	for _, bad := range []store.PageArgs{{First: &big}, {Last: &big}, {First: &zero, Last: &zero}, {After: new(string)}} {
		if bad.After != nil {
			*bad.After = "x"
		}
		if _, err := svc.LinesOf(ctx, officer1, pr.ID, bad); !errors.Is(err, models.ErrInvalid) || fieldOf(err) == "" {
			t.Fatalf("LinesOf(%+v) = %v, want BAD_USER_INPUT naming the argument", bad, err)
		}
	}
}

// TestGrantWithoutHistory pays a grant loaded without its status history (older records)
// as moved to its status on its start date, and each month from that month's payroll.
func TestGrantWithoutHistory(t *testing.T) {
	f, svc := world()
	f.grants = []*store.PayrollGrant{{ID: "g9", HouseholdID: "h1", AreaCode: village, ProgramCode: "URBAN_DIBAO", CategoryCode: "SUBSISTENCE",
		Status: models.GrantActive, Amount: 50000, StartDate: models.NewDate(2026, 2, 10)}}
	months := func(id string) []string {
		var out []string
		for _, l := range f.linesOf(id) {
			out = append(out, l.Month+" "+string(l.Kind))
		}
		return out
	}
	apr, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil || !slices.Equal(months(apr.ID), []string{"2026-02 ARREARS", "2026-04 REGULAR"}) {
		t.Fatalf("April = %v, %v", months(apr.ID), err)
	}
	mar, err := svc.Generate(ctx, officer1, county, "2026-03")
	if err != nil || !slices.Equal(months(mar.ID), []string{"2026-03 REGULAR"}) {
		t.Fatalf("March, generated after April = %v, %v", months(mar.ID), err)
	}
	f.grants[0].Status = models.GrantSuspended
	may, err := svc.Generate(ctx, officer1, county, "2026-05")
	if err != nil || len(months(may.ID)) != 0 {
		t.Fatalf("a suspended grant without history is paid in May: %v, %v", months(may.ID), err)
	}
}

// TestPaidIn adds up the lines reconciled PAID this month and year, inside the caller's
// area and, for an integrator, its categories.
func TestPaidIn(t *testing.T) {
	f, svc := world()
	if _, err := svc.SetPayee(ctx, officer1, models.PayeeInput{HouseholdID: "h1", Bank: "德州银行", Account: "6222021234567890123", Holder: "王建国"}); err != nil {
		t.Fatal(err)
	}
	pr, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, officer2, pr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reconcile(ctx, officer2, pr.ID, []models.Settlement{
		{Reference: Ref(pr, 1), Status: models.LinePaid, Amount: 65000},
		{Reference: Ref(pr, 2), Status: models.LineFailed, Amount: 65000, Reason: "冻结"},
	}, true); err != nil {
		t.Fatal(err)
	}
	_ = f
	tests := []struct {
		name  string
		p     auth.Principal
		area  string
		year  bool
		want  models.Money
		error error
	}{
		{"county officer, this month", officer1, county, false, 65000, nil},
		{"county officer, this year", officer1, county, true, 65000, nil},
		{"village assistant", who("a", models.RoleAssistant, village), village, false, 65000, nil},
		{"another village", who("a", models.RoleAssistant, "371402001002"), "371402001002", false, 0, nil},
		{"integrator of the category", auth.Principal{Subject: "i", Role: models.RoleIntegrator, Area: county, Categories: []string{"SUBSISTENCE"}}, county, true, 65000, nil},
		{"integrator of another category", auth.Principal{Subject: "i", Role: models.RoleIntegrator, Area: county, Categories: []string{"MEDICAL"}}, county, true, 0, nil},
		{"another county's officer asking for this one", who("o", models.RoleOfficer, other), county, true, 0, models.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.PaidIn(ctx, tt.p, tt.area, tt.year)
			if !errors.Is(err, tt.error) || got != tt.want {
				t.Fatalf("PaidIn = %s, %v; want %s, %v", got, err, tt.want, tt.error)
			}
		})
	}
	later := &payroll.Service{Store: f, Now: func() time.Time { return now.AddDate(0, 1, 0) }}
	if got, _ := later.PaidIn(ctx, officer1, county, false); got != 0 {
		t.Fatalf("paid next month = %s, want 0", got)
	}
	if got, _ := later.PaidIn(ctx, officer1, county, true); got != 65000 {
		t.Fatalf("paid this year, next month = %s, want 650.00", got)
	}
}

// Ref is payroll.Reference.
func Ref(pr *models.Payroll, seq int) string { return payroll.Reference(pr, seq) }

// TestDiscardAndGenerateAgain discards a draft and generates the month again: the same
// lines; an approved payroll cannot be discarded.
func TestDiscardAndGenerateAgain(t *testing.T) {
	f, svc := world()
	keys := func(id string) []string {
		var out []string
		for _, l := range f.linesOf(id) {
			out = append(out, lineKey(l))
		}
		return out
	}
	first, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil {
		t.Fatal(err)
	}
	was := keys(first.ID)
	if _, err := svc.Discard(ctx, who("o", models.RoleOfficer, other), first.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("discard from another county = %v", err)
	}
	if _, err := svc.Discard(ctx, who("t", models.RoleOfficer, township), first.ID); !errors.Is(err, models.ErrForbidden) {
		t.Fatalf("discard by a township officer = %v", err)
	}
	if _, err := svc.Discard(ctx, officer1, first.ID); err != nil {
		t.Fatal(err)
	}
	again, err := svc.Generate(ctx, officer1, county, "2026-04")
	if err != nil || !slices.Equal(keys(again.ID), was) || again.Total != first.Total {
		t.Fatalf("generated again: %v, %v; was %v", keys(again.ID), err, was)
	}
	if _, err := svc.Approve(ctx, officer2, again.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Discard(ctx, officer2, again.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("discarding an approved payroll = %v, want CONFLICT", err)
	}
}

// TestApproveAndDiscardShareTheirChecks runs the checks of a payroll still to lock
// through both use cases: each refusal leaves the payroll as it was and audits nothing.
func TestApproveAndDiscardShareTheirChecks(t *testing.T) {
	acts := map[string]func(*payroll.Service, auth.Principal, string) (*models.Payroll, error){
		"approve": func(s *payroll.Service, p auth.Principal, id string) (*models.Payroll, error) {
			return s.Approve(ctx, p, id)
		},
		"discard": func(s *payroll.Service, p auth.Principal, id string) (*models.Payroll, error) {
			return s.Discard(ctx, p, id)
		},
	}
	tests := []struct {
		name     string
		who      auth.Principal
		id       string // "" for the generated payroll
		approved bool   // approve the payroll first
		want     error
	}{
		{name: "an assistant", who: who("a", models.RoleAssistant, county), want: models.ErrForbidden},
		{name: "an auditor", who: who("u", models.RoleAuditor, county), want: models.ErrForbidden},
		{name: "a township officer", who: who("t", models.RoleOfficer, township), want: models.ErrForbidden},
		{name: "another county's officer", who: who("o", models.RoleOfficer, other), want: models.ErrNotFound},
		{name: "an unknown payroll", who: officer2, id: "nope", want: models.ErrNotFound},
		{name: "an approved payroll", who: officer2, approved: true, want: models.ErrConflict},
	}
	for act, do := range acts {
		for _, tt := range tests {
			t.Run(act+"/"+tt.name, func(t *testing.T) {
				f, svc := world()
				pr, err := svc.Generate(ctx, officer1, county, "2026-04")
				if err != nil {
					t.Fatal(err)
				}
				if tt.approved {
					if _, err := svc.Approve(ctx, officer2, pr.ID); err != nil {
						t.Fatal(err)
					}
				}
				id := pr.ID
				if tt.id != "" {
					id = tt.id
				}
				audits, status, lines := len(f.audits), f.payrolls[pr.ID].Status, len(f.linesOf(pr.ID))
				if _, err := do(svc, tt.who, id); !errors.Is(err, tt.want) {
					t.Fatalf("%s = %v, want %v", act, err, tt.want)
				}
				if len(f.audits) != audits || f.payrolls[pr.ID].Status != status || len(f.linesOf(pr.ID)) != lines {
					t.Fatalf("refused %s changed the payroll: audits %v, status %s, %d lines", act, f.audits, f.payrolls[pr.ID].Status, len(f.linesOf(pr.ID)))
				}
			})
		}
	}
}
