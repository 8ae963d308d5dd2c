package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// deactivate is for tests: it switches a program off as an admin would.
func Deactivate(st *Store, code string) error {
	defer st.catalogue.reset()
	return st.db.WithContext(systemScope(context.Background())).Model(&struct{}{}).Table("programs").Where("code = ?", code).Update("active", false).Error
}

// ReadBothWays reads the rows of table whose household (or, for households, id) is in
// ids, ordered by id, with gorm's Find and with the store's row scanner.
func ReadBothWays[T any](st *Store, table string, ids []string) (byGorm, byScanner []*T, err error) {
	key := table + ".household_id"
	if table == "households" {
		key = table + ".id"
	}
	db := st.db.WithContext(systemScope(context.Background()))
	q := func() *gorm.DB { return db.Table(table).Where(key+" IN ?", ids).Order(table + ".id") }
	if err := q().Find(&byGorm).Error; err != nil {
		return nil, nil, err
	}
	scan, err := scannerFor[T](st.db, table)
	if err != nil {
		return nil, nil, err
	}
	byScanner, err = scan.find(q())
	return byGorm, byScanner, err
}

// ExplainUnscoped returns PostgreSQL's plan of a statement the store ran, with
// sequential scans disabled so that the plan shows whether an index can serve it.
func ExplainUnscoped(st *Store, sql string, vars ...any) (string, error) {
	var lines []string
	err := st.db.WithContext(systemScope(context.Background())).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN "+sql, vars...).Scan(&lines).Error
	})
	return strings.Join(lines, "\n"), err
}

// AnalyzeUnscoped refreshes PostgreSQL's statistics and visibility map.
func AnalyzeUnscoped(st *Store) error {
	return analyzeOwnTables(st.db.WithContext(systemScope(context.Background())), st.dialect, "VACUUM ANALYZE")
}

// CountStatements makes st count every SQL statement it runs from now on and returns
// the counter. It is for tests that show how many statements an operation costs.
// Statements only built, not run (sub-queries rendered into another), do not count.
func CountStatements(st *Store) *atomic.Int64 {
	n := new(atomic.Int64)
	count := func(db *gorm.DB) {
		if !db.DryRun && db.Error == nil {
			n.Add(1)
		}
	}
	cb := st.db.Callback()
	_ = cb.Query().After("gorm:query").Register("test:count_query", count)
	_ = cb.Row().After("gorm:row").Register("test:count_row", count)
	_ = cb.Raw().After("gorm:raw").Register("test:count_raw", count)
	_ = cb.Create().After("gorm:create").Register("test:count_create", count)
	_ = cb.Update().After("gorm:update").Register("test:count_update", count)
	_ = cb.Delete().After("gorm:delete").Register("test:count_delete", count)
	return n
}

// AuditOps returns the operation names of the audit trail, oldest first, for no caller.
func AuditOps(st *Store) ([]string, error) {
	var ops []string
	err := st.db.WithContext(systemScope(context.Background())).Table("audit_events").Order("created_at").Order("id").Pluck("operation", &ops).Error
	return ops, err
}

// ExecUnscoped runs a raw statement, as a database user with the application's rights
// would, for tests of what the database itself refuses. Under row-level security it
// sees every area.
func ExecUnscoped(st *Store, q string, args ...any) error {
	return st.db.WithContext(systemScope(context.Background())).Exec(q, args...).Error
}

// CountWithoutScope counts the rows of table with a statement that lacks the store's
// scope predicate, run through the store's connections with ctx's caller, in a
// transaction when tx is true: what a query that forgot sc.rows would see. Under
// row-level security the policy still limits it.
func CountWithoutScope(ctx context.Context, st *Store, table string, tx bool) (int64, error) {
	var n int64
	q := "SELECT count(*) FROM " + table
	db := st.db.WithContext(ctx)
	if !tx {
		return n, db.Raw(q).Scan(&n).Error
	}
	err := db.Transaction(func(tx *gorm.DB) error { return tx.Raw(q).Scan(&n).Error })
	return n, err
}

// ExecWithoutScope runs a raw statement through the store's connections with ctx's
// caller, without the store's scope checks; in a transaction when tx is true.
func ExecWithoutScope(ctx context.Context, st *Store, tx bool, q string, args ...any) error {
	db := st.db.WithContext(ctx)
	if !tx {
		return db.Exec(q, args...).Error
	}
	return db.Transaction(func(tx *gorm.DB) error { return tx.Exec(q, args...).Error })
}

