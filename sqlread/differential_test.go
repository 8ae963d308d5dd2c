package sqlread_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	cases "jiuzhu/casework/catalogue"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/cursor"
	"jiuzhu/store/storetest"
)

const secret = "differential-test-secret-0123456789abcdef"

// pair is the same API served twice over one store: with compiled reads and without.
type pair struct {
	t                  *testing.T
	compiled, executor string
	reads              *sqlread.Reader
	verifier           *auth.Verifier
	data               seed.Dataset
	staff              []models.StaffMember
	st                 *store.Store
}

// siblingCounty is the county beside seed.DemoCounty whose staff the test loads too, so
// that a sibling area's records are there to leak.
const siblingCounty = "371403000000"

// testStaff returns the demo staff registry of seed.DemoCounty and siblingCounty, some
// without a phone number and some with a short one, whose masks differ.
func testStaff(tree *division.Tree, now time.Time) seed.StaffingDataset {
	ds := seed.Staffing(tree, now)
	var staff []models.StaffMember
	for _, m := range ds.Staff {
		if !division.Contains(seed.DemoCounty, m.AreaCode) && !division.Contains(siblingCounty, m.AreaCode) {
			continue
		}
		switch len(staff) % 9 {
		case 3:
			m.Phone = nil
		case 6:
			short := (*m.Phone)[:7]
			m.Phone = &short
		}
		staff = append(staff, m)
	}
	ds.Staff = staff
	return ds
}

func startPair(t *testing.T, households int) *pair {
	t.Helper()
	st := storetest.MustOpenRLS(t)
	tree := division.Dezhou()
	ds := seed.Generate(tree, households, time.Now())
	if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	staff := testStaff(tree, time.Now())
	if err := st.Setup().SeedStaffingUnscoped(context.Background(), staff.Populations, staff.Staff); err != nil {
		t.Fatal(err)
	}
	renamePrograms(t, st)
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, tree)
	if err != nil {
		t.Fatal(err)
	}
	reads := sqlread.New(st)
	on := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Verifier: v, Reads: reads}))
	off := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Verifier: v, ExecutorOnly: true}))
	t.Cleanup(on.Close)
	t.Cleanup(off.Close)
	return &pair{t: t, compiled: on.URL, executor: off.URL, reads: reads, verifier: v, data: ds, staff: staff.Staff, st: st}
}

// renamePrograms renames programs from today, so that the name of a program depends on
// the caller (catalogue.Service.Names): urban dibao city-wide, rural dibao in the demo
// county and otherwise in the sibling county, and temporary assistance in the sibling
// county only.
func renamePrograms(t *testing.T, st *store.Store) {
	t.Helper()
	cat := cases.New(st)
	today := models.DateOf(time.Now().In(policy.ChinaTime))
	city := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "city-admin", Role: models.RoleAdmin, Area: division.CityCode})
	for _, c := range []struct {
		code, name string
		area       *string
	}{
		{catalogue.ProgramUrbanDibao, "德州市城市最低生活保障", nil},
		{catalogue.ProgramRuralDibao, "德城区农村低保", ptr(seed.DemoCounty)},
		{catalogue.ProgramRuralDibao, "邻县农村低保", ptr(siblingCounty)},
		{"TEMPORARY_RELIEF", "邻县临时救助", ptr(siblingCounty)},
	} {
		name := c.name
		if _, err := cat.ChangeProgram(city, c.code, models.ProgramChangeInput{AreaCode: c.area, EffectiveFrom: today, Name: &name, Reason: "更名"}); err != nil {
			t.Fatalf("rename %s: %v", c.code, err)
		}
	}
}

