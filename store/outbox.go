package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// The outbox: every notice to a person is written as a Notification row in the same
// transaction as the change it tells of, so that a change never commits without its notice
// and a notice is never written for a change that rolled back. A worker (package notify)
// claims due rows with a lease, hands them to a gateway and marks them delivered; a worker
// killed mid-delivery leaves a row whose lease runs out, and the next claim delivers it
// again with the same id. Delivery is therefore at least once, and the row's id is the
// idempotency key the gateway receives, so that the gateway sends one message per id.
//
// A new kind of notice (a failed payment, a referral or a ticket falling due) is a new
// Outbox is the persistence of the notices to applicants: written in the transaction of
// the change they announce, and claimed, delivered and retried by the notification
// worker (notify) as the system. Reach it with Store.Outbox.
type Outbox struct{ s *Store }

// Outbox returns the outbox of notices.
func (s *Store) Outbox() *Outbox { return &Outbox{s: s} }

// NotificationKind, a template of that kind in package notify, and one call of
// enqueue in the transaction of the change.

// NotificationKind names what a notice tells of; package notify has a template per kind.
type NotificationKind string

// The kinds of notice.
const (
	// NoticeApplicationStatus tells an applicant that the application changed status.
	// Its parameters are reference, status and from (the status before; empty on receipt).
	NoticeApplicationStatus NotificationKind = "application.status"
	// NoticePaymentFailed tells a household that a payment of its grant failed at the
	// bank and will be paid again (P22). Its parameters are program (the program's code)
	// and month (YYYY-MM); never the account or an ID number.
	NoticePaymentFailed NotificationKind = "payment.failed"
	// NoticeGrievanceOpened tells the person that a grievance was received; its
	// parameters are reference (the application's, or empty), opened and due (days).
	NoticeGrievanceOpened NotificationKind = "grievance.opened"
	// NoticeGrievanceDue tells the person, on the due day, that the answer is due; it is
	// written due on that day and withdrawn when the answer comes first. Its parameters
	// are those of NoticeGrievanceOpened.
	NoticeGrievanceDue NotificationKind = "grievance.due"
	// NoticeGrievanceAnswered tells the person that a grievance was answered; its
	// parameters are those of NoticeGrievanceOpened.
	NoticeGrievanceAnswered NotificationKind = "grievance.answered"
)

// Notification is one notice in the outbox. It holds no personal data: the household
// and member it is for are ids, the parameters of its template are a reference number
// and statuses, never a name or an ID number.
type Notification struct {
	// ID is the notice's idempotency key: the gateway sends one message per ID however
	// many times it receives it.
	ID          string           `gorm:"primaryKey;size:36"`
	Kind        NotificationKind `gorm:"size:40;not null"`
	AreaCode    string           `gorm:"size:12;not null;index"`
	HouseholdID string           `gorm:"size:36;not null"`
	MemberID    *string          `gorm:"size:36"`
	// Reference is the application's reference number, when the notice is about one.
	Reference *string `gorm:"size:24"`
	// Params are the template's parameters, as a JSON object of strings.
	Params    string    `gorm:"size:1000;not null;default:'{}'"`
	CreatedAt time.Time `gorm:"not null"`
	// DueAt is when the next delivery may start; a failed attempt moves it on.
	DueAt time.Time `gorm:"not null;index:idx_notifications_due,priority:2"`
	// LeaseUntil, while in the future, reserves the notice for the worker delivering it.
	LeaseUntil *time.Time
	// Attempts counts the deliveries started.
	Attempts    int        `gorm:"not null;default:0"`
	DeliveredAt *time.Time `gorm:"index:idx_notifications_due,priority:1"`
	// LastError says why the last attempt failed, without personal data.
	LastError string `gorm:"size:200;not null;default:''"`
}

// TableName names the outbox table.
func (Notification) TableName() string { return "notifications" }

// Param returns the template parameters of n (empty when they do not decode).
func (n *Notification) Param() map[string]string {
	out := map[string]string{}
	_ = json.Unmarshal([]byte(n.Params), &out)
	return out
}

// enqueueNotice writes a notice of kind about household (and optionally member) of area
// inside tx, due at once.
func (r *Outbox) enqueue(tx *gorm.DB, kind NotificationKind, area, household string, member, ref *string, params map[string]string) error {
	_, err := r.enqueueAt(tx, kind, area, household, member, ref, params, r.s.now())
	return err
}

