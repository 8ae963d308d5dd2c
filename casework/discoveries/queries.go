package discoveries

import (
	"context"

	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// reader checks that the caller may read discovery cases: every role but integrators,
// whose departments do not follow discoveries. It returns a Forbidden error for them.
func reader(sc store.Scope) error {
	if sc.Principal().Role == models.RoleIntegrator {
		return models.Forbidden("discovery cases are read by civil affairs, not by department integrators")
	}
	return nil
}

// Case returns the case id. It returns models.ErrUnauthenticated without a caller, a
// Forbidden error for integrators and models.ErrNotFound outside the caller's area.
func (s *Service) Case(ctx context.Context, id string) (*models.DiscoveryCase, error) {
	sc, err := casework.Open(ctx, reader)
	if err != nil {
		return nil, err
	}
	return s.st.Case(ctx, sc, id)
}

// Cases returns a page of the cases of q's area (the caller's by default). It returns
// the errors of Case, a *models.FieldError for a bad area or paging argument and a
// Forbidden error for an area outside the caller's subtree.
func (s *Service) Cases(ctx context.Context, q store.CaseQuery) (*store.Page[models.DiscoveryCase], error) {
	sc, err := casework.Open(ctx, reader)
	if err != nil {
		return nil, err
	}
	return s.st.Cases(ctx, sc, q)
}

// Visits returns the visits of case caseID, oldest first (none outside the caller's
// area). It returns the errors of Case.
func (s *Service) Visits(ctx context.Context, caseID string) ([]*models.DiscoveryVisit, error) {
	sc, err := casework.Open(ctx, reader)
	if err != nil {
		return nil, err
	}
	return s.st.Visits(ctx, sc, caseID)
}

// Stats counts the cases of area (the caller's by default) per unit of level (by default
// the level below the area's; the village's own for a village): found, followed, closed
// and turned into grants (an application made from the case that was approved: ACTIVE,
// GRACE, SUSPENDED or TERMINATED), so that each level's follow-through can be measured
// (P24). It returns the errors of Cases and a *models.FieldError naming level for a level
// above the area's.
func (s *Service) Stats(ctx context.Context, area *string, level *models.Level) ([]models.DiscoveryCaseStats, error) {
	sc, err := casework.Open(ctx, reader)
	if err != nil {
		return nil, err
	}
	lv := models.LevelVillage
	if level != nil {
		lv = *level
	} else {
		code := sc.Principal().Area
		if area != nil {
			code = *area
		}
		lv = below(division.LevelOf(code))
	}
	granted := []models.GrantStatus{models.GrantActive, models.GrantGrace, models.GrantSuspended, models.GrantTerminated}
	return s.st.Stats(ctx, sc, area, lv, granted)
}

// below returns the level below l (a village's own for a village or an unknown level).
func below(l models.Level) models.Level {
	for i, x := range models.Levels {
		if x == l && i+1 < len(models.Levels) {
			return models.Levels[i+1]
		}
	}
	return models.LevelVillage
}
