package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"jiuzhu/httpapi"
)

// rateLimitVariables are the variables of the two rate limits of serve.
var rateLimitVariables = []string{"RATE_LIMIT_RPS", "RATE_LIMIT_BURST", "DOCUMENT_RATE_LIMIT_RPS", "DOCUMENT_RATE_LIMIT_BURST"}

// TestRateLimitSettings reads RATE_LIMIT_RPS and RATE_LIMIT_BURST (the limit of /graphql)
// and DOCUMENT_RATE_LIMIT_RPS and DOCUMENT_RATE_LIMIT_BURST (the limit of the transfers
// of supporting documents): unset or blank means the default, 0 or a negative rate turns
// the limit off (RPS -1, which the document limit does not take for its default), and a
// value that is not a number, or a burst below 1, is refused naming the variable.
func TestRateLimitSettings(t *testing.T) {
	graphql, docs := httpapi.DefaultRateLimit, httpapi.DefaultDocumentRateLimit
	tests := []struct {
		name    string
		env     map[string]string
		graphql httpapi.RateLimit
		docs    httpapi.RateLimit
		bad     string // the variable the error must name; "" for none
	}{
		{name: "unset", graphql: graphql, docs: docs},
		{name: "blank", env: map[string]string{"RATE_LIMIT_RPS": " ", "DOCUMENT_RATE_LIMIT_BURST": ""}, graphql: graphql, docs: docs},
		{name: "both set", env: map[string]string{"RATE_LIMIT_RPS": "50", "RATE_LIMIT_BURST": "200", "DOCUMENT_RATE_LIMIT_RPS": " 0.25 ", "DOCUMENT_RATE_LIMIT_BURST": "10"},
			graphql: httpapi.RateLimit{RPS: 50, Burst: 200}, docs: httpapi.RateLimit{RPS: 0.25, Burst: 10}},
		{name: "rate only", env: map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "2"},
			graphql: graphql, docs: httpapi.RateLimit{RPS: 2, Burst: docs.Burst}},
		{name: "burst only", env: map[string]string{"RATE_LIMIT_BURST": "7"},
			graphql: httpapi.RateLimit{RPS: graphql.RPS, Burst: 7}, docs: docs},
		{name: "0 turns both off", env: map[string]string{"RATE_LIMIT_RPS": "0", "DOCUMENT_RATE_LIMIT_RPS": "0"},
			graphql: httpapi.RateLimit{RPS: -1, Burst: graphql.Burst}, docs: httpapi.RateLimit{RPS: -1, Burst: docs.Burst}},
		{name: "a negative rate turns it off", env: map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "-1", "DOCUMENT_RATE_LIMIT_BURST": "5"},
			graphql: graphql, docs: httpapi.RateLimit{RPS: -1, Burst: 5}},
		{name: "rate not a number", env: map[string]string{"RATE_LIMIT_RPS": "fast"}, bad: "RATE_LIMIT_RPS"},
		{name: "rate NaN", env: map[string]string{"RATE_LIMIT_RPS": "NaN"}, bad: "RATE_LIMIT_RPS"},
		{name: "rate infinite", env: map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "+Inf"}, bad: "DOCUMENT_RATE_LIMIT_RPS"},
		{name: "document rate with a unit", env: map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "0.5/s"}, bad: "DOCUMENT_RATE_LIMIT_RPS"},
		{name: "burst 0", env: map[string]string{"RATE_LIMIT_BURST": "0"}, bad: "RATE_LIMIT_BURST"},
		{name: "burst negative", env: map[string]string{"DOCUMENT_RATE_LIMIT_BURST": "-3"}, bad: "DOCUMENT_RATE_LIMIT_BURST"},
		{name: "burst fractional", env: map[string]string{"DOCUMENT_RATE_LIMIT_BURST": "2.5"}, bad: "DOCUMENT_RATE_LIMIT_BURST"},
		{name: "burst not a number", env: map[string]string{"RATE_LIMIT_BURST": "lots"}, bad: "RATE_LIMIT_BURST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range rateLimitVariables {
				t.Setenv(k, tt.env[k])
			}
			c := configFromEnv()
			if tt.bad != "" {
				// The message names the variable, and not as part of a longer name.
				err := c.rateLimitErr
				if err == nil || !strings.HasPrefix(err.Error(), tt.bad+" ") || !strings.Contains(err.Error(), tt.env[tt.bad]) {
					t.Errorf("error %v, want one naming %s and its value %q", err, tt.bad, tt.env[tt.bad])
				}
				return
			}
			if c.rateLimitErr != nil || c.rateLimit != tt.graphql || c.documentRateLimit != tt.docs {
				t.Errorf("limits %+v and %+v (%v), want %+v and %+v", c.rateLimit, c.documentRateLimit, c.rateLimitErr, tt.graphql, tt.docs)
			}
		})
	}
}

