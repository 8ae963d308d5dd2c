package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"jiuzhu/auth"
)

// Read replicas (Config.ReadURL). gorm's dbresolver plugin sends every statement that
// only reads (gorm's queries and rows, raw SQL beginning with SELECT) to the replica and
// every write and every transaction to the primary. The replica's side is a replicaPool,
// which sends a read to the primary instead when
//
//   - its caller wrote within Config.ReadAfterWrite (writeLog), so that nobody misses
//     what they just wrote;
//   - the replica is down, or lags further behind than Config.MaxReplicaLag, as the
//     replica monitor last saw it (replicaMonitor, every replicaCheckEvery);
//   - the replica fails the read with a connection error: the read is retried on the
//     primary and the replica counts as down until the monitor sees it answer again.

// Defaults of the replica settings.
const (
	// DefaultReadAfterWrite is Config.ReadAfterWrite when zero.
	DefaultReadAfterWrite = 5 * time.Second
	// DefaultMaxReplicaLag is Config.MaxReplicaLag when zero.
	DefaultMaxReplicaLag = 10 * time.Second
	// replicaCheckEvery is how often the monitor checks the replica.
	replicaCheckEvery = time.Second
)

// ReplicaStatus says how the read replica fares.
type ReplicaStatus struct {
	// Configured is true when the store has a read replica.
	Configured bool
	// Serving is true when reads go to the replica; false when they all go to the primary.
	Serving bool
	// Reason says why the replica is not serving reads, empty when it is.
	Reason string
	// Lag is how far the replica's replay was behind the primary at the last check.
	Lag time.Duration
}

// Replica returns the state of the read replica as last checked. A store without one
// returns the zero ReplicaStatus.
func (r *Pool) Replica() ReplicaStatus {
	s := r.s
	if s.replica == nil {
		return ReplicaStatus{}
	}
	return s.replica.status()
}

// replicaSet is the read-replica side of a store: the replica's pool, the monitor's
// verdict and the callers' recent writes.
type replicaSet struct {
	primary *sql.DB
	replica *sql.DB
	writes  *writeLog
	maxLag  time.Duration
	log     *slog.Logger
	// state is the monitor's last verdict, a *ReplicaStatus.
	state atomic.Pointer[ReplicaStatus]
	// reads counts the reads each side answered, for tests and diagnostics.
	replicaReads, primaryReads atomic.Int64
	stop                       context.CancelFunc
	done                       chan struct{}
}

// openReplica connects to the replica of readURL, registers dbresolver on db so that
// reads go to it, and starts the monitor. It returns an error when the URL is not a
// postgres:// one or dbresolver cannot be registered; a replica that does not answer
// yet is not an error: reads then go to the primary until it does.
func openReplica(db *gorm.DB, primary *sql.DB, cfg Config, log *slog.Logger) (*replicaSet, error) {
	if !strings.HasPrefix(cfg.ReadURL, "postgres://") && !strings.HasPrefix(cfg.ReadURL, "postgresql://") {
		return nil, errors.New("store: DATABASE_READ_URL must be a postgres:// URL")
	}
	replica, err := openPostgresPool(withCustomPlans(cfg.ReadURL), cfg.RowLevelSecurity)
	if err != nil {
		return nil, fmt.Errorf("store: open the read replica: %w", err)
	}
	n := cfg.MaxOpenConns
	if n == 0 {
		n = 20
	}
	replica.SetMaxOpenConns(n)
	replica.SetMaxIdleConns(n)
	replica.SetConnMaxIdleTime(5 * time.Minute)
	window := cfg.ReadAfterWrite
	if window <= 0 {
		window = DefaultReadAfterWrite
	}
	maxLag := cfg.MaxReplicaLag
	if maxLag <= 0 {
		maxLag = DefaultMaxReplicaLag
	}
	rs := &replicaSet{primary: primary, replica: replica, writes: newWriteLog(window), maxLag: maxLag, log: log}
	rs.state.Store(&ReplicaStatus{Configured: true, Reason: "replica not checked yet"})
	err = db.Use(dbresolver.Register(dbresolver.Config{
		Replicas: []gorm.Dialector{postgres.New(postgres.Config{Conn: rs})},
	}))
	if err != nil {
		_ = replica.Close()
		return nil, fmt.Errorf("store: register the read replica: %w", err)
	}
	rs.registerWriteLog(db)
	ctx, cancel := context.WithCancel(context.Background())
	rs.stop, rs.done = cancel, make(chan struct{})
	rs.check(ctx)
	go rs.monitor(ctx)
	return rs, nil
}

