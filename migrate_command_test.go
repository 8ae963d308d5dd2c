package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// legacyCommit is the last release whose migrate derived the schema from the models,
// before versioned migrations: the layout that migrate up must adopt.
const legacyCommit = "d7731b1"

// envLegacyBin names a jiuzhu binary built from legacyCommit, which the adoption test
// uses instead of building one.
const envLegacyBin = "JIUZHU_LEGACY_BIN"

// legacyBinary returns a jiuzhu binary of legacyCommit: JIUZHU_LEGACY_BIN when set, or
// one built from the repository's history (git archive of the commit, then go build). It
// skips t, saying why, when neither can be had.
func legacyBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv(envLegacyBin); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s=%s: %v", envLegacyBin, bin, err)
		}
		return bin
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skipf("no git to build jiuzhu %s from, and %s is not set", legacyCommit, envLegacyBin)
	}
	if err := exec.Command(git, "cat-file", "-e", legacyCommit+"^{commit}").Run(); err != nil {
		t.Skipf("commit %s is not in this repository's history (a shallow clone?), and %s is not set", legacyCommit, envLegacyBin)
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", legacyCommit, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Skipf("cannot extract jiuzhu %s (%v): %s", legacyCommit, err, out)
	}
	bin := filepath.Join(t.TempDir(), "jiuzhu-"+legacyCommit)
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build jiuzhu %s (%v): %s", legacyCommit, err, out)
	}
	return bin
}

// TestMigrateUpAdoptsALegacyDatabase creates a database with the migrate and seed of
// jiuzhu d7731b1, which derived the schema from the models and knew no versions, adds
// audit events to it, and runs the current migrate up on it: every row of every table
// the old release wrote is still there, unchanged, the tables added since are there, the
// schema is at the current version, and serving it works.
func TestMigrateUpAdoptsALegacyDatabase(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	bin := legacyBinary(t)
	for _, args := range [][]string{{"migrate"}, {"seed", "--households", "40"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "PG_RLS=off", "LOG_LEVEL=error")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jiuzhu %s %v: %v\n%s", legacyCommit, args, err, out)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The old release's audit trail, as its mutations wrote it.
	_, err = db.Exec(`INSERT INTO audit_events (id, area_code, actor, actor_role, actor_area, operation, record_ids, before, after, created_at)
		SELECT gen_random_uuid()::text, area_code, 'admin@371400000000', 'admin', '371400000000', 'createHousehold', id, '', 'digest', now()
		FROM households`)
	if err != nil {
		t.Fatal(err)
	}
	tables := []string{"households", "members", "grants", "grant_events", "audit_events", "verifications",
		"verification_members", "staff_members", "dibao_standards", "jurisdictions", "change_log",
		"household_programs", "area_tallies", "area_program_tallies", "application_counters"}
	// The digests cover the columns the old release made: versions since add columns
	// (members' phone, the grants' review bookkeeping) without changing the rows' data.
	columns := tableColumns(t, db, tables)
	before := tableDigests(t, db, columns)
	for _, table := range []string{"households", "members", "grants", "audit_events"} {
		if before[table].n == 0 {
			t.Fatalf("the old release left no rows in %s; the test needs some", table)
		}
	}
	if n := countRows(t, db, store.SchemaVersionTable); n >= 0 {
		t.Fatalf("the old release's database has a version table (%d rows)", n)
	}

	t.Setenv("DATABASE_URL", url)
	t.Setenv("PG_RLS", "off")
	t.Setenv("JWT_SECRET", "a-secret-for-the-legacy-adoption-32-bytes")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "up", "--log-level", "error"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "from version 0 to") {
		t.Errorf("migrate up said %q", out.String())
	}
	after := tableDigests(t, db, columns)
	for _, table := range tables {
		if after[table] != before[table] {
			t.Errorf("%s: %d rows (digest %s) before migrate up, %d (%s) after", table,
				before[table].n, before[table].digest, after[table].n, after[table].digest)
		}
	}
	for _, table := range []string{"audit_keys", "county_application_counters"} {
		if countRows(t, db, table) < 0 {
			t.Errorf("table %s, added after %s, is missing", table, legacyCommit)
		}
	}
	st, err := openStore(context.Background(), configFromEnv(), nil)
	if err != nil {
		t.Fatalf("serving the adopted database: %v", err)
	}
	defer st.Close()
	current, want, err := st.Setup().SchemaVersions(context.Background())
	if err != nil || current != want {
		t.Errorf("version %d of %d, %v", current, want, err)
	}
	// Migrating again applies nothing and changes nothing.
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "up", "--log-level", "error"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "nothing to apply") {
		t.Errorf("second migrate up said %q", out.String())
	}
	if again := tableDigests(t, db, columns); again["households"] != before["households"] {
		t.Error("a second migrate up changed the households")
	}
}

// tableDigest is the number of rows of a table and the MD5 of all of them in key order.
type tableDigest struct {
	n      int
	digest string
}

