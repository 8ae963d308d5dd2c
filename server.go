// Command jiuzhu serves the unified database of social-assistance recipients of Dezhou
// city as a GraphQL API.
//
// Usage:
//
//	jiuzhu [serve]                  serve the API (the default)
//	jiuzhu migrate                  create or update the schema, load divisions and programs
//	jiuzhu seed --households N      load N deterministic demo households into an empty database
//	jiuzhu token --role R --area C  print a signed token
//	jiuzhu jobs run [--date D]      run the daily jobs (end grace periods, refresh derived values)
//	jiuzhu bench --households N     load a city-scale dataset into PostgreSQL and benchmark
//	jiuzhu import households FILE   upsert households from a CSV or JSON-lines file
//	jiuzhu import verifications FILE  import departments' checks of people as verifications
//
// Configuration comes from the environment (DATABASE_URL, JWT_SECRET, JWT_ALGORITHMS,
// JWT_PUBLIC_KEYS, JWT_ISSUER, JWT_AUDIENCE, GRAPHQL_INTROSPECTION, RATE_LIMIT_RPS,
// RATE_LIMIT_BURST, CORS_ORIGINS, LISTEN_ADDR, DATA_DIR, DEMO_HOUSEHOLDS, LOG_LEVEL,
// LOG_FORMAT, METRICS_ADDR, MEDICAL_RULES, STAFFING_COORDINATOR_THRESHOLD, PG_RLS, the
// POLICY_* thresholds of package policy, and OpenTelemetry's OTEL_* variables); flags
// override it.
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/trace"

	"jiuzhu/auth"
	"jiuzhu/bench"
	"jiuzhu/dashboard"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/importer"
	"jiuzhu/jobs"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jiuzhu:", err)
		os.Exit(1)
	}
}

// config is the server's configuration: the environment, overridden by flags.
type config struct {
	databaseURL    string
	jwtSecret      string
	jwtAlgorithms  string
	jwtPublicKeys  string
	introspection  string
	rateRPS        float64
	rateBurst      int
	corsOrigins    string
	jwtIssuer      string
	jwtAudience    string
	listenAddr     string
	dataDir        string
	demoHouseholds int
	logLevel       string
	medicalRules   string
	// coordinatorThreshold is STAFFING_COORDINATOR_THRESHOLD: the active recipients from
	// which a village needs two coordinators (P6); 0 means the policy's default.
	coordinatorThreshold    int
	coordinatorThresholdErr error
	// rowLevelSecurity is PG_RLS: on turns on PostgreSQL's row-level security
	// (store.Config.RowLevelSecurity); off, the default, leaves it off.
	rowLevelSecurity string
	// logFormat is LOG_FORMAT: text (the default) or json.
	logFormat string
	// metricsAddr is METRICS_ADDR: where to serve /metrics, apart from the API; empty,
	// the default, serves no metrics.
	metricsAddr string
	// tracing, set by serve when the OTEL_* variables ask for traces, gives the store's
	// statements spans.
	tracing *telemetry.Tracing
}

func configFromEnv() config {
	c := config{
		databaseURL:   os.Getenv("DATABASE_URL"),
		jwtSecret:     os.Getenv("JWT_SECRET"),
		jwtAlgorithms: envOr("JWT_ALGORITHMS", auth.HS256),
		jwtPublicKeys: os.Getenv("JWT_PUBLIC_KEYS"),
		introspection: os.Getenv("GRAPHQL_INTROSPECTION"),
		corsOrigins:   os.Getenv("CORS_ORIGINS"),
		jwtIssuer:     os.Getenv("JWT_ISSUER"),
		jwtAudience:   os.Getenv("JWT_AUDIENCE"),
		listenAddr:    envOr("LISTEN_ADDR", "127.0.0.1:8080"),
		dataDir:       envOr("DATA_DIR", "jiuzhu-data"),
		logLevel:      envOr("LOG_LEVEL", "info"),
		// medicalRules overrides the ratio and ceiling of medical programs (P3), for
		// example "MEDICAL_INPATIENT=70:30000,MEDICAL_CRITICAL=60:100000".
		medicalRules:     os.Getenv("MEDICAL_RULES"),
		rowLevelSecurity: os.Getenv("PG_RLS"),
		logFormat:        envOr("LOG_FORMAT", "text"),
		metricsAddr:      os.Getenv("METRICS_ADDR"),
	}
	c.demoHouseholds, _ = strconv.Atoi(envOr("DEMO_HOUSEHOLDS", "2000"))
	c.rateRPS, _ = strconv.ParseFloat(envOr("RATE_LIMIT_RPS", strconv.FormatFloat(httpapi.DefaultRateLimit.RPS, 'f', -1, 64)), 64)
	c.rateBurst, _ = strconv.Atoi(envOr("RATE_LIMIT_BURST", strconv.Itoa(httpapi.DefaultRateLimit.Burst)))
	c.coordinatorThreshold, c.coordinatorThresholdErr = coordinatorThreshold(os.Getenv("STAFFING_COORDINATOR_THRESHOLD"))
	return c
}

