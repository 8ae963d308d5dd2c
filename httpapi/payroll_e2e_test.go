package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"jiuzhu/casework/reports"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jiuzhu/auth"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const (
	setPayeeQ = `mutation($in: PayeeInput!) { setPayee(input: $in) { householdId bank account holder } }`
	payeeQ    = `query($h: ID!, $r: Boolean) { payee(householdId: $h) { account(reveal: $r) } }`
	generateQ = `mutation($c: String!, $m: String!) { generatePayroll(county: $c, month: $m) { id status lineCount total } }`
	approveQ  = `mutation($id: ID!) { approvePayroll(id: $id) { id status approvedBy } }`
	reconcile = `mutation($id: ID!, $r: [SettlementInput!]!, $p: Boolean) { importReconciliation(payrollId: $id, records: $r, partial: $p) { paid failed refused { field message } } }`
	payrollQ  = `query($id: ID!) { payroll(id: $id) { status total paid failed unsettled lineCount county { code }
	  lines(first: 2) { pageInfo { hasNextPage endCursor } edges { node { reference account amount month kind } } } } }`
)

type payrollView struct {
	Payroll struct {
		Status, Total, Paid, Failed, Unsettled string
		LineCount                              int
		County                                 struct{ Code string }
		Lines                                  struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Node struct{ Reference, Account, Amount, Month, Kind string }
			}
		}
	}
}

