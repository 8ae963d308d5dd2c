package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const secret = "an-end-to-end-test-secret-of-32-bytes-at-least"

// env is a running server over a seeded database.
type env struct {
	t        *testing.T
	url      string
	verifier *auth.Verifier
	data     seed.Dataset
	st       *store.Store
}

func start(t *testing.T, st *store.Store, households int) *env {
	t.Helper()
	return startWith(t, st, households, nil)
}

// startWith is start with options adjusted by opts before the server starts.
func startWith(t *testing.T, st *store.Store, households int, opts func(*httpapi.Options)) *env {
	t.Helper()
	tree := division.Dezhou()
	ds := seed.Generate(tree, households, time.Now())
	if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, tree)
	if err != nil {
		t.Fatal(err)
	}
	o := httpapi.Options{Store: st, Verifier: v}
	if opts != nil {
		opts(&o)
	}
	srv := httptest.NewServer(httpapi.New(o))
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, verifier: v, data: ds, st: st}
}

func (e *env) token(role models.Role, area string) string {
	e.t.Helper()
	tok, err := e.verifier.Sign(auth.Principal{Subject: "e2e-" + string(role), Role: role, Area: area}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	raw    string
	status int
	header http.Header
}

func (r response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// do posts a GraphQL request with token (none if empty) and decodes the answer.
func (e *env) do(token, query string, vars map[string]any) response {
	e.t.Helper()
	return e.postWithID(token, "", query, vars)
}

// ok is do that fails the test on any GraphQL error and decodes data into out.
func (e *env) ok(token, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.do(token, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("errors: %s", r.raw)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		e.t.Fatal(err)
	}
}

// listQuery costs about 11,400 per household (members, grants and each grant's events
// count as the page ceiling, 100, each): eight households a page stay within the limit.
const listQuery = `query($area: String, $after: String) {
  households(area: $area, first: 8, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id areaCode
      members { id areaCode idNumber household { id areaCode } }
      grants { id areaCode amount household { areaCode } member { areaCode } events { toStatus } }
    } }
  }
}`

type listPage struct {
	Households struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   string
		}
		Edges []struct {
			Node struct {
				ID       string
				AreaCode string
				Members  []struct {
					ID, AreaCode, IDNumber string
					Household              struct{ ID, AreaCode string }
				}
				Grants []struct {
					ID, AreaCode, Amount string
					Household            struct{ AreaCode string }
					Member               *struct{ AreaCode string }
					Events               []struct{ ToStatus string }
				}
			}
		}
	}
}

// TestTiersSeeExactlyTheirSubtree drives the running server with a token of each tier
// and checks that lists, counts and nested fields hold exactly the tier's subtree.
func TestTiersSeeExactlyTheirSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 400)
		tiers := []struct {
			name string
			role models.Role
			area string
		}{
			{"city admin", models.RoleAdmin, division.CityCode},
			{"county officer", models.RoleOfficer, seed.DemoCounty},
			{"township officer", models.RoleOfficer, seed.DemoTownship},
			{"village assistant", models.RoleAssistant, seed.DemoVillage(st.Tree())},
			{"auditor of a sibling county", models.RoleAuditor, "371403000000"},
		}
		for _, tier := range tiers {
			t.Run(tier.name, func(t *testing.T) {
				want := map[string]bool{}
				for _, h := range e.data.Households {
					if division.Contains(tier.area, h.AreaCode) {
						want[h.ID] = true
					}
				}
				if len(want) == 0 && tier.role != models.RoleAuditor {
					t.Fatalf("the seed put no household in %s", tier.area)
				}
				tok := e.token(tier.role, tier.area)
				seen := map[string]bool{}
				var after any
				for {
					var p listPage
					e.ok(tok, listQuery, map[string]any{"after": after}, &p)
					if p.Households.TotalCount != len(want) {
						t.Fatalf("totalCount %d, want %d", p.Households.TotalCount, len(want))
					}
					for _, edge := range p.Households.Edges {
						n := edge.Node
						if !want[n.ID] || seen[n.ID] {
							t.Fatalf("household %s in %s is outside the tier or repeated", n.ID, n.AreaCode)
						}
						seen[n.ID] = true
						for _, m := range n.Members {
							if !division.Contains(tier.area, m.AreaCode) || m.Household.ID != n.ID {
								t.Errorf("member %s crosses areas", m.ID)
							}
						}
						for _, g := range n.Grants {
							if !division.Contains(tier.area, g.AreaCode) || !division.Contains(tier.area, g.Household.AreaCode) ||
								(g.Member != nil && !division.Contains(tier.area, g.Member.AreaCode)) || len(g.Events) == 0 {
								t.Errorf("grant %s crosses areas or lacks events", g.ID)
							}
							if _, err := models.ParseMoney(g.Amount); err != nil || !strings.Contains(g.Amount, ".") {
								t.Errorf("amount %q is not a two-place decimal", g.Amount)
							}
						}
					}
					if !p.Households.PageInfo.HasNextPage {
						break
					}
					after = p.Households.PageInfo.EndCursor
				}
				if len(seen) != len(want) {
					t.Errorf("pages held %d households, want %d", len(seen), len(want))
				}
				var grants struct{ Grants struct{ TotalCount int } }
				e.ok(tok, `{ grants { totalCount } }`, nil, &grants)
				wantGrants := 0
				for _, g := range e.data.Grants {
					if division.Contains(tier.area, g.AreaCode) {
						wantGrants++
					}
				}
				if grants.Grants.TotalCount != wantGrants {
					t.Errorf("grants totalCount %d, want %d", grants.Grants.TotalCount, wantGrants)
				}
			})
		}
	})
}

