package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// ClearReviewFlag closes the review that a verification opened on a grant (P10): an
// officer or admin at township level or above whose area holds the grant has looked at
// it and keeps it as it is, for the reason given. The grant's status does not change;
// the review is kept in its history as an event from its status to the same status, and
// in the audit trail and the change feed.
//
// It returns models.ErrNotFound for a grant outside the caller's area, a Forbidden error
// for a role or tier that may not decide on grants, a *models.FieldError for a missing
// reason or a grant without a flag, and a Conflict error when the grant is not at
// expected (when given) or changed concurrently.
func (s *Store) ClearReviewFlag(ctx context.Context, id, reason string, expected *int) (*models.Grant, error) {
	r, err := reasonText("reason", &reason, true)
	if err != nil {
		return nil, err
	}
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionDecideGrant, "clear review flags"); err != nil {
		return nil, err
	}
	g, err := s.Grant(ctx, id)
	if err != nil {
		return nil, err
	}
	if !policy.AtLevel(sc.p.Level(), models.LevelTownship) {
		return nil, models.Forbidden("clearing a review flag takes an officer at %s level or above; you are at %s level",
			models.LevelTownship, sc.p.Level())
	}
	if expected != nil && *expected != g.Version {
		return nil, models.Conflict("the grant is at version %d, not %d: it was changed by someone else; reload it and try again", g.Version, *expected)
	}
	if !g.ReviewFlag {
		return nil, models.Invalid("grantId", "the grant has no review flag to clear")
	}
	before := *g
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := sc.grantRows(tx).Where("grants.id = ? AND grants.version = ?", g.ID, g.Version).Updates(map[string]any{
			"review_flag": false, "review_reason": nil, "version": g.Version + 1, "updated_at": tx.NowFunc(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Conflict("the grant was changed by someone else; reload it and try again")
		}
		from := g.Status
		if err := tx.Create(grantEvent(sc.p, g, &from, g.Status, "review flag cleared: "+r)).Error; err != nil {
			return err
		}
		g.ReviewFlag, g.ReviewReason, g.Version = false, nil, g.Version+1
		if err := s.logChange(tx, grantChanged(models.ChangeUpdated, g)); err != nil {
			return err
		}
		return s.audit(tx, sc, "clearReviewFlag", g.AreaCode, []string{g.ID}, before, g)
	})
	if err != nil {
		return nil, wrap("clear review flag", err)
	}
	return s.Grant(ctx, g.ID)
}
