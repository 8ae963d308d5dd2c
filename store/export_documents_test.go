package store

import "context"

// AdvisoryWaitersUnscoped is for tests: on PostgreSQL it counts the sessions of the
// database that wait for an advisory lock (0 on SQLite).
func AdvisoryWaitersUnscoped(st *Store) (int64, error) {
	if st.dialect != Postgres {
		return 0, nil
	}
	var n int64
	err := st.db.WithContext(systemScope(context.Background())).Raw(
		`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&n).Error
	return n, err
}

// DocumentRowUnscoped is for tests: it returns the row of document id, withdrawn or not,
// in any area.
func DocumentRowUnscoped(st *Store, id string) (*Document, error) {
	var d Document
	err := st.db.WithContext(systemScope(context.Background())).Table("documents").Where("id = ?", id).Take(&d).Error
	return &d, err
}