// outside returns a household, a member of it and a grant of it outside area.
func (e *env) outside(area string) (h models.Household, m models.Member, g models.Grant) {
	e.t.Helper()
	for _, gr := range e.data.Grants {
		if division.Contains(area, gr.AreaCode) {
			continue
		}
		for _, hh := range e.data.Households {
			if hh.ID == gr.HouseholdID {
				h = hh
			}
		}
		for _, mm := range e.data.Members {
			if mm.HouseholdID == gr.HouseholdID {
				m = mm
			}
		}
		return h, m, gr
	}
	e.t.Fatal("no grant outside the area")
	return
}

func TestOutOfAreaIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 200)
		tok := e.token(models.RoleOfficer, seed.DemoTownship)
		h, m, g := e.outside(seed.DemoTownship)
		reads := []struct {
			name, query string
			vars        map[string]any
		}{
			{"household", `query($id: ID!) { household(id: $id) { id address } }`, map[string]any{"id": h.ID}},
			{"member", `query($id: ID!) { member(id: $id) { id name } }`, map[string]any{"id": m.ID}},
			{"member by ID number", `query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, map[string]any{"n": m.IDNumber}},
			{"grant", `query($id: ID!) { grant(id: $id) { id } }`, map[string]any{"id": g.ID}},
			{"update household", `mutation($id: ID!) { updateHousehold(id: $id, input: {address: "篡改"}) { id } }`, map[string]any{"id": h.ID}},
			{"update member", `mutation($id: ID!) { updateMember(id: $id, input: {name: "篡改"}) { id } }`, map[string]any{"id": m.ID}},
			{"remove member", `mutation($id: ID!) { removeMember(id: $id) { id } }`, map[string]any{"id": m.ID}},
			{"add member", `mutation($id: ID!) { addMember(householdId: $id, input: {name: "外人", idNumber: "371402199001010017", relation: OTHER}) { id } }`, map[string]any{"id": h.ID}},
			{"open grant", `mutation($id: ID!) { createGrant(input: {householdId: $id, programCode: "TEMPORARY_RELIEF", amount: "500.00", startDate: "2026-01-01"}) { id } }`, map[string]any{"id": h.ID}},
		}
		for _, tt := range reads {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tok, tt.query, tt.vars)
				if r.code() != httpapi.CodeNotFound {
					t.Fatalf("code %q, want NOT_FOUND: %s", r.code(), r.raw)
				}
				for _, secretText := range []string{h.Address, m.Name, h.AreaCode} {
					if strings.Contains(r.raw, secretText) {
						t.Errorf("the answer discloses %q", secretText)
					}
				}
			})
		}
		// Nothing changed: the admin still sees the household and member as they were.
		var after struct {
			Household struct {
				Address string
				Members []struct{ ID, Name string }
				Grants  []struct{ ID string }
			}
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `query($id: ID!) { household(id: $id) { address members { id name } grants { id } } }`, map[string]any{"id": h.ID}, &after)
		if after.Household.Address != h.Address {
			t.Errorf("address changed to %q", after.Household.Address)
		}
		found := false
		for _, mm := range after.Household.Members {
			found = found || (mm.ID == m.ID && mm.Name == m.Name)
		}
		if !found {
			t.Error("the out-of-area member was changed or removed")
		}
		grants := 0
		for _, gr := range e.data.Grants {
			if gr.HouseholdID == h.ID {
				grants++
			}
		}
		if len(after.Household.Grants) != grants {
			t.Errorf("grants of the household: %d, want %d", len(after.Household.Grants), grants)
		}
		// An area argument outside the subtree is FORBIDDEN; the tree itself is public.
		if r := e.do(tok, `{ households(area: "371403000000") { totalCount } }`, nil); r.code() != httpapi.CodeForbidden {
			t.Errorf("foreign area argument: %s", r.raw)
		}
		var j struct{ Jurisdiction struct{ Name string } }
		e.ok(tok, `{ jurisdiction(code: "371403000000") { name } }`, nil, &j)
		if j.Jurisdiction.Name != "陵城区" {
			t.Errorf("jurisdiction of a sibling county: %+v", j)
		}
	})
}

func TestWritesThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 20)
		village := seed.DemoVillage(st.Tree())
		tok := e.token(models.RoleOfficer, seed.DemoTownship)
		var created struct {
			CreateHousehold struct {
				ID   string
				Head struct {
					Name, Sex, BirthDate string
					BirthYear            int
				}
				Members []struct {
					ID, Relation, MonthlyIncome string
					Age                         int
				}
			}
		}
		e.ok(tok, `mutation($v: String!) { createHousehold(input: {village: $v, address: "新湖街道尉署社区3号楼2单元501", povertyRegistered: true,
		  members: [{name: "赵桂兰", idNumber: "37140320000229456X", relation: HEAD, monthlyIncome: "1234.5"},
		            {name: "赵明", idNumber: "371402199001010017", relation: CHILD}]}) {
		  id head { name sex birthDate(reveal: true) birthYear } members { id relation monthlyIncome age } } }`, map[string]any{"v": village}, &created)
		c := created.CreateHousehold
		if c.Head.Name != "赵桂兰" || c.Head.Sex != "FEMALE" || c.Head.BirthDate != "2000-02-29" || c.Head.BirthYear != 2000 {
			t.Errorf("derived head fields: %+v", c.Head)
		}
		if len(c.Members) != 2 || c.Members[0].MonthlyIncome != "1234.50" || c.Members[1].MonthlyIncome != "0.00" {
			t.Errorf("members: %+v", c.Members)
		}
		// The same person again, anywhere: CONFLICT that does not say where.
		r := e.do(e.token(models.RoleAdmin, division.CityCode), `mutation { createHousehold(input: {village: "371403001003", address: "x",
		  members: [{name: "赵明", idNumber: "371402199001010017", relation: HEAD}]}) { id } }`, nil)
		if r.code() != httpapi.CodeConflict || strings.Contains(r.raw, village) || strings.Contains(r.raw, c.ID) {
			t.Errorf("duplicate person: %s", r.raw)
		}
		// Bad ID numbers name the field.
		bad := []string{"37140219900101001", "3714021990010100X7", "371402199001010018", "371402199002300013"}
		for _, n := range bad {
			r := e.do(tok, `mutation($h: ID!, $n: String!) { addMember(householdId: $h, input: {name: "x", idNumber: $n, relation: OTHER}) { id } }`,
				map[string]any{"h": c.ID, "n": n})
			if r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != "input.idNumber" {
				t.Errorf("ID number %s: %s", n, r.raw)
			}
		}
		// Money is exact and refuses floats and a third decimal.
		for _, amount := range []any{650.5, "650.555", "abc"} {
			r := e.do(tok, `mutation($h: ID!, $a: Money!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: $a, startDate: "2026-01-01"}) { id } }`,
				map[string]any{"h": c.ID, "a": amount})
			if r.code() != httpapi.CodeBadUserInput {
				t.Errorf("amount %v: %s", amount, r.raw)
			}
		}
		var g struct {
			CreateGrant struct {
				Amount  string
				Program struct{ Name string }
				Events  []struct{ ToStatus, Actor string }
			}
		}
		e.ok(e.token(models.RoleAdmin, division.CityCode), `mutation { setDibaoStandard(county: "`+seed.DemoCounty+`", year: 2026, urban: "900.00", rural: "700.00") { id } }`, nil, &struct{}{})
		// An amount other than the computed one is an override with its reason (P18).
		e.ok(tok, `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "0.10", overrideReason: "评议确定的金额", startDate: "2026-01-01"}) {
		  amount program { name } events { toStatus actor } } }`, map[string]any{"h": c.ID}, &g)
		if g.CreateGrant.Amount != "0.10" || g.CreateGrant.Program.Name != "城市最低生活保障" || len(g.CreateGrant.Events) != 1 {
			t.Errorf("grant: %+v", g.CreateGrant)
		}
		// A village assistant of another village cannot see the new household.
		r = e.do(e.token(models.RoleAssistant, "371402001002"), `query($id: ID!) { household(id: $id) { id } }`, map[string]any{"id": c.ID})
		if r.code() != httpapi.CodeNotFound {
			t.Errorf("neighbouring village: %s", r.raw)
		}
	})
}

func TestBadTokensAreUnauthenticated(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 10)
	claims := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "x", "role": "admin", "area": division.CityCode, "exp": time.Now().Add(time.Hour).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	sign := func(c jwt.MapClaims, key string) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	unsigned, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	good := sign(claims(nil), secret)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "e30" + "." + parts[2]
	tokens := map[string]string{
		"none":             "",
		"expired":          sign(claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), secret),
		"no exp":           sign(claims(func(c jwt.MapClaims) { delete(c, "exp") }), secret),
		"alg none":         unsigned,
		"wrong key":        sign(claims(nil), "another-secret-that-is-also-32-bytes-long!!"),
		"malformed":        "not.a.jwt",
		"tampered payload": tampered,
		"unknown role":     sign(claims(func(c jwt.MapClaims) { c["role"] = "root" }), secret),
		"unknown area":     sign(claims(func(c jwt.MapClaims) { c["area"] = "110000000000" }), secret),
		"no subject":       sign(claims(func(c jwt.MapClaims) { delete(c, "sub") }), secret),
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			for _, q := range []string{`{ me { subject } }`, `{ programs { code } }`, `{ jurisdiction(code: "371400000000") { name } }`, `{ households { totalCount } }`} {
				r := e.do(tok, q, nil)
				if r.code() != httpapi.CodeUnauthenticated {
					t.Errorf("%s: %s", q, r.raw)
				}
			}
		})
	}
	var me struct{ Me struct{ Role, Level string } }
	e.ok(good, `{ me { role level } }`, nil, &me)
	if me.Me.Role != "ADMIN" || me.Me.Level != "CITY" {
		t.Errorf("me: %+v", me)
	}
}

func TestHTTPSurface(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 5)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200, "/nope": 404} {
		res, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	tok := e.token(models.RoleAdmin, division.CityCode)
	get := func(q string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/graphql?query="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	if code, body := get(`{ programs { code } }`); code != 200 || !strings.Contains(body, "RURAL_DIBAO") {
		t.Errorf("GET query: %d %s", code, body)
	}
	if code, body := get(`mutation { removeMember(id: "x") { id } }`); code == 200 && !strings.Contains(body, "errors") {
		t.Errorf("GET mutation ran: %d %s", code, body)
	}
	big := fmt.Sprintf(`{"query": "{ me { subject } }", "variables": {"pad": %q}}`, strings.Repeat("x", httpapi.MaxBodyBytes))
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == 200 {
		t.Errorf("a body over %d bytes was accepted", httpapi.MaxBodyBytes)
	}
}

// doOp is do with an operation name, for documents of several operations.
func (e *env) doOp(token, query, operation string) response {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operation})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	var r response
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		e.t.Fatalf("status %d, body %q: %v", res.StatusCode, buf.String(), err)
	}
	r.raw, r.status, r.header = buf.String(), res.StatusCode, res.Header
	return r
}
