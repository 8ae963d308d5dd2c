package httpapi_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"jiuzhu/division"
	"jiuzhu/graph"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

var costLine = regexp.MustCompile(`estimated cost is (\d+);`)

// TestCostCountsRealListSizes reads the estimated cost of queries from a server whose
// limit refuses everything, and checks that every list counts as its largest possible
// size: jurisdictions as the tree holds them, the change feed by its own first and
// ceiling, lists of reference data as the tree and the catalogue hold them, and any other
// list as the page ceiling.
func TestCostCountsRealListSizes(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := startWith(t, st, 0, func(o *httpapi.Options) {
		o.Limits = httpapi.DefaultLimits
		o.Limits.MaxComplexity = 1
	})
	tree := division.Dezhou()
	maxChildren := 0
	for _, u := range tree.All() {
		maxChildren = max(maxChildren, len(tree.Children(u.Code)))
	}
	villages := tree.Count(models.LevelVillage)
	countyVillages := len(tree.Within(seed.DemoCounty, models.LevelVillage))
	city := e.token(models.RoleAdmin, division.CityCode)
	county := e.token(models.RoleOfficer, seed.DemoCounty)
	tests := []struct {
		name, token, query string
		want               int
	}{
		{"every village of the city", city, `{ jurisdictions(parent: "371400000000", level: VILLAGE) { code } }`, 1 + villages},
		{"every village of the caller's area", city, `{ jurisdictions(level: VILLAGE) { code name } }`, 1 + 2*villages},
		{"every village of a county", city, `{ jurisdictions(parent: "` + seed.DemoCounty + `", level: VILLAGE) { code } }`, 1 + countyVillages},
		{"the county caller's villages", county, `{ jurisdictions(level: VILLAGE) { code } }`, 1 + countyVillages},
		{"children of the city", city, `{ jurisdictions { code } }`, 1 + len(tree.Children(division.CityCode))},
		{"level as a variable", city, `query($l: Level) { jurisdictions(level: $l) { code } }`, 1 + villages},
		{"twenty aliases of every village", city, aliased(20, `jurisdictions(level: VILLAGE) { code name }`), 20 * (1 + 2*villages)},
		{"children of a jurisdiction", city, `{ jurisdiction(code: "371400000000") { children { code } } }`, 1 + 1 + maxChildren},
		{"the change feed by first", city, `{ changes(first: 1000) { edges { cursor } } }`, 1 + store.MaxChangesPage*2},
		{"the change feed by default", city, `{ changes { edges { cursor } } }`, 1 + store.DefaultChangesPage*2},
		{"the change feed above its ceiling", city, `{ changes(first: 5000) { edges { cursor } } }`, 1 + store.MaxChangesPage*2},
		{"a page of households", city, `{ households(first: 100) { edges { node { id } } } }`, 1 + 100*3},
		{"a household's members", city, `{ household(id: "x") { members { id } } }`, 1 + 1 + store.MaxPageSize},
		{"trend months", city, `{ trends { months { month } } }`, 30_000 + 1 + store.MaxTrendMonths},
		{"staffing villages", city, `{ staffingReport { villagesShort { activeRecipients } } }`, 2_000 + 1 + villages},
		{"area figures", city, `{ areaStats { households children { households } } }`, 2_000 + 1 + 1 + maxChildren},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]any{}
			if strings.Contains(tt.query, "$l") {
				vars["l"] = "VILLAGE"
			}
			r := e.do(tt.token, tt.query, vars)
			m := costLine.FindStringSubmatch(r.raw)
			if r.code() != httpapi.CodeQueryTooComplex || m == nil {
				t.Fatalf("no cost: %s", r.raw)
			}
			if got, _ := strconv.Atoi(m[1]); got != tt.want {
				t.Errorf("cost %d, want %d", got, tt.want)
			}
		})
	}
}

// aliased repeats field under n aliases.
func aliased(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	b.WriteString("}")
	return b.String()
}

// TestListAbuseIsRefused: the requests of the abuse the old estimate let through are
// refused with the default limits.
func TestListAbuseIsRefused(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 0)
	tok := e.token(models.RoleAdmin, division.CityCode)
	for name, q := range map[string]string{
		"every village, twenty times": aliased(20, `jurisdictions(parent: "371400000000", level: VILLAGE) { code name }`),
		"the whole change feed, fifteen times": aliased(15,
			`changes(first: 1000) { edges { cursor node { kind entity id areaCode household { id } } } }`),
		"trends, four times": aliased(4, `trends(months: 36) { months { month } }`),
	} {
		if r := e.do(tok, q, nil); r.code() != httpapi.CodeQueryTooComplex {
			t.Errorf("%s: %.300s", name, r.raw)
		}
	}
}

// TestEveryPageCeilingIsTheStores asks every paginated root field for one item more than
// the ceiling the cost model assumes for it, by first and by last: the store must refuse. A paginated field
// added later whose store accepts more than the model assumes fails here.
func TestEveryPageCeilingIsTheStores(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	e := start(t, st, 0)
	tok := e.token(models.RoleAdmin, division.CityCode)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	checked := 0
	for _, f := range schema.Query.Fields {
		if f.Arguments.ForName("first") == nil {
			continue
		}
		for _, a := range f.Arguments {
			if a.Type.NonNull && a.DefaultValue == nil && a.Name != "first" {
				t.Fatalf("%s has a required argument %s; give it a value here", f.Name, a.Name)
			}
		}
		ceiling := httpapi.PageSizes("Query", f.Name).Max
		for _, arg := range []string{"first", "last"} {
			if f.Arguments.ForName(arg) == nil {
				continue
			}
			q := fmt.Sprintf(`query($n: Int) { %s(%s: $n) { __typename } }`, f.Name, arg)
			if r := e.do(tok, q, map[string]any{"n": ceiling + 1}); r.code() != httpapi.CodeBadUserInput || r.Errors[0].Extensions["field"] != arg {
				t.Errorf("%s(%s: %d), above the ceiling the cost model assumes: %.300s", f.Name, arg, ceiling+1, r.raw)
			}
			if r := e.do(tok, q, map[string]any{"n": ceiling}); len(r.Errors) > 0 {
				t.Errorf("%s(%s: %d), at the ceiling: %.300s", f.Name, arg, ceiling, r.raw)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Errorf("only %d paginated root fields found", checked)
	}
}
