package applications

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Application returns the application with reference number ref (case and surrounding
// blanks do not matter): one grant, with its one status and its history in its events.
// It returns models.ErrUnauthenticated without a caller and models.ErrNotFound when there
// is none in the caller's area (or, for integrators, in their categories).
func (s *Service) Application(ctx context.Context, ref string) (*models.Grant, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Application(ctx, sc, ref)
}

// Discoveries returns the households of area (the caller's by default) that look
// eligible but receive nothing of the matching kind (P7), each with its reasons: a reason
// of policy.Coverages raised by the household's derived values and not answered by a
// receiving grant (policy.Receiving) that the caller may see. They are ordered by need,
// the largest gap between the dibao standard and the per-capita income first, then by
// id. It returns models.ErrUnauthenticated without a caller, a *models.FieldError for a
// bad area or paging argument and a Forbidden error for an area outside the caller's
// subtree. The rules of q (Coverages, Receiving) are the policy's, whatever q says.
func (s *Service) Discoveries(ctx context.Context, q store.DiscoveryQuery) (*store.Page[models.Discovery], error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	found, err := s.st.Discoveries(ctx, sc, casework.DiscoveryRules(q))
	if err != nil {
		return nil, err
	}
	page := &store.Page[models.Discovery]{
		Items: make([]models.Discovery, len(found.Items)), Cursors: found.Cursors,
		HasNextPage: found.HasNextPage, HasPreviousPage: found.HasPreviousPage, Count: found.Count,
	}
	for i, c := range found.Items {
		page.Items[i] = models.Discovery{Household: c.Household, Reasons: casework.Unanswered(&c)}
	}
	return page, nil
}
