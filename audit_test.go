package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jiuzhu/store/storetest"
)

// auditDir holds the graphql-http audit suite (package.json, its lock file) and the
// script that runs it.
const auditDir = "testdata/audit"

// TestGraphQLOverHTTPAudit runs the graphql-http audit suite of GraphQL-over-HTTP
// conformance against the real server, started as `jiuzhu serve` with the default rate
// limits, on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL. Every request of
// the audit carries a token, as a client's would, so the per-subject rate limit counts
// it. It requires 0 errors and 0 warnings. Introspection is on, since audits ask for
// __type; the transport is the same with it off.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the graphql-http audit runs on Node.js (apt-get install nodejs npm)")
	}
	installAuditSuite(t)
	for _, tt := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }}, // skips without TEST_DATABASE_URL
	} {
		t.Run(tt.name, func(t *testing.T) {
			dbURL := tt.url(t)
			dir := t.TempDir()
			for k, v := range map[string]string{
				"DATABASE_URL": dbURL, "JWT_SECRET": "a-secret-for-the-graphql-http-audit-32-bytes",
				"GRAPHQL_INTROSPECTION": "on", "DEMO_HOUSEHOLDS": "20",
				"RATE_LIMIT_RPS": "", "RATE_LIMIT_BURST": "", "CORS_ORIGINS": "", "PG_RLS": "",
				"DOCUMENT_RATE_LIMIT_RPS": "", "DOCUMENT_RATE_LIMIT_BURST": "",
			} {
				t.Setenv(k, v)
			}
			common := []string{"--data-dir", dir, "--log-level", "warn"}
			if err := run(context.Background(), append([]string{"migrate"}, common...), io.Discard); err != nil {
				t.Fatal(err)
			}
			var tok bytes.Buffer
			if err := run(context.Background(), []string{"token", "--data-dir", dir, "--role", "admin", "--area", "371400000000"}, &tok); err != nil {
				t.Fatal(err)
			}
			base, out := serveForTest(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, common...))
			results := runAudit(t, node, base+"graphql", "Bearer "+strings.TrimSpace(tok.String()))
			counts := map[string]int{}
			for _, r := range results {
				counts[r.Status]++
				switch r.Status {
				case "error", "warn":
					t.Errorf("%s %s %s: %s (HTTP %d) %.300s", r.Status, r.ID, r.Name, r.Reason, r.HTTPStatus, r.Body)
				case "notice":
					t.Logf("notice %s %s: %s", r.ID, r.Name, r.Reason)
				}
			}
			t.Logf("graphql-http audit on %s: %d ok, %d notices, %d warnings, %d errors",
				tt.name, counts["ok"], counts["notice"], counts["warn"], counts["error"])
			if counts["ok"] < 50 {
				t.Errorf("only %d audits passed of %d: %v\nserver output:\n%s", counts["ok"], len(results), counts, out.String())
			}
		})
	}
}

// auditResult is one line that audit.mjs prints.
type auditResult struct {
	ID, Name, Status, Reason, Body string
	HTTPStatus                     int
}

// runAudit runs audit.mjs against url with the Authorization header auth and returns
// its results.
func runAudit(t *testing.T, node, url, auth string) []auditResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.mjs", url, auth)
	cmd.Dir = auditDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("audit.mjs: %v\n%s", err, stderr.String())
	}
	var results []auditResult
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r auditResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit.mjs printed %q: %v", sc.Text(), err)
		}
		if r.ID != "" {
			results = append(results, r)
		}
	}
	return results
}

// installAuditSuite runs npm ci in auditDir unless the suite is installed already (CI
// installs it before the tests).
func installAuditSuite(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http", "package.json")); err == nil {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("node is installed but npm is not: install npm, or run npm ci in %s", auditDir)
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = auditDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", auditDir, err, out)
	}
}

// serveForTest runs the command args in the background until the test ends and returns
// the base URL it serves and its output.
func serveForTest(t *testing.T, args []string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("the server did not start:\n%s", out.String())
	return "", nil
}
