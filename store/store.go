// Package store is jiuzhu's only way to the database. It opens SQLite or PostgreSQL,
// migrates the schema, and runs every read, count and write inside the caller's area:
// each query carries a range predicate on area_code computed from the Principal in the
// context. Code paths that work outside any caller's scope say so in their name or
// documentation (Migrate, SeedUnscoped, IsEmptyUnscoped, ExpireGrace). On PostgreSQL,
// row-level security can stand behind those predicates as a second line of defence
// (Config.RowLevelSecurity, rls.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"jiuzhu/division"
)

// Dialect names the database behind a Store.
type Dialect string

// The two supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Config says which database to open.
type Config struct {
	// DatabaseURL is a postgres:// URL; empty means the embedded SQLite file SQLitePath.
	DatabaseURL string
	// SQLitePath is the SQLite database file used when DatabaseURL is empty.
	SQLitePath string
	// Logger receives slow-query and error logs; nil discards them.
	Logger *slog.Logger
	// MaxOpenConns bounds the pool of connections; 0 means 20 on PostgreSQL and 4 on
	// SQLite. No store method holds one connection while it waits for another, so any
	// size from 1 serves every call (tests run with 1 to prove it).
	MaxOpenConns int
	// Rules are the policy's rules that every write refreshes the derived values and
	// tallies of the households it touched with (rules.go). They are required: Open
	// refuses a Config without them.
	Rules Rules
	// RowLevelSecurity turns on PostgreSQL's row-level security as a second line of
	// defence behind the store's scope predicates (see rlsTables): Open then refuses a
	// role that bypasses it, every statement carries its caller's range, and Migrate puts
	// the policies on the tables. Off, Migrate takes them off. It is ignored, with a log
	// line, on SQLite.
	RowLevelSecurity bool
	// TracerProvider, when set, gives every SQL statement the store sends through gorm a
	// span (its text without the arguments); nil adds nothing to a statement's cost.
	TracerProvider trace.TracerProvider
	// ReadURL is the postgres:// URL of a streaming replica of DatabaseURL; empty means
	// none. With it, reads outside transactions go to the replica and everything else to
	// DatabaseURL (replica.go). It is refused on SQLite.
	ReadURL string
	// ReadAfterWrite is how long after a caller's write its reads still go to the
	// primary; 0 means DefaultReadAfterWrite.
	ReadAfterWrite time.Duration
	// MaxReplicaLag is how far the replica's replay may fall behind the primary before
	// reads go to the primary; 0 means DefaultMaxReplicaLag.
	MaxReplicaLag time.Duration
	// IDLookups limits each caller's lookups by full resident ID number
	// (MemberByIDNumber); the zero value means DefaultLookupLimit.
	IDLookups LookupLimit
}

// Store is the area-scoped data access of jiuzhu. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	tree    *division.Tree
	now     func() time.Time
	// rules are Config.Rules.
	rules Rules
	// catalogue caches the programs and categories.
	catalogue *catalogueCache
	// rls is Config.RowLevelSecurity on PostgreSQL.
	rls bool
	// replica is the read replica of Config.ReadURL, nil without one.
	replica *replicaSet
	// lookups limits MemberByIDNumber per caller; nil when off.
	lookups *lookupLimiter
	// auditKey is the key of the audit digests, read from the database once (digester).
	auditKeyMu sync.Mutex
	auditKey   []byte
	// wholePayrollLookup replaces the constant of the same name when positive (tests).
	wholePayrollLookup int
}

