package httpapi_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

func TestRateLimitPerSubjectAndAddress(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	// Subjects: burst 2; the one client address of the test: burst 2 × AddressFactor.
	// A request is regained every 1,000 s (every 200 s by the address), so none comes back
	// while the test runs: at 0.2 a second the address regained one a second, and its
	// eleven requests, taking over a second on a busy machine, were not all refused.
	e := startWith(t, st, 5, func(o *httpapi.Options) { o.RateLimit = httpapi.RateLimit{RPS: 0.001, Burst: 2} })
	a := e.token(models.RoleAdmin, division.CityCode)
	b := e.token(models.RoleOfficer, seed.DemoCounty)
	sent := 0
	call := func(tok string) response {
		sent++
		return e.do(tok, `{ me { subject } }`, nil)
	}
	for i := range 2 {
		if r := call(a); len(r.Errors) > 0 {
			t.Fatalf("request %d: %s", i, r.raw)
		}
	}
	r := call(a)
	if r.status != http.StatusTooManyRequests || r.code() != httpapi.CodeRateLimited {
		t.Fatalf("third request of one subject: %d %s", r.status, r.raw)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 1000 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// Another subject from the same address still has its own bucket.
	if r := call(b); len(r.Errors) > 0 {
		t.Errorf("another subject: %d %s", r.status, r.raw)
	}
	// Without a token only the address counts, and it runs out at its own burst.
	for sent < 2*httpapi.AddressFactor {
		call("")
	}
	if r := call(""); r.status != http.StatusTooManyRequests || r.code() != httpapi.CodeRateLimited {
		t.Errorf("request %d from one address: %d %s", sent, r.status, r.raw)
	}
	// The health check is never limited.
	res, err := http.Get(e.url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Errorf("healthz: %v", err)
	}
}

func TestCORSAllowList(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 1, func(o *httpapi.Options) { o.CORSOrigins = []string{"https://dashboard.dezhou.example"} })
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, e.url+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := preflight("https://dashboard.dezhou.example")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://dashboard.dezhou.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("allowed origin: %d %v", res.StatusCode, res.Header)
	}
	res = preflight("https://evil.example")
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin: %d %v", res.StatusCode, res.Header)
	}
	// A simple request from a foreign origin gets no CORS header, so a browser hides it.
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(`{"query":"{ programs { code } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin got %q", res.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestSecurityHeadersOnPages(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 1)
	res, err := http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'self';", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || strings.Contains(csp, "https:") {
		t.Errorf("CSP allows inline or remote scripts: %q", csp)
	}
	// GraphiQL and its scripts come from the binary, never from a CDN.
	if bytes.Contains(page, []byte("https://")) || !bytes.Contains(page, []byte(`src="/graphiql/graphiql.min.js"`)) {
		t.Errorf("the GraphiQL page does not load its embedded scripts:\n%s", page)
	}
	for path, typ := range map[string]string{"/graphiql/graphiql.min.js": "javascript", "/graphiql/react.production.min.js": "javascript",
		"/graphiql/graphiql.min.css": "text/css", "/graphiql/init.js": "javascript"} {
		r, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || n == 0 || !strings.Contains(r.Header.Get("Content-Type"), typ) {
			t.Errorf("%s: %d, %d bytes, %s", path, r.StatusCode, n, r.Header.Get("Content-Type"))
		}
	}
	if r, err := http.Get(e.url + "/graphiql/"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Errorf("/graphiql/ lists a directory: %v %v", r.StatusCode, err)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoPersonalData sends requests that carry ID numbers, names, addresses and
// tokens in every place a request can hold them, including ones that fail, and checks
// that the debug log holds none of them.
func TestLogsHoldNoPersonalData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var logs syncBuffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := startWith(t, st, 20, func(o *httpapi.Options) { o.Logger = log })
		village := seed.DemoVillage(st.Tree())
		tok := e.token(models.RoleOfficer, seed.DemoTownship)
		const (
			name    = "欧阳秀梅"
			idNum   = "37140320000229456X"
			address = "尉署社区9号楼1单元101"
		)
		e.ok(tok, `mutation($v: String!, $n: String!, $a: String!, $id: String!) { createHousehold(input: {village: $v, address: $a,
		  members: [{name: $n, idNumber: $id, relation: HEAD}]}) { id } }`,
			map[string]any{"v": village, "n": name, "a": address, "id": idNum}, &struct{}{})
		// Failures: a duplicate person, a bad ID number, a lookup, a bad token, a path
		// and query string holding an ID number, a panic-free internal path.
		e.do(tok, `mutation($v: String!) { createHousehold(input: {village: $v, address: "`+address+`", members: [{name: "`+name+`", idNumber: "`+idNum+`", relation: HEAD}]}) { id } }`, map[string]any{"v": village})
		e.do(tok, `mutation { createHousehold(input: {village: "`+village+`", address: "x", members: [{name: "`+name+`", idNumber: "371402199001010018", relation: HEAD}]}) { id } }`, nil)
		e.do(tok, `{ memberByIdNumber(idNumber: "`+idNum+`") { name idNumber(reveal: true) } }`, nil)
		e.do(tok+"x", `{ me { subject } }`, nil)
		e.do("", `{ memberByIdNumber(idNumber: "`+idNum+`") { name } }`, nil)
		for _, path := range []string{"/" + idNum, "/graphql?query=" + idNum + "&token=" + tok} {
			if res, err := http.Get(e.url + path); err == nil {
				res.Body.Close()
			}
		}
		out := logs.String()
		if !strings.Contains(out, "path=/graphql") {
			t.Fatalf("the access log is missing: %q", out)
		}
		for _, secret := range []string{name, idNum, "371402199001010018", address, tok, "3714**********456X"} {
			if strings.Contains(out, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
}

func TestIDNumbersMaskedOverTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 30)
		village := seed.DemoVillage(st.Tree())
		var m models.Member
		for _, mm := range e.data.Members {
			if mm.AreaCode == village {
				m = mm
				break
			}
		}
		if m.ID == "" {
			t.Fatal("no member in the demo village")
		}
		masked := m.IDNumber[:6] + "************"
		// Every role sees masked numbers, in lists and single lookups.
		for _, role := range []models.Role{models.RoleAdmin, models.RoleOfficer, models.RoleAssistant, models.RoleIntegrator, models.RoleAuditor} {
			tok := e.token(role, village)
			r := e.do(tok, `query($id: ID!, $n: String!) { member(id: $id) { idNumber } memberByIdNumber(idNumber: $n) { idNumber }
			  households(first: 100) { edges { node { members { idNumber } head { idNumber } } } } }`, map[string]any{"id": m.ID, "n": m.IDNumber})
			if len(r.Errors) > 0 || !strings.Contains(r.raw, masked) {
				t.Fatalf("%s: %s", role, r.raw)
			}
			for _, mm := range e.data.Members {
				if strings.Contains(r.raw, mm.IDNumber) {
					t.Errorf("%s sees the full ID number of %s", role, mm.ID)
				}
			}
		}
		// Reveal: admin, officer, assistant of the area; others FORBIDDEN on the field.
		reveal := `query($id: ID!) { member(id: $id) { name idNumber(reveal: true) } }`
		for _, tt := range []struct {
			role models.Role
			area string
			ok   bool
		}{
			{models.RoleAdmin, division.CityCode, true},
			{models.RoleOfficer, seed.DemoTownship, true},
			{models.RoleAssistant, village, true},
			{models.RoleAuditor, division.CityCode, false},
			{models.RoleIntegrator, village, false},
		} {
			r := e.do(e.token(tt.role, tt.area), reveal, map[string]any{"id": m.ID})
			switch {
			case tt.ok && (len(r.Errors) > 0 || !strings.Contains(r.raw, `"`+m.IDNumber+`"`)):
				t.Errorf("%s reveal: %s", tt.role, r.raw)
			case !tt.ok && (r.code() != httpapi.CodeForbidden || strings.Contains(r.raw, m.IDNumber) ||
				len(r.Errors[0].Path) != 2 || r.Errors[0].Path[1] != "idNumber"):
				t.Errorf("%s reveal: %s", tt.role, r.raw)
			}
		}
		// The reveals are in the trail, for the admin and auditor to read; others are refused.
		var trail struct {
			AuditEvents struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Operation, Actor string
						Records          []string
					}
				}
			}
		}
		q := `{ auditEvents(filter: {operation: "revealIdNumber"}, first: 10) { totalCount edges { node { operation actor records } } } }`
		e.ok(e.token(models.RoleAuditor, division.CityCode), q, nil, &trail)
		if trail.AuditEvents.TotalCount != 3 || trail.AuditEvents.Edges[0].Node.Records[0] != m.ID {
			t.Errorf("trail: %+v", trail)
		}
		if r := e.do(e.token(models.RoleOfficer, division.CityCode), q, nil); r.code() != httpapi.CodeForbidden {
			t.Errorf("officer reads the trail: %s", r.raw)
		}
		// A masked number is refused as a search value, naming the argument.
		r := e.do(e.token(models.RoleAdmin, division.CityCode), `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": masked})
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "idNumber" {
			t.Errorf("masked search: %s", r.raw)
		}
	})
}

// TestDefaultRateLimitLetsASequentialClientThrough checks that the default rate limit
// lets a client send 100 requests one after another without a 429, as a dashboard
// opening its pages or an integrator running a suite of checks does.
func TestDefaultRateLimitLetsASequentialClientThrough(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 1, func(o *httpapi.Options) { o.RateLimit = httpapi.DefaultRateLimit })
	tok := e.token(models.RoleOfficer, seed.DemoCounty)
	for i := range httpapi.DefaultRateLimit.Burst {
		if r := e.do(tok, `{ me { subject } }`, nil); r.status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.raw)
		}
	}
	if httpapi.DefaultRateLimit.Burst < 60 || httpapi.DefaultRateLimit.RPS <= 0 {
		t.Errorf("default rate limit %+v: off, or a burst under 60", httpapi.DefaultRateLimit)
	}
}
