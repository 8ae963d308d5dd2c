// Package categoryviews holds the reads of the values the rules derive from grants, as
// the caller may see them: an integrator sees the grants of its token's categories only,
// so lowIncome (P17), the care reasons and care eligibility (P14) are, for it, either
// narrowed to what its categories tell or null (see store/categoryview.go). Each read
// takes the caller from its context and asks the store for the value as that caller's
// scope may see it.
package categoryviews

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Store is what the reads need of the category views. *store.Store serves it through
// New; the tests use a fake.
type Store interface {
	// LowIncome returns h's lowIncome as sc may see it, nil when it may not.
	LowIncome(sc store.Scope, h *models.Household) *bool
	// CareReasons returns m's care reasons as sc may see them.
	CareReasons(sc store.Scope, m *models.Member) []models.CareReason
	// CareEligible reports h's care eligibility by the reasons sc may see, reading the
	// members by members when it must.
	CareEligible(sc store.Scope, h *models.Household, members func() ([]*models.Member, error)) (bool, error)
}

// Service runs the reads of the category views. It is safe for concurrent use.
type Service struct{ st Store }

// New returns the reads over the store's category views, which need no connection: st
// is the store the rest of the use cases run over.
func New(_ *store.Store) *Service { return &Service{st: store.CategoryViews{}} }

// NewWith returns the reads over any Store; it is for tests.
func NewWith(st Store) *Service { return &Service{st: st} }

// LowIncomeOf returns whether household h is a low-income family (P17) as the caller may
// see it: nil for an integrator that does not see both DIBAO and TEKUN, since the value
// depends on grants of those. It returns an error matching models.ErrUnauthenticated
// without a caller.
func (s *Service) LowIncomeOf(ctx context.Context, h *models.Household) (*bool, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.LowIncome(sc, h), nil
}

// CareReasonsOf returns the care reasons of member m (P14) as the caller may see them:
// without RURAL_DIBAO for an integrator that does not see DIBAO. It returns an error
// matching models.ErrUnauthenticated without a caller.
func (s *Service) CareReasonsOf(ctx context.Context, m *models.Member) ([]models.CareReason, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.CareReasons(sc, m), nil
}

// HouseholdCareEligible reports whether a member of household h qualifies for
// centralized care (P14) by the reasons the caller may see. Only for an integrator that
// does not see DIBAO are the members read, by members. It returns members' error, and an
// error matching models.ErrUnauthenticated without a caller.
func (s *Service) HouseholdCareEligible(ctx context.Context, h *models.Household, members func() ([]*models.Member, error)) (bool, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return false, err
	}
	return s.st.CareEligible(sc, h, members)
}
