package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/store"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

var urlLine = regexp.MustCompile(`GraphiQL at (http://[0-9.:]+/)`)

// startDemo runs the default command in dataDir as `go run .` would, on a free loopback
// port with 300 demo households, and returns the base URL and everything it printed once
// it serves.
func startDemo(t *testing.T, dataDir string) (string, *syncBuffer, func()) {
	t.Helper()
	hostPort, out, stop := serveDemo(t, dataDir, "127.0.0.1:0", 300)
	return "http://" + hostPort + "/", out, stop
}

// serveDemo runs the default command in dataDir, listening on listen with the given
// number of demo households, and returns the host:port it serves on and everything it
// printed once it serves (the demo tokens included). The returned function stops it.
func serveDemo(t *testing.T, dataDir, listen string, households int) (string, *syncBuffer, func()) {
	t.Helper()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("DEMO_HOUSEHOLDS", strconv.Itoa(households))
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", listen, "--data-dir", dataDir, "--log-level", "warn"}, out)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := hostPortLine.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "village assistant") {
			return m[1], out, func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve ended with %v", err)
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("the server did not start:\n%s", out.String())
	return "", nil, nil
}

// hostPortLine finds the address printed at startup, of any host.
var hostPortLine = regexp.MustCompile(`GraphiQL at http://(\S+)/ and`)

// tokens returns the demo tokens printed, in order.
func tokens(out string) []string {
	var toks []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Count(line, ".") == 2 && strings.HasPrefix(line, "eyJ") {
			toks = append(toks, line)
		}
	}
	return toks
}

func query(t *testing.T, base, token, q string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	req, _ := http.NewRequest(http.MethodPost, base+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if out["errors"] != nil {
		t.Fatalf("errors: %s", raw)
	}
	return out["data"].(map[string]any)
}

// TestFirstRunServesTheDemo does what a new user does: run the server on a bare data
// directory, take the printed tokens, and query with each. A restart keeps the secret,
// so the first run's tokens still work, and seeds nothing twice.
func TestFirstRunServesTheDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, out, stop := startDemo(t, dir)
	toks := tokens(out.String())
	if len(toks) != 4 {
		t.Fatalf("printed %d tokens, want 4:\n%s", len(toks), out.String())
	}
	if !strings.Contains(out.String(), "seeded 300 households") {
		t.Errorf("no seeding reported:\n%s", out.String())
	}
	totals := make([]float64, len(toks))
	for i, tok := range toks {
		d := query(t, base, tok, `{ me { level } households { totalCount } }`)
		totals[i] = d["households"].(map[string]any)["totalCount"].(float64)
	}
	if totals[0] != 300 || !(totals[0] > totals[1] && totals[1] > totals[2] && totals[2] >= totals[3] && totals[3] > 0) {
		t.Errorf("totals by tier %v: want 300 for the city, shrinking to a non-empty village", totals)
	}
	for _, p := range []string{"jiuzhu.db", "jwt-secret"} {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not kept: %v", p, err)
		}
	}
	stop()

	base, out, stop = startDemo(t, dir)
	defer stop()
	if strings.Contains(out.String(), "seeded") {
		t.Error("the second run seeded again")
	}
	d := query(t, base, toks[0], `{ households { totalCount } }`)
	if d["households"].(map[string]any)["totalCount"].(float64) != 300 {
		t.Errorf("after restart: %v", d)
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"token", "--data-dir", dir, "--role", "officer", "--area", "371402000000"}, ""},
		{[]string{"token", "--data-dir", dir, "--role", "king", "--area", "371402000000"}, "role"},
		{[]string{"token", "--data-dir", dir, "--role", "officer", "--area", "110000000000"}, "area"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(context.Background(), tt.args, &out)
		if tt.wantErr == "" {
			if err != nil || strings.Count(strings.TrimSpace(out.String()), ".") != 2 {
				t.Errorf("%v: %q, %v", tt.args, out.String(), err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v: err %v, want one about %s", tt.args, err, tt.wantErr)
		}
	}
}

func TestPostgresNeedsASecret(t *testing.T) {
	t.Setenv("JWT_SECRET", "")
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
	err := run(context.Background(), []string{"serve", "--data-dir", t.TempDir()}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "JWT_SECRET") {
		t.Errorf("err %v, want one asking for JWT_SECRET", err)
	}
	t.Setenv("JWT_SECRET", "too-short")
	err = run(context.Background(), []string{"token", "--role", "admin", "--area", "371400000000"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("short secret: %v", err)
	}
}

func TestTokenCommandWithAKeyFile(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	pubFile, privFile := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "priv.pem")
	_ = os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o600)
	_ = os.WriteFile(privFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600)
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	t.Setenv("JWT_ALGORITHMS", "EdDSA")
	t.Setenv("JWT_PUBLIC_KEYS", "2026a="+pubFile)
	mint := func(kid string) string {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"token", "--data-dir", dir, "--role", "auditor", "--area", "371402000000", "--key", privFile, "--kid", kid}, &out); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	v, _, err := newVerifier(configFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(mint("2026a")); err != nil || p.Area != "371402000000" {
		t.Errorf("EdDSA token: %+v %v", p, err)
	}
	if _, err := v.Verify(mint("2025z")); err == nil {
		t.Error("a token naming an unknown kid verified")
	}
	// HS256 is not allowed: the plain token command refuses rather than mint a useless token.
	if err := run(context.Background(), []string{"token", "--data-dir", dir, "--role", "auditor", "--area", "371402000000"}, io.Discard); err == nil {
		t.Error("minted an HS256 token that the allow-list refuses")
	}
	if _, err := os.Stat(filepath.Join(dir, "jwt-secret")); err == nil {
		t.Error("generated an HS256 secret although HS256 is not allowed")
	}
}

// TestLookupLimitSetting reads ID_LOOKUP_PER_MINUTE and ID_LOOKUP_BURST: empty means the
// store's default, 0 a minute turns the limit off, anything malformed is refused.
func TestLookupLimitSetting(t *testing.T) {
	tests := []struct {
		perMinute, burst string
		want             store.LookupLimit
		ok               bool
	}{
		{"", "", store.LookupLimit{}, true},
		{"12", "5", store.LookupLimit{PerMinute: 12, Burst: 5}, true},
		{" 0.5 ", "", store.LookupLimit{PerMinute: 0.5}, true},
		{"0", "", store.LookupLimit{PerMinute: -1}, true},
		{"-1", "", store.LookupLimit{}, false},
		{"NaN", "", store.LookupLimit{}, false},
		{"many", "", store.LookupLimit{}, false},
		{"", "0", store.LookupLimit{}, false},
		{"", "2.5", store.LookupLimit{}, false},
	}
	for _, tt := range tests {
		got, err := lookupLimit(tt.perMinute, tt.burst)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("lookupLimit(%q, %q) = %+v, %v; want %+v ok=%v", tt.perMinute, tt.burst, got, err, tt.want, tt.ok)
		}
	}
}
