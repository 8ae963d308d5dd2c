package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	b := newBrowser(t, "the dashboard", 1280, 1400, 6*time.Minute)
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
	// An education application of the township, referred to the education bureau.
	var hs struct {
		Households struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	gqlData(t, base, townshipTok, `{ households(first: 1) { edges { node { id } } } }`, nil, &hs)
	if len(hs.Households.Edges) == 0 {
		t.Fatal("the demo township has no household")
	}
	var sub struct {
		SubmitApplication struct{ Referral struct{ ID string } }
	}
	gqlData(t, base, townshipTok, `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "EDU_COMPULSORY", channel: WALK_IN}) { referral { id } } }`,
		map[string]any{"h": hs.Households.Edges[0].Node.ID}, &sub)
	if sub.SubmitApplication.Referral.ID == "" {
		t.Fatal("the education application was not referred")
	}
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
	run("the staffing table", chromedp.WaitVisible(chromedp.CSS(`#staffing[data-state="shown"] tbody tr`)))
	run("the referrals table", chromedp.WaitVisible(chromedp.CSS(
		fmt.Sprintf(`#referrals[data-state="shown"] tbody tr[data-department="EDUCATION"][data-code="%s"]`, seed.DemoTownship))))
	// Dynamic management (P24): the county's open reviews and its discovery cases per
	// township, as the API counts them.
	run("the dynamic management section", chromedp.WaitVisible(chromedp.CSS(`#followup[data-state="shown"]`)))
	var follow struct {
		ReviewCounts       struct{ Due, Overdue int }
		DiscoveryCaseStats []struct{ AreaCode string }
	}
	gqlData(t, base, countyTok, `query($a: String) { reviewCounts(area: $a) { due overdue } discoveryCaseStats(area: $a) { areaCode } }`,
		map[string]any{"a": seed.DemoCounty}, &follow)
	var followPage struct {
		Due, Overdue string
		Rows         []string
	}
	eval("dynamic management", `({Due: document.getElementById('reviews-due').textContent, Overdue: document.getElementById('reviews-overdue').textContent,
	  Rows: [...document.querySelectorAll('#followup-table tbody tr')].map((r) => r.dataset.code)})`, &followPage)
	var wantFollowRows []string
	for _, r := range follow.DiscoveryCaseStats {
		wantFollowRows = append(wantFollowRows, r.AreaCode)
	}
	if followPage.Due != strconv.Itoa(follow.ReviewCounts.Due) || followPage.Overdue != strconv.Itoa(follow.ReviewCounts.Overdue) || !slices.Equal(followPage.Rows, wantFollowRows) {
		t.Errorf("dynamic management on the page %+v, want %+v", followPage, follow)
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

// viewport is a screen the dashboard must fit.
type viewport struct {
	name          string
	width, height int64
	phone         bool
}

// TestDashboardOnPhoneAndDesktopWithoutIntrospection runs the demo server with
// GRAPHQL_INTROSPECTION=off, as production runs, and opens the dashboard in headless
// Chromium at 360 and 390 px wide (phones) and 1280 px (a desktop). At each size, for the
// county and one of its townships, it requires: no horizontal overflow of the page (wide
// tables scroll inside their card), charts drawn at the width of their box with axis
// ticks at 1-2-5 steps from 0 to just above the largest value, the jurisdiction's own
// name as the title, and the staffing table holding the townships of staffingReport,
// which the page finds without introspection. It also evaluates the page's tick function
// on a table of ranges.
func TestDashboardOnPhoneAndDesktopWithoutIntrospection(t *testing.T) {
	t.Setenv("GRAPHQL_INTROSPECTION", "off")
	b := newBrowser(t, "the dashboard", 1280, 900, 3*time.Minute)
	shots := artifactDir(t, "dashboard")
	base, out, stop := startDemo(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("printed %d tokens, want 4", len(toks))
	}
	countyTok := toks[1]
	if code := gqlCode(t, base, countyTok, `{ __schema { queryType { name } } }`); code == "" {
		t.Fatal("introspection answers; the test needs it off")
	}
	run, eval := b.run, b.eval

	// The sign-in screen on the narrowest phone.
	run("open the page", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(base+"dashboard/"), chromedp.WaitVisible(chromedp.CSS("#demo-tokens button")))
	var signIn struct{ ScrollWidth, ClientWidth int }
	eval("sign-in layout", `({ScrollWidth: document.documentElement.scrollWidth, ClientWidth: document.documentElement.clientWidth})`, &signIn)
	if signIn.ClientWidth != 360 || signIn.ScrollWidth > signIn.ClientWidth {
		t.Errorf("the sign-in screen is %d px wide in a %d px viewport", signIn.ScrollWidth, signIn.ClientWidth)
	}
	b.screenshot(shots, "size-360-sign-in")
	run("sign in as the county", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#demo-tokens button[data-area="%s"]`, seed.DemoCounty))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#content[data-area="%s"]`, seed.DemoCounty))))

	// The tick function on its own.
	for _, c := range []struct {
		max, steps float64
		integer    bool
		want       []float64
	}{
		{50, 5, true, []float64{0, 10, 20, 30, 40, 50}},
		{47, 5, true, []float64{0, 10, 20, 30, 40, 50}},
		{51, 5, true, []float64{0, 20, 40, 60}},
		{3, 5, true, []float64{0, 1, 2, 3}},
		{7, 5, true, []float64{0, 2, 4, 6, 8}},
		{1234, 5, true, []float64{0, 500, 1000, 1500}},
		{0.3, 5, false, []float64{0, 0.1, 0.2, 0.3}},
		{0.3, 5, true, []float64{0, 1}},
		{0, 5, true, []float64{0, 1}},
		{987654, 4, true, []float64{0, 500000, 1000000}},
	} {
		var got []float64
		eval("niceTicks", fmt.Sprintf(`niceTicks(%v, %v, %v)`, c.max, c.steps, c.integer), &got)
		if !slices.Equal(got, c.want) {
			t.Errorf("niceTicks(%v, %v, %v) = %v, want %v", c.max, c.steps, c.integer, got, c.want)
		}
	}
	var bad []string
	eval("niceTicks over many ranges", `(() => {
	  const bad = [];
	  for (let e = -2; e <= 8; e++) for (const m of [1, 1.1, 1.9, 2, 2.4, 2.5, 3.7, 5, 6, 9.99]) {
	    const max = Number((m * Math.pow(10, e)).toPrecision(12)), t = niceTicks(max, 5, false);
	    const step = t[1] - t[0], top = t[t.length - 1];
	    const mant = Number((step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9))).toPrecision(6));
	    if (t[0] !== 0 || ![1, 2, 5].includes(mant) || top < max || top - step >= max || t.length > 6) bad.push(max + ': ' + t.join(','));
	  }
	  return bad; })()`, &bad)
	if len(bad) > 0 {
		t.Errorf("niceTicks breaks its rules for: %v", bad)
	}

	var report struct {
		StaffingReport struct {
			Townships []struct{ Township struct{ Code string } }
		}
	}
	sizes := []viewport{{"360", 360, 740, true}, {"390", 390, 844, true}, {"desktop", 1280, 900, false}}
	for _, area := range []string{seed.DemoCounty, seed.DemoTownship} {
		var stats struct {
			AreaStats struct{ Area struct{ Name string } }
		}
		gqlData(t, base, countyTok, `query($a: String) { areaStats(area: $a) { area { name } } }`, map[string]any{"a": area}, &stats)
		gqlData(t, base, countyTok, `query($a: String) { staffingReport(area: $a) { townships { township { code } } } }`, map[string]any{"a": area}, &report)
		var wantRows []string
		for _, tw := range report.StaffingReport.Townships {
			wantRows = append(wantRows, tw.Township.Code)
		}
		for _, vp := range sizes {
			t.Run(vp.name+"/"+area, func(t *testing.T) {
				emulate := chromedp.EmulateViewport(vp.width, vp.height)
				if vp.phone {
					emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateTouch)
				}
				run("open at "+vp.name, emulate, chromedp.Navigate(base+"dashboard/#area="+area), chromedp.Reload(),
					chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#content[data-area="%s"]`, area))),
					chromedp.WaitVisible(chromedp.CSS(`#staffing[data-state="shown"]`)))
				var page struct {
					ScrollWidth, ClientWidth int
					Overflowing              []string
					Title                    string
					Rows                     []string
				}
				eval("layout", `(() => {
				  const d = document.documentElement, w = d.clientWidth, out = [];
				  for (const e of document.querySelectorAll('body *')) {
				    if (e.closest('.scroll') || e.closest('[hidden]')) continue;
				    const r = e.getBoundingClientRect();
				    if (r.width > 0 && r.right > w + 0.5) out.push(e.tagName + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className : '') + ' right ' + Math.round(r.right));
				  }
				  return { ScrollWidth: d.scrollWidth, ClientWidth: w, Overflowing: out.slice(0, 10),
				    Title: document.getElementById('area-title').textContent,
				    Rows: [...document.querySelectorAll('#staffing-table tbody tr')].map((r) => r.dataset.code) };
				})()`, &page)
				if vp.phone && page.ClientWidth != int(vp.width) {
					t.Errorf("the layout viewport is %d px wide, want %d", page.ClientWidth, vp.width)
				}
				if page.ScrollWidth > page.ClientWidth || len(page.Overflowing) > 0 {
					t.Errorf("the page is %d px wide in a %d px viewport; outside it: %v", page.ScrollWidth, page.ClientWidth, page.Overflowing)
				}
				if page.Title != stats.AreaStats.Area.Name {
					t.Errorf("title %q, want the jurisdiction's own name %q", page.Title, stats.AreaStats.Area.Name)
				}
				if !slices.Equal(page.Rows, wantRows) || len(wantRows) == 0 {
					t.Errorf("staffing table rows %v, want the report's townships %v", page.Rows, wantRows)
				}
				checkChartAxes(t, b)
				b.screenshot(shots, fmt.Sprintf("size-%s-%s", vp.name, area))
			})
		}
	}
	if errs := b.errors(); len(errs) > 0 {
		t.Errorf("errors in the page: %v", errs)
	}
}

// checkChartAxes requires both charts to be drawn at the width of their box, and their
// axis ticks to run from 0 at one step of 1, 2 or 5 × 10^k to the first tick at or above
// the largest value plotted.
func checkChartAxes(t *testing.T, b *browser) {
	t.Helper()
	var charts []struct {
		ID          string
		SVGWidth    float64
		BoxWidth    float64
		Ticks       []float64
		Labels      []string
		Max         float64
		FontPixels  float64
		MonthLabels int
	}
	b.eval("chart axes", `['chart-counts', 'chart-money'].map((id) => {
	  const box = document.getElementById(id), s = box.querySelector('svg');
	  const ticks = [...s.querySelectorAll('text.tick')];
	  const vals = id === 'chart-counts'
	    ? [...s.querySelectorAll('rect')].map((r) => Number(r.querySelector('title').textContent.split('：')[1]))
	    : [...s.querySelectorAll('circle')].map((c) => Number(c.querySelector('title').textContent.split('：')[1].replace(/[^0-9.]/g, '')));
	  return { ID: id, SVGWidth: s.getBoundingClientRect().width, BoxWidth: box.clientWidth,
	    Ticks: ticks.map((e) => Number(e.dataset.value)), Labels: ticks.map((e) => e.textContent),
	    Max: Math.max(0, ...vals), FontPixels: ticks[0].getBoundingClientRect().height,
	    MonthLabels: s.querySelectorAll('text.month').length };
	})`, &charts)
	for _, c := range charts {
		if c.BoxWidth == 0 || c.SVGWidth < c.BoxWidth-1 || c.SVGWidth > c.BoxWidth+1 {
			t.Errorf("%s is drawn %.0f px wide in a box of %.0f px", c.ID, c.SVGWidth, c.BoxWidth)
		}
		if c.FontPixels < 10 {
			t.Errorf("%s: tick labels %.1f px high, too small to read", c.ID, c.FontPixels)
		}
		if c.MonthLabels < 4 {
			t.Errorf("%s: %d month labels", c.ID, c.MonthLabels)
		}
		n := len(c.Ticks)
		if n < 2 || c.Ticks[0] != 0 {
			t.Errorf("%s: ticks %v (labels %v)", c.ID, c.Ticks, c.Labels)
			continue
		}
		step := c.Ticks[1]
		for i, v := range c.Ticks {
			if math.Abs(v-float64(i)*step) > step*1e-9 {
				t.Errorf("%s: ticks %v are not evenly spaced", c.ID, c.Ticks)
				break
			}
		}
		mant := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
		if !slices.ContainsFunc([]float64{1, 2, 5}, func(m float64) bool { return math.Abs(m-mant) < 1e-9 }) {
			t.Errorf("%s: step %v is not 1, 2 or 5 × 10^k (labels %v)", c.ID, step, c.Labels)
		}
		if top := c.Ticks[n-1]; top < c.Max || (c.Max > 0 && top-step >= c.Max) {
			t.Errorf("%s: ticks %v do not end at the first step at or above %v", c.ID, c.Ticks, c.Max)
		}
		for i, l := range c.Labels {
			v := c.Ticks[i]
			want := strconv.FormatFloat(v, 'f', -1, 64)
			if strings.HasSuffix(l, "万") {
				want = strconv.FormatFloat(v/10000, 'f', -1, 64) + "万"
			}
			if strings.ReplaceAll(l, ",", "") != want {
				t.Errorf("%s: tick %v is labelled %q, want %q", c.ID, v, l, want)
			}
		}
	}
}

// gqlCode posts a query and returns the code of its first error, "" when there is none.
func gqlCode(t *testing.T, base, token, q string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, base+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}
