// Package storetest opens real, migrated, throw-away databases for tests: an SQLite file
// always, and a fresh PostgreSQL schema whenever TEST_DATABASE_URL is set. With
// TEST_PG_RLS=1 every PostgreSQL store runs with row-level security, as MustOpenRLS
// opens it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// EnvURL names the variable that points the tests at a PostgreSQL server.
const EnvURL = "TEST_DATABASE_URL"

// EnvRLS names the variable that, set to 1, makes MustOpen open every PostgreSQL store
// with row-level security on, as MustOpenRLS does, so that a whole test suite runs
// against the policies.
const EnvRLS = "TEST_PG_RLS"

// RLSRole is the role MustOpenRLS connects as: it may log in, owns the schema it
// migrates, and is neither a superuser nor exempt from row-level security. It is
// created on TEST_DATABASE_URL's server when missing, and kept.
const RLSRole = "jiuzhu_rls_test"

// rlsRoleAttributes are RLSRole's attributes.
const rlsRoleAttributes = "LOGIN NOSUPERUSER NOBYPASSRLS"

var tree = division.Dezhou()

// Dialects returns the databases to test on: SQLite, and PostgreSQL when TEST_DATABASE_URL
// is set.
func Dialects() []store.Dialect {
	if os.Getenv(EnvURL) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

// Each runs f as a subtest once per dialect of Dialects, with a fresh migrated store.
func Each(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) { f(t, MustOpen(t, d)) })
	}
}

// EachWith is Each with the configuration of every store adjusted by adjust before it
// opens, for tests that need a setting of their own (a limit that does not refill while
// the test runs, say).
func EachWith(t *testing.T, adjust func(*store.Config), f func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			cfg := configOf(t, d)
			adjust(&cfg)
			f(t, openMigrated(t, cfg))
		})
	}
}

// EachWithRLS runs f as Each does, and once more on PostgreSQL with row-level security
// (subtest "postgres+rls", skipped without TEST_DATABASE_URL), unless TEST_PG_RLS=1
// already made the "postgres" subtest's store one.
func EachWithRLS(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Helper()
	Each(t, f)
	if os.Getenv(EnvRLS) == "1" {
		return
	}
	t.Run("postgres+rls", func(t *testing.T) { f(t, MustOpenRLS(t)) })
}

// MustOpen returns a migrated store on a new, empty database of dialect that is dropped
// when tb ends. It fails tb on any error.
func MustOpen(tb testing.TB, d store.Dialect) *store.Store {
	tb.Helper()
	return openMigrated(tb, configOf(tb, d))
}

// MustOpenPool is MustOpen with a pool of at most conns connections, for tests that
// prove no call needs more than that at a time (with 1: no call holds a connection while
// it waits for another).
func MustOpenPool(tb testing.TB, d store.Dialect, conns int) *store.Store {
	tb.Helper()
	cfg := configOf(tb, d)
	cfg.MaxOpenConns = conns
	return openMigrated(tb, cfg)
}

// configOf returns the configuration of a store on a new, empty database of dialect,
// with row-level security on PostgreSQL when TEST_PG_RLS=1.
func configOf(tb testing.TB, d store.Dialect) store.Config {
	tb.Helper()
	cfg := store.Config{}
	switch d {
	case store.SQLite:
		cfg.SQLitePath = filepath.Join(tb.TempDir(), "test.db")
	case store.Postgres:
		if os.Getenv(EnvRLS) == "1" {
			return store.Config{DatabaseURL: RLSURL(tb), RowLevelSecurity: true}
		}
		cfg.DatabaseURL = postgresSchema(tb, "")
	default:
		tb.Fatalf("storetest: unknown dialect %q", d)
	}
	return cfg
}

// MustOpenRLS returns a migrated PostgreSQL store with row-level security on, connected
// as RLSRole to a new schema that the role owns and that is dropped when tb ends. It
// skips tb without TEST_DATABASE_URL and fails it on any error.
func MustOpenRLS(tb testing.TB) *store.Store {
	tb.Helper()
	return openMigrated(tb, store.Config{DatabaseURL: RLSURL(tb), RowLevelSecurity: true})
}

// RLSURL returns the URL of a fresh schema owned by RLSRole, for connecting as it, as
// PostgresURLAs does.
func RLSURL(tb testing.TB) string {
	tb.Helper()
	return PostgresURLAs(tb, RLSRole, rlsRoleAttributes)
}

// MustOpenWith returns the store of cfg, migrated and closed when tb ends, for tests
// that compare configurations on one database (URLs from PostgresURLAs). It fails tb on
// any error.
func MustOpenWith(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	return openMigrated(tb, cfg)
}

// MustOpenEmpty returns a store on a new, empty database of dialect, neither migrated
// nor checked, closed when tb ends: for tests of the migrations themselves. It fails tb
// on any error.
func MustOpenEmpty(tb testing.TB, d store.Dialect) *store.Store {
	tb.Helper()
	cfg := withRules(configOf(tb, d))
	st, err := store.Open(context.Background(), cfg, tree)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	opened.Store(st, cfg)
	tb.Cleanup(func() { _ = st.Close(); opened.Delete(st) })
	return st
}

