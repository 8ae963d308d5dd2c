package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeBadRequest is the code of a request that is not a GraphQL request the server can
// read: a body that is not JSON, a content type no transport takes, variables or
// extensions of a GET that do not decode, a mutation sent by GET, a persisted query of
// an unknown version or whose hash does not match its text.
const CodeBadRequest = "BAD_REQUEST"

// CodePersistedQueryNotFound is the code of a persisted query sent by hash alone whose
// text the server does not hold: the client sends it again with its text.
const CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"

func init() {
	errcode.RegisterErrorType(CodeBadRequest, errcode.KindProtocol)
}

// persistedQueries is gqlgen's automatic persisted queries with a code on every error:
// PERSISTED_QUERY_NOT_FOUND as gqlgen sets it, BAD_REQUEST for the others (a bad
// extension, an unknown version, a hash that does not match), which gqlgen leaves
// without one.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedQueries{}

// MutateOperationParameters reads the persisted-query extension of a request.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && (err.Extensions == nil || err.Extensions["code"] == nil) {
		errcode.Set(err, CodeBadRequest)
	}
	return err
}

// protocolError returns the coded error of an error gqlgen's transport raised while
// reading the request, before any operation: nil for any other error. gqlgen gives
// these no code, and one of them repeats the request body in its message.
func protocolError(gqlErr *gqlerror.Error) *gqlerror.Error {
	if gqlErr.Err != nil || len(gqlErr.Path) > 0 {
		return nil
	}
	var code, message string
	switch m := gqlErr.Message; {
	case strings.HasPrefix(m, "json request body could not be decoded"):
		code, message = CodeBadRequest, "the request body is not a GraphQL request in JSON"
	case strings.HasPrefix(m, "could not read request body"):
		code, message = CodeBadRequest, "the request body could not be read"
	default:
		return nil
	}
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

// codeProtocolErrors gives extensions.code BAD_REQUEST to the errors that gqlgen's
// transports write themselves, without the error presenter, when they cannot take a
// request (HTTP 400 and 406: no transport for the content type, a mutation by GET,
// undecodable GET variables). Other answers pass unread.
func codeProtocolErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &protocolWriter{ResponseWriter: w}
		next.ServeHTTP(pw, r)
		if !pw.held {
			return
		}
		body := pw.buf.Bytes()
		var resp map[string]any
		if err := json.Unmarshal(body, &resp); err == nil {
			errs, _ := resp["errors"].([]any)
			for _, e := range errs {
				m, ok := e.(map[string]any)
				if !ok {
					continue
				}
				ext, _ := m["extensions"].(map[string]any)
				if ext == nil {
					ext = map[string]any{}
					m["extensions"] = ext
				}
				if ext["code"] == nil {
					ext["code"] = CodeBadRequest
				}
			}
			if b, err := json.Marshal(resp); err == nil {
				body = b
			}
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(pw.status)
		_, _ = w.Write(body)
	})
}

// protocolWriter holds back an answer of status 400 or 406 for codeProtocolErrors and
// passes any other through.
type protocolWriter struct {
	http.ResponseWriter
	status int
	held   bool
	wrote  bool
	buf    bytes.Buffer
}

func (p *protocolWriter) WriteHeader(status int) {
	if p.wrote {
		return
	}
	p.wrote = true
	if status == http.StatusBadRequest || status == http.StatusNotAcceptable {
		p.held, p.status = true, status
		return
	}
	p.ResponseWriter.WriteHeader(status)
}

func (p *protocolWriter) Write(b []byte) (int, error) {
	if !p.wrote {
		p.WriteHeader(http.StatusOK)
	}
	if p.held {
		return p.buf.Write(b)
	}
	return p.ResponseWriter.Write(b)
}
