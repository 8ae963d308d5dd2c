package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// maxReasonLen bounds the reason of a status change and the note of an application.
const maxReasonLen = 500

// SubmitApplication receives an application at the one door (P5, P11): whatever the
// channel, it becomes a PENDING grant on an active program for a household of the
// caller's area (optionally one member; medical programs need one), with a reference
// number of the form JZ-371402-2026-000123 (county, year, number) that the applicant and
// the hotline follow it by. The number comes from a counter per county and year
// incremented in the same transaction, so a county's numbers have no gaps and no
// duplicates, and show nothing of other counties' volume. The amount stays zero until
// approval sets it, and the start date is the day of the application until then.
//
// It returns a Forbidden error for auditors and integrators, models.ErrNotFound for a
// household or member outside the caller's area, and a *models.FieldError for bad input
// or an inactive program.
func (s *Store) SubmitApplication(ctx context.Context, in models.ApplicationInput) (*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionSubmitApplication, "submit applications"); err != nil {
		return nil, err
	}
	if !slices.Contains(models.ApplicationChannels, in.Channel) {
		return nil, models.Invalid("input.channel", "%s is not a channel", privacy.Quote(string(in.Channel)))
	}
	note, err := optionalText("input.note", in.Note, maxReasonLen)
	if err != nil {
		return nil, err
	}
	today := s.now().In(policy.ChinaTime)
	var out *models.Grant
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		prog, h, err := s.grantTarget(tx, sc, in.ProgramCode, in.HouseholdID, in.MemberID, "applications")
		if err != nil {
			return err
		}
		if in.MemberID == nil && prog.CategoryCode == catalogue.CategoryMedical {
			return models.Invalid("input.memberId", "medical assistance is for one person: name the member (P3)")
		}
		// The counter row is taken last, so that it is held for as short a time as possible.
		ref, err := nextReference(tx, h.AreaCode, today.Year())
		if err != nil {
			return err
		}
		ch := in.Channel
		g := &models.Grant{
			ID: newID(), HouseholdID: h.ID, MemberID: in.MemberID, AreaCode: h.AreaCode,
			ProgramCode: prog.Code, CategoryCode: prog.CategoryCode, Status: models.GrantPending,
			StartDate: models.DateOf(today), Version: 1, CreatedBy: sc.p.Subject,
			Reference: &ref, Channel: &ch,
		}
		reason := "application received via " + string(ch)
		if note != nil {
			reason += ": " + *note
		}
		out = g
		return s.insertGrant(tx, sc, g, reason, "submitApplication")
	})
	if err != nil {
		return nil, wrap("submit application", err)
	}
	return out, nil
}

// countyDigits is the length of a county's own part of a division code.
const countyDigits = 6

// nextReference takes the next application number of year in the county of area (a
// 12-digit code inside it) inside tx and formats it. The counter row is created on the
// county's first application of the year; the increment locks it until tx ends, so
// concurrent applications of one county are numbered one after the other while other
// counties' go on, and a rolled-back application gives its number back. It returns an
// error for an area that is not inside a county, and the database's errors.
func nextReference(tx *gorm.DB, area string, year int) (string, error) {
	if len(area) != division.CodeLength || division.LevelOf(area) == models.LevelCity {
		return "", fmt.Errorf("application counter: %q is not inside a county", area)
	}
	county := area[:countyDigits]
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ApplicationCounter{County: county, Year: year}).Error; err != nil {
		return "", err
	}
	var n int
	if err := tx.Raw("UPDATE county_application_counters SET last = last + 1 WHERE county = ? AND year = ? RETURNING last", county, year).Scan(&n).Error; err != nil {
		return "", err
	}
	if n <= 0 {
		return "", errors.New("application counter did not advance")
	}
	return policy.ApplicationReference(county, year, n), nil
}

// Application returns the application with reference number ref (case and surrounding
// blanks do not matter): one grant, with its one status and its history in its events.
// It returns models.ErrNotFound when there is none in the caller's area (or, for
// integrators, in their categories).
func (s *Store) Application(ctx context.Context, ref string) (*models.Grant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	ref = strings.ToUpper(strings.TrimSpace(ref))
	var g models.Grant
	err = sc.grantRows(s.db.WithContext(ctx)).Where("grants.reference = ?", ref).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("application")
	}
	if err != nil {
		return nil, wrap("application", err)
	}
	return &g, nil
}
