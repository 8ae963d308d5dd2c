package referrals

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
	"jiuzhu/store"
)

// Referral returns referral id as the caller sees it: a department's integrator sees the
// referrals of its department, area and categories, the other roles those of their
// area. It returns models.ErrNotFound otherwise.
func (s *Service) Referral(ctx context.Context, id string) (*models.Referral, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Referral(ctx, sc, id)
}

// OfApplication returns the referral of application grantID that the caller sees, or
// nil.
func (s *Service) OfApplication(ctx context.Context, grantID string) (*models.Referral, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.ReferralOfGrant(ctx, sc, grantID)
}

// ReferralFilter selects referrals.
type ReferralFilter struct {
	Department *models.Department
	Status     *models.ReferralStatus
	// Overdue selects the open referrals past their due time.
	Overdue bool
}

// List returns one page of the referrals in area (the caller's when nil) that f selects,
// as Referral narrows them: a department's queue for its integrator. It returns a
// *models.FieldError for an area outside the caller's or a bad cursor.
func (s *Service) List(ctx context.Context, area *string, f ReferralFilter, page store.PageArgs) (*store.Page[models.Referral], error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := store.ReferralQuery{Area: area, Department: f.Department, Page: page}
	if f.Status != nil {
		q.Statuses = []models.ReferralStatus{*f.Status}
	}
	if f.Overdue {
		now := s.now()
		q.OverdueAt = &now
	}
	return s.st.Referrals(ctx, sc, q)
}

// Counts returns, per department and township of area (the caller's when nil), the
// referrals open and overdue now, as Referral narrows them. It returns a
// *models.FieldError for an area outside the caller's.
func (s *Service) Counts(ctx context.Context, area *string) ([]*models.ReferralCount, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Counts(ctx, sc, area, s.now())
}

// Overdue reports whether referral r is open past its due time now.
func (s *Service) Overdue(r *models.Referral) bool { return r.Overdue(s.now()) }
