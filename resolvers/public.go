package resolvers

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
)

// The jurisdiction tree and the catalogue are public reference data that the store
// serves to any verified caller; these read them with the caller's scope, built once
// from ctx. Each returns an error matching models.ErrUnauthenticated without a caller.

// jurisdiction returns the unit with code, or models.ErrNotFound for an unknown code.
func (r *Resolver) jurisdiction(ctx context.Context, code string) (*models.Jurisdiction, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Jurisdictions().Get(ctx, sc, code)
}

// programs returns the catalogue's programs in display order.
func (r *Resolver) programs(ctx context.Context) ([]*models.Program, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Catalogue().Programs(ctx, sc)
}
