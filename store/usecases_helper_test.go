package store_test

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework/households"
	"jiuzhu/store"
)

// useCases returns the use cases of households and members over st, as the API runs
// them.
func useCases(st *store.Store) *households.Service { return households.New(st) }

// scopeOf returns the scope of the caller in ctx, or the zero Scope (which reaches
// nothing) without one.
func scopeOf(ctx context.Context) store.Scope {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return store.Scope{}
	}
	return store.ScopeFor(p)
}
