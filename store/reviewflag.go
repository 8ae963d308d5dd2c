package store

import "jiuzhu/models"

// ClearFlag clears the review flag of g inside w, keeps the review in g's history as an
// event from its status to the same status for reason, and records the change in the
// feed. The update is guarded by g's version: it returns a Conflict error when g changed
// since it was read. On success g holds the new version.
func (r *Grants) ClearFlag(w *Writer, g *models.Grant, reason string) error {
	res := w.sc.grantRows(w.tx).Where("grants.id = ? AND grants.version = ?", g.ID, g.Version).Updates(map[string]any{
		"review_flag": false, "review_reason": nil, "version": g.Version + 1, "updated_at": w.tx.NowFunc(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	from := g.Status
	if err := w.tx.Create(grantEvent(w.sc.p, g, &from, g.Status, reason)).Error; err != nil {
		return err
	}
	g.ReviewFlag, g.ReviewReason, g.Version = false, nil, g.Version+1
	w.changed(grantChanged(models.ChangeUpdated, g))
	return nil
}
