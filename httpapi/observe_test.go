package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
	"jiuzhu/telemetry"
	"jiuzhu/telemetry/telemetrytest"
)

// postWithID sends a GraphQL request with token (none if empty) and the X-Request-Id
// requestID (none if empty), and decodes the answer.
func (e *env) postWithID(token, requestID, query string, vars map[string]any) response {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	var r response
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		e.t.Fatalf("status %d, body %q: %v", res.StatusCode, buf.String(), err)
	}
	r.raw, r.status, r.header = buf.String(), res.StatusCode, res.Header
	return r
}

// TestMetrics runs real requests through the server and reads /metrics: each request is
// counted by operation (the root field, whatever the caller named the operation) and
// code, timed by route; refusals by the rate limit, the rows of an import, a job run and
// the database pool show; nothing scoped is a label.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m := telemetry.NewMetrics()
		if err := m.RegisterPool(st.Pool().Stats); err != nil {
			t.Fatal(err)
		}
		e := startWith(t, st, 20, func(o *httpapi.Options) {
			o.Metrics = m
			o.RateLimit = httpapi.RateLimit{RPS: 0.01, Burst: 3}
		})
		scrapeSrv := httptest.NewServer(m.Handler())
		t.Cleanup(scrapeSrv.Close)
		scrape := func() telemetrytest.Scrape { return telemetrytest.MustScrape(t, scrapeSrv.URL) }

		before := scrape()
		city := e.token(models.RoleAdmin, division.CityCode)
		if r := e.postWithID(city, "", `query SecretNameOfTheCaller { households(first: 2) { totalCount } }`, nil); r.code() != "" {
			t.Fatalf("households: %s", r.raw)
		}
		township := e.token(models.RoleOfficer, seed.DemoTownship)
		if r := e.postWithID(township, "", `{ households(area: "371403000000") { totalCount } }`, nil); r.code() != "FORBIDDEN" {
			t.Fatalf("another county: %s", r.raw)
		}
		if r := e.postWithID("", "", `{ me { role } }`, nil); r.code() != "UNAUTHENTICATED" {
			t.Fatalf("no token: %s", r.raw)
		}
		if r := e.postWithID(city, "", `{ households(`, nil); r.code() != "GRAPHQL_PARSE_FAILED" {
			t.Fatalf("parse error: %s", r.raw)
		}
		tok := e.integrator("371402001000")
		var a importAnswer
		e.ok(tok, importMutation, map[string]any{"records": []map[string]any{
			{"externalRef": "METRICS-1", "village": "371402001001", "address": "新湖路9号",
				"members": []map[string]any{{"name": "孙一", "idNumber": "37140320000229456X", "relation": "HEAD"}}},
			{"externalRef": "METRICS-2", "village": "371403001003", "address": "外县",
				"members": []map[string]any{{"name": "李一", "idNumber": "371402199001010017", "relation": "HEAD"}}},
		}, "partial": true}, &a)
		if a.ImportHouseholds.Created != 1 || a.ImportHouseholds.Rejected != 1 {
			t.Fatalf("import: %+v", a.ImportHouseholds)
		}
		limited := e.token(models.RoleAuditor, seed.DemoCounty)
		codes := make([]string, 4)
		for i := range codes {
			codes[i] = e.postWithID(limited, "", `{ me { role } }`, nil).code()
		}
		if codes[3] != "RATE_LIMITED" {
			t.Fatalf("codes past the burst: %v", codes)
		}
		if _, err := jobs.Daily(telemetry.WithMetrics(context.Background(), m), st, models.DateOf(time.Now())); err != nil {
			t.Fatal(err)
		}
		after := scrape()

		for _, c := range []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "households", "code": "OK"}, 1},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "households", "code": "FORBIDDEN"}, 1},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "me", "code": "UNAUTHENTICATED"}, 1},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "none", "code": "GRAPHQL_PARSE_FAILED"}, 1},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "importHouseholds", "code": "OK"}, 1},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "me", "code": "OK"}, 3},
			{"jiuzhu_graphql_requests_total", map[string]string{"operation": "none", "code": "RATE_LIMITED"}, 1},
			{"jiuzhu_graphql_request_duration_seconds", map[string]string{"operation": "households"}, 2},
			{"jiuzhu_http_request_duration_seconds", map[string]string{"route": "/graphql", "status": "200"}, 8},
			{"jiuzhu_http_request_duration_seconds", map[string]string{"route": "/graphql", "status": "429"}, 1},
			{"jiuzhu_ratelimit_refusals_total", map[string]string{"kind": "subject"}, 1},
			{"jiuzhu_import_rows_total", map[string]string{"kind": "households", "result": "created"}, 1},
			{"jiuzhu_import_rows_total", map[string]string{"kind": "households", "result": "rejected"}, 1},
			{"jiuzhu_job_runs_total", map[string]string{"job": "expire_grace", "result": "ok"}, 1},
			{"jiuzhu_job_runs_total", map[string]string{"job": "refresh_households", "result": "ok"}, 1},
		} {
			if got := after.Value(c.name, c.labels) - before.Value(c.name, c.labels); got != c.want {
				t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if after.Value("jiuzhu_db_pool_max_open_connections", nil) < 1 || after.Value("jiuzhu_db_pool_open_connections", nil) < 1 {
			t.Errorf("pool: max open %v, open %v", after.Value("jiuzhu_db_pool_max_open_connections", nil),
				after.Value("jiuzhu_db_pool_open_connections", nil))
		}
		if after.Value("go_goroutines", nil) < 1 {
			t.Error("no Go runtime metrics")
		}
		// The operation label holds schema names and fixed words only.
		raw, _ := http.Get(scrapeSrv.URL)
		var b bytes.Buffer
		_, _ = b.ReadFrom(raw.Body)
		raw.Body.Close()
		for _, leak := range []string{"SecretNameOfTheCaller", "371402", "METRICS-1", "37140320000229456X", "e2e-", "dept-"} {
			if strings.Contains(b.String(), leak) {
				t.Errorf("/metrics shows %q", leak)
			}
		}
	})
}

