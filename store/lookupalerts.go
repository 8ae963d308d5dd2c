package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// NoticeStatusLookupAlert tells the civil-affairs department of an area that the public
// status page (P25) saw a sweep (one address failing many lookups or trying many
// references) or a guess (one reference failing from many addresses). The gateway routes
// it by its department, like a referral's notice, not to an applicant: it has no
// household and no reference. Its parameters are department (CIVIL_AFFAIRS), by
// (ADDRESS or REFERENCE), digest, failed, distinct (the distinct references of an
// address, or addresses of a reference), from and to (the window, China time), area and
// areaName (the county of the application a reference belongs to, or the city): digests
// and counts, never a reference number or an address.
const NoticeStatusLookupAlert NotificationKind = "status.alert"

// AlertStatusLookups is the operation of the audit event of each alert.
const AlertStatusLookups = "alertStatusLookups"

// StatusAlertActor is the actor of the alerts' audit events: the system, for the whole
// city.
var StatusAlertActor = auth.Principal{Subject: "system:status-alerts", Role: models.RoleAdmin, Area: division.CityCode}

// statusAlertsJob names the step in job_marks.
const statusAlertsJob = "status_lookup_alerts"

// StatusAlertRules are the thresholds of the alerts: over the Window before the run, an
// address with at least AddressFailed failed lookups or at least AddressReferences
// distinct references among them, and a reference with failed lookups from at least
// ReferenceAddresses distinct addresses. A threshold of 0 is never met.
type StatusAlertRules struct {
	Window             time.Duration
	AddressFailed      int
	AddressReferences  int
	ReferenceAddresses int
}

// StatusAlert is one warning of the daily job about a digest of the status page's
// lookups (see models.StatusLookupAlert). It holds no reference number and no address.
type StatusAlert = models.StatusLookupAlert

// jobMark is a row of job_marks: the end (exclusive) of what the last run of a step of
// the daily job looked at.
type jobMark struct {
	Job  string    `gorm:"primaryKey;size:64"`
	Mark time.Time `gorm:"not null"`
}

// TableName names the table of the marks.
func (jobMark) TableName() string { return "job_marks" }

// errAlertExists rolls back the writing of an alert that another run wrote first.
var errAlertExists = errors.New("store: the alert exists")

// AlertFailedLookupsUnscoped warns of sweeps and guesses on the public status page. It
// counts the failed lookups (MISMATCH or UNKNOWN) in [now-rules.Window, now) per address
// digest and per reference digest, and keeps the digests that meet rules and have a
// failed lookup since the end of its last run (the mark, kept in job_marks; on the first
// run, the whole window). Each becomes one alert, written in one transaction with an
// audit event AlertStatusLookups of StatusAlertActor in the alert's area and a notice
// NoticeStatusLookupAlert to that area's civil-affairs department, unless the digest
// already has an alert whose window overlaps this one: a digest is warned of at most once
// per window. The area of a reference's alert is the county of its application (the
// area of its lookups that matched one), so that the county's auditors look; an
// address's, and a reference that matched nothing, is the city's. Then the mark moves to
// now. Running it again changes nothing. It acts for no caller (the daily job) and
// returns the alerts it wrote (those by ADDRESS, then by REFERENCE, each in the order of
// their digests), a *models.FieldError naming window for a window that is not positive, and the
// database's errors wrapped; the alerts written before an error stay, and the mark is
// left for the next run.
func (sp *StatusPage) AlertFailedLookupsUnscoped(ctx context.Context, now time.Time, rules StatusAlertRules) ([]StatusAlert, error) {
	s := sp.s
	if rules.Window <= 0 {
		return nil, models.Invalid("window", "must be positive")
	}
	db := s.db.WithContext(systemScope(ctx))
	to := now.UTC()
	from := to.Add(-rules.Window)
	since := from
	var mark jobMark
	err := db.Where("job = ?", statusAlertsJob).Take(&mark).Error
	switch {
	case err == nil:
		if mark.Mark.After(since) {
			since = mark.Mark.UTC()
		}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, wrap("status alerts", err)
	}
	var out []StatusAlert
	if !since.Before(to) {
		return out, nil
	}
	for _, by := range models.StatusLookupKeys {
		found, err := sp.findAlerts(db, by, from, to, since, rules)
		if err != nil {
			return out, wrap("status alerts", err)
		}
		for _, a := range found {
			ok, err := sp.writeAlert(db, a)
			if err != nil {
				return out, wrap("status alerts", err)
			}
			if ok {
				out = append(out, a)
			}
		}
	}
	err = db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&jobMark{Job: statusAlertsJob, Mark: to}).Error
	return out, wrap("status alerts", err)
}