// coordinatorThreshold reads STAFFING_COORDINATOR_THRESHOLD: empty means the policy's
// default (0 here); anything else must be a whole number of at least 1.
func coordinatorThreshold(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("STAFFING_COORDINATOR_THRESHOLD must be a whole number of at least 1, not %q", v)
	}
	return n, nil
}

// introspectionOn reports whether __schema and __type answer: GRAPHQL_INTROSPECTION
// (on/off, true/false, 1/0) when set, otherwise only in demo mode.
func (c config) introspectionOn() (bool, error) {
	switch strings.ToLower(strings.TrimSpace(c.introspection)) {
	case "":
		return c.demo(), nil
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	default:
		return false, fmt.Errorf("GRAPHQL_INTROSPECTION must be on or off, not %q", c.introspection)
	}
}

// rowLevelSecurityOn reads PG_RLS: on or off (on/off, true/false, 1/0), off when unset.
// It returns an error for any other value.
func (c config) rowLevelSecurityOn() (bool, error) {
	switch strings.ToLower(strings.TrimSpace(c.rowLevelSecurity)) {
	case "", "off", "false", "0", "no":
		return false, nil
	case "on", "true", "1", "yes":
		return true, nil
	default:
		return false, fmt.Errorf("PG_RLS must be on or off, not %q", c.rowLevelSecurity)
	}
}

// list splits a comma-separated setting, dropping blanks.
func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// register adds the flags every command shares.
func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.databaseURL, "database-url", c.databaseURL, "PostgreSQL URL; empty for the embedded SQLite file (env DATABASE_URL)")
	fs.StringVar(&c.dataDir, "data-dir", c.dataDir, "directory of the SQLite file and the generated JWT secret (env DATA_DIR)")
	fs.StringVar(&c.logLevel, "log-level", c.logLevel, "debug, info, warn or error (env LOG_LEVEL)")
}

// demo reports whether the server runs on the embedded SQLite file, the demo mode.
func (c config) demo() bool { return c.databaseURL == "" }

func (c config) sqlitePath() string { return filepath.Join(c.dataDir, "jiuzhu.db") }