// post sends a GraphQL request and returns the body of the answer.
func (p *pair) post(url, token, query string, vars map[string]any) []byte {
	p.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// canonical returns the answer with its object keys sorted and the request ids of its
// errors left out, which differ from request to request.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("answer is not JSON: %v: %.300s", err, b)
	}
	if m, ok := v.(map[string]any); ok {
		if errs, ok := m["errors"].([]any); ok {
			for _, e := range errs {
				if ext, ok := e.(map[string]any)["extensions"].(map[string]any); ok {
					delete(ext, "requestId")
				}
			}
			// The executor resolves root fields concurrently: their errors come in any order.
			sort.Slice(errs, func(i, j int) bool {
				a, _ := json.Marshal(errs[i])
				b, _ := json.Marshal(errs[j])
				return string(a) < string(b)
			})
		}
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// caller is one principal of the differential test with the range it may see.
type caller struct {
	name string
	p    auth.Principal
}

func callers(ds seed.Dataset, tree *division.Tree) []caller {
	village := seed.DemoVillage(tree)
	return []caller{
		{"city admin", auth.Principal{Role: models.RoleAdmin, Area: division.CityCode}},
		{"county officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoCounty}},
		{"township officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoTownship}},
		{"village assistant", auth.Principal{Role: models.RoleAssistant, Area: village}},
		{"county integrator", auth.Principal{Role: models.RoleIntegrator, Area: seed.DemoCounty,
			Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTemporary}}},
		{"integrator of one category", auth.Principal{Role: models.RoleIntegrator, Area: seed.DemoCounty,
			Categories: []string{catalogue.CategoryDibao}}},
		{"county auditor", auth.Principal{Role: models.RoleAuditor, Area: seed.DemoCounty}},
	}
}

// TestCompiledEqualsExecutor sends random queries over the compilable part of the
// schema to the API with compiled reads and to the API without, as callers of every
// tier and integrators of one and of two categories, and requires the same answer, byte for byte
// once keys are ordered; and that no answer holds a record outside the caller's area or,
// for the integrator, a grant of another category. DIFFERENTIAL_QUERIES sets the number
// of queries per caller (default 40) and DIFFERENTIAL_SEED the random seed.
func TestCompiledEqualsExecutor(t *testing.T) {
	pr := startPair(t, 300)
	n := 40
	if v, err := strconv.Atoi(os.Getenv("DIFFERENTIAL_QUERIES")); err == nil && v > 0 {
		n = v
	}
	seedValue := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("DIFFERENTIAL_SEED"), 10, 64); err == nil {
		seedValue = v
	}
	t.Logf("DIFFERENTIAL_SEED=%d", seedValue)
	rng := rand.New(rand.NewPCG(seedValue, 7))
	tree := division.Dezhou()
	for _, c := range callers(pr.data, tree) {
		t.Run(c.name, func(t *testing.T) {
			c.p.Subject = "differential-" + strings.ReplaceAll(c.name, " ", "-")
			tok, err := pr.verifier.Sign(c.p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			outside := outsideIDs(pr.data, pr.staff, c.p)
			before, _ := pr.reads.Counts()
			g := &gen{r: rng, ds: pr.data, p: c.p, own: ownRecords(pr.data, c.p), staff: pr.staff, tree: tree}
			for i := range n {
				q, vars := g.operation()
				a := pr.post(pr.compiled, tok, q, vars)
				b := pr.post(pr.executor, tok, q, vars)
				if ca, cb := canonical(t, a), canonical(t, b); ca != cb {
					t.Fatalf("query %d differs\nquery: %s\nvariables: %v\ncompiled: %.3000s\nexecutor: %.3000s", i, q, vars, ca, cb)
				}
				if !bytes.Contains(a, []byte(`"errors"`)) && !bytes.Equal(a, b) {
					t.Fatalf("query %d: same document, different bytes\nquery: %s\ncompiled: %.2000s\nexecutor: %.2000s", i, q, a, b)
				}
				for id := range outside {
					if bytes.Contains(a, []byte(id)) {
						t.Fatalf("query %d: the answer holds %s, a record the caller may not see\nquery: %s", i, id, q)
					}
				}
			}
			after, _ := pr.reads.Counts()
			t.Logf("%d of %d queries answered by one statement", after-before, n)
			// Which random queries fall back to the executor (a record not found, a
			// refused argument, a list the role may not read) depends on the seed; so
			// that the comparison is never vacuous, one fixed query that every caller
			// may read must be answered by one statement, and alike.
			const fixed = `{ programs { code name category { code } } categories { code } }`
			a, b := pr.post(pr.compiled, tok, fixed, nil), pr.post(pr.executor, tok, fixed, nil)
			if !bytes.Equal(a, b) || bytes.Contains(a, []byte(`"errors"`)) {
				t.Fatalf("the fixed query differs or fails\ncompiled: %.2000s\nexecutor: %.2000s", a, b)
			}
			// The names in force for the caller (renamePrograms): the city's rename for
			// everyone, the demo county's inside it only, the sibling county's for none.
			inCounty := c.p.Area != division.CityCode
			if !bytes.Contains(a, []byte("德州市城市最低生活保障")) || bytes.Contains(a, []byte("德城区农村低保")) != inCounty || bytes.Contains(a, []byte("邻县")) {
				t.Errorf("the programs' names for %s: %.2000s", c.p.Area, a)
			}
			if last, _ := pr.reads.Counts(); last != after+1 {
				t.Errorf("the fixed query was not answered by one statement (%d statements)", last-after)
			}
		})
	}
}

// outsideIDs returns the ids of the records p may not see: households, members, grants
// and staff members outside its area, and for an integrator the grants of other
// categories.
func outsideIDs(ds seed.Dataset, staff []models.StaffMember, p auth.Principal) map[string]bool {
	out := map[string]bool{}
	for _, m := range staff {
		if !p.Covers(m.AreaCode) {
			out[m.ID] = true
		}
	}
	for _, h := range ds.Households {
		if !p.Covers(h.AreaCode) {
			out[h.ID] = true
		}
	}
	for _, m := range ds.Members {
		if !p.Covers(m.AreaCode) {
			out[m.ID] = true
		}
	}
	for _, g := range ds.Grants {
		if !p.Covers(g.AreaCode) || (p.Role == models.RoleIntegrator && !p.SeesCategory(g.CategoryCode)) {
			out[g.ID] = true
		}
	}
	return out
}

// gen writes random operations over the compilable part of the schema.
type gen struct {
	r     *rand.Rand
	ds    seed.Dataset
	p     auth.Principal
	own   seed.Dataset // the records of the caller's area
	staff []models.StaffMember
	tree  *division.Tree
	frags []string
	vars  map[string]any
	decl  []string
	alias int
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// ownFirst returns one of own three times in four, when there is any; one of all
// otherwise.
func ownFirst[T any](g *gen, own, all []T) T {
	if len(own) > 0 && g.chance(0.75) {
		return own[g.r.IntN(len(own))]
	}
	return all[g.r.IntN(len(all))]
}

func (g *gen) someHousehold() models.Household {
	return ownFirst(g, g.own.Households, g.ds.Households)
}

func (g *gen) someMember() models.Member { return ownFirst(g, g.own.Members, g.ds.Members) }

func (g *gen) someGrant() models.Grant { return ownFirst(g, g.own.Grants, g.ds.Grants) }

// ownRecords returns the records of ds in p's area.
func ownRecords(ds seed.Dataset, p auth.Principal) seed.Dataset {
	var out seed.Dataset
	for _, h := range ds.Households {
		if p.Covers(h.AreaCode) {
			out.Households = append(out.Households, h)
		}
	}
	for _, m := range ds.Members {
		if p.Covers(m.AreaCode) {
			out.Members = append(out.Members, m)
		}
	}
	for _, gr := range ds.Grants {
		if p.Covers(gr.AreaCode) && (p.Role != models.RoleIntegrator || p.SeesCategory(gr.CategoryCode)) {
			out.Grants = append(out.Grants, gr)
		}
	}
	return out
}

// pick returns some of fields, at least one, in random order.
func (g *gen) pick(fields []string) []string {
	var out []string
	for _, f := range fields {
		if g.chance(0.4) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		out = append(out, fields[g.r.IntN(len(fields))])
	}
	g.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// key prefixes a field with an alias now and then.
func (g *gen) key(f string) string {
	if g.chance(0.15) {
		g.alias++
		return "k" + strconv.Itoa(g.alias) + ": " + f
	}
	return f
}

// wrap puts a selection into an inline fragment or a named fragment now and then.
func (g *gen) wrap(typ, body string) string {
	switch {
	case g.chance(0.15):
		return "... on " + typ + " { " + body + " }"
	case g.chance(0.15):
		name := "F" + strconv.Itoa(len(g.frags))
		g.frags = append(g.frags, "fragment "+name+" on "+typ+" { "+body+" }")
		return "..." + name
	}
	return body
}

func (g *gen) household(depth int) string {
	var parts []string
	for _, f := range g.pick([]string{"id", "areaCode", "address", "povertyRegistered", "externalRef", "version", "__typename",
		"createdAt", "updatedAt", "area { code name level population urban __typename }",
		"area { name parent { code level parent { code name parent { code } } } }"}) {
		parts = append(parts, g.key(f))
	}
	if depth > 0 {
		if g.chance(0.5) {
			parts = append(parts, g.key("members")+" { "+g.member(depth-1)+" }")
		}
		if g.chance(0.3) {
			parts = append(parts, g.key("head")+" { "+g.member(depth-1)+" }")
		}
		if g.chance(0.5) {
			parts = append(parts, g.key("grants")+" { "+g.grant(depth-1)+" }")
		}
	}
	return g.wrap("Household", strings.Join(parts, " "))
}

func (g *gen) member(depth int) string {
	var parts []string
	for _, f := range g.pick([]string{"id", "areaCode", "name", "idNumber", "idNumber(reveal: false)", "sex", "birthDate",
		"birthYear", "age", "relation", "disabilityLevel", "labourCapacity", "monthlyIncome", "__typename", "createdAt", "updatedAt"}) {
		if strings.Contains(f, "(") {
			g.alias++
			parts = append(parts, "r"+strconv.Itoa(g.alias)+": "+f)
			continue
		}
		parts = append(parts, g.key(f))
	}
	if depth > 0 && g.chance(0.2) {
		parts = append(parts, g.key("household")+" { "+g.household(depth-1)+" }")
	}
	return g.wrap("Member", strings.Join(parts, " "))
}

func (g *gen) grant(depth int) string {
	var parts []string
	for _, f := range g.pick([]string{"id", "areaCode", "status", "amount", "startDate", "endDate", "version",
		"reference", "channel", "graceUntil", "reviewFlag", "reviewReason", "__typename", "createdAt", "updatedAt"}) {
		parts = append(parts, g.key(f))
	}
	if g.chance(0.5) {
		parts = append(parts, g.key("program")+" { "+strings.Join(g.pick([]string{"code", "name", "active", "__typename", "category { code name }"}), " ")+" }")
	}
	if g.chance(0.3) {
		parts = append(parts, g.key("category")+" { "+strings.Join(g.pick([]string{"code", "name", "__typename"}), " ")+" }")
	}
	if depth > 0 && g.chance(0.3) {
		parts = append(parts, g.key("member")+" { "+g.member(depth-1)+" }")
	}
	if g.chance(0.3) {
		parts = append(parts, g.key("events")+" { "+strings.Join(g.pick([]string{"id", "actor", "actorRole", "actorArea",
			"fromStatus", "toStatus", "reason", "createdAt", "__typename"}), " ")+" }")
	}
	if g.chance(0.1) {
		// A field the compiler does not know: the operation goes to the executor.
		parts = append(parts, g.key("documents")+" { "+strings.Join(g.pick([]string{"id", "kind", "size", "createdBy", "downloadPath", "__typename"}), " ")+" }")
	}
	if depth > 0 && g.chance(0.2) {
		parts = append(parts, g.key("household")+" { "+g.household(depth-1)+" }")
	}
	return g.wrap("Grant", strings.Join(parts, " "))
}

// variable declares a variable of type typ holding v and returns its reference.
func (g *gen) variable(typ string, v any) string {
	name := "v" + strconv.Itoa(len(g.decl))
	g.decl = append(g.decl, "$"+name+": "+typ)
	g.vars[name] = v
	return "$" + name
}

// value writes v as a literal or, now and then, as a variable of type typ.
func (g *gen) value(typ string, v any) string {
	if g.chance(0.3) {
		return g.variable(typ, v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// someArea returns an area for a list: the caller's own, one inside it, or one outside.
func (g *gen) someArea() string {
	h := g.someHousehold()
	switch g.r.IntN(4) {
	case 0:
		return g.p.Area
	case 1:
		return h.AreaCode[:6] + "000000"
	case 2:
		return h.AreaCode[:9] + "000"
	}
	return h.AreaCode
}

func (g *gen) pageArgs(kind string) []string {
	var args []string
	switch g.r.IntN(5) {
	case 0:
	case 1, 2:
		args = append(args, "first: "+g.value("Int", g.r.IntN(12)))
	case 3:
		args = append(args, "last: "+g.value("Int", g.r.IntN(12)))
	case 4:
		args = append(args, "first: "+g.value("Int", []int{0, 100, 101, -1}[g.r.IntN(4)]))
	}
	if g.chance(0.3) {
		h := g.someHousehold()
		c := cursor.Encode(h.AreaCode, h.ID)
		if kind == "grants" {
			gr := g.someGrant()
			c = cursor.Encode(gr.AreaCode, gr.ID)
		}
		if g.chance(0.1) {
			c = "not-a-cursor"
		}
		dir := "after"
		if g.chance(0.4) {
			dir = "before"
		}
		args = append(args, dir+": "+g.value("String", c))
	}
	if g.chance(0.3) {
		args = append(args, "area: "+g.value("String", g.someArea()))
	}
	return args
}

func (g *gen) connection(kind string) string {
	args := g.pageArgs(kind)
	if g.chance(0.4) {
		var fs []string
		if kind == "households" {
			switch g.r.IntN(4) {
			case 0:
				fs = append(fs, "povertyRegistered: "+strconv.FormatBool(g.chance(0.5)))
			case 1:
				fs = append(fs, `addressContains: "`+[]string{"1", "号", "_", "%", ""}[g.r.IntN(5)]+`"`)
			case 2:
				fs = append(fs, `programCode: "`+g.someGrant().ProgramCode+`"`)
			case 3:
				fs = append(fs, "lowIncome: true")
			}
		} else {
			gr := g.someGrant()
			switch g.r.IntN(4) {
			case 0:
				fs = append(fs, "status: "+string(gr.Status))
			case 1:
				fs = append(fs, `programCode: "`+gr.ProgramCode+`"`)
			case 2:
				fs = append(fs, `categoryCode: "`+gr.CategoryCode+`"`)
			case 3:
				fs = append(fs, `householdId: "`+gr.HouseholdID+`"`)
			}
		}
		args = append(args, "filter: { "+strings.Join(fs, ", ")+" }")
	}
	node := g.household(2)
	if kind == "grants" {
		node = g.grant(2)
	}
	var parts []string
	for _, f := range g.pick([]string{"totalCount", "pageInfo", "edges", "__typename"}) {
		switch f {
		case "pageInfo":
			parts = append(parts, g.key("pageInfo")+" { "+strings.Join(g.pick([]string{"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"}), " ")+" }")
		case "edges":
			inner := g.pick([]string{"cursor", "node", "__typename"})
			for i, e := range inner {
				if e == "node" {
					inner[i] = "node { " + node + " }"
				}
			}
			parts = append(parts, g.key("edges")+" { "+strings.Join(inner, " ")+" }")
		default:
			parts = append(parts, g.key(f))
		}
	}
	q := kind
	if len(args) > 0 {
		q += "(" + strings.Join(args, ", ") + ")"
	}
	return g.key(q) + " { " + strings.Join(parts, " ") + " }"
}

func (g *gen) jurisdiction(depth int) string {
	var parts []string
	for _, f := range g.pick([]string{"code", "name", "level", "population", "urban", "__typename", "parent { code name }"}) {
		parts = append(parts, g.key(f))
	}
	if depth > 0 && g.chance(0.3) {
		parts = append(parts, g.key("children")+" { "+g.jurisdiction(depth-1)+" }")
	}
	return g.wrap("Jurisdiction", strings.Join(parts, " "))
}

// jurisdictions returns a Query.jurisdictions field: of the caller's area, of an area
// of a household, of the city or of an unknown code, with a level now and then.
func (g *gen) jurisdictions() string {
	var args []string
	switch g.r.IntN(5) {
	case 0:
	case 1:
		args = append(args, "parent: "+g.value("String", g.someArea()))
	case 2:
		args = append(args, "parent: "+g.value("String", division.CityCode))
	case 3:
		args = append(args, "parent: "+g.value("String", "999999999999"))
	case 4:
		args = append(args, "parent: "+g.value("String", g.someHousehold().AreaCode[:9]+"000"))
	}
	if g.chance(0.4) {
		lv := []string{"CITY", "COUNTY", "TOWNSHIP", "VILLAGE"}[g.r.IntN(4)]
		if lv == "VILLAGE" && (len(args) == 0 || strings.Contains(args[0], division.CityCode)) {
			lv = "TOWNSHIP" // every village of the city is a long answer
		}
		if g.chance(0.3) {
			args = append(args, "level: "+g.variable("Level", lv))
		} else {
			args = append(args, "level: "+lv)
		}
	}
	q := "jurisdictions"
	if len(args) > 0 {
		q += "(" + strings.Join(args, ", ") + ")"
	}
	return g.key(q) + " { " + g.jurisdiction(1) + " }"
}

func (g *gen) staffMember() string {
	var parts []string
	for _, f := range g.pick([]string{"id", "name", "post", "areaCode", "phone", "phone(reveal: false)", "from", "until",
		"active", "version", "createdAt", "updatedAt", "__typename", "area { code name level parent { code } }"}) {
		if strings.Contains(f, "(") {
			g.alias++
			parts = append(parts, "p"+strconv.Itoa(g.alias)+": "+f)
			continue
		}
		parts = append(parts, g.key(f))
	}
	return g.wrap("StaffMember", strings.Join(parts, " "))
}

// staffConnection returns a Query.staff field with random paging, area, post and filter.
func (g *gen) staffConnection() string {
	var args []string
	switch g.r.IntN(4) {
	case 0:
	case 1, 2:
		args = append(args, "first: "+g.value("Int", g.r.IntN(12)))
	case 3:
		args = append(args, "last: "+g.value("Int", g.r.IntN(12)))
	}
	if g.chance(0.3) {
		m := g.staff[g.r.IntN(len(g.staff))]
		dir := "after"
		if g.chance(0.4) {
			dir = "before"
		}
		args = append(args, dir+": "+g.value("String", cursor.Encode(m.AreaCode, m.ID)))
	}
	if g.chance(0.4) {
		m := g.staff[g.r.IntN(len(g.staff))]
		area := []string{g.p.Area, m.AreaCode, m.AreaCode[:9] + "000", m.AreaCode[:6] + "000000"}[g.r.IntN(4)]
		args = append(args, "area: "+g.value("String", area))
	}
	posts := []string{"CIVIL_AFFAIRS_STAFF", "SOCIAL_WORKER", "VILLAGE_ASSISTANT", "VILLAGE_COORDINATOR"}
	if g.chance(0.2) {
		args = append(args, "post: "+posts[g.r.IntN(len(posts))])
	}
	if g.chance(0.4) {
		var fs []string
		switch g.r.IntN(5) {
		case 0:
			fs = append(fs, "post: "+posts[g.r.IntN(len(posts))])
		case 1:
			fs = append(fs, "active: "+strconv.FormatBool(g.chance(0.5)))
		case 2:
			day := time.Now().AddDate(0, 0, -g.r.IntN(3000)).Format("2006-01-02")
			fs = append(fs, "activeOn: "+g.value("Date", day))
		case 3:
			fs = append(fs, `nameContains: "`+[]string{"王", "张", "_", "%", ""}[g.r.IntN(5)]+`"`)
		case 4:
			fs = append(fs, "post: VILLAGE_ASSISTANT", "active: true")
		}
		args = append(args, "filter: { "+strings.Join(fs, ", ")+" }")
	}
	var parts []string
	for _, f := range g.pick([]string{"totalCount", "pageInfo", "edges", "__typename"}) {
		switch f {
		case "pageInfo":
			parts = append(parts, g.key("pageInfo")+" { "+strings.Join(g.pick([]string{"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}), " ")+" }")
		case "edges":
			inner := g.pick([]string{"cursor", "node", "__typename"})
			for i, e := range inner {
				if e == "node" {
					inner[i] = "node { " + g.staffMember() + " }"
				}
			}
			parts = append(parts, g.key("edges")+" { "+strings.Join(inner, " ")+" }")
		default:
			parts = append(parts, g.key(f))
		}
	}
	q := "staff"
	if len(args) > 0 {
		q += "(" + strings.Join(args, ", ") + ")"
	}
	return g.key(q) + " { " + strings.Join(parts, " ") + " }"
}

// operation returns a random query and its variables.
func (g *gen) operation() (string, map[string]any) {
	g.frags, g.vars, g.decl, g.alias = nil, map[string]any{}, nil, 0
	var roots []string
	for range 1 + g.r.IntN(2) {
		switch g.r.IntN(9) {
		case 0, 1:
			roots = append(roots, g.connection("households"))
		case 2:
			roots = append(roots, g.connection("grants"))
		case 3:
			h := g.someHousehold()
			roots = append(roots, g.key("household(id: "+g.value("ID!", h.ID)+")")+" { "+g.household(2)+" }")
		case 4:
			m := g.someMember()
			roots = append(roots, g.key("member(id: "+g.value("ID!", m.ID)+")")+" { "+g.member(2)+" }")
		case 5:
			gr := g.someGrant()
			roots = append(roots, g.key("grant(id: "+g.value("ID!", gr.ID)+")")+" { "+g.grant(2)+" }")
		case 6:
			roots = append(roots, g.staffConnection())
		case 7:
			m := g.staff[g.r.IntN(len(g.staff))]
			roots = append(roots, g.key("staffMember(id: "+g.value("ID!", m.ID)+")")+" { "+g.staffMember()+" }")
		case 8:
			roots = append(roots, g.jurisdictions())
		}
	}
	if g.chance(0.1) {
		roots = append(roots, "__typename")
	}
	if g.chance(0.05) {
		roots = append(roots, g.key("programs")+" { "+strings.Join(g.pick([]string{"code", "name", "active", "__typename", "category { code name }"}), " ")+" }")
	}
	if g.chance(0.05) {
		roots = append(roots, g.key("categories")+" { "+strings.Join(g.pick([]string{"code", "name", "__typename"}), " ")+" }")
	}
	if g.chance(0.1) {
		code := g.someHousehold().AreaCode
		if g.chance(0.2) {
			code = "999999999999"
		}
		roots = append(roots, g.key("jurisdiction(code: "+g.value("String!", code)+")")+" { code name level population urban parent { code name } }")
	}
	head := "query"
	if len(g.decl) > 0 {
		head += " Q(" + strings.Join(g.decl, ", ") + ")"
	}
	doc := head + " { " + strings.Join(roots, " ") + " }"
	for _, f := range g.frags {
		doc += "\n" + f
	}
	return doc, g.vars
}

// TestCompiledAnswersTheCountyList checks that the benchmark's county list is answered
// by one statement, the same as the executor's.
func TestCompiledAnswersTheCountyList(t *testing.T) {
	pr := startPair(t, 120)
	tok, err := pr.verifier.Sign(auth.Principal{Subject: "county", Role: models.RoleOfficer, Area: seed.DemoCounty}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const q = `query CountyList($area: String, $after: String, $first: Int) {
  households(area: $area, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id areaCode address povertyRegistered
      members { name relation idNumber monthlyIncome }
      grants { amount status startDate program { name } }
    } }
  }
}`
	vars := map[string]any{"area": seed.DemoCounty, "first": 50}
	before, _ := pr.reads.Counts()
	a := pr.post(pr.compiled, tok, q, vars)
	b := pr.post(pr.executor, tok, q, vars)
	if after, _ := pr.reads.Counts(); after != before+1 {
		t.Errorf("the county list was not answered by one statement")
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("answers differ\ncompiled: %.2000s\nexecutor: %.2000s", a, b)
	}
	if !bytes.Contains(a, []byte(`"edges":[{"node"`)) {
		t.Fatalf("no households in the answer: %.500s", a)
	}
}

// TestCompiledAnswersTheRegistryLists checks that the staff registry, a staff member, the
// jurisdictions and the catalogue are answered by one statement each, the same as the
// executor's, and that the staff of the sibling county are not in the county officer's.
func TestCompiledAnswersTheRegistryLists(t *testing.T) {
	pr := startPair(t, 30)
	tok, err := pr.verifier.Sign(auth.Principal{Subject: "county", Role: models.RoleOfficer, Area: seed.DemoCounty}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var own, sibling models.StaffMember
	for _, m := range pr.staff {
		if division.Contains(seed.DemoCounty, m.AreaCode) && own.ID == "" {
			own = m
		}
		if division.Contains(siblingCounty, m.AreaCode) && sibling.ID == "" {
			sibling = m
		}
	}
	tests := []struct {
		name, query string
		vars        map[string]any
		want        string // a fragment the answer must hold
	}{
		{"staff list", `query S($first: Int) { staff(first: $first, filter: { active: true }) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id name post areaCode phone from until active version createdAt area { code name level } } } } }`,
			map[string]any{"first": 100}, `"edges":[{"cursor"`},
		{"staff of a post", `{ staff(post: VILLAGE_ASSISTANT, last: 5) { edges { node { name post } } } }`, nil, `"post":"VILLAGE_ASSISTANT"`},
		{"staff member", `query M($id: ID!) { staffMember(id: $id) { id name phone active } }`, map[string]any{"id": own.ID}, own.ID},
		{"jurisdictions", `{ jurisdictions { code name level children { code population urban } } }`, nil, `"children":[{"code"`},
		{"jurisdictions of a level", `{ jurisdictions(parent: "371400000000", level: COUNTY) { code parent { code } } }`, nil, seed.DemoCounty},
		{"catalogue", `{ programs { code name active category { code } } categories { code name } }`, nil, `"programs":[{"code"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := pr.reads.Counts()
			a := pr.post(pr.compiled, tok, tt.query, tt.vars)
			b := pr.post(pr.executor, tok, tt.query, tt.vars)
			if after, _ := pr.reads.Counts(); after != before+1 {
				t.Errorf("not answered by one statement: %.500s", a)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("answers differ\ncompiled: %.2000s\nexecutor: %.2000s", a, b)
			}
			if !bytes.Contains(a, []byte(tt.want)) {
				t.Fatalf("the answer lacks %s: %.500s", tt.want, a)
			}
			if bytes.Contains(a, []byte(sibling.ID)) {
				t.Fatalf("the answer holds a staff member of the sibling county: %.500s", a)
			}
		})
	}
	// The sibling county's staff member by id is NOT_FOUND, from the executor.
	a := pr.post(pr.compiled, tok, `query M($id: ID!) { staffMember(id: $id) { id } }`, map[string]any{"id": sibling.ID})
	if !bytes.Contains(a, []byte("NOT_FOUND")) || bytes.Contains(a, []byte(sibling.Name)) {
		t.Fatalf("a sibling county's staff member: %.500s", a)
	}
}

func ptr[T any](v T) *T { return &v }
