package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	pathpkg "path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

// The schema is versioned: SQL files embedded from migrations/<dialect>/ and the Go steps
// of goMigrations, applied in order by goose, which records each applied version in the
// table SchemaVersionTable. Migrate applies what is missing; CheckSchema tells whether a
// database is at the version this build expects, without changing it.
//
// The versions:
//
//  1. the schema as it stood when versioning began (SQL, written to adopt a database
//     created before it: every statement leaves an existing table or index alone);
//  2. the dashboards' tallies: their columns and tables are added where missing, and
//     counted from the members and grants (Go);
//  3. PostgreSQL only: row-level security, on or off as Config.RowLevelSecurity says
//     (Go; taken down, it takes the policies off);
//  4–10. SQL files (entitlements, the applicant's side, payroll, grievances, referrals,
//     follow-up, the payroll lines' free space);
//  11. members' contact phone and the indexes of the search by name and phone (Go, so
//     that a database whose version table was lost adopts it again: the column is added
//     only where it is missing);
//  12. the grants' re-certification bookkeeping (under_review, review_anchor) and its
//     index, filled from the reviews (Go, for the same reason as 11);
//  13. PostgreSQL: the payroll lines' pages kept at 45 % full (SQL; empty on SQLite);
//  14. derived_refreshes, the year and rules of the daily job's last full refresh (SQL);
//  15. the index that counts an area's open reviews, due and overdue (SQL);
//  16. documents' withdrawal (withdrawn_at, withdrawn_by, withdrawal_reason,
//     content_swept_at) and the index that finds the documents of one content (Go, for
//     the same reason as 11);
//  17. status_lookup_alerts, the daily job's warnings of sweeps and guesses on the
//     public status page, and job_marks, where each step of the daily job keeps the end
//     of what its last run looked at (SQL);
//  18. the partial index of the withdrawn documents whose content the daily job has not
//     swept yet (SQL);
//  19. the acknowledgement of an alert of the status page (acknowledged_at,
//     acknowledged_by, acknowledgement_note) (Go, for the same reason as 11);
//  20. the payees, reviews (and their documents) and discovery cases (and their visits)
//     of households that moved to another village before these records moved with them
//     take the household's area code (Go; it changes only rows whose code differs).
//
// A new change of the schema is a new file or step with the next number; a released
// version is never edited.

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// SchemaVersionTable is the table in which goose records the applied versions of the
// schema.
const SchemaVersionTable = "jiuzhu_schema_version"

// ErrSchemaVersion means that the database is not at the version of the schema this
// build of jiuzhu expects (it was not migrated, or was migrated by another release), or
// that its row-level security is not as the store's configuration asks.
var ErrSchemaVersion = errors.New("the database schema does not match this jiuzhu")

// The first version, which MigrateDown never takes down, and the versions of the Go
// steps.
const (
	firstVersion            = 1
	versionTallies          = 2
	versionRowLevelSecurity = 3
	versionMemberSearch     = 11
	versionReviewDue        = 12
	versionDocumentWithdraw = 16
	versionAlertAcknowledge = 19
	versionMovedRecords     = 20
)

// The directories of each dialect's SQL files in migrationFiles.
const (
	migrationsSQLiteDirectory = "migrations/sqlite"
	migrationsPGDirectory     = "migrations/postgres"
)

// migrations returns the goose provider of the store's migrations, acting on the store's
// own connection pool.
func (r *Setup) migrations(ctx context.Context) (*goose.Provider, error) {
	s := r.s
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	dialect, dir := goose.DialectPostgres, migrationsPGDirectory
	if s.dialect == SQLite {
		dialect, dir = goose.DialectSQLite3, migrationsSQLiteDirectory
	}
	files, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(SchemaVersionTable),
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(s.Setup().goMigrations()...),
	}
	if s.dialect == Postgres {
		// Two migrate up at once on one schema take turns: goose holds a session-level
		// advisory lock while it applies versions. Its key is the schema's, so that
		// schemas of one database (the tests') do not wait for each other.
		var schema string
		if err := s.Setup().schemaDB(systemScope(ctx)).Raw(`SELECT current_schema()`).Scan(&schema).Error; err != nil {
			return nil, fmt.Errorf("current schema: %w", err)
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte("jiuzhu migrations " + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64() >> 1)))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, sqlDB, files, opts...)
}