// enqueueAt is enqueue for a notice due at due (not before it is written), and returns
// the notice's id.
func (r *Outbox) enqueueAt(tx *gorm.DB, kind NotificationKind, area, household string, member, ref *string, params map[string]string, due time.Time) (string, error) {
	s := r.s
	b, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	if due.Before(now) {
		due = now
	}
	n := &Notification{
		ID: newID(), Kind: kind, AreaCode: area, HouseholdID: household, MemberID: member,
		Reference: ref, Params: string(b), CreatedAt: now, DueAt: due.UTC(),
	}
	return n.ID, tx.Create(n).Error
}

// noticeGrantMoved writes the notice of an application's move from status from (nil when
// it is received) to g's status, inside tx. Grants that did not come in as applications
// (no reference number) get none: there is no applicant waiting to hear.
func (r *Outbox) noticeGrantMoved(tx *gorm.DB, g *models.Grant, from *models.GrantStatus) error {
	s := r.s
	if g.Reference == nil {
		return nil
	}
	p := map[string]string{"reference": *g.Reference, "status": string(g.Status), "from": ""}
	if from != nil {
		p["from"] = string(*from)
	}
	return s.Outbox().enqueue(tx, NoticeApplicationStatus, g.AreaCode, g.HouseholdID, g.MemberID, g.Reference, p)
}

// ClaimNotificationsUnscoped reserves up to limit notices that are due at now and not
// delivered, for lease, and returns them with Attempts counting this attempt. A notice
// leased by another worker is left to it until its lease runs out; each notice is
// claimed by one worker at a time, on SQLite and PostgreSQL alike, because the claim is a
// conditional update of its row. It acts for no caller (the delivery worker) and returns
// the database's errors.
func (r *Outbox) ClaimNotificationsUnscoped(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Notification, error) {
	s := r.s
	db := s.db.WithContext(systemScope(ctx))
	now = now.UTC()
	var ids []string
	err := db.Model(&Notification{}).Where("delivered_at IS NULL AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)", now, now).
		Order("due_at").Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, wrap("claim notifications", err)
	}
	until := now.Add(lease)
	var claimed []string
	for _, id := range ids {
		res := db.Model(&Notification{}).
			Where("id = ? AND delivered_at IS NULL AND (lease_until IS NULL OR lease_until <= ?)", id, now).
			Updates(map[string]any{"lease_until": until, "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return nil, wrap("claim notifications", res.Error)
		}
		if res.RowsAffected == 1 {
			claimed = append(claimed, id)
		}
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	var out []Notification
	if err := db.Where("id IN ?", claimed).Order("due_at").Order("id").Find(&out).Error; err != nil {
		return nil, wrap("claim notifications", err)
	}
	return out, nil
}

// MarkNotificationDeliveredUnscoped records that notice id reached the gateway at at. It
// acts for no caller and returns the database's errors.
func (r *Outbox) MarkNotificationDeliveredUnscoped(ctx context.Context, id string, at time.Time) error {
	s := r.s
	err := s.db.WithContext(systemScope(ctx)).Model(&Notification{}).Where("id = ?", id).
		Updates(map[string]any{"delivered_at": at.UTC(), "lease_until": nil, "last_error": ""}).Error
	return wrap("mark notification delivered", err)
}

// maxNoticeError bounds the reason kept for a failed attempt.
const maxNoticeError = 200

// RetryNotificationUnscoped records that the delivery of notice id failed for reason
// (which must hold no personal data) and makes it due again at due. It acts for no
// caller and returns the database's errors.
func (r *Outbox) RetryNotificationUnscoped(ctx context.Context, id string, due time.Time, reason string) error {
	s := r.s
	if len(reason) > maxNoticeError {
		reason = reason[:maxNoticeError]
	}
	err := s.db.WithContext(systemScope(ctx)).Model(&Notification{}).Where("id = ? AND delivered_at IS NULL", id).
		Updates(map[string]any{"due_at": due.UTC(), "lease_until": nil, "last_error": reason}).Error
	return wrap("retry notification", err)
}

// NotificationsUnscoped returns every notice of the application with reference ref, in
// the order they were written. It acts for no caller (tests and operators' checks) and
// returns the database's errors.
func (r *Outbox) NotificationsUnscoped(ctx context.Context, ref string) ([]Notification, error) {
	s := r.s
	var out []Notification
	err := s.db.WithContext(systemScope(ctx)).Where("reference = ?", ref).Order("created_at").Order("id").Find(&out).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, wrap("notifications", err)
	}
	return out, nil
}