func run(ctx context.Context, args []string, out io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cfg := configFromEnv()
	if err := cfg.checkLogFormat(); err != nil {
		return err
	}
	fs := flag.NewFlagSet("jiuzhu "+cmd, flag.ContinueOnError)
	cfg.register(fs)
	switch cmd {
	case "serve":
		fs.StringVar(&cfg.listenAddr, "listen", cfg.listenAddr, "address to listen on (env LISTEN_ADDR)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return serve(ctx, cfg, out)
	case "migrate":
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := openStore(ctx, cfg, newLogger(cfg, out))
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintln(out, "schema migrated; jurisdictions and programs loaded")
		return nil
	case "seed":
		n := fs.Int("households", cfg.demoHouseholds, "number of demo households")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := openStore(ctx, cfg, newLogger(cfg, out))
		if err != nil {
			return err
		}
		defer st.Close()
		return seedDemo(ctx, st, *n, out)
	case "token":
		role := fs.String("role", "", "admin, officer, assistant, integrator or auditor")
		area := fs.String("area", "", "12-digit jurisdiction code")
		ttl := fs.Duration("ttl", 24*time.Hour, "lifetime of the token")
		sub := fs.String("sub", "", "subject (default: ROLE@AREA)")
		name := fs.String("name", "", "display name")
		cats := fs.String("categories", "", "comma-separated program categories, for integrators")
		keyFile := fs.String("key", "", "sign with this PEM private key (RS256, ES256 or EdDSA, for tests) instead of JWT_SECRET")
		kid := fs.String("kid", "", "key id written in the header of a token signed with --key")
		if err := fs.Parse(args); err != nil {
			return err
		}
		var signer crypto.Signer
		if *keyFile != "" {
			b, err := os.ReadFile(*keyFile)
			if err != nil {
				return err
			}
			if signer, err = auth.ParsePrivateKeyPEM(b); err != nil {
				return fmt.Errorf("--key %s: %w", *keyFile, err)
			}
			if *kid == "" {
				return errors.New("--kid is required with --key")
			}
		}
		v, _, err := newVerifier(cfg)
		if err != nil {
			return err
		}
		p := auth.Principal{Subject: *sub, Name: *name, Role: models.Role(strings.ToLower(*role)), Area: *area}
		if p.Subject == "" {
			p.Subject = *role + "@" + *area
		}
		if *cats != "" {
			p.Categories = strings.Split(*cats, ",")
		}
		var tok string
		if signer != nil {
			tok, err = v.SignWithKey(p, *ttl, *kid, signer)
		} else {
			tok, err = v.Sign(p, *ttl)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(out, tok)
		return nil
	case "jobs":
		if len(args) == 0 || args[0] != "run" {
			return errors.New("usage: jiuzhu jobs run [--date YYYY-MM-DD]")
		}
		day := fs.String("date", "", "the day to run for (default: today)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return runJobs(ctx, cfg, *day, out)
	case "bench":
		return bench.Main(ctx, args, out, cfg.databaseURL)
	case "import":
		return importer.Main(ctx, fs, args, out, os.Stderr, func() (*store.Store, *auth.Verifier, error) {
			v, _, err := newVerifier(cfg)
			if err != nil {
				return nil, nil, err
			}
			st, err := openStore(ctx, cfg, newLogger(cfg, os.Stderr))
			return st, v, err
		})
	default:
		return fmt.Errorf("unknown command %q (serve, migrate, seed, token, jobs, bench, import)", cmd)
	}
}

// newLogger returns the logger of cfg's level and format (LOG_FORMAT: json writes one
// JSON object a line, anything else text), which adds the request id (and trace ids)
// of the context to each line.
func newLogger(cfg config, out io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if cfg.jsonLogs() {
		h = slog.NewJSONHandler(out, opts)
	}
	return slog.New(telemetry.LogHandler(h))
}

// jsonLogs reports whether LOG_FORMAT asks for JSON lines.
func (c config) jsonLogs() bool { return strings.EqualFold(strings.TrimSpace(c.logFormat), "json") }

// checkLogFormat returns an error naming LOG_FORMAT unless it is text or json.
func (c config) checkLogFormat() error {
	switch strings.ToLower(strings.TrimSpace(c.logFormat)) {
	case "", "text", "json":
		return nil
	}
	return fmt.Errorf("LOG_FORMAT must be text or json, not %q", c.logFormat)
}

// runJobs runs the daily jobs for day (today when empty) and prints what they changed.
func runJobs(ctx context.Context, cfg config, day string, out io.Writer) error {
	today := models.DateOf(time.Now())
	if day != "" {
		d, err := models.ParseDate(day)
		if err != nil {
			return fmt.Errorf("--date: %w", err)
		}
		today = d
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, out))
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	r, err := jobs.Daily(ctx, st, today)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "jobs of %s: %d grace periods ended, %d households refreshed, in %s\n",
		today, r.GraceTerminated, r.HouseholdsRefreshed, time.Since(start).Round(time.Millisecond))
	return nil
}

// openStore opens and migrates the configured database.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	if cfg.coordinatorThresholdErr != nil {
		return nil, cfg.coordinatorThresholdErr
	}
	pol, err := policy.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	medical, err := policy.ParseMedicalRules(cfg.medicalRules)
	if err != nil {
		return nil, fmt.Errorf("MEDICAL_RULES: %w", err)
	}
	rls, err := cfg.rowLevelSecurityOn()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{
		DatabaseURL: cfg.databaseURL, SQLitePath: cfg.sqlitePath(), Logger: log,
		Policy: &pol, Medical: medical, CoordinatorThreshold: cfg.coordinatorThreshold,
		RowLevelSecurity: rls, TracerProvider: cfg.tracerProvider(),
	}, division.Dezhou())
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// newVerifier builds the token verifier from the algorithm allow-list, the HS256 secret
// and the public keys. When HS256 is allowed and JWT_SECRET is unset, demo mode
// generates a secret once and keeps it beside the SQLite file so that tokens survive
// restarts; PostgreSQL requires a configured secret. It reports whether the secret was
// generated.
func newVerifier(cfg config) (*auth.Verifier, bool, error) {
	algs := list(cfg.jwtAlgorithms)
	keys, err := auth.LoadPublicKeys(cfg.jwtPublicKeys)
	if err != nil {
		return nil, false, err
	}
	secret := cfg.jwtSecret
	generated := false
	if secret == "" && slices.Contains(algs, auth.HS256) {
		if !cfg.demo() {
			return nil, false, errors.New("JWT_SECRET is required with PostgreSQL (at least 32 bytes)")
		}
		var err error
		secret, generated, err = demoSecret(cfg.dataDir)
		if err != nil {
			return nil, false, err
		}
	}
	v, err := auth.NewVerifier(auth.Config{
		Algorithms: algs, Secret: []byte(secret), PublicKeys: keys,
		Issuer: cfg.jwtIssuer, Audience: cfg.jwtAudience, Leeway: 30 * time.Second,
	}, division.Dezhou())
	return v, generated, err
}