// syncLog is a log destination safe for the server's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestRequestID checks that a sane X-Request-Id is kept and anything else replaced by a
// new id, that the answer carries it in its header and in every error's extensions (the
// GraphQL layer's and the HTTP layer's refusals), and that the request's JSON log lines
// carry it.
func TestRequestID(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	logs := &syncLog{}
	e := startWith(t, st, 5, func(o *httpapi.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		o.RateLimit = httpapi.RateLimit{RPS: 0.01, Burst: 8}
	})
	township := e.token(models.RoleOfficer, seed.DemoTownship)
	for _, c := range []struct {
		name, sent string
		kept       bool
	}{
		{"sane", "req-2026.12.05:abc_DEF-1", true},
		{"absent", "", false},
		{"a space and markup", "a b<script>", false},
		{"too long", strings.Repeat("x", telemetry.MaxRequestIDLen+1), false},
		{"longest kept", strings.Repeat("y", telemetry.MaxRequestIDLen), true},
		{"not ASCII", "请求-1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.postWithID(township, c.sent, `{ households(area: "371403000000") { totalCount } }`, nil)
			id := r.header.Get("X-Request-Id")
			if c.kept && id != c.sent {
				t.Fatalf("X-Request-Id %q, want %q kept", id, c.sent)
			}
			if !c.kept && (id == c.sent || len(id) != 26 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "") {
				t.Fatalf("X-Request-Id %q: want a new id of 26 base32 characters", id)
			}
			if r.code() != "FORBIDDEN" || r.Errors[0].Extensions["requestId"] != id {
				t.Fatalf("error extensions %v, want code FORBIDDEN and requestId %q", r.Errors[0].Extensions, id)
			}
		})
	}

	// A refusal written before the GraphQL layer carries the id too.
	tok := e.token(models.RoleAuditor, seed.DemoCounty)
	for range 8 {
		_ = e.postWithID(tok, "", `{ me { role } }`, nil)
	}
	r := e.postWithID(tok, "refused-1", `{ me { role } }`, nil)
	if r.status != http.StatusTooManyRequests || r.Errors[0].Extensions["requestId"] != "refused-1" || r.header.Get("X-Request-Id") != "refused-1" {
		t.Fatalf("refusal: %d %s %v", r.status, r.raw, r.header)
	}

	// So does a request the transport refuses before reading a document.
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(`{"query": `))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "unreadable-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var unreadable response
	if err := json.NewDecoder(res.Body).Decode(&unreadable); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if len(unreadable.Errors) != 1 || unreadable.Errors[0].Extensions["requestId"] != "unreadable-1" || unreadable.code() == "" {
		t.Fatalf("unreadable body: %d %+v", res.StatusCode, unreadable.Errors)
	}

	// Every line is JSON; the access log line of each request carries its id.
	seen := map[string]bool{}
	for _, line := range logs.lines() {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		id, _ := rec["request_id"].(string)
		if rec["msg"] == "http" && id == "" {
			t.Errorf("access log line without request_id: %s", line)
		}
		seen[id] = true
	}
	for _, id := range []string{"req-2026.12.05:abc_DEF-1", "refused-1"} {
		if !seen[id] {
			t.Errorf("no log line carries request id %q", id)
		}
	}
}