// getStream asks for path and returns the response with its body unread.
func (e *env) getStream(token, path string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestPayrollThroughTheAPI sets payees, generates a county's payroll for next month,
// approves it by a second officer, downloads the bank's list as CSV and XLSX from a
// running server (streamed: chunked, flushed as it goes) and reconciles the bank's
// return file, through the API only, with every refusal on the way (P22).
func TestPayrollThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		admin := e.token(models.RoleAdmin, "371400000000")
		sign := func(sub string, role models.Role, area string) string {
			tok, err := e.verifier.Sign(auth.Principal{Subject: sub, Role: role, Area: area}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		officer1 := sign("officer-1", models.RoleOfficer, countyA)
		officer2 := sign("officer-2", models.RoleOfficer, countyA)
		officerB := sign("officer-b", models.RoleOfficer, countyB)
		auditor := sign("auditor", models.RoleAuditor, countyA)

		// Households of county A with a dibao grant each, from the first of this month:
		// next month's payroll pays this month as arrears and next month.
		const n = 700
		var households []string
		first := time.Now().In(policy.ChinaTime)
		startDate := models.NewDate(first.Year(), first.Month(), 1).String()
		// A standard of 650.00 pays each one-person household without income 650.00 (P18).
		e.ok(admin, `mutation($y: Int!) { setDibaoStandard(county: "`+villageA1[:6]+`000000", year: $y, urban: "650.00", rural: "640.00") { id } }`,
			map[string]any{"y": first.Year()}, &struct{}{})
		for i := range n {
			var h struct{ CreateHousehold struct{ ID string } }
			e.ok(admin, `mutation($v: String!, $id: String!) { createHousehold(input: {village: $v, address: "发放路1号", members: [{name: "王建国", idNumber: $id, relation: HEAD}]}) { id } }`,
				map[string]any{"v": villageA1, "id": testIDNumber(i)}, &h)
			var g struct{ CreateGrant struct{ ID string } }
			e.ok(admin, `mutation($h: ID!, $d: Date!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "650.00", startDate: $d}) { id } }`,
				map[string]any{"h": h.CreateHousehold.ID, "d": startDate}, &g)
			households = append(households, h.CreateHousehold.ID)
		}
		if r := e.do(officer1, setPayeeQ, map[string]any{"in": map[string]any{"householdId": households[0], "bank": "德州银行", "account": "6222-0212-3456-7890", "holder": "王建国"}}); r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.raw, "input.account") {
			t.Fatalf("malformed account: %s", r.raw)
		}
		for i, h := range households[:n-1] { // the last household has no account yet
			var p struct{ SetPayee struct{ Account string } }
			e.ok(officer1, setPayeeQ, map[string]any{"in": map[string]any{"householdId": h, "bank": "德州银行", "account": "622202" + pad(i, 13), "holder": "王建国"}}, &p)
			if p.SetPayee.Account != "***************"+pad(i, 13)[9:] {
				t.Fatalf("setPayee answers the account %q", p.SetPayee.Account)
			}
		}
		var masked, revealed struct{ Payee struct{ Account string } }
		e.ok(auditor, payeeQ, map[string]any{"h": households[1], "r": false}, &masked)
		e.ok(officer2, payeeQ, map[string]any{"h": households[1], "r": true}, &revealed)
		if masked.Payee.Account != "***************0001" || revealed.Payee.Account != "6222020000000000001" {
			t.Fatalf("payee account masked %q, revealed %q", masked.Payee.Account, revealed.Payee.Account)
		}
		if r := e.do(auditor, payeeQ, map[string]any{"h": households[1], "r": true}); r.code() != httpapi.CodeForbidden {
			t.Fatalf("an auditor's reveal: %s", r.raw)
		}

		month := (policy.MonthOf(time.Now()) + 1).String()
		if r := e.do(officer1, generateQ, map[string]any{"c": countyA, "m": (policy.MonthOf(time.Now()) + 2).String()}); r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.raw, `"month"`) {
			t.Fatalf("a payroll two months ahead: %s", r.raw)
		}
		if r := e.do(officerB, generateQ, map[string]any{"c": countyA, "m": month}); r.code() != httpapi.CodeNotFound {
			t.Fatalf("another county's officer generates: %s", r.raw)
		}
		var gen struct {
			GeneratePayroll struct {
				ID, Status, Total string
				LineCount         int
			}
		}
		e.ok(officer1, generateQ, map[string]any{"c": countyA, "m": month}, &gen)
		id := gen.GeneratePayroll.ID
		if gen.GeneratePayroll.LineCount != 2*n || gen.GeneratePayroll.Total != models.Yuan(650*2*n).String() || gen.GeneratePayroll.Status != "DRAFT" {
			t.Fatalf("generated %+v", gen.GeneratePayroll)
		}
		if r := e.do(officer2, generateQ, map[string]any{"c": countyA, "m": month}); r.code() != httpapi.CodeConflict {
			t.Fatalf("a second payroll of the month: %s", r.raw)
		}
		if res := e.getStream(officer1, "/export/payroll/"+id+".csv"); res.StatusCode != http.StatusConflict {
			t.Fatalf("export of a draft: %d", res.StatusCode)
		}
		if r := e.do(officer1, approveQ, map[string]any{"id": id}); r.code() != httpapi.CodeForbidden {
			t.Fatalf("approval by the generating officer: %s", r.raw)
		}
		var ap struct {
			ApprovePayroll struct{ Status, ApprovedBy string }
		}
		e.ok(officer2, approveQ, map[string]any{"id": id}, &ap)
		if ap.ApprovePayroll.Status != "APPROVED" || ap.ApprovePayroll.ApprovedBy != "officer-2" {
			t.Fatalf("approved %+v", ap.ApprovePayroll)
		}

		for _, tt := range []struct {
			name, token, path string
			status            int
		}{
			{"no token", "", "/export/payroll/" + id + ".csv", http.StatusUnauthorized},
			{"another county", officerB, "/export/payroll/" + id + ".csv", http.StatusNotFound},
			{"another county, xlsx", officerB, "/export/payroll/" + id + ".xlsx", http.StatusNotFound},
			{"an auditor", auditor, "/export/payroll/" + id + ".xlsx", http.StatusForbidden},
			{"a township officer", sign("t", models.RoleOfficer, townshipA1), "/export/payroll/" + id + ".csv", http.StatusForbidden},
			{"an unknown format", officer2, "/export/payroll/" + id + ".pdf", http.StatusNotFound},
			{"an unknown payroll", officer2, "/export/payroll/01900000-0000-7000-8000-000000000001.csv", http.StatusNotFound},
		} {
			if res := e.getStream(tt.token, tt.path); res.StatusCode != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, res.StatusCode, tt.status)
			}
		}

		// The CSV: sent in chunks as it is written, without a length.
		res := e.getStream(officer2, "/export/payroll/"+id+".csv")
		if res.StatusCode != http.StatusOK || !slices.Equal(res.TransferEncoding, []string{"chunked"}) || res.ContentLength != -1 ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("csv: status %d, transfer %v, length %d, headers %v", res.StatusCode, res.TransferEncoding, res.ContentLength, res.Header)
		}
		body, err := io.ReadAll(bufio.NewReader(res.Body))
		if err != nil || !bytes.HasPrefix(body, []byte("\ufeff")) {
			t.Fatalf("csv body: %v", err)
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[0], httpapi.PayrollHeaders) || len(recs) != 1+2*(n-1) {
			t.Fatalf("csv: header %v, %d records, want %d", recs[0], len(recs), 1+2*(n-1))
		}
		var sum models.Money
		var records []map[string]any
		for i, r := range recs[1:] {
			a, err := models.ParseMoney(r[4])
			if err != nil || len(r[3]) != 19 || strings.Contains(r[3], "*") {
				t.Fatalf("csv line %v: %v", r, err)
			}
			sum += a
			rec := map[string]any{"reference": r[5], "status": "PAID", "amount": r[4]}
			if i%10 == 0 {
				rec["status"], rec["reason"] = "FAILED", "账户已冻结"
			}
			records = append(records, rec)
		}
		if sum != models.Yuan(650*2*(n-1)) {
			t.Fatalf("csv adds up to %s", sum)
		}

		res = e.getStream(officer2, "/export/payroll/"+id+".xlsx")
		xbody, _ := io.ReadAll(res.Body)
		f, err := excelize.OpenReader(bytes.NewReader(xbody))
		if err != nil || res.StatusCode != http.StatusOK || !slices.Equal(res.TransferEncoding, []string{"chunked"}) {
			t.Fatalf("xlsx: %d, transfer %v, %v", res.StatusCode, res.TransferEncoding, err)
		}
		defer f.Close()
		rows, err := f.GetRows(httpapi.PayrollSheet)
		if err != nil || len(rows) != len(recs) || !slices.Equal(rows[0], httpapi.PayrollHeaders) || !slices.Equal(rows[1], recs[1]) {
			t.Fatalf("xlsx: %d rows (%v), first %v / %v", len(rows), err, rows[0], rows[1])
		}
		if typ, _ := f.GetCellType(httpapi.PayrollSheet, "D2"); typ == excelize.CellTypeNumber {
			t.Fatal("the account number is a number cell: digits would be lost")
		}
		op := "exportPayroll"
		events, err := reports.New(st).AuditEvents(storetest.As(models.RoleAdmin, countyA), store.AuditQuery{Filter: &models.AuditFilter{Operation: &op}})
		if err != nil {
			t.Fatal(err)
		}
		exports := 0
		for _, ev := range events.Items {
			if ev.Operation == "exportPayroll" && slices.Contains(ev.Records(), id) {
				exports++
			}
		}
		if exports != 2 {
			t.Fatalf("%d exports audited, want 2", exports)
		}

		// An export longer than the server's WriteTimeout is not cut off while it makes
		// progress: 1 ms a line, about 1.4 s, against a WriteTimeout of 300 ms.
		slow := httptest.NewUnstartedServer(httpapi.New(httpapi.Options{Store: st, Verifier: e.verifier}))
		slow.Config.WriteTimeout = 300 * time.Millisecond
		slow.Start()
		defer slow.Close()
		restoreSlow := httpapi.SlowExports(time.Millisecond, 300*time.Millisecond)
		for _, ext := range []string{"csv", "xlsx"} {
			se := *e
			se.url = slow.URL
			res := se.getStream(officer2, "/export/payroll/"+id+"."+ext)
			b, err := io.ReadAll(res.Body)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("a slow %s export: %d, %d bytes, %v", ext, res.StatusCode, len(b), err)
			}
			if ext == "csv" && !bytes.Equal(b, body) {
				t.Fatalf("a slow csv export differs: %d bytes, want %d", len(b), len(body))
			}
			if ext == "xlsx" {
				f, err := excelize.OpenReader(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("a slow xlsx export: %v", err)
				}
				rows, err := f.GetRows(httpapi.PayrollSheet)
				f.Close()
				if err != nil || len(rows) != len(recs) {
					t.Fatalf("a slow xlsx export: %d rows, %v", len(rows), err)
				}
			}
		}
		restoreSlow()

		// A list longer than a sheet holds goes on in further sheets, each with the
		// header: at 500 rows a sheet, the lines fill three sheets.
		restore := httpapi.SetXLSXSheetRows(500)
		res = e.getStream(officer2, "/export/payroll/"+id+".xlsx")
		xbody, _ = io.ReadAll(res.Body)
		restore()
		if f, err = excelize.OpenReader(bytes.NewReader(xbody)); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("xlsx over sheets: %d, %v", res.StatusCode, err)
		}
		defer f.Close()
		sheets := []string{httpapi.PayrollSheet, httpapi.PayrollSheet + " (2)", httpapi.PayrollSheet + " (3)"}
		if got := f.GetSheetList(); !slices.Equal(got, sheets) {
			t.Fatalf("xlsx over sheets: %v, want %v", got, sheets)
		}
		var lines [][]string
		for _, sheet := range sheets {
			rows, err := f.GetRows(sheet)
			if err != nil || len(rows) > 500 || !slices.Equal(rows[0], httpapi.PayrollHeaders) {
				t.Fatalf("sheet %s: %d rows, %v", sheet, len(rows), err)
			}
			lines = append(lines, rows[1:]...)
		}
		if !slices.EqualFunc(lines, recs[1:], slices.Equal[[]string]) {
			t.Fatalf("xlsx over sheets: %d lines, want the csv's %d", len(lines), len(recs)-1)
		}

		// A return file with a foreign reference and a wrong amount writes nothing.
		bad := append(slices.Clone(records[:3]),
			map[string]any{"reference": "371403-000000-0-000001", "status": "PAID", "amount": "650.00"},
			map[string]any{"reference": records[3]["reference"], "status": "PAID", "amount": "650.01"})
		r := e.do(officer2, reconcile, map[string]any{"id": id, "r": bad})
		if r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.raw, "records[3]") {
			t.Fatalf("bad return file: %s", r.raw)
		}
		var pv payrollView
		e.ok(officer2, payrollQ, map[string]any{"id": id}, &pv)
		if pv.Payroll.Paid != "0.00" || pv.Payroll.Unsettled != models.Yuan(650*2*(n-1)).String() {
			t.Fatalf("a refused file wrote: %+v", pv.Payroll)
		}
		var partial struct {
			ImportReconciliation struct {
				Paid, Failed int
				Refused      []struct{ Field, Message string }
			}
		}
		e.ok(officer2, reconcile, map[string]any{"id": id, "r": bad, "p": true}, &partial)
		if partial.ImportReconciliation.Paid != 2 || partial.ImportReconciliation.Failed != 1 || len(partial.ImportReconciliation.Refused) != 2 {
			t.Fatalf("partial: %+v", partial.ImportReconciliation)
		}
		for i := 0; i < len(records); i += 1000 {
			e.ok(officer2, reconcile, map[string]any{"id": id, "r": records[i:min(i+1000, len(records))]}, &partial)
		}
		e.ok(auditor, payrollQ, map[string]any{"id": id}, &pv)
		p := pv.Payroll
		paid, _ := models.ParseMoney(p.Paid)
		failed, _ := models.ParseMoney(p.Failed)
		unsettled, _ := models.ParseMoney(p.Unsettled)
		total, _ := models.ParseMoney(p.Total)
		if paid+failed+unsettled != total || unsettled != 0 || p.Status != "SETTLED" || p.County.Code != countyA {
			t.Fatalf("after reconciliation: %+v", p)
		}
		if l := p.Lines.Edges[0].Node; !strings.HasPrefix(l.Account, "*****") || !p.Lines.PageInfo.HasNextPage || l.Kind != "ARREARS" {
			t.Fatalf("lines through the API: %+v", p.Lines)
		}
		if r := e.do(officerB, payrollQ, map[string]any{"id": id}); r.code() != httpapi.CodeNotFound {
			t.Fatalf("another county reads the payroll: %s", r.raw)
		}

		// The money paid shows in the county's figures, this month and this year, and
		// in no other area's, nor to an integrator of another category.
		for _, tt := range []struct {
			name, token, want string
		}{
			{"county officer", officer1, p.Paid},
			{"village assistant", sign("a", models.RoleAssistant, villageA1), p.Paid},
			{"another county", officerB, "0.00"},
			{"another township", sign("t", models.RoleOfficer, "371402002000"), "0.00"},
			{"dibao integrator", e.sign(auth.Principal{Subject: "i1", Role: models.RoleIntegrator, Area: countyA, Categories: []string{"DIBAO"}}), p.Paid},
			{"medical integrator", e.sign(auth.Principal{Subject: "i2", Role: models.RoleIntegrator, Area: countyA, Categories: []string{"MEDICAL"}}), "0.00"},
		} {
			var st struct {
				AreaStats struct{ PaidThisMonth, PaidThisYear string }
			}
			e.ok(tt.token, `{ areaStats { paidThisMonth paidThisYear } }`, nil, &st)
			if st.AreaStats.PaidThisMonth != tt.want || st.AreaStats.PaidThisYear != tt.want {
				t.Errorf("%s: paid %+v, want %s", tt.name, st.AreaStats, tt.want)
			}
		}

		// The change feed's payroll lines: the county's officer reads the holder and the
		// account's last digits, a dibao integrator neither (@integratorView).
		for _, tt := range []struct {
			name, token string
			integrator  bool
		}{
			{"county officer", officer1, false},
			{"dibao integrator", e.sign(auth.Principal{Subject: "i1", Role: models.RoleIntegrator, Area: countyA, Categories: []string{"DIBAO"}}), true},
		} {
			type line struct{ Account, Holder, Amount string }
			var all []line
			var since *string
			for {
				var feed struct {
					Changes struct {
						Edges []struct {
							Node struct{ PayrollLine *line }
						}
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
					}
				}
				e.ok(tt.token, `query($s: String) { changes(since: $s, first: 1000) { edges { node { payrollLine { account holder amount } } } pageInfo { hasNextPage endCursor } } }`,
					map[string]any{"s": since}, &feed)
				for _, edge := range feed.Changes.Edges {
					if edge.Node.PayrollLine != nil {
						all = append(all, *edge.Node.PayrollLine)
					}
				}
				if !feed.Changes.PageInfo.HasNextPage {
					break
				}
				since = &feed.Changes.PageInfo.EndCursor
			}
			lines := 0
			for _, l := range all {
				switch {
				case tt.integrator && (strings.Trim(l.Account, "*") != "" || l.Holder != ""):
					t.Errorf("%s reads the line %+v", tt.name, l)
				case tt.integrator, l.Holder == "王建国" && strings.HasPrefix(l.Account, "*****") && strings.Trim(l.Account, "*") != "":
					lines++ // a line of a household without a payee has neither
				}
			}
			if lines == 0 {
				t.Errorf("%s reads no payroll line in the change feed", tt.name)
			}
		}
	})
}

// sign returns a token of p.
func (e *env) sign(p auth.Principal) string {
	e.t.Helper()
	tok, err := e.verifier.Sign(p, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// pad writes i with width digits.
func pad(i, width int) string { return fmt.Sprintf("%0*d", width, i) }

// testIDNumber returns the i-th of a run of valid ID numbers of county A.
func testIDNumber(i int) string {
	return idnumber.Build("371402", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/400), i%400*2+1)
}