// findAlerts returns, as unwritten alerts, the digests of key by whose failed lookups in
// [from, to) meet rules and that have one at or after since.
func (sp *StatusPage) findAlerts(db *gorm.DB, by models.StatusLookupKey, from, to, since time.Time, rules StatusAlertRules) ([]StatusAlert, error) {
	s := sp.s
	key, other := "address_digest", "reference_digest"
	having := "COUNT(*) >= ? OR COUNT(DISTINCT reference_digest) >= ?"
	args := []any{thresholdOf(rules.AddressFailed), thresholdOf(rules.AddressReferences)}
	if by == models.LookupsByReference {
		key, other = other, key
		having = "COUNT(DISTINCT address_digest) >= ?"
		args = []any{thresholdOf(rules.ReferenceAddresses)}
	}
	var rows []struct {
		Digest string
		Failed int
		Spread int
		Area   string
		Fresh  int
	}
	err := db.Table("status_lookups").
		Select(key+" AS digest, COUNT(*) AS failed, COUNT(DISTINCT "+other+") AS spread, MAX(area_code) AS area, "+
			"SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS fresh", since).
		Where("outcome IN ?", []models.StatusLookupOutcome{models.LookupMismatch, models.LookupUnknown}).
		Where("created_at >= ? AND created_at < ?", from, to).
		Group(key).Having(having, args...).Order("digest").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	created := s.now().UTC()
	var out []StatusAlert
	for _, r := range rows {
		if r.Fresh == 0 {
			continue
		}
		area := division.CityCode
		if by == models.LookupsByReference && division.LevelOf(r.Area) != "" && division.LevelOf(r.Area) != models.LevelCity {
			area = r.Area[:6] + "000000"
		}
		out = append(out, StatusAlert{ID: newID(), By: by, Digest: r.Digest, AreaCode: area, WindowFrom: from, WindowTo: to,
			Failed: r.Failed, Distinct: r.Spread, CreatedAt: created})
	}
	return out, nil
}

// thresholdOf is the least count that meets threshold n: a threshold of 0 (off) is one
// no count reaches.
func thresholdOf(n int) int {
	if n <= 0 {
		return int(^uint32(0) >> 1)
	}
	return n
}

// writeAlert writes a with its audit event and its notice, in one transaction, unless
// its digest has an alert whose window overlaps a's; it reports whether it wrote.
func (sp *StatusPage) writeAlert(db *gorm.DB, a StatusAlert) (bool, error) {
	s := sp.s
	err := db.Transaction(func(tx *gorm.DB) error {
		var n int64
		err := tx.Model(&StatusAlert{}).Where("counted_by = ? AND digest = ? AND window_to > ?", a.By, a.Digest, a.WindowFrom).Count(&n).Error
		if err != nil {
			return err
		}
		if n > 0 {
			return errAlertExists
		}
		if err := tx.Create(&a).Error; err != nil {
			if isUniqueViolation(err) {
				return errAlertExists // written meanwhile by a run of the same time
			}
			return err
		}
		if err := s.audit(tx, ScopeFor(StatusAlertActor), AlertStatusLookups, a.AreaCode, []string{a.ID}, nil, a); err != nil {
			return err
		}
		name := a.AreaCode
		if u, ok := s.tree.Unit(a.AreaCode); ok {
			name = u.Name
		}
		return s.Outbox().enqueue(tx, NoticeStatusLookupAlert, a.AreaCode, "", nil, nil, map[string]string{
			"department": string(models.DeptCivilAffairs), "by": string(a.By), "digest": a.Digest,
			"failed": strconv.Itoa(a.Failed), "distinct": strconv.Itoa(a.Distinct),
			"from": a.WindowFrom.In(policy.ChinaTime).Format("2006-01-02 15:04"), "to": a.WindowTo.In(policy.ChinaTime).Format("2006-01-02 15:04"),
			"area": a.AreaCode, "areaName": name,
		})
	})
	if errors.Is(err, errAlertExists) {
		return false, nil
	}
	return err == nil, err
}

// StatusAlertQuery selects a page of the alerts of the status page.
type StatusAlertQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.StatusLookupAlertFilter
	PageArgs
}

