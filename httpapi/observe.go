package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"jiuzhu/telemetry"
)

// Words of the operation label of jiuzhu_graphql_requests_total besides root field names.
const (
	// operationNone is a request that ran no operation: refused before or while parsing
	// and validating.
	operationNone = "none"
	// codeOK is a request answered without errors.
	codeOK = "OK"
	// codeUnknown is an error that carries no code (none should).
	codeUnknown = "UNKNOWN"
	// codeBadRequest is a request to /graphql answered with an HTTP error and no code.
	codeBadRequest = "BAD_REQUEST"
	// graphqlRoute is the pattern of the GraphQL endpoint.
	graphqlRoute = "/graphql"
)

// observation is what the GraphQL layer tells the HTTP layer about one request, for its
// metrics: the operation's label and the answer's code.
type observation struct {
	route     string
	operation string
	code      string
}

type observationKey struct{}

func observationFrom(ctx context.Context) *observation {
	o, _ := ctx.Value(observationKey{}).(*observation)
	return o
}

// statusOnly are the answers written before or instead of the GraphQL layer's, and the
// code each one's body carries.
var statusOnly = map[int]string{
	http.StatusTooManyRequests:       CodeRateLimited,
	http.StatusRequestEntityTooLarge: CodeRequestTooLarge,
	http.StatusServiceUnavailable:    CodeTimeout,
}

// observe is the outermost middleware: it gives each request its id (a sane
// X-Request-Id of the caller's, or a new one), sets it on the answer and in the context
// for the log lines and the errors' extensions; with metrics it times the request by
// route and counts GraphQL requests by operation and code; with a tracer provider it
// wraps everything in the request's HTTP span (continuing the caller's traceparent).
func observe(m *telemetry.Metrics, t *telemetry.Tracing, next http.Handler) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := telemetry.RequestIDOf(r.Header.Get(telemetry.RequestIDHeader))
		w.Header().Set(telemetry.RequestIDHeader, id)
		ctx := telemetry.WithRequestID(r.Context(), id)
		span := trace.SpanFromContext(ctx)
		if span.IsRecording() {
			span.SetAttributes(attribute.StringSlice("http.request.header.x-request-id", []string{id}))
		}
		if m == nil && !span.IsRecording() {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		start := time.Now()
		ob := &observation{}
		ctx = context.WithValue(telemetry.WithMetrics(ctx, m), observationKey{}, ob)
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r)
		route := ob.route
		if route == "" {
			route = "unmatched"
		}
		if span.IsRecording() {
			span.SetName(r.Method + " " + route)
			span.SetAttributes(attribute.String("http.route", route))
		}
		if m == nil {
			return
		}
		d := time.Since(start)
		m.HTTPRequest(route, rec.status, d)
		if route != graphqlRoute || r.Method == http.MethodOptions {
			return
		}
		code, ok := statusOnly[rec.status]
		if !ok {
			code = ob.code
		}
		if code == "" {
			// No GraphQL answer: a body the transport could not read.
			code = codeBadRequest
			if rec.status >= 500 {
				code = CodeInternal
			}
		}
		op := ob.operation
		if op == "" {
			op = operationNone
		}
		m.GraphQLRequest(op, code, d)
	})
	if t == nil {
		return h
	}
	return otelhttp.NewHandler(h, "http", otelhttp.WithTracerProvider(t.Provider), otelhttp.WithPropagators(t.Propagator),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// routed serves mux and notes the pattern it chose in the request's observation (the mux
// sets it on the request it is given, which middleware between here and observe may
// have copied).
func routed(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if ob := observationFrom(r.Context()); ob != nil {
			ob.route = r.Pattern
		}
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// operationObserver is the gqlgen extension that names each operation for the metrics
// (its first root field, a name of the schema, so that the label's values are bounded
// whatever operation names callers choose), notes the code of its answer, and, with a
// tracer, gives the operation a span. Fields get no spans of their own: the SQL
// statements under the operation span say where the time went, at no cost per field.
type operationObserver struct{ tracer trace.Tracer }

var (
	_ graphql.HandlerExtension     = operationObserver{}
	_ graphql.OperationInterceptor = operationObserver{}
	_ graphql.ResponseInterceptor  = operationObserver{}
)

// ExtensionName names the extension for gqlgen.
func (operationObserver) ExtensionName() string { return "Observe" }

// Validate accepts every schema.
func (operationObserver) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation names the operation, starts its span and notes its answer's code.
func (e operationObserver) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ob := observationFrom(ctx)
	oc := graphql.GetOperationContext(ctx)
	name := rootFieldOf(oc.Operation.SelectionSet)
	if ob != nil {
		ob.operation = name
	}
	var span trace.Span
	if e.tracer != nil {
		ctx, span = e.tracer.Start(ctx, "graphql "+string(oc.Operation.Operation)+" "+name,
			trace.WithAttributes(attribute.String("graphql.operation.type", string(oc.Operation.Operation)),
				attribute.String("graphql.operation.root_field", name)))
	}
	rh := next(ctx)
	if ob == nil && span == nil {
		return rh
	}
	return func(ctx context.Context) *graphql.Response {
		resp := rh(ctx)
		if resp != nil {
			code := codeOf(resp.Errors)
			if ob != nil {
				ob.code = code
			}
			if span != nil && code != codeOK {
				span.SetStatus(otelcodes.Error, code)
				span.SetAttributes(attribute.String("graphql.error.code", code))
			}
		}
		if span != nil {
			span.End()
		}
		return resp
	}
}

// InterceptResponse notes the code of every answer, those of requests refused before an
// operation ran (parse and validation errors) included.
func (operationObserver) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ob := observationFrom(ctx); ob != nil && resp != nil {
		ob.code = codeOf(resp.Errors)
	}
	return resp
}

