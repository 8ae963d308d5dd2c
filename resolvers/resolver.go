// Package resolvers is the thin GraphQL layer: it reads arguments, calls the store, and
// returns what the store returns. Scope and validation live in the store; errors are
// mapped to codes once, by the HTTP edge.
package resolvers

//go:generate go tool gqlgen generate

import "jiuzhu/store"

// Resolver is the root resolver.
type Resolver struct {
	Store *store.Store
}
