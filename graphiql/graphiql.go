// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from assets embedded in
// the binary: GraphiQL 3.8.3 and React 18.3.1 (MIT licences beside them in assets/).
// Nothing is loaded from a CDN, so the page works on machines without internet access.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed assets
var assets embed.FS

// contentSecurityPolicy allows scripts, styles and fonts from this origin only, requests
// to this origin only, and no framing. GraphiQL sets inline styles on its panes, hence
// 'unsafe-inline' for styles (never for scripts).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

// Page returns the handler of the GraphiQL page, to be mounted at "/"; it talks to
// /graphql on the same origin.
func Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w)
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, assets, "assets/index.html")
	})
}

// Assets returns the handler of the page's scripts and styles, to be mounted at
// "/graphiql/".
func Assets() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory exists at build time
	}
	files := http.StripPrefix("/graphiql/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".html") {
			http.NotFound(w, r) // no directory listings; the page itself is at "/"
			return
		}
		secure(w)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

func secure(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}
