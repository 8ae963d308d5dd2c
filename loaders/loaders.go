// Package loaders batches the nested reads of one GraphQL operation, so that a page of
// fifty households costs the same handful of statements as a page of ten.
//
// Two mechanisms work together. Sibling batches: when a list resolver hands its page to
// the Set (Households, Grants), the first nested read of any item of the page (the
// members of one household, say) reads that field for the whole page in one statement,
// at once and without waiting; the other items find their answer ready. Records that
// arrive without siblings (a household looked up by id, a member's household) go through
// dataloadgen loaders, which gather the keys asked for within a short wait into one
// statement. The small catalogue (programs, categories) is read whole, once per Set.
//
// A Set is made per operation (per root field for mutations, so that a later mutation
// never reads what an earlier one cached) by the Extension, and lives in the context. It
// holds no caller of its own: each read runs with the context of the same operation, so
// the store scopes it by the caller's principal, like any other read.
package loaders

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// DefaultWait is how long a dataloadgen loader gathers keys before it reads them.
const DefaultWait = 2 * time.Millisecond

// maxBatch bounds the keys of one statement; a full batch is read at once.
const maxBatch = 1000

// Set is the loaders of one operation. It is safe for concurrent use.
type Set struct {
	st *store.Store

	membersOf     *dataloadgen.Loader[string, []*models.Member]
	grantsOf      *dataloadgen.Loader[string, []*models.Grant]
	eventsOf      *dataloadgen.Loader[string, []*models.GrantEvent]
	households    *dataloadgen.Loader[string, *models.Household]
	members       *dataloadgen.Loader[string, *models.Member]
	jurisdictions *dataloadgen.Loader[string, *models.Jurisdiction]
	calculations  *dataloadgen.Loader[string, *models.EntitlementCalculation]
	documentsOf   map[store.DocumentRecord]*dataloadgen.Loader[string, []*store.Document]

	programs     once[map[string]*models.Program]
	programNames once[map[string]string]
	categories   once[map[string]*models.Category]

	mu          sync.Mutex
	byHousehold map[string]*householdGroup
	byGrant     map[string]*grantGroup
	byRecord    map[documentKey]*documentGroup
	known       map[string]*models.Household // households already read in this operation
}

// once is a value read once, by whichever caller comes first.
type once[V any] struct {
	o   sync.Once
	v   V
	err error
}

func (o *once[V]) get(read func() (V, error)) (V, error) {
	o.o.Do(func() { o.v, o.err = read() })
	return o.v, o.err
}

// householdGroup is a page of households whose nested fields are read together.
type householdGroup struct {
	ids, areas []string
	members    once[map[string][]*models.Member]
	grants     once[map[string][]*models.Grant]
	area       once[map[string]*models.Jurisdiction]
}

// grantGroup is a list of grants whose nested fields are read together.
type grantGroup struct {
	ids, households, members []string
	household                once[map[string]*models.Household]
	member                   once[map[string]*models.Member]
	events                   once[map[string][]*models.GrantEvent]
	calculations             once[map[string]*models.EntitlementCalculation]
}

// documentKey names one record that takes documents.
type documentKey struct {
	rec store.DocumentRecord
	id  string
}

// documentGroup is a list of records of one kind whose documents are read together.
type documentGroup struct {
	ids       []string
	documents once[map[string][]*store.Document]
}

// New returns a fresh set of loaders over st whose dataloadgen loaders wait up to wait
// (DefaultWait when 0) to gather a batch.
func New(st *store.Store, wait time.Duration) *Set {
	if wait <= 0 {
		wait = DefaultWait
	}
	opts := []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(maxBatch)}
	documentsOf := make(map[store.DocumentRecord]*dataloadgen.Loader[string, []*store.Document], len(store.DocumentRecords))
	for _, rec := range store.DocumentRecords {
		documentsOf[rec] = dataloadgen.NewLoader(lists(scoped(func(ctx context.Context, sc store.Scope, ids []string) (map[string][]*store.Document, error) {
			return st.Documents().OfRecords(ctx, sc, rec, ids)
		})), opts...)
	}
	return &Set{
		st:            st,
		documentsOf:   documentsOf,
		membersOf:     dataloadgen.NewLoader(lists(scoped(st.Households().MembersOfHouseholds)), opts...),
		grantsOf:      dataloadgen.NewLoader(lists(scoped(st.Grants().GrantsOfHouseholds)), opts...),
		eventsOf:      dataloadgen.NewLoader(lists(scoped(st.Grants().EventsOfGrants)), opts...),
		households:    dataloadgen.NewLoader(records(scoped(st.Households().ByID), "household"), opts...),
		members:       dataloadgen.NewLoader(records(scoped(st.Households().MembersByID), "member"), opts...),
		jurisdictions: dataloadgen.NewLoader(records(scoped(st.Jurisdictions().ByCode), "jurisdiction"), opts...),
		calculations:  dataloadgen.NewLoader(optional(scoped(st.Entitlements().CalculationsOf)), opts...),
		byHousehold:   map[string]*householdGroup{},
		byGrant:       map[string]*grantGroup{},
		byRecord:      map[documentKey]*documentGroup{},
		known:         map[string]*models.Household{},
	}
}

