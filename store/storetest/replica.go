package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// EnvReplicaPort names the variable that gives StartReplica its port; unset, it takes
// a free one.
const EnvReplicaPort = "TEST_REPLICA_PORT"

// Replica is a streaming replica of TEST_DATABASE_URL's server that StartReplica made
// with pg_basebackup in a temporary directory and runs with pg_ctl as the OS user
// postgres.
type Replica struct {
	bin, dir, port string
	running        bool
}

// StartReplica makes a streaming replica of TEST_DATABASE_URL's server, starts it and
// waits until it accepts connections; it is stopped and removed when tb ends. It skips tb
// when TEST_DATABASE_URL is not set, when PostgreSQL's server programs
// (/usr/lib/postgresql/*/bin) or the OS user postgres are missing, or when the server
// refuses the replication connection (pg_hba.conf needs "host replication all
// 127.0.0.1/32 trust", which .ci/run adds); it fails tb on other errors.
func StartReplica(tb testing.TB) *Replica {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		tb.Skipf("storetest: %s is not set", EnvURL)
	}
	bin := serverBin()
	if bin == "" {
		tb.Skip("storetest: no PostgreSQL server programs in /usr/lib/postgresql/*/bin")
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		tb.Skip("storetest: no OS user postgres to run a replica as")
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", EnvURL, err)
	}
	port := os.Getenv(EnvReplicaPort)
	if port == "" {
		port = freePort(tb)
	}
	dir, err := os.MkdirTemp("", "jiuzhu-replica-")
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	r := &Replica{bin: bin, dir: dir, port: port}
	tb.Cleanup(func() {
		if r.running {
			_, _ = r.pgctl("-m", "immediate", "stop")
		}
		_ = os.RemoveAll(dir)
	})
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	// The replica's settings that hot standby requires to be at least the primary's.
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	var conf strings.Builder
	for _, name := range []string{"max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction"} {
		var v string
		if err := db.QueryRow("SELECT current_setting($1)", name).Scan(&v); err != nil {
			tb.Fatalf("storetest: read %s: %v", name, err)
		}
		fmt.Fprintf(&conf, "%s = %s\n", name, v)
	}
	host, pport := u.Hostname(), u.Port()
	if pport == "" {
		pport = "5432"
	}
	out, err := r.asPostgres(filepath.Join(bin, "pg_basebackup"), "-h", host, "-p", pport, "-U", u.User.Username(),
		"-D", filepath.Join(dir, "data"), "-R", "-X", "stream", "-c", "fast", "--no-sync")
	if err != nil {
		if strings.Contains(out, "replication connection") || strings.Contains(out, "pg_hba.conf") {
			tb.Skipf("storetest: the server refuses replication from %s (add \"host replication all 127.0.0.1/32 trust\" to pg_hba.conf): %s", host, out)
		}
		tb.Fatalf("storetest: pg_basebackup: %v: %s", err, out)
	}
	fmt.Fprintf(&conf, "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nhot_standby = on\nshared_buffers = 16MB\nfsync = off\n"+
		"hot_standby_feedback = on\ninclude_if_exists = 'postgresql.auto.conf'\n", port, dir)
	files := map[string]string{
		"postgresql.conf": conf.String(),
		"pg_hba.conf":     "local all all trust\nhost all all 127.0.0.1/32 trust\n",
		"pg_ident.conf":   "",
	}
	for name, text := range files {
		path := filepath.Join(dir, "data", name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		_ = os.Chown(path, uid, gid)
	}
	r.Start(tb)
	return r
}

// URL returns primaryURL pointed at the replica: the same database, user and settings
// on the replica's port.
func (r *Replica) URL(tb testing.TB, primaryURL string) string {
	tb.Helper()
	u, err := url.Parse(primaryURL)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	u.Host = net.JoinHostPort("127.0.0.1", r.port)
	return u.String()
}

// Start starts the replica and waits until it accepts connections.
func (r *Replica) Start(tb testing.TB) {
	tb.Helper()
	if out, err := r.asPostgres(filepath.Join(r.bin, "pg_ctl"), "-D", filepath.Join(r.dir, "data"),
		"-l", filepath.Join(r.dir, "log"), "-w", "-t", "120", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(r.dir, "log"))
		tb.Fatalf("storetest: start the replica: %v: %s\n%s", err, out, log)
	}
	r.running = true
}

// Stop stops the replica at once (immediate shutdown), as a crash would.
func (r *Replica) Stop(tb testing.TB) {
	tb.Helper()
	if out, err := r.pgctl("-m", "immediate", "stop"); err != nil {
		tb.Fatalf("storetest: stop the replica: %v: %s", err, out)
	}
	r.running = false
}

// Exec runs a statement on the replica as TEST_DATABASE_URL's user, such as
// "SELECT pg_wal_replay_pause()".
func (r *Replica) Exec(tb testing.TB, query string) {
	tb.Helper()
	db, err := sql.Open("pgx", r.URL(tb, os.Getenv(EnvURL)))
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query); err != nil {
		tb.Fatalf("storetest: on the replica, %s: %v", query, err)
	}
}

func (r *Replica) pgctl(args ...string) (string, error) {
	return r.asPostgres(filepath.Join(r.bin, "pg_ctl"), append([]string{"-D", filepath.Join(r.dir, "data")}, args...)...)
}

// asPostgres runs a program as the OS user postgres (directly when the tests run as it).
func (r *Replica) asPostgres(prog string, args ...string) (string, error) {
	var cmd *exec.Cmd
	if cur, err := user.Current(); err == nil && cur.Username == "postgres" {
		cmd = exec.Command(prog, args...)
	} else {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// serverBin returns the newest /usr/lib/postgresql/*/bin that holds pg_basebackup,
// initdb and pg_ctl, or "".
func serverBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		ok := true
		for _, p := range []string{"pg_basebackup", "initdb", "pg_ctl"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				ok = false
			}
		}
		if ok {
			return d
		}
	}
	return ""
}

// freePort returns a TCP port of 127.0.0.1 that nothing listens on now.
func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
