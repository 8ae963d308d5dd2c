package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"jiuzhu/graph"
)

// TestEveryRootFieldRecordsItsIDs calls every root field of the schema that takes an ID,
// directly or inside an input object, from within a fragment, and checks that the call
// record names the field with every id given. A field added later is covered without
// further work.
func TestEveryRootFieldRecordsItsIDs(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	checked := 0
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			vars := map[string]any{}
			var decls, args, want []string
			for i, a := range f.Arguments {
				n := 0
				v := sample(schema, a.Type, fmt.Sprintf("%s-%d", f.Name, i), &n, &want)
				if n == 0 && !a.Type.NonNull {
					continue
				}
				name := fmt.Sprintf("v%d", i)
				decls = append(decls, "$"+name+": "+a.Type.String())
				args = append(args, a.Name+": $"+name)
				vars[name] = v
			}
			if len(want) == 0 {
				continue
			}
			kind := strings.ToLower(root.Name)
			sel := ""
			if def := schema.Types[f.Type.Name()]; def.Kind != ast.Scalar && def.Kind != ast.Enum {
				sel = " { __typename }"
			}
			src := fmt.Sprintf("%s Call(%s) { ...F } fragment F on %s { %s(%s)%s }",
				kind, strings.Join(decls, ", "), root.Name, f.Name, strings.Join(args, ", "), sel)
			doc, errs := gqlparser.LoadQuery(schema, src)
			if errs != nil {
				t.Fatalf("%s: %s: %v", f.Name, src, errs)
			}
			oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars}
			got := executedRootFields(oc, schema)
			wantField := f.Name + "(" + strings.Join(want, " ") + ")"
			if len(got) != 1 || got[0] != wantField {
				t.Errorf("%s: recorded %q, want %q", f.Name, got, wantField)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d root fields take an ID; the walk misses some", checked)
	}
}

// sample builds a value of type t whose IDs are distinct ("prefix-1", …) and appended
// to ids, in the order of the schema; other leaves get nothing (nil), which the call
// record does not read. n counts the IDs placed.
func sample(schema *ast.Schema, t *ast.Type, prefix string, n *int, ids *[]string) any {
	if t.Elem != nil {
		return []any{sample(schema, t.Elem, prefix, n, ids)}
	}
	if t.NamedType == "ID" {
		*n++
		id := fmt.Sprintf("%s-%d", prefix, len(*ids)+1)
		*ids = append(*ids, id)
		return id
	}
	def := schema.Types[t.NamedType]
	if def == nil || def.Kind != ast.InputObject {
		return nil
	}
	obj := map[string]any{}
	for _, f := range def.Fields {
		if v := sample(schema, f.Type, prefix, n, ids); v != nil {
			obj[f.Name] = v
		}
	}
	if len(obj) == 0 {
		return nil
	}
	return obj
}
