package sqlread

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"jiuzhu/auth"
	"jiuzhu/casework/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// planCacheSize bounds the number of operations whose plans are kept.
const planCacheSize = 1000

// Reader answers the read-only operations it can compile with one statement each. It is
// safe for concurrent use.
type Reader struct {
	st    *store.Store
	plans *lru.LRU[*plan]
	// compiled and executed count the operations answered by a statement and those
	// handed to the executor after a look (mutations and SQLite are not counted).
	compiled, executed atomic.Int64
}

// New returns a Reader over st. On a store whose CompiledReads is false (SQLite) it
// hands every operation to the executor. With a read replica, the statements go where
// the store's reads go (Store.ReadJSON).
func New(st *store.Store) *Reader {
	return &Reader{st: st, plans: lru.New[*plan](planCacheSize)}
}

// Counts returns how many operations were answered by one statement and how many the
// Reader looked at and handed to the executor.
func (r *Reader) Counts() (compiled, executed int64) {
	return r.compiled.Load(), r.executed.Load()
}

// noPlan is the cached verdict of an operation that cannot be compiled.
var noPlan = &plan{}

// planFor returns the plan of oc's operation, compiling it at its first use; nil when it
// cannot be compiled.
func (r *Reader) planFor(oc *graphql.OperationContext) *plan {
	key := oc.OperationName + "\x00" + oc.RawQuery
	if p, ok := r.plans.Get(context.Background(), key); ok {
		if p == noPlan {
			return nil
		}
		return p
	}
	p, cacheable := compile(oc)
	if cacheable {
		if p == nil {
			r.plans.Add(context.Background(), key, noPlan)
		} else {
			r.plans.Add(context.Background(), key, p)
		}
	}
	return p
}

// Compiles reports whether Middleware will try to answer oc's operation with one
// statement (it may still hand it to the executor, after the statement, for a record that
// is not found).
func (r *Reader) Compiles(oc *graphql.OperationContext) bool {
	return r.st.Pool().CompiledReads() && oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Query && r.planFor(oc) != nil
}

// Middleware is the gqlgen operation middleware that answers a query it can compile
// with one statement, after the operation has been parsed, validated and checked against
// the request limits, and after the middlewares added before it (the audit of
// integrators' calls) have run; every other operation goes on to the next middleware
// and the executor.
func (r *Reader) Middleware(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if !r.st.Pool().CompiledReads() {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	p, err := auth.FromContext(ctx)
	if err != nil {
		return next(ctx)
	}
	pl := r.planFor(oc)
	if pl == nil {
		r.executed.Add(1)
		return next(ctx)
	}
	var (
		done     bool
		executor graphql.ResponseHandler
	)
	return func(rctx context.Context) *graphql.Response {
		if executor != nil {
			return executor(rctx)
		}
		if done {
			return nil
		}
		done = true
		data, err := r.safeAnswer(ctx, oc, p, pl)
		if err != nil {
			r.executed.Add(1)
			executor = next(ctx)
			return executor(rctx)
		}
		r.compiled.Add(1)
		return &graphql.Response{Data: data}
	}
}

// builder returns the builder of oc's statement for caller p.
func (r *Reader) builder(oc *graphql.OperationContext, p auth.Principal) *builder {
	sc := store.ScopeFor(p)
	lo, hi := sc.Range()
	cats, integ := sc.GrantCategories()
	return &builder{
		st: r.st, sc: sc, p: p, vars: oc.Variables, lo: lo, hi: hi, cats: cats, integ: integ,
		birthYear: p.May(auth.ActionReadBirthYear), year: r.st.Now().In(policy.ChinaTime).Year(),
		nameArea: catalogue.NameArea(p.Area), today: models.DateOf(r.st.Now().In(policy.ChinaTime)).String(),
	}
}

// safeAnswer is answer, with a panic turned into an error: the executor answers then.
func (r *Reader) safeAnswer(ctx context.Context, oc *graphql.OperationContext, p auth.Principal, pl *plan) (data []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			data, err = nil, errFallback
		}
	}()
	return r.answer(ctx, oc, p, pl)
}

// answer builds and runs the statement of pl for caller p and returns the data document.
// It returns errFallback, or the database's error, when the executor must answer.
func (r *Reader) answer(ctx context.Context, oc *graphql.OperationContext, p auth.Principal, pl *plan) ([]byte, error) {
	b := r.builder(oc, p)
	if err := b.statement(pl); err != nil {
		return nil, err
	}
	data, err := r.st.Pool().ReadJSON(ctx, b.sql.String(), b.args...)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(data, []byte(fallbackMark)) {
		return nil, errFallback
	}
	if len(data) == 0 {
		return nil, errors.New("sqlread: empty answer")
	}
	return data, nil
}
