package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestRequestErrorsCarryACode sends requests that the server cannot take as GraphQL
// (bad JSON, an unknown content type, a mutation by GET, persisted queries unknown, of
// another version or with a wrong hash) and requires each answer to carry the
// documented status and extensions.code: gqlgen writes some of them with no code, or
// the presenter once turned them into INTERNAL. It also runs a persisted query by its
// hash after registering it.
func TestRequestErrorsCarryACode(t *testing.T) {
	e := start(t, storetest.MustOpen(t, store.SQLite), 1)
	tok := e.token(models.RoleAdmin, division.CityCode)
	q := "{ me { role } }"
	sum := sha256.Sum256([]byte(q))
	hash := hex.EncodeToString(sum[:])
	apq := func(version int, query string) string {
		b, _ := json.Marshal(map[string]any{"query": query, "extensions": map[string]any{
			"persistedQuery": map[string]any{"version": version, "sha256Hash": hash}}})
		return string(b)
	}
	tests := []struct {
		name, method, body, contentType string
		status                          int
		code                            string
	}{
		{"syntax error", "POST", `{"query":"{ me { "}`, "application/json", 422, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", "POST", `{"query":"{ nope }"}`, "application/json", 422, "GRAPHQL_VALIDATION_FAILED"},
		{"variable of the wrong type", "POST", `{"query":"query($a: Int!) { households(first: $a) { totalCount } }","variables":{"a":"x"}}`, "application/json", 422, "GRAPHQL_VALIDATION_FAILED"},
		{"no operation", "POST", `{}`, "application/json", 422, "GRAPHQL_VALIDATION_FAILED"},
		{"persisted query not yet known", "POST", apq(1, ""), "application/json", 200, httpapi.CodePersistedQueryNotFound},
		{"persisted query with a wrong hash", "POST", apq(1, "{ me { subject } }"), "application/json", 422, httpapi.CodeBadRequest},
		{"persisted query of another version", "POST", apq(2, ""), "application/json", 422, httpapi.CodeBadRequest},
		{"persisted query registered", "POST", apq(1, q), "application/json", 200, ""},
		{"persisted query by hash", "POST", apq(1, ""), "application/json", 200, ""},
		{"body not JSON", "POST", `{nope`, "application/json", 400, httpapi.CodeBadRequest},
		{"content type of no transport", "POST", `query=x`, "text/plain", 400, httpapi.CodeBadRequest},
		{"mutation by GET", "GET", `mutation { endStaff(id: "x") { id } }`, "", 406, httpapi.CodeBadRequest},
		{"GET variables not JSON", "GET", `{ me { role } }&variables={`, "", 400, httpapi.CodeBadRequest},
		{"chunked body over the limit", "CHUNKED", `{"query": "{ me { role } }", "pad": "` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, "application/json", 413, httpapi.CodeRequestTooLarge},
		{"chunked body within the limit", "CHUNKED", `{"query": "{ me { role } }"}`, "application/json", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.method == "GET" {
				query, vars, _ := strings.Cut(tt.body, "&variables=")
				u := e.url + "/graphql?query=" + urlEscape(query)
				if vars != "" {
					u += "&variables=" + urlEscape(vars)
				}
				req, _ = http.NewRequest("GET", u, nil)
			} else {
				var body io.Reader = bytes.NewReader([]byte(tt.body))
				if tt.method == "CHUNKED" {
					body = io.MultiReader(body) // no length: sent chunked
				}
				req, _ = http.NewRequest("POST", e.url+"/graphql", body)
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var r response
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatalf("status %d, body %q: %v", res.StatusCode, raw, err)
			}
			if res.StatusCode != tt.status || r.code() != tt.code {
				t.Errorf("status %d, code %q, want %d and %q: %s", res.StatusCode, r.code(), tt.status, tt.code, raw)
			}
			if tt.code == "" && !strings.Contains(string(raw), `"role":"ADMIN"`) {
				t.Errorf("no answer: %s", raw)
			}
			if tt.code == httpapi.CodeBadRequest && strings.Contains(string(raw), "nope") {
				t.Errorf("the error repeats the request body: %s", raw)
			}
		})
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "{", "%7B", "}", "%7D", "\"", "%22", "&", "%26", "(", "%28", ")", "%29", ":", "%3A")
	return r.Replace(s)
}

// TestREADMEListsEveryErrorCode requires the README's table of error codes to hold every
// code the server writes: each Code constant of this package and gqlgen's parse and
// validation codes, and no code that does not exist.
func TestREADMEListsEveryErrorCode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Error codes\n")
	if !ok {
		t.Fatal("README.md has no section ### Error codes")
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z_]+)`")
	var documented []string
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	want := []string{"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						want = append(want, v)
					}
				}
				return true
			})
		}
	}
	if len(want) < 10 {
		t.Fatalf("found only %v in the package's Code constants", want)
	}
	for _, c := range want {
		if !slices.Contains(documented, c) {
			t.Errorf("README.md's table of error codes lacks %s", c)
		}
	}
	for _, c := range documented {
		if !slices.Contains(want, c) {
			t.Errorf("README.md's table of error codes lists %s, which the server never writes", c)
		}
	}
}