// Open connects to the database of cfg. It neither migrates nor checks the schema; call
// Migrate (as the owner role) or CheckSchema (as the serving role). It returns an
// error when cfg has no Rules, when the URL is not a postgres:// one, when the database
// cannot be reached, and, with RowLevelSecurity on PostgreSQL, when the role connected as
// bypasses row-level security.
func Open(ctx context.Context, cfg Config, tree *division.Tree) (*Store, error) {
	if cfg.Rules == nil {
		return nil, errors.New("store: no rules to derive the households' values with (Config.Rules)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		db      *gorm.DB
		err     error
		dialect Dialect
	)
	if strings.HasPrefix(cfg.DatabaseURL, "postgres://") || strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		dialect = Postgres
		var d gorm.Dialector
		if d, err = postgresDialector(withCustomPlans(cfg.DatabaseURL), cfg.RowLevelSecurity); err == nil {
			db, err = gorm.Open(d, gcfg)
		}
	} else if cfg.ReadURL != "" {
		return nil, errors.New("store: DATABASE_READ_URL needs a PostgreSQL DATABASE_URL")
	} else if cfg.DatabaseURL != "" {
		return nil, errors.New("store: DATABASE_URL must be a postgres:// URL")
	} else {
		dialect = SQLite
		if cfg.RowLevelSecurity {
			log.Info("row-level security is a PostgreSQL feature; it is off on SQLite")
		}
		if cfg.SQLitePath == "" {
			return nil, errors.New("store: no SQLite path")
		}
		if dir := filepath.Dir(cfg.SQLitePath); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data directory: %w", err)
			}
		}
		dsn := cfg.SQLitePath + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		db, err = gorm.Open(sqlite.Open(dsn), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if cfg.TracerProvider != nil {
		if err := traceStatements(db, cfg.TracerProvider, dialect); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("store: SQL tracing: %w", err)
		}
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		switch dialect {
		case SQLite:
			// One writer at a time is SQLite's nature; a small pool keeps readers concurrent.
			n = 4
		case Postgres:
			n = 20
		}
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", dialect, err)
	}
	rls := dialect == Postgres && cfg.RowLevelSecurity
	if rls {
		if err := checkRLSRole(ctx, sqlDB); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	var replica *replicaSet
	if cfg.ReadURL != "" {
		if replica, err = openReplica(db, sqlDB, cfg, log); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	return &Store{db: db, dialect: dialect, tree: tree, now: time.Now, rules: cfg.Rules,
		rls: rls, catalogue: &catalogueCache{}, replica: replica,
		lookups: newLookupLimiter(cfg.IDLookups)}, nil
}

// postgresDialector returns gorm's PostgreSQL dialector for dsn. With row-level security
// its connections are rlsConns, which give every statement its caller's range; otherwise
// gorm opens the pool itself.
func postgresDialector(dsn string, rls bool) (gorm.Dialector, error) {
	if !rls {
		return postgres.Open(dsn), nil
	}
	pool, err := openPostgresPool(dsn, rls)
	if err != nil {
		return nil, err
	}
	return postgres.New(postgres.Config{Conn: pool}), nil
}

// openPostgresPool returns a connection pool to dsn through pgx; with row-level security
// its connections are rlsConns. It connects lazily.
func openPostgresPool(dsn string, rls bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if !rls {
		return stdlib.OpenDB(*cfg), nil
	}
	return sql.OpenDB(rlsConnector{stdlib.GetConnector(*cfg)}), nil
}

// Pool is the store's connections: their health, their statistics, the read replica's
// state, and the hooks that count or watch the statements sent. Reach it with
// Store.Pool.
type Pool struct{ s *Store }

// Pool returns the store's connections.
func (s *Store) Pool() *Pool { return &Pool{s: s} }

// Stats returns the statistics of the database connection pool.
func (r *Pool) Stats() sql.DBStats {
	s := r.s
	sqlDB, err := s.db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return sqlDB.Stats()
}

// RowLevelSecurity reports whether the store runs with PostgreSQL's row-level security.
func (r *Pool) RowLevelSecurity() bool { return r.s.rls }

// withCustomPlans asks PostgreSQL to plan every execution of a prepared statement with
// its actual arguments (plan_cache_mode=force_custom_plan) unless the URL says otherwise.
// The store's statements are prepared once per connection and run with many different
// arguments; a generic plan cannot see that "area_code BETWEEN $1 AND $2" spans one
// village or the whole city, nor that fifty household ids select a hundred rows, and it
// was seen to scan a county's members by area rather than probe the household_id index.
// Planning these statements costs a fraction of a millisecond.
func withCustomPlans(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Get("plan_cache_mode") == "" {
		q.Set("plan_cache_mode", "force_custom_plan")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Dialect returns which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Now returns the store's clock reading: the date the rules judge by. Use cases take it
// as their clock, so that tests that set the store's clock set theirs.
func (s *Store) Now() time.Time { return s.now() }

// Tree returns the jurisdiction tree the store validates areas against.
func (s *Store) Tree() *division.Tree { return s.tree }

// Ping checks that the database answers.
func (r *Pool) Ping(ctx context.Context) error {
	s := r.s
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the database connections, the read replica's too.
func (s *Store) Close() error {
	hooks.Delete(s)
	tracers.Delete(s.db)
	var replicaErr error
	if s.replica != nil {
		replicaErr = s.replica.close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return errors.Join(sqlDB.Close(), replicaErr)
}

// newID returns a time-ordered UUID (v7) as a string.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// NewID returns a new record id: a UUIDv7, so that ids sort by creation time. Use cases
// that create records take their ids from it.
func NewID() string { return newID() }

// isUniqueViolation reports whether err is a unique-constraint violation on either
// database.
func isUniqueViolation(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// OnStatement calls f after every statement the store runs (queries, rows, raw SQL,
// creates, updates and deletes) with its SQL text and arguments. It is meant for tests and
// diagnostics that count statements; f must be safe for concurrent use. Register it
// before the store is shared.
func (r *Pool) OnStatement(f func(sql string, vars []any)) {
	s := r.s
	addStatementHook(s, f) // compiled reads (ReadJSON) run outside gorm
	cb := func(db *gorm.DB) {
		if db.DryRun { // a subquery being built, not a statement of its own
			return
		}
		f(db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...))
	}
	c := s.db.Callback()
	_ = c.Query().After("gorm:query").Register("jiuzhu:on_statement_query", cb)
	_ = c.Row().After("gorm:row").Register("jiuzhu:on_statement_row", cb)
	_ = c.Raw().After("gorm:raw").Register("jiuzhu:on_statement_raw", cb)
	_ = c.Create().After("gorm:create").Register("jiuzhu:on_statement_create", cb)
	_ = c.Update().After("gorm:update").Register("jiuzhu:on_statement_update", cb)
	_ = c.Delete().After("gorm:delete").Register("jiuzhu:on_statement_delete", cb)
}
