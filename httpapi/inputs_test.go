package httpapi_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"jiuzhu/division"
	"jiuzhu/graph"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestClientMistakesAreNotInternal sends the mistakes a client makes (a parameter of the
// wrong type, a NUL character, bytes that are not UTF-8 or an overlong string in any
// input, a malformed instant, introspection while it is off) on both databases, and checks that each is answered as the client's mistake,
// naming the field, that nothing is written, and that nothing is logged as an error.
func TestClientMistakesAreNotInternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var logs syncBuffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := startWith(t, st, 5, func(o *httpapi.Options) { o.Logger = log })
		tok := e.token(models.RoleAdmin, division.CityCode)
		village := seed.DemoVillage(st.Tree())
		long := strings.Repeat("街", 900_000/3) // 900 KB
		create := `mutation($in: HouseholdInput!) { createHousehold(input: $in) { id } }`
		member := func(name string) map[string]any {
			return map[string]any{"name": name, "idNumber": "371402199001010018", "relation": "HEAD"}
		}
		tests := []struct {
			name, query string
			vars        map[string]any
			code, field string
			message     string // a part of the message
		}{
			{"NUL in a filter", `{ households(filter: {addressContains: "a\u0000b"}) { totalCount } }`, nil,
				httpapi.CodeBadUserInput, "filter.addressContains", "NUL"},
			{"NUL in a filter, as a variable", `query($f: HouseholdFilter) { households(filter: $f) { totalCount } }`,
				map[string]any{"f": map[string]any{"externalRef": "x\x00"}}, httpapi.CodeBadUserInput, "filter.externalRef", "NUL"},
			{"NUL in an ID", `query($id: ID!) { household(id: $id) { id } }`, map[string]any{"id": "\x00"},
				httpapi.CodeBadUserInput, "id", "NUL"},
			{"NUL in a code", `{ jurisdiction(code: "3714\u0000") { name } }`, nil, httpapi.CodeBadUserInput, "code", "NUL"},
			{"NUL in a list of an input", create, map[string]any{"in": map[string]any{"village": village, "address": "x",
				"members": []any{member("a\x00b")}}}, httpapi.CodeBadUserInput, "input.members[0].name", "NUL"},
			{"NUL in an argument of a nested field", `query($t: String!, $a: String) { reserveFund(township: $t) { entries(after: $a) { totalCount } } }`,
				map[string]any{"t": seed.DemoTownship, "a": "\x00"}, httpapi.CodeBadUserInput, "after", "NUL"},
			{"a 900 KB filter", `query($a: String) { households(filter: {addressContains: $a}) { totalCount } }`, map[string]any{"a": long},
				httpapi.CodeBadUserInput, "filter.addressContains", "at most 200 characters"},
			{"a long name filter", `{ staff(filter: {nameContains: "` + strings.Repeat("王", 65) + `"}) { totalCount } }`, nil,
				httpapi.CodeBadUserInput, "filter.nameContains", "at most 64 characters"},
			{"a long code", `query($c: String!) { jurisdiction(code: $c) { name } }`, map[string]any{"c": strings.Repeat("1", 5000)},
				httpapi.CodeBadUserInput, "code", fmt.Sprintf("at most %d characters", httpapi.MaxStringInput)},
			{"a long address", create, map[string]any{"in": map[string]any{"village": village, "address": long, "members": []any{member("李四")}}},
				httpapi.CodeBadUserInput, "input.address", "characters"},
			{"introspection while off", `{ __schema { queryType { name } } }`, nil, "GRAPHQL_VALIDATION_FAILED", "__schema", "introspection is disabled"},
			{"__type while off", `{ __type(name: "Query") { name } }`, nil, "GRAPHQL_VALIDATION_FAILED", "__type", "introspection is disabled"},
			{"introspection in a fragment", `query { ...F } fragment F on Query { a: __schema { types { name } } }`, nil,
				"GRAPHQL_VALIDATION_FAILED", "__schema", "introspection is disabled"},
		}
		before := householdCount(e, tok)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tok, tt.query, tt.vars)
				if r.code() != tt.code || r.Errors[0].Extensions["field"] != tt.field || !strings.Contains(r.Errors[0].Message, tt.message) {
					t.Fatalf("want %s on %s (%q): %.400s", tt.code, tt.field, tt.message, r.raw)
				}
				if strings.Contains(r.raw, `"data"`) {
					t.Errorf("refused before execution, yet with data: %.300s", r.raw)
				}
			})
		}
		// A malformed instant is read while the field runs: BAD_USER_INPUT naming it.
		for _, from := range []any{"2024-99-99T00:00:00Z", "yesterday", 5} {
			r := e.do(tok, `query($f: Time) { auditEvents(filter: {from: $f}) { totalCount } }`, map[string]any{"f": from})
			if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "filter.from" ||
				!strings.HasPrefix(r.Errors[0].Message, "filter.from: must be") || !strings.Contains(r.Errors[0].Message, "RFC 3339") {
				t.Errorf("from %v: %.300s", from, r.raw)
			}
		}
		// A parameter of the wrong type is the request's mistake: 400, naming it.
		a := e.send(http.MethodPost, "", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok}, `{"query":1}`)
		var r response
		_ = json.Unmarshal([]byte(a.body), &r)
		if a.status != http.StatusBadRequest || r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "query" {
			t.Errorf(`{"query":1}: %d %s`, a.status, a.body)
		}
		// Bytes that are not UTF-8 in a GET query string, which PostgreSQL refuses to compare.
		a = e.send(http.MethodGet, "query=%7Bhouseholds(filter:%7BaddressContains:%22%FF%22%7D)%7BtotalCount%7D%7D", map[string]string{"Authorization": "Bearer " + tok}, "")
		r = response{}
		_ = json.Unmarshal([]byte(a.body), &r)
		if a.status != http.StatusBadRequest || r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "query" {
			t.Errorf("a query string that is not UTF-8: %d %s", a.status, a.body)
		}
		if after := householdCount(e, tok); after != before {
			t.Errorf("households %d, then %d", before, after)
		}
		if out := logs.String(); strings.Contains(out, "level=ERROR") {
			t.Errorf("client mistakes logged as errors:\n%.2000s", out)
		}
	})
}

