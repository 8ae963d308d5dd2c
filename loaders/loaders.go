// Package loaders batches the nested reads of one GraphQL operation: every household's
// members, every grant's program, and so on, are collected for a short wait and then
// read with one store call per kind, so that a page of fifty households costs the same
// handful of statements as a page of ten.
//
// A Set is made per operation (per root field for mutations, so that a later mutation
// never reads what an earlier one cached) by the Extension, and lives in the context. It
// holds no caller of its own: each batch runs with the context of a load of the same
// operation, so the store scopes it by the caller's principal, like any other read.
package loaders

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"jiuzhu/models"
	"jiuzhu/store"
)

// DefaultWait is how long a loader collects keys before it reads them. The resolvers of
// a list's items start within microseconds of each other, so a short wait gathers a
// whole page while adding little latency.
const DefaultWait = 2 * time.Millisecond

// maxBatch bounds the keys of one statement; a full batch is read at once.
const maxBatch = 1000

// Set is the loaders of one operation.
type Set struct {
	membersOf     *dataloadgen.Loader[string, []*models.Member]
	grantsOf      *dataloadgen.Loader[string, []*models.Grant]
	eventsOf      *dataloadgen.Loader[string, []*models.GrantEvent]
	households    *dataloadgen.Loader[string, *models.Household]
	members       *dataloadgen.Loader[string, *models.Member]
	programs      *dataloadgen.Loader[string, *models.Program]
	categories    *dataloadgen.Loader[string, *models.Category]
	jurisdictions *dataloadgen.Loader[string, *models.Jurisdiction]
	st            *store.Store
}

// New returns a fresh set of loaders over st that wait up to wait (DefaultWait when 0)
// to gather a batch.
func New(st *store.Store, wait time.Duration) *Set {
	if wait <= 0 {
		wait = DefaultWait
	}
	opts := []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(maxBatch)}
	return &Set{
		st:            st,
		membersOf:     dataloadgen.NewLoader(lists(st.MembersOfHouseholds), opts...),
		grantsOf:      dataloadgen.NewLoader(lists(st.GrantsOfHouseholds), opts...),
		eventsOf:      dataloadgen.NewLoader(lists(st.EventsOfGrants), opts...),
		households:    dataloadgen.NewLoader(records(st.HouseholdsByID, "household"), opts...),
		members:       dataloadgen.NewLoader(records(st.MembersByID, "member"), opts...),
		programs:      dataloadgen.NewLoader(records(st.ProgramsByCode, "program"), opts...),
		categories:    dataloadgen.NewLoader(records(st.CategoriesByCode, "category"), opts...),
		jurisdictions: dataloadgen.NewLoader(records(st.JurisdictionsByCode, "jurisdiction"), opts...),
	}
}

// lists adapts a batch read of children to a loader: a parent without children (or
// outside the caller's area) gets an empty list.
func lists[V any](fetch func(context.Context, []string) (map[string][]V, error)) func(context.Context, []string) ([][]V, []error) {
	return func(ctx context.Context, keys []string) ([][]V, []error) {
		m, err := fetch(ctx, keys)
		out := make([][]V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			if err != nil {
				errs[i] = err
				continue
			}
			out[i] = m[k]
			if out[i] == nil {
				out[i] = []V{}
			}
		}
		return out, errs
	}
}

// records adapts a batch read by key to a loader: a key with no record (or one outside
// the caller's area) gets models.NotFound(what).
func records[V any](fetch func(context.Context, []string) (map[string]*V, error), what string) func(context.Context, []string) ([]*V, []error) {
	return func(ctx context.Context, keys []string) ([]*V, []error) {
		m, err := fetch(ctx, keys)
		out := make([]*V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			switch v, ok := m[k]; {
			case err != nil:
				errs[i] = err
			case !ok:
				errs[i] = models.NotFound(what)
			default:
				out[i] = v
			}
		}
		return out, errs
	}
}

type contextKey struct{}

