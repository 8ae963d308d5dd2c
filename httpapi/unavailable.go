package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeUnavailable is the code of an error caused by a database that cannot be reached
// for now; the request may be retried. The answer is HTTP 503 with Retry-After.
const CodeUnavailable = "UNAVAILABLE"

// RetryAfterUnavailable is the Retry-After of an UNAVAILABLE answer, in seconds.
const RetryAfterUnavailable = 5

// unavailableKey carries the flag that an error of the request was UNAVAILABLE.
type unavailableKey struct{}

// unavailableError returns the UNAVAILABLE error at path and marks the request of ctx,
// so that unavailableStatus answers it with 503.
func unavailableError(ctx context.Context, path ast.Path) *gqlerror.Error {
	if flag, ok := ctx.Value(unavailableKey{}).(*atomic.Bool); ok {
		flag.Store(true)
	}
	return &gqlerror.Error{
		Message:    "the database is unavailable for now; try again shortly",
		Path:       path,
		Extensions: map[string]any{"code": CodeUnavailable},
	}
}

// unavailableStatus answers a GraphQL request with HTTP 503 and Retry-After when any of
// its errors is UNAVAILABLE, so that clients and proxies know to retry; the body is the
// GraphQL answer as it is.
func unavailableStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flag := &atomic.Bool{}
		ctx := context.WithValue(r.Context(), unavailableKey{}, flag)
		next.ServeHTTP(&unavailableWriter{ResponseWriter: w, flag: flag}, r.WithContext(ctx))
	})
}

// unavailableWriter turns the status of a response into 503 when the flag is set by the
// time the status is written. gqlgen writes its answer once the operation is done, so
// every error has been presented by then.
type unavailableWriter struct {
	http.ResponseWriter
	flag  *atomic.Bool
	wrote bool
}

func (u *unavailableWriter) WriteHeader(code int) {
	if u.wrote {
		return
	}
	u.wrote = true
	if u.flag.Load() {
		u.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
		code = http.StatusServiceUnavailable
	}
	u.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer beneath.
func (u *unavailableWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func (u *unavailableWriter) Write(b []byte) (int, error) {
	if !u.wrote {
		u.WriteHeader(http.StatusOK)
	}
	return u.ResponseWriter.Write(b)
}