// scoped adapts a batch read of an aggregate store, which takes the caller's scope, to
// one that finds the caller in ctx. It returns models.ErrUnauthenticated without one.
func scoped[V any](fetch func(context.Context, store.Scope, []string) (V, error)) func(context.Context, []string) (V, error) {
	return func(ctx context.Context, ids []string) (V, error) {
		sc, err := casework.Caller(ctx)
		if err != nil {
			var zero V
			return zero, err
		}
		return fetch(ctx, sc, ids)
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
			out[i] = children(m, k)
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
			out[i], errs[i] = record(m, err, k, what)
		}
		return out, errs
	}
}

// optional adapts a batch read by key to a loader of values that may be absent: a key
// with no record (or one outside the caller's area) gets nil, not an error.
func optional[V any](fetch func(context.Context, []string) (map[string]*V, error)) func(context.Context, []string) ([]*V, []error) {
	return func(ctx context.Context, keys []string) ([]*V, []error) {
		m, err := fetch(ctx, keys)
		out := make([]*V, len(keys))
		errs := make([]error, len(keys))
		for i, k := range keys {
			out[i], errs[i] = m[k], err
		}
		return out, errs
	}
}

func children[V any](m map[string][]V, k string) []V {
	if v := m[k]; v != nil {
		return v
	}
	return []V{}
}

func record[V any](m map[string]*V, err error, k, what string) (*V, error) {
	if err != nil {
		return nil, err
	}
	if v, ok := m[k]; ok {
		return v, nil
	}
	return nil, models.NotFound(what)
}

// distinct returns the distinct values of key over items, sorted.
func distinct[T any](items []T, key func(T) (string, bool)) []string {
	seen := map[string]bool{}
	var out []string
	for _, it := range items {
		if k, ok := key(it); ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
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

// Households makes hs, a page of a list or a single record, siblings: the first nested
// read of any of them reads that field for all of them.
func (s *Set) Households(hs []*models.Household) {
	g := &householdGroup{
		ids:   distinct(hs, func(h *models.Household) (string, bool) { return h.ID, true }),
		areas: distinct(hs, func(h *models.Household) (string, bool) { return h.AreaCode, true }),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		s.byHousehold[h.ID] = g
		s.known[h.ID] = h
	}
}

// Grants makes gs siblings, like Households.
func (s *Set) Grants(gs []*models.Grant) {
	g := &grantGroup{
		ids:        distinct(gs, func(g *models.Grant) (string, bool) { return g.ID, true }),
		households: distinct(gs, func(g *models.Grant) (string, bool) { return g.HouseholdID, true }),
		members: distinct(gs, func(g *models.Grant) (string, bool) {
			if g.MemberID == nil {
				return "", false
			}
			return *g.MemberID, true
		}),
	}
	docs := &documentGroup{ids: g.ids}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, gr := range gs {
		s.byGrant[gr.ID] = g
		s.byRecord[documentKey{store.DocumentOfApplication, gr.ID}] = docs
	}
}

// Records makes the records ids of kind rec, a page of a list, siblings for their
// documents: the first DocumentsOf of any of them reads the documents of all. (Grants
// makes a page of grants siblings as applications.)
func (s *Set) Records(rec store.DocumentRecord, ids []string) {
	g := &documentGroup{ids: distinct(ids, func(id string) (string, bool) { return id, true })}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.byRecord[documentKey{rec, id}] = g
	}
}

func (s *Set) householdGroup(id string) *householdGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byHousehold[id]
}

