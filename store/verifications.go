package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// Verifications is the persistence of the households' economic verifications (P10) and
// their member lines: reads narrowed by the caller's Scope, and writes inside a unit of
// work (Writer). It checks no permission and no rule of the policy; the use cases in
// casework/verifications do. Reach it with Store.Verifications.
type Verifications struct{ s *Store }

// Verifications returns the store of verifications.
func (s *Store) Verifications() *Verifications { return &Verifications{s: s} }

// List returns the verifications of household householdID in sc, latest first. It
// returns models.ErrNotFound for a household outside sc.
func (r *Verifications) List(ctx context.Context, sc Scope, householdID string) ([]*models.Verification, error) {
	db := r.s.db.WithContext(ctx)
	if _, err := household(sc.rows(db, "households"), householdID); err != nil {
		return nil, wrap("verifications", err)
	}
	var out []*models.Verification
	err := sc.rows(db, "verifications").Where("verifications.household_id = ?", householdID).
		Order("verifications.check_date DESC").Order("verifications.id DESC").Find(&out).Error
	return out, wrap("verifications", err)
}

// Latest returns the latest verification of household householdID in sc, or nil when it
// has none. It returns models.ErrNotFound for a household outside sc.
func (r *Verifications) Latest(ctx context.Context, sc Scope, householdID string) (*models.Verification, error) {
	db := r.s.db.WithContext(ctx)
	if _, err := household(sc.rows(db, "households"), householdID); err != nil {
		return nil, wrap("latest verification", err)
	}
	v, err := latestVerification(sc.rows(db, "verifications"), householdID)
	return v, wrap("latest verification", err)
}

// Lines returns the member lines of verification verificationID in sc.
func (r *Verifications) Lines(ctx context.Context, sc Scope, verificationID string) ([]*models.VerificationMember, error) {
	var out []*models.VerificationMember
	err := sc.rows(r.s.db.WithContext(ctx), "verification_members").
		Where("verification_members.verification_id = ?", verificationID).Order("verification_members.id").Find(&out).Error
	return out, wrap("verified members", err)
}

// latestVerification returns the verification of householdID in q marked latest, or nil.
func latestVerification(q *gorm.DB, householdID string) (*models.Verification, error) {
	var v models.Verification
	err := q.Where("verifications.household_id = ? AND verifications.latest = ?", householdID, true).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// The reads below run inside a unit of work, in its transaction and scope.

// MembersIn returns the current members of household householdID in w's scope, by id.
func (r *Verifications) MembersIn(w *Writer, householdID string) ([]*models.Member, error) {
	var ms []*models.Member
	err := w.sc.rows(w.tx, "members").Where("members.household_id = ?", householdID).Order("members.id").Find(&ms).Error
	return ms, err
}

// PeopleIn returns the members of w's scope whose resident ID numbers are among nums. A
// person registered outside the scope is not found, exactly like an unknown one.
func (r *Verifications) PeopleIn(w *Writer, nums []string) ([]*models.Member, error) {
	var ms []*models.Member
	err := w.sc.rows(w.tx, "members").Where("members.id_number IN ?", nums).Find(&ms).Error
	return ms, err
}

// LatestIn returns the latest verification of household householdID in w's scope, or
// nil when it has none.
func (r *Verifications) LatestIn(w *Writer, householdID string) (*models.Verification, error) {
	return latestVerification(w.sc.rows(w.tx, "verifications"), householdID)
}

// OfSourcesIn returns the verifications in w's scope of the households households by the
// source departments sources, in the order they were recorded.
func (r *Verifications) OfSourcesIn(w *Writer, households, sources []string) ([]*models.Verification, error) {
	var out []*models.Verification
	err := w.sc.rows(w.tx, "verifications").
		Where("verifications.household_id IN ? AND verifications.source_department IN ?", households, sources).
		Order("verifications.created_at").Order("verifications.id").Find(&out).Error
	return out, err
}

// LinesIn returns the member lines in w's scope of the verifications ids.
func (r *Verifications) LinesIn(w *Writer, ids []string) ([]*models.VerificationMember, error) {
	var out []*models.VerificationMember
	err := w.sc.rows(w.tx, "verification_members").Where("verification_members.verification_id IN ?", ids).
		Order("verification_members.id").Find(&out).Error
	return out, err
}

// ActiveRuralDibaoIn returns the ACTIVE rural dibao grants of household householdID in
// w's scope, by id: the grants a verification above the rural standard concerns (P13).
func (r *Verifications) ActiveRuralDibaoIn(w *Writer, householdID string) ([]*models.Grant, error) {
	var gs []*models.Grant
	err := w.sc.rows(w.tx, "grants").Where("grants.household_id = ? AND grants.program_code = ? AND grants.status = ?",
		householdID, catalogue.ProgramRuralDibao, models.GrantActive).Order("grants.id").Find(&gs).Error
	return gs, err
}

// Insert writes verification v of its household with its member lines (given ids and
// area here). When v is the household's latest (v.Latest, decided by the use case), the
// verification marked latest before is no longer. The household's derived values and
// tallies are refreshed, since a verification is an input of the rules.
func (r *Verifications) Insert(w *Writer, v *models.Verification, lines []*models.VerificationMember) error {
	if v.Latest {
		if err := w.sc.rows(w.tx, "verifications").
			Where("verifications.household_id = ? AND verifications.latest = ?", v.HouseholdID, true).
			Update("latest", false).Error; err != nil {
			return err
		}
	}
	if err := w.tx.Create(v).Error; err != nil {
		return err
	}
	for _, l := range lines {
		l.ID, l.VerificationID, l.AreaCode = newID(), v.ID, v.AreaCode
	}
	if len(lines) > 0 {
		if err := w.tx.Create(lines).Error; err != nil {
			return err
		}
	}
	w.touched(v.HouseholdID)
	return nil
}
