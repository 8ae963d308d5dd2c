package httpapi_test

import (
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

// TestPersistedQueriesAndDocumentErrorsCarryACode sends documents that do not parse or
// validate and persisted queries unknown, of another version or with a wrong hash, and
// requires each answer to carry the documented status and extensions.code (gqlgen leaves
// the persisted-query mistakes without a code, which the presenter took for INTERNAL).
// It also runs a persisted query by its hash after registering it.
func TestPersistedQueriesAndDocumentErrorsCarryACode(t *testing.T) {
	e := start(t, storetest.MustOpen(t, store.SQLite), 1)
	tok := e.token(models.RoleAdmin, division.CityCode)
	q := "{ me { role } }"
	sum := sha256.Sum256([]byte(q))
	hash := hex.EncodeToString(sum[:])
	apq := func(version int, query string) string {
		p := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": version, "sha256Hash": hash}}}
		if query != "" {
			p["query"] = query
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	tests := []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"syntax error", `{"query":"{ me { "}`, 200, "GRAPHQL_PARSE_FAILED", ""},
		{"unknown field", `{"query":"{ nope }"}`, 200, "GRAPHQL_VALIDATION_FAILED", ""},
		{"variable of the wrong type", `{"query":"query($a: Int!) { households(first: $a) { totalCount } }","variables":{"a":"x"}}`, 200, "GRAPHQL_VALIDATION_FAILED", ""},
		{"persisted query not yet known", apq(1, ""), 200, httpapi.CodePersistedQueryNotFound, ""},
		{"persisted query with a wrong hash", apq(1, "{ me { subject } }"), 200, httpapi.CodeBadUserInput, "extensions.persistedQuery"},
		{"persisted query of another version", apq(2, ""), 200, httpapi.CodeBadUserInput, "extensions.persistedQuery"},
		{"persisted query registered", apq(1, q), 200, "", ""},
		{"persisted query by hash", apq(1, ""), 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.url+"/graphql", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
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
			if tt.field != "" && r.Errors[0].Extensions["field"] != tt.field {
				t.Errorf("field %v, want %s: %s", r.Errors[0].Extensions["field"], tt.field, raw)
			}
			if tt.code == "" && !strings.Contains(string(raw), `"role":"ADMIN"`) {
				t.Errorf("no answer: %s", raw)
			}
		})
	}
}

// TestREADMEListsEveryErrorCode requires the README's table of error codes to hold every
// code the server writes: each Code constant of this package and gqlgen's parse and
// validation codes, and no code that does not exist.
func TestREADMEListsEveryErrorCode(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Error codes\n")
	if !ok {
		t.Fatal("README.md has no section ## Error codes")
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
