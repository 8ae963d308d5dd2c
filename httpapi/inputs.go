package httpapi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxStringInput is the longest string, in characters, that an argument or input field
// without a @maxLength of its own accepts. It is above every length the store accepts,
// which then names its own, smaller limit.
const MaxStringInput = 1000

// maxLengthDirective names the schema directive that sets a string input's longest
// value: `addressContains: String @maxLength(characters: 200)`.
const maxLengthDirective = "maxLength"

// inputCheck refuses, with BAD_USER_INPUT naming the argument or input field and before
// any resolver runs, a string input that no field accepts: one that holds a NUL
// character (PostgreSQL cannot store it in text, and no field means it) or bytes that are
// not UTF-8 (which PostgreSQL refuses likewise), or one longer
// than its @maxLength or, without one, MaxStringInput characters. It checks every string
// of every argument, written in the document or given as a variable, nested input
// objects and lists included, so that each field need not.
type inputCheck struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &inputCheck{}

func (*inputCheck) ExtensionName() string { return "InputCheck" }

// Validate keeps the schema, for the types of nested input objects.
func (c *inputCheck) Validate(s graphql.ExecutableSchema) error {
	c.schema = s.Schema()
	return nil
}

// MutateOperationContext checks the arguments of every field the operation selects.
func (c *inputCheck) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	w := inputWalker{schema: c.schema, vars: rc.Variables, frags: map[string]bool{}}
	return w.selectionSet(rc.Operation.SelectionSet)
}

// inputWalker visits the arguments of a selection set; each fragment is visited once.
type inputWalker struct {
	schema *ast.Schema
	vars   map[string]any
	frags  map[string]bool
}

func (w *inputWalker) selectionSet(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch s := sel.(type) {
		case *ast.Field:
			err = w.field(s)
		case *ast.InlineFragment:
			err = w.selectionSet(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition != nil && !w.frags[s.Name] {
				w.frags[s.Name] = true
				err = w.selectionSet(s.Definition.SelectionSet)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *inputWalker) field(f *ast.Field) *gqlerror.Error {
	if f.Definition != nil {
		for _, a := range f.Arguments {
			def := f.Definition.Arguments.ForName(a.Name)
			if def == nil || a.Value == nil {
				continue
			}
			v, err := a.Value.Value(w.vars)
			if err != nil {
				continue // validation has refused it already
			}
			if msg, field := w.value(a.Name, def.Type, v, maxLength(def.Directives)); msg != "" {
				e := gqlerror.ErrorPosf(a.Position, "%s: %s", field, msg)
				errcode.Set(e, CodeBadUserInput)
				e.Extensions["field"] = field
				return e
			}
		}
	}
	return w.selectionSet(f.SelectionSet)
}

// value checks v, the value of field of type t, and returns what is wrong with it and
// the path of the field at fault, or "" when nothing is.
func (w *inputWalker) value(field string, t *ast.Type, v any, limit int) (string, string) {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return "must not contain a NUL character (\\u0000)", field
		}
		if !utf8.ValidString(v) {
			return "must be UTF-8 text", field
		}
		if len(v) > limit {
			if n := utf8.RuneCountInString(v); n > limit {
				return fmt.Sprintf("must be at most %d characters, got %d", limit, n), field
			}
		}
	case []any:
		elem := t
		if t != nil && t.Elem != nil {
			elem = t.Elem
		}
		for i, x := range v {
			if msg, at := w.value(field+"["+strconv.Itoa(i)+"]", elem, x, limit); msg != "" {
				return msg, at
			}
		}
	case map[string]any:
		if t == nil || w.schema == nil {
			return "", ""
		}
		def := w.schema.Types[t.Name()]
		if def == nil || def.Kind != ast.InputObject {
			return "", ""
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the same field is named on every try
		for _, k := range keys {
			fd := def.Fields.ForName(k)
			if fd == nil {
				continue
			}
			if msg, at := w.value(field+"."+k, fd.Type, v[k], maxLength(fd.Directives)); msg != "" {
				return msg, at
			}
		}
	}
	return "", ""
}

// maxLength is the characters argument of a @maxLength among ds, or MaxStringInput.
func maxLength(ds ast.DirectiveList) int {
	d := ds.ForName(maxLengthDirective)
	if d == nil {
		return MaxStringInput
	}
	if a := d.Arguments.ForName("characters"); a != nil && a.Value != nil {
		if n, err := strconv.Atoi(a.Value.Raw); err == nil && n > 0 {
			return n
		}
	}
	return MaxStringInput
}

// introspectionGate refuses __schema and __type with GRAPHQL_VALIDATION_FAILED, naming
// the field, when introspection is off: a client's mistake, answered before anything
// runs, not an internal error. It must run after extension.Introspection, which turns
// introspection on.
type introspectionGate struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionGate{}

func (introspectionGate) ExtensionName() string                   { return "IntrospectionGate" }
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation that selects __schema or __type at its
// root, fragments included, while rc.DisableIntrospection holds.
func (introspectionGate) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if !rc.DisableIntrospection {
		return nil
	}
	return introspectionIn(rc.Operation.SelectionSet, map[string]bool{})
}

func introspectionIn(set ast.SelectionSet, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				err = gqlerror.ErrorPosf(s.Position, "%s: introspection is disabled on this server", s.Name)
				errcode.Set(err, errcode.ValidationFailed)
				err.Extensions["field"] = s.Name
			}
		case *ast.InlineFragment:
			err = introspectionIn(s.SelectionSet, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				err = introspectionIn(s.Definition.SelectionSet, seen)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