// close stops the monitor and closes the replica's connections.
func (rs *replicaSet) close() error {
	rs.stop()
	<-rs.done
	return rs.replica.Close()
}

func (rs *replicaSet) status() ReplicaStatus { return *rs.state.Load() }

// monitor checks the replica every replicaCheckEvery until ctx ends.
func (rs *replicaSet) monitor(ctx context.Context) {
	defer close(rs.done)
	t := time.NewTicker(replicaCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rs.check(ctx)
		}
	}
}

// check asks the replica how far its replay is behind the primary and records the
// verdict. The lag is zero when the replica has replayed all the WAL the primary has
// written, and otherwise the age of the last transaction it replayed; so a replica that
// is idle shows no lag, and one whose replay stopped shows a lag that grows. (A check
// that falls in the moment between a write after a long quiet spell and its replay
// sees the age of the previous transaction, and sends reads to the primary until the
// next check: on the safe side.)
func (rs *replicaSet) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(systemScope(ctx), 2*time.Second)
	defer cancel()
	st := ReplicaStatus{Configured: true}
	defer func() {
		prev := rs.state.Swap(&st)
		if prev.Serving != st.Serving {
			rs.log.Warn("read replica", "serving", st.Serving, "reason", st.Reason)
		}
	}()
	var primaryLSN string
	if err := rs.primary.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&primaryLSN); err != nil {
		st.Reason = "the primary does not answer the replica check"
		return
	}
	var (
		behind   bool
		lagMicro sql.NullInt64
	)
	err := rs.replica.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn() < $1::pg_lsn,
		(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000000)::bigint`, primaryLSN).Scan(&behind, &lagMicro)
	if err != nil {
		st.Reason = "replica unreachable"
		if ctx.Err() == nil && !isConnectionError(err) {
			st.Reason = "replica check failed (is DATABASE_READ_URL a streaming replica?)"
		}
		return
	}
	if behind && lagMicro.Valid {
		st.Lag = time.Duration(lagMicro.Int64) * time.Microsecond
	}
	if st.Lag > rs.maxLag {
		st.Reason = fmt.Sprintf("replica lags %s behind the primary (bound %s)", st.Lag.Round(time.Millisecond), rs.maxLag)
		return
	}
	st.Serving = true
}

// markDown records that the replica failed a read with a connection error, until the
// next check.
func (rs *replicaSet) markDown() {
	rs.state.Store(&ReplicaStatus{Configured: true, Reason: "replica unreachable"})
}

// useReplica reports whether a read of ctx may go to the replica.
func (rs *replicaSet) useReplica(ctx context.Context) bool {
	if !rs.state.Load().Serving {
		return false
	}
	if p, err := auth.FromContext(ctx); err == nil && rs.writes.recent(p.Subject) {
		return false
	}
	return true
}

// ReplicaReads returns how many reads the replica and the primary answered as the
// replica's side (reads that dbresolver sent to the replica and that stayed there or
// went to the primary). A store without a replica returns zeros.
func (r *Pool) ReplicaReads() (replica, primary int64) {
	s := r.s
	if s.replica == nil {
		return 0, 0
	}
	return s.replica.replicaReads.Load(), s.replica.primaryReads.Load()
}

// replicaPool is what dbresolver sees as the replica: it implements gorm.ConnPool and
// picks, for each read, the replica or the primary (useReplica), retrying on the
// primary a read that fails on the replica with a connection error.

// PrepareContext prepares on the primary; the store prepares no statements itself.
func (rs *replicaSet) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return rs.primary.PrepareContext(ctx, query)
}

// ExecContext runs on the primary: dbresolver sends no writes here, and a statement
// that is run with Exec may write.
func (rs *replicaSet) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return rs.primary.ExecContext(ctx, query, args...)
}

// QueryContext runs a read on the replica when useReplica allows, and on the primary
// otherwise or when the replica fails it with a connection error.
func (rs *replicaSet) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if rs.useReplica(ctx) {
		rows, err := rs.replica.QueryContext(ctx, query, args...)
		if err == nil || !(isConnectionError(err) || isReadOnlyError(err)) || ctx.Err() != nil {
			rs.replicaReads.Add(1)
			return rows, err
		}
		rs.log.WarnContext(ctx, "read replica failed a read; reading from the primary", "err", err)
		rs.markDown()
	}
	rs.primaryReads.Add(1)
	return rs.primary.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a single-row read like QueryContext, except that a connection
// error of the replica surfaces only when the row is scanned and cannot be retried; the
// replica then counts as down from the next read on only if the monitor sees it so.
func (rs *replicaSet) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if rs.useReplica(ctx) {
		rs.replicaReads.Add(1)
		return rs.replica.QueryRowContext(ctx, query, args...)
	}
	rs.primaryReads.Add(1)
	return rs.primary.QueryRowContext(ctx, query, args...)
}

// isReadOnlyError reports whether err is PostgreSQL's refusal to write on a standby
// (read_only_sql_transaction), which a read that writes after all gets from the replica.
func isReadOnlyError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "25006"
}

// isConnectionError reports whether err says the database could not be reached or the
// connection broke, rather than that the statement failed.
func isConnectionError(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: the server shuts down or starts.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err)
}

// writeLog remembers when each caller last wrote, for window: reads of a caller who
// wrote more recently go to the primary. Entries older than window are dropped at the
// latest one window after they expire, so its size is bounded by the callers who wrote
// within about two windows.
type writeLog struct {
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	last   map[string]time.Time
	swept  time.Time
}

func newWriteLog(window time.Duration) *writeLog {
	return &writeLog{window: window, now: time.Now, last: map[string]time.Time{}}
}

// record notes that subject wrote now.
func (w *writeLog) record(subject string) {
	now := w.now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last[subject] = now
	if now.Sub(w.swept) >= w.window {
		for s, t := range w.last {
			if now.Sub(t) >= w.window {
				delete(w.last, s)
			}
		}
		w.swept = now
	}
}

// recent reports whether subject wrote within the window.
func (w *writeLog) recent(subject string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.last[subject]
	return ok && w.now().Sub(t) < w.window
}

// len returns the number of entries kept.
func (w *writeLog) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.last)
}

// registerWriteLog records, after every statement that may write (creates, updates,
// deletes, and raw SQL that is not a SELECT, in or out of a transaction), the subject
// of the statement's caller. Recording before a transaction commits only starts the
// window early.
func (rs *replicaSet) registerWriteLog(db *gorm.DB) {
	rec := func(db *gorm.DB) {
		if db.DryRun || db.Statement.Context == nil {
			return
		}
		if p, err := auth.FromContext(db.Statement.Context); err == nil {
			rs.writes.record(p.Subject)
		}
	}
	raw := func(db *gorm.DB) {
		sql := strings.TrimSpace(db.Statement.SQL.String())
		if len(sql) >= 6 && strings.EqualFold(sql[:6], "select") {
			return
		}
		rec(db)
	}
	c := db.Callback()
	_ = c.Create().After("gorm:create").Register("jiuzhu:write_log_create", rec)
	_ = c.Update().After("gorm:update").Register("jiuzhu:write_log_update", rec)
	_ = c.Delete().After("gorm:delete").Register("jiuzhu:write_log_delete", rec)
	_ = c.Raw().After("gorm:raw").Register("jiuzhu:write_log_raw", raw)
}
