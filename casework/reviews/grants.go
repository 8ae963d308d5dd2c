package reviews

import (
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// The grant operations of closing a review, served by the store's grants: the one place
// that names them, so that they follow the grants wherever those go.

func (t tx) Grant(id string) (*models.Grant, error) { return t.rv.Grant(t.w, id) }

func (t tx) MoveGrant(g *models.Grant, to models.GrantStatus, reason string) error {
	return t.rv.MoveGrant(t.w, g, to, reason)
}

func (t tx) Recompute(g *models.Grant, day models.Date, amount *models.Money, reason string) (models.Money, error) {
	calc, err := t.rv.Recompute(t.w, g, day, models.ApprovalInput{Amount: amount}, store.ApprovalDecider(policy.DecideApproval), reason)
	if err != nil {
		return 0, err
	}
	return calc.Amount, nil
}
