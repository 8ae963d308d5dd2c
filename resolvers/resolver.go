// Package resolvers is the thin GraphQL layer: it reads arguments, calls the store, and
// returns what the store returns. Scope and validation live in the store; errors are
// mapped to codes once, by the HTTP edge.
package resolvers

//go:generate go tool gqlgen generate

import (
	"context"

	"jiuzhu/casework/entitlements"
	"jiuzhu/loaders"
	"jiuzhu/store"
)

// Resolver is the root resolver.
type Resolver struct {
	Store *store.Store
}

// entitlements returns the use cases of what grants pay (P18–P21) over the store.
func (r *Resolver) entitlements() *entitlements.Service {
	return entitlements.New(r.Store, r.Store.Tree())
}

// load returns the batching loaders of the operation in ctx.
func (r *Resolver) load(ctx context.Context) *loaders.Set { return loaders.For(ctx, r.Store) }