// TestTracing exports the spans of one GraphQL request to an OTLP/HTTP receiver started
// by the test: the HTTP span, the operation's span under it and SQL spans under that,
// all of one trace, continuing the caller's traceparent; the SQL spans hold statements,
// never their arguments.
func TestTracing(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			recv := telemetrytest.NewReceiver(t)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
			tr, err := telemetry.StartTracing(context.Background())
			if err != nil || tr == nil {
				t.Fatalf("tracing not started: %v", err)
			}
			cfg := store.Config{TracerProvider: tr.Provider}
			if d == store.SQLite {
				cfg.SQLitePath = t.TempDir() + "/trace.db"
			} else {
				cfg.DatabaseURL = storetest.PostgresURL(t)
			}
			st := storetest.MustOpenWith(t, cfg)
			e := startWith(t, st, 10, func(o *httpapi.Options) { o.Tracing = tr })
			id := e.data.Members[0].IDNumber
			tok := e.token(models.RoleAdmin, division.CityCode)

			const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
			body, _ := json.Marshal(map[string]any{"query": `query($id: String!) { memberByIdNumber(idNumber: $id) { id } households(first: 3) { totalCount } }`,
				"variables": map[string]any{"id": id}})
			req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			// A query that compiled reads answer with one statement (on PostgreSQL).
			const listTraceID = "5cf92f3577b34da6a3ce929d0e0e4737"
			body, _ = json.Marshal(map[string]any{"query": `query($a: String) { households(area: $a, first: 3) { totalCount edges { node { id } } } }`,
				"variables": map[string]any{"a": e.data.Households[0].AreaCode}})
			req, _ = http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("traceparent", "00-"+listTraceID+"-00f067aa0ba902b7-01")
			if res, err = http.DefaultClient.Do(req); err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if err := tr.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}

			var httpSpan, opSpan, listSpan string
			var sql, compiled []string
			spans := recv.Spans()
			for _, s := range spans {
				if hex.EncodeToString(s.TraceId) != traceID {
					continue
				}
				switch {
				case s.Name == "POST /graphql":
					httpSpan = hex.EncodeToString(s.SpanId)
				case s.Name == "graphql query memberByIdNumber":
					opSpan = hex.EncodeToString(s.SpanId)
				}
			}
			for _, s := range spans {
				if hex.EncodeToString(s.TraceId) == listTraceID && s.Name == "graphql query households" {
					listSpan = hex.EncodeToString(s.SpanId)
				}
			}
			for _, s := range spans {
				if hex.EncodeToString(s.TraceId) == listTraceID && telemetrytest.Attr(s, "db.query.text") != "" {
					compiled = append(compiled, s.Name)
					if hex.EncodeToString(s.ParentSpanId) != listSpan {
						t.Errorf("SQL span %s of the compiled read is not under its operation span", s.Name)
					}
				}
			}
			if httpSpan == "" || opSpan == "" {
				t.Fatalf("want an HTTP span and an operation span in trace %s; got %d spans: %v", traceID, len(spans), names(spans))
			}
			for _, s := range spans {
				q := telemetrytest.Attr(s, "db.query.text")
				if q == "" {
					continue
				}
				if strings.Contains(q, id) {
					t.Errorf("a SQL span shows an argument: %s", q)
				}
				if hex.EncodeToString(s.TraceId) != traceID {
					continue
				}
				sql = append(sql, s.Name)
				if hex.EncodeToString(s.ParentSpanId) != opSpan {
					t.Errorf("SQL span %s is not under the operation span", s.Name)
				}
			}
			if len(sql) < 2 {
				t.Errorf("SQL spans in the trace: %v, want the statements of both fields", sql)
			}
			if d == store.Postgres && !slices.Contains(compiled, "SELECT compiled read") {
				t.Errorf("SQL spans of the compiled read's trace: %v, want its statement's", compiled)
			}
			for _, s := range spans {
				if hex.EncodeToString(s.SpanId) == opSpan && hex.EncodeToString(s.ParentSpanId) != httpSpan {
					t.Errorf("the operation span is not under the HTTP span")
				}
			}
		})
	}
}

func names(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// TestMetricsOfOtherRoutes checks that answers of other routes are timed by their route
// and never counted as GraphQL requests, a 503 of /readyz (the code a GraphQL timeout
// also answers with) included.
func TestMetricsOfOtherRoutes(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	m := telemetry.NewMetrics()
	e := startWith(t, st, 0, func(o *httpapi.Options) { o.Metrics = m })
	get := func(path string, want int) {
		res, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	get("/healthz", http.StatusOK)
	get("/nope", http.StatusNotFound)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	get("/readyz", http.StatusServiceUnavailable)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	s := telemetrytest.MustScrape(t, srv.URL)
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"route": "GET /healthz", "status": "200"}, 1},
		{map[string]string{"route": "unmatched", "status": "404"}, 1},
		{map[string]string{"route": "GET /readyz", "status": "503"}, 1},
	} {
		if got := s.Value("jiuzhu_http_request_duration_seconds", c.labels); got != c.want {
			t.Errorf("jiuzhu_http_request_duration_seconds%v: %v, want %v", c.labels, got, c.want)
		}
	}
	if n := s.Value("jiuzhu_graphql_requests_total", nil); n != 0 {
		t.Errorf("GraphQL requests counted: %v, want 0", n)
	}
}