func (s *Set) grantGroup(id string) *grantGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byGrant[id]
}

// MembersOf returns the members of a household in the caller's area, head first; none
// for a household outside it.
func (s *Set) MembersOf(ctx context.Context, householdID string) ([]*models.Member, error) {
	g := s.householdGroup(householdID)
	if g == nil {
		return s.membersOf.Load(ctx, householdID)
	}
	m, err := g.members.get(func() (map[string][]*models.Member, error) {
		return scoped(s.st.Households().MembersOfHouseholds)(ctx, g.ids)
	})
	if err != nil {
		return nil, err
	}
	return children(m, householdID), nil
}

// HeadOf returns the head of a household in the caller's area, or nil when there is none
// visible. It shares the read of MembersOf.
func (s *Set) HeadOf(ctx context.Context, householdID string) (*models.Member, error) {
	ms, err := s.MembersOf(ctx, householdID)
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

// GrantsOf returns the grants of a household that the caller may see, newest first. The
// grants of a page of households are siblings in turn.
func (s *Set) GrantsOf(ctx context.Context, householdID string) ([]*models.Grant, error) {
	g := s.householdGroup(householdID)
	if g == nil {
		return s.grantsOf.Load(ctx, householdID)
	}
	m, err := g.grants.get(func() (map[string][]*models.Grant, error) {
		m, err := scoped(s.st.Grants().GrantsOfHouseholds)(ctx, g.ids)
		if err == nil {
			var all []*models.Grant
			for _, gs := range m {
				all = append(all, gs...)
			}
			s.Grants(all)
		}
		return m, err
	})
	if err != nil {
		return nil, err
	}
	return children(m, householdID), nil
}

// EventsOf returns the status history of a grant the caller may see, oldest first.
func (s *Set) EventsOf(ctx context.Context, grantID string) ([]*models.GrantEvent, error) {
	g := s.grantGroup(grantID)
	if g == nil {
		return s.eventsOf.Load(ctx, grantID)
	}
	m, err := g.events.get(func() (map[string][]*models.GrantEvent, error) {
		return scoped(s.st.Grants().EventsOfGrants)(ctx, g.ids)
	})
	if err != nil {
		return nil, err
	}
	return children(m, grantID), nil
}

// Household returns the household with id; models.ErrNotFound outside the caller's area.
func (s *Set) Household(ctx context.Context, id string) (*models.Household, error) {
	s.mu.Lock()
	h, ok := s.known[id]
	s.mu.Unlock()
	if ok {
		return h, nil
	}
	return s.households.Load(ctx, id)
}

// GrantHousehold returns the household of a grant; models.ErrNotFound outside the
// caller's area.
func (s *Set) GrantHousehold(ctx context.Context, gr *models.Grant) (*models.Household, error) {
	s.mu.Lock()
	h, ok := s.known[gr.HouseholdID]
	s.mu.Unlock()
	if ok {
		return h, nil
	}
	g := s.grantGroup(gr.ID)
	if g == nil {
		return s.households.Load(ctx, gr.HouseholdID)
	}
	m, err := g.household.get(func() (map[string]*models.Household, error) {
		return scoped(s.st.Households().ByID)(ctx, g.households)
	})
	return record(m, err, gr.HouseholdID, "household")
}

// GrantMember returns the member a grant is for, or nil for a grant of the whole
// household; models.ErrNotFound outside the caller's area.
func (s *Set) GrantMember(ctx context.Context, gr *models.Grant) (*models.Member, error) {
	if gr.MemberID == nil {
		return nil, nil
	}
	g := s.grantGroup(gr.ID)
	if g == nil {
		return s.members.Load(ctx, *gr.MemberID)
	}
	m, err := g.member.get(func() (map[string]*models.Member, error) {
		return scoped(s.st.Households().MembersByID)(ctx, g.members)
	})
	return record(m, err, *gr.MemberID, "member")
}

// Member returns the member with id; models.ErrNotFound outside the caller's area.
func (s *Set) Member(ctx context.Context, id string) (*models.Member, error) {
	return s.members.Load(ctx, id)
}

// Program returns the program with code; models.ErrNotFound for an unknown code. The
// catalogue's programs are read once per operation.
func (s *Set) Program(ctx context.Context, code string) (*models.Program, error) {
	m, err := s.programs.get(func() (map[string]*models.Program, error) {
		sc, err := casework.Caller(ctx)
		if err != nil {
			return nil, err
		}
		ps, err := s.st.Catalogue().Programs(ctx, sc)
		m := make(map[string]*models.Program, len(ps))
		for _, p := range ps {
			m[p.Code] = p
		}
		return m, err
	})
	return record(m, err, code, "program")
}

// ProgramNames returns the programs' names in force for the caller of the operation,
// read with read once per operation (the use case's rule, catalogue.Service.Names).
func (s *Set) ProgramNames(read func() (map[string]string, error)) (map[string]string, error) {
	return s.programNames.get(read)
}

// Category returns the category with code; models.ErrNotFound for an unknown code. The
// catalogue's categories are read once per operation.
func (s *Set) Category(ctx context.Context, code string) (*models.Category, error) {
	m, err := s.categories.get(func() (map[string]*models.Category, error) {
		sc, err := casework.Caller(ctx)
		if err != nil {
			return nil, err
		}
		cs, err := s.st.Catalogue().Categories(ctx, sc)
		m := make(map[string]*models.Category, len(cs))
		for _, c := range cs {
			m[c.Code] = c
		}
		return m, err
	})
	return record(m, err, code, "category")
}

// Area returns the village (or township) of a household.
func (s *Set) Area(ctx context.Context, h *models.Household) (*models.Jurisdiction, error) {
	g := s.householdGroup(h.ID)
	if g == nil {
		return s.jurisdictions.Load(ctx, h.AreaCode)
	}
	m, err := g.area.get(func() (map[string]*models.Jurisdiction, error) {
		return scoped(s.st.Jurisdictions().ByCode)(ctx, g.areas)
	})
	return record(m, err, h.AreaCode, "jurisdiction")
}

// Calculation returns the entitlement calculation of a grant the caller sees, nil when it
// has none, batched with the other grants' of the operation (Grant.calculation and
// Grant.overridden of a list cost one statement, not one a grant).
func (s *Set) Calculation(ctx context.Context, grantID string) (*models.EntitlementCalculation, error) {
	g := s.grantGroup(grantID)
	if g == nil {
		return s.calculations.Load(ctx, grantID)
	}
	m, err := g.calculations.get(func() (map[string]*models.EntitlementCalculation, error) {
		return scoped(s.st.Entitlements().CalculationsOf)(ctx, g.ids)
	})
	if err != nil {
		return nil, err
	}
	return m[grantID], nil
}

// DocumentsOf returns the documents attached to the record of kind rec with id, newest
// first, batched with the other records of the operation: the records of a page made
// siblings (Grants, Records) read theirs together, others through a loader. A record
// the caller does not see (or a grant that is not an application) has none. It returns
// a *models.FieldError for an unknown kind of record, and the store's errors.
func (s *Set) DocumentsOf(ctx context.Context, rec store.DocumentRecord, id string) ([]*store.Document, error) {
	s.mu.Lock()
	g := s.byRecord[documentKey{rec, id}]
	s.mu.Unlock()
	if g != nil {
		m, err := g.documents.get(func() (map[string][]*store.Document, error) {
			return scoped(func(ctx context.Context, sc store.Scope, ids []string) (map[string][]*store.Document, error) {
				return s.st.Documents().OfRecords(ctx, sc, rec, ids)
			})(ctx, g.ids)
		})
		if err != nil {
			return nil, err
		}
		return children(m, id), nil
	}
	l, ok := s.documentsOf[rec]
	if !ok {
		return nil, models.Invalid("recordKind", "is one of APPLICATION, VERIFICATION, GRIEVANCE and REVIEW")
	}
	return l.Load(ctx, id)
}

// Jurisdiction returns the unit with code; models.ErrNotFound for an unknown code.
func (s *Set) Jurisdiction(ctx context.Context, code string) (*models.Jurisdiction, error) {
	return s.jurisdictions.Load(ctx, code)
}

// Children returns the units directly under code, in code order. Which units they are
// comes from the embedded tree; their rows are read in one batch with the other units
// asked for in the operation.
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
	// Wait is the dataloadgen loaders' batch wait; 0 means DefaultWait.
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
