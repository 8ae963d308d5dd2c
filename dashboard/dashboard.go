// Package dashboard serves jiuzhu's own dashboard page at /dashboard/: plain HTML, CSS
// and JavaScript embedded in the binary (no build step, no CDN), that reads everything
// through the public GraphQL API with the caller's bearer token. It proves that the API
// gives a dashboard front end what it needs: areaStats, trends and, when the schema has
// it, staffingReport.
package dashboard

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

//go:embed assets
var assets embed.FS

// ContentSecurityPolicy is the policy of every response under /dashboard/: scripts,
// styles and requests from the same origin only, no inline script, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// DemoToken is a token the demo offers on the sign-in screen.
type DemoToken struct {
	// Label says who the token is for, in Chinese, for the page.
	Label string `json:"label"`
	// Area is the 12-digit code of the token's area.
	Area string `json:"area"`
	// Token is the signed JWT.
	Token string `json:"token"`
}

// Options configures the dashboard.
type Options struct {
	// DemoTokens are offered on the sign-in screen through /dashboard/demo-tokens.json.
	// Set them in demo mode only: with none, that endpoint does not exist.
	DemoTokens []DemoToken
}

// Handler returns the dashboard: the page and its assets under /dashboard/, a redirect
// from /dashboard, and in demo mode /dashboard/demo-tokens.json. Every response carries
// the security headers of the page.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /dashboard/", http.StripPrefix("/dashboard", http.FileServerFS(Assets())))
	mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusMovedPermanently))
	if len(o.DemoTokens) > 0 {
		body, err := json.Marshal(o.DemoTokens)
		if err != nil {
			panic(err)
		}
		mux.HandleFunc("GET /dashboard/demo-tokens.json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		})
	}
	return secure(mux)
}

// secure sets the security headers of the page on every response.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache")
		}
		next.ServeHTTP(w, r)
	})
}

// Assets returns the embedded files of the page.
func Assets() fs.FS {
	files, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return files
}