// demoSecret reads the secret kept in dir, or generates and keeps one.
func demoSecret(dir string) (string, bool, error) {
	path := filepath.Join(dir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("read JWT secret: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", false, err
	}
	secret := hex.EncodeToString(buf)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("keep JWT secret: %w", err)
	}
	return secret, true, nil
}

// seedDemo loads n demo households into an empty database.
func seedDemo(ctx context.Context, st *store.Store, n int, out io.Writer) error {
	empty, err := st.IsEmptyUnscoped(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("the database already holds households; seed only loads an empty one")
	}
	start := time.Now()
	ds := seed.Generate(st.Tree(), n, time.Now())
	if err := st.SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		return err
	}
	vs, lines := seed.Verifications(ds, time.Now())
	if err := st.SeedRulesUnscoped(ctx, seed.Standards(st.Tree(), time.Now()), vs, lines); err != nil {
		return err
	}
	staffing := seed.Staffing(st.Tree(), time.Now())
	if err := st.SeedStaffingUnscoped(ctx, staffing.Populations, staffing.Staff); err != nil {
		return err
	}
	if err := st.AnalyzeUnscoped(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d households, %d members, %d grants, %d township populations and %d staff in %s\n",
		len(ds.Households), len(ds.Members), len(ds.Grants), len(staffing.Populations), len(staffing.Staff),
		time.Since(start).Round(time.Millisecond))
	return nil
}

func serve(ctx context.Context, cfg config, out io.Writer) error {
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
		if empty, err := st.IsEmptyUnscoped(ctx); err != nil {
			return err
		} else if empty {
			if err := seedDemo(ctx, st, cfg.demoHouseholds, out); err != nil {
				return err
			}
		}
	}
	introspection, err := cfg.introspectionOn()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listenAddr)
	if err != nil {
		return err
	}
	var demoTokens []dashboard.DemoToken
	if cfg.demo() && slices.Contains(list(cfg.jwtAlgorithms), auth.HS256) {
		if demoTokens, err = makeDemoTokens(verifier, st.Tree()); err != nil {
			return err
		}
	}
	metrics, stopMetrics, err := serveMetrics(cfg, st, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	srv := &http.Server{
		Handler: httpapi.New(httpapi.Options{
			Store: st, Verifier: verifier, Logger: log,
			Introspection: introspection, Suggestions: cfg.demo(),
			RateLimit:   httpapi.RateLimit{RPS: cfg.rateRPS, Burst: cfg.rateBurst},
			CORSOrigins: list(cfg.corsOrigins), DemoTokens: demoTokens,
			Metrics: metrics, Tracing: cfg.tracing,
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
		printDemoTokens(out, demoTokens)
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
	if err := m.RegisterPool(st.PoolStats); err != nil {
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

// tracerProvider returns the provider of the store's SQL spans; nil when tracing is off.
func (c config) tracerProvider() trace.TracerProvider {
	if c.tracing == nil {
		return nil
	}
	return c.tracing.Provider
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

// makeDemoTokens signs one 24-hour token per demo tier, in the order of demoTiers.
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

func makeDemoTokens(v *auth.Verifier, tree *division.Tree) ([]dashboard.DemoToken, error) {
	out := make([]dashboard.DemoToken, len(demoTiers))
	for i, t := range demoTiers {
		area := t.area(tree)
		tok, err := v.Sign(auth.Principal{Subject: "demo-" + string(t.role) + "@" + area, Role: t.role, Area: area}, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		out[i] = dashboard.DemoToken{Label: t.labelZh, Area: area, Token: tok}
	}
	return out, nil
}

// printDemoTokens prints the demo tokens with how to use them.
func printDemoTokens(out io.Writer, tokens []dashboard.DemoToken) {
	fmt.Fprintln(out, "Demo tokens (24 h); in GraphiQL set the header {\"Authorization\": \"Bearer <token>\"}:")
	for i, t := range tokens {
		fmt.Fprintf(out, "  %s, area %s:\n    %s\n", demoTiers[i].label, t.Area, t.Token)
	}
}
