// Package resolvers maps GraphQL to the use cases and back: it reads arguments, calls a
// use case (casework) or, for the aggregates not yet moved there, the store, and turns
// the answer into the schema's types. It holds no rule, no permission check and no
// clock; errors are mapped to codes once, by the HTTP edge. See docs/architecture.md.
package resolvers

//go:generate go tool gqlgen generate

import (
	"context"
	"errors"

	"jiuzhu/casework/applications"
	"jiuzhu/casework/catalogue"
	"jiuzhu/casework/categoryviews"
	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/funds"
	"jiuzhu/casework/grants"
	"jiuzhu/casework/grievances"
	"jiuzhu/casework/households"
	"jiuzhu/casework/imports"
	"jiuzhu/casework/referrals"
	"jiuzhu/casework/reports"
	"jiuzhu/casework/reviews"
	"jiuzhu/casework/staffing"
	"jiuzhu/casework/verifications"
	"jiuzhu/loaders"
	"jiuzhu/models"
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
	Grants        *grants.Service
	Staffing      *staffing.Service
	Funds         *funds.Service
	Reports       *reports.Service
	Applications  *applications.Service
	Imports       *imports.Service
	Grievances    *grievances.Service
	Referrals     *referrals.Service
	Catalogue     *catalogue.Service
	Discoveries   *discoveries.Service
	Reviews       *reviews.Service
	Verifications *verifications.Service
	CategoryViews *categoryviews.Service
}

// New returns the root resolver over st and the use cases cases, which the caller
// builds over st with the policy's configuration (httpapi does).
func New(st *store.Store, cases Cases) *Resolver {
	return &Resolver{Store: st, Cases: cases}
}

// load returns the batching loaders of the operation in ctx.
func (r *Resolver) load(ctx context.Context) *loaders.Set { return loaders.For(ctx, r.Store) }

// records makes the records of a list of kind rec siblings for their documents, so that
// the documents of the list are read with one statement.
func records[T any](ctx context.Context, r *Resolver, rec store.DocumentRecord, list []*T, id func(*T) string) {
	ids := make([]string, len(list))
	for i, v := range list {
		ids[i] = id(v)
	}
	r.load(ctx).Records(rec, ids)
}

// unseen returns v, or nil without an error when the record is outside what the caller
// may see (a linked record of a nullable field).
func unseen[T any](v *T, err error) (*T, error) {
	if errors.Is(err, models.ErrNotFound) || errors.Is(err, models.ErrForbidden) {
		return nil, nil
	}
	return v, err
}
