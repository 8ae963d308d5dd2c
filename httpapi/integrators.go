package httpapi

import (
	"context"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/store"
)

// maxRecordedID bounds one id written in a call record; ids of jiuzhu are shorter.
const maxRecordedID = 64

// recordIntegratorCalls keeps every GraphQL operation of an integrator, queries included,
// on the audit trail with the token's subject, before the operation runs. The entry's
// operation is the kind alone ("query", "mutation"): the operation's name is the caller's
// to choose and proves nothing. Its records are the root fields that execute, found as
// the executor finds them (fragments and inline fragments expanded, @skip and @include
// applied), each with the record ids its arguments name: "household(H1)". When the entry
// cannot be written the operation does not run and the caller gets INTERNAL (UNAVAILABLE
// when the database cannot be reached): a call that is not on record does not happen.
func recordIntegratorCalls(st *store.Store, log *slog.Logger, schema *ast.Schema) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		p, err := auth.FromContext(ctx)
		if err != nil || p.Role != models.RoleIntegrator {
			return next(ctx)
		}
		op, fields := "graphql", []string(nil)
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
			op, fields = string(oc.Operation.Operation), executedRootFields(oc, schema)
		}
		if err := st.Audit().RecordCall(ctx, store.ScopeFor(p), op, fields); err != nil {
			if store.Unavailable(err) {
				log.WarnContext(ctx, "graphql: cannot record an integrator's call: database unavailable", "err", err)
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{unavailableError(ctx, nil)}})
			}
			log.ErrorContext(ctx, "graphql: cannot record an integrator's call", "err", err)
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "internal error",
				Extensions: map[string]any{"code": CodeInternal},
			}}})
		}
		return next(ctx)
	}
}

// executedRootFields lists the root fields of oc's operation that the executor runs,
// in order, each followed by the record ids of its arguments in parentheses.
func executedRootFields(oc *graphql.OperationContext, schema *ast.Schema) []string {
	typeName := "Query"
	switch oc.Operation.Operation {
	case ast.Mutation:
		typeName = "Mutation"
	case ast.Subscription:
		typeName = "Subscription"
	}
	var out []string
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{typeName}) {
		var ids []string
		if f.Definition != nil {
			args := f.ArgumentMap(oc.Variables)
			for _, a := range f.Definition.Arguments {
				ids = appendIDs(ids, schema, a.Type, args[a.Name])
			}
		}
		if len(ids) == 0 {
			out = append(out, f.Name)
			continue
		}
		out = append(out, f.Name+"("+strings.Join(ids, " ")+")")
	}
	return out
}

// appendIDs appends the values of type ID within v, a value of type t: v itself, the
// elements of a list, and the fields of an input object, at any depth.
func appendIDs(ids []string, schema *ast.Schema, t *ast.Type, v any) []string {
	if t == nil || v == nil {
		return ids
	}
	if t.Elem != nil {
		if list, ok := v.([]any); ok {
			for _, e := range list {
				ids = appendIDs(ids, schema, t.Elem, e)
			}
		}
		return ids
	}
	if t.NamedType == "ID" {
		if s, ok := v.(string); ok {
			return append(ids, recordedID(s))
		}
		return ids
	}
	def := schema.Types[t.NamedType]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return ids
	}
	for _, f := range def.Fields {
		ids = appendIDs(ids, schema, f.Type, obj[f.Name])
	}
	return ids
}

// recordedID makes an id given by the caller safe to write in a call record: at most
// maxRecordedID bytes, and only letters, digits and -_.: so that it cannot pose as
// another field or id.
func recordedID(s string) string {
	s = clipBytes(s, maxRecordedID)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
			return r
		}
		return '?'
	}, s)
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
