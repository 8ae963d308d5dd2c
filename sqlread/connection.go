package sqlread

import (
	"strconv"
	"strings"

	"jiuzhu/privacy"
	"jiuzhu/store/cursor"
)

// list describes a keyset-paginated list of the store ordered by (area_code, id), as
// store/page.go reads it.
type list struct {
	table            string
	conn, edge, node string
	// grants marks the grants table, which an integrator sees only for its categories.
	grants bool
	// filter checks the filter argument as the store does and returns the function that
	// writes its conditions (each starting " AND "); errFallback for what the compiler
	// does not handle or the store refuses.
	filter func(b *builder, f map[string]any) (func(a string), error)
}

var householdList = list{
	table: "households", conn: "HouseholdConnection", edge: "HouseholdEdge", node: "Household",
	filter: householdFilter,
}

var grantList = list{
	table: "grants", conn: "GrantConnection", edge: "GrantEdge", node: "Grant", grants: true,
	filter: grantFilter,
}

// stringFields reads the string fields names of filter f; ok is false when one is not a
// string or holds a masked value (the store refuses those).
func stringFields(f map[string]any, names ...string) (map[string]string, bool) {
	out := map[string]string{}
	for _, n := range names {
		v, ok := optString(f[n])
		if !ok {
			return nil, false
		}
		if v == nil {
			continue
		}
		if privacy.LooksMasked(*v) {
			return nil, false
		}
		out[n] = *v
	}
	return out, true
}

// onlyKnown reports whether every field of filter f that is set is one of names.
func onlyKnown(f map[string]any, names ...string) bool {
	for k, v := range f {
		if v == nil {
			continue
		}
		known := false
		for _, n := range names {
			known = known || n == k
		}
		if !known {
			return false
		}
	}
	return true
}

// householdFilter is store.filterHouseholds for povertyRegistered, externalRef,
// addressContains and programCode.
func householdFilter(b *builder, f map[string]any) (func(a string), error) {
	if !onlyKnown(f, "povertyRegistered", "externalRef", "addressContains", "programCode") {
		return nil, errFallback
	}
	strs, ok := stringFields(f, "externalRef", "addressContains", "programCode")
	if !ok {
		return nil, errFallback
	}
	var poverty *bool
	if v, set := f["povertyRegistered"]; set && v != nil {
		p, ok := v.(bool)
		if !ok {
			return nil, errFallback
		}
		poverty = &p
	}
	return func(a string) {
		if poverty != nil {
			b.w(" AND ", a, ".poverty_registered = ")
			b.arg(*poverty)
			b.w("::boolean")
		}
		if v, ok := strs["externalRef"]; ok {
			b.w(" AND ", a, ".external_ref = ")
			b.text(v)
		}
		if v := strs["addressContains"]; v != "" {
			b.w(" AND ", a, ".address LIKE ")
			b.text("%" + escapeLike(v) + "%")
			b.w(` ESCAPE '\'`)
		}
		if v, ok := strs["programCode"]; ok {
			x := b.alias("x")
			b.w(" AND EXISTS (SELECT 1 FROM grants ", x, " WHERE ")
			b.grantScope(x)
			b.w(" AND ", x, ".household_id = ", a, ".id AND ", x, ".program_code = ")
			b.text(v)
			b.w(")")
		}
	}, nil
}

// grantFilter is store.Grants' filter.
func grantFilter(b *builder, f map[string]any) (func(a string), error) {
	if !onlyKnown(f, "status", "programCode", "categoryCode", "householdId") {
		return nil, errFallback
	}
	strs, ok := stringFields(f, "status", "programCode", "categoryCode", "householdId")
	if !ok {
		return nil, errFallback
	}
	return func(a string) {
		for _, c := range []struct{ field, col string }{
			{"status", "status"}, {"programCode", "program_code"},
			{"categoryCode", "category_code"}, {"householdId", "household_id"},
		} {
			if v, ok := strs[c.field]; ok {
				b.w(" AND ", a, ".", c.col, " = ")
				b.text(v)
			}
		}
	}, nil
}

// escapeLike escapes the wildcards of a LIKE pattern, as the store does.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// cursorSQL writes store/cursor.Encode of the row of alias a: the unpadded URL-safe
// base64 of "area_code:id".
func cursorSQL(a string) string {
	return "rtrim(translate(encode(convert_to(" + a + ".area_code || ':' || " + a + ".id, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"
}

