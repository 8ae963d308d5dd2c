// Package httpapi assembles jiuzhu's HTTP surface: the GraphQL endpoint with its
// transports, error mapping, authentication, request limits, rate limits and CORS,
// request ids, metrics and traces (observe.go), GraphiQL, and the health endpoints.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"jiuzhu/auth"
	"jiuzhu/dashboard"
	"jiuzhu/documents"
	"jiuzhu/graph"
	"jiuzhu/graphiql"
	"jiuzhu/loaders"
	"jiuzhu/policy"
	"jiuzhu/resolvers"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/telemetry"
)

// MaxBodyBytes bounds a GraphQL request body.
const MaxBodyBytes = 1 << 20

// DefaultRequestTimeout bounds the work of one GraphQL request when
// Options.RequestTimeout is 0.
const DefaultRequestTimeout = 15 * time.Second

// Options configures the HTTP surface.
type Options struct {
	Store    *store.Store
	Verifier *auth.Verifier
	// Policy holds the thresholds of the policy rules the use cases judge by (the same
	// the store was opened with, store.Config.Rules); nil means policy.DefaultConfig.
	Policy *policy.Config
	// Logger receives the access log and internal errors; nil discards them. Whatever
	// it is given passes through a filter that masks ID numbers, tokens and names.
	Logger *slog.Logger
	// Limits bound each GraphQL request; the zero value means DefaultLimits.
	Limits Limits
	// Introspection enables __schema and __type.
	Introspection bool
	// Suggestions enables "did you mean" hints in validation errors (demo mode only:
	// they disclose the schema to whoever guesses).
	Suggestions bool
	// RequestTimeout bounds the work of one GraphQL request; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// RateLimit limits requests per token subject and per client address; a zero or
	// negative RPS turns it off (serve sets it from RATE_LIMIT_RPS and RATE_LIMIT_BURST).
	RateLimit RateLimit
	// CORSOrigins are the browser origins (scheme://host[:port]) allowed to call
	// /graphql, such as the dashboards'. Empty allows none.
	CORSOrigins []string
	// DemoTokens are offered by the dashboard's sign-in screen; set them in demo mode only.
	DemoTokens []dashboard.DemoToken
	// Metrics, when set, receive the requests' metrics (see observe.go); nil records none.
	Metrics *telemetry.Metrics
	// Tracing, when set, gives every request an HTTP span and every GraphQL operation a
	// span of its own; nil traces nothing.
	Tracing *telemetry.Tracing
	// ExecutorOnly turns compiled reads off (COMPILED_READS=off): every operation goes
	// through gqlgen's executor. Otherwise, on PostgreSQL, a query whose every field
	// package sqlread can compile is answered with one SQL statement (docs/compiled-reads.md).
	ExecutorOnly bool
	// Reads, when set, is the compiled reader to use (tests read its counts); nil makes
	// one over Store unless ExecutorOnly.
	Reads *sqlread.Reader
	// Documents, when set, keeps supporting documents and serves /documents
	// (documents.go); DocumentMaxSize bounds an upload (0: attachments.DefaultMaxSize).
	Documents       documents.Blobs
	DocumentMaxSize int64
	// DocumentRateLimit limits the uploads and downloads of documents per token subject,
	// apart from RateLimit: a transfer weighs up to DocumentMaxSize. The zero value means
	// DefaultDocumentRateLimit; a negative RPS turns it off (serve sets it from
	// DOCUMENT_RATE_LIMIT_RPS and DOCUMENT_RATE_LIMIT_BURST).
	DocumentRateLimit RateLimit
}

