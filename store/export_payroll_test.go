package store

import "time"

// SetDBClock makes the store read the time from now, both for its own decisions and for
// the times the database records (created_at, updated_at), so that tests can let months
// pass.
func SetDBClock(st *Store, now func() time.Time) {
	st.now = now
	st.db.Config.NowFunc = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
}