// AcrossAreas runs count inside a transaction of ctx's caller, first within
// acrossAreas and then after it, and returns both counts of table without the store's
// scope predicate: under row-level security the first sees every area and the second
// the caller's again.
func AcrossAreas(ctx context.Context, st *Store, table string) (inside, after int64, err error) {
	err = st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := "SELECT count(*) FROM " + table
		if err := (&Writer{s: st, tx: tx}).acrossAreas(func() error { return tx.Raw(q).Scan(&inside).Error }); err != nil {
			return err
		}
		return tx.Raw(q).Scan(&after).Error
	})
	return inside, after, err
}

// RLSTables returns the tables under row-level security.
func RLSTables() []string { return append([]string(nil), rlsTables...) }

// CountInRangeUnscoped counts the rows of table whose area_code lies in [lo, hi], for no
// caller.
func CountInRangeUnscoped(st *Store, table, lo, hi string) (int64, error) {
	var n int64
	err := st.db.WithContext(systemScope(context.Background())).Table(table).
		Where("area_code BETWEEN ? AND ?", lo, hi).Count(&n).Error
	return n, err
}

// RLSStateUnscoped returns, for each table of the schema that has row-level security
// enabled or a policy, "enabled", "forced" and "policy" as they apply.
func RLSStateUnscoped(st *Store) (map[string][]string, error) {
	var rows []rlsState
	err := st.db.WithContext(systemScope(context.Background())).Raw(`SELECT c.relname AS name, c.relrowsecurity AS enabled,
  c.relforcerowsecurity AS forced, p.oid IS NOT NULL AS has_policy
FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = ?
WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r'
  AND (c.relrowsecurity OR c.relforcerowsecurity OR p.oid IS NOT NULL)`, rlsPolicy).Scan(&rows).Error
	out := map[string][]string{}
	for _, r := range rows {
		var s []string
		if r.Enabled {
			s = append(s, "enabled")
		}
		if r.Forced {
			s = append(s, "forced")
		}
		if r.HasPolicy {
			s = append(s, "policy")
		}
		out[r.Name] = s
	}
	return out, err
}

// ExplainAs returns PostgreSQL's plan of sql as it would run for ctx's caller, with the
// caller's row-level security range set, so that the planner estimates with it; with
// sequential scans disabled when noSeqScan is true.
func ExplainAs(ctx context.Context, st *Store, noSeqScan bool, sql string, vars ...any) (string, error) {
	var lines []string
	err := st.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if noSeqScan {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
		}
		return tx.Raw("EXPLAIN "+sql, vars...).Scan(&lines).Error
	})
	return strings.Join(lines, "\n"), err
}

// SeenWithoutScope counts the rows of table that a statement without the store's scope
// predicate reaches for ctx's caller, through each path of the store's connections:
// "query" reads the rows one by one (QueryContext), "row" counts them in one row
// (QueryRowContext), "exec" runs the query as a statement whose result is only the
// number of rows (ExecContext), and "tx" reads them in a transaction.
func SeenWithoutScope(ctx context.Context, st *Store, table, path string) (int64, error) {
	db := st.db.WithContext(ctx)
	switch path {
	case "query", "tx":
		var n int64
		read := func(db *gorm.DB) error {
			rows, err := db.Raw("SELECT area_code FROM " + table).Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				n++
			}
			return rows.Err()
		}
		if path == "query" {
			return n, read(db)
		}
		return n, db.Transaction(read)
	case "row":
		var n int64
		err := db.Raw("SELECT count(*) FROM " + table).Row().Scan(&n)
		return n, err
	case "exec":
		res := db.Exec("SELECT area_code FROM " + table)
		return res.RowsAffected, res.Error
	}
	return 0, fmt.Errorf("no path %q", path)
}

// SetClock makes the store read the time from now.
func SetClock(st *Store, now func() time.Time) { st.now = now }

// SetProgramActiveBehindTheCache switches a program's active flag in the database
// without telling the store, as an operator's SQL would.
func SetProgramActiveBehindTheCache(st *Store, code string, active bool) error {
	return st.db.WithContext(systemScope(context.Background())).Table("programs").Where("code = ?", code).Update("active", active).Error
}

// Tallies is what the store keeps for the dashboards, as stored.
type Tallies struct {
	Households   map[string]models.HouseholdTally
	Programs     []models.HouseholdProgram
	Areas        []models.AreaTally
	AreaPrograms []models.AreaProgramTally
}

// TalliesUnscoped returns, for no caller, the tally of every household by id, every row
// of the households' programs and every village's tallies.
func TalliesUnscoped(st *Store) (*Tallies, error) {
	var hs []models.Household
	if err := st.db.WithContext(systemScope(context.Background())).Find(&hs).Error; err != nil {
		return nil, err
	}
	t := &Tallies{Households: make(map[string]models.HouseholdTally, len(hs))}
	for _, h := range hs {
		t.Households[h.ID] = h.HouseholdTally
	}
	for _, q := range []any{&t.Programs, &t.Areas, &t.AreaPrograms} {
		if err := st.db.WithContext(systemScope(context.Background())).Find(q).Error; err != nil {
			return nil, err
		}
	}
	return t, nil
}

