package store

import (
	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// moveGrant moves g to status to inside tx, as actor, and records the move as a
// GrantEvent. set holds further columns to change in the same statement (say the amount
// on approval, or grace_until). The update is guarded by g's version, so of two
// concurrent moves of one grant exactly one succeeds: the other gets a Conflict error and
// writes no event. On success g holds the new status and version.
//
// It returns a *models.FieldError naming the current status when the lifecycle does not
// allow the move, and a Conflict error when g changed since it was read. Callers check
// scope and role before; every lifecycle write goes through here.
func (s *Store) moveGrant(tx *gorm.DB, actor auth.Principal, g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
	if !policy.CanMove(g.Status, to) {
		return models.Invalid("status", "the grant is %s and cannot move to %s", g.Status, to)
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
	ev := &models.GrantEvent{
		ID: newID(), GrantID: g.ID, AreaCode: g.AreaCode, Actor: actor.Subject,
		ActorRole: actor.Role, ActorArea: actor.Area, FromStatus: &from, ToStatus: to, Reason: reason,
	}
	if err := tx.Create(ev).Error; err != nil {
		return err
	}
	g.Status, g.Version = to, g.Version+1
	if err := s.logChange(tx, grantChanged(models.ChangeUpdated, g)); err != nil {
		return err
	}
	// Receiving a grant or not is an input of the derived values (P14, P17).
	return s.refreshOne(tx, scopeFor(actor), g.HouseholdID)
}
