package verifications

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/models"
)

// Verifications returns the verifications of a household of the caller's area, latest
// first. It returns models.ErrNotFound for a household outside the area and
// models.ErrUnauthenticated without a caller.
func (s *Service) Verifications(ctx context.Context, householdID string) ([]*models.Verification, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Verifications(ctx, sc, householdID)
}

// LatestVerification returns the latest verification of a household of the caller's
// area, or nil when it has none. It returns models.ErrNotFound for a household outside
// the area and models.ErrUnauthenticated without a caller.
func (s *Service) LatestVerification(ctx context.Context, householdID string) (*models.Verification, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Latest(ctx, sc, householdID)
}

// VerifiedMembersOf returns the member lines of a verification of the caller's area
// (none for a verification outside it). It returns models.ErrUnauthenticated without a
// caller.
func (s *Service) VerifiedMembersOf(ctx context.Context, verificationID string) ([]*models.VerificationMember, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.Lines(ctx, sc, verificationID)
}
