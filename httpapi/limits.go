package httpapi

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"jiuzhu/store"
)

// Error codes of the request limits, written in extensions.code.
const (
	CodeQueryTooComplex   = "QUERY_TOO_COMPLEX"
	CodeQueryTooDeep      = "QUERY_TOO_DEEP"
	CodeTooManyAliases    = "TOO_MANY_ALIASES"
	CodeTooManyOperations = "TOO_MANY_OPERATIONS"
	CodeQueryTooLarge     = "QUERY_TOO_LARGE"
	CodeRequestTooLarge   = "REQUEST_TOO_LARGE"
	CodeTimeout           = "TIMEOUT"
	CodeRateLimited       = "RATE_LIMITED"
)

func init() {
	for _, c := range []string{CodeQueryTooComplex, CodeQueryTooDeep, CodeTooManyAliases, CodeTooManyOperations, CodeQueryTooLarge} {
		errcode.RegisterErrorType(c, errcode.KindProtocol)
	}
}

// Limits bound what one GraphQL request may ask for. Every limit is checked after the
// document is parsed and validated and before any resolver runs, so a refused request
// costs no database work.
type Limits struct {
	// MaxDepth is the deepest nesting of selections, introspection excluded.
	MaxDepth int
	// MaxIntrospectionDepth is the deepest nesting under __schema and __type.
	MaxIntrospectionDepth int
	// MaxComplexity bounds the estimated cost of an operation: every field costs 1,
	// and the cost of what a list selects is multiplied by its size, the first or last
	// argument (its default when absent, at most store.MaxPageSize) for paginated fields and
	// ListFactor for other lists.
	MaxComplexity int
	// ListFactor is the estimated size of a list field without a first argument.
	ListFactor int
	// MaxAliases bounds the aliased fields of an operation, fragments expanded.
	MaxAliases int
	// MaxOperations bounds the operations of one document.
	MaxOperations int
	// ParserTokens bounds the lexical tokens of one document.
	ParserTokens int
}

// DefaultLimits are the limits used when Options.Limits is zero.
var DefaultLimits = Limits{
	MaxDepth:              10,
	MaxIntrospectionDepth: 16,
	MaxComplexity:         50_000,
	ListFactor:            10,
	MaxAliases:            20,
	MaxOperations:         5,
	ParserTokens:          5_000,
}

// saturation keeps cost arithmetic far from overflow.
const saturation = 1 << 40

func satAdd(a, b int) int { return min(a+b, saturation) }

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturation/b {
		return saturation
	}
	return min(a*b, saturation)
}

// limitsExtension enforces Limits on every operation.
type limitsExtension struct{ l Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = limitsExtension{}

func (limitsExtension) ExtensionName() string                   { return "RequestLimits" }
func (limitsExtension) Validate(graphql.ExecutableSchema) error { return nil }

// measure is what a selection set weighs: its cost, its depth and its aliases.
type measure struct {
	cost, depth, introDepth, aliases int
}

// MutateOperationContext refuses a document with too many operations, and an operation
// that is too deep, too complex or too aliased, with the matching code.
func (x limitsExtension) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if n := len(rc.Doc.Operations); n > x.l.MaxOperations {
		return limitError(CodeTooManyOperations, "the document holds %d operations; at most %d are allowed", n, x.l.MaxOperations)
	}
	w := walker{l: x.l, vars: rc.Variables, frags: map[string]measure{}}
	m := w.selectionSet(rc.Operation.SelectionSet, "", false)
	switch {
	case m.depth > x.l.MaxDepth:
		return limitError(CodeQueryTooDeep, "the operation is nested %d levels deep; at most %d are allowed", m.depth, x.l.MaxDepth)
	case m.introDepth > x.l.MaxIntrospectionDepth:
		return limitError(CodeQueryTooDeep, "the introspection query is nested %d levels deep; at most %d are allowed", m.introDepth, x.l.MaxIntrospectionDepth)
	case m.aliases > x.l.MaxAliases:
		return limitError(CodeTooManyAliases, "the operation uses %d aliases; at most %d are allowed", m.aliases, x.l.MaxAliases)
	case m.cost > x.l.MaxComplexity:
		return limitError(CodeQueryTooComplex, "the operation's estimated cost is %d; at most %d is allowed (ask for fewer items with first, or fewer nested lists)", m.cost, x.l.MaxComplexity)
	}
	return nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, code)
	return err
}

// walker measures selection sets; fragments are measured once and remembered, so that
// a document that spreads fragments exponentially is measured in linear time.
type walker struct {
	l     Limits
	vars  map[string]any
	frags map[string]measure
}

func (w *walker) selectionSet(set ast.SelectionSet, parentType string, intro bool) measure {
	var out measure
	for _, sel := range set {
		var m measure
		switch s := sel.(type) {
		case *ast.Field:
			m = w.field(s, parentType, intro)
		case *ast.InlineFragment:
			m = w.selectionSet(s.SelectionSet, parentType, intro)
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			key := s.Name
			if intro {
				key = "__intro:" + key
			}
			cached, ok := w.frags[key]
			if !ok {
				w.frags[key] = measure{} // a cycle (refused by validation anyway) weighs nothing
				cached = w.selectionSet(s.Definition.SelectionSet, parentType, intro)
				w.frags[key] = cached
			}
			m = cached
		}
		out.cost = satAdd(out.cost, m.cost)
		out.aliases = satAdd(out.aliases, m.aliases)
		out.depth = max(out.depth, m.depth)
		out.introDepth = max(out.introDepth, m.introDepth)
	}
	return out
}

func (w *walker) field(f *ast.Field, parentType string, intro bool) measure {
	if !intro && strings.HasPrefix(f.Name, "__") && f.Name != "__typename" {
		intro = true
	}
	var childType string
	isList := false
	if f.Definition != nil && f.Definition.Type != nil {
		childType = f.Definition.Type.Name()
		isList = f.Definition.Type.Elem != nil
	}
	child := w.selectionSet(f.SelectionSet, childType, intro)
	m := measure{aliases: child.aliases}
	if f.Alias != "" && f.Alias != f.Name {
		m.aliases = satAdd(m.aliases, 1)
	}
	if intro {
		m.introDepth = child.introDepth + 1
		m.cost = satAdd(1, child.cost)
		return m
	}
	m.depth = child.depth + 1
	m.introDepth = child.introDepth
	factor := 1
	switch {
	case f.Definition != nil && f.Definition.Arguments.ForName("first") != nil:
		factor = w.first(f)
	case isList && f.Name == "edges" && strings.HasSuffix(parentType, "Connection"):
		factor = 1 // a connection's first already counted its edges
	case isList:
		factor = w.l.ListFactor
	}
	m.cost = satAdd(1, satMul(max(factor, 1), child.cost))
	return m
}

// first returns the page size a paginated field asks for: its first argument, else its
// last argument, else store.DefaultPageSize, capped at store.MaxPageSize (the store
// refuses more).
func (w *walker) first(f *ast.Field) int {
	for _, name := range []string{"first", "last"} {
		a := f.Arguments.ForName(name)
		if a == nil || a.Value == nil {
			continue
		}
		v, err := a.Value.Value(w.vars)
		if err != nil {
			continue
		}
		switch v := v.(type) {
		case int64:
			return int(min(max(v, 0), store.MaxPageSize))
		case int:
			return min(max(v, 0), store.MaxPageSize)
		}
	}
	return store.DefaultPageSize
}
