package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/telemetry"
)

// config is the server's configuration: the environment, overridden by flags.
type config struct {
	databaseURL    string
	jwtSecret      string
	jwtAlgorithms  string
	jwtPublicKeys  string
	introspection  string
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
	// jwtMaxTTL is JWT_MAX_TTL: the longest lifetime of a token accepted or minted; 0
	// means auth.DefaultMaxLifetime.
	jwtMaxTTL    time.Duration
	jwtMaxTTLErr error
	// logFormat is LOG_FORMAT: text (the default) or json.
	logFormat string
	// metricsAddr is METRICS_ADDR: where to serve /metrics, apart from the API; empty,
	// the default, serves no metrics.
	metricsAddr string
	// tracing, set by serve when the OTEL_* variables ask for traces, gives the store's
	// statements spans.
	tracing *telemetry.Tracing
	// readURL is DATABASE_READ_URL, the streaming replica reads go to (store.Config.ReadURL).
	readURL string
	// readAfterWrite and maxReplicaLag are DATABASE_READ_AFTER_WRITE and
	// DATABASE_READ_MAX_LAG, durations such as 5s; empty means the store's defaults.
	readAfterWrite, maxReplicaLag string
	// idLookups is ID_LOOKUP_PER_MINUTE and ID_LOOKUP_BURST: how often each caller may
	// call memberByIdNumber, or have an import or a registration confirm or refute a
	// full ID number (store.Config.IDLookups).
	idLookups    store.LookupLimit
	idLookupsErr error
	// rateLimit is RATE_LIMIT_RPS and RATE_LIMIT_BURST, the limit of /graphql per token
	// subject (httpapi.Options.RateLimit); documentRateLimit is DOCUMENT_RATE_LIMIT_RPS and
	// DOCUMENT_RATE_LIMIT_BURST, the limit of the transfers of supporting documents
	// (httpapi.Options.DocumentRateLimit). rateLimitErr names the first bad one; serve
	// refuses to start with it.
	rateLimit, documentRateLimit httpapi.RateLimit
	rateLimitErr                 error
	// servingRole is PG_SERVING_ROLE, the role `migrate up` grants what serving needs
	// (store.GrantServingRole); empty grants nothing.
	servingRole string
	// compiledReads is COMPILED_READS: on (the default) answers the queries package
	// sqlread can compile with one SQL statement on PostgreSQL; off sends every operation
	// through the executor.
	compiledReads string
}

// Defaults of the settings that have one, shown in the commands' help.
const (
	defaultListenAddr = "127.0.0.1:8080"
	defaultDataDir    = "jiuzhu-data"
	defaultLogLevel   = "info"
)

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
		listenAddr:    envOr("LISTEN_ADDR", defaultListenAddr),
		dataDir:       envOr("DATA_DIR", defaultDataDir),
		logLevel:      envOr("LOG_LEVEL", defaultLogLevel),
		// medicalRules overrides the ratio and ceiling of medical programs (P3), for
		// example "MEDICAL_INPATIENT=70:30000,MEDICAL_CRITICAL=60:100000".
		medicalRules:     os.Getenv("MEDICAL_RULES"),
		rowLevelSecurity: os.Getenv("PG_RLS"),
		compiledReads:    os.Getenv("COMPILED_READS"),
		logFormat:        envOr("LOG_FORMAT", "text"),
		metricsAddr:      os.Getenv("METRICS_ADDR"),
		readURL:          os.Getenv("DATABASE_READ_URL"),
		readAfterWrite:   os.Getenv("DATABASE_READ_AFTER_WRITE"),
		maxReplicaLag:    os.Getenv("DATABASE_READ_MAX_LAG"),
		servingRole:      os.Getenv("PG_SERVING_ROLE"),
	}
	c.jwtMaxTTL, c.jwtMaxTTLErr = maxTTL(os.Getenv("JWT_MAX_TTL"))
	c.demoHouseholds, _ = strconv.Atoi(envOr("DEMO_HOUSEHOLDS", "2000"))
	c.rateLimit, c.rateLimitErr = rateLimit("RATE_LIMIT", httpapi.DefaultRateLimit)
	if c.rateLimitErr == nil {
		c.documentRateLimit, c.rateLimitErr = rateLimit("DOCUMENT_RATE_LIMIT", httpapi.DefaultDocumentRateLimit)
	}
	c.coordinatorThreshold, c.coordinatorThresholdErr = coordinatorThreshold(os.Getenv("STAFFING_COORDINATOR_THRESHOLD"))
	c.idLookups, c.idLookupsErr = lookupLimit(os.Getenv("ID_LOOKUP_PER_MINUTE"), os.Getenv("ID_LOOKUP_BURST"))
	return c
}

// rateLimit reads the rate limit of the variables prefix_RPS (requests a second per
// token subject, a number; 0 or less turns the limit off) and prefix_BURST (a whole
// number of at least 1); an unset or empty one takes its value from def. A limit turned
// off has RPS -1, which httpapi reads as off for every limit (where a zero value would
// mean the default). It returns an error naming the variable whose value is bad.
func rateLimit(prefix string, def httpapi.RateLimit) (httpapi.RateLimit, error) {
	l := def
	rpsName, burstName := prefix+"_RPS", prefix+"_BURST"
	if v := os.Getenv(rpsName); strings.TrimSpace(v) != "" {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return l, fmt.Errorf("%s must be a number of requests a second (0 or less turns the limit off), not %q", rpsName, v)
		}
		l.RPS = n
		if n <= 0 {
			l.RPS = -1
		}
	}
	if v := os.Getenv(burstName); strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return l, fmt.Errorf("%s must be a whole number of at least 1, not %q", burstName, v)
		}
		l.Burst = n
	}
	return l, nil
}

