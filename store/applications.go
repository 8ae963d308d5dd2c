package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/division"
	"jiuzhu/models"
)

// Applications reads and writes applications: grants received at the one door (P5,
// P11), with a reference number per county and year. Its reads are narrowed by the
// caller's scope; its writes run in a unit of work (Store.Write).
type Applications struct{ s *Store }

// Applications returns the persistence of applications.
func (s *Store) Applications() *Applications { return &Applications{s: s} }

// Program returns the program of the catalogue with code (blanks around it do not
// matter). It returns a *models.FieldError (without a field) for a code that is not a
// program of the catalogue.
func (a *Applications) Program(w *Writer, code string) (*models.Program, error) {
	return a.s.Catalogue().program(w.tx, strings.TrimSpace(code))
}

// Household returns the household id in w's scope and takes its lock (lockHousehold),
// so that the writes of its grants follow each other. It returns models.ErrNotFound
// for a household outside the scope.
func (a *Applications) Household(w *Writer, id string) (*models.Household, error) {
	h, err := household(w.sc.rows(w.tx, "households"), id)
	if err != nil {
		return nil, err
	}
	if err := lockHousehold(w.tx, w.sc, h.ID); err != nil {
		return nil, err
	}
	return h, nil
}

// Member returns the member id of household householdID in w's scope, or
// models.ErrNotFound.
func (a *Applications) Member(w *Writer, householdID, id string) (*models.Member, error) {
	return member(w.sc.rows(w.tx, "members").Where("members.id = ? AND members.household_id = ?", id, householdID))
}

// countyDigits is the length of a county's own part of a division code.
const countyDigits = 6

// NextNumber takes the next application number of year in the county of area (a
// 12-digit code inside it) and returns the county's 6-digit code and the number. The
// counter row is created on the county's first application of the year; the increment
// locks it until the unit of work ends, so concurrent applications of one county are
// numbered one after the other while other counties' go on, and a rolled-back
// application gives its number back. A use case takes it as its last read, to hold the
// lock for as short a time as possible. It returns an error for an area that is not
// inside a county, and the database's errors.
func (a *Applications) NextNumber(w *Writer, area string, year int) (county string, n int, err error) {
	if len(area) != division.CodeLength || division.LevelOf(area) == models.LevelCity {
		return "", 0, fmt.Errorf("application counter: %q is not inside a county", area)
	}
	county = area[:countyDigits]
	if err := w.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ApplicationCounter{County: county, Year: year}).Error; err != nil {
		return "", 0, err
	}
	if err := w.tx.Raw("UPDATE county_application_counters SET last = last + 1 WHERE county = ? AND year = ? RETURNING last", county, year).Scan(&n).Error; err != nil {
		return "", 0, err
	}
	if n <= 0 {
		return "", 0, errors.New("application counter did not advance")
	}
	return county, n, nil
}

// Insert stores the new application g with its opening event (reason), made by w's
// caller, writes the applicant's notice to the outbox and records its entry in the
// change feed. A pending application is no input of the derived values, so no household
// is refreshed.
func (a *Applications) Insert(w *Writer, g *models.Grant, reason string) error {
	if err := w.tx.Create(g).Error; err != nil {
		return err
	}
	if err := w.tx.Create(grantEvent(w.sc.p, g, nil, g.Status, reason)).Error; err != nil {
		return err
	}
	if err := a.s.Outbox().noticeGrantMoved(w.tx, g, nil); err != nil { // the applicant's notice (outbox.go)
		return err
	}
	w.changed(grantChanged(models.ChangeCreated, g))
	return nil
}

// Get returns the application with reference number ref (case and surrounding blanks
// do not matter): one grant, with its one status and its history in its events. It
// returns models.ErrNotFound when there is none in sc (or, for integrators, in their
// categories).
func (a *Applications) Get(ctx context.Context, sc Scope, ref string) (*models.Grant, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	var g models.Grant
	err := sc.grantRows(a.s.db.WithContext(ctx)).Where("grants.reference = ?", ref).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("application")
	}
	if err != nil {
		return nil, wrap("application", err)
	}
	return &g, nil
}