// With returns ctx carrying set.
func With(ctx context.Context, set *Set) context.Context {
	return context.WithValue(ctx, contextKey{}, set)
}

// For returns the loaders of ctx's operation, or, outside an operation that has them, a
// fresh set over st that batches nothing across calls.
func For(ctx context.Context, st *store.Store) *Set {
	if set, ok := ctx.Value(contextKey{}).(*Set); ok {
		return set
	}
	return New(st, 0)
}

// MembersOf returns the members of a household in the caller's area, head first; none
// for a household outside it.
func (s *Set) MembersOf(ctx context.Context, householdID string) ([]*models.Member, error) {
	return s.membersOf.Load(ctx, householdID)
}

// HeadOf returns the head of a household in the caller's area, or nil when there is none
// visible. It shares the batch of MembersOf.
func (s *Set) HeadOf(ctx context.Context, householdID string) (*models.Member, error) {
	ms, err := s.membersOf.Load(ctx, householdID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Relation == models.RelationHead {
			return m, nil
		}
	}
	return nil, nil
}

// GrantsOf returns the grants of a household that the caller may see, newest first.
func (s *Set) GrantsOf(ctx context.Context, householdID string) ([]*models.Grant, error) {
	return s.grantsOf.Load(ctx, householdID)
}

// EventsOf returns the status history of a grant the caller may see, oldest first.
func (s *Set) EventsOf(ctx context.Context, grantID string) ([]*models.GrantEvent, error) {
	return s.eventsOf.Load(ctx, grantID)
}

// Household returns the household with id; models.ErrNotFound outside the caller's area.
func (s *Set) Household(ctx context.Context, id string) (*models.Household, error) {
	return s.households.Load(ctx, id)
}

// Member returns the member with id; models.ErrNotFound outside the caller's area.
func (s *Set) Member(ctx context.Context, id string) (*models.Member, error) {
	return s.members.Load(ctx, id)
}

// Program returns the program with code; models.ErrNotFound for an unknown code.
func (s *Set) Program(ctx context.Context, code string) (*models.Program, error) {
	return s.programs.Load(ctx, code)
}

// Category returns the category with code; models.ErrNotFound for an unknown code.
func (s *Set) Category(ctx context.Context, code string) (*models.Category, error) {
	return s.categories.Load(ctx, code)
}

// Jurisdiction returns the unit with code; models.ErrNotFound for an unknown code.
func (s *Set) Jurisdiction(ctx context.Context, code string) (*models.Jurisdiction, error) {
	return s.jurisdictions.Load(ctx, code)
}

// Children returns the units directly under code, in code order. Which units they are
// comes from the embedded tree; their rows are read in one batch with every other unit
// of the operation.
func (s *Set) Children(ctx context.Context, code string) ([]*models.Jurisdiction, error) {
	codes := s.st.Tree().Children(code)
	if len(codes) == 0 {
		return []*models.Jurisdiction{}, nil
	}
	return s.jurisdictions.LoadAll(ctx, codes)
}

// Extension is the gqlgen handler extension that gives every operation its own Set, and
// every root field of a mutation a fresh one.
type Extension struct {
	Store *store.Store
	// Wait is the loaders' batch wait; 0 means DefaultWait.
	Wait time.Duration
}

var (
	_ graphql.HandlerExtension     = Extension{}
	_ graphql.OperationInterceptor = Extension{}
	_ graphql.RootFieldInterceptor = Extension{}
)

// ExtensionName names the extension for gqlgen.
func (Extension) ExtensionName() string { return "Loaders" }

// Validate checks the extension's configuration; it returns no error.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation puts a fresh Set in the context of the operation.
func (e Extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(With(ctx, New(e.Store, e.Wait)))
}

// InterceptRootField gives each root field of a mutation a fresh Set: mutations run one
// after another, and each must read what the ones before it wrote.
func (e Extension) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		ctx = With(ctx, New(e.Store, e.Wait))
	}
	return next(ctx)
}
