package httpapi

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/store"
)

// recordIntegratorCalls keeps every GraphQL operation of an integrator, queries included,
// on the audit trail with the token's subject, before the operation runs. When the entry
// cannot be written the operation does not run and the caller gets INTERNAL: a call that
// is not on record does not happen.
func recordIntegratorCalls(st *store.Store, log *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		p, err := auth.FromContext(ctx)
		if err != nil || p.Role != models.RoleIntegrator {
			return next(ctx)
		}
		oc := graphql.GetOperationContext(ctx)
		op, fields := "graphql", []string(nil)
		if oc != nil && oc.Operation != nil {
			op = string(oc.Operation.Operation)
			if oc.Operation.Name != "" {
				op += " " + oc.Operation.Name
			}
			for _, sel := range oc.Operation.SelectionSet {
				if f, ok := sel.(*ast.Field); ok {
					fields = append(fields, f.Name)
				}
			}
		}
		if err := st.RecordCall(ctx, op, fields); err != nil {
			log.ErrorContext(ctx, "graphql: cannot record an integrator's call", "err", err)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "internal error",
				Extensions: map[string]any{"code": CodeInternal},
			}}})
		}
		return next(ctx)
	}
}
