package dashboard_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"jiuzhu/dashboard"
)

func get(t *testing.T, h http.Handler, path string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPageAndHeaders(t *testing.T) {
	h := dashboard.Handler(dashboard.Options{})
	tests := []struct {
		path, contentType string
		status            int
	}{
		{"/dashboard/", "text/html", 200},
		{"/dashboard/app.js", "text/javascript", 200},
		{"/dashboard/app.css", "text/css", 200},
		{"/dashboard/favicon.svg", "image/svg+xml", 200},
		{"/dashboard", "", http.StatusMovedPermanently},
		{"/dashboard/demo-tokens.json", "", 404},
		{"/dashboard/nope.js", "", 404},
	}
	for _, tt := range tests {
		res, _ := get(t, h, tt.path)
		if res.StatusCode != tt.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.contentType) {
			t.Errorf("GET %s: %d %s, want %d %s", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.status, tt.contentType)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", tt.path, res.Header)
		}
	}
}

func TestDemoTokensOnlyWhenGiven(t *testing.T) {
	toks := []dashboard.DemoToken{{Label: "县级经办人员（德城区）", Area: "371402000000", Token: "a.b.c"}}
	res, body := get(t, dashboard.Handler(dashboard.Options{DemoTokens: toks}), "/dashboard/demo-tokens.json")
	var got []dashboard.DemoToken
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got) != 1 || got[0] != toks[0] {
		t.Fatalf("demo tokens: %d %s", res.StatusCode, body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("demo tokens may be cached: %q", res.Header.Get("Cache-Control"))
	}
}

// TestAssetsAreSelfContained checks what the CSP and offline machines need: no inline
// script or style, no handler attributes, nothing loaded from another origin, and the
// token kept out of localStorage.
func TestAssetsAreSelfContained(t *testing.T) {
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`)
	err := fs.WalkDir(dashboard.Assets(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dashboard.Assets(), path)
		if err != nil {
			return err
		}
		s := string(b)
		if external.MatchString(s) || strings.Contains(s, "@import") || strings.Contains(s, "fetch('http") {
			t.Errorf("%s loads something from another origin", path)
		}
		if strings.Contains(s, "localStorage") {
			t.Errorf("%s uses localStorage", path)
		}
		if strings.HasSuffix(path, ".html") {
			if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(s) || strings.Contains(s, "<style") ||
				regexp.MustCompile(`\son[a-z]+\s*=`).MatchString(s) || strings.Contains(s, "style=") {
				t.Errorf("%s has inline script, style or handlers", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
