package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// Expectations of a scope-leak case. Whatever the expectation, the answer must not hold
// any id, name, ID number, address or reference of the sibling subtree's records, and
// nothing may change.
const (
	// expectOK: no error (public data, or the caller's own records only).
	expectOK = "OK"
	// expectEmpty: no error, and every list and totalCount in the answer is empty.
	expectEmpty = "EMPTY"
)

// leakCase is one call of a field with arguments that point into the sibling subtree.
// The query may use these variables: $hid, $mid, $headId, $gid (a household, a member,
// its head and a grant of the sibling subtree), $idNumber and $ref (a sibling member's
// full ID number and the household's external reference), $address, $area and $village
// (the sibling area and one of its villages), $cursor (a keyset cursor at the sibling
// household), $ownHid (a household of the caller's own area), $fresh (a valid ID number
// of nobody registered).
type leakCase struct {
	query string
	// want is expectOK, expectEmpty or an error code (NOT_FOUND, FORBIDDEN, CONFLICT).
	want string
	// action, when set, is what the field needs the role to be allowed: a role without
	// it must get FORBIDDEN instead of want.
	action auth.Action
}

// leakCases lists the cases of every Query and Mutation field, keyed "Query.name" or
// "Mutation.name". A field of the schema without an entry fails TestScopeLeakMatrix:
// whoever adds a field adds its cases here.
var leakCases = map[string][]leakCase{
	"Query.me":            {{query: `{ me { subject role area { code name } level categories } }`, want: expectOK}},
	"Query.jurisdiction":  {{query: `query($area: String!) { jurisdiction(code: $area) { code name children { code name } } }`, want: expectOK}},
	"Query.jurisdictions": {{query: `query($area: String) { jurisdictions(parent: $area) { code name } }`, want: expectOK}},
	"Query.programs":      {{query: `{ programs { code name category { code programs { code } } } }`, want: expectOK}},
	"Query.categories":    {{query: `{ categories { code name } }`, want: expectOK}},
	"Query.household": {
		{query: `query($hid: ID!) { household(id: $hid) { id address members { name idNumber } } }`, want: models.ErrNotFound.Error()},
		{query: `query($ownHid: ID!) { household(id: $ownHid) { head { household { id } } members { name household { address } } grants { household { id } member { name } events { actor } } } }`, want: expectOK},
	},
	"Query.households": {
		{query: `query($area: String) { households(area: $area) { totalCount edges { node { id } } } }`, want: models.ErrForbidden.Error()},
		{query: `query($village: String) { households(area: $village) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `query($ref: String) { households(filter: {externalRef: $ref}) { totalCount edges { node { id address } } } }`, want: expectEmpty},
		{query: `query($address: String) { households(filter: {addressContains: $address}) { totalCount edges { node { id } } } }`, want: expectEmpty},
		{query: `query($cursor: String) { households(first: 100, after: $cursor) { edges { node { id address areaCode members { name } grants { id } } } } }`, want: expectOK},
	},
	"Query.member": {
		{query: `query($mid: ID!) { member(id: $mid) { id name idNumber } }`, want: models.ErrNotFound.Error()},
		{query: `query($mid: ID!) { member(id: $mid) { idNumber(reveal: true) } }`, want: models.ErrNotFound.Error()},
	},
	"Query.memberByIdNumber": {
		{query: `query($idNumber: String!) { memberByIdNumber(idNumber: $idNumber) { id name household { address } } }`, want: models.ErrNotFound.Error()},
	},
	"Query.grant": {
		{query: `query($gid: ID!) { grant(id: $gid) { id amount household { id } } }`, want: models.ErrNotFound.Error()},
	},
	"Query.grants": {
		{query: `query($area: String) { grants(area: $area) { totalCount } }`, want: models.ErrForbidden.Error()},
		{query: `{ grants(first: 100) { totalCount edges { node { household { address members { name } } member { name } events { actor } } } } }`, want: expectOK},
		{query: `query($hid: ID) { grants(filter: {householdId: $hid}) { totalCount edges { node { id household { id } } } } }`, want: expectEmpty},
	},
	"Query.auditEvents": {
		{query: `query($area: String) { auditEvents(area: $area) { totalCount edges { node { records } } } }`, want: models.ErrForbidden.Error()},
		{query: `{ auditEvents(first: 100) { edges { node { records areaCode } } } }`, want: expectOK, action: auth.ActionReadAudit},
	},
	"Mutation.createHousehold": {
		{query: `mutation($village: String!, $fresh: String!) { createHousehold(input: {village: $village, address: "越界路1号", members: [{name: "越界人", idNumber: $fresh, relation: HEAD}]}) { id } }`,
			want: models.ErrForbidden.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.updateHousehold": {
		{query: `mutation($hid: ID!) { updateHousehold(id: $hid, input: {address: "篡改"}) { id address } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $village: String) { updateHousehold(id: $ownHid, input: {village: $village}) { id } }`, want: models.ErrForbidden.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.addMember": {
		{query: `mutation($hid: ID!, $fresh: String!) { addMember(householdId: $hid, input: {name: "外人", idNumber: $fresh, relation: OTHER}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $idNumber: String!) { addMember(householdId: $ownHid, input: {name: "冒名", idNumber: $idNumber, relation: OTHER}) { id } }`, want: models.ErrConflict.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.updateMember": {
		{query: `mutation($mid: ID!) { updateMember(id: $mid, input: {name: "篡改"}) { id name } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.removeMember": {
		{query: `mutation($mid: ID!) { removeMember(id: $mid) { id name } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.setHouseholdHead": {
		{query: `mutation($hid: ID!, $mid: ID!) { setHouseholdHead(householdId: $hid, memberId: $mid, formerHeadRelation: SPOUSE) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
		{query: `mutation($ownHid: ID!, $mid: ID!) { setHouseholdHead(householdId: $ownHid, memberId: $mid, formerHeadRelation: SPOUSE) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteHousehold},
	},
	"Mutation.createGrant": {
		{query: `mutation($hid: ID!) { createGrant(input: {householdId: $hid, programCode: "TEMPORARY_RELIEF", amount: "500.00", startDate: "2026-01-01"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteGrant},
		{query: `mutation($ownHid: ID!, $mid: ID) { createGrant(input: {householdId: $ownHid, memberId: $mid, programCode: "TEMPORARY_RELIEF", amount: "500.00", startDate: "2026-01-01"}) { id } }`, want: models.ErrNotFound.Error(), action: auth.ActionWriteGrant},
	},
}

// wantCodes maps the sentinel texts used in leakCases to GraphQL codes.
var wantCodes = map[string]string{
	models.ErrNotFound.Error():  httpapi.CodeNotFound,
	models.ErrForbidden.Error(): httpapi.CodeForbidden,
	models.ErrConflict.Error():  httpapi.CodeConflict,
}

// leakTier is a caller and the sibling subtree it must not reach.
type leakTier struct {
	name    string
	p       auth.Principal
	sibling string
}

// planted is what the test registers, through the API as the city admin, in the
// sibling subtree and in the caller's own area.
type planted struct {
	vars    map[string]any
	secrets []string
}

func plant(t *testing.T, e *env, admin string, tier leakTier, n int) planted {
	t.Helper()
	village := firstVillage(e, tier.sibling)
	own := firstVillage(e, tier.p.Area)
	birth := time.Date(1935, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	headID := idnumber.Build("371428", birth, 101)
	memberID := idnumber.Build("371428", birth, 102)
	ownID := idnumber.Build("371428", birth, 103)
	fresh := idnumber.Build("371428", birth, 104)
	ref := fmt.Sprintf("LEAK-REF-%d", n)
	address := fmt.Sprintf("泄漏检查路%d号", n)
	// Names unique to this tier: records planted for one tier may lie in another's area.
	stem := []string{"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"}[n]
	headName, memberName := "隐秘户主"+stem, "隐秘成员"+stem
	var made struct {
		CreateHousehold struct {
			ID      string
			Members []struct{ ID, Relation string }
		}
	}
	e.ok(admin, `mutation($v: String!, $a: String!, $r: String, $h: String!, $m: String!, $hn: String!, $mn: String!) { createHousehold(input: {village: $v, address: $a, externalRef: $r,
	  members: [{name: $hn, idNumber: $h, relation: HEAD}, {name: $mn, idNumber: $m, relation: SPOUSE}]}) { id members { id relation } } }`,
		map[string]any{"v": village, "a": address, "r": ref, "h": headID, "m": memberID, "hn": headName, "mn": memberName}, &made)
	var grant struct{ CreateGrant struct{ ID string } }
	e.ok(admin, `mutation($h: ID!) { createGrant(input: {householdId: $h, programCode: "URBAN_DIBAO", amount: "650.00", startDate: "2026-01-01"}) { id } }`,
		map[string]any{"h": made.CreateHousehold.ID}, &grant)
	var mine struct{ CreateHousehold struct{ ID string } }
	e.ok(admin, `mutation($v: String!, $o: String!) { createHousehold(input: {village: $v, address: "自家路1号", members: [{name: "本地人", idNumber: $o, relation: HEAD}]}) { id } }`,
		map[string]any{"v": own, "o": ownID}, &mine)
	var head, member string
	for _, m := range made.CreateHousehold.Members {
		if m.Relation == "HEAD" {
			head = m.ID
		} else {
			member = m.ID
		}
	}
	h := made.CreateHousehold.ID
	return planted{
		vars: map[string]any{
			"hid": h, "mid": member, "headId": head, "gid": grant.CreateGrant.ID, "idNumber": memberID, "ref": ref,
			"address": address, "area": tier.sibling, "village": village, "ownHid": mine.CreateHousehold.ID,
			"fresh":  fresh,
			"cursor": base64.RawURLEncoding.EncodeToString([]byte(village + ":" + h)),
		},
		secrets: []string{h, member, head, grant.CreateGrant.ID, headID, memberID, ref, address, headName, memberName},
	}
}

// firstVillage returns the first village of area's subtree (area itself for a village).
func firstVillage(e *env, area string) string {
	e.t.Helper()
	if division.LevelOf(area) == models.LevelVillage {
		return area
	}
	vs := e.st.Tree().Within(area, models.LevelVillage)
	if len(vs) == 0 {
		e.t.Fatalf("no village in %s", area)
	}
	return vs[0].Code
}

// snapshot is what the city admin sees of the planted records and of the totals.
func snapshot(t *testing.T, e *env, admin string, vars map[string]any) string {
	t.Helper()
	r := e.do(admin, `query($hid: ID!, $ownHid: ID!) {
	  h: household(id: $hid) { address version areaCode externalRef members { id name relation monthlyIncome } grants { id status amount version } }
	  own: household(id: $ownHid) { address version areaCode members { id } grants { id } }
	  households { totalCount } grants { totalCount } auditEvents { totalCount } }`, map[string]any{"hid": vars["hid"], "ownHid": vars["ownHid"]})
	if len(r.Errors) > 0 {
		t.Fatalf("snapshot: %s", r.raw)
	}
	return string(r.Data)
}

// schemaFields lists "Query.x" and "Mutation.y" for every root field, by introspection.
func schemaFields(t *testing.T, e *env, tok string) []string {
	t.Helper()
	var s struct {
		Schema struct {
			QueryType, MutationType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	e.ok(tok, `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil, &s)
	var out []string
	for _, f := range s.Schema.QueryType.Fields {
		out = append(out, "Query."+f.Name)
	}
	for _, f := range s.Schema.MutationType.Fields {
		out = append(out, "Mutation."+f.Name)
	}
	sort.Strings(out)
	return out
}

// empty reports whether every list in v is empty and every totalCount is 0.
func empty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "totalCount" && c != float64(0) {
				return false
			}
			if !empty(c) {
				return false
			}
		}
	case []any:
		return len(x) == 0
	}
	return true
}

// TestScopeLeakMatrix calls every Query and Mutation field, found by introspection, with
// a token of every tier and arguments that point into a sibling subtree, and checks
// that nothing of the sibling subtree shows in any answer (data or error message), that
// each call ends as its case expects, and that nothing changed.
func TestScopeLeakMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := startWith(t, st, 60, func(o *httpapi.Options) { o.Introspection = true })
		admin := e.token(models.RoleAdmin, division.CityCode)
		fields := schemaFields(t, e, admin)
		var missing []string
		for _, f := range fields {
			if len(leakCases[f]) == 0 {
				missing = append(missing, f)
			}
		}
		for _, f := range missing {
			t.Errorf("no scope-leak case for %s", f)
		}
		for name := range leakCases {
			if !slices.Contains(fields, name) {
				t.Errorf("scope-leak case for %s, which the schema does not have", name)
			}
		}
		village := seed.DemoVillage(st.Tree())
		siblingVillage := st.Tree().Within(seed.DemoTownship, models.LevelVillage)[1].Code
		tiers := []leakTier{
			{"county officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoCounty}, "371403000000"},
			{"township officer", auth.Principal{Role: models.RoleOfficer, Area: seed.DemoTownship}, "371402002000"},
			{"township admin", auth.Principal{Role: models.RoleAdmin, Area: seed.DemoTownship}, "371402002000"},
			{"village assistant", auth.Principal{Role: models.RoleAssistant, Area: village}, siblingVillage},
			{"county integrator", auth.Principal{Role: models.RoleIntegrator, Area: seed.DemoCounty, Categories: []string{catalogue.CategoryDibao, catalogue.CategoryTemporary}}, "371403000000"},
			{"county auditor", auth.Principal{Role: models.RoleAuditor, Area: seed.DemoCounty}, "371403000000"},
		}
		for n, tier := range tiers {
			t.Run(tier.name, func(t *testing.T) {
				pl := plant(t, e, admin, tier, n)
				tier.p.Subject = "leak-" + strings.ReplaceAll(tier.name, " ", "-")
				tok, err := e.verifier.Sign(tier.p, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				before := snapshot(t, e, admin, pl.vars)
				for _, field := range fields {
					for i, c := range leakCases[field] {
						want := c.want
						if c.action != 0 && !tier.p.May(c.action) {
							want = models.ErrForbidden.Error()
						}
						r := e.do(tok, c.query, pl.vars)
						for _, s := range pl.secrets {
							if strings.Contains(r.raw, s) {
								t.Errorf("%s case %d leaks %q: %.400s", field, i, s, r.raw)
							}
						}
						switch want {
						case expectOK, expectEmpty:
							if len(r.Errors) > 0 {
								t.Errorf("%s case %d: want %s, got %s", field, i, want, r.raw)
								continue
							}
							var data any
							_ = json.Unmarshal(r.Data, &data)
							if want == expectEmpty && !empty(data) {
								t.Errorf("%s case %d: want an empty answer, got %.400s", field, i, r.raw)
							}
						default:
							if r.code() != wantCodes[want] {
								t.Errorf("%s case %d: want %s, got %.400s", field, i, wantCodes[want], r.raw)
							}
						}
					}
				}
				if after := snapshot(t, e, admin, pl.vars); after != before {
					t.Errorf("something changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	})
}

// personalField matches the names of fields that hold personal numbers, which must be
// masked unless revealed.
var personalField = regexp.MustCompile(`(?i)(idnumber|idcard|phone|mobile|telephone)`)

// TestPersonalNumbersNeedReveal finds, by introspection, every output field whose name
// says it holds an ID or phone number, and requires it to take a reveal argument (and so
// a resolver that masks): a new field such as Member.phone cannot ship showing numbers
// in full. Query arguments (memberByIdNumber) are inputs and exempt.
func TestPersonalNumbersNeedReveal(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 0, func(o *httpapi.Options) { o.Introspection = true })
	var s struct {
		Schema struct {
			Types []struct {
				Name, Kind string
				Fields     []struct {
					Name string
					Args []struct{ Name string }
					Type struct {
						Name, Kind string
						OfType     *struct{ Name string }
					}
				}
			}
		} `json:"__schema"`
	}
	e.ok(e.token(models.RoleAdmin, division.CityCode), `{ __schema { types { name kind fields { name args { name } type { name kind ofType { name } } } } } }`, nil, &s)
	checked := 0
	for _, ty := range s.Schema.Types {
		if ty.Kind != "OBJECT" || strings.HasPrefix(ty.Name, "__") || ty.Name == "Query" || ty.Name == "Mutation" {
			continue
		}
		for _, f := range ty.Fields {
			if !personalField.MatchString(f.Name) {
				continue
			}
			checked++
			if !slices.ContainsFunc(f.Args, func(a struct{ Name string }) bool { return a.Name == "reveal" }) {
				t.Errorf("%s.%s holds personal numbers but takes no reveal argument: mask it by default", ty.Name, f.Name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no personal-number field found; Member.idNumber at least should be")
	}
}
