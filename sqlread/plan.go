// Package sqlread answers a read-only GraphQL operation with one SQL statement on
// PostgreSQL: when every field an operation selects is one it knows (households, members,
// grants, programs and categories, the household, grant and staff connections with their
// pageInfo and totalCount, a household, member, grant or staff member by id, the
// jurisdictions and their children), it builds one SELECT that returns the operation's
// whole data document as JSON (json_build_object and json_agg over correlated
// subqueries), runs it with the store's connections and hands the bytes
// to the transport. The scope is the store's (store.Scope: the caller's range, an
// integrator's categories), the masks are the privacy package's written in SQL, the
// order and the cursors are the lists' (store/page.go, store/cursor). Anything else (a
// mutation, a reveal, a field or directive it does not know, an argument the store would
// refuse, a record that is not found) goes to gqlgen's executor, which answers it as
// before; so does every operation on SQLite. Row-level security stays the second line:
// the statement runs on a connection that carries the caller's range like any other.
//
// See docs/compiled-reads.md.
package sqlread

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// sel is one selected field of a compiled operation: its response key, its field name,
// its arguments (resolved against the variables when the statement is built) and, for a
// field of object type, the fields selected under it.
type sel struct {
	key   string
	name  string
	field *ast.Field
	sub   []*sel
}

// plan is an operation's compiled selection: the root fields of its Query, or nil when
// the operation cannot be compiled.
type plan struct {
	root []*sel
}

// maxObjectFields is the most fields one object may select: json_build_object takes at
// most 100 arguments, a key and a value per field.
const maxObjectFields = 50

// objectFields lists, per object type, the fields the compiler knows, each with the
// type of object it returns ("" for a leaf).
var objectFields = map[string]map[string]string{
	"Query": {
		"__typename": "", "household": "Household", "households": "HouseholdConnection",
		"member": "Member", "grant": "Grant", "grants": "GrantConnection", "jurisdiction": "Jurisdiction",
		"jurisdictions": "Jurisdiction", "staff": "StaffMemberConnection", "staffMember": "StaffMember",
		"programs": "Program", "categories": "Category",
	},
	"HouseholdConnection":   {"__typename": "", "edges": "HouseholdEdge", "pageInfo": "PageInfo", "totalCount": ""},
	"HouseholdEdge":         {"__typename": "", "cursor": "", "node": "Household"},
	"GrantConnection":       {"__typename": "", "edges": "GrantEdge", "pageInfo": "PageInfo", "totalCount": ""},
	"GrantEdge":             {"__typename": "", "cursor": "", "node": "Grant"},
	"StaffMemberConnection": {"__typename": "", "edges": "StaffMemberEdge", "pageInfo": "PageInfo", "totalCount": ""},
	"StaffMemberEdge":       {"__typename": "", "cursor": "", "node": "StaffMember"},
	"PageInfo":              {"__typename": "", "hasNextPage": "", "hasPreviousPage": "", "startCursor": "", "endCursor": ""},
	"Household": {
		"__typename": "", "id": "", "areaCode": "", "address": "", "povertyRegistered": "",
		"externalRef": "", "version": "", "members": "Member", "head": "Member", "grants": "Grant",
		"area": "Jurisdiction", "createdAt": "", "updatedAt": "",
	},
	"Member": {
		"__typename": "", "id": "", "areaCode": "", "name": "", "idNumber": "", "sex": "",
		"birthDate": "", "birthYear": "", "age": "", "relation": "", "disabilityLevel": "",
		"labourCapacity": "", "monthlyIncome": "", "household": "Household", "createdAt": "", "updatedAt": "",
	},
	"Grant": {
		"__typename": "", "id": "", "areaCode": "", "status": "", "amount": "", "startDate": "",
		"endDate": "", "version": "", "reference": "", "channel": "", "graceUntil": "",
		"reviewFlag": "", "reviewReason": "", "program": "Program", "category": "Category",
		"member": "Member", "household": "Household", "createdAt": "", "updatedAt": "", "events": "GrantEvent",
	},
	"GrantEvent": {"__typename": "", "id": "", "actor": "", "actorRole": "", "actorArea": "", "fromStatus": "",
		"toStatus": "", "reason": "", "createdAt": ""},
	"Program":  {"__typename": "", "code": "", "name": "", "active": "", "category": "Category"},
	"Category": {"__typename": "", "code": "", "name": ""},
	"Jurisdiction": {"__typename": "", "code": "", "name": "", "level": "", "population": "", "urban": "",
		"parent": "Jurisdiction", "children": "Jurisdiction"},
	"StaffMember": {"__typename": "", "id": "", "name": "", "post": "", "area": "Jurisdiction", "areaCode": "",
		"phone": "", "from": "", "until": "", "active": "", "version": "", "createdAt": "", "updatedAt": ""},
}

