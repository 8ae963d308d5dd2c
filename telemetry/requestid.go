package telemetry

import (
	"context"
	"encoding/base32"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// RequestIDHeader is the header that carries a request's id, in and out.
const RequestIDHeader = "X-Request-Id"

// MaxRequestIDLen bounds an X-Request-Id taken from a caller.
const MaxRequestIDLen = 64

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDOf returns the caller's X-Request-Id when it is sane, 1 to MaxRequestIDLen
// characters of letters, digits and "-", "_", ".", ":"; otherwise a new id.
func RequestIDOf(header string) string {
	if header != "" && len(header) <= MaxRequestIDLen && strings.IndexFunc(header, unsafeIDRune) < 0 {
		return header
	}
	return NewRequestID()
}

func unsafeIDRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':')
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRequestID returns a random id of 26 characters (128 bits, base32 lowercase). Its
// alphabet has no long runs of digits, so the log filter, which masks what looks like an
// ID or phone number, never alters it. The bits come from the runtime's generator
// (ChaCha8, seeded by the system): an id names a request, it guards nothing, and a
// system call per request would cost more than the rest of the id's work.
func NewRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return strings.ToLower(idEncoding.EncodeToString(b[:]))
}

// LogHandler wraps next so that every record logged with a context carries that
// context's request id (request_id) and, while a span is being recorded, its trace and
// span ids (trace_id, span_id). A record that already has a request_id, from another
// LogHandler on its way, gets none again.
func LogHandler(next slog.Handler) slog.Handler { return contextHandler{next} }

type contextHandler struct{ next slog.Handler }

func (h contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil && !hasAttr(r, "request_id") { // not twice when wrapped twice
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && sc.IsSampled() {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
		}
	}
	return h.next.Handle(ctx, r)
}

// hasAttr reports whether r has an attribute key.
func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.next.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.next.WithGroup(name)}
}
