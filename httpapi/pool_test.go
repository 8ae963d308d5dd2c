package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/reviews"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// introType is a type of the schema as introspection describes it, down to the named
// type under NON_NULL and LIST wrappers.
type introType struct {
	Kind   string
	Name   string
	OfType *introType
}

// named returns the named type under t's wrappers.
func (t *introType) named() *introType {
	for t.OfType != nil {
		t = t.OfType
	}
	return t
}

type introArg struct {
	Name         string
	Type         introType
	DefaultValue *string
}

type introField struct {
	Name string
	Args []introArg
	Type introType
}

type introSchema struct {
	QueryType struct{ Name string }
	Types     []struct {
		Kind   string
		Name   string
		Fields []introField
	}
}

const typeRef = `kind name ofType { kind name ofType { kind name ofType { kind name } } }`

// introspect reads the schema's types and fields.
func introspect(t *testing.T, e *env, tok string) introSchema {
	t.Helper()
	var s struct {
		Schema introSchema `json:"__schema"`
	}
	e.ok(tok, `{ __schema { queryType { name } types { kind name fields {
	  name type { `+typeRef+` } args { name defaultValue type { `+typeRef+` } } } } } }`, nil, &s)
	return s.Schema
}

// skipNested are fields left out of nested selections: the children of every
// jurisdiction of an answer are thousands of units of the public tree, which the root
// fields jurisdiction and jurisdictions read.
var skipNested = map[string]bool{"Jurisdiction.children": true}

// selectionBuilder writes, for a type of the schema, a selection of every field that
// needs no argument, down to a given depth.
type selectionBuilder struct {
	fields map[string][]introField
}

func newSelectionBuilder(s introSchema) *selectionBuilder {
	b := &selectionBuilder{fields: map[string][]introField{}}
	for _, ty := range s.Types {
		if ty.Kind == "OBJECT" && !strings.HasPrefix(ty.Name, "__") {
			b.fields[ty.Name] = ty.Fields
		}
	}
	return b
}

// required reports whether f has an argument without which it cannot be asked for.
func required(f introField) []introArg {
	var out []introArg
	for _, a := range f.Args {
		if a.Type.Kind == "NON_NULL" && a.DefaultValue == nil {
			out = append(out, a)
		}
	}
	return out
}