// compile returns the plan of oc's operation, or nil when a field, a directive or a
// fragment is one the compiler does not know. cacheable is false when the selection
// depends on the variables (@skip or @include with a variable).
func compile(oc *graphql.OperationContext) (p *plan, cacheable bool) {
	cacheable = true
	if oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return nil, false
	}
	if len(oc.Operation.Directives) > 0 {
		return nil, false
	}
	root, ok := compileSet(oc, oc.Operation.SelectionSet, "Query", &cacheable)
	if !ok {
		return nil, cacheable
	}
	return &plan{root: root}, cacheable
}

// compileSet compiles the selection set of an object of type typ.
func compileSet(oc *graphql.OperationContext, set ast.SelectionSet, typ string, cacheable *bool) ([]*sel, bool) {
	known := objectFields[typ]
	if known == nil || !directivesKnown(set, cacheable) {
		return nil, false
	}
	fields := graphql.CollectFields(oc, set, []string{typ})
	if len(fields) == 0 || len(fields) > maxObjectFields {
		return nil, false
	}
	out := make([]*sel, 0, len(fields))
	for _, f := range fields {
		sub, ok := known[f.Name]
		if !ok || !validKey(f.Alias) {
			return nil, false
		}
		s := &sel{key: f.Alias, name: f.Name, field: f.Field}
		if sub != "" {
			if len(f.Selections) == 0 {
				return nil, false
			}
			children, ok := compileSet(oc, f.Selections, sub, cacheable)
			if !ok {
				return nil, false
			}
			s.sub = children
		} else if len(f.Selections) > 0 {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// directivesKnown reports whether every directive in set (its fields, fragment spreads,
// inline fragments and the fragments they name, at this level) is @skip or @include,
// which graphql.CollectFields applies as the executor does. One whose argument is a
// variable makes the plan depend on the variables.
func directivesKnown(set ast.SelectionSet, cacheable *bool) bool {
	for _, s := range set {
		var dirs ast.DirectiveList
		switch s := s.(type) {
		case *ast.Field:
			dirs = s.Directives
		case *ast.InlineFragment:
			dirs = s.Directives
			if !directivesKnown(s.SelectionSet, cacheable) {
				return false
			}
		case *ast.FragmentSpread:
			dirs = s.Directives
			if s.Definition == nil || len(s.Definition.Directives) > 0 || !directivesKnown(s.Definition.SelectionSet, cacheable) {
				return false
			}
		default:
			return false
		}
		for _, d := range dirs {
			if d.Name != "skip" && d.Name != "include" {
				return false
			}
			for _, a := range d.Arguments {
				if a.Value == nil || a.Value.Kind != ast.BooleanValue {
					*cacheable = false
				}
			}
		}
	}
	return true
}

// validKey reports whether a response key may be written into the statement as a
// literal: a GraphQL name, letters, digits and underscores, as the parser guarantees.
func validKey(k string) bool {
	if k == "" || len(k) > 63 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
