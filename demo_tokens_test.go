package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoTokensOnlyOnLoopback runs the demo on a loopback address and on every
// interface: only the first offers its tokens at /dashboard/demo-tokens.json, and each
// says at startup what it does.
func TestDemoTokensOnlyOnLoopback(t *testing.T) {
	tests := []struct {
		name, listen string
		status       int
		says         string
	}{
		{"loopback", "127.0.0.1:0", http.StatusOK, "the dashboard's sign-in offers the demo tokens"},
		{"every interface", "0.0.0.0:18117", http.StatusNotFound, "not a loopback address: the dashboard does not offer the demo tokens"},
	}
	dir := filepath.Join(t.TempDir(), "data")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hostPort, out, stop := serveDemo(t, dir, tt.listen, 50)
			defer stop()
			_, port, err := net.SplitHostPort(hostPort)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.Get("http://127.0.0.1:" + port + "/dashboard/demo-tokens.json")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("demo-tokens.json: %d %s, want %d", res.StatusCode, body, tt.status)
			}
			if tt.status != http.StatusOK && strings.Contains(string(body), "eyJ") {
				t.Errorf("a token was served: %s", body)
			}
			if !strings.Contains(out.String(), tt.says) {
				t.Errorf("startup does not say %q:\n%s", tt.says, out.String())
			}
			if len(tokens(out.String())) != 4 {
				t.Errorf("the console lacks the demo tokens:\n%s", out.String())
			}
		})
	}
}

// lifetime returns exp - iat of a printed token.
func lifetime(t *testing.T, tok string) time.Duration {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		t.Fatalf("not a token: %q", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ Iat, Exp int64 }
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return time.Duration(c.Exp-c.Iat) * time.Second
}

// TestTokenCommandFollowsMaxTTL: the token command's --ttl defaults to JWT_MAX_TTL and
// may not exceed it, so that it never mints a token the server refuses.
func TestTokenCommandFollowsMaxTTL(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("JWT_SECRET", "")
	tests := []struct {
		maxTTL  string
		ttl     string
		want    time.Duration
		wantErr string
	}{
		{"", "", 24 * time.Hour, ""},
		{"", "24h", 24 * time.Hour, ""},
		{"", "25h", 0, "at most 24h"},
		{"", "876000h", 0, "at most 24h"},
		{"2h", "", 2 * time.Hour, ""},
		{"2h", "90m", 90 * time.Minute, ""},
		{"2h", "3h", 0, "at most 2h"},
		{"forever", "", 0, "JWT_MAX_TTL"},
		{"-1h", "", 0, "JWT_MAX_TTL"},
	}
	for _, tt := range tests {
		t.Setenv("JWT_MAX_TTL", tt.maxTTL)
		args := []string{"token", "--data-dir", dir, "--role", "officer", "--area", "371402000000"}
		if tt.ttl != "" {
			args = append(args, "--ttl", tt.ttl)
		}
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("JWT_MAX_TTL=%q --ttl %q: err %v, want one about %s", tt.maxTTL, tt.ttl, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("JWT_MAX_TTL=%q --ttl %q: %v", tt.maxTTL, tt.ttl, err)
			continue
		}
		if got := lifetime(t, out.String()); got != tt.want {
			t.Errorf("JWT_MAX_TTL=%q --ttl %q: lifetime %s, want %s", tt.maxTTL, tt.ttl, got, tt.want)
		}
	}
}
