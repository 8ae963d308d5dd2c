package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Referrals is the persistence of the applications referred to the department that
// decides their program (一门受理、协同办理). Each step is also written as an event of the
// application, so that the township that received it sees the whole history.
type Referrals struct{ s *Store }

// Referrals returns the persistence of referrals.
func (s *Store) Referrals() *Referrals { return &Referrals{s: s} }

// ReferralQuery selects referrals.
type ReferralQuery struct {
	// Area narrows to a subtree of the caller's scope.
	Area *string
	// Department narrows to one department.
	Department *models.Department
	// Statuses narrows to these statuses; empty means all.
	Statuses []models.ReferralStatus
	// OverdueAt, when set, selects the open referrals due before it.
	OverdueAt *time.Time
	Page      PageArgs
}

// event writes the history entry of a referral step on application g, which keeps its
// status.
func (r *Referrals) event(w *Writer, g *models.Grant, reason string) error {
	st := g.Status
	return w.tx.Create(grantEvent(w.sc.p, g, &st, st, reason)).Error
}

// Insert stores the new referral ref of application g and writes reason as an event of
// the application. It returns models.ErrNotFound when g lies outside w's scope, and the
// database's errors (a Conflict error when g is referred already).
func (r *Referrals) Insert(w *Writer, ref *models.Referral, g *models.Grant, reason string) error {
	if !w.sc.p.Covers(ref.AreaCode) {
		return models.NotFound("application")
	}
	if err := w.tx.Create(ref).Error; err != nil {
		return err
	}
	return r.event(w, g, reason)
}

// Get returns the referral id in sc (for an integrator, of its department and
// categories), or models.ErrNotFound.
func (r *Referrals) Get(ctx context.Context, sc Scope, id string) (*models.Referral, error) {
	return takeReferral(sc.referralRows(r.s.db.WithContext(ctx)).Where("referrals.id = ?", id))
}

// OfGrant returns the referral of application grantID in sc, or nil when it has none the
// caller may see.
func (r *Referrals) OfGrant(ctx context.Context, sc Scope, grantID string) (*models.Referral, error) {
	ref, err := takeReferral(sc.referralRows(r.s.db.WithContext(ctx)).Where("referrals.grant_id = ?", grantID))
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return ref, err
}

// In returns the referral id in w's scope and its application, read inside the unit of
// work; models.ErrNotFound when either lies outside the scope.
func (r *Referrals) In(w *Writer, id string) (*models.Referral, *models.Grant, error) {
	ref, err := takeReferral(w.sc.referralRows(w.tx).Where("referrals.id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	var g models.Grant
	err = w.sc.grantRows(w.tx).Where("grants.id = ?", ref.GrantID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, models.NotFound("referral")
	}
	if err != nil {
		return nil, nil, wrap("referral", err)
	}
	return ref, &g, nil
}

func takeReferral(q *gorm.DB) (*models.Referral, error) {
	var ref models.Referral
	err := q.Take(&ref).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("referral")
	}
	if err != nil {
		return nil, wrap("referral", err)
	}
	return &ref, nil
}

// Step moves referral ref to status to with reason, as w's caller, and writes the event
// text on application g. The update is guarded by ref's version: of two concurrent steps
// one wins and the other gets a Conflict error. On success ref holds the new values.
func (r *Referrals) Step(w *Writer, ref *models.Referral, g *models.Grant, to models.ReferralStatus, reason, event string) error {
	now := w.tx.NowFunc()
	cols := map[string]any{"status": to, "reason": reason, "handled_by": w.sc.p.Subject,
		"version": ref.Version + 1, "updated_at": now}
	if !to.Open() {
		cols["closed_at"] = now
	}
	res := w.sc.referralRows(w.tx).Where("referrals.id = ? AND referrals.version = ?", ref.ID, ref.Version).Updates(cols)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the referral was changed by someone else; reload it and try again")
	}
	sub := w.sc.p.Subject
	ref.Status, ref.Reason, ref.HandledBy, ref.Version, ref.UpdatedAt = to, reason, &sub, ref.Version+1, now
	if !to.Open() {
		ref.ClosedAt = &now
	}
	return r.event(w, g, event)
}

// Reject is the department's rejection of application g with reason.
func (r *Referrals) Reject(w *Writer, g *models.Grant, reason string) error {
	return r.s.Grants().moveGrant(w.tx, w.sc.p, g, models.GrantRejected, reason, nil)
}

