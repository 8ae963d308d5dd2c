package store

import (
	"jiuzhu/models"
)

// The writes of grants that a verification causes (P13). They go through the lifecycle's
// one path for moves (moveGrant), and are reached from the verifications' use cases
// through one adapter (casework/verifications), so that they follow the grants wherever
// their writes live.

// GraceIn moves the ACTIVE grant g to GRACE until until, for reason, as w's caller: its
// history event, the applicant's notice, the change feed and the household's refresh
// follow as for every move. It returns a *models.FieldError when g may not move to
// GRACE, and a Conflict error when g changed since it was read.
func (r *Verifications) GraceIn(w *Writer, g *models.Grant, until models.Date, reason string) error {
	return r.s.Grants().moveGrant(w.tx, w.sc.p, g, models.GrantGrace, reason, map[string]any{"grace_until": until})
}

// FlagIn flags grant g for review, for reason, keeping its status, and records the
// change in the change feed. It returns a Conflict error when g changed since it was
// read. On success g holds the flag and the new version.
func (r *Verifications) FlagIn(w *Writer, g *models.Grant, reason string) error {
	res := w.sc.rows(w.tx, "grants").Where("id = ? AND version = ?", g.ID, g.Version).Updates(map[string]any{
		"review_flag": true, "review_reason": reason, "version": g.Version + 1, "updated_at": w.tx.NowFunc(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the grant was changed by someone else; try again")
	}
	g.ReviewFlag, g.ReviewReason, g.Version = true, &reason, g.Version+1
	w.changed(grantChanged(models.ChangeUpdated, g))
	return nil
}
