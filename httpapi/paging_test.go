package httpapi_test

import (
	"fmt"
	"slices"
	"testing"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// relayPage is a connection's answer, reduced to the ids, cursors and page info.
type relayPage struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func (p relayPage) ids() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.ID
	}
	return out
}

// TestConnectionsReadBackward walks households and grants over GraphQL forward with
// first and after and backward with last and before, and requires the same pages in
// reverse, Relay's page info on each (startCursor and endCursor the first and last edges'
// cursors, hasPreviousPage only when reading backward and more precede, hasNextPage only
// when reading forward and more follow), and BAD_USER_INPUT naming the argument for first
// with last and for last over the ceiling.
func TestConnectionsReadBackward(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 120)
		tok := e.token(models.RoleOfficer, seed.DemoCounty)
		for _, list := range []string{"households", "grants"} {
			t.Run(list, func(t *testing.T) {
				q := fmt.Sprintf(`query($first: Int, $after: String, $last: Int, $before: String) {
				  list: %s(first: $first, after: $after, last: $last, before: $before) {
				    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, list)
				read := func(vars map[string]any) relayPage {
					t.Helper()
					var out struct{ List relayPage }
					e.ok(tok, q, vars, &out)
					p := out.List
					if len(p.Edges) == 0 {
						if p.PageInfo.StartCursor != nil || p.PageInfo.EndCursor != nil {
							t.Errorf("%v: an empty page with cursors %+v", vars, p.PageInfo)
						}
						return p
					}
					if p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor ||
						p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor {
						t.Errorf("%v: start and end cursors are not the first and last edges' cursors", vars)
					}
					return p
				}
				const size = 4
				var forward []relayPage
				vars := map[string]any{"first": size}
				for {
					p := read(vars)
					if p.PageInfo.HasPreviousPage {
						t.Errorf("forward page %d: hasPreviousPage true", len(forward))
					}
					forward = append(forward, p)
					if !p.PageInfo.HasNextPage {
						break
					}
					vars = map[string]any{"first": size, "after": *p.PageInfo.EndCursor}
				}
				if len(forward) < 3 {
					t.Fatalf("%d pages: the test needs a longer list", len(forward))
				}
				vars = map[string]any{"last": len(forward[len(forward)-1].Edges)}
				for i := len(forward) - 1; i >= 0; i-- {
					p := read(vars)
					if !slices.Equal(p.ids(), forward[i].ids()) {
						t.Fatalf("backward page %d: %v, want %v", i, p.ids(), forward[i].ids())
					}
					if p.PageInfo.HasNextPage || p.PageInfo.HasPreviousPage != (i > 0) {
						t.Errorf("backward page %d: page info %+v", i, p.PageInfo)
					}
					vars = map[string]any{"last": size, "before": *p.PageInfo.StartCursor}
				}
				for _, bad := range []struct {
					vars  map[string]any
					field string
				}{
					{map[string]any{"first": 5, "last": 5}, "last"},
					{map[string]any{"last": store.MaxPageSize + 1}, "last"},
					{map[string]any{"last": -1}, "last"},
					{map[string]any{"last": 5, "before": "not a cursor"}, "before"},
				} {
					r := e.do(tok, q, bad.vars)
					if r.code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != bad.field {
						t.Errorf("%v: %.300s, want BAD_USER_INPUT on %s", bad.vars, r.raw, bad.field)
					}
				}
			})
		}
		// A backward page from a cursor beyond the county (the city's last household)
		// holds the county's last households and nothing outside the county.
		admin := e.token(models.RoleAdmin, division.CityCode)
		var city struct{ Households relayPage }
		e.ok(admin, `{ households(last: 1) { edges { cursor node { id } } } }`, nil, &city)
		var county struct {
			Households struct {
				Edges []struct{ Node struct{ AreaCode string } }
			}
		}
		e.ok(tok, `query($c: String) { households(last: 100, before: $c) { edges { node { areaCode } } } }`,
			map[string]any{"c": city.Households.Edges[0].Cursor}, &county)
		if len(county.Households.Edges) == 0 {
			t.Error("no household of the county before the city's last one")
		}
		lo, hi := division.Range(seed.DemoCounty)
		for _, ed := range county.Households.Edges {
			if a := ed.Node.AreaCode; a < lo || a > hi {
				t.Errorf("the county's backward page holds a household of %s", a)
			}
		}
	})
}
