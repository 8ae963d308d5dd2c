package store

import "context"

// AnalyzeUnscoped refreshes the planner statistics of PostgreSQL after a bulk load, so
// that aggregates such as AreaStats get hash joins rather than the nested loops a table
// without statistics invites. It does nothing on SQLite. It is for the seed command,
// tests and benchmarks, for no caller.
func (s *Store) AnalyzeUnscoped(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	return wrap("analyze", s.db.WithContext(ctx).Exec("ANALYZE").Error)
}
