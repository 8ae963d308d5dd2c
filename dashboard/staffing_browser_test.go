package dashboard_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"jiuzhu/dashboard"
)

// Modes of the fake API's staffingReport.
const (
	staffingServed    = "served"    // in the schema and answered
	staffingAbsent    = "absent"    // not in the schema: the query fails validation
	staffingInvalid   = "invalid"   // in the schema with another shape: the query fails validation
	staffingForbidden = "forbidden" // in the schema, refused to the caller's role
)

// fakeAPI answers the page's queries with fixed data, with staffingReport as mode says,
// so that the staffing section can be checked against schemas other than this build's.
// Like a production server it refuses introspection, and it counts the introspection
// queries it was sent in introspected.
func fakeAPI(mode string, introspected *atomic.Int32) http.Handler {
	months := make([]map[string]any, 12)
	for i := range months {
		months[i] = map[string]any{"month": time.Date(2026, time.Month(i+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01"),
			"newApplications": i, "approvals": i / 2, "terminations": 0, "committed": "100.00"}
	}
	area := map[string]any{"code": "371402001000", "name": "新湖街道", "level": "TOWNSHIP", "parent": nil}
	stats := map[string]any{"area": area, "households": 3, "members": 7, "activeHouseholds": 2, "activePersons": 5,
		"committedMonthly": "1300.00", "graceHouseholds": 0, "lowIncomeHouseholds": nil, "population": nil,
		"coveragePerThousand": nil, "byProgram": []any{}, "byCategory": []any{}, "children": []any{}}
	township := func(code, name string, compliant bool) map[string]any {
		return map[string]any{"township": map[string]any{"code": code, "name": name}, "county": map[string]any{"code": "371402000000", "name": "德城区"},
			"population": 52000, "populationKnown": true, "requiredCivilAffairsStaff": 5, "civilAffairsStaff": map[bool]int{true: 5, false: 3}[compliant],
			"requiredSocialWorkers": 3, "socialWorkers": 3, "villages": 19, "villagesWithoutAssistant": 0,
			"villagesShortOfCoordinators": 0, "shortfall": map[bool]int{true: 0, false: 2}[compliant], "compliant": compliant}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		var data any
		switch q := req.Query; {
		case strings.Contains(q, "__schema") || strings.Contains(q, "__type"):
			introspected.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"errors":[{"message":"introspection disabled","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`)
			return
		case strings.Contains(q, "staffingReport") && mode == staffingAbsent:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"errors":[{"message":"Cannot query field \"staffingReport\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`)
			return
		case strings.Contains(q, "staffingReport") && mode == staffingInvalid:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"errors":[{"message":"Cannot query field \"shortfall\" on type \"TownshipStaffing\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}],"data":null}`)
			return
		case strings.Contains(q, "staffingReport") && mode == staffingForbidden:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"errors":[{"message":"forbidden","path":["staffingReport"],"extensions":{"code":"FORBIDDEN"}}],"data":null}`)
			return
		case strings.Contains(q, "staffingReport"):
			data = map[string]any{"staffingReport": map[string]any{"townships": []any{
				township("371402001000", "新湖街道", true), township("371402002000", "新华街道", false)}}}
		case strings.Contains(q, "overdueGrievances"):
			data = map[string]any{"overdueGrievances": map[string]any{"count": 2, "children": []any{
				map[string]any{"area": map[string]any{"code": "371402001001", "name": "尉署社区"}, "count": 2},
				map[string]any{"area": map[string]any{"code": "371402001002", "name": "湖滨社区"}, "count": 0}}}}
		case strings.Contains(q, "areaStats"):
			data = map[string]any{"areaStats": stats, "trends": map[string]any{"months": months}}
		default:
			data = map[string]any{"me": map[string]any{"subject": "t", "name": nil, "role": "OFFICER", "area": area}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
	})
}

// TestStaffingSectionFollowsTheSchema serves the page against a fake API whose
// staffingReport is answered, absent, of another shape or forbidden, and requires the
// table in the first case, the section hidden in the others, and no introspection query
// in any: the page must work where introspection is off.
func TestStaffingSectionFollowsTheSchema(t *testing.T) {
	chrome := os.Getenv("CHROMIUM")
	if chrome == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			chrome = p
		}
	}
	if chrome == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set CHROMIUM): the browser test of the staffing section is skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	for _, mode := range []string{staffingServed, staffingAbsent, staffingInvalid, staffingForbidden} {
		var introspected atomic.Int32
		mux := http.NewServeMux()
		mux.Handle("/graphql", fakeAPI(mode, &introspected))
		mux.Handle("/dashboard/", dashboard.Handler(dashboard.Options{}))
		srv := httptest.NewServer(mux)
		defer srv.Close()
		tab, cancelTab := chromedp.NewContext(browser) // a tab of its own: a fresh sessionStorage
		defer cancelTab()
		ctx, cancelT := context.WithTimeout(tab, time.Minute)
		defer cancelT()
		err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/dashboard/"),
			chromedp.SetValue(chromedp.ID("token"), "x.y.z"), chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.CSS(`#content[data-area="371402001000"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if mode == staffingServed {
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#staffing[data-state="shown"] tr.bad[data-code="371402002000"]`))); err != nil {
				t.Fatalf("staffing rows: %v", err)
			}
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#staffing tbody tr')].map(r => r.lastChild.textContent)`))
			if err != nil || strings.Join(rows, ",") != "达标,未达标" {
				t.Errorf("staffing compliance column %v, %v", rows, err)
			}
			if n := introspected.Load(); n > 0 {
				t.Errorf("%s: the page sent %d introspection queries", mode, n)
			}
			// The overdue grievances (P25): the total, and the children that have any.
			if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#grievances[data-state="shown"]`))); err != nil {
				t.Fatalf("overdue grievances: %v", err)
			}
			overdue, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector('#grievances-total').textContent,
				...[...document.querySelectorAll('#grievances-table tbody tr')].map(r => r.textContent)]`))
			if err != nil || strings.Join(overdue, ",") != "2,尉署社区2" {
				t.Errorf("overdue grievances %v, %v", overdue, err)
			}
			continue
		}
		// Without a staffingReport of this shape, the page settles with the section hidden.
		if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#staffing[data-state="hidden"]`))); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('staffing').hidden`))
		if err != nil || !hidden {
			t.Errorf("%s: staffing section shown (%v)", mode, err)
		}
		if n := introspected.Load(); n > 0 {
			t.Errorf("%s: the page sent %d introspection queries", mode, n)
		}
	}
}
