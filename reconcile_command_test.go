package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/households"
	"jiuzhu/casework/payroll"
	"jiuzhu/casework/staffing"
	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// TestImportReconciliationCommand generates and approves a payroll on the demo SQLite
// database, then runs "jiuzhu import reconciliation" on the bank's return file: refused
// whole for a bad record, then partial, then the rest; the payroll ends SETTLED with
// paid + failed = total.
func TestImportReconciliationCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("JIUZHU_TOKEN", "")
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data-dir", dir}, &out); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(dir, "jiuzhu.db"), Rules: casework.DefaultRules()}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	county := "371402000000"
	admin := auth.WithPrincipal(ctx, auth.Principal{Subject: "admin", Role: models.RoleAdmin, Area: county})
	svc := payroll.New(st)
	first := time.Now().In(policy.ChinaTime)
	// A standard of 650.00 pays each one-person household without income 650.00 (P18).
	if _, err := staffing.New(st, policy.DefaultConfig()).SetDibaoStandard(admin, county, first.Year(), models.Yuan(650), models.Yuan(640)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		h, err := households.New(st).CreateHousehold(admin, models.HouseholdInput{Village: "371402001001", Address: "发放路1号",
			Members: []*models.MemberInput{{Name: "王建国", IDNumber: idnumber.Build("371402", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), 11+2*i), Relation: models.RelationHead}}})
		if err != nil {
			t.Fatalf("household: %v", err)
		}
		if _, err := grantCases(st).CreateGrant(admin, models.GrantInput{HouseholdID: h.ID, ProgramCode: "URBAN_DIBAO", Amount: models.Yuan(650),
			StartDate: models.NewDate(first.Year(), first.Month(), 1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetPayee(ctx, auth.Principal{Subject: "officer-1", Role: models.RoleOfficer, Area: county},
			models.PayeeInput{HouseholdID: h.ID, Bank: "德州银行", Account: fmt.Sprintf("62220200000000%05d", i), Holder: "王建国"}); err != nil {
			t.Fatal(err)
		}
	}
	month := (policy.MonthOf(time.Now()) + 1).String()
	pr, err := svc.Generate(ctx, auth.Principal{Subject: "officer-1", Role: models.RoleOfficer, Area: county}, county, month)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, auth.Principal{Subject: "officer-2", Role: models.RoleOfficer, Area: county}, pr.ID); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	out.Reset()
	if err := run(ctx, []string{"token", "--data-dir", dir, "--role", "officer", "--area", county, "--sub", "officer-2"}, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	ref := func(seq int) string { return payroll.Reference(pr, seq) }
	file := filepath.Join(dir, "return.csv")
	write := func(rows ...string) {
		t.Helper()
		body := "\ufeff参考号,状态,金额,原因\n" + strings.Join(rows, "\n") + "\n"
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	report := filepath.Join(dir, "refused.csv")
	tests := []struct {
		name    string
		rows    []string
		partial bool
		want    string
		wantErr string
	}{
		{"a bad amount and a foreign line: nothing written", []string{ref(1) + ",成功,650.00,", ref(2) + ",成功,650.01,", "371403-" + month[:4] + month[5:] + "-0-000001,失败,1.00,户名不符"},
			false, "0 paid, 0 failed, 2 refused (NOTHING WRITTEN", "nothing written"},
		{"partial", []string{ref(1) + ",成功,650.00,", ref(2) + ",成功,abc,"}, true, "1 paid, 0 failed, 1 refused (written)", ""},
		{"the rest", []string{ref(1) + ",成功,650.00,", ref(2) + ",失败,650.00,账户冻结", ref(3) + ",PAID,650.00,", ref(4) + ",成功,650.00,", ref(5) + ",成功,650.00,", ref(6) + ",成功,650.00,"},
			false, "4 paid, 1 failed, 0 refused (written)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.rows...)
			args := []string{"import", "--data-dir", dir, "reconciliation", file, "--token", tok, "--report", report}
			if tt.partial {
				args = append(args, "--partial")
			}
			var out bytes.Buffer
			err := run(ctx, args, &out)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
		})
	}
	rep, err := os.ReadFile(report)
	if err != nil || !strings.HasPrefix(string(rep), "record,reason\n") {
		t.Errorf("report %q %v", rep, err)
	}
	st, err = store.Open(ctx, store.Config{SQLitePath: filepath.Join(dir, "jiuzhu.db"), Rules: casework.DefaultRules()}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := auth.Principal{Subject: "auditor", Role: models.RoleAuditor, Area: county}
	svc = payroll.New(st)
	got, err := svc.Payroll(ctx, p, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	tot, err := svc.Totals(ctx, p, pr.ID)
	if err != nil || got.Status != models.PayrollSettled || tot.Paid != models.Yuan(650*5) || tot.Failed != models.Yuan(650) || tot.Unsettled != 0 {
		t.Fatalf("payroll %s, totals %+v, %v", got.Status, tot, err)
	}
}
