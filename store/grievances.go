package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Grievances reads and writes grievances (投诉/申诉, P25): tickets against an
// application, a grant or a decision, with their comments. Its reads are narrowed by
// the caller's scope; its writes run in a unit of work (Store.Write), record their
// change-feed entries and write the applicant's notices to the outbox.
type Grievances struct{ s *Store }

// Grievances returns the persistence of grievances.
func (s *Store) Grievances() *Grievances { return &Grievances{s: s} }

// GrievanceQuery filters a list of grievances.
type GrievanceQuery struct {
	// Area narrows the list to a jurisdiction inside the scope (nil: the whole scope).
	Area *string
	// Status keeps the grievances of one status.
	Status *models.GrievanceStatus
	// OverdueAt, when set, keeps the grievances still OPEN after their due date at that
	// instant.
	OverdueAt *time.Time
	Args      PageArgs
}

// chinaTime is the zone of the days a notice names (UTC+8 all year, as policy.ChinaTime).
var chinaTime = time.FixedZone("CST", 8*3600)

// AreaCount is a count of records of one area code.
type AreaCount struct {
	AreaCode string
	N        int
}

// Get returns the grievance id in sc. It returns models.ErrNotFound when there is none
// in sc, and the database's errors.
func (gs *Grievances) Get(ctx context.Context, sc Scope, id string) (*models.Grievance, error) {
	g, err := grievance(sc.rows(gs.s.db.WithContext(sc.bind(ctx)), "grievances"), id)
	return g, wrap("grievance", err)
}

// GetIn is Get inside the unit of work w.
func (gs *Grievances) GetIn(w *Writer, id string) (*models.Grievance, error) {
	return grievance(w.sc.rows(w.tx, "grievances"), id)
}

func grievance(q *gorm.DB, id string) (*models.Grievance, error) {
	var g models.Grievance
	err := q.Where("grievances.id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("grievance")
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// List returns a page of the grievances of q's area in sc, ordered by area and id. It
// returns a *models.FieldError for a bad area or paging argument, a Forbidden error for
// an area outside sc, and the database's errors.
func (gs *Grievances) List(ctx context.Context, sc Scope, q GrievanceQuery) (*Page[models.Grievance], error) {
	return grievancesByArea.page(ctx, gs.s, sc, q.Area, q.Args, func(b *gorm.DB) *gorm.DB {
		if q.Status != nil {
			b = b.Where("grievances.status = ?", *q.Status)
		}
		if q.OverdueAt != nil {
			b = b.Where("grievances.status = ? AND grievances.due_at < ?", models.GrievanceOpen, q.OverdueAt.UTC())
		}
		return b
	})
}

// grievancesByArea is the grievances' list: the grievances of an area.
var grievancesByArea = areaList[models.Grievance]{name: "grievances", table: "grievances",
	area: func(g *models.Grievance) string { return g.AreaCode }, id: func(g *models.Grievance) string { return g.ID }}

// OverdueByArea counts the grievances of area (nil: the whole scope) in sc still OPEN
// after their due date at now, per area code of their records. It returns a
// *models.FieldError for a bad area, a Forbidden error for an area outside sc, and the
// database's errors.
func (gs *Grievances) OverdueByArea(ctx context.Context, sc Scope, area *string, now time.Time) ([]AreaCount, error) {
	lo, hi, err := gs.s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	var out []AreaCount
	err = sc.within(gs.s.db.WithContext(sc.bind(ctx)).Model(&models.Grievance{}), "grievances", lo, hi).
		Where("grievances.status = ? AND grievances.due_at < ?", models.GrievanceOpen, now.UTC()).
		Group("grievances.area_code").Order("grievances.area_code").
		Select("grievances.area_code AS area_code, COUNT(*) AS n").Scan(&out).Error
	return out, wrap("overdue grievances", err)
}

// Comments returns the comments of grievance id in sc, oldest first. It returns
// models.ErrNotFound when the grievance is not in sc, and the database's errors.
func (gs *Grievances) Comments(ctx context.Context, sc Scope, id string) ([]models.GrievanceComment, error) {
	if _, err := gs.Get(ctx, sc, id); err != nil {
		return nil, err
	}
	var out []models.GrievanceComment
	err := sc.rows(gs.s.db.WithContext(sc.bind(ctx)), "grievance_comments").Where("grievance_comments.grievance_id = ?", id).
		Order("grievance_comments.created_at").Order("grievance_comments.id").Find(&out).Error
	return out, wrap("grievance comments", err)
}

// Target returns the grant a grievance of subject against recordID is about, in w's
// scope, and for a DECISION the decision (grant event): an application by its reference
// number (case and blanks do not matter), a grant by its id, a decision by its event's
// id. It returns models.ErrNotFound for a record outside the scope (or, for integrators,
// their categories) and a *models.FieldError for an unknown subject.
func (gs *Grievances) Target(w *Writer, subject models.GrievanceSubject, recordID string) (*models.Grant, *models.GrantEvent, error) {
	var g models.Grant
	var ev *models.GrantEvent
	q := w.sc.grantRows(w.tx)
	switch subject {
	case models.GrievanceOfApplication:
		q = q.Where("grants.reference = ?", strings.ToUpper(strings.TrimSpace(recordID)))
	case models.GrievanceOfGrant:
		q = q.Where("grants.id = ?", recordID)
	case models.GrievanceOfDecision:
		var e models.GrantEvent
		err := w.sc.eventRows(w.tx.Session(&gorm.Session{NewDB: true})).Where("grant_events.id = ?", recordID).Take(&e).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, models.NotFound("decision")
		}
		if err != nil {
			return nil, nil, err
		}
		ev = &e
		q = q.Where("grants.id = ?", e.GrantID)
	default:
		return nil, nil, models.Invalid("input.subject", "is one of APPLICATION, GRANT and DECISION")
	}
	err := q.Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if subject == models.GrievanceOfApplication {
			return nil, nil, models.NotFound("application")
		}
		return nil, nil, models.NotFound("grant")
	}
	if err != nil {
		return nil, nil, err
	}
	return &g, ev, nil
}