// New returns the HTTP handler of jiuzhu: POST and GET /graphql (GET runs queries only),
// the staffing report as a spreadsheet at GET /export/staffing.xlsx and
// /export/staffing.csv (?area=CODE; the same bearer token and scope as /graphql), the
// bank's list of an approved payroll at GET /export/payroll/{id}.csv and .xlsx (likewise),
// GraphiQL at /, the dashboard page at /dashboard/ (which reads the API with the token
// its user signs in with), and the open endpoints /healthz and /readyz.
func New(o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = slog.New(telemetry.LogHandler(newPerAddressLogHandler(redactingHandler{log.Handler()})))
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	mux := http.NewServeMux()
	gql := GraphQL(o.Store, log, o)
	limiter := newRateLimiters(o.RateLimit)
	observeRefusals(limiter, o.Metrics)
	var h http.Handler = limitBody(timeout(o.RequestTimeout, unavailableStatus(gql)))
	h = limiter.perSubject(h)
	h = o.Verifier.Middleware(h)
	h = limiter.perAddress(h)
	h = cors(o.CORSOrigins, h)
	mux.Handle("/graphql", h)
	mux.Handle("GET /export/staffing.xlsx", o.Verifier.Middleware(exportStaffing(o.Store, o.rules(), log, "xlsx",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", staffingXLSX)))
	mux.Handle("GET /export/staffing.csv", o.Verifier.Middleware(exportStaffing(o.Store, o.rules(), log, "csv",
		"text/csv; charset=utf-8", staffingCSV)))
	mux.Handle("GET /export/payroll/{file}", o.Verifier.Middleware(exportPayroll(o.Store, log)))
	mux.Handle("GET /{$}", graphiql.Page())
	mux.Handle("GET /graphiql/", graphiql.Assets())
	board := dashboard.Handler(dashboard.Options{DemoTokens: o.DemoTokens})
	mux.Handle("/dashboard", board)
	mux.Handle("/dashboard/", board)
	mountApplicantStatus(mux, o.Store, log) // the public status page for applicants (applicant.go)
	if o.Documents != nil {
		mountDocuments(mux, o, log) // supporting documents (documents.go)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := o.Store.Pool().Ping(ctx); err != nil {
			log.WarnContext(ctx, "readyz: database unreachable", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		// A read replica that is down or lags leaves the primary to serve every read:
		// still ready, but degraded, and the body says why.
		if rep := o.Store.Pool().Replica(); rep.Configured && !rep.Serving {
			_, _ = w.Write([]byte("degraded: " + rep.Reason + "; reads go to the primary\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return withConnection(observe(o.Metrics, o.Tracing, withClientAddress(accessLog(log, baseHeaders(routed(mux))))))
}

// GraphQL returns the gqlgen handler over st with its GraphQL-over-HTTP transport, the
// error presenter, the request limits of o, the checks of every string input (NUL,
// length), introspection only when o allows it (refused as a validation error
// otherwise), and the rule that every field but introspection needs a verified caller.
func GraphQL(st *store.Store, log *slog.Logger, o Options) http.Handler {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: resolvers.New(st, casesOver(st, o.rules())),
		Directives: graph.DirectiveRoot{IntegratorView: resolvers.IntegratorView}})
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{log: log})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(o.Limits.ParserTokens)
	srv.SetDisableSuggestion(!o.Suggestions)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(introspectionGate{})
	srv.Use(&inputCheck{})
	srv.Use(loaders.Extension{Store: st})
	srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: lru.New[string](100)}})
	srv.Use(limitsExtension{l: o.Limits, tree: st.Tree()})
	srv.Use(newOperationObserver(o.Tracing))
	srv.SetErrorPresenter(withRequestID(errorPresenter(log)))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", fmt.Sprint(v))
		return errors.New("internal error")
	})
	srv.AroundRootFields(requireCaller)
	srv.AroundOperations(recordIntegratorCalls(st, log, schema.Schema()))
	if !o.ExecutorOnly {
		reads := o.Reads
		if reads == nil {
			reads = sqlread.New(st)
		}
		// After the audit of integrators' calls; heavy operations that it answers take
		// turns in a queue of their own, and those it hands to the executor in the
		// executor's (queueHeavy, below).
		srv.AroundOperations(queueHeavyCompiled(o.Limits, reads.Compiles))
		srv.AroundOperations(reads.Middleware)
	}
	srv.AroundOperations(queueHeavy(o.Limits))
	return srv
}

// requireCaller answers every root field but introspection with UNAUTHENTICATED when the
// request has no verified caller.
func requireCaller(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	if fc := graphql.GetRootFieldContext(ctx); fc != nil && strings.HasPrefix(fc.Field.Name, "__") {
		return next(ctx)
	}
	if _, err := auth.FromContext(ctx); err != nil {
		graphql.AddError(ctx, err)
		return graphql.Null
	}
	return next(ctx)
}

// limitBody caps the request body at MaxBodyBytes: a declared larger body is refused
// with 413 before it is read, and an undeclared one is cut off at the limit.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBodyBytes {
			writeError(w, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// timeout gives a request's context a deadline: database work stops when it passes.
// The answer is held back until the request is done, so that a request cut short gets
// one clear TIMEOUT error (503) instead of a partial answer.
func timeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		buf := &bufferWriter{header: http.Header{}, status: http.StatusOK}
		next.ServeHTTP(buf, r.WithContext(ctx))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			writeError(w, http.StatusServiceUnavailable, CodeTimeout, fmt.Sprintf("the request took longer than %s and was stopped", d))
			return
		}
		for k, v := range buf.header {
			w.Header()[k] = v
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes())
	})
}

// writeError answers with a GraphQL-shaped error of code.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if id := w.Header().Get(telemetry.RequestIDHeader); id != "" {
		_, _ = fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":%q,"requestId":%q}}]}`, message, code, id)
		return
	}
	_, _ = fmt.Fprintf(w, `{"errors":[{"message":%q,"extensions":{"code":%q}}]}`, message, code)
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs one line per request: method, path, status and duration. It never logs
// query strings, bodies or headers, which may hold personal data or tokens.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.InfoContext(r.Context(), "http", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", time.Since(start).Milliseconds())
	})
}

// connectionKey is the context key of the connection's ResponseController.
type connectionKey struct{}

// withConnection keeps the ResponseController of the connection's own writer in the
// request's context, for a handler that moves its write deadline (the payroll export):
// a writer wrapped on the way (the tracing's) may not let a controller through.
func withConnection(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), connectionKey{}, http.NewResponseController(w))))
	})
}

// connectionOf returns the ResponseController withConnection kept for the request, or
// one over w when there is none.
func connectionOf(r *http.Request, w http.ResponseWriter) *http.ResponseController {
	if rc, ok := r.Context().Value(connectionKey{}).(*http.ResponseController); ok {
		return rc
	}
	return http.NewResponseController(w)
}
