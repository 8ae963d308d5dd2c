package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// requestParameters are the parameters of a GraphQL-over-HTTP request; any other is
// refused with 400.
var requestParameters = []string{"query", "operationName", "variables", "extensions"}

// httpTransport serves GraphQL over HTTP with GET (queries only) and POST
// (application/json), as the GraphQL-over-HTTP specification asks:
//
//   - A request that is not a well-formed GraphQL-over-HTTP request (a body that is not a
//     JSON object, a parameter of the wrong type, an unknown parameter, a missing query,
//     a wrong Content-Type) is refused with a 4xx status and BAD_USER_INPUT naming the
//     parameter. Its body is never echoed nor logged: one log line gives its size and
//     the class of the mistake.
//   - A request whose document does not parse or validate, or whose variables do not
//     fit, is answered 200 when the client accepts application/json and 400 when it
//     accepts application/graphql-response+json; either way without a data entry, since
//     execution did not start. The request limits' refusals are 422.
//   - The media type of the answer follows the Accept header: application/json when it
//     is absent or a wildcard, 406 when nothing acceptable is offered.
type httpTransport struct{ log *slog.Logger }

var _ graphql.Transport = httpTransport{}

// Supports takes every request but WebSocket upgrades and the OPTIONS and HEAD requests
// that transport.Options answers.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method != http.MethodOptions && r.Method != http.MethodHead
}

// requestError is a request refused before its document is read.
type requestError struct {
	status int
	code   string
	// field names the parameter or header at fault, if any.
	field string
	// class names the kind of mistake in the log line; it never holds request data.
	class   string
	message string
}

func badRequest(field, class, format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: CodeBadUserInput, field: field, class: class,
		message: fmt.Sprintf(format, args...)}
}

// Do answers one request.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		t.refuse(ctx, w, mediaJSON, 0, &requestError{status: http.StatusNotAcceptable, code: CodeBadUserInput, field: "Accept",
			class: "not_acceptable", message: "Accept offers neither application/graphql-response+json nor application/json"})
		return
	}
	var (
		params *graphql.RawParams
		size   int
		rerr   *requestError
	)
	switch r.Method {
	case http.MethodGet:
		params, rerr = paramsFromQuery(r.URL.RawQuery)
		size = len(r.URL.RawQuery)
	case http.MethodPost:
		params, size, rerr = paramsFromBody(r)
	default:
		w.Header().Set("Allow", "GET, POST")
		rerr = &requestError{status: http.StatusMethodNotAllowed, code: CodeBadUserInput, class: "method",
			message: "use GET for queries or POST"}
	}
	if rerr != nil {
		t.refuse(ctx, w, media, size, rerr)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		writeResult(w, media, refusedStatus(media, resp.Errors), &graphql.Response{Errors: resp.Errors, Extensions: resp.Extensions}, false)
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		t.refuse(ctx, w, media, size, &requestError{status: http.StatusMethodNotAllowed, code: CodeBadUserInput, class: "method",
			message: "GET runs queries only; send " + string(rc.Operation.Operation) + "s with POST"})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResult(w, media, http.StatusOK, responses(ctx), true)
}

// refuse answers a request refused before its document was read, and logs its size and
// the class of the mistake, never its content.
func (t httpTransport) refuse(ctx context.Context, w http.ResponseWriter, media string, size int, e *requestError) {
	t.log.WarnContext(ctx, "graphql: request refused", "class", e.class, "status", e.status, "bytes", size)
	ext := map[string]any{"code": e.code}
	if e.field != "" {
		ext["field"] = e.field
	}
	observeRefusal(ctx, ext)
	writeResult(w, media, e.status, &graphql.Response{Errors: gqlerror.List{{Message: e.message, Extensions: ext}}}, false)
}

// limitCodes are the request limits' codes, answered 422.
var limitCodes = map[any]bool{CodeQueryTooComplex: true, CodeQueryTooDeep: true, CodeTooManyAliases: true,
	CodeTooManyOperations: true, CodeQueryTooLarge: true}

