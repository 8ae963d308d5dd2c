package importer_test

import (
	"database/sql"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to find the database's backends

	"jiuzhu/cputime"
	"jiuzhu/store/storetest"
)

// cpuClock measures CPU time spent by this process and by the PostgreSQL backends of the
// test database, so that a benchmark on a shared machine can say how much work an import
// costs apart from how long it waited for a core.
type cpuClock struct {
	db *sql.DB
}

func newCPUClock() *cpuClock {
	c := &cpuClock{}
	if u := os.Getenv(storetest.EnvURL); u != "" {
		c.db, _ = sql.Open("pgx", u)
	}
	return c
}

// read returns this process's CPU time and the summed CPU time of the database's other
// backends (PostgreSQL runs on this machine; /proc tells their ticks).
func (c *cpuClock) read() (self, db time.Duration) {
	self = cputime.Self()
	if c.db == nil {
		return self, 0
	}
	rows, err := c.db.Query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return self, 0
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			db += cputime.Process(pid)
		}
	}
	return self, db
}
