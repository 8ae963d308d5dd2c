package store

import (
	"errors"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// The grant reads and writes a review's closing needs (P24), inside the review's unit
// of work: reading the grant in the review's scope, and setting an amount the rules
// computed again. Moving the grant goes through Grants.Move, as the grant's own mutations do.

// Grant returns the grant id in w's scope (and, for integrators, their categories), or
// models.ErrNotFound.
func (r *Reviews) Grant(w *Writer, id string) (*models.Grant, error) {
	var g models.Grant
	err := w.sc.grantRows(w.tx).Where("grants.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("grant")
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// Reprice sets the amount of the ACTIVE grant g to calc's, the calculation of its
// program's rule made again at a re-certification (P24): the grant's amount and version,
// an event from ACTIVE to ACTIVE with reason, calc replacing the grant's former
// calculation, the change feed and the household's tallies. The use case (casework/grants,
// RecomputeWithin) made calc by the rules. It returns a Conflict error when g changed since
// it was read.
func (r *Grants) Reprice(w *Writer, g *models.Grant, calc *models.EntitlementCalculation, reason string) error {
	res := w.sc.grantRows(w.tx).Where("grants.id = ? AND grants.version = ?", g.ID, g.Version).
		Updates(map[string]any{"amount": calc.Amount, "version": g.Version + 1, "updated_at": w.tx.NowFunc()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	g.Amount, g.Version = calc.Amount, g.Version+1
	from := g.Status
	if err := w.tx.Create(grantEvent(w.sc.p, g, &from, g.Status, reason)).Error; err != nil {
		return err
	}
	if err := w.sc.rows(w.tx, "entitlement_calculations").Where("entitlement_calculations.grant_id = ?", g.ID).
		Delete(&models.EntitlementCalculation{}).Error; err != nil {
		return err
	}
	if err := w.tx.Create(calc).Error; err != nil {
		return err
	}
	w.changed(grantChanged(models.ChangeUpdated, g))
	w.touched(g.HouseholdID) // the committed amount is in the household's tallies
	return nil
}
