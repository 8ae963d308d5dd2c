package store

import (
	"errors"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// The grant operations a review's closing needs (P24), inside the review's unit of work:
// reading the grant, moving it through the lifecycle (suspend, terminate) and
// recomputing its amount by the entitlement rules. They call the grants' own lifecycle
// (moveGrant, transition.go) and rules (entitle, entitlements.go), so that a review moves
// a grant exactly as the grant's own mutations do; they are kept apart here so that they
// follow the grants wherever those go.

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

// MoveGrant moves g to status to as w's caller, for reason, through the grant lifecycle
// (moveGrant): the grant event, the applicant's notice, the change feed and the refresh
// of the household. It returns a *models.FieldError when the lifecycle does not allow the
// move and a Conflict error when g changed since it was read.
func (r *Reviews) MoveGrant(w *Writer, g *models.Grant, to models.GrantStatus, reason string) error {
	return r.s.moveGrant(w.tx, w.sc.p, g, to, reason, nil)
}

// Recompute computes the amount of the ACTIVE grant g again by its program's rule
// (entitle, with decide) as of day, from the household as it is now, and, when it
// differs, sets it: the grant's amount and version, an event from ACTIVE to ACTIVE with
// reason, the calculation (replacing the grant's former one), the change feed and the
// household's tallies. in may carry the assessed amount of programs that take one. It
// returns the new calculation, and the errors of the rules (a *models.FieldError) and a
// Conflict error when g changed since it was read.
func (r *Reviews) Recompute(w *Writer, g *models.Grant, day models.Date, in models.ApprovalInput, decide ApprovalDecider, reason string) (*models.EntitlementCalculation, error) {
	in.StartDate, in.EndDate = day, g.EndDate
	calc, _, err := r.s.entitle(w.tx, w.sc, g, in, nil, decide)
	if err != nil {
		return nil, err
	}
	if calc.Amount == g.Amount {
		return calc, nil
	}
	res := w.sc.grantRows(w.tx).Where("grants.id = ? AND grants.version = ?", g.ID, g.Version).
		Updates(map[string]any{"amount": calc.Amount, "version": g.Version + 1, "updated_at": w.tx.NowFunc()})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	g.Amount, g.Version = calc.Amount, g.Version+1
	from := g.Status
	if err := w.tx.Create(grantEvent(w.sc.p, g, &from, g.Status, reason)).Error; err != nil {
		return nil, err
	}
	if err := w.sc.rows(w.tx, "entitlement_calculations").Where("entitlement_calculations.grant_id = ?", g.ID).
		Delete(&models.EntitlementCalculation{}).Error; err != nil {
		return nil, err
	}
	if err := r.s.recordCalculation(w.tx, w.sc, calc); err != nil {
		return nil, err
	}
	w.changed(grantChanged(models.ChangeUpdated, g))
	w.touched(g.HouseholdID) // the committed amount is in the household's tallies
	return calc, nil
}
