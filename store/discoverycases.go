package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"jiuzhu/division"
	"jiuzhu/models"
)

// DiscoveryCases reads and writes the discovery cases (P24): a household of the
// discovery list (P7) followed to an outcome, with its visits. Reads are narrowed by the
// caller's scope; writes run in a unit of work (Store.Write) and record their entries in
// the change feed.
type DiscoveryCases struct{ s *Store }

// DiscoveryCases returns the persistence of discovery cases.
func (s *Store) DiscoveryCases() *DiscoveryCases { return &DiscoveryCases{s: s} }

// CaseQuery selects a page of discovery cases.
type CaseQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area *string
	// Status, when set, keeps the cases of that status.
	Status *models.DiscoveryCaseStatus
	// Stale, when set, keeps the cases flagged stale (true) or not (false).
	Stale *bool
	PageArgs
}

// Household returns the household id in w's scope and takes its lock, so that two
// openings of a case for one household follow each other. It returns models.ErrNotFound
// for a household outside the scope.
func (d *DiscoveryCases) Household(w *Writer, id string) (*models.Household, error) {
	h, err := household(w.sc.rows(w.tx, "households"), id)
	if err != nil {
		return nil, err
	}
	if err := lockHousehold(w.tx, w.sc, h.ID); err != nil {
		return nil, err
	}
	return h, nil
}

// Candidate returns what the discovery list says of household h (read in w's scope): the
// reasons of q.Coverages it raises that the caller may see, and its receiving grants that
// the caller may see.
func (d *DiscoveryCases) Candidate(w *Writer, h *models.Household, q DiscoveryQuery) (*Candidate, error) {
	page := &Page[Candidate]{}
	if err := candidates(w.tx, w.sc, q, []models.Household{*h}, page); err != nil {
		return nil, err
	}
	return &page.Items[0], nil
}

