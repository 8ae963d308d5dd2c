package httpapi

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
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
	// and the cost of what a list selects is multiplied by the list's largest possible
	// size (see listSize): the first or last argument of a paginated field (its default
	// when absent, at most the field's ceiling), the real size of a list of jurisdictions,
	// programs, categories or months, and the page ceiling, store.MaxPageSize, for any
	// other list.
	MaxComplexity int
	// HeavyCost is the estimated cost from which an operation is heavy: at most
	// MaxHeavy heavy operations run at once, and the others wait their turn (within the
	// request's time limit), so that callers at the cost limit slow each other down
	// rather than everyone else.
	HeavyCost int
	// MaxHeavy is how many heavy operations run at once.
	MaxHeavy int
	// MaxHeavyCompiled is how many heavy operations that compiled reads answer (one
	// statement each, package sqlread) run at once, in a queue of their own; 0 means
	// MaxHeavy. Such an operation costs the server little besides its one statement, and
	// the database's pool bounds the statements anyway; the queue keeps a part of the
	// pool for everyone else.
	MaxHeavyCompiled int
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
	MaxComplexity:         100_000,
	HeavyCost:             10_000,
	MaxHeavy:              1,
	MaxHeavyCompiled:      8,
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

// limitsExtension enforces Limits on every operation; tree gives the sizes of lists of
// jurisdictions.
type limitsExtension struct {
	l    Limits
	tree *division.Tree
}

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
func (x limitsExtension) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if n := len(rc.Doc.Operations); n > x.l.MaxOperations {
		return limitError(CodeTooManyOperations, "the document holds %d operations; at most %d are allowed", n, x.l.MaxOperations)
	}
	area := division.CityCode
	if p, err := auth.FromContext(ctx); err == nil {
		area = p.Area
	}
	w := walker{l: x.l, vars: rc.Variables, frags: map[string]measure{}, sizes: listSizesOf(x.tree), tree: x.tree, area: area}
	root := "Query"
	switch rc.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
	case ast.Subscription:
		root = "Subscription"
	}
	m := w.selectionSet(rc.Operation.SelectionSet, root, false)
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
	rc.Stats.SetExtension(costExtension, m.cost)
	return nil
}

// costExtension names the estimated cost of an operation in its OperationContext.Stats.
const costExtension = "RequestLimits.cost"

// queueHeavy lets at most l.MaxHeavy operations whose estimated cost is at least
// l.HeavyCost run at once; the others wait for a turn until their request's deadline,
// which ends them with TIMEOUT. Lighter operations never wait.
func queueHeavy(l Limits) graphql.OperationMiddleware {
	return queueHeavyOf(l.HeavyCost, l.MaxHeavy, nil)
}

// queueHeavyCompiled is queueHeavy for the operations that compiles reports compiled
// reads will answer, with a queue of l.MaxHeavyCompiled turns (l.MaxHeavy when 0). It
// runs before compiled reads, and queueHeavy after them, for the operations they hand
// to the executor.
func queueHeavyCompiled(l Limits, compiles func(*graphql.OperationContext) bool) graphql.OperationMiddleware {
	n := l.MaxHeavyCompiled
	if n <= 0 {
		n = l.MaxHeavy
	}
	return queueHeavyOf(l.HeavyCost, n, compiles)
}

// queueHeavyOf lets at most max operations whose estimated cost is at least heavyCost,
// and for which only reports true (every one when only is nil), run at once.
func queueHeavyOf(heavyCost, max int, only func(*graphql.OperationContext) bool) graphql.OperationMiddleware {
	if heavyCost <= 0 || max <= 0 {
		return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler { return next(ctx) }
	}
	turns := make(chan struct{}, max)
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		cost, _ := oc.Stats.GetExtension(costExtension).(int)
		if cost < heavyCost || (only != nil && !only(oc)) {
			return next(ctx)
		}
		select {
		case turns <- struct{}{}:
		case <-ctx.Done():
			return graphql.OneShot(graphql.ErrorResponse(ctx, "the request took too long and was stopped"))
		}
		rh := next(ctx)
		held := true
		return func(ctx context.Context) *graphql.Response {
			resp := rh(ctx) // the transports call it once, and the operation runs in it
			if held {
				held = false
				<-turns
			}
			return resp
		}
	}
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
	sizes *listSizes
	tree  *division.Tree
	// area is the caller's, whose children jurisdictions(parent: null) lists.
	area string
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
		factor = w.first(f, parentType)
	case isList && f.Name == "edges" && strings.HasSuffix(parentType, "Connection"):
		factor = 1 // a connection's first already counted its edges
	case isList:
		factor = w.listSize(f, parentType)
	}
	m.cost = satAdd(fieldCost(parentType, f.Name), satMul(max(factor, 1), child.cost))
	return m
}

