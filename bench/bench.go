// Package bench is jiuzhu's city-scale benchmark: it loads a Dezhou-scale dataset into
// PostgreSQL with COPY, starts the real server (as a child process, in-process, or uses
// one at a URL), drives a fixed mix of dashboard queries from concurrent clients, and
// compares the county list with the same data fetched by hand-written SQL.
//
// It writes into the database it is given: run it only against a database of its own.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/cputime"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/store"
)

// pageSize is the county list's page: fifty households.
const pageSize = 50

// Options configures a run.
type Options struct {
	// DatabaseURL is the PostgreSQL database to load and query (required).
	DatabaseURL string
	// Households is the size of the dataset; about 3 members and 2 grants come with each.
	Households int
	// Reload reloads the dataset even when the database already holds one of that size.
	Reload bool
	// Clients is the number of concurrent clients; Duration and Warmup the length of
	// each measured phase and of the unmeasured warm-up before it.
	Clients          int
	Duration, Warmup time.Duration
	// URL is the address of a running server (its /graphql); empty starts one.
	URL string
	// Secret signs the tokens; required with URL, generated otherwise.
	Secret string
	// ServerCommand starts the server as a child process (with --listen and --log-level
	// appended, DATABASE_URL and JWT_SECRET in its environment), so that its memory is
	// measured alone. Empty runs the server in this process.
	ServerCommand []string
	// ServerPID is the process whose memory is reported with URL; 0 reports none.
	ServerPID int
	// MaxConns is the database pool of an in-process server; 0 keeps the default.
	MaxConns int
	Out      io.Writer
}