// connection writes a list field: one page of l in the caller's scope, as store.pageOf
// reads it (one row more than asked, to learn whether the list goes on).
func (b *builder) connection(s *sel, args map[string]any, l list) error {
	w, err := windowOf(args)
	if err != nil {
		return err
	}
	area, ok := optString(args["area"])
	if !ok {
		return errFallback
	}
	alo, ahi, err := b.st.Jurisdictions().AreaRange(b.sc, area)
	if err != nil {
		return errFallback
	}
	filter := func(string) {}
	if fv := args["filter"]; fv != nil {
		f, ok := fv.(map[string]any)
		if !ok {
			return errFallback
		}
		if filter, err = l.filter(b, f); err != nil {
			return err
		}
	}
	where := func(a string, seek bool) {
		if l.grants {
			b.grantScope(a)
		} else {
			b.inScope(a)
		}
		b.w(" AND ", a, ".area_code BETWEEN ")
		b.text(alo)
		b.w(" AND ")
		b.text(ahi)
		filter(a)
		if !seek {
			return
		}
		for _, k := range []struct {
			key *cursor.Key
			op  string
		}{{w.after, " > "}, {w.before, " < "}} {
			if k.key == nil {
				continue
			}
			b.w(" AND (", a, ".area_code, ", a, ".id)", k.op, "(")
			b.text(k.key.Area)
			b.w(", ")
			b.text(k.key.ID)
			b.w(")")
		}
	}
	order, reverse := "area_code, id", "area_code DESC, id DESC"
	if w.backward {
		order, reverse = reverse, order
	}
	pg, top := b.alias("pg"), b.alias("top")
	b.w("(")
	if w.n > 0 {
		t := b.alias("t")
		b.w("WITH ", pg, " AS (SELECT ", t, ".* FROM ", l.table, " ", t, " WHERE ")
		where(t, true)
		b.w(" ORDER BY ", t, ".", strings.ReplaceAll(order, ", ", ", "+t+"."), " LIMIT ", strconv.Itoa(w.n+1), "), ",
			top, " AS (SELECT * FROM ", pg, " ORDER BY ", order, " LIMIT ", strconv.Itoa(w.n), ") ")
	}
	b.w("SELECT json_build_object(")
	for i, c := range s.sub {
		if i > 0 {
			b.w(", ")
		}
		b.w("'", c.key, "', ")
		switch c.name {
		case "__typename":
			b.w("'", l.conn, "'")
		case "totalCount":
			t := b.alias("c")
			b.w("(SELECT count(*) FROM ", l.table, " ", t, " WHERE ")
			where(t, false)
			b.w(")")
		case "edges":
			if w.n == 0 {
				b.w("'[]'::json")
				continue
			}
			t := b.alias("e")
			b.w("coalesce((SELECT json_agg(json_build_object(")
			for j, e := range c.sub {
				if j > 0 {
					b.w(", ")
				}
				b.w("'", e.key, "', ")
				switch e.name {
				case "__typename":
					b.w("'", l.edge, "'")
				case "cursor":
					b.w(cursorSQL(t))
				case "node":
					if err := b.object(l.node, t, e.sub); err != nil {
						return err
					}
				default:
					return errFallback
				}
			}
			b.w(") ORDER BY ", t, ".area_code, ", t, ".id) FROM ", top, " ", t, "), '[]'::json)")
		case "pageInfo":
			b.w("json_build_object(")
			for j, e := range c.sub {
				if j > 0 {
					b.w(", ")
				}
				b.w("'", e.key, "', ")
				switch {
				case e.name == "__typename":
					b.w("'PageInfo'")
				case w.n == 0 && (e.name == "hasNextPage" || e.name == "hasPreviousPage"):
					b.w("false")
				case w.n == 0:
					b.w("NULL::text")
				case e.name == "hasNextPage" && !w.backward, e.name == "hasPreviousPage" && w.backward:
					b.w("((SELECT count(*) FROM ", pg, ") > ", strconv.Itoa(w.n), ")")
				case e.name == "hasNextPage", e.name == "hasPreviousPage":
					b.w("false")
				case e.name == "startCursor", e.name == "endCursor":
					t := b.alias("s")
					dir := "area_code, id"
					if e.name == "endCursor" {
						dir = "area_code DESC, id DESC"
					}
					b.w("(SELECT ", cursorSQL(t), " FROM ", top, " ", t, " ORDER BY ", dir, " LIMIT 1)")
				default:
					return errFallback
				}
			}
			b.w(")")
		default:
			return errFallback
		}
	}
	b.w("))")
	return nil
}
