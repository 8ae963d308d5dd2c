package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/reviews"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// countyList is the dashboard's county list: a page of households with their members,
// grants and the grants' programs.
const countyList = `query($first: Int) { households(first: $first) { %s edges { node {
  id address members { name relation age } grants { amount status program { name } } } } } }`

// richList adds every nested field that has a loader.
const richList = `query($first: Int) { households(first: $first) { edges { node {
  id area { name } head { name } members { name household { id } }
  grants { amount program { name category { name } } category { name } member { name } household { id } events { toStatus } } } } } }`

// TestNestedListsTakeConstantStatements counts the SQL statements of a list of
// households with nested fields, as the executor and its loaders read it (compiled
// reads, which answer it with one statement, are off): the count does not grow with the
// page size.
func TestNestedListsTakeConstantStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		counter := storetest.Count(st)
		e := startWith(t, st, 600, func(o *httpapi.Options) { o.ExecutorOnly = true })
		tok := e.token(models.RoleOfficer, seed.DemoCounty)
		cases := []struct {
			name  string
			query string
			max   int
		}{
			// Households, members, grants, and the program names in force for the
			// caller (program settings, read once a request).
			{"county list", fmt.Sprintf(countyList, ""), 4},
			{"county list with totalCount", fmt.Sprintf(countyList, "totalCount"), 5},
			{"every nested loader", richList, 8},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// The catalogue (programs, categories) is read once a minute per process;
				// a first request reads it, so that the counts below are the steady state.
				var warm any
				e.ok(tok, c.query, map[string]any{"first": 1}, &warm)
				counts := map[int]int{}
				for _, first := range []int{3, 8} {
					var out struct {
						Households struct {
							Edges []struct {
								Node struct {
									Members []struct{ Name string }
									Grants  []struct{ Amount string }
								}
							}
						}
					}
					counter.Reset()
					e.ok(tok, c.query, map[string]any{"first": first}, &out)
					counts[first] = counter.N()
					if len(out.Households.Edges) != first {
						t.Fatalf("first %d: %d households; the seed has too few in the county", first, len(out.Households.Edges))
					}
					grants := 0
					for _, edge := range out.Households.Edges {
						if len(edge.Node.Members) == 0 {
							t.Fatalf("a household without members")
						}
						grants += len(edge.Node.Grants)
					}
					if grants == 0 {
						t.Fatalf("first %d: no grants in the page", first)
					}
				}
				if counts[3] != counts[8] || counts[8] > c.max {
					t.Errorf("statements: %v (page size → count), want equal and at most %d; last: %s",
						counts, c.max, strings.Join(counter.Statements(), "\n"))
				}
			})
		}
		t.Run("totalCount costs one statement, and only when selected", func(t *testing.T) {
			run := func(sel string) []string {
				counter.Reset()
				var out map[string]any
				e.ok(tok, fmt.Sprintf(`{ households(first: 5) { %s edges { cursor } } }`, sel), nil, &out)
				return counter.Statements()
			}
			without, with := run(""), run("totalCount")
			if len(with) != len(without)+1 {
				t.Fatalf("without totalCount %d statements, with it %d", len(without), len(with))
			}
			counts := 0
			for _, s := range with {
				if strings.Contains(strings.ToLower(s), "count(") {
					counts++
				}
			}
			if counts != 1 {
				t.Errorf("want one count statement: %q", with)
			}
			for _, s := range without {
				if strings.Contains(strings.ToLower(s), "count(") {
					t.Errorf("count without totalCount: %q", s)
				}
			}
		})
	})
}

