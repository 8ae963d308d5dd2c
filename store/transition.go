package store

import (
	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
)

// Move moves grant g to status to inside w and records the move as a GrantEvent made by
// w's caller for reason, with the applicant's notice (outbox.go), the entry in the change
// feed and the refresh of the household. set holds further columns to change in the same
// statement (say the amount on approval). The use case has asked the policy whether the
// lifecycle allows the move (policy.CanMove). It returns the errors of moveGrant.
func (r *Grants) Move(w *Writer, g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
	if err := w.Settle(); err != nil {
		return err
	}
	return r.s.Grants().moveGrant(w.tx, w.sc.p, g, to, reason, set)
}

// moveGrant moves g to status to inside tx, as actor, and records the move as a
// GrantEvent; it takes the lock of g's household (lockHousehold) first and refreshes the
// household last. set holds further columns to change in the same statement (say the
// amount on approval, or grace_until). The update is guarded by g's version, so of two
// concurrent moves of one grant exactly one succeeds: the other gets a Conflict error and
// writes no event. On success g holds the new status and version.
//
// It returns a Conflict error when g changed since it was read. Callers check scope,
// role and the lifecycle (policy.CanMove) before; every lifecycle write goes through here.
func (r *Grants) moveGrant(tx *gorm.DB, actor auth.Principal, g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
	s := r.s
	if err := lockHousehold(tx, ScopeFor(actor), g.HouseholdID); err != nil {
		return err
	}
	cols := map[string]any{"status": to, "version": g.Version + 1, "updated_at": tx.NowFunc()}
	for k, v := range set {
		cols[k] = v
	}
	res := tx.Table("grants").Where("id = ? AND version = ?", g.ID, g.Version).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the grant was changed by someone else; reload it and try again")
	}
	from := g.Status
	if err := tx.Create(grantEvent(actor, g, &from, to, reason)).Error; err != nil {
		return err
	}
	g.Status, g.Version = to, g.Version+1
	if err := s.Outbox().noticeGrantMoved(tx, g, &from); err != nil { // the applicant's notice (outbox.go)
		return err
	}
	if err := s.logChange(tx, grantChanged(models.ChangeUpdated, g)); err != nil {
		return err
	}
	// Receiving a grant or not is an input of the derived values (P14, P17).
	return s.refreshForGrant(tx, ScopeFor(actor), g)
}

// grantEvent returns the history entry of a grant moving from status from (nil when it
// opens) to status to, made by actor for reason.
func grantEvent(actor auth.Principal, g *models.Grant, from *models.GrantStatus, to models.GrantStatus, reason string) *models.GrantEvent {
	return &models.GrantEvent{
		ID: newID(), GrantID: g.ID, AreaCode: g.AreaCode, Actor: actor.Subject,
		ActorRole: actor.Role, ActorArea: actor.Area, FromStatus: from, ToStatus: to, Reason: reason,
	}
}
