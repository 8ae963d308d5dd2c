package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store/storetest"
	"jiuzhu/telemetry/telemetrytest"
)

// TestServeObservability runs the server as production would, on PostgreSQL with
// LOG_FORMAT=json, METRICS_ADDR and OTEL_EXPORTER_OTLP_ENDPOINT set: every line it writes
// is a JSON object, the lines of a request carry its X-Request-Id (once), /metrics, on
// its own address and not on the API's, counts the request and shows the database pool,
// and the request's HTTP, operation and SQL spans reach the OTLP receiver by the time
// the server has stopped.
func TestServeObservability(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	const secret = "a-secret-for-the-observability-test-32-bytes"
	t.Setenv("DATABASE_URL", url)
	t.Setenv("JWT_SECRET", secret)
	t.Setenv("LOG_FORMAT", "json")
	t.Setenv("METRICS_ADDR", "127.0.0.1:0")
	recv := telemetrytest.NewReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	// serve does not migrate PostgreSQL: the owner runs migrate up first.
	if err := run(context.Background(), []string{"migrate", "up", "--log-level", "error"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, out)
	}()
	var api, metrics string
	for deadline := time.Now().Add(60 * time.Second); api == "" || metrics == ""; {
		for _, rec := range jsonLines(t, out.String()) {
			switch rec["msg"] {
			case "serving":
				api, _ = rec["graphql"].(string)
			case "metrics":
				metrics, _ = rec["url"].(string)
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the server did not start:\n%s", out.String())
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve ended with %v", err)
			}
		}
	}
	defer stop()

	v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := v.Sign(auth.Principal{Subject: "obs", Role: models.RoleAdmin, Area: division.CityCode}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, api, strings.NewReader(`{"query": "{ households { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Request-Id", "json-log-test-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("X-Request-Id") != "json-log-test-1" || bytes.Contains(body, []byte(`"errors"`)) {
		t.Fatalf("%d %v %s", res.StatusCode, res.Header, body)
	}

	s := telemetrytest.MustScrape(t, metrics)
	if n := s.Value("jiuzhu_graphql_requests_total", map[string]string{"operation": "households", "code": "OK"}); n != 1 {
		t.Errorf("households requests counted: %v, want 1", n)
	}
	if n := s.Value("jiuzhu_db_pool_max_open_connections", nil); n != 20 {
		t.Errorf("pool's maximum: %v, want 20", n)
	}
	if res, err := http.Get(strings.TrimSuffix(api, "graphql") + "metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("the API's address serves /metrics: %v %v", res.StatusCode, err)
	}

	found := false
	for _, rec := range jsonLines(t, out.String()) {
		if rec["request_id"] == "json-log-test-1" && rec["msg"] == "http" {
			found = true
		}
	}
	if !found || strings.Contains(out.String(), `"request_id":"json-log-test-1","request_id"`) {
		t.Errorf("want the request's access log line to carry its id once:\n%s", out.String())
	}

	stop() // flushes the spans
	kinds := map[string]int{}
	var trace []byte
	spans := recv.Spans()
	for _, s := range spans {
		if s.Name == "POST /graphql" {
			trace = s.TraceId
		}
	}
	for _, s := range spans {
		if !bytes.Equal(s.TraceId, trace) {
			continue
		}
		switch {
		case s.Name == "POST /graphql":
			kinds["http"]++
		case s.Name == "graphql query households":
			kinds["operation"]++
		case telemetrytest.Attr(s, "db.query.text") != "":
			kinds["sql"]++
		}
	}
	if kinds["http"] != 1 || kinds["operation"] != 1 || kinds["sql"] < 1 {
		t.Errorf("spans of the request's trace: %v; want its HTTP span, its operation's and SQL ones", kinds)
	}
}

// jsonLines parses each line of out as a JSON object, failing t on any other line.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestLogFormatConfiguration checks that LOG_FORMAT accepts text and json and stops the
// command with a message naming the variable otherwise.
func TestLogFormatConfiguration(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for _, c := range []struct{ format, wantErr string }{
		{"", ""}, {"text", ""}, {"json", ""}, {"JSON", ""}, {"yaml", "LOG_FORMAT"},
	} {
		t.Setenv("LOG_FORMAT", c.format)
		err := run(context.Background(), []string{"migrate", "--data-dir", t.TempDir(), "--log-level", "error"}, io.Discard)
		if c.wantErr == "" && err != nil {
			t.Errorf("%q: %v", c.format, err)
		}
		if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%q: err %v, want one naming %s", c.format, err, c.wantErr)
		}
	}
}