// TestGrantCalculationsAreBatched counts the SQL statements of a list of grants with
// each grant's entitlement calculation and override flag: the calculations of the page
// are read together, so that 50 grants cost what 10 cost, on SQLite and PostgreSQL.
func TestGrantCalculationsAreBatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		counter := storetest.Count(st)
		e := startWith(t, st, 600, func(o *httpapi.Options) { o.ExecutorOnly = true })
		tok := e.token(models.RoleOfficer, seed.DemoCounty)
		const list = `query($first: Int) { grants(first: $first) { edges { node { id amount overridden
		  calculation { method formula computed amount overridden } } } } }`
		var warm any
		e.ok(tok, list, map[string]any{"first": 1}, &warm)
		counts := map[int]int{}
		for _, first := range []int{10, 50} {
			var out struct {
				Grants struct {
					Edges []struct {
						Node struct {
							ID          string
							Calculation *struct{ Computed string }
						}
					}
				}
			}
			counter.Reset()
			e.ok(tok, list, map[string]any{"first": first}, &out)
			counts[first] = counter.N()
			if len(out.Grants.Edges) != first {
				t.Fatalf("first %d: %d grants; the seed has too few in the county", first, len(out.Grants.Edges))
			}
		}
		t.Logf("statements by page size: %v", counts)
		if counts[10] != counts[50] || counts[50] > 4 {
			t.Errorf("statements: %v (page size → count), want equal and at most 4; last: %s",
				counts, strings.Join(counter.Statements(), "\n"))
		}
	})
}

// TestLoadersKeepTheCallersScope checks that batched nested reads are scoped like
// single ones: an integrator sees only its categories' grants inside households, and a
// village assistant's nested records never leave the village.
func TestLoadersKeepTheCallersScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 300)
		village := seed.DemoVillage(st.Tree())
		tok, err := e.verifier.Sign(auth.Principal{Subject: "e2e-integrator", Role: models.RoleIntegrator, Area: seed.DemoTownship, Categories: []string{"MEDICAL"}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Households struct {
				Edges []struct {
					Node struct {
						AreaCode string
						Grants   []struct {
							Category  struct{ Code string }
							AreaCode  string
							Household struct{ AreaCode string }
						}
					}
				}
			}
		}
		e.ok(tok, `{ households(first: 100) { edges { node { areaCode grants { category { code } areaCode household { areaCode } } } } } }`, nil, &out)
		if len(out.Households.Edges) == 0 {
			t.Fatal("the seed has no household in the demo township")
		}
		want := 0
		for _, g := range e.data.Grants {
			if g.CategoryCode == "MEDICAL" && division.Contains(seed.DemoTownship, g.AreaCode) {
				want++
			}
		}
		got := 0
		for _, edge := range out.Households.Edges {
			for _, g := range edge.Node.Grants {
				got++
				if g.Category.Code != "MEDICAL" || !division.Contains(seed.DemoTownship, g.AreaCode) || g.Household.AreaCode != edge.Node.AreaCode {
					t.Errorf("integrator sees grant %+v", g)
				}
			}
		}
		if len(out.Households.Edges) < 100 && got != want {
			t.Errorf("integrator sees %d medical grants, want %d", got, want)
		}

		// A grant of another village, asked for by a village assistant: NOT_FOUND, and
		// the nested fields of its own village's grants stay in the village.
		var outside string
		for _, g := range e.data.Grants {
			if !division.Contains(village, g.AreaCode) {
				outside = g.ID
				break
			}
		}
		atok := e.token(models.RoleAssistant, village)
		r := e.do(atok, `query($id: ID!) { grant(id: $id) { household { id } member { id } program { name } } }`, map[string]any{"id": outside})
		if r.code() != "NOT_FOUND" || strings.Contains(r.raw, outside) {
			t.Errorf("grant outside the village: %s", r.raw)
		}
		var mine struct {
			Grants struct {
				Edges []struct {
					Node struct {
						Household struct {
							AreaCode string
							Members  []struct{ AreaCode string }
						}
					}
				}
			}
		}
		e.ok(atok, `{ grants(first: 100) { edges { node { household { areaCode members { areaCode } } } } } }`, nil, &mine)
		for _, edge := range mine.Grants.Edges {
			h := edge.Node.Household
			for _, m := range h.Members {
				if h.AreaCode != village || m.AreaCode != village {
					t.Errorf("assistant of %s sees %s / %s", village, h.AreaCode, m.AreaCode)
				}
			}
		}
	})
}

