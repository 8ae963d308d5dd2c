package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// nest returns a selection of members → household → members … n levels deep.
func nest(n int) string {
	q := "id"
	for i := n - 1; i >= 0; i-- {
		if i%2 == 0 {
			q = "household { " + q + " }"
		} else {
			q = "members { " + q + " }"
		}
	}
	return q
}

// costly costs 1 + first × 1223: with the default limit of 50,000, first: 40 passes
// and first: 50 does not.
func costly(first int) string { return costlyBy("first", first) }

// costlyBy is costly with the page size given as arg, first or last.
func costlyBy(arg string, n int) string {
	return fmt.Sprintf(`{ households(%s: %d) { edges { node { members { household { members { household { grants { id } } } } } } } } }`, arg, n)
}

// abusive are requests that each limit must refuse, with the code it must give.
func abusive() []struct{ name, query, code string } {
	aliases := make([]string, 30)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("a%d: me { subject }", i)
	}
	ops := make([]string, 8)
	for i := range ops {
		ops[i] = fmt.Sprintf("query q%d { me { subject } }", i)
	}
	// Fragments that double at every level: measured once each, so the check stays cheap.
	frags := "fragment f0 on Principal { s: subject }\n"
	for i := 1; i <= 30; i++ {
		frags += fmt.Sprintf("fragment f%d on Principal { ...f%d ...f%d }\n", i, i-1, i-1)
	}
	return []struct{ name, query, code string }{
		{"too deep", "{ member(id: \"x\") { " + nest(12) + " } }", httpapi.CodeQueryTooDeep},
		{"too complex", `{ households(first: 100) { edges { node { members { household { members { household { grants { events { id } } } } } } } } } }`, httpapi.CodeQueryTooComplex},
		{"too complex by first", costly(50), httpapi.CodeQueryTooComplex},
		{"too complex by last", costlyBy("last", 50), httpapi.CodeQueryTooComplex},
		{"too many aliases", "{ " + strings.Join(aliases, " ") + " }", httpapi.CodeTooManyAliases},
		{"aliases through fragments", frags + "{ me { ...f30 } x: me { ...f30 } }", httpapi.CodeTooManyAliases},
		{"too many operations", strings.Join(ops, "\n"), httpapi.CodeTooManyOperations},
		{"too many tokens", "{ me { " + strings.Repeat("subject ", 6000) + "} }", httpapi.CodeQueryTooLarge},
		{"NUL in a filter", `{ households(filter: {addressContains: "a\u0000"}) { totalCount } }`, httpapi.CodeBadUserInput},
		{"an overlong filter", `{ households(filter: {addressContains: "` + strings.Repeat("x", 50_000) + `"}) { totalCount } }`, httpapi.CodeBadUserInput},
		{"an overlong argument", `{ jurisdiction(code: "` + strings.Repeat("1", 50_000) + `") { name } }`, httpapi.CodeBadUserInput},
		{"introspection while off", `{ __schema { types { name } } }`, "GRAPHQL_VALIDATION_FAILED"},
	}
}

// opName names the operation to run of a document of several.
func opName(query string) string {
	if strings.Contains(query, "query q0") {
		return "q0"
	}
	return ""
}

