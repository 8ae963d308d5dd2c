package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
)

// StatusPage is the persistence of the public status page (casework/applicantstatus):
// the applications looked up by reference, their steps and the audit of lookups, read
// and written as the system since the page has no signed-in caller. Reach it with
// Store.StatusPage.
type StatusPage struct{ s *Store }

// StatusPage returns the store of the public status page.
func (s *Store) StatusPage() *StatusPage { return &StatusPage{s: s} }

// ApplicantRecord is what the public status page (casework/applicantstatus) needs of one
// application: its status, the tail of the applicant's ID number that the person asking
// must match, and, once it matched, the steps of its history with the area of the
// office that took each. It holds no name, no amount and no officer.
type ApplicantRecord struct {
	GrantID   string
	AreaCode  string
	Reference string
	Status    models.GrantStatus
	// Steps are filled by the caller from ApplicantStepsUnscoped.
	Steps []ApplicantStep
	// IDTail is the last IDTailLength characters of the applicant's ID number, for a
	// constant-time comparison; it is never shown or logged.
	IDTail string
}

// ApplicantStep is one change of an application's status: to which status, when, and
// the area of the office whose staff made it.
type ApplicantStep struct {
	Status   models.GrantStatus
	At       time.Time
	OfficeAt string
}

// IDTailLength is how many trailing characters of the applicant's ID number the status
// page asks for.
const IDTailLength = 6

// ApplicantRecordUnscoped returns the application with reference ref (already upper-case
// and trimmed) for the public status page, which acts for no caller: the page checks the
// ID tail before it shows anything, and reads the steps (ApplicantStepsUnscoped) only
// then. The applicant is the member the application names or, when it names none, the
// household's head. The record and the tail come in one statement, so that a known
// reference with a wrong tail costs the same work as an unknown one. It returns
// models.ErrNotFound when no application has the reference, and the database's errors.
func (sp *StatusPage) ApplicantRecordUnscoped(ctx context.Context, ref string) (*ApplicantRecord, error) {
	s := sp.s
	db := s.db.WithContext(systemScope(ctx))
	var rows []struct {
		ID       string
		AreaCode string
		Status   models.GrantStatus
		IDNumber *string
	}
	err := db.Raw(`SELECT g.id, g.area_code, g.status, m.id_number
		FROM grants g LEFT JOIN members m ON m.household_id = g.household_id
			AND ((g.member_id IS NOT NULL AND m.id = g.member_id) OR (g.member_id IS NULL AND m.relation = ?))
		WHERE g.reference = ? LIMIT 1`, models.RelationHead, ref).Scan(&rows).Error
	if err != nil {
		return nil, wrap("applicant status", err)
	}
	if len(rows) == 0 {
		return nil, models.NotFound("application")
	}
	r := rows[0]
	rec := &ApplicantRecord{GrantID: r.ID, AreaCode: r.AreaCode, Reference: ref, Status: r.Status}
	if r.IDNumber != nil && len(*r.IDNumber) >= IDTailLength {
		rec.IDTail = strings.ToUpper((*r.IDNumber)[len(*r.IDNumber)-IDTailLength:])
	}
	return rec, nil
}

// ApplicantStepsUnscoped returns the steps of the application grantID, oldest first, for
// the status page once the applicant's pair matched. It acts for no caller and returns
// the database's errors.
func (sp *StatusPage) ApplicantStepsUnscoped(ctx context.Context, grantID string) ([]ApplicantStep, error) {
	s := sp.s
	var evs []models.GrantEvent
	err := s.db.WithContext(systemScope(ctx)).Where("grant_id = ?", grantID).Order("created_at").Order("id").Find(&evs).Error
	if err != nil {
		return nil, wrap("applicant steps", err)
	}
	steps := make([]ApplicantStep, 0, len(evs))
	for _, ev := range evs {
		steps = append(steps, ApplicantStep{Status: ev.ToStatus, At: ev.CreatedAt, OfficeAt: ev.ActorArea})
	}
	return steps, nil
}

// StatusLookupOutcome says how a lookup on the public status page ended (see
// models.StatusLookupOutcome).
type StatusLookupOutcome = models.StatusLookupOutcome

// The outcomes of a lookup.
const (
	// LookupShown: the reference and the ID tail matched and the status was shown.
	LookupShown = models.LookupShown
	// LookupMismatch: the reference exists but the ID tail did not match.
	LookupMismatch = models.LookupMismatch
	// LookupUnknown: no application has the reference.
	LookupUnknown = models.LookupUnknown
)

