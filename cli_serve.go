package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"jiuzhu/auth"
	"jiuzhu/dashboard"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/telemetry"
)

func (c *cli) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GraphQL API, GraphiQL and the dashboard (the default command)",
		Long: `Serve the GraphQL API at /graphql, GraphiQL at / and the dashboard at /dashboard/.

Without DATABASE_URL it serves the demo: the embedded SQLite file in --data-dir, seeded
with DEMO_HOUSEHOLDS households on first run, and a JWT secret generated and kept beside
it; it prints one demo token per tier. With DATABASE_URL (PostgreSQL) it seeds nothing,
prints no tokens and requires JWT_SECRET (or JWT_ALGORITHMS without HS256).`,
		Example: `  jiuzhu serve
  jiuzhu serve --listen 0.0.0.0:8080 --data-dir /var/lib/jiuzhu
  DATABASE_URL='postgres://jiuzhu_app@db:5432/jiuzhu' JWT_SECRET=... jiuzhu serve`,
		Args: noArgs,
		RunE: c.runServe,
	}
	c.listenFlag(cmd)
	return cmd
}

// listenFlag adds --listen, which the root command takes too.
func (c *cli) listenFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.listenAddr, "listen", defaultListenAddr, "address to listen on (env LISTEN_ADDR)")
}

func (c *cli) runServe(cmd *cobra.Command, _ []string) error {
	return serve(cmd.Context(), c.config(cmd), c.out)
}