// Staff returns the staff member id in w's scope, or models.ErrNotFound.
func (d *DiscoveryCases) Staff(w *Writer, id string) (*models.StaffMember, error) {
	var m models.StaffMember
	err := w.sc.rows(w.tx, "staff_members").Where("staff_members.id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("staff member")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Insert stores the new case c and records its entry in the change feed. It returns a
// Conflict error when the household already has an unclosed case.
func (d *DiscoveryCases) Insert(w *Writer, c *models.DiscoveryCase) error {
	if err := w.tx.Create(c).Error; err != nil {
		if isUniqueViolation(err) {
			return models.Conflict("the household already has an open discovery case")
		}
		return err
	}
	w.changed(caseChanged(models.ChangeCreated, c.ID, c.AreaCode))
	return nil
}

// In returns the case id in w's scope, or models.ErrNotFound.
func (d *DiscoveryCases) In(w *Writer, id string) (*models.DiscoveryCase, error) {
	return takeCase(w.sc.rows(w.tx, "discovery_cases"), id)
}

// Get returns the case id in sc, or models.ErrNotFound.
func (d *DiscoveryCases) Get(ctx context.Context, sc Scope, id string) (*models.DiscoveryCase, error) {
	c, err := takeCase(sc.rows(d.s.db.WithContext(ctx), "discovery_cases"), id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, wrap("discovery case", err)
	}
	return c, err
}

func takeCase(q *gorm.DB, id string) (*models.DiscoveryCase, error) {
	var c models.DiscoveryCase
	err := q.Where("discovery_cases.id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("discovery case")
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Update writes c (read at its version, which it advances) in w's scope and records its
// entry in the change feed. It returns a Conflict error when c changed since it was read.
func (d *DiscoveryCases) Update(w *Writer, c *models.DiscoveryCase) error {
	res := w.sc.rows(w.tx, "discovery_cases").Where("discovery_cases.id = ? AND discovery_cases.version = ?", c.ID, c.Version).
		Updates(map[string]any{
			"open_key": c.OpenKey, "status": c.Status, "assignee_id": c.AssigneeID, "outcome": c.Outcome,
			"application_id": c.ApplicationID, "stale": c.Stale, "followed_at": c.FollowedAt, "closed_at": c.ClosedAt,
			"closed_by": c.ClosedBy, "close_note": c.CloseNote, "version": c.Version + 1, "updated_at": w.tx.NowFunc(),
		})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the discovery case was changed by someone else; reload it and try again")
	}
	c.Version++
	w.changed(caseChanged(models.ChangeUpdated, c.ID, c.AreaCode))
	return nil
}

// InsertVisit stores a visit of a case.
func (d *DiscoveryCases) InsertVisit(w *Writer, v *models.DiscoveryVisit) error {
	return w.tx.Create(v).Error
}

// Visits returns the visits of case caseID in sc, oldest first.
func (d *DiscoveryCases) Visits(ctx context.Context, sc Scope, caseID string) ([]*models.DiscoveryVisit, error) {
	var out []*models.DiscoveryVisit
	err := sc.rows(d.s.db.WithContext(ctx), "discovery_visits").Where("discovery_visits.case_id = ?", caseID).
		Order("discovery_visits.visited_on").Order("discovery_visits.id").Find(&out).Error
	if err != nil {
		return nil, wrap("discovery visits", err)
	}
	return out, nil
}

// List returns a page of the cases of the query's area, ordered by (area code, id). It
// returns a *models.FieldError for a bad area or paging argument and a Forbidden error
// for an area outside sc.
func (d *DiscoveryCases) List(ctx context.Context, sc Scope, q CaseQuery) (*Page[models.DiscoveryCase], error) {
	return casesByArea.page(ctx, d.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
		if q.Status != nil {
			b = b.Where("discovery_cases.status = ?", *q.Status)
		}
		if q.Stale != nil {
			b = b.Where("discovery_cases.stale = ?", *q.Stale)
		}
		return b
	})
}

// casesByArea is the discovery cases' list: the cases of an area.
var casesByArea = areaList[models.DiscoveryCase]{name: "discovery cases", table: "discovery_cases",
	area: func(c *models.DiscoveryCase) string { return c.AreaCode }, id: func(c *models.DiscoveryCase) string { return c.ID }}

// StaleCandidates returns, for the system's scope sc, up to limit ids of unclosed cases
// opened before before that are not yet flagged stale, in id order after the id after.
func (d *DiscoveryCases) StaleCandidates(ctx context.Context, sc Scope, before time.Time, after string, limit int) ([]models.DiscoveryCase, error) {
	var out []models.DiscoveryCase
	err := sc.rows(d.s.db.WithContext(ctx), "discovery_cases").
		Where("discovery_cases.status <> ? AND discovery_cases.stale = ? AND discovery_cases.created_at < ? AND discovery_cases.id > ?",
			models.CaseClosed, false, before, after).
		Order("discovery_cases.id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, wrap("stale discovery cases", err)
	}
	return out, nil
}

// CaseStats counts the cases of the area (the caller's by default) per unit of level
// below it, inside sc: found, followed, closed, turned into grants (an application made
// from the case that became a grant in one of granted, of the caller's categories) and
// stale. Units without cases are left out; they are in code order. It returns a
// *models.FieldError for a bad area or a level that is not below the area, and a
// Forbidden error for an area outside sc.
func (d *DiscoveryCases) Stats(ctx context.Context, sc Scope, area *string, level models.Level, granted []models.GrantStatus) ([]models.DiscoveryCaseStats, error) {
	lo, hi, err := d.s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	n := map[models.Level]int{models.LevelCity: 4, models.LevelCounty: 6, models.LevelTownship: 9, models.LevelVillage: 12}[level]
	if n == 0 || n < len(division.Prefix(lo)) {
		return nil, models.Invalid("level", "must be the area's level or a level below it")
	}
	db := d.s.db.WithContext(ctx)
	grants := sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("1").
		Where("grants.id = discovery_cases.application_id AND grants.status IN ?", granted)
	unit := "SUBSTR(discovery_cases.area_code, 1, " + strconv.Itoa(n) + ")"
	type row struct {
		Unit                                    string
		Found, Followed, Closed, Granted, Stale int
	}
	var rows []row
	err = sc.within(db, "discovery_cases", lo, hi).
		Select(unit+" AS unit, COUNT(*) AS found,"+
			" SUM(CASE WHEN discovery_cases.followed_at IS NOT NULL THEN 1 ELSE 0 END) AS followed,"+
			" SUM(CASE WHEN discovery_cases.status = ? THEN 1 ELSE 0 END) AS closed,"+
			" SUM(CASE WHEN discovery_cases.application_id IS NOT NULL AND EXISTS (?) THEN 1 ELSE 0 END) AS granted,"+
			" SUM(CASE WHEN discovery_cases.stale THEN 1 ELSE 0 END) AS stale", models.CaseClosed, grants).
		Group(unit).Order(unit).Scan(&rows).Error
	if err != nil {
		return nil, wrap("discovery case stats", err)
	}
	out := make([]models.DiscoveryCaseStats, len(rows))
	for i, r := range rows {
		code := r.Unit
		for len(code) < division.CodeLength {
			code += "0"
		}
		out[i] = models.DiscoveryCaseStats{AreaCode: code, Level: level, Found: r.Found, Followed: r.Followed,
			Closed: r.Closed, Granted: r.Granted, Stale: r.Stale}
	}
	return out, nil
}

// caseChanged and reviewChanged describe a change of a discovery case or a review for
// the change feed. A review carries its grant's category, so that integrators see only
// those of their categories; a discovery case carries civilAffairsOnly, a category of no
// integrator, as integrators do not read cases.
func caseChanged(kind models.ChangeKind, id, area string) models.ChangeLogEntry {
	cat := civilAffairsOnly
	return models.ChangeLogEntry{Entity: models.EntityDiscovery, EntityID: id, AreaCode: area, CategoryCode: &cat, Kind: kind}
}

// civilAffairsOnly is the category of the change-feed entries of records that no
// department integrator reads: no token names it, as it is no category of the catalogue.
const civilAffairsOnly = "CIVIL_AFFAIRS"

func reviewChanged(kind models.ChangeKind, r *models.Review) models.ChangeLogEntry {
	cat := r.CategoryCode
	return models.ChangeLogEntry{Entity: models.EntityReview, EntityID: r.ID, AreaCode: r.AreaCode, CategoryCode: &cat, Kind: kind}
}
