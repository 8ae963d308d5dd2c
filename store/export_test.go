package store

import (
	"strings"

	"gorm.io/gorm"
)

// deactivate is for tests: it switches a program off as an admin would.
func Deactivate(st *Store, code string) error {
	return st.db.Model(&struct{}{}).Table("programs").Where("code = ?", code).Update("active", false).Error
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
