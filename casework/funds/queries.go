package funds

import (
	"context"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// ReserveFund returns the reserve fund of a township inside the caller's area; a
// township without one has a zero balance. It returns a Forbidden error for integrators
// and for a township outside the caller's area, and a *models.FieldError for a code that
// is not a township.
func (s *Service) ReserveFund(ctx context.Context, township string) (*models.ReserveFund, error) {
	sc, err := s.reserveReader(ctx, township)
	if err != nil {
		return nil, err
	}
	return s.st.Fund(ctx, sc, township)
}

// ReserveEntries returns a page of the ledger of a township's reserve fund, oldest
// first. It returns the errors of ReserveFund and a *models.FieldError for bad paging
// arguments.
func (s *Service) ReserveEntries(ctx context.Context, township string, args store.PageArgs) (*store.Page[models.ReserveEntry], error) {
	sc, err := s.reserveReader(ctx, township)
	if err != nil {
		return nil, err
	}
	return s.st.Entries(ctx, sc, township, args)
}

// reserveReader returns the caller's scope when it may read the reserve fund of
// township: a Forbidden error for integrators and for a township outside the caller's
// area, a *models.FieldError for a code that is not a township.
func (s *Service) reserveReader(ctx context.Context, township string) (store.Scope, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionReadReserve, "read reserve funds"))
	if err != nil {
		return store.Scope{}, err
	}
	return sc, s.st.Township(sc, "township", township)
}

// CharityAidOf returns the charity aid filed against a household of the caller's area,
// newest first; a household outside the area has none.
func (s *Service) CharityAidOf(ctx context.Context, householdID string) ([]*models.CharityAid, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.CharityAidOf(ctx, sc, householdID)
}