// RecordsUnscoped returns every household, member and grant, for no caller.
func RecordsUnscoped(st *Store) ([]models.Household, []models.Member, []models.Grant, error) {
	var hs []models.Household
	var ms []models.Member
	var gs []models.Grant
	for _, q := range []any{&hs, &ms, &gs} {
		if err := st.db.WithContext(systemScope(context.Background())).Find(q).Error; err != nil {
			return nil, nil, nil, err
		}
	}
	return hs, ms, gs, nil
}

// DropTalliesUnscoped takes away the households' tally columns and the tallies' tables,
// and the record of the schema's versions, leaving the database as one created before
// both looks.
func DropTalliesUnscoped(st *Store) error {
	stmts := []string{`DROP TABLE ` + SchemaVersionTable, `DROP TABLE household_programs`, `DROP TABLE area_tallies`, `DROP TABLE area_program_tallies`}
	for _, c := range []string{"member_count", "served", "in_grace", "committed_monthly", "tallied_area"} {
		stmts = append(stmts, "ALTER TABLE households DROP COLUMN "+c)
	}
	for _, q := range stmts {
		if err := st.db.WithContext(systemScope(context.Background())).Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}

// AuditDigest returns the digest the audit trail keeps of v, under st's database key.
func AuditDigest(st *Store, v any) (string, error) {
	var out string
	err := st.db.WithContext(systemScope(context.Background())).Transaction(func(tx *gorm.DB) error {
		d, err := st.Audit().digester(tx)
		if err == nil {
			out = d(v)
		}
		return err
	})
	return out, err
}

// AutoMigrateModelsUnscoped creates, on an empty database, the tables that gorm derives
// from the models (and the audit key's), as the store did before versioned migrations:
// the reference that the embedded migrations must match.
func AutoMigrateModelsUnscoped(st *Store) error {
	return st.db.WithContext(systemScope(context.Background())).AutoMigrate(append(models.All(), &auditKeyRow{}, &derivedRefreshRow{}, &Notification{}, &StatusLookup{}, &Document{},
		&models.DiscoveryCase{}, &models.DiscoveryVisit{}, &models.Review{}, &StatusAlert{}, &jobMark{})...)
}

// SchemaUnscoped describes the tables of st's schema, other than the version table:
// for each table, one line per column (name, type, length, nullability, primary key,
// default) and per index (name, columns, uniqueness), sorted.
func SchemaUnscoped(st *Store) (map[string][]string, error) {
	m := st.db.WithContext(systemScope(context.Background())).Migrator()
	tables, err := m.GetTables()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range tables {
		if t == SchemaVersionTable || t == "sqlite_sequence" { // the version table's counter on SQLite
			continue
		}
		cols, err := m.ColumnTypes(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		var lines []string
		for _, c := range cols {
			length, _ := c.Length()
			nullable, _ := c.Nullable()
			pk, _ := c.PrimaryKey()
			def, _ := c.DefaultValue()
			lines = append(lines, fmt.Sprintf("column %s %s(%d) null=%v pk=%v default=%q",
				c.Name(), strings.ToLower(c.DatabaseTypeName()), length, nullable, pk, def))
		}
		idx, err := m.GetIndexes(t)
		if err != nil {
			return nil, fmt.Errorf("%s indexes: %w", t, err)
		}
		for _, i := range idx {
			unique, _ := i.Unique()
			pk, _ := i.PrimaryKey()
			if pk {
				continue // the primary key's columns are shown with the columns
			}
			lines = append(lines, fmt.Sprintf("index %s (%s) unique=%v", i.Name(), strings.Join(i.Columns(), ","), unique))
		}
		slices.Sort(lines)
		out[t] = lines
	}
	return out, nil
}

// SetWholePayrollLookup makes LinesByReference of st read the whole payroll from n
// references on, instead of wholePayrollLookup.
func SetWholePayrollLookup(st *Store, n int) { st.wholePayrollLookup = n }

// CountWhereUnscoped counts the rows of table that match where, for no caller.
func CountWhereUnscoped(st *Store, table, where string, args ...any) (int64, error) {
	var n int64
	err := st.db.WithContext(systemScope(context.Background())).Table(table).Where(where, args...).Count(&n).Error
	return n, err
}

// FollowMovedHouseholdsUnscoped runs the step of version 20, for no caller.
func FollowMovedHouseholdsUnscoped(st *Store) error {
	return followMovedHouseholds(st.db.WithContext(systemScope(context.Background())))
}