// lookupLimit reads ID_LOOKUP_PER_MINUTE (lookups a minute per caller, a number; 0 turns
// the limit off) and ID_LOOKUP_BURST (a whole number of at least 1); empty means the
// store's default.
func lookupLimit(perMinute, burst string) (store.LookupLimit, error) {
	var l store.LookupLimit
	if v := strings.TrimSpace(perMinute); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return l, fmt.Errorf("ID_LOOKUP_PER_MINUTE must be a number of at least 0, not %q", perMinute)
		}
		l.PerMinute = n
		if n == 0 {
			l.PerMinute = -1
		}
	}
	if v := strings.TrimSpace(burst); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return l, fmt.Errorf("ID_LOOKUP_BURST must be a whole number of at least 1, not %q", burst)
		}
		l.Burst = n
	}
	return l, nil
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

// compiledReadsOn reads COMPILED_READS: on or off (on/off, true/false, 1/0), on when
// unset. It returns an error for any other value.
func (c config) compiledReadsOn() (bool, error) {
	switch strings.ToLower(strings.TrimSpace(c.compiledReads)) {
	case "", "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("COMPILED_READS must be on or off, not %q", c.compiledReads)
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

// duration reads a positive duration setting such as 5s; empty means 0, the default.
func duration(name, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 5s, not %q", name, v)
	}
	return d, nil
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

// demo reports whether the server runs on the embedded SQLite file, the demo mode.
func (c config) demo() bool { return c.databaseURL == "" }

func (c config) sqlitePath() string { return filepath.Join(c.dataDir, "jiuzhu.db") }

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

// tracerProvider returns the provider of the store's SQL spans; nil when tracing is off.
func (c config) tracerProvider() trace.TracerProvider {
	if c.tracing == nil {
		return nil
	}
	return c.tracing.Provider
}

// openStore opens the configured database for serving (serve, seed, jobs, import). On
// SQLite, the demo's database, it migrates it first; on PostgreSQL it changes no schema:
// it checks that the database is at this build's version and refuses it otherwise
// (store.CheckSchema's error names `jiuzhu migrate up`).
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	st, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if st.Dialect() == store.SQLite {
		err = st.Setup().Migrate(ctx)
	} else {
		err = st.Setup().CheckSchema(ctx)
	}
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// rules returns the thresholds of the policy rules: POLICY_* (policy.ConfigFromEnv),
// MEDICAL_RULES and STAFFING_COORDINATOR_THRESHOLD over policy.DefaultConfig. The store
// is opened with them (store.Config.Rules) and the use cases built with them.
func (c config) rules() (policy.Config, error) {
	if c.coordinatorThresholdErr != nil {
		return policy.Config{}, c.coordinatorThresholdErr
	}
	pol, err := policy.ConfigFromEnv(os.Getenv)
	if err != nil {
		return policy.Config{}, err
	}
	if pol.Medical, err = policy.ParseMedicalRules(c.medicalRules); err != nil {
		return policy.Config{}, fmt.Errorf("MEDICAL_RULES: %w", err)
	}
	if c.coordinatorThreshold > 0 {
		pol.CoordinatorThreshold = c.coordinatorThreshold
	}
	return pol, nil
}

// openDatabase opens the configured database as it is, neither migrated nor checked.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	if cfg.coordinatorThresholdErr != nil {
		return nil, cfg.coordinatorThresholdErr
	}
	if err := cfg.checkLogFormat(); err != nil {
		return nil, err
	}
	if cfg.idLookupsErr != nil {
		return nil, cfg.idLookupsErr
	}
	pol, err := cfg.rules()
	if err != nil {
		return nil, err
	}
	rls, err := cfg.rowLevelSecurityOn()
	if err != nil {
		return nil, err
	}
	readAfterWrite, err := duration("DATABASE_READ_AFTER_WRITE", cfg.readAfterWrite)
	if err != nil {
		return nil, err
	}
	maxLag, err := duration("DATABASE_READ_MAX_LAG", cfg.maxReplicaLag)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{
		DatabaseURL: cfg.databaseURL, SQLitePath: cfg.sqlitePath(), Logger: log,
		Rules:            casework.Rules(pol),
		RowLevelSecurity: rls, IDLookups: cfg.idLookups, TracerProvider: cfg.tracerProvider(),
		ReadURL: cfg.readURL, ReadAfterWrite: readAfterWrite, MaxReplicaLag: maxLag,
	}, division.Dezhou())
}

// maxTTL reads JWT_MAX_TTL: empty means auth.DefaultMaxLifetime (0 here); anything
// else must be a positive Go duration such as 8h or 90m.
func maxTTL(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("JWT_MAX_TTL must be a positive duration such as 24h or 90m, not %q", v)
	}
	return d, nil
}

// newVerifier builds the token verifier from the algorithm allow-list, the HS256 secret
// and the public keys. When HS256 is allowed and JWT_SECRET is unset, demo mode
// generates a secret once and keeps it beside the SQLite file so that tokens survive
// restarts; PostgreSQL requires a configured secret. It reports whether the secret was
// generated.
func newVerifier(cfg config) (*auth.Verifier, bool, error) {
	if cfg.jwtMaxTTLErr != nil {
		return nil, false, cfg.jwtMaxTTLErr
	}
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
		MaxLifetime: cfg.jwtMaxTTL,
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