// selection returns "{ … }" for the object type name, or "" for a scalar or enum.
func (b *selectionBuilder) selection(name string, depth int) string {
	fields, ok := b.fields[name]
	if !ok {
		return ""
	}
	var parts []string
	for _, f := range fields {
		if len(required(f)) > 0 || skipNested[name+"."+f.Name] {
			continue
		}
		inner := f.Type.named()
		switch inner.Kind {
		case "SCALAR", "ENUM":
			parts = append(parts, f.Name)
		case "OBJECT":
			if depth > 1 {
				parts = append(parts, f.Name+" "+b.selection(inner.Name, depth-1))
			}
		}
	}
	if len(parts) == 0 {
		parts = []string{"__typename"}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// rootQueries returns one query per root field of the Query type, named by the field,
// selecting every field that needs no argument to depth levels; args supplies the
// value of each required argument by "field.argument", and then by argument name. A
// required argument without a value fails t, so that a new field is called too.
func rootQueries(t *testing.T, s introSchema, depth int, args map[string]any) map[string]string {
	t.Helper()
	b := newSelectionBuilder(s)
	out := map[string]string{}
	for _, f := range b.fields[s.QueryType.Name] {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		var call []string
		for _, a := range required(f) {
			v, ok := args[f.Name+"."+a.Name]
			if !ok {
				v, ok = args[a.Name]
			}
			if !ok {
				t.Fatalf("Query.%s: no value for its required argument %s; add one to the test's arguments", f.Name, a.Name)
			}
			call = append(call, fmt.Sprintf("%s: %s", a.Name, literal(v)))
		}
		q := f.Name
		if len(call) > 0 {
			q += "(" + strings.Join(call, ", ") + ")"
		}
		if sel := b.selection(f.Type.named().Name, depth); sel != "" {
			q += " " + sel
		}
		out[f.Name] = "{ " + q + " }"
	}
	return out
}

// literal writes v as a GraphQL literal.
func literal(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	default:
		return fmt.Sprint(x)
	}
}

// poolArgs plants what the required arguments of the root query fields point at (an
// application, a staff member) and returns their values: ids by the field that takes
// them, the rest by argument name.
func poolArgs(t *testing.T, e *env, admin string) map[string]any {
	t.Helper()
	h := e.data.Households[0]
	var m models.Member
	for _, x := range e.data.Members {
		if x.HouseholdID == h.ID {
			m = x
			break
		}
	}
	var app struct {
		SubmitApplication struct{ ID, Reference string }
	}
	e.ok(admin, `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "TEMPORARY_RELIEF", channel: HOTLINE}) { id reference } }`,
		map[string]any{"h": h.ID}, &app)
	var referred struct {
		SubmitApplication struct{ Referral struct{ ID string } }
	}
	e.ok(admin, `mutation($h: ID!) { submitApplication(input: {householdId: $h, programCode: "EDU_COMPULSORY", channel: HOTLINE}) { referral { id } } }`,
		map[string]any{"h": h.ID}, &referred)
	var staff struct{ CreateStaff struct{ ID string } }
	e.ok(admin, `mutation($area: String!) { createStaff(input: {name: "池测", post: CIVIL_AFFAIRS_STAFF, area: $area, from: "2025-01-01"}) { id } }`,
		map[string]any{"area": townshipOf(h.AreaCode)}, &staff)
	// A discovery case of a registered poor household without a grant, and the reviews
	// jobs run opens in 2030 (P24).
	var poor struct{ CreateHousehold struct{ ID string } }
	e.ok(admin, `mutation($v: String!, $p: String!) { createHousehold(input: {village: $v, address: "池测路1号", povertyRegistered: true, members: [{name: "池测户主", idNumber: $p, relation: HEAD}]}) { id } }`,
		map[string]any{"v": h.AreaCode, "p": idnumber.Build("371428", time.Date(1975, 5, 5, 0, 0, 0, 0, time.UTC), 201)}, &poor)
	var dcase struct{ OpenDiscoveryCase struct{ ID string } }
	e.ok(admin, `mutation($h: ID!) { openDiscoveryCase(input: {householdId: $h}) { id } }`, map[string]any{"h": poor.CreateHousehold.ID}, &dcase)
	if _, err := reviews.New(e.st, policy.DefaultConfig()).OpenDue(t.Context(), models.NewDate(2030, 1, 1)); err != nil {
		t.Fatal(err)
	}
	var opened struct {
		Reviews struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	e.ok(admin, `{ reviews(first: 1) { edges { node { id } } } }`, nil, &opened)
	if len(opened.Reviews.Edges) == 0 {
		t.Fatal("the jobs opened no review")
	}
	month := (policy.MonthOf(time.Now()) + 1).String()
	var pay struct{ GeneratePayroll struct{ ID string } }
	e.ok(admin, `mutation($c: String!, $m: String!) { generatePayroll(county: $c, month: $m) { id } }`,
		map[string]any{"c": h.AreaCode[:6] + "000000", "m": month}, &pay)
	var griev struct{ OpenGrievance struct{ ID string } }
	e.ok(admin, `mutation($r: String!) { openGrievance(input: {subject: APPLICATION, recordId: $r, category: DELAY, channel: ONLINE, summary: "催办"}) { id } }`,
		map[string]any{"r": app.SubmitApplication.Reference}, &griev)
	return map[string]any{
		"grievance.id":      griev.OpenGrievance.ID,
		"payee.householdId": h.ID,
		"payroll.id":        pay.GeneratePayroll.ID,
		"county":            h.AreaCode[:6] + "000000",
		"month":             month,
		"household.id":      h.ID,
		"member.id":         m.ID,
		"grant.id":          app.SubmitApplication.ID,
		"referral.id":       referred.SubmitApplication.Referral.ID,
		"staffMember.id":    staff.CreateStaff.ID,
		"discoveryCase.id":  dcase.OpenDiscoveryCase.ID,
		"review.id":         opened.Reviews.Edges[0].Node.ID,
		"idNumber":          m.IDNumber,
		"reference":         app.SubmitApplication.Reference,
		"code":              h.AreaCode[:6] + "000000",
		"township":          townshipOf(h.AreaCode),
		// An enum, written without quotes.
		"failedStatusLookups.by": models.LookupsByAddress,
	}
}

// TestEveryQueryFieldWithOneConnection serves the API from a store whose pool has a
// single connection and calls every root field of Query, found by introspection, with
// every field beneath it that needs no argument, one field a request and then all of
// them in one request (whose root fields gqlgen resolves at once), as the city admin and
// as a county integrator, and then runs the daily jobs. A call that holds its connection
// while it waits for a second would wait for ever; every call must answer, without a
// timeout, within the deadline. (TestNoPersonalDataInMessages runs the mutations and
// imports on a pool of one connection too.)
func TestEveryQueryFieldWithOneConnection(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st := storetest.MustOpenPool(t, d, 1)
			e := startWith(t, st, 40, func(o *httpapi.Options) {
				o.Introspection = true
				o.RequestTimeout = 20 * time.Second
				o.Limits = httpapi.Limits{MaxDepth: 50, MaxIntrospectionDepth: 50, MaxComplexity: 1 << 30,
					MaxAliases: 100, MaxOperations: 5, ParserTokens: 1 << 20}
			})
			admin := e.token(models.RoleAdmin, "371400000000")
			integ, err := e.verifier.Sign(auth.Principal{Subject: "pool-integrator", Role: models.RoleIntegrator,
				Area: seed.DemoCounty, Categories: []string{"DIBAO", "TEMPORARY"}}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			queries := rootQueries(t, introspect(t, e, admin), 4, poolArgs(t, e, admin))
			names := make([]string, 0, len(queries))
			for n := range queries {
				names = append(names, n)
			}
			sort.Strings(names)
			if len(names) < 20 {
				t.Fatalf("introspection found only %d root query fields: %v", len(names), names)
			}
			var all []string
			for _, n := range names {
				all = append(all, strings.TrimSuffix(strings.TrimPrefix(queries[n], "{ "), " }"))
			}
			calls := map[string]string{"all root fields at once": "{ " + strings.Join(all, " ") + " }"}
			for _, n := range names {
				calls[n] = queries[n]
			}
			deadline := time.Now().Add(2 * time.Minute)
			for _, who := range []struct{ name, tok string }{{"city admin", admin}, {"county integrator", integ}} {
				for _, n := range append(names, "all root fields at once") {
					if time.Now().After(deadline) {
						t.Fatalf("the calls did not finish within the deadline; the last was %s", n)
					}
					began := time.Now()
					status, body := postWithin(t, e, who.tok, calls[n], 25*time.Second)
					t.Logf("%s %s: %s", who.name, n, time.Since(began))
					if status != http.StatusOK || strings.Contains(body, httpapi.CodeTimeout) || strings.Contains(body, httpapi.CodeInternal) {
						t.Errorf("%s, %s with one connection: status %d, %.400s", who.name, n, status, body)
						continue
					}
					if who.tok == admin && strings.Contains(body, `"errors"`) {
						t.Errorf("%s, %s: %.600s\nquery: %.300s", who.name, n, body, calls[n])
					}
				}
			}
			// The daily jobs walk the city in batches with a transaction each.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := jobs.Daily(ctx, st, models.DateOf(time.Now())); err != nil {
				t.Errorf("the daily jobs with one connection: %v", err)
			}
		})
	}
}

