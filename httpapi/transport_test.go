package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// rawAnswer is an HTTP answer of /graphql, undecoded.
type rawAnswer struct {
	status int
	header http.Header
	body   string
}

// send sends one request to /graphql: method, the query string (GET), the headers and
// the body as they are.
func (e *env) send(method, query string, headers map[string]string, body string) rawAnswer {
	e.t.Helper()
	u := e.url + "/graphql"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// TestGraphQLOverHTTP checks the transport against the GraphQL-over-HTTP specification:
// malformed requests are 4xx naming the parameter; parse, validation and variable errors
// are 200 under application/json and 400 under application/graphql-response+json, with
// no data entry; the answer's media type follows Accept.
func TestGraphQLOverHTTP(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 1)
	tok := e.token(models.RoleAdmin, division.CityCode)
	const (
		jsonType = "application/json"
		gqlType  = "application/graphql-response+json"
	)
	post := func(accept string) map[string]string {
		h := map[string]string{"Content-Type": jsonType, "Authorization": "Bearer " + tok}
		if accept != "" {
			h["Accept"] = accept
		}
		return h
	}
	get := map[string]string{"Authorization": "Bearer " + tok}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	tests := []struct {
		name, method, query string
		headers             map[string]string
		body                string
		status              int
		media               string // the answer's media type
		code, field         string // of the first error; "" for none
		data                bool   // whether the answer has a data entry
	}{
		{"a query", "POST", "", post(""), `{"query":"{ me { role } }"}`, 200, jsonType, "", "", true},
		{"a query asking graphql-response+json", "POST", "", post(gqlType), `{"query":"{ me { role } }"}`, 200, gqlType, "", "", true},
		{"a query accepting anything", "POST", "", post("*/*"), `{"query":"{ me { role } }"}`, 200, jsonType, "", "", true},
		{"a query preferring application/json", "POST", "", post(gqlType + ";q=0.5, application/json"), `{"query":"{ me { role } }"}`, 200, jsonType, "", "", true},
		{"null parameters", "POST", "", post(""), `{"query":"{ me { role } }","operationName":null,"variables":null,"extensions":null}`, 200, jsonType, "", "", true},
		{"a query over GET", "GET", q("query", "{ me { role } }"), get, "", 200, jsonType, "", "", true},
		{"a number as query", "POST", "", post(""), `{"query":1}`, 400, jsonType, httpapi.CodeBadUserInput, "query", false},
		{"an object as query", "POST", "", post(gqlType), `{"query":{"a":1}}`, 400, gqlType, httpapi.CodeBadUserInput, "query", false},
		{"a number as operationName", "POST", "", post(""), `{"query":"{ me { role } }","operationName":7}`, 400, jsonType, httpapi.CodeBadUserInput, "operationName", false},
		{"a string as variables", "POST", "", post(""), `{"query":"{ me { role } }","variables":"{}"}`, 400, jsonType, httpapi.CodeBadUserInput, "variables", false},
		{"an array as extensions", "POST", "", post(""), `{"query":"{ me { role } }","extensions":[]}`, 400, jsonType, httpapi.CodeBadUserInput, "extensions", false},
		{"an unknown parameter", "POST", "", post(""), `{"qeury":"{ me { role } }"}`, 400, jsonType, httpapi.CodeBadUserInput, "qeury", false},
		{"an unknown parameter beside a query", "POST", "", post(""), `{"query":"{ me { role } }","token":"x"}`, 400, jsonType, httpapi.CodeBadUserInput, "token", false},
		{"no query", "POST", "", post(""), `{"variables":{}}`, 400, jsonType, httpapi.CodeBadUserInput, "query", false},
		{"malformed JSON", "POST", "", post(""), `{"query": "{ me { role } }"`, 400, jsonType, httpapi.CodeBadUserInput, "body", false},
		{"a JSON array", "POST", "", post(""), `[{"query":"{ me { role } }"}]`, 400, jsonType, httpapi.CodeBadUserInput, "body", false},
		{"trailing data", "POST", "", post(""), `{"query":"{ me { role } }"} {}`, 400, jsonType, httpapi.CodeBadUserInput, "body", false},
		{"an empty body", "POST", "", post(""), ``, 400, jsonType, httpapi.CodeBadUserInput, "body", false},
		{"no Content-Type", "POST", "", map[string]string{"Authorization": "Bearer " + tok}, `{"query":"{ me { role } }"}`, 415, jsonType, httpapi.CodeBadUserInput, "Content-Type", false},
		{"text/plain", "POST", "", map[string]string{"Content-Type": "text/plain"}, `{"query":"{ me { role } }"}`, 415, jsonType, httpapi.CodeBadUserInput, "Content-Type", false},
		{"an unacceptable Accept", "POST", "", post("text/html"), `{"query":"{ me { role } }"}`, 406, jsonType, httpapi.CodeBadUserInput, "Accept", false},
		{"a parse error, application/json", "POST", "", post(jsonType), `{"query":"{"}`, 200, jsonType, "GRAPHQL_PARSE_FAILED", "", false},
		{"a parse error, graphql-response+json", "POST", "", post(gqlType), `{"query":"{"}`, 400, gqlType, "GRAPHQL_PARSE_FAILED", "", false},
		{"a validation error, application/json", "POST", "", post(jsonType), `{"query":"{ nosuchfield }"}`, 200, jsonType, "GRAPHQL_VALIDATION_FAILED", "", false},
		{"a validation error, graphql-response+json", "POST", "", post(gqlType), `{"query":"{ nosuchfield }"}`, 400, gqlType, "GRAPHQL_VALIDATION_FAILED", "", false},
		{"a variable error, application/json", "POST", "", post(jsonType), `{"query":"query($id: ID!) { household(id: $id) { id } }","variables":{"id":null}}`, 200, jsonType, "GRAPHQL_VALIDATION_FAILED", "", false},
		{"a variable error, graphql-response+json", "POST", "", post(gqlType), `{"query":"query($id: ID!) { household(id: $id) { id } }","variables":{"id":null}}`, 400, gqlType, "GRAPHQL_VALIDATION_FAILED", "", false},
		{"a request limit, application/json", "POST", "", post(jsonType), `{"query":"{ member(id: \"x\") { ` + nest(12) + ` } }"}`, 422, jsonType, httpapi.CodeQueryTooDeep, "", false},
		{"a request limit, graphql-response+json", "POST", "", post(gqlType), `{"query":"{ member(id: \"x\") { ` + nest(12) + ` } }"}`, 422, gqlType, httpapi.CodeQueryTooDeep, "", false},
		{"a mutation over GET", "GET", q("query", "mutation { __typename }"), get, "", 405, jsonType, httpapi.CodeBadUserInput, "", false},
		{"an unknown parameter over GET", "GET", q("query", "{ me { role } }", "token", tok), get, "", 400, jsonType, httpapi.CodeBadUserInput, "token", false},
		{"a repeated parameter over GET", "GET", q("query", "{ me { role } }", "query", "{ me { area { code } } }"), get, "", 400, jsonType, httpapi.CodeBadUserInput, "query", false},
		{"a query that is not UTF-8 over GET", "GET", "query=%7Bjurisdiction(code:%22%FF%22)%7Bname%7D%7D", get, "", 400, jsonType, httpapi.CodeBadUserInput, "query", false},
		{"variables not an object over GET", "GET", q("query", "{ me { role } }", "variables", "[1]"), get, "", 400, jsonType, httpapi.CodeBadUserInput, "variables", false},
		{"PUT", "PUT", "", post(""), `{"query":"{ me { role } }"}`, 405, jsonType, httpapi.CodeBadUserInput, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.send(tt.method, tt.query, tt.headers, tt.body)
			if a.status != tt.status {
				t.Errorf("status %d, want %d: %.300s", a.status, tt.status, a.body)
			}
			if got := a.header.Get("Content-Type"); !strings.HasPrefix(got, tt.media) || !strings.Contains(got, "charset=utf-8") {
				t.Errorf("Content-Type %q, want %s; charset=utf-8", got, tt.media)
			}
			var r map[string]json.RawMessage
			if err := json.Unmarshal([]byte(a.body), &r); err != nil {
				t.Fatalf("not JSON: %.300s", a.body)
			}
			if _, has := r["data"]; has != tt.data {
				t.Errorf("data entry present %v, want %v: %.300s", has, tt.data, a.body)
			}
			var errs []gqlError
			_ = json.Unmarshal(r["errors"], &errs)
			if tt.code == "" {
				if len(errs) > 0 {
					t.Errorf("errors: %.300s", a.body)
				}
				return
			}
			if len(errs) == 0 || errs[0].Extensions["code"] != tt.code || errs[0].Message == "" {
				t.Fatalf("want code %s: %.300s", tt.code, a.body)
			}
			if tt.field != "" && errs[0].Extensions["field"] != tt.field {
				t.Errorf("field %v, want %s", errs[0].Extensions["field"], tt.field)
			}
			if tt.status == http.StatusMethodNotAllowed && a.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestRefusedBodiesAreNeitherEchoedNorLogged sends many large malformed bodies holding
// personal data without a token, as an attacker filling the disk would, and checks that
// no answer echoes them, that the log holds none of their content, and that the
// log's warnings are limited per client address, not one per request.
func TestRefusedBodiesAreNeitherEchoedNorLogged(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := startWith(t, st, 1, func(o *httpapi.Options) { o.Logger = log })
	// ASCII personal data that the log filter does not recognise: a name in pinyin, an ID
	// number written with separators, an income.
	secrets := []string{"Ouyang Xiumei", "371402-19900101-0018", "2345.67"}
	person := `"name":"Ouyang Xiumei","idNumber":"371402-19900101-0018","monthlyIncome":"2345.67"`
	pad := strings.Repeat("Ouyang Xiumei 371402-19900101-0018 ", 256<<10/36)
	bodies := []string{
		`{"query":"mutation { x }","variables":{` + person + `,"pad":"` + pad + `"}`, // unterminated
		`{"query":1,"variables":{` + person + `,"pad":"` + pad + `"}}`,
		`{"` + pad + `":{` + person + `}}`,
		`not json at all: ` + person + pad,
	}
	const requests = 100
	begin := time.Now()
	wrong := map[int]bool{}
	for i := range requests {
		a := e.send(http.MethodPost, "", map[string]string{"Content-Type": "application/json"}, bodies[i%len(bodies)])
		if a.status != http.StatusBadRequest && !wrong[i%len(bodies)] {
			wrong[i%len(bodies)] = true
			t.Errorf("body %d: status %d: %.300s", i%len(bodies), a.status, a.body)
		}
		for _, s := range secrets {
			if strings.Contains(a.body, s) {
				t.Fatalf("request %d: the answer echoes the body: %.300s", i, a.body)
			}
		}
		if len(a.body) > 1024 {
			t.Fatalf("request %d: an answer of %d bytes", i, len(a.body))
		}
	}
	elapsed := time.Since(begin)
	out := logs.String()
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Fatalf("the log holds %q", s)
		}
	}
	refused := strings.Count(out, `msg="graphql: request refused"`)
	allowed := httpapi.LogLineBurst + int(math.Ceil(elapsed.Seconds()*httpapi.LogLinesPerSecond)) + 1
	if refused == 0 || refused > allowed {
		t.Errorf("%d refusals logged in %s, want 1 to %d", refused, elapsed, allowed)
	}
	if !strings.Contains(out, "class=json_syntax") || !strings.Contains(out, "class=unknown_parameter") ||
		!strings.Contains(out, "class=parameter_type") || !strings.Contains(out, "bytes=") {
		t.Errorf("the refusals do not give the class and size:\n%.2000s", out)
	}
	if len(out) > 64<<10 {
		t.Errorf("%d requests wrote %d bytes of log", requests, len(out))
	}
	// Two more right away find the bucket empty and are left out; once the address has a
	// token again, its next line counts the lines left out.
	for range 2 {
		e.send(http.MethodPost, "", map[string]string{"Content-Type": "application/json"}, bodies[0])
	}
	time.Sleep(time.Second + 100*time.Millisecond)
	e.send(http.MethodPost, "", map[string]string{"Content-Type": "application/json"}, bodies[0])
	if !strings.Contains(logs.String(), "dropped_before=") {
		t.Errorf("no count of the lines left out:\n%.2000s", logs.String()[len(out):])
	}
}