// LastRejection returns the latest event of grant grantID in w's scope that rejected
// it, or nil when it was never rejected.
func (gs *Grievances) LastRejection(w *Writer, grantID string) (*models.GrantEvent, error) {
	var evs []models.GrantEvent
	err := w.sc.eventRows(w.tx).Where("grant_events.grant_id = ? AND grant_events.to_status = ?", grantID, models.GrantRejected).
		Order("grant_events.created_at DESC").Order("grant_events.id DESC").Limit(1).Find(&evs).Error
	if err != nil || len(evs) == 0 {
		return nil, err
	}
	return &evs[0], nil
}

// Rejecters returns the officers who rejected grant grantID in sc before it was reopened
// on appeal (P25); none when it never was reopened.
func (r *Grants) Rejecters(ctx context.Context, sc Scope, grantID string) ([]string, error) {
	out, err := rejecters(r.s.db.WithContext(ctx), sc, grantID)
	return out, wrap("rejecters", err)
}

// RejectersIn is Rejecters read inside the unit of work w, for the steps of a department
// on a referred application (casework/referrals). It returns the database's errors.
func (r *Grants) RejectersIn(w *Writer, grantID string) ([]string, error) {
	out, err := rejecters(w.tx, w.sc, grantID)
	return out, wrap("rejecters", err)
}

// rejecters returns the officers who rejected grant grantID before it was reopened on
// appeal, read with q; none when it was never reopened (a grant is reopened only from
// REJECTED, so the lifecycle alone never leaves that status). A decision that races a
// concurrent rejection therefore loses on the grant's version, not on this rule.
func rejecters(q *gorm.DB, sc Scope, grantID string) ([]string, error) {
	var reopened int64
	err := sc.eventRows(q).Where("grant_events.grant_id = ? AND grant_events.from_status = ?", grantID, models.GrantRejected).
		Count(&reopened).Error
	if err != nil || reopened == 0 {
		return nil, err
	}
	var out []string
	err = sc.eventRows(q.Session(&gorm.Session{NewDB: true})).Where("grant_events.grant_id = ? AND grant_events.to_status = ?", grantID, models.GrantRejected).
		Distinct("grant_events.actor").Pluck("grant_events.actor", &out).Error
	return out, err
}

// grievanceChanged is the change-feed entry of a write to g, which carries its grant's
// category.
func grievanceChanged(kind models.ChangeKind, g *models.Grievance, category string) models.ChangeLogEntry {
	return models.ChangeLogEntry{Entity: models.EntityGrievance, EntityID: g.ID, AreaCode: g.AreaCode, CategoryCode: &category, Kind: kind}
}

// Notice parameters: the application's reference ("" for a grant that did not come in
// as an application) and days in China time.
func grievanceNoticeParams(g *models.Grievance, ref *string) map[string]string {
	r := ""
	if ref != nil {
		r = *ref
	}
	return map[string]string{
		"reference": r,
		"opened":    g.OpenedAt.In(chinaTime).Format(time.DateOnly),
		"due":       g.DueAt.In(chinaTime).Format(time.DateOnly),
	}
}