// aggregateCosts are the costs of fields that count or sum over all the records of an
// area, whatever they select: one trends(area: city) reads every grant event of the
// city, as much work as a list of several thousand jurisdictions.
var aggregateCosts = map[string]int{
	"Query.trends":         30_000,
	"Query.areaStats":      2_000,
	"Query.staffingReport": 2_000,
}

// fieldCost is the cost of the field itself: 1, or its entry in aggregateCosts.
func fieldCost(parentType, field string) int {
	if c, ok := aggregateCosts[parentType+"."+field]; ok {
		return c
	}
	return 1
}

// first returns the page size a paginated field asks for: its first argument, else its
// last argument, else its default, capped at the field's ceiling (the store refuses
// more).
func (w *walker) first(f *ast.Field, parentType string) int {
	p := PageSizes(parentType, f.Name)
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
			return int(min(max(v, 0), int64(p.Max)))
		case int:
			return min(max(v, 0), p.Max)
		}
	}
	return p.Default
}

// PageSize is the default and the ceiling of a paginated field's first argument.
type PageSize struct{ Default, Max int }

// PageSizes returns the default and the ceiling of the first argument of field of
// typeName: those of the change feed (store.DefaultChangesPage, store.MaxChangesPage) for
// Query.changes, store.DefaultPageSize and store.MaxPageSize for every other field. A
// paginated field whose store accepts a larger first must be listed here, or its cost is
// underestimated (a test asks every such field for one item more than this ceiling).
func PageSizes(typeName, field string) PageSize {
	if typeName == "Query" && field == "changes" {
		return PageSize{store.DefaultChangesPage, store.MaxChangesPage}
	}
	return PageSize{store.DefaultPageSize, store.MaxPageSize}
}

// listSizes are the largest sizes of lists of reference data, from the jurisdiction
// tree and the program catalogue.
type listSizes struct {
	maxChildren                   int
	counties, townships, villages int
	programs, categories          int
}

var (
	sizesMu    sync.Mutex
	sizesCache = map[*division.Tree]*listSizes{}
)

// listSizesOf returns the list sizes of tree, computed once per tree.
func listSizesOf(tree *division.Tree) *listSizes {
	sizesMu.Lock()
	defer sizesMu.Unlock()
	if s, ok := sizesCache[tree]; ok {
		return s
	}
	s := &listSizes{programs: len(catalogue.Programs()), categories: len(catalogue.Categories())}
	if tree != nil {
		for _, u := range tree.All() {
			s.maxChildren = max(s.maxChildren, len(tree.Children(u.Code)))
		}
		s.counties = tree.Count(models.LevelCounty)
		s.townships = tree.Count(models.LevelTownship)
		s.villages = tree.Count(models.LevelVillage)
	}
	sizesCache[tree] = s
	return s
}

// listSize returns the largest size of a list field without a first argument: exact for
// jurisdictions(parent, level), the tree's or the catalogue's for lists of reference
// data, the change feed's and imports' ceilings for their reports, and the page
// ceiling, store.MaxPageSize, for any other list (a household's members, a grant's
// events …), whose size the data decide.
func (w *walker) listSize(f *ast.Field, parentType string) int {
	s := w.sizes
	switch parentType + "." + f.Name {
	case "Query.jurisdictions":
		return w.jurisdictions(f)
	case "Jurisdiction.children", "AreaStats.children":
		return s.maxChildren
	case "Query.programs", "Category.programs", "AreaStats.byProgram":
		return s.programs
	case "Query.categories", "AreaStats.byCategory":
		return s.categories
	case "Trends.months":
		return store.MaxTrendMonths
	case "StaffingReport.counties":
		return s.counties
	case "StaffingReport.townships":
		return s.townships
	case "StaffingReport.villagesShort":
		return s.villages
	case "ImportReport.results", "ImportReport.errors":
		return store.MaxImportRecords
	}
	return store.MaxPageSize
}

// jurisdictions returns how many units jurisdictions(parent, level) lists: the units of
// level under parent, or parent's children; parent defaults to the caller's area. An
// unknown parent lists nothing (the store refuses it).
func (w *walker) jurisdictions(f *ast.Field) int {
	if w.sizes == nil || w.tree == nil {
		return store.MaxPageSize
	}
	parent, level := w.area, ""
	if a := f.Arguments.ForName("parent"); a != nil && a.Value != nil {
		if v, err := a.Value.Value(w.vars); err == nil {
			if p, ok := v.(string); ok && p != "" {
				parent = p
			}
		}
	}
	if a := f.Arguments.ForName("level"); a != nil && a.Value != nil {
		if v, err := a.Value.Value(w.vars); err == nil {
			level, _ = v.(string)
		}
	}
	if level == "" {
		return len(w.tree.Children(parent))
	}
	return len(w.tree.Within(parent, models.Level(level)))
}