// List returns one page of the referrals q selects in sc, ordered by area and id. It
// returns a *models.FieldError for an area outside the scope or a bad cursor.
func (r *Referrals) List(ctx context.Context, sc Scope, q ReferralQuery) (*Page[models.Referral], error) {
	return referralsByArea.page(ctx, r.s, sc, q.Area, q.Page, func(b *gorm.DB) *gorm.DB {
		if q.Department != nil {
			b = b.Where("referrals.department = ?", string(*q.Department))
		}
		if len(q.Statuses) > 0 {
			b = b.Where("referrals.status IN ?", q.Statuses)
		}
		if q.OverdueAt != nil {
			b = b.Where("referrals.status IN ? AND referrals.due_at < ?", openReferral, q.OverdueAt.UTC())
		}
		return b
	})
}

// referralsByArea is the referrals' list: the referrals sc sees (for integrators, of
// their department and categories) in an area.
var referralsByArea = areaList[models.Referral]{name: "referrals", table: "referrals", within: Scope.referralsWithin,
	area: func(x *models.Referral) string { return x.AreaCode }, id: func(x *models.Referral) string { return x.ID }}

// openReferral are the statuses of a referral that waits on its department.
var openReferral = []models.ReferralStatus{models.ReferralReferred, models.ReferralAccepted}

// Counts returns, per department and township of the area (the caller's when nil), the
// referrals open and those overdue at now, in sc. It returns a *models.FieldError for an
// area outside the scope.
func (r *Referrals) Counts(ctx context.Context, sc Scope, area *string, now time.Time) ([]*models.ReferralCount, error) {
	lo, hi, err := r.s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Department models.Department
		Township   string
		Open       int
		Overdue    int
	}
	err = sc.referralsWithin(r.s.db.WithContext(ctx), lo, hi).
		Where("referrals.status IN ?", openReferral).
		Select("referrals.department AS department, SUBSTR(referrals.area_code, 1, 9) AS township, COUNT(*) AS open, "+
			"SUM(CASE WHEN referrals.due_at < ? THEN 1 ELSE 0 END) AS overdue", now.UTC()).
		Group("referrals.department, SUBSTR(referrals.area_code, 1, 9)").
		Order("department").Order("township").Scan(&rows).Error
	if err != nil {
		return nil, wrap("referral counts", err)
	}
	out := make([]*models.ReferralCount, len(rows))
	for i, x := range rows {
		out[i] = &models.ReferralCount{Department: x.Department, AreaCode: x.Township + "000", Open: x.Open, Overdue: x.Overdue}
	}
	return out, nil
}

// Notice kinds of referrals: the department is told when a referral falls due (its
// last working day begins) and when it is overdue.
const (
	NoticeReferralDue     NotificationKind = "referral.due"
	NoticeReferralOverdue NotificationKind = "referral.overdue"
)

// NoticeReferralsUnscoped writes to the outbox, once each, the notice to the department
// of every open referral that falls due within a day of now (DUE) and of every one past
// its due time (OVERDUE), and returns how many it wrote. A notice names the department,
// the application's reference and the due day; the gateway routes it by department. It
// acts for no caller (the daily jobs); the due day is written in now's location. It
// returns the database's errors.
func (r *Referrals) NoticeReferralsUnscoped(ctx context.Context, now time.Time) (int, error) {
	s := r.s
	db := s.db.WithContext(systemScope(ctx))
	type due struct {
		models.Referral
		HouseholdID string
		Reference   *string
	}
	n := 0
	for _, pass := range []struct {
		kind   NotificationKind
		sent   string
		before []string
		until  time.Time
	}{
		{NoticeReferralOverdue, "OVERDUE", []string{"", "DUE"}, now},
		{NoticeReferralDue, "DUE", []string{""}, now.Add(24 * time.Hour)},
	} {
		var list []due
		err := db.Table("referrals").Joins("JOIN grants ON grants.id = referrals.grant_id").
			Select("referrals.*, grants.household_id AS household_id, grants.reference AS reference").
			Where("referrals.status IN ? AND referrals.notice_sent IN ? AND referrals.due_at < ?", openReferral, pass.before, pass.until.UTC()).
			Order("referrals.due_at").Order("referrals.id").Scan(&list).Error
		if err != nil {
			return n, wrap("referral notices", err)
		}
		for _, d := range list {
			err := db.Transaction(func(tx *gorm.DB) error {
				res := tx.Table("referrals").Where("id = ? AND version = ?", d.ID, d.Version).
					Updates(map[string]any{"notice_sent": pass.sent, "version": d.Version + 1})
				if res.Error != nil || res.RowsAffected == 0 {
					return res.Error // changed meanwhile: the next run looks again
				}
				n++
				return s.Outbox().enqueue(tx, pass.kind, d.AreaCode, d.HouseholdID, nil, d.Reference, map[string]string{
					"department": string(d.Department), "due": d.DueAt.In(now.Location()).Format(time.DateOnly),
				})
			})
			if err != nil {
				return n, wrap("referral notices", err)
			}
		}
	}
	return n, nil
}