// Run loads the dataset if needed and runs the benchmark. It returns an error when the
// database cannot be loaded, the server does not start, or a phase has failed requests.
func Run(ctx context.Context, o Options) error {
	if !strings.HasPrefix(o.DatabaseURL, "postgres://") && !strings.HasPrefix(o.DatabaseURL, "postgresql://") {
		return errors.New("bench: --database-url must be a postgres:// URL of a database for the benchmark")
	}
	if o.Households <= 0 || o.Clients <= 0 || o.Duration <= 0 {
		return errors.New("bench: --households, --clients and --duration must be positive")
	}
	if o.URL != "" && o.Secret == "" {
		return errors.New("bench: --jwt-secret is required with --url")
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	out := o.Out
	tree := division.Dezhou()
	fmt.Fprintf(out, "# jiuzhu city-scale benchmark\nmachine: %d CPUs (GOMAXPROCS %d), %s/%s, %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	if err := load(ctx, o, tree); err != nil {
		return err
	}
	pcfg, err := pgxpool.ParseConfig(o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	// The hand-written SQL gets the store's planning: custom plans for every execution.
	pcfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pcfg.MaxConns = int32(max(4, o.Clients))
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer pool.Close()

	if o.Secret == "" {
		buf := make([]byte, 32)
		_, _ = rand.Read(buf)
		o.Secret = hex.EncodeToString(buf)
	}
	verifier, err := auth.NewVerifier(auth.Config{Secret: []byte(o.Secret)}, tree)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, o, tree, verifier)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "server: %s\n", srv.describe)

	w, err := newWorkload(ctx, pool, tree, verifier, srv.url)
	if err != nil {
		return err
	}
	if err := w.checkSame(ctx, handWritten{pool: pool}, oneStatement{pool: pool}); err != nil {
		return err
	}
	fmt.Fprintf(out, "check: the GraphQL county list, the three hand-written statements and the one hand-written statement return the same %d pages\n", len(w.checked))

	rss := startRSS(srv.pid)
	var cpu0 cpuTimes
	measureFrom := func() { cpu0 = takeCPU(ctx, pool, srv.pid) }
	gql := w.run(ctx, o, w.mix()[:1], measureFrom)
	cpuList := takeCPU(ctx, pool, srv.pid).since(cpu0)
	fmt.Fprintf(out, "\n## GraphQL county list (%d households with members, grants and programs), %d clients, %s\n", pageSize, o.Clients, o.Duration)
	gql.notes = nil
	gql.print(out)
	if n := len(gql.ops["countyList"].d); n > 0 && srv.pid != 0 && srv.pid != os.Getpid() {
		fmt.Fprintf(out, "CPU per county list: server %s, PostgreSQL %s, benchmark clients %s (user+system time over the measured part of the phase / its requests)\n",
			perRequest(cpuList.server, n), perRequest(cpuList.db, n), perRequest(cpuList.self, n))
	}

	bl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	blSrv := &http.Server{Handler: handWritten{pool: pool}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = blSrv.Serve(bl) }()
	defer blSrv.Close()
	base := w.run(ctx, o, []op{w.sqlList("http://" + bl.Addr().String() + "/")}, measureFrom)
	cpuBase := takeCPU(ctx, pool, srv.pid).since(cpu0)
	fmt.Fprintf(out, "\n## The same county list by hand-written SQL (pgx, encoding/json, over HTTP), %d clients, %s\n", o.Clients, o.Duration)
	base.notes = nil
	base.print(out)
	if n := len(base.ops["sqlCountyList"].d); n > 0 {
		fmt.Fprintf(out, "CPU per county list: PostgreSQL %s, benchmark process (clients and the hand-written server) %s\n",
			perRequest(cpuBase.db, n), perRequest(cpuBase.self, n))
	}

	ol, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	olSrv := &http.Server{Handler: oneStatement{pool: pool}, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = olSrv.Serve(ol) }()
	defer olSrv.Close()
	one := w.run(ctx, o, []op{w.sqlListAs("oneStatementCountyList", "http://"+ol.Addr().String()+"/")}, measureFrom)
	cpuOne := takeCPU(ctx, pool, srv.pid).since(cpu0)
	fmt.Fprintf(out, "\n## The same county list by one hand-written statement returning the JSON document (pgx, over HTTP), %d clients, %s\n", o.Clients, o.Duration)
	one.notes = nil
	one.print(out)
	if n := len(one.ops["oneStatementCountyList"].d); n > 0 {
		fmt.Fprintf(out, "CPU per county list: PostgreSQL %s, benchmark process (clients and the hand-written server) %s\n",
			perRequest(cpuOne.db, n), perRequest(cpuOne.self, n))
	}

	mixed := w.run(ctx, o, w.mix(), nil)
	fmt.Fprintf(out, "\n## GraphQL mix, %d clients, %s\n", o.Clients, o.Duration)
	mixed.print(out)
	peak, hwm := rss.stop()
	if srv.pid != 0 {
		fmt.Fprintf(out, "\nserver memory over the GraphQL phases: peak sampled VmRSS %s, VmHWM %s (%s)\n", mib(peak), mib(hwm), srv.describe)
	}

	g, s := gql.ops["countyList"], base.ops["sqlCountyList"]
	if g != nil && s != nil && s.mean() > 0 {
		fmt.Fprintf(out, "\ncounty list, GraphQL / hand-written SQL: mean latency %.2f×, p50 %.2f×, p99 %.2f× (target ≤ 1.3×)\n",
			g.mean().Seconds()/s.mean().Seconds(), ratio(g.pct(50), s.pct(50)), ratio(g.pct(99), s.pct(99)))
	}
	if c := one.ops["oneStatementCountyList"]; g != nil && c != nil && len(c.d) > 0 {
		fmt.Fprintf(out, "county list, GraphQL / one hand-written statement (the ceiling): %.0f / %.0f req/s = %.0f%% of the ceiling; p99 %.2f×\n",
			float64(len(g.d))/gql.elapsed.Seconds(), float64(len(c.d))/one.elapsed.Seconds(),
			100*float64(len(g.d))/float64(len(c.d))*one.elapsed.Seconds()/gql.elapsed.Seconds(), ratio(g.pct(99), c.pct(99)))
	}
	if n := gql.errors + base.errors + one.errors + mixed.errors; n > 0 {
		return fmt.Errorf("bench: %d failed requests; first: %v", n, firstErr(gql, base, one, mixed))
	}
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return a.Seconds() / b.Seconds()
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB" }

// server is the server under test.
type server struct {
	url, describe string
	pid           int
	stop          func()
}

func startServer(ctx context.Context, o Options, tree *division.Tree, v *auth.Verifier) (*server, error) {
	if o.URL != "" {
		return &server{url: o.URL, describe: "at " + o.URL, pid: o.ServerPID, stop: func() {}}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	base := "http://" + addr
	if len(o.ServerCommand) == 0 {
		st, err := store.Open(ctx, store.Config{DatabaseURL: o.DatabaseURL, MaxOpenConns: o.MaxConns, Rules: casework.DefaultRules()}, tree)
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		hs := &http.Server{Handler: httpapi.New(httpapi.Options{Store: st, Verifier: v, Introspection: true}), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		return &server{url: base + "/graphql", describe: "in this process at " + base, pid: os.Getpid(), stop: func() {
			_ = hs.Close()
			_ = st.Close()
		}}, nil
	}
	_ = ln.Close()
	cmd := exec.Command(o.ServerCommand[0], append(o.ServerCommand[1:], "--listen", addr, "--log-level", "warn")...)
	// The benchmark reads the schema to find its queries, and one client subject drives
	// far more than a person's rate limit.
	cmd.Env = append(os.Environ(), "DATABASE_URL="+o.DatabaseURL, "JWT_SECRET="+o.Secret,
		"GRAPHQL_INTROSPECTION=on", "RATE_LIMIT_RPS=0")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return nil, fmt.Errorf("bench: the server did not become ready: %s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &server{url: base + "/graphql", describe: fmt.Sprintf("child process %d at %s (%s)", cmd.Process.Pid, base, strings.Join(o.ServerCommand, " ")),
		pid: cmd.Process.Pid, stop: stop}, nil
}

// rssSampler samples a process's resident memory every 50 ms.
type rssSampler struct {
	pid     int
	peak    int64
	done    chan struct{}
	stopped chan struct{}
}

func startRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procStatus(pid, "VmRSS"); v > s.peak {
				s.peak = v
			}
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop returns the peak sampled VmRSS and the process's VmHWM, in bytes.
func (s *rssSampler) stop() (peak, hwm int64) {
	close(s.done)
	<-s.stopped
	return s.peak, procStatus(s.pid, "VmHWM")
}

// procStatus reads a "kB" field of /proc/PID/status, in bytes; 0 when unknown.
func procStatus(pid int, field string) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTimes is the CPU time used so far by the server process, by the PostgreSQL backends
// of the benchmark's database, and by this process.
type cpuTimes struct {
	server, db, self time.Duration
	backends         map[int]time.Duration
}

// takeCPU reads the CPU times now. PostgreSQL runs on this machine; its backends are the
// client connections to the database of pool, found in pg_stat_activity (autovacuum
// workers, which a fresh load may set off, are not counted).
func takeCPU(ctx context.Context, pool *pgxpool.Pool, serverPID int) cpuTimes {
	t := cpuTimes{backends: map[int]time.Duration{}}
	if serverPID != os.Getpid() {
		t.server = cputime.Process(serverPID)
	}
	t.self = cputime.Self()
	rows, err := pool.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'")
	if err != nil {
		return t
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return t
	}
	for _, pid := range pids {
		c := cputime.Process(pid)
		t.backends[pid] = c
		t.db += c
	}
	return t
}

// since returns the CPU used between start and t. A backend that started in between
// counts whole; one that ended in between is lost, which the pools, keeping their
// connections, make rare.
func (t cpuTimes) since(start cpuTimes) cpuTimes {
	d := cpuTimes{server: t.server - start.server, self: t.self - start.self}
	for pid, c := range t.backends {
		d.db += c - start.backends[pid]
	}
	return d
}

// perRequest formats d divided by n requests in milliseconds.
func perRequest(d time.Duration, n int) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000/float64(n), 'f', 2, 64) + " ms"
}
