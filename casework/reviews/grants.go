package reviews

import (
	"jiuzhu/casework/grants"
	"jiuzhu/models"
)

// The grant operations of closing a review: the one place that names them. Moving a
// grant and computing its amount again go through the grants' use cases inside the
// review's unit of work, so that a review moves and prices a grant exactly as the
// grant's own mutations do.

func (t tx) Grant(id string) (*models.Grant, error) { return t.rv.Grant(t.w, id) }

// MoveGrant moves g through the grant lifecycle; the review's use case has asked
// policy.CanMove.
func (t tx) MoveGrant(g *models.Grant, to models.GrantStatus, reason string) error {
	return grants.TxOf(t.st, t.w).Move(g, to, reason, nil)
}

func (t tx) Recompute(g *models.Grant, day models.Date, amount *models.Money, reason string) (models.Money, error) {
	calc, err := t.grants.RecomputeWithin(grants.TxOf(t.st, t.w), t.w.Scope(), g, day, amount, reason)
	if err != nil {
		return 0, err
	}
	return calc.Amount, nil
}