// StatusLookup is the audit record of one lookup on the public status page (see
// models.StatusLookup).
type StatusLookup = models.StatusLookup

// ShowApplicantStatus is the operation of the audit events (models.AuditEvent) of the
// lookups on the public status page that showed an application.
const ShowApplicantStatus = "showApplicantStatus"

// StatusPageActor is the actor of the audit events of the public status page, which has
// no signed-in caller: the system, for the whole city.
var StatusPageActor = auth.Principal{Subject: "system:status-page", Role: models.RoleAdmin, Area: division.CityCode}

// maxRecordIDs is the size of models.AuditEvent's RecordIDs.
const maxRecordIDs = 2000

// errShownWithoutMatch is the error of a lookup audited with records shown although the
// pair did not match, or without them although it did.
var errShownWithoutMatch = errors.New("store: a status lookup names the records shown if and only if it showed them")

// RecordStatusLookupUnscoped writes the audit record of a lookup of reference ref from
// client address addr that ended with outcome, for the application of area (""
// when none matched). shown are the ids of the records the page showed, the application
// first and then its grievances, given only with LookupShown: that lookup is also written
// to the audit trail, in the same transaction, as an event ShowApplicantStatus of
// StatusPageActor in the application's area whose records are the lookup's ID and then
// shown (several events, each naming the lookup and the application, when the ids do not
// fit one). A lookup with another outcome writes no event, so that nothing tells which
// records exist. It acts for no caller. It returns an error, and writes nothing, when
// shown is empty with LookupShown or given with another outcome, and the database's
// errors.
func (sp *StatusPage) RecordStatusLookupUnscoped(ctx context.Context, ref, addr, area string, outcome StatusLookupOutcome, shown []string) error {
	s := sp.s
	if (outcome == LookupShown) != (len(shown) > 0) {
		return wrap("record status lookup", errShownWithoutMatch)
	}
	if area == "" {
		area = s.tree.All()[0].Code
	}
	err := s.db.WithContext(systemScope(ctx)).Transaction(func(tx *gorm.DB) error {
		d, err := s.Audit().digester(tx)
		if err != nil {
			return err
		}
		lookup := &StatusLookup{
			ID: newID(), AreaCode: area, ReferenceDigest: d("reference:" + ref), AddressDigest: d("address:" + addr),
			Outcome: outcome, CreatedAt: s.now().UTC(),
		}
		if err := tx.Create(lookup).Error; err != nil {
			return err
		}
		if len(shown) == 0 {
			return nil
		}
		groups, err := recordGroups([]string{lookup.ID, shown[0]}, shown[1:], maxRecordIDs)
		if err != nil {
			return err
		}
		sc := ScopeFor(StatusPageActor)
		events := make([]*models.AuditEvent, len(groups))
		for i, ids := range groups {
			events[i] = s.Audit().auditEvent(sc, ShowApplicantStatus, area, ids, nil, nil, nil)
		}
		return tx.Create(events).Error
	})
	return wrap("record status lookup", err)
}

// recordGroups splits ids into groups whose ids, each group after head and joined by
// commas, take at most max bytes: one group (head alone) when ids is empty. It returns
// an error when head and one id do not fit.
func recordGroups(head, ids []string, max int) ([][]string, error) {
	headLen := len(strings.Join(head, ","))
	var groups [][]string
	for {
		group, n := append([]string(nil), head...), headLen
		for len(ids) > 0 && n+1+len(ids[0]) <= max {
			group, n, ids = append(group, ids[0]), n+1+len(ids[0]), ids[1:]
		}
		if len(ids) > 0 && len(group) == len(head) {
			return nil, errors.New("store: a record id does not fit the audit event")
		}
		groups = append(groups, group)
		if len(ids) == 0 {
			return groups, nil
		}
	}
}

// StatusLookupsUnscoped returns the audit records of lookups of reference ref, oldest
// first. It acts for no caller (operators' checks and tests) and returns the database's
// errors.
func (sp *StatusPage) StatusLookupsUnscoped(ctx context.Context, ref string) ([]StatusLookup, error) {
	s := sp.s
	db := s.db.WithContext(systemScope(ctx))
	d, err := s.Audit().digester(db)
	if err != nil {
		return nil, wrap("status lookups", err)
	}
	var out []StatusLookup
	if err := db.Where("reference_digest = ?", d("reference:"+ref)).Order("created_at").Order("id").Find(&out).Error; err != nil {
		return nil, wrap("status lookups", err)
	}
	return out, nil
}