// rootFieldOf returns the name of the first root field of a selection set, looking
// into fragments; "none" for an empty one.
func rootFieldOf(set ast.SelectionSet) string {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name != "__typename" || len(set) == 1 {
				return s.Name
			}
		case *ast.InlineFragment:
			if n := rootFieldOf(s.SelectionSet); n != operationNone {
				return n
			}
		case *ast.FragmentSpread:
			if s.Definition != nil {
				if n := rootFieldOf(s.Definition.SelectionSet); n != operationNone {
					return n
				}
			}
		}
	}
	return operationNone
}

// codeOf returns OK for no errors, else the first error's extensions.code.
func codeOf(errs gqlerror.List) string {
	if len(errs) == 0 {
		return codeOK
	}
	if c, ok := errs[0].Extensions["code"].(string); ok && c != "" {
		return c
	}
	return codeUnknown
}

// withRequestID adds the request's id to every error's extensions (requestId), so that a
// caller can quote it and an operator find the request's log lines.
func withRequestID(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		id := telemetry.RequestID(ctx)
		if e == nil || id == "" {
			return e
		}
		out := *e // the presented error may be shared; extend a copy
		out.Extensions = make(map[string]any, len(e.Extensions)+1)
		for k, v := range e.Extensions {
			out.Extensions[k] = v
		}
		out.Extensions["requestId"] = id
		return &out
	}
}

// observeRefusals counts the rate limiters' refusals in m.
func observeRefusals(l rateLimiters, m *telemetry.Metrics) {
	if m == nil {
		return
	}
	l.subjects.refused = func() { m.RateLimitRefusal("subject") }
	l.addresses.refused = func() { m.RateLimitRefusal("address") }
}

// newOperationObserver returns the extension, with a tracer when t is set.
func newOperationObserver(t *telemetry.Tracing) operationObserver {
	if t == nil {
		return operationObserver{}
	}
	return operationObserver{tracer: t.Provider.Tracer(telemetry.TracerName)}
}

// observeRefusal adds the request id to the extensions of a request refused before
// gqlgen read it, and notes its code for the metrics.
func observeRefusal(ctx context.Context, ext map[string]any) {
	if id := telemetry.RequestID(ctx); id != "" {
		ext["requestId"] = id
	}
	if ob := observationFrom(ctx); ob != nil {
		ob.code, _ = ext["code"].(string)
	}
}