// Insert stores the new grievance g about grant, and writes to the outbox the notice to
// the applicant that it was opened (due at once) and the one that it falls due (due at
// the start of its due day, withdrawn by Answer if it was not sent by then). It records
// its change-feed entry.
func (gs *Grievances) Insert(w *Writer, g *models.Grievance, grant *models.Grant) error {
	p := grievanceNoticeParams(g, grant.Reference)
	if _, err := gs.s.Outbox().enqueueAt(w.tx, NoticeGrievanceOpened, g.AreaCode, g.HouseholdID, g.MemberID, grant.Reference, p, w.s.now()); err != nil {
		return err
	}
	y, m, d := g.DueAt.In(chinaTime).Date()
	dueDay := time.Date(y, m, d, 8, 0, 0, 0, chinaTime) // the morning of the due day
	id, err := gs.s.Outbox().enqueueAt(w.tx, NoticeGrievanceDue, g.AreaCode, g.HouseholdID, g.MemberID, grant.Reference, p, dueDay)
	if err != nil {
		return err
	}
	g.DueNoticeID = &id
	if err := w.tx.Create(g).Error; err != nil {
		return err
	}
	w.changed(grievanceChanged(models.ChangeCreated, g, grant.CategoryCode))
	return nil
}

// AddComment stores comment c on grievance g and records g's change.
func (gs *Grievances) AddComment(w *Writer, g *models.Grievance, c *models.GrievanceComment, category string) error {
	if err := w.tx.Create(c).Error; err != nil {
		return err
	}
	w.changed(grievanceChanged(models.ChangeUpdated, g, category))
	return nil
}

// Update writes g's answer and close columns, guarded by its version (which it
// advances), and records its change. It returns a Conflict error when g changed since
// it was read.
func (gs *Grievances) Update(w *Writer, g *models.Grievance, category string) error {
	res := w.sc.rows(w.tx, "grievances").Where("grievances.id = ? AND grievances.version = ?", g.ID, g.Version).
		Updates(map[string]any{
			"status": g.Status, "answer": g.Answer, "reopened": g.Reopened, "answered_by": g.AnsweredBy,
			"answered_at": g.AnsweredAt, "closed_by": g.ClosedBy, "closed_at": g.ClosedAt, "version": g.Version + 1,
		})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the grievance was changed by someone else; reload it and try again")
	}
	g.Version++
	w.changed(grievanceChanged(models.ChangeUpdated, g, category))
	return nil
}

// NoticeAnswered writes to the outbox the notice to the applicant that grievance g was
// answered, and withdraws its notice of the due date when that was not sent yet.
func (gs *Grievances) NoticeAnswered(w *Writer, g *models.Grievance, grant *models.Grant) error {
	if g.DueNoticeID != nil {
		if err := w.tx.Where("id = ? AND delivered_at IS NULL AND (lease_until IS NULL OR lease_until <= ?)", *g.DueNoticeID, w.s.now().UTC()).
			Delete(&Notification{}).Error; err != nil {
			return err
		}
	}
	_, err := gs.s.Outbox().enqueueAt(w.tx, NoticeGrievanceAnswered, g.AreaCode, g.HouseholdID, g.MemberID, grant.Reference,
		grievanceNoticeParams(g, grant.Reference), w.s.now())
	return err
}

// Reopen moves the rejected application grant back to status to on appeal, as w's
// caller, with the event's reason: the move the lifecycle alone does not allow (the
// use case asks policy.ReopenStatus first). It writes the applicant's notice, the
// change feed and the household's refresh, as every move of a grant does, and returns
// a Conflict error when the grant changed since it was read.
func (gs *Grievances) Reopen(w *Writer, grant *models.Grant, to models.GrantStatus, reason string) error {
	return gs.s.Grants().moveGrant(w.tx, w.sc.p, grant, to, reason, nil)
}

// ApplicantGrievance is what the public status page shows of a grievance: its category,
// status and dates, nothing else; and its id, for the audit trail of the lookup.
type ApplicantGrievance struct {
	// ID names the grievance in the audit trail of the lookup; the page does not show it.
	ID         string
	Category   models.GrievanceCategory
	Status     models.GrievanceStatus
	OpenedAt   time.Time
	DueAt      time.Time
	AnsweredAt *time.Time
	ClosedAt   *time.Time
}

// ApplicantGrievancesUnscoped returns the grievances of the application grantID, oldest
// first, for the status page once the applicant's pair matched. It acts for no caller
// and returns the database's errors.
func (sp *StatusPage) ApplicantGrievancesUnscoped(ctx context.Context, grantID string) ([]ApplicantGrievance, error) {
	var gs []models.Grievance
	err := sp.s.db.WithContext(systemScope(ctx)).Where("grant_id = ?", grantID).Order("opened_at").Order("id").Find(&gs).Error
	if err != nil {
		return nil, wrap("applicant grievances", err)
	}
	out := make([]ApplicantGrievance, len(gs))
	for i, g := range gs {
		out[i] = ApplicantGrievance{ID: g.ID, Category: g.Category, Status: g.Status, OpenedAt: g.OpenedAt, DueAt: g.DueAt, AnsweredAt: g.AnsweredAt, ClosedAt: g.ClosedAt}
	}
	return out, nil
}
