package store

import (
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// deactivate is for tests: it switches a program off as an admin would.
func Deactivate(st *Store, code string) error {
	defer st.catalogue.reset()
	return st.db.Model(&struct{}{}).Table("programs").Where("code = ?", code).Update("active", false).Error
}

// ReadBothWays reads the rows of table whose household (or, for households, id) is in
// ids, ordered by id, with gorm's Find and with the store's row scanner.
func ReadBothWays[T any](st *Store, table string, ids []string) (byGorm, byScanner []*T, err error) {
	key := table + ".household_id"
	if table == "households" {
		key = table + ".id"
	}
	q := func() *gorm.DB { return st.db.Table(table).Where(key+" IN ?", ids).Order(table + ".id") }
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
	err := st.db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN "+sql, vars...).Scan(&lines).Error
	})
	return strings.Join(lines, "\n"), err
}

// AnalyzeUnscoped refreshes PostgreSQL's statistics and visibility map.
func AnalyzeUnscoped(st *Store) error { return st.db.Exec("VACUUM ANALYZE").Error }

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
	err := st.db.Table("audit_events").Order("created_at").Order("id").Pluck("operation", &ops).Error
	return ops, err
}

// SetCoordinatorThreshold changes the configured coordinator threshold of st.
func SetCoordinatorThreshold(st *Store, n int) { st.coordinatorThreshold = n }

// ExecUnscoped runs a raw statement, as a database user with the application's rights
// would, for tests of what the database itself refuses.
func ExecUnscoped(st *Store, q string, args ...any) error {
	return st.db.Exec(q, args...).Error
}

// SetClock makes the store read the time from now.
func SetClock(st *Store, now func() time.Time) { st.now = now }

// SetProgramActiveBehindTheCache switches a program's active flag in the database
// without telling the store, as an operator's SQL would.
func SetProgramActiveBehindTheCache(st *Store, code string, active bool) error {
	return st.db.Table("programs").Where("code = ?", code).Update("active", active).Error
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
	if err := st.db.Find(&hs).Error; err != nil {
		return nil, err
	}
	t := &Tallies{Households: make(map[string]models.HouseholdTally, len(hs))}
	for _, h := range hs {
		t.Households[h.ID] = h.HouseholdTally
	}
	for _, q := range []any{&t.Programs, &t.Areas, &t.AreaPrograms} {
		if err := st.db.Find(q).Error; err != nil {
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
		if err := st.db.Find(q).Error; err != nil {
			return nil, nil, nil, err
		}
	}
	return hs, ms, gs, nil
}

// DropTalliesUnscoped takes away the households' tally columns and the tallies' tables,
// leaving the schema as it was before them.
func DropTalliesUnscoped(st *Store) error {
	stmts := []string{`DROP TABLE household_programs`, `DROP TABLE area_tallies`, `DROP TABLE area_program_tallies`}
	for _, c := range []string{"member_count", "served", "in_grace", "committed_monthly", "tallied_area"} {
		stmts = append(stmts, "ALTER TABLE households DROP COLUMN "+c)
	}
	for _, q := range stmts {
		if err := st.db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
