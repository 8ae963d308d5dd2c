package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"jiuzhu/seed"
)

// chromiumPath returns the Chromium to drive: $CHROMIUM, Debian's /usr/bin/chromium, or
// one on the PATH; "" when there is none.
func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir returns where the screenshots of page go: $TEST_ARTIFACTS/page, else a
// temporary directory of the test.
func artifactDir(t *testing.T, page string) string {
	dir := t.TempDir()
	if base := os.Getenv("TEST_ARTIFACTS"); base != "" {
		dir = filepath.Join(base, page)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots of %s are saved in %s", page, dir)
	return dir
}

// gqlData posts a query with token and returns its data, failing on any error.
func gqlData(t *testing.T, base, token, q string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if out == nil {
		if len(r.Errors) == 0 {
			t.Fatalf("%s: no error", q)
		}
		if code := r.Errors[0].Extensions["code"]; code != "FORBIDDEN" {
			t.Fatalf("%s: code %v, want FORBIDDEN", q, code)
		}
		return
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", q, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

// apiStats is what areaStats answers over GraphQL.
type apiStats struct {
	AreaStats struct {
		Households, Members, ActiveHouseholds, ActivePersons, GraceHouseholds int
		CommittedMonthly                                                      string
		LowIncomeHouseholds                                                   *int
		CoveragePerThousand                                                   *float64
		Children                                                              []struct {
			Area       struct{ Code string }
			Households int
		}
	}
}

// wantTiles returns the values the page's tiles must show for s: the data-value of
// every tile, empty for a null figure.
func wantTiles(s apiStats) map[string]string {
	a := s.AreaStats
	w := map[string]string{
		"households":          strconv.Itoa(a.Households),
		"members":             strconv.Itoa(a.Members),
		"activeHouseholds":    strconv.Itoa(a.ActiveHouseholds),
		"activePersons":       strconv.Itoa(a.ActivePersons),
		"graceHouseholds":     strconv.Itoa(a.GraceHouseholds),
		"committedMonthly":    a.CommittedMonthly,
		"lowIncomeHouseholds": "",
		"coveragePerThousand": "",
	}
	if a.LowIncomeHouseholds != nil {
		w["lowIncomeHouseholds"] = strconv.Itoa(*a.LowIncomeHouseholds)
	}
	if a.CoveragePerThousand != nil {
		w["coveragePerThousand"] = strconv.FormatFloat(*a.CoveragePerThousand, 'f', -1, 64)
	}
	return w
}

const statsQuery = `query($area: String) { areaStats(area: $area) {
  households members activeHouseholds activePersons graceHouseholds committedMonthly
  lowIncomeHouseholds coveragePerThousand children { area { code } households } } }`

// TestDashboardInABrowser runs the demo server, signs in to /dashboard/ in headless
// Chromium with a county token, checks the tiles against areaStats over GraphQL, drills
// down to a village and back up, then signs in as a township and checks that the page
// offers nothing above the township and refuses a forged navigation to the county.
func TestDashboardInABrowser(t *testing.T) {
	b := newBrowser(t, "the dashboard", 1280, 1400, 2*time.Minute)
	shots := artifactDir(t, "dashboard")
	base, out, stop := startDemo(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("printed %d tokens, want 4", len(toks))
	}
	countyTok, townshipTok := toks[1], toks[2]
	run, eval, errorsSoFar := b.run, b.eval, b.errors
	shot := func(name string) { t.Helper(); b.screenshot(shots, name) }
	shown := func(area string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#content[data-area="%s"]`, area)))
	}
	tiles := func() map[string]string {
		t.Helper()
		var m map[string]string
		eval("read tiles", `Object.fromEntries([...document.querySelectorAll('[data-kpi]')].map(e => [e.dataset.kpi, e.dataset.value]))`, &m)
		return m
	}
	childCodes := func() []string {
		t.Helper()
		var codes []string
		eval("read children", `[...document.querySelectorAll('#children tbody tr')].map(r => r.dataset.code)`, &codes)
		return codes
	}
	visible := func(sel string) bool {
		t.Helper()
		var ok bool
		eval("visibility of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && !e.hidden && e.offsetParent !== null; })()`, sel), &ok)
		return ok
	}
	checkArea := func(tok, area string) {
		t.Helper()
		var s apiStats
		gqlData(t, base, tok, statsQuery, map[string]any{"area": area}, &s)
		if s.AreaStats.Households == 0 {
			t.Fatalf("the demo has no household in %s", area)
		}
		if got, want := tiles(), wantTiles(s); !maps.Equal(got, want) {
			t.Errorf("tiles of %s: %v, want %v", area, got, want)
		}
		var want []string
		for _, c := range s.AreaStats.Children {
			want = append(want, c.Area.Code)
		}
		if got := childCodes(); !slices.Equal(got, want) {
			t.Errorf("children of %s on the page %v, want %v", area, got, want)
		}
	}
	var staffing struct {
		Schema struct {
			QueryType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	gqlData(t, base, countyTok, `{ __schema { queryType { fields { name } } } }`, nil, &staffing)
	hasStaffing := slices.ContainsFunc(staffing.Schema.QueryType.Fields, func(f struct{ Name string }) bool { return f.Name == "staffingReport" })

	// Sign in by pasting the county token.
	run("open the page", chromedp.Navigate(base+"dashboard/"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.CSS("#demo-tokens button")))
	shot("0-sign-in")
	run("sign in as the county", chromedp.SetValue(chromedp.ID("token"), countyTok),
		chromedp.Click(chromedp.ID("signin")), shown(seed.DemoCounty))
	checkArea(countyTok, seed.DemoCounty)
	if visible("#up") {
		t.Error("the county sees an up control above its own level")
	}
	var storage struct{ Session, Local int }
	eval("storage", `({Session: sessionStorage.length, Local: localStorage.length})`, &storage)
	if storage.Session != 1 || storage.Local != 0 {
		t.Errorf("token storage: %+v, want it in sessionStorage only", storage)
	}
	var bars, dots int
	eval("chart bars", `document.querySelectorAll('#chart-counts rect').length`, &bars)
	eval("chart points", `document.querySelectorAll('#chart-money circle').length`, &dots)
	if bars != 36 || dots != 12 {
		t.Errorf("chart has %d bars and %d points, want 36 and 12", bars, dots)
	}
	if visible("#staffing") != hasStaffing {
		t.Errorf("staffing section shown %v, schema has staffingReport %v", visible("#staffing"), hasStaffing)
	}
	shot("1-county")

	// Drill down to a township, then a village, then back up to the county.
	run("drill to the township", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#children a[data-code="%s"]`, seed.DemoTownship))),
		shown(seed.DemoTownship))
	checkArea(countyTok, seed.DemoTownship)
	if !visible(fmt.Sprintf(`#up[data-code="%s"]`, seed.DemoCounty)) {
		t.Error("no up control from the township to the county")
	}
	shot("2-county-drilled-to-township")
	village := childCodes()[0]
	run("drill to a village", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#children a[data-code="%s"]`, village))), shown(village))
	if !visible("#no-children") || visible("#children") {
		t.Error("a village shows children")
	}
	shot("3-county-drilled-to-village")
	run("up to the township", chromedp.Click(chromedp.ID("up")), shown(seed.DemoTownship))
	run("up to the county", chromedp.Click(chromedp.ID("up")), shown(seed.DemoCounty))
	if visible("#up") {
		t.Error("an up control above the county")
	}

	// Sign out, then in with the township's demo token.
	run("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("login")))
	eval("storage after sign-out", `({Session: sessionStorage.length, Local: localStorage.length})`, &storage)
	if storage.Session != 0 || storage.Local != 0 {
		t.Errorf("storage after sign-out: %+v", storage)
	}
	run("sign in as the township", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#demo-tokens button[data-area="%s"]`, seed.DemoTownship))),
		shown(seed.DemoTownship))
	checkArea(townshipTok, seed.DemoTownship)
	var crumbs int
	eval("crumbs", `document.querySelectorAll('#crumbs li').length`, &crumbs)
	if visible("#up") || crumbs != 1 {
		t.Errorf("the township sees an up control (%v) or %d crumbs", visible("#up"), crumbs)
	}
	shot("4-township")

	// A forged navigation to the county is refused, in place and after a reload.
	gqlData(t, base, townshipTok, statsQuery, map[string]any{"area": seed.DemoCounty}, nil)
	for _, how := range []string{"hash change", "reload"} {
		if how == "hash change" {
			var hash string
			eval(how, fmt.Sprintf(`location.hash = '#area=%s'`, seed.DemoCounty), &hash)
		} else {
			run(how, chromedp.Reload())
		}
		run(how+": refused", chromedp.WaitVisible(chromedp.CSS(`#error[data-code="FORBIDDEN"]`)))
		if visible("#content") || visible("#up") {
			t.Errorf("%s: the county's figures or an up control are shown to the township", how)
		}
	}
	shot("5-township-forged-county")
	run("back to its own area", chromedp.Click(chromedp.ID("error-home")), shown(seed.DemoTownship))
	if errs := errorsSoFar(); len(errs) > 0 {
		t.Errorf("errors in the page: %v", errs)
	}
}