// Alerts returns a page of the alerts of the status page whose area lies in the query's
// area that match its filter, newest first (by time, then by id), with keyset cursors on
// (time, id). An alert's area is a county or the city, so a caller below a county sees
// none, and only a caller of the whole tree sees the city's. The statements run as sc's
// caller under row-level security. The use case checks the caller's role and the filter.
// It returns a Forbidden error for an area outside sc, and a *models.FieldError for a
// bad area, paging argument or cursor.
func (sp *StatusPage) Alerts(ctx context.Context, sc Scope, q StatusAlertQuery) (*Page[StatusAlert], error) {
	s := sp.s
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if f == nil {
		f = &models.StatusLookupAlertFilter{}
	}
	db := s.db.WithContext(sc.bind(ctx))
	build := func() *gorm.DB {
		b := sc.within(db, "status_lookup_alerts", lo, hi)
		if f.By != nil {
			b = b.Where("status_lookup_alerts.counted_by = ?", *f.By)
		}
		b = createdWithin(b, "status_lookup_alerts", f.From, f.To)
		if f.Acknowledged != nil {
			if *f.Acknowledged {
				b = b.Where("status_lookup_alerts.acknowledged_at IS NOT NULL")
			} else {
				b = b.Where("status_lookup_alerts.acknowledged_at IS NULL")
			}
		}
		return b
	}
	p, err := pageOf(build, q.PageArgs, newestAlertFirst)
	if err != nil {
		return nil, wrap("status alerts", err)
	}
	return p, nil
}

// newestAlertFirst is the order of the alerts' list: newest first, then by id,
// descending.
var newestAlertFirst = newestFirst("status_lookup_alerts", func(a *StatusAlert) (time.Time, string) { return a.CreatedAt, a.ID })

// AcknowledgeStatusAlert is the operation of the audit event of an acknowledgement.
const AcknowledgeStatusAlert = "acknowledgeStatusLookupAlert"

// AcknowledgeAlert records that the caller of sc acknowledged alert id, now, with note
// (checked by the use case), and audits it with the alert before and after, in one
// transaction. It returns models.ErrNotFound when sc has no such alert (one outside the
// caller's area included), models.ErrConflict when it was acknowledged already, and the
// database's errors.
func (sp *StatusPage) AcknowledgeAlert(ctx context.Context, sc Scope, id, note string) (*StatusAlert, error) {
	s := sp.s
	var a StatusAlert
	err := s.db.WithContext(sc.bind(ctx)).Transaction(func(tx *gorm.DB) error {
		err := sc.rows(tx, "status_lookup_alerts").Where("status_lookup_alerts.id = ?", id).Take(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.NotFound("status lookup alert")
		}
		if err != nil {
			return err
		}
		if a.AcknowledgedAt != nil {
			return models.Conflict("status lookup alert %s was acknowledged already, on %s", a.ID, a.AcknowledgedAt.UTC().Format(time.RFC3339))
		}
		before := a
		now, by := s.now().UTC(), sc.p.Subject
		res := sc.rows(tx.Session(&gorm.Session{NewDB: true}), "status_lookup_alerts").
			Where("status_lookup_alerts.id = ? AND status_lookup_alerts.acknowledged_at IS NULL", a.ID).
			Updates(map[string]any{"acknowledged_at": now, "acknowledged_by": by, "acknowledgement_note": note})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Conflict("status lookup alert %s was acknowledged already", a.ID)
		}
		a.AcknowledgedAt, a.AcknowledgedBy, a.AcknowledgementNote = &now, &by, &note
		return s.audit(tx, sc, AcknowledgeStatusAlert, a.AreaCode, []string{a.ID}, &before, &a)
	})
	if err != nil {
		return nil, wrap("acknowledge status alert", err)
	}
	return &a, nil
}

// StatusAlertsUnscoped returns every alert of the status page, oldest first. It acts for
// no caller (operators' checks and tests) and returns the database's errors.
func (sp *StatusPage) StatusAlertsUnscoped(ctx context.Context) ([]StatusAlert, error) {
	var out []StatusAlert
	err := sp.s.db.WithContext(systemScope(ctx)).Order("created_at").Order("counted_by").Order("digest").Find(&out).Error
	return out, wrap("status alerts", err)
}

// NotificationsOfKindUnscoped returns every notice of kind, in the order they were
// written. It acts for no caller (tests and operators' checks) and returns the
// database's errors.
func (r *Outbox) NotificationsOfKindUnscoped(ctx context.Context, kind NotificationKind) ([]Notification, error) {
	var out []Notification
	err := r.s.db.WithContext(systemScope(ctx)).Where("kind = ?", kind).Order("created_at").Order("id").Find(&out).Error
	return out, wrap("notifications", err)
}