// goMigrations returns the steps written in Go, for the store's dialect.
func (r *Setup) goMigrations() []*goose.Migration {
	s := r.s
	out := []*goose.Migration{
		goose.NewGoMigration(versionTallies,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return s.Derived().add(s.Setup().onTx(ctx, tx))
			}},
			// Down keeps the tallies: the schema of version 1 has them already, and
			// dropping them would only make the next up count them again.
			&goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }}),
	}
	out = append(out, goose.NewGoMigration(versionMemberSearch,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().addMemberSearch(s.Setup().onTx(ctx, tx))
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().dropMemberSearch(s.Setup().onTx(ctx, tx))
		}}))
	out = append(out, goose.NewGoMigration(versionReviewDue,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().addReviewDue(s.Setup().onTx(ctx, tx))
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().dropReviewDue(s.Setup().onTx(ctx, tx))
		}}))
	out = append(out, goose.NewGoMigration(versionDocumentWithdraw,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().addDocumentWithdrawal(s.Setup().onTx(ctx, tx))
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().dropDocumentWithdrawal(s.Setup().onTx(ctx, tx))
		}}))
	out = append(out, goose.NewGoMigration(versionAlertAcknowledge,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().addAlertAcknowledgement(s.Setup().onTx(ctx, tx))
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return s.Setup().dropAlertAcknowledgement(s.Setup().onTx(ctx, tx))
		}}))
	out = append(out, goose.NewGoMigration(versionMovedRecords,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return followMovedHouseholds(s.Setup().onTx(ctx, tx))
		}},
		// Down leaves the area codes as they are: they are the households' own.
		&goose.GoFunc{RunTx: func(context.Context, *sql.Tx) error { return nil }}))
	if s.dialect == Postgres {
		out = append(out, goose.NewGoMigration(versionRowLevelSecurity,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return rowLevelSecurityOf(s.Setup().onTx(ctx, tx), s.rls, false)
			}},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return rowLevelSecurityOf(s.Setup().onTx(ctx, tx), false, false)
			}}))
	}
	return out
}

// schemaDB returns the store's database on ctx for reading the schema itself: always on
// the primary, since a read replica may not have replayed a schema or a version just made.
func (r *Setup) schemaDB(ctx context.Context) *gorm.DB {
	s := r.s
	return s.db.WithContext(ctx).Clauses(dbresolver.Write)
}

// onTx returns a gorm session on tx, a transaction goose opened on the store's pool, for
// the store's own work.
func (r *Setup) onTx(ctx context.Context, tx *sql.Tx) *gorm.DB {
	s := r.s
	db := s.db.Session(&gorm.Session{Context: systemScope(ctx), NewDB: true})
	db.Statement.ConnPool = tx
	return db
}