// ServingRole is the role ServingURL connects as: it may log in, owns nothing, and is
// neither a superuser nor exempt from row-level security, as the serving role of a
// deployment (docs/operations-roles-and-migrations.md). It is created on
// TEST_DATABASE_URL's server when missing, and kept; store.GrantServingRole gives it
// its privileges on each test's schema.
const ServingRole = "jiuzhu_serving_test"

// ServingURL returns ownerURL (a URL of PostgresURL, PostgresURLAs or RLSURL) with
// ServingRole as its user, creating the role when it does not exist. It skips tb without
// TEST_DATABASE_URL and fails it on any error.
func ServingURL(tb testing.TB, ownerURL string) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("storetest: %s is not set", EnvURL)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	_, err = db.Exec("CREATE ROLE " + ServingRole + " " + rlsRoleAttributes)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		tb.Fatalf("storetest: create role %s: %v", ServingRole, err)
	}
	u, err := url.Parse(ownerURL)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	u.User = url.User(ServingRole)
	return u.String()
}

// openMigrated opens and migrates the store of cfg (store.Migrate, the versioned
// migrations that `jiuzhu migrate up` applies), closed when tb ends.
func openMigrated(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	ctx := context.Background()
	cfg = withRules(cfg)
	st, err := store.Open(ctx, cfg, tree)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	opened.Store(st, cfg)
	tb.Cleanup(func() { _ = st.Close(); opened.Delete(st) })
	if err := st.Setup().Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate %s: %v", st.Dialect(), err)
	}
	return st
}

// withRules returns cfg with the policy's rules in force (casework.DefaultRules) when
// it names none, as every store of the tests derives with them unless a test says
// otherwise.
func withRules(cfg store.Config) store.Config {
	if cfg.Rules == nil {
		cfg.Rules = casework.DefaultRules()
	}
	return cfg
}

// postgresSchema creates a schema of its own on TEST_DATABASE_URL's server, owned by
// role when it is not empty, drops it when tb ends, and returns a URL whose search_path
// is that schema and whose user is role (TEST_DATABASE_URL's when empty).
func postgresSchema(tb testing.TB, role string) string {
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("storetest: %s is not set", EnvURL)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	schema := "t_" + hex.EncodeToString(buf)
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	create := "CREATE SCHEMA " + schema
	if role != "" {
		create += " AUTHORIZATION " + role
	}
	if _, err := db.Exec(create); err != nil {
		_ = db.Close()
		tb.Fatalf("storetest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	if role != "" {
		u.User = url.User(role)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresURLAs returns the URL of a fresh PostgreSQL schema on TEST_DATABASE_URL's
// server, owned by role and dropped when tb ends, for connecting as role. It creates the
// role with attributes ("LOGIN NOSUPERUSER NOBYPASSRLS") when it does not exist; an
// existing role keeps the attributes it has, so each name is to be used with one set of
// attributes. It skips tb when the variable is not set and fails it on any error. The
// server must let role log in from where the tests run without a password (trust
// authentication on 127.0.0.1, as CI sets up).
func PostgresURLAs(tb testing.TB, role, attributes string) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("storetest: %s is not set", EnvURL)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	// Test packages run in parallel and may create the role at the same time: the loser
	// gets duplicate_object, or unique_violation on the catalogue.
	_, err = db.Exec("CREATE ROLE " + role + " " + attributes)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		tb.Fatalf("storetest: create role %s: %v", role, err)
	}
	return postgresSchema(tb, role)
}

// As returns a context whose caller has role over area.
func As(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

// Counter counts the statements a store runs; see Count.
type Counter struct {
	mu   sync.Mutex
	sqls []string
	vars [][]any
}

// Count starts counting the statements st runs. Register it before st is shared.
func Count(st *store.Store) *Counter {
	c := &Counter{}
	st.Pool().OnStatement(func(sql string, vars []any) {
		c.mu.Lock()
		c.sqls = append(c.sqls, sql)
		c.vars = append(c.vars, vars)
		c.mu.Unlock()
	})
	return c
}

// Reset forgets the statements counted so far.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.sqls, c.vars = nil, nil
	c.mu.Unlock()
}

// N returns the number of statements counted since the last Reset.
func (c *Counter) N() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sqls)
}

// Statements returns the SQL of the statements counted since the last Reset, in order.
func (c *Counter) Statements() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sqls...)
}

// Args returns the arguments of the i-th statement counted since the last Reset.
func (c *Counter) Args(i int) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vars[i]
}

// MustOpenTwin returns a second, independent store (its own connection pool) on the
// database of st, which MustOpen made for dialect d: what two server instances behind a
// load balancer would share. It fails tb on any error.
func MustOpenTwin(tb testing.TB, d store.Dialect, st *store.Store) *store.Store {
	tb.Helper()
	cfg, ok := opened.Load(st)
	if !ok {
		tb.Fatalf("storetest: the store was not made by MustOpen")
	}
	twin, err := store.Open(context.Background(), cfg.(store.Config), tree)
	if err != nil {
		tb.Fatalf("storetest: open twin %s: %v", d, err)
	}
	tb.Cleanup(func() { _ = twin.Close() })
	return twin
}

// opened remembers the configuration of each store MustOpen made.
var opened sync.Map

// PostgresURL returns the URL of a fresh PostgreSQL schema of its own on
// TEST_DATABASE_URL's server, dropped when tb ends; it skips tb when the variable is not
// set. It is for tools that take a database URL, such as the benchmark.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	return postgresSchema(tb, "")
}
