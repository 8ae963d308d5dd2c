// Package resolvers maps GraphQL to the use cases and back: it reads arguments, calls a
// use case (casework) or, for the aggregates not yet moved there, the store, and turns
// the answer into the schema's types. It holds no rule, no permission check and no
// clock; errors are mapped to codes once, by the HTTP edge. See docs/architecture.md.
package resolvers

//go:generate go tool gqlgen generate

import (
	"context"

	"jiuzhu/casework/applications"
	"jiuzhu/casework/categoryviews"
	"jiuzhu/casework/entitlements"
	"jiuzhu/casework/funds"
	"jiuzhu/casework/households"
	"jiuzhu/casework/imports"
	"jiuzhu/casework/reports"
	"jiuzhu/casework/staffing"
	"jiuzhu/casework/verifications"
	"jiuzhu/loaders"
	"jiuzhu/store"
)

// Resolver is the root resolver.
type Resolver struct {
	Store *store.Store
	// Cases holds the use cases, one service per aggregate moved to casework.
	Cases Cases
}

// Cases are the use-case services the resolvers call.
type Cases struct {
	Households    *households.Service
	Entitlements  *entitlements.Service
	Staffing      *staffing.Service
	Funds         *funds.Service
	Reports       *reports.Service
	Applications  *applications.Service
	Imports       *imports.Service
	Verifications *verifications.Service
	CategoryViews *categoryviews.Service
}

// New returns the root resolver over st, with the use cases over st.
func New(st *store.Store) *Resolver {
	return &Resolver{Store: st, Cases: Cases{
		Households:    households.New(st),
		Entitlements:  entitlements.New(st, st.Tree()),
		Staffing:      staffing.New(st),
		Funds:         funds.New(st),
		Reports:       reports.New(st),
		Applications:  applications.New(st),
		Imports:       imports.New(st),
		Verifications: verifications.New(st),
		CategoryViews: categoryviews.New(st),
	}}
}

// load returns the batching loaders of the operation in ctx.
func (r *Resolver) load(ctx context.Context) *loaders.Set { return loaders.For(ctx, r.Store) }
