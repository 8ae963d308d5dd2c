package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// LogLinesPerSecond and LogLineBurst bound the warnings and errors that the requests of
// one client address may write to the log: a client that sends malformed requests as
// fast as it can adds a few lines a second, not one a request. The lines left out are
// counted in the next line written for that address (dropped_before).
const (
	LogLinesPerSecond = 1
	LogLineBurst      = 10
)

type clientAddressKey struct{}

// withClientAddress puts the client's address (the TCP peer) in the request's context,
// for the log limiter.
func withClientAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddressKey{}, clientAddress(r))))
	})
}

// clientAddress is the host of the request's TCP peer.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// perAddressLogHandler passes records below WARN on as they are, and records of WARN and
// above that belong to a request at most LogLinesPerSecond a second (LogLineBurst at
// once) per client address. Records without a request's address always pass.
type perAddressLogHandler struct {
	next slog.Handler
	lim  *rateLimiter
}

func newPerAddressLogHandler(next slog.Handler) perAddressLogHandler {
	return perAddressLogHandler{next: next, lim: newRateLimiter(RateLimit{RPS: LogLinesPerSecond, Burst: LogLineBurst})}
}

func (h perAddressLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h perAddressLogHandler) Handle(ctx context.Context, r slog.Record) error {
	addr, _ := ctx.Value(clientAddressKey{}).(string)
	if r.Level < slog.LevelWarn || addr == "" {
		return h.next.Handle(ctx, r)
	}
	ok, dropped := h.lim.admit(addr, time.Now())
	if !ok {
		return nil
	}
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("dropped_before", dropped))
	}
	return h.next.Handle(ctx, r)
}

func (h perAddressLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return perAddressLogHandler{next: h.next.WithAttrs(as), lim: h.lim}
}

func (h perAddressLogHandler) WithGroup(name string) slog.Handler {
	return perAddressLogHandler{next: h.next.WithGroup(name), lim: h.lim}
}