func householdCount(e *env, tok string) int {
	e.t.Helper()
	var c struct{ Households struct{ TotalCount int } }
	e.ok(tok, `{ households { totalCount } }`, nil, &c)
	return c.Households.TotalCount
}

// TestEveryStringInputIsChecked calls every root field once for each string it takes,
// in its arguments or anywhere in their input objects, with that string holding a NUL
// character and then with it too long, and checks that each call is BAD_USER_INPUT naming
// that string's path: a field added later is covered without a line of its own.
func TestEveryStringInputIsChecked(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 1)
	tok := e.token(models.RoleAdmin, division.CityCode)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	calls := 0
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			for i, target := range f.Arguments {
				for _, leaf := range stringLeaves(schema, target.Name, target.Type, 0) {
					for _, bad := range []string{"a\x00b", strings.Repeat("x", httpapi.MaxStringInput+1)} {
						query, vars := callWith(schema, root, f, i, leaf, bad)
						r := e.do(tok, query, vars)
						calls++
						if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != leaf.path {
							t.Errorf("%s.%s with a bad %s: %.300s", root.Name, f.Name, leaf.path, r.raw)
						}
					}
				}
			}
		}
	}
	if calls < 100 {
		t.Errorf("only %d calls: the schema walk missed the string inputs", calls)
	}
}

// leaf is one string of an argument: its path as errors name it, and how to put a value
// there into a sample of the argument.
type leaf struct {
	path string
	set  func(value string) any
}

// stringLeaves lists the strings that an argument of type t takes, nested input objects
// and lists included (one element each), to depth 4.
func stringLeaves(s *ast.Schema, path string, t *ast.Type, depth int) []leaf {
	if depth > 4 {
		return nil
	}
	if t.Elem != nil {
		var out []leaf
		for _, l := range stringLeaves(s, path+"[0]", t.Elem, depth+1) {
			out = append(out, leaf{l.path, func(v string) any { return []any{l.set(v)} }})
		}
		return out
	}
	def := s.Types[t.NamedType]
	switch {
	case def.Kind == ast.Scalar && isStringScalar(def.Name):
		return []leaf{{path, func(v string) any { return v }}}
	case def.Kind == ast.InputObject:
		var out []leaf
		for _, fd := range def.Fields {
			for _, l := range stringLeaves(s, path+"."+fd.Name, fd.Type, depth+1) {
				out = append(out, leaf{l.path, func(v string) any {
					m := sample(s, t, depth).(map[string]any)
					m[fd.Name] = l.set(v)
					return m
				}})
			}
		}
		return out
	}
	return nil
}

func isStringScalar(name string) bool {
	switch name {
	case "Int", "Float", "Boolean":
		return false
	}
	return true
}

// sample is a valid value of t: required input fields filled, optional ones left out.
func sample(s *ast.Schema, t *ast.Type, depth int) any {
	if t.Elem != nil {
		return []any{sample(s, t.Elem, depth+1)}
	}
	def := s.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[0].Name
	case ast.InputObject:
		m := map[string]any{}
		for _, fd := range def.Fields {
			if fd.Type.NonNull && fd.DefaultValue == nil && depth < 6 {
				m[fd.Name] = sample(s, fd.Type, depth+1)
			}
		}
		return m
	}
	switch def.Name {
	case "Int":
		return 1
	case "Float":
		return 1.5
	case "Boolean":
		return true
	case "Money":
		return "1.00"
	case "Date":
		return "2024-01-01"
	case "Time":
		return "2024-01-01T00:00:00Z"
	}
	return "x"
}

// callWith is a call of root field f with every argument a variable: the one at target
// set through l to value, the other required ones sampled.
func callWith(s *ast.Schema, root *ast.Definition, f *ast.FieldDefinition, target int, l leaf, value string) (string, map[string]any) {
	var decl, args []string
	vars := map[string]any{}
	for i, a := range f.Arguments {
		var v any
		switch {
		case i == target:
			v = l.set(value)
		case a.Type.NonNull && a.DefaultValue == nil:
			v = sample(s, a.Type, 0)
		default:
			continue
		}
		name := fmt.Sprintf("a%d", i)
		decl = append(decl, "$"+name+": "+a.Type.String())
		args = append(args, a.Name+": $"+name)
		vars[name] = v
	}
	sel := ""
	if k := s.Types[f.Type.Name()].Kind; k == ast.Object || k == ast.Interface || k == ast.Union {
		sel = " { __typename }"
	}
	op := "query"
	if root == s.Mutation {
		op = "mutation"
	}
	return fmt.Sprintf("%s(%s) { %s(%s)%s }", op, strings.Join(decl, ", "), f.Name, strings.Join(args, ", "), sel), vars
}