// TestMutationsReadTheirOwnWrites runs two mutations in one request: the second one's
// nested fields see what the first one wrote, because each root field of a mutation
// gets fresh loaders.
func TestMutationsReadTheirOwnWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 20)
		var h models.Household
		for _, x := range e.data.Households {
			if x.AreaCode == seed.DemoVillage(st.Tree()) {
				h = x
				break
			}
		}
		before := 0
		for _, m := range e.data.Members {
			if m.HouseholdID == h.ID {
				before++
			}
		}
		tok := e.token(models.RoleOfficer, seed.DemoTownship)
		var out struct {
			A, B struct {
				Household struct{ Members []struct{ IDNumber string } }
			}
		}
		e.ok(tok, `mutation($h: ID!) {
		  a: addMember(householdId: $h, input: {name: "甲", idNumber: "371402199001010017", relation: OTHER}) { household { members { idNumber } } }
		  b: addMember(householdId: $h, input: {name: "乙", idNumber: "37140320000229456X", relation: OTHER}) { household { members { idNumber } } } }`,
			map[string]any{"h": h.ID}, &out)
		if len(out.A.Household.Members) != before+1 || len(out.B.Household.Members) != before+2 {
			t.Errorf("members after each mutation: %d then %d, want %d then %d",
				len(out.A.Household.Members), len(out.B.Household.Members), before+1, before+2)
		}
	})
}

// TestDocumentListsAreBatched counts the SQL statements of lists of grants and of
// reviews with each record's documents: the documents of a page are read together, so
// that 50 grants (40 reviews, as many as the seed opens in the county) cost what 10 cost,
// on SQLite and PostgreSQL.
func TestDocumentListsAreBatched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		counter := storetest.Count(st)
		e := startWith(t, st, 600, func(o *httpapi.Options) { o.ExecutorOnly = true })
		if _, err := reviews.New(st, policy.DefaultConfig()).OpenDue(t.Context(), models.NewDate(2030, 1, 1)); err != nil {
			t.Fatal(err)
		}
		tok := e.token(models.RoleOfficer, seed.DemoCounty)
		for _, c := range []struct {
			name, list, query string
			many, max         int
		}{
			// The page, and the documents of its records.
			{"grants", "grants", `query($first: Int) { grants(first: $first) { edges { node { id documents { id kind createdBy downloadPath } } } } }`, 50, 3},
			{"reviews", "reviews", `query($first: Int) { reviews(first: $first) { edges { node { id documents { id kind createdBy downloadPath } } } } }`, 40, 3},
		} {
			t.Run(c.name, func(t *testing.T) {
				var warm any
				e.ok(tok, c.query, map[string]any{"first": 1}, &warm)
				counts := map[int]int{}
				for _, first := range []int{10, c.many} {
					var out map[string]struct {
						Edges []struct {
							Node struct {
								ID        string
								Documents *[]struct{ ID string }
							}
						}
					}
					counter.Reset()
					e.ok(tok, c.query, map[string]any{"first": first}, &out)
					counts[first] = counter.N()
					edges := out[c.list].Edges
					if len(edges) != first {
						t.Fatalf("first %d: %d %s; the seed has too few in the county", first, len(edges), c.list)
					}
					for _, edge := range edges {
						if edge.Node.Documents == nil {
							t.Fatalf("%s %s: documents null for an officer", c.list, edge.Node.ID)
						}
					}
				}
				t.Logf("statements by page size: %v", counts)
				if counts[10] != counts[c.many] || counts[c.many] > c.max {
					t.Errorf("statements: %v (page size → count), want equal and at most %d; last: %s",
						counts, c.max, strings.Join(counter.Statements(), "\n"))
				}
			})
		}
	})
}
