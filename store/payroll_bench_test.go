package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/payroll"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// benchPayrollGrants is how many grants the payroll benchmarks put in county A:
// JZ_PAYROLL_GRANTS, or 500,000 — a quarter of the city's 2,000,000 grants, more than any
// county of Dezhou holds, in one county's payroll.
func benchPayrollGrants(b *testing.B) int {
	if v := os.Getenv("JZ_PAYROLL_GRANTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			b.Fatalf("JZ_PAYROLL_GRANTS=%q", v)
		}
		return n
	}
	return 500_000
}

// payrollBenchStore fills a PostgreSQL store with n ACTIVE dibao grants of 650.00 over
// the villages of county A, two per household, each approved last month from the first
// of this month (so this month's payroll has one line a grant), their households and a
// payee for every household, by INSERT … SELECT in the database.
func payrollBenchStore(b *testing.B, n int) (*store.Store, *payroll.Service) {
	b.Helper()
	if os.Getenv(storetest.EnvURL) == "" {
		b.Skip("needs PostgreSQL (TEST_DATABASE_URL)")
	}
	st := storetest.MustOpen(b, store.Postgres)
	var villages []string
	for _, v := range st.Tree().Within(countyA, models.LevelVillage) {
		villages = append(villages, "'"+v.Code+"'")
	}
	now := time.Now().In(policy.ChinaTime)
	start := models.NewDate(now.Year(), now.Month(), 1)
	approved := time.Date(now.Year(), now.Month()-1, 5, 10, 0, 0, 0, policy.ChinaTime)
	began := time.Now()
	for _, step := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO grants (id, household_id, area_code, program_code, category_code, status, amount, start_date, version, created_by, created_at, updated_at, review_flag)
		 SELECT 'g' || i, 'h' || (i / 2), (ARRAY[` + strings.Join(villages, ",") + `])[1 + (i / 2) % ` + strconv.Itoa(len(villages)) + `],
		        'URBAN_DIBAO', ?, 'ACTIVE', 65000, ?, 1, 'bench', now(), now(), false
		 FROM generate_series(0, ?) AS i`, []any{catalogue.CategoryDibao, start, n - 1}},
		{`INSERT INTO grant_events (id, grant_id, area_code, actor, actor_role, actor_area, to_status, reason, created_at)
		 SELECT 'e' || id, id, area_code, 'bench', 'officer', '371402000000', 'ACTIVE', 'approved', ? FROM grants`, []any{approved}},
		{`INSERT INTO households (id, area_code, address, poverty_registered, version, created_at, updated_at)
		 SELECT household_id, min(area_code), '', false, 1, now(), now() FROM grants GROUP BY household_id`, nil},
		{`INSERT INTO payees (household_id, area_code, bank, account, holder, version, updated_by, created_at, updated_at)
		 SELECT household_id, min(area_code), '德州银行', (6222000000000000000 + row_number() OVER ())::text, '王建国', 1, 'bench', now(), now()
		 FROM grants GROUP BY household_id`, nil},
		{`ANALYZE`, nil},
	} {
		if err := store.ExecUnscoped(st, step.q, step.args...); err != nil {
			b.Fatalf("%.60s: %v", step.q, err)
		}
	}
	b.Logf("loaded %d grants of county A in %s", n, time.Since(began).Round(time.Millisecond))
	return st, payroll.New(st)
}

// BenchmarkGeneratePayroll generates county A's payroll of this month over
// benchPayrollGrants grants, one line a grant; the payroll is deleted between runs.
func BenchmarkGeneratePayroll(b *testing.B) {
	n := benchPayrollGrants(b)
	st, svc := payrollBenchStore(b, n)
	ctx := context.Background()
	p := auth.Principal{Subject: "officer-1", Role: models.RoleOfficer, Area: countyA}
	month := policy.MonthOf(time.Now()).String()
	began := time.Now()
	in, err := st.Payroll().PayrollInputs(ctx, store.ScopeFor(p), countyA)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("read the inputs of %d grants in %s", len(in.Grants), time.Since(began).Round(time.Millisecond))
	var lines int
	b.ResetTimer()
	for range b.N {
		pr, err := svc.Generate(ctx, p, countyA, month)
		if err != nil {
			b.Fatal(err)
		}
		lines = pr.LineCount
		b.StopTimer()
		for _, q := range []string{`DELETE FROM payroll_lines`, `DELETE FROM payrolls`} {
			if err := store.ExecUnscoped(st, q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	if lines != n {
		b.Fatalf("%d lines for %d grants", lines, n)
	}
	b.ReportMetric(float64(n)/(b.Elapsed().Seconds()/float64(b.N)), "grants/s")
}

// BenchmarkReconcilePayroll reconciles an approved payroll of benchPayrollGrants lines
// (this month's, one a grant; one in fifty failed), all records in
// one call, as "jiuzhu import reconciliation" does; the lines are set back to unsettled
// between runs.
func BenchmarkReconcilePayroll(b *testing.B) {
	n := benchPayrollGrants(b)
	st, svc := payrollBenchStore(b, n)
	ctx := context.Background()
	pr, err := svc.Generate(ctx, auth.Principal{Subject: "officer-1", Role: models.RoleOfficer, Area: countyA}, countyA, policy.MonthOf(time.Now()).String())
	if err != nil {
		b.Fatal(err)
	}
	approver := auth.Principal{Subject: "officer-2", Role: models.RoleOfficer, Area: countyA}
	if _, err := svc.Approve(ctx, approver, pr.ID); err != nil {
		b.Fatal(err)
	}
	records := make([]models.Settlement, 0, pr.LineCount)
	for seq := 1; seq <= pr.LineCount; seq++ {
		r := models.Settlement{Row: seq + 1, Reference: payroll.Reference(pr, seq), Status: models.LinePaid, Amount: 65000}
		if seq%50 == 0 {
			r.Status, r.Reason = models.LineFailed, "账户冻结"
		}
		records = append(records, r)
	}
	b.ResetTimer()
	for range b.N {
		res, err := svc.Reconcile(ctx, approver, pr.ID, records, false)
		if err != nil || res.Paid+res.Failed != len(records) {
			b.Fatalf("reconcile: %+v, %v", res, err)
		}
		b.StopTimer()
		for _, q := range []string{`UPDATE payroll_lines SET status = 'UNSETTLED', reason = '', settled_at = NULL WHERE payroll_id = ?`, `UPDATE payrolls SET status = 'APPROVED' WHERE id = ?`} {
			if err := store.ExecUnscoped(st, q, pr.ID); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(records)), "lines")
	b.ReportMetric(float64(len(records))/(b.Elapsed().Seconds()/float64(b.N)), "lines/s")
}
