package store

import (
	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// moveGrant moves g to status to inside tx, as actor, and records the move as a
// GrantEvent; it takes the lock of g's household (lockHousehold) first and refreshes the
// household last. set holds further columns to change in the same statement (say the
// amount on approval, or grace_until). The update is guarded by g's version, so of two
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
	return s.shiftGrant(tx, actor, g, to, reason, set)
}

// shiftGrant is moveGrant without the lifecycle's check: the reopening of a rejected
// application on appeal (grievances.go) moves a grant the lifecycle alone would not.
func (s *Store) shiftGrant(tx *gorm.DB, actor auth.Principal, g *models.Grant, to models.GrantStatus, reason string, set map[string]any) error {
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
	if err := s.noticeGrantMoved(tx, g, &from); err != nil { // the applicant's notice (outbox.go)
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

// insertGrant stores the new grant g inside tx with its opening event (reason), its
// entry in the change feed and its audit record under op. Every path that opens a grant
// goes through here.
func (s *Store) insertGrant(tx *gorm.DB, sc Scope, g *models.Grant, reason, op string) error {
	if err := tx.Create(g).Error; err != nil {
		return err
	}
	if err := tx.Create(grantEvent(sc.p, g, nil, g.Status, reason)).Error; err != nil {
		return err
	}
	if err := s.noticeGrantMoved(tx, g, nil); err != nil { // the applicant's notice (outbox.go)
		return err
	}
	if err := s.logChange(tx, grantChanged(models.ChangeCreated, g)); err != nil {
		return err
	}
	return s.audit(tx, sc, op, g.AreaCode, []string{g.ID, g.HouseholdID}, nil, g)
}
