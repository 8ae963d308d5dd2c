package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"jiuzhu/models"
)

// What a reader outside the store that writes its own SQL (package sqlread, which answers
// a whole read-only GraphQL operation with one statement) takes from the store: the
// caller's range and categories (the same values rows and grantRows filter by), the
// range of an area argument (as the lists check it), and a way to run one statement on
// the store's connections with the caller's row-level security range.

// Range returns the range of area codes the scope reaches: a row of a scoped table is in
// scope when lo <= area_code <= hi.
func (sc Scope) Range() (lo, hi string) { return sc.lo, sc.hi }

// GrantCategories returns the categories of the grants the scope reaches, and true, for
// an integrator (never empty: an integrator without a category gets a list that matches
// no category); nil and false for every other role, which sees grants of every category.
func (sc Scope) GrantCategories() ([]string, bool) {
	if sc.p.Role != models.RoleIntegrator {
		return nil, false
	}
	return nonEmpty(sc.p.Categories), true
}

// AreaRange resolves the area argument of a list (nil or "" for the caller's own area)
// to a range of codes inside the scope, as the lists do. It returns a *models.FieldError
// naming area for a code that is not a jurisdiction, and a Forbidden error for one
// outside the caller's subtree.
func (r *Jurisdictions) AreaRange(sc Scope, code *string) (lo, hi string, err error) {
	s := r.s
	return s.area(sc, "area", code)
}

// ErrNoCompiledReads is ReadJSON's error on a store that cannot run compiled reads:
// SQLite.
var ErrNoCompiledReads = errors.New("store: compiled reads need PostgreSQL")

// CompiledReads reports whether ReadJSON can run on this store: PostgreSQL, with or
// without a read replica.
func (r *Pool) CompiledReads() bool { return r.s.dialect == Postgres }

// readSettingsSQL opens the implicit transaction of a compiled read: the caller's range
// for row-level security (as rlsConn sets it, but local to the transaction) and a plan
// made once per connection and statement. A compiled statement is long, and planning it
// anew for every execution, as the store's other statements are (withCustomPlans), costs
// more than running it; its text depends on the shape of the operation, not on the
// caller's range or the arguments, and its subqueries are keyed by household or grant
// id, for which one plan serves every range.
const readSettingsSQL = `SELECT set_config('jiuzhu.lo', $1, true), set_config('jiuzhu.hi', $2, true), set_config('plan_cache_mode', 'force_generic_plan', true)`

// ReadJSON runs query, one read-only SELECT statement whose single row has a single text
// column, with args (written $1, $2, … in query), for the caller of ctx, and returns that
// column. The settings of readSettingsSQL and the statement go to the server together
// (one round trip) in one implicit transaction, so that the settings end with it.
//
// With a read replica, the statement goes where the store's other reads would go
// (replicaSet.useReplica): to the replica, unless the caller wrote within the
// read-after-write window, or the replica lags beyond its bound or is down; a statement
// that the replica fails with a connection error is run again on the primary, and the
// replica counts as down until its monitor sees it answer.
//
// It returns ErrNoCompiledReads on SQLite, and the database's error, wrapped (matching
// models.ErrUnavailable for a lost connection).
func (r *Pool) ReadJSON(ctx context.Context, query string, args ...any) (out []byte, err error) {
	s := r.s
	if !s.Pool().CompiledReads() {
		return nil, ErrNoCompiledReads
	}
	if t, ok := tracers.Load(s.db); ok {
		// The span of traceStatements: its text with placeholders, never its arguments.
		var span trace.Span
		ctx, span = t.(trace.Tracer).Start(ctx, "SELECT compiled read", trace.WithSpanKind(trace.SpanKindClient))
		defer func() {
			span.SetAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", query),
				attribute.String("db.operation.name", "SELECT"))
			if err != nil {
				span.SetStatus(codes.Error, "statement failed")
			}
			span.End()
		}()
	}
	defer func() {
		for _, f := range statementHooks(s) {
			f(query, args)
		}
	}()
	primary, err := s.db.DB()
	if err != nil {
		return nil, wrap("compiled read", err)
	}
	if rs := s.replica; rs != nil {
		if rs.useReplica(ctx) {
			out, err = readJSONOn(ctx, rs.replica, query, args)
			if err == nil || !(isConnectionError(err) || isReadOnlyError(err)) || ctx.Err() != nil {
				rs.replicaReads.Add(1)
				return out, wrap("compiled read", err)
			}
			rs.log.WarnContext(ctx, "read replica failed a compiled read; reading from the primary", "err", err)
			rs.markDown()
		}
		rs.primaryReads.Add(1)
	}
	out, err = readJSONOn(ctx, primary, query, args)
	return out, wrap("compiled read", err)
}

// readJSONOn runs ReadJSON's settings and statement on a connection of db.
func readJSONOn(ctx context.Context, db *sql.DB, query string, args []any) (out []byte, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		var pc *stdlib.Conn
		switch c := dc.(type) {
		case *rlsConn:
			pc = c.Conn
		case *stdlib.Conn:
			pc = c
		default:
			return fmt.Errorf("compiled reads need pgx's connections, not %T", dc)
		}
		lo, hi := rlsRange(ctx)
		b := &pgx.Batch{}
		b.Queue(readSettingsSQL, lo, hi)
		b.Queue(query, args...).QueryRow(func(r pgx.Row) error { return r.Scan(&out) })
		return pc.Conn().SendBatch(ctx, b).Close()
	})
	return out, err
}

// tracers holds the tracer of each store whose statements are traced (traceStatements),
// keyed by its gorm handle, for ReadJSON's spans.
var tracers sync.Map // *gorm.DB → trace.Tracer

// hooks holds, per store, the functions OnStatement registered, which ReadJSON calls
// too (it runs outside gorm, whose callbacks call them for every other statement).
var hooks sync.Map // *Store → *[]func(string, []any)

var hooksMu sync.Mutex

func addStatementHook(s *Store, f func(string, []any)) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	var list []func(string, []any)
	if v, ok := hooks.Load(s); ok {
		list = append(list, *v.(*[]func(string, []any))...)
	}
	list = append(list, f)
	hooks.Store(s, &list)
}

func statementHooks(s *Store) []func(string, []any) {
	if v, ok := hooks.Load(s); ok {
		return *v.(*[]func(string, []any))
	}
	return nil
}