// postWithin posts query with tok and returns the status and body, failing t when no
// answer comes within d.
func postWithin(t *testing.T, e *env, tok, query string, d time.Duration) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	body := strings.NewReader(fmt.Sprintf(`{"query": %q}`, query))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer within %s: %v", d, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// dashboardQuery returns the query the dashboard page sends for its figures, as the page
// itself holds it, with its template's ${FIGURES} filled in.
func dashboardQuery(t *testing.T, e *env) string {
	t.Helper()
	res, err := http.Get(e.url + "/dashboard/app.js")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	js, _ := io.ReadAll(res.Body)
	figures := regexp.MustCompile("(?s)const FIGURES = `([^`]*)`").FindSubmatch(js)
	query := regexp.MustCompile("(?s)const STATS_QUERY = `([^`]*)`").FindSubmatch(js)
	if figures == nil || query == nil {
		t.Fatalf("the dashboard's app.js holds no FIGURES and STATS_QUERY")
	}
	q := strings.ReplaceAll(string(query[1]), "${FIGURES}", string(figures[1]))
	if !strings.Contains(q, "trends(") || !strings.Contains(q, "areaStats(") {
		t.Fatalf("the dashboard's query asks for no trends and areaStats: %s", q)
	}
	return q
}

// TestDashboardQueryUnderConcurrentCallers sends the dashboard's own query (areaStats
// and trends of an area) from 16 callers at once to a store with its default pool, and
// then a request of 20 aliases of trends from two callers at once: every request
// answers 200 without error. When trends held a connection while it asked for a second,
// the callers took every connection of the pool and each waited for another until its
// request timed out with 503.
func TestDashboardQueryUnderConcurrentCallers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := startWith(t, st, 200, func(o *httpapi.Options) {
			o.RequestTimeout = 10 * time.Second
			// Twenty trends in one request are over the default cost limit (each costs
			// 30,000); this test is about the pool, so it lifts the limit.
			o.Limits = httpapi.DefaultLimits
			o.Limits.MaxComplexity = 1 << 30
		})
		q := dashboardQuery(t, e)
		county := e.token(models.RoleOfficer, seed.DemoCounty)
		var aliases []string
		for i := range 20 {
			aliases = append(aliases, fmt.Sprintf("t%d: trends(months: %d) { months { committed } }", i, 1+i))
		}
		many := "{ " + strings.Join(aliases, " ") + " }"
		for _, load := range []struct {
			name    string
			callers int
			query   string
			vars    map[string]any
		}{
			{"dashboard query", 16, q, map[string]any{"area": seed.DemoCounty}},
			{"20 aliases of trends", 2, many, nil},
		} {
			rs := make([]response, load.callers)
			var wg sync.WaitGroup
			for i := range load.callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rs[i], _ = e.post(county, load.query, load.vars)
				}()
			}
			wg.Wait()
			for i, r := range rs {
				if r.status != http.StatusOK || len(r.Errors) > 0 {
					t.Errorf("%s, caller %d of %d: status %d, %.300s", load.name, i, load.callers, r.status, r.raw)
				}
			}
		}
	})
}