// refusedStatus is the status of a request refused before execution: 422 when a request
// limit refused it; otherwise 200 for application/json and 400 for
// application/graphql-response+json.
func refusedStatus(media string, errs gqlerror.List) int {
	for _, e := range errs {
		if e != nil && limitCodes[e.Extensions["code"]] {
			return http.StatusUnprocessableEntity
		}
	}
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// writeResult writes resp as the answer, with its data entry only when execution
// started (withData).
func writeResult(w http.ResponseWriter, media string, status int, resp *graphql.Response, withData bool) {
	var (
		b   []byte
		err error
	)
	if withData {
		b, err = json.Marshal(resp)
	} else {
		b, err = json.Marshal(struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
	}
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// negotiate picks the media type of the answer from the Accept header values: the
// acceptable type of highest quality (application/graphql-response+json or
// application/json; a wildcard stands for application/json, and an explicit type wins
// a tie), application/json when there is no Accept header, and false when nothing
// acceptable is offered.
func negotiate(accept []string) (string, bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ, explicit := "", 0.0, false
	for _, v := range accept {
		for part := range strings.SplitSeq(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			var cand string
			isExplicit := true
			switch mt {
			case mediaGraphQLResponse, mediaJSON:
				cand = mt
			case "*/*", "application/*":
				cand, isExplicit = mediaJSON, false
			default:
				continue
			}
			if q > 0 && (q > bestQ || (q == bestQ && isExplicit && !explicit)) {
				best, bestQ, explicit = cand, q, isExplicit
			}
		}
	}
	return best, best != ""
}

// paramsFromBody reads a POST request's parameters from its JSON body. It returns the
// size of the body read.
func paramsFromBody(r *http.Request) (*graphql.RawParams, int, *requestError) {
	mt, mtParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON || (mtParams["charset"] != "" && !strings.EqualFold(mtParams["charset"], "utf-8")) {
		return nil, 0, &requestError{status: http.StatusUnsupportedMediaType, code: CodeBadUserInput, field: "Content-Type",
			class: "content_type", message: "send the request as application/json (UTF-8)"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, len(body), &requestError{status: http.StatusRequestEntityTooLarge, code: CodeRequestTooLarge,
				class: "body_too_large", message: fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes)}
		}
		return nil, len(body), badRequest("body", "body_unreadable", "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, 0, badRequest("body", "body_empty", "the request body is empty; send a JSON object with a query")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return nil, len(body), badRequest("body", "json_syntax", "the request body is not valid JSON (error at byte %d)", se.Offset)
		}
		return nil, len(body), badRequest("body", "json_not_object", "the request body must be a JSON object")
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same mistake is named on every try
	p := &graphql.RawParams{}
	for _, k := range keys {
		v := raw[k]
		var err *requestError
		switch k {
		case "query":
			err = decodeString(k, v, &p.Query)
		case "operationName":
			err = decodeString(k, v, &p.OperationName)
		case "variables":
			err = decodeObject(k, v, &p.Variables)
		case "extensions":
			err = decodeObject(k, v, &p.Extensions)
		default:
			err = unknownParameter(k)
		}
		if err != nil {
			return nil, len(body), err
		}
	}
	if err := requireQuery(p); err != nil {
		return nil, len(body), err
	}
	return p, len(body), nil
}

// paramsFromQuery reads a GET request's parameters from its query string.
func paramsFromQuery(rawQuery string) (*graphql.RawParams, *requestError) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("", "query_string", "the query string is malformed")
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first unknown parameter named is the same on every try
	p := &graphql.RawParams{}
	for _, k := range keys {
		vs := values[k]
		if len(vs) > 1 {
			return nil, badRequest(k, "parameter_repeated", "%s: give the parameter once", k)
		}
		v := vs[0]
		if !utf8.ValidString(v) {
			return nil, badRequest(k, "not_utf8", "%s: must be UTF-8 text", k)
		}
		var err *requestError
		switch k {
		case "query":
			p.Query = v
		case "operationName":
			p.OperationName = v
		case "variables":
			err = decodeObject(k, json.RawMessage(v), &p.Variables)
		case "extensions":
			err = decodeObject(k, json.RawMessage(v), &p.Extensions)
		default:
			err = unknownParameter(k)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := requireQuery(p); err != nil {
		return nil, err
	}
	return p, nil
}

// unknownParameter refuses a parameter that GraphQL over HTTP does not define, naming
// it when it looks like a parameter's name (up to 32 letters, digits and underscores);
// anything else a client sent is not echoed.
func unknownParameter(name string) *requestError {
	if !parameterName.MatchString(name) {
		return badRequest("", "unknown_parameter", "the request holds a parameter that is not one of %s",
			strings.Join(requestParameters, ", "))
	}
	return badRequest(name, "unknown_parameter", "%q is not a request parameter; the parameters are %s",
		name, strings.Join(requestParameters, ", "))
}

var parameterName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,31}$`)

// decodeString reads a string parameter; null leaves it empty.
func decodeString(name string, v json.RawMessage, dst *string) *requestError {
	if isNull(v) {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return badRequest(name, "parameter_type", "%s: must be a string", name)
	}
	return nil
}

// decodeObject reads an object parameter, keeping numbers as json.Number; null leaves
// it nil.
func decodeObject(name string, v json.RawMessage, dst *map[string]any) *requestError {
	if isNull(v) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return badRequest(name, "parameter_type", "%s: must be a JSON object", name)
	}
	*dst = m
	return nil
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || string(bytes.TrimSpace(v)) == "null"
}

// requireQuery refuses a request without a query, unless it names a persisted query.
func requireQuery(p *graphql.RawParams) *requestError {
	if p.Query != "" {
		return nil
	}
	if _, ok := p.Extensions["persistedQuery"]; ok {
		return nil
	}
	return badRequest("query", "missing_query", "query: required (a GraphQL document)")
}