func TestRequestLimits(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 20)
	tok := e.token(models.RoleAdmin, division.CityCode)
	for _, tt := range abusive() {
		t.Run(tt.name, func(t *testing.T) {
			r := e.doOp(tok, tt.query, opName(tt.query))
			if r.code() != tt.code {
				t.Fatalf("code %q, want %s: %.300s", r.code(), tt.code, r.raw)
			}
			if r.Errors[0].Message == "" {
				t.Error("no message")
			}
		})
	}
	// Within the limits: the deepest list query of the tests runs.
	var p listPage
	e.ok(tok, listQuery, nil, &p)
	if p.Households.TotalCount != 20 {
		t.Errorf("list query: %d households", p.Households.TotalCount)
	}
	// The cost scales with first.
	var ok struct{ Households struct{ Edges []any } }
	e.ok(tok, costly(40), nil, &ok)
	if len(ok.Households.Edges) != 20 {
		t.Errorf("costly(40): %d edges", len(ok.Households.Edges))
	}
	e.ok(tok, costlyBy("last", 40), nil, &ok)
	if len(ok.Households.Edges) != 20 {
		t.Errorf("costly by last 40: %d edges", len(ok.Households.Edges))
	}
	// The ceiling on first and on last, and the two together.
	for _, c := range []struct{ args, field string }{{"first: 101", "first"}, {"last: 101", "last"}, {"first: 5, last: 5", "last"}} {
		r := e.do(tok, `{ households(`+c.args+`) { totalCount } }`, nil)
		if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != c.field {
			t.Errorf("households(%s): %s, want BAD_USER_INPUT on %s", c.args, r.raw, c.field)
		}
	}
	// No schema hints outside demo mode, and no introspection unless configured.
	if r := e.do(tok, `{ househols { totalCount } }`, nil); len(r.Errors) == 0 || strings.Contains(r.raw, "households") {
		t.Errorf("suggestion: %s", r.raw)
	}
	if r := e.do(tok, `{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 || strings.Contains(r.raw, `"Query"`) {
		t.Errorf("introspection answered: %s", r.raw)
	}
	demo := startWith(t, storetest.MustOpen(t, store.SQLite), 1, func(o *httpapi.Options) { o.Introspection, o.Suggestions = true, true })
	var schema struct {
		Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
	}
	demo.ok(tok, `{ __schema { queryType { name } } }`, nil, &schema)
	if schema.Schema.QueryType.Name != "Query" {
		t.Errorf("introspection in demo mode: %+v", schema)
	}
	if r := demo.do(tok, `{ househols { totalCount } }`, nil); !strings.Contains(r.raw, "households") {
		t.Errorf("no suggestion in demo mode: %s", r.raw)
	}
}

func TestRequestTimeout(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 20, func(o *httpapi.Options) { o.RequestTimeout = time.Nanosecond })
	r := e.do(e.token(models.RoleAdmin, division.CityCode), `{ households { totalCount } }`, nil)
	if r.code() != httpapi.CodeTimeout || strings.Contains(r.raw, "context") || r.status != http.StatusServiceUnavailable {
		t.Errorf("timeout: %s", r.raw)
	}
}

// TestServerStaysUpUnderAbuse fires many abusive requests at once and checks that each
// is refused with its code while /healthz and a normal query keep answering.
func TestServerStaysUpUnderAbuse(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 50)
	tok := e.token(models.RoleAdmin, division.CityCode)
	cases := abusive()
	huge := `{"query": "{ me { subject } }", "pad": "` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	errs := make(chan string, workers*perWorker)
	stop := time.Now().Add(30 * time.Second)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				if time.Now().After(stop) {
					return
				}
				c := cases[(w+i)%len(cases)]
				body, _ := json.Marshal(map[string]any{"query": c.query, "operationName": opName(c.query)})
				switch i % 10 {
				case 9:
					body = []byte(huge)
				case 4:
					body = []byte(`{"query": 1, "variables": "` + strings.Repeat("x", 100_000) + `"}`)
				case 5:
					body = []byte(`{"query": "{ me { subject } }", "` + strings.Repeat("x", 100_000) + `": 1}`)
				}
				req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				var b bytes.Buffer
				_, _ = b.ReadFrom(res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK && !strings.Contains(b.String(), `"errors"`) {
					errs <- "an abusive request went through: " + c.name + ": " + b.String()[:min(200, b.Len())]
				}
			}
		}()
	}
	// Meanwhile the server answers its health check and a normal query.
	answered := 0
	for range 5 {
		res, err := http.Get(e.url + "/healthz")
		if err != nil || res.StatusCode != 200 {
			t.Errorf("healthz under load: %v", err)
		} else {
			answered++
			res.Body.Close()
		}
		var me struct{ Me struct{ Role string } }
		e.ok(tok, `{ me { role } households(first: 5) { totalCount } }`, nil, &me)
		if me.Me.Role != "ADMIN" {
			t.Errorf("normal query under load: %+v", me)
		}
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if answered != 5 {
		t.Errorf("healthz answered %d of 5", answered)
	}
}