// MigrationState is one version of the schema and whether the database has it.
type MigrationState struct {
	// Version is the version's number, Name the file or step that makes it.
	Version int64
	Name    string
	// Applied says whether the database has the version, and AppliedAt since when.
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus returns every version of the schema this build knows, in order, with
// whether the database has it. It acts for no caller and changes nothing but, on a
// database never migrated, creates the version table. It returns the database's errors.
func (r *Setup) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	s := r.s
	p, err := s.Setup().migrations(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	st, err := p.Status(systemScope(ctx))
	if err != nil {
		return nil, fmt.Errorf("store: migration status: %w", err)
	}
	out := make([]MigrationState, len(st))
	for i, m := range st {
		out[i] = MigrationState{Version: m.Source.Version, Name: migrationName(m.Source.Version, m.Source.Path),
			Applied: m.State == goose.StateApplied, AppliedAt: m.AppliedAt}
	}
	return out, nil
}

// goStepNames name the steps written in Go, whose path goose leaves empty.
var goStepNames = map[int64]string{
	versionTallies:          "00002_tallies (Go)",
	versionRowLevelSecurity: "00003_row_level_security (Go)",
}

// migrationName is the name of a version's source: its SQL file's name, or its Go step's.
func migrationName(version int64, path string) string {
	if path == "" {
		return goStepNames[version]
	}
	return pathpkg.Base(path)
}

// SchemaVersions returns the version of the schema the database is at (0 when it has
// none, before any migration) and the version this build expects, without changing
// anything: it is safe for the serving role, which may not create tables. It returns
// the database's errors.
func (r *Setup) SchemaVersions(ctx context.Context) (current, want int64, err error) {
	s := r.s
	ctx = systemScope(ctx)
	p, err := s.Setup().migrations(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations: %w", err)
	}
	sources := p.ListSources()
	want = sources[len(sources)-1].Version
	var exists bool
	switch s.dialect {
	case Postgres:
		err = s.Setup().schemaDB(ctx).Raw(`SELECT to_regclass(quote_ident(current_schema()) || '.' || ?) IS NOT NULL`,
			SchemaVersionTable).Scan(&exists).Error
	default:
		err = s.Setup().schemaDB(ctx).Raw(`SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`,
			SchemaVersionTable).Scan(&exists).Error
	}
	if err != nil {
		return 0, want, fmt.Errorf("store: find the schema version: %w", err)
	}
	if !exists {
		return 0, want, nil
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, want, fmt.Errorf("store: read the schema version: %w", err)
	}
	return current, want, nil
}

// CheckSchema returns an error matching ErrSchemaVersion, which names the command to
// run, unless the database is at the version of the schema this build expects and, on
// PostgreSQL, its row-level security is as Config.RowLevelSecurity says. It changes
// nothing, so the serving role may run it. It returns the database's errors otherwise.
func (r *Setup) CheckSchema(ctx context.Context) error {
	s := r.s
	current, want, err := s.Setup().SchemaVersions(ctx)
	if err != nil {
		return err
	}
	switch {
	case current == 0:
		return fmt.Errorf("store: %w: the database has no schema yet (version 0, this jiuzhu needs %d); run `jiuzhu migrate up` as the owner role first",
			ErrSchemaVersion, want)
	case current < want:
		return fmt.Errorf("store: %w: the database is at version %d and this jiuzhu needs %d; run `jiuzhu migrate up` as the owner role first",
			ErrSchemaVersion, current, want)
	case current > want:
		return fmt.Errorf("store: %w: the database is at version %d, newer than the %d this jiuzhu knows; run the jiuzhu release that migrated it, or a newer one",
			ErrSchemaVersion, current, want)
	}
	if s.dialect != Postgres {
		return nil
	}
	var state []rlsState
	err = s.Setup().schemaDB(systemScope(ctx)).Raw(rlsStateSQL, rlsPolicy, rlsTables).Scan(&state).Error
	if err != nil {
		return fmt.Errorf("store: check row-level security: %w", err)
	}
	for _, t := range state {
		if len(t.statements(s.rls)) > 0 {
			onOff := map[bool]string{true: "on", false: "off"}
			return fmt.Errorf("store: %w: row-level security on table %s is not as PG_RLS=%s asks; run `jiuzhu migrate up` as the owner role with PG_RLS=%s",
				ErrSchemaVersion, t.Name, onOff[s.rls], onOff[s.rls])
		}
	}
	return nil
}

// MigrateDown takes the database's last version of the schema down, and returns the
// version it was at and the one it is at now. It refuses to take down the first version,
// which would drop every record. It acts for no caller, and returns the database's
// errors.
func (r *Setup) MigrateDown(ctx context.Context) (from, to int64, err error) {
	s := r.s
	ctx = systemScope(ctx)
	current, _, err := s.Setup().SchemaVersions(ctx)
	if err != nil {
		return 0, 0, err
	}
	if current <= firstVersion {
		return current, current, fmt.Errorf("store: the database is at version %d; the first version of the schema is not taken down (it would drop every record)", current)
	}
	p, err := s.Setup().migrations(ctx)
	if err != nil {
		return current, current, fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Down(ctx); err != nil {
		return current, current, fmt.Errorf("store: migrate down from version %d: %w", current, err)
	}
	to, _, err = s.Setup().SchemaVersions(ctx)
	return current, to, err
}

// addMemberSearch is version 11: members carry an optional contact phone, and households
// are found by a member's name (exact or prefix), full ID number or phone. The ID number
// has its unique index already; on PostgreSQL the name's index uses text_pattern_ops, so
// that a prefix search (name LIKE '张%') is an index range scan whatever the database's
// collation, and it serves exact names too. What exists is left alone.
func (r *Setup) addMemberSearch(db *gorm.DB) error {
	column, name := "`phone` text", "CREATE INDEX IF NOT EXISTS `idx_members_name` ON `members`(`name`)"
	if r.s.dialect == Postgres {
		column, name = "phone character varying(20)", "CREATE INDEX IF NOT EXISTS idx_members_name ON members (name text_pattern_ops)"
	}
	if !db.Migrator().HasColumn("members", "phone") {
		if err := db.Exec("ALTER TABLE members ADD COLUMN " + column).Error; err != nil {
			return err
		}
	}
	for _, q := range []string{"CREATE INDEX IF NOT EXISTS idx_members_phone ON members (phone)", name} {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// dropMemberSearch takes version 11 down.
func (r *Setup) dropMemberSearch(db *gorm.DB) error {
	for _, q := range []string{"DROP INDEX IF EXISTS idx_members_name", "DROP INDEX IF EXISTS idx_members_phone", "ALTER TABLE members DROP COLUMN phone"} {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// addReviewDue is version 12: each grant says whether a re-certification is open for it
// (under_review) and when its last one closed (review_anchor), filled from the reviews,
// with the index the daily job reads the grants due by. What exists is left alone.
func (r *Setup) addReviewDue(db *gorm.DB) error {
	boolean, date := "`under_review` numeric NOT NULL DEFAULT false", "`review_anchor` date"
	if r.s.dialect == Postgres {
		boolean, date = "under_review boolean DEFAULT false NOT NULL", "review_anchor date"
	}
	for col, def := range map[string]string{"under_review": boolean, "review_anchor": date} {
		if !db.Migrator().HasColumn("grants", col) {
			if err := db.Exec("ALTER TABLE grants ADD COLUMN " + def).Error; err != nil {
				return err
			}
		}
	}
	for _, q := range []string{
		`UPDATE grants SET under_review = true WHERE EXISTS (SELECT 1 FROM reviews WHERE reviews.grant_id = grants.id AND reviews.status = 'OPEN')`,
		`UPDATE grants SET review_anchor = (SELECT MAX(reviews.closed_on) FROM reviews WHERE reviews.grant_id = grants.id AND reviews.status = 'CLOSED')
		 WHERE EXISTS (SELECT 1 FROM reviews WHERE reviews.grant_id = grants.id AND reviews.status = 'CLOSED')`,
		`CREATE INDEX IF NOT EXISTS idx_grants_review_due ON grants (program_code, under_review, status)`,
	} {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// dropReviewDue takes version 12 down.
func (r *Setup) dropReviewDue(db *gorm.DB) error {
	for _, q := range []string{"DROP INDEX IF EXISTS idx_grants_review_due", "ALTER TABLE grants DROP COLUMN review_anchor", "ALTER TABLE grants DROP COLUMN under_review"} {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// documentWithdrawalColumns are the columns of version 16, in order, with their
// definitions on SQLite and PostgreSQL.
var documentWithdrawalColumns = []struct{ name, sqlite, postgres string }{
	{"withdrawn_at", "`withdrawn_at` datetime", "withdrawn_at timestamp with time zone"},
	{"withdrawn_by", "`withdrawn_by` text", "withdrawn_by character varying(128)"},
	{"withdrawal_reason", "`withdrawal_reason` text", "withdrawal_reason character varying(500)"},
	{"content_swept_at", "`content_swept_at` datetime", "content_swept_at timestamp with time zone"},
}

// addDocumentWithdrawal is version 16: a document attached by mistake is withdrawn (when,
// by whom, why) rather than deleted, and the daily sweep of contents notes when it dealt
// with a withdrawn document's content; the index finds the documents of one content,
// standing or withdrawn. What exists is left alone.
func (r *Setup) addDocumentWithdrawal(db *gorm.DB) error {
	for _, c := range documentWithdrawalColumns {
		if db.Migrator().HasColumn("documents", c.name) {
			continue
		}
		def := c.sqlite
		if r.s.dialect == Postgres {
			def = c.postgres
		}
		if err := db.Exec("ALTER TABLE documents ADD COLUMN " + def).Error; err != nil {
			return err
		}
	}
	return db.Exec("CREATE INDEX IF NOT EXISTS idx_documents_sha256_live ON documents (sha256, withdrawn_at)").Error
}

// dropDocumentWithdrawal takes version 16 down.
func (r *Setup) dropDocumentWithdrawal(db *gorm.DB) error {
	if err := db.Exec("DROP INDEX IF EXISTS idx_documents_sha256_live").Error; err != nil {
		return err
	}
	for i := len(documentWithdrawalColumns) - 1; i >= 0; i-- {
		if err := db.Exec("ALTER TABLE documents DROP COLUMN " + documentWithdrawalColumns[i].name).Error; err != nil {
			return err
		}
	}
	return nil
}

// alertAcknowledgementColumns are the columns of version 19, with their definitions on
// each dialect.
var alertAcknowledgementColumns = []struct{ name, sqlite, postgres string }{
	{"acknowledged_at", "`acknowledged_at` datetime", "acknowledged_at timestamp with time zone"},
	{"acknowledged_by", "`acknowledged_by` text", "acknowledged_by character varying(128)"},
	{"acknowledgement_note", "`acknowledgement_note` text", "acknowledgement_note character varying(500)"},
}

// addAlertAcknowledgement is version 19: an admin of an alert's area acknowledges the
// alert of the status page once, and the alert keeps when, by whom (the subject of the
// admin) and the note. What exists is left alone.
func (r *Setup) addAlertAcknowledgement(db *gorm.DB) error {
	for _, c := range alertAcknowledgementColumns {
		if db.Migrator().HasColumn("status_lookup_alerts", c.name) {
			continue
		}
		def := c.sqlite
		if r.s.dialect == Postgres {
			def = c.postgres
		}
		if err := db.Exec("ALTER TABLE status_lookup_alerts ADD COLUMN " + def).Error; err != nil {
			return err
		}
	}
	return nil
}

// dropAlertAcknowledgement takes version 19 down.
func (r *Setup) dropAlertAcknowledgement(db *gorm.DB) error {
	for i := len(alertAcknowledgementColumns) - 1; i >= 0; i-- {
		c := alertAcknowledgementColumns[i].name
		if !db.Migrator().HasColumn("status_lookup_alerts", c) {
			continue
		}
		if err := db.Exec("ALTER TABLE status_lookup_alerts DROP COLUMN " + c).Error; err != nil {
			return err
		}
	}
	return nil
}

// followMovedHouseholds is version 20: it gives the payees, reviews, the documents of the
// reviews, discovery cases and their visits the area code of their household (or review,
// or case), where a move of the household left them behind. It changes only the rows
// whose code differs, so it may run again.
func followMovedHouseholds(db *gorm.DB) error {
	for _, q := range []string{
		`UPDATE payees SET area_code = (SELECT households.area_code FROM households WHERE households.id = payees.household_id)
		 WHERE area_code <> (SELECT households.area_code FROM households WHERE households.id = payees.household_id)`,
		`UPDATE reviews SET area_code = (SELECT households.area_code FROM households WHERE households.id = reviews.household_id),
		 township = SUBSTR((SELECT households.area_code FROM households WHERE households.id = reviews.household_id), 1, 9) || '000'
		 WHERE area_code <> (SELECT households.area_code FROM households WHERE households.id = reviews.household_id)`,
		`UPDATE documents SET area_code = (SELECT reviews.area_code FROM reviews WHERE reviews.id = documents.record_id)
		 WHERE record = 'REVIEW' AND area_code <> (SELECT reviews.area_code FROM reviews WHERE reviews.id = documents.record_id)`,
		`UPDATE discovery_cases SET area_code = (SELECT households.area_code FROM households WHERE households.id = discovery_cases.household_id)
		 WHERE area_code <> (SELECT households.area_code FROM households WHERE households.id = discovery_cases.household_id)`,
		`UPDATE discovery_visits SET area_code = (SELECT discovery_cases.area_code FROM discovery_cases WHERE discovery_cases.id = discovery_visits.case_id)
		 WHERE area_code <> (SELECT discovery_cases.area_code FROM discovery_cases WHERE discovery_cases.id = discovery_visits.case_id)`,
	} {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