// TestServeRefusesABadRateLimit starts `jiuzhu serve` with a bad value of each rate limit
// variable: it stops before it listens, with a message naming the variable.
func TestServeRefusesABadRateLimit(t *testing.T) {
	for _, tt := range []struct{ name, value string }{
		{"RATE_LIMIT_RPS", "twenty"},
		{"RATE_LIMIT_BURST", "0"},
		{"DOCUMENT_RATE_LIMIT_RPS", "one every two seconds"},
		{"DOCUMENT_RATE_LIMIT_BURST", "-30"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range rateLimitVariables {
				t.Setenv(k, "")
			}
			t.Setenv("DATABASE_URL", "")
			t.Setenv("JWT_SECRET", "a-secret-for-the-rate-limit-settings-32-bytes")
			t.Setenv(tt.name, tt.value)
			var out bytes.Buffer
			err := run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-level", "error"}, &out)
			if err == nil || !strings.Contains(err.Error(), tt.name+" must be") || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("serve with %s=%q: %v, want an error naming %s", tt.name, tt.value, err, tt.name)
			}
			if strings.Contains(out.String(), "serves GraphiQL") {
				t.Errorf("serve started:\n%s", out.String())
			}
		})
	}
}

// TestServeAppliesTheRateLimitSettings starts `jiuzhu serve` twice with the rate limit
// variables set and counts the answers of one token's requests. First the documents are
// limited to a burst of 2 and /graphql is unlimited: the third download answers 429
// with RATE_LIMITED, while 150 GraphQL requests (past the default burst of 100) pass.
// Then the other way round: 40 downloads (past the default burst of 30) pass, and the
// third GraphQL request answers 429.
func TestServeAppliesTheRateLimitSettings(t *testing.T) {
	for _, tt := range []struct {
		name                     string
		env                      map[string]string
		documentsOK, graphqlOK   int
		documentsCap, graphqlCap bool // whether the next request past the OK ones is refused
	}{
		{"documents limited", map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "0.001", "DOCUMENT_RATE_LIMIT_BURST": "2", "RATE_LIMIT_RPS": "0"}, 2, 150, true, false},
		{"graphql limited", map[string]string{"DOCUMENT_RATE_LIMIT_RPS": "-1", "RATE_LIMIT_RPS": "0.001", "RATE_LIMIT_BURST": "2"}, 40, 2, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for k, v := range map[string]string{"DATABASE_URL": "", "JWT_SECRET": "a-secret-for-the-rate-limit-settings-32-bytes",
				"DEMO_HOUSEHOLDS": "20", "CORS_ORIGINS": "", "PG_RLS": "", "DOCUMENTS_DIR": "", "DOCUMENTS_S3_ENDPOINT": ""} {
				t.Setenv(k, v)
			}
			for _, k := range rateLimitVariables {
				t.Setenv(k, tt.env[k])
			}
			var tok bytes.Buffer
			if err := run(context.Background(), []string{"token", "--data-dir", dir, "--role", "officer", "--area", "371402000000"}, &tok); err != nil {
				t.Fatal(err)
			}
			base, out := serveForTest(t, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn"})
			bearer := "Bearer " + strings.TrimSpace(tok.String())
			send := func(method, path, body string) (int, string) {
				t.Helper()
				req, err := http.NewRequest(method, base+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", bearer)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}
			download := func() (int, string) {
				return send(http.MethodGet, "documents/0190a0b0-0000-7000-8000-000000000000", "")
			}
			query := func() (int, string) { return send(http.MethodPost, "graphql", `{"query":"{ me { subject } }"}`) }
			for _, c := range []struct {
				what   string
				call   func() (int, string)
				ok     int
				passed int // the status of a request that passes the limit
				capped bool
			}{
				{"download", download, tt.documentsOK, http.StatusNotFound, tt.documentsCap},
				{"graphql", query, tt.graphqlOK, http.StatusOK, tt.graphqlCap},
			} {
				for i := range c.ok {
					if code, body := c.call(); code != c.passed {
						t.Fatalf("%s %d: %d %s, want %d\nserver output:\n%s", c.what, i+1, code, body, c.passed, out.String())
					}
				}
				code, body := c.call()
				if refused := code == http.StatusTooManyRequests && strings.Contains(body, "RATE_LIMITED"); refused != c.capped {
					t.Errorf("%s %d: %d %s; refused %v, want %v", c.what, c.ok+1, code, body, refused, c.capped)
				}
			}
		})
	}
}
