package reviews

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Review returns the review id. It returns models.ErrUnauthenticated without a caller
// and models.ErrNotFound for a review outside the caller's area (or, for integrators,
// their categories).
func (s *Service) Review(ctx context.Context, id string) (*models.Review, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Review(ctx, sc, id)
}

// Reviews returns a page of the reviews of q's area (the caller's by default), open or
// closed, overdue or not, ordered by (area code, id). It returns
// models.ErrUnauthenticated without a caller, a *models.FieldError for a bad area or
// paging argument and a Forbidden error for an area outside the caller's subtree.
func (s *Service) Reviews(ctx context.Context, q store.ReviewQuery) (*store.Page[models.Review], error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Reviews(ctx, sc, q)
}

// Counts counts the open reviews of area (the caller's by default): due and overdue. It
// returns the errors of Reviews.
func (s *Service) Counts(ctx context.Context, area *string) (models.ReviewCounts, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return models.ReviewCounts{}, err
	}
	return s.st.Counts(ctx, sc, area)
}
