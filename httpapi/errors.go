package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"jiuzhu/models"
)

// Error codes written in extensions.code, as the API contract names them (docs/policy.md).
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
)

var codes = []struct {
	sentinel error
	code     string
}{
	{models.ErrUnauthenticated, CodeUnauthenticated},
	{models.ErrNotFound, CodeNotFound},
	{models.ErrForbidden, CodeForbidden},
	{models.ErrConflict, CodeConflict},
	{models.ErrInvalid, CodeBadUserInput},
	{models.ErrRateLimited, CodeRateLimited},
}

// errorPresenter maps domain errors to GraphQL errors with a code, once, at the edge.
// Errors gqlgen itself raised with a code (parse and validation failures) pass as they
// are. Anything else is INTERNAL: it is logged and its text never reaches the caller.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		for _, c := range codes {
			if !errors.Is(err, c.sentinel) {
				continue
			}
			out := &gqlerror.Error{
				Message:    models.PublicMessage(err),
				Path:       gqlErr.Path,
				Locations:  gqlErr.Locations,
				Extensions: map[string]any{"code": c.code},
			}
			if c.code == CodeBadUserInput {
				field := fieldOf(err, gqlErr)
				out.Extensions["field"] = field
				if !strings.HasPrefix(out.Message, field) {
					out.Message = field + ": " + out.Message
				}
			}
			return out
		}
		if gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil {
			if gqlErr.Extensions["code"] == errcode.ParseFailed && strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
				gqlErr.Extensions["code"] = CodeQueryTooLarge
			}
			return gqlErr
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &gqlerror.Error{
				Message:    "the request took too long and was stopped",
				Path:       gqlErr.Path,
				Extensions: map[string]any{"code": CodeTimeout},
			}
		}
		if gqlErr.Err == nil && gqlErr.Rule != "" {
			return gqlErr
		}
		log.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "err", err)
		return &gqlerror.Error{
			Message:    "internal error",
			Path:       gqlErr.Path,
			Extensions: map[string]any{"code": CodeInternal},
		}
	}
}

// fieldOf names the field of bad input: the store's *models.FieldError says it; for
// values gqlgen rejected while reading arguments, the argument path after the root field
// does.
func fieldOf(err error, gqlErr *gqlerror.Error) string {
	var fe *models.FieldError
	if errors.As(err, &fe) && fe.Field != "" {
		return fe.Field
	}
	var b strings.Builder
	for i, p := range gqlErr.Path {
		if i == 0 {
			continue
		}
		switch v := p.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(v))
		case ast.PathIndex:
			b.WriteString("[" + strconv.Itoa(int(v)) + "]")
		}
	}
	if b.Len() == 0 {
		return "input"
	}
	return b.String()
}
