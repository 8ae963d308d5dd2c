package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodePersistedQueryNotFound is the code of a persisted query sent by hash alone whose
// text the server does not hold: the client sends it again with its text.
const CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"

// persistedQueryField names the request parameter of a persisted query in errors.
const persistedQueryField = "extensions.persistedQuery"

// persistedQueries is gqlgen's automatic persisted queries with a code on every error:
// PERSISTED_QUERY_NOT_FOUND as gqlgen sets it, and BAD_USER_INPUT naming
// extensions.persistedQuery for the others (a malformed extension, an unknown version, a
// hash that does not match the text), which gqlgen leaves without a code and the error
// presenter would otherwise take for INTERNAL.
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
		errcode.Set(err, CodeBadUserInput)
		err.Extensions["field"] = persistedQueryField
		err.Message = persistedQueryField + ": " + err.Message
	}
	return err
}