func serve(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.rateLimitErr != nil {
		return cfg.rateLimitErr
	}
	log := newLogger(cfg, out)
	gogc, memLimit := tuneGC()
	log.Info("garbage collector", "GOGC", gogc, "GOMEMLIMIT_MiB", memLimit>>20)
	verifier, generated, err := newVerifier(cfg)
	if err != nil {
		return err
	}
	if cfg.tracing, err = telemetry.StartTracing(ctx); err != nil {
		return err
	}
	if cfg.tracing != nil {
		log.Info("tracing: exporting spans by OTLP over HTTP")
		defer func() {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := cfg.tracing.Shutdown(shutdownCtx); err != nil {
				log.Warn("tracing: the last spans were not exported", "err", err)
			}
		}()
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if generated {
		log.Info("generated a JWT secret for the demo and kept it beside the SQLite file",
			"file", filepath.Join(cfg.dataDir, "jwt-secret"))
	}
	if cfg.demo() {
		if empty, err := st.Setup().IsEmptyUnscoped(ctx); err != nil {
			return err
		} else if empty {
			if err := seedDemo(ctx, st, cfg.demoHouseholds, out); err != nil {
				return err
			}
		}
	}
	stopNotifier, err := startNotifier(ctx, st, log) // delivers the outbox (cli_notify.go)
	if err != nil {
		return err
	}
	defer stopNotifier()
	docs, docMax, err := documentStore(cfg.dataDir) // supporting documents (cli_documents.go)
	if err != nil {
		return err
	}
	compiledReads, err := cfg.compiledReadsOn()
	if err != nil {
		return err
	}
	introspection, err := cfg.introspectionOn()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listenAddr)
	if err != nil {
		return err
	}
	var demoTokens, offered []dashboard.DemoToken
	if cfg.demo() && slices.Contains(list(cfg.jwtAlgorithms), auth.HS256) {
		if demoTokens, err = makeDemoTokens(verifier, st.Tree()); err != nil {
			return err
		}
		if loopback(ln.Addr()) {
			offered = demoTokens
		}
	}
	rules, err := cfg.rules() // those the store was opened with
	if err != nil {
		_ = ln.Close()
		return err
	}
	metrics, stopMetrics, err := serveMetrics(cfg, st, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler: httpapi.New(httpapi.Options{
			Store: st, Verifier: verifier, Logger: log, Policy: &rules,
			Introspection: introspection, Suggestions: cfg.demo(),
			ExecutorOnly: !compiledReads,
			RateLimit:    cfg.rateLimit,
			CORSOrigins:  list(cfg.corsOrigins), DemoTokens: offered,
			Metrics: metrics, Tracing: cfg.tracing,
			Documents: docs, DocumentMaxSize: docMax, DocumentRateLimit: cfg.documentRateLimit,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	url := "http://" + ln.Addr().String() + "/"
	if cfg.jsonLogs() {
		log.Info("serving", "graphiql", url, "graphql", url+"graphql", "dashboard", url+"dashboard/", "database", string(st.Dialect()))
	} else {
		fmt.Fprintf(out, "jiuzhu serves GraphiQL at %s and GraphQL at %sgraphql (%s)\n", url, url, st.Dialect())
		fmt.Fprintf(out, "The dashboard is at %sdashboard/\n", url)
	}
	if len(demoTokens) > 0 {
		switch {
		case cfg.jsonLogs():
			log.Info("demo tokens", "offered_by_dashboard", len(offered) > 0)
		case len(offered) > 0:
			fmt.Fprintf(out, "Demo mode on a loopback address: the dashboard's sign-in offers the demo tokens (%sdashboard/demo-tokens.json)\n", url)
		default:
			fmt.Fprintf(out, "Demo mode on %s, which is not a loopback address: the dashboard does not offer the demo tokens; paste one below\n", ln.Addr())
		}
		printDemoTokens(out, demoTokens, strconv.FormatFloat(demoTokenLifetime(verifier).Hours(), 'f', -1, 64))
	}
	if !cfg.jsonLogs() {
		fmt.Fprintln(out, `The other commands (migrate, seed, token, import, jobs, schema, version): "jiuzhu help".`)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// serveMetrics serves /metrics on METRICS_ADDR, apart from the API, and returns the
// metrics to record into and a function that stops serving them. With METRICS_ADDR
// unset it returns nil metrics, which record nothing. It returns an error when the
// address cannot be listened on.
func serveMetrics(cfg config, st *store.Store, log *slog.Logger) (*telemetry.Metrics, func(), error) {
	if cfg.metricsAddr == "" {
		return nil, func() {}, nil
	}
	m := telemetry.NewMetrics()
	if err := m.RegisterPool(st.Pool().Stats); err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", cfg.metricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return m, func() { _ = srv.Close() }, nil
}

// The garbage collector's settings when the GOGC and GOMEMLIMIT variables are unset. A
// county list of 50 households allocates about 1.6 MB that is garbage once the answer
// is written; at Go's default (GOGC=100) collection took about a sixth of the server's
// CPU under load. At 400 the heap may grow to five times the live data before a
// collection, which is a few tens of MB while serving; the soft memory limit makes the
// collector work harder, instead of the process growing, when live data is large (a
// big export or import).
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
)

// tuneGC applies the default garbage-collector settings unless the environment sets
// them, and returns the settings in force.
func tuneGC() (gcPercent int, memoryLimit int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	gcPercent = debug.SetGCPercent(100)
	debug.SetGCPercent(gcPercent)
	return gcPercent, debug.SetMemoryLimit(-1)
}

// loopback reports whether addr is a loopback address (127.0.0.0/8 or ::1), which only
// this machine can reach. The unspecified address (0.0.0.0, ::) is not loopback: it
// listens on every interface.
func loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// demoTiers are the demo tokens: one per tier, with an English label for the console and
// a Chinese one for the dashboard's sign-in screen.
var demoTiers = []struct {
	label, labelZh string
	role           models.Role
	area           func(*division.Tree) string
}{
	{"city admin (德州市)", "市级管理员（德州市）", models.RoleAdmin, func(*division.Tree) string { return division.CityCode }},
	{"county officer (德城区)", "县级经办人员（德城区）", models.RoleOfficer, func(*division.Tree) string { return seed.DemoCounty }},
	{"township officer (新湖街道)", "乡镇经办人员（新湖街道）", models.RoleOfficer, func(*division.Tree) string { return seed.DemoTownship }},
	{"village assistant", "村级民政助理员", models.RoleAssistant, seed.DemoVillage},
}

// demoTokenLifetime is how long a demo token lasts: 24 hours, or the maximum lifetime of
// a token when that is shorter.
func demoTokenLifetime(v *auth.Verifier) time.Duration { return min(24*time.Hour, v.MaxLifetime()) }

// makeDemoTokens signs one token per demo tier, in the order of demoTiers, that lasts
// demoTokenLifetime.
func makeDemoTokens(v *auth.Verifier, tree *division.Tree) ([]dashboard.DemoToken, error) {
	out := make([]dashboard.DemoToken, len(demoTiers))
	for i, t := range demoTiers {
		area := t.area(tree)
		tok, err := v.Sign(auth.Principal{Subject: "demo-" + string(t.role) + "@" + area, Role: t.role, Area: area}, demoTokenLifetime(v))
		if err != nil {
			return nil, err
		}
		out[i] = dashboard.DemoToken{Label: t.labelZh, Area: area, Token: tok}
	}
	return out, nil
}

// printDemoTokens prints the demo tokens, which last hours, with how to use them.
func printDemoTokens(out io.Writer, tokens []dashboard.DemoToken, hours string) {
	fmt.Fprintf(out, "Demo tokens (%s h); in GraphiQL set the header {\"Authorization\": \"Bearer <token>\"}:\n", hours)
	for i, t := range tokens {
		fmt.Fprintf(out, "  %s, area %s:\n    %s\n", demoTiers[i].label, t.Area, t.Token)
	}
}