// tableColumns returns the columns of each table, in their order.
func tableColumns(t *testing.T, db *sql.DB, tables []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], `"`+c+`"`)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(out[table]) == 0 {
			t.Fatalf("table %s has no columns", table)
		}
	}
	return out
}

// tableDigests returns the tableDigest of each table of columns, over those columns.
func tableDigests(t *testing.T, db *sql.DB, columns map[string][]string) map[string]tableDigest {
	t.Helper()
	out := map[string]tableDigest{}
	for table, cols := range columns {
		var d tableDigest
		var digest sql.NullString
		q := `SELECT COUNT(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT ` + strings.Join(cols, ", ") + ` FROM ` + table + `) t`
		if err := db.QueryRow(q).Scan(&d.n, &digest); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		d.digest = digest.String
		out[table] = d
	}
	return out
}

// countRows returns the number of rows of table, or -1 when there is no such table.
func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return -1
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestServeRefusesAnUnmigratedPostgreSQL runs serve and seed against an empty
// PostgreSQL schema: they change nothing and refuse with a message naming
// `jiuzhu migrate up`; after it, the version check passes.
func TestServeRefusesAnUnmigratedPostgreSQL(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	t.Setenv("DATABASE_URL", url)
	t.Setenv("PG_RLS", "off")
	t.Setenv("JWT_SECRET", "a-secret-for-the-version-check-32-bytes")
	for _, args := range [][]string{{"serve", "--listen", "127.0.0.1:0"}, {"seed", "--households", "5"}} {
		err := run(context.Background(), append(args, "--log-level", "error"), io.Discard)
		if !errors.Is(err, store.ErrSchemaVersion) || !strings.Contains(err.Error(), "jiuzhu migrate up") {
			t.Errorf("%v on an empty schema: %v, want ErrSchemaVersion naming jiuzhu migrate up", args, err)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countRows(t, db, "households"); n != -1 {
		t.Errorf("serve or seed created tables on an unmigrated schema")
	}
	if err := run(context.Background(), []string{"migrate", "up", "--log-level", "error"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	st, err := openStore(context.Background(), configFromEnv(), nil)
	if err != nil {
		t.Fatalf("after migrate up: %v", err)
	}
	_ = st.Close()
}

// TestMigrateCommands runs migrate up, status and down on the demo's SQLite database:
// status lists each version as applied or pending and the database's version, down
// takes the last version down and refuses the first, and serve's way of opening SQLite
// (the demo needs no setup) migrates it back.
func TestMigrateCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATABASE_URL", "")
	migrate := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append(append([]string{"migrate"}, args...), "--data-dir", dir, "--log-level", "error"), &out)
		return out.String(), err
	}
	say := func(args ...string) string {
		t.Helper()
		out, err := migrate(args...)
		if err != nil {
			t.Fatalf("migrate %v: %v", args, err)
		}
		return out
	}
	expect := func(args []string, out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("migrate %v said %q, want %q in it", args, out, w)
			}
		}
	}
	out := say("up")
	m := regexp.MustCompile(`schema migrated from version 0 to (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("migrate up said %q, want the versions it went through", out)
	}
	last, _ := strconv.Atoi(m[1])
	expect([]string{"up"}, say("up"), fmt.Sprintf("schema at version %d, nothing to apply", last))
	expect([]string{"status"}, say("status"), "00001_schema.sql", "00002_tallies (Go)", "applied",
		fmt.Sprintf("database at version %d; this jiuzhu needs %d", last, last))
	// Down one version at a time, each to the one before, down to the first, which stays.
	at := last
	for step := 0; step < 20 && at > 1; step++ {
		out := say("down")
		m := regexp.MustCompile(fmt.Sprintf(`schema taken down from version %d to (\d+)`, at)).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("migrate down said %q, want it taken down from version %d", out, at)
		}
		to, _ := strconv.Atoi(m[1])
		if to >= at {
			t.Fatalf("migrate down went from %d to %d", at, to)
		}
		at = to
		expect([]string{"status"}, say("status"), "pending", fmt.Sprintf("database at version %d; this jiuzhu needs %d", at, last))
	}
	if at != 1 {
		t.Fatalf("down stopped at version %d, want 1", at)
	}
	for _, s := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"down"}, "the first version of the schema is not taken down"},
		{[]string{"up", "--serving-role", "jiuzhu_app"}, "needs a PostgreSQL DATABASE_URL"},
	} {
		if _, err := migrate(s.args...); err == nil || !strings.Contains(err.Error(), s.wantErr) {
			t.Errorf("migrate %v: %v, want an error about %q", s.args, err, s.wantErr)
		}
	}
	cfg := configFromEnv()
	cfg.dataDir = dir
	st, err := openStore(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if current, want, err := st.Setup().SchemaVersions(context.Background()); err != nil || current != want {
		t.Errorf("SQLite opened for serving: version %d of %d, %v", current, want, err)
	}
}
