package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// maxDepartmentLen bounds the source department of a verification, in characters.
const maxDepartmentLen = 64

// RecordVerification records an economic verification of a household of the caller's
// area (P10) and applies its consequences in the same transaction:
//
//   - when it is the household's latest and the household holds an ACTIVE rural dibao
//     grant whose county's rural standard its per-capita income now exceeds, a registered
//     poor household's grant moves to GRACE until GraceMonths after the check date (P13),
//     and any other household's grant is flagged for review;
//   - the values the rules derive for the household are recomputed.
//
// Admins, officers and assistants may record verifications. It returns
// models.ErrNotFound for a household outside the caller's area, a Forbidden error for
// another role, a *models.FieldError for bad input (the members must be the household's
// current members, each once), and a Conflict error when a grant changed concurrently.
// On error nothing is written.
func (s *Store) RecordVerification(ctx context.Context, householdID string, in models.VerificationInput) (*models.Verification, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionRecordVerification, "record verifications"); err != nil {
		return nil, err
	}
	var out *models.Verification
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out, err = s.recordVerification(tx, sc, householdID, in, "input")
		return err
	})
	if err != nil {
		return nil, wrap("record verification", err)
	}
	return out, nil
}

// recordVerification is RecordVerification inside a transaction that the caller owns,
// for a caller whose role the caller has checked: a bulk import calls it once per record
// and names each record's input path in field ("input", "records[3]"). It writes the
// verification, its member lines, the P13 consequences, the refreshed derived values and
// the audit record, or returns an error and the caller rolls tx back.
func (s *Store) recordVerification(tx *gorm.DB, sc Scope, householdID string, in models.VerificationInput, field string) (*models.Verification, error) {
	return s.recordVerificationAs(tx, sc, householdID, in, field, "recordVerification")
}

// recordVerificationAs is recordVerification that names the operation op on the audit
// record ("importVerifications" for a bulk import).
func (s *Store) recordVerificationAs(tx *gorm.DB, sc Scope, householdID string, in models.VerificationInput, field, op string) (*models.Verification, error) {
	h, err := s.household(sc.rows(tx, "households"), householdID)
	if err != nil {
		return nil, err
	}
	dept, err := text(field+".sourceDepartment", in.SourceDepartment, true, maxDepartmentLen)
	if err != nil {
		return nil, err
	}
	today := s.now()
	switch {
	case in.CheckDate.IsZero():
		return nil, models.Invalid(field+".checkDate", "is required")
	case in.CheckDate.Year() < minStandardYear:
		return nil, models.Invalid(field+".checkDate", "must not be before %d", minStandardYear)
	case in.CheckDate.After(models.DateOf(today).Time):
		return nil, models.Invalid(field+".checkDate", "must not be in the future")
	}
	medical, err := monthlyAmount(field+".medicalExpenditure", in.MedicalExpenditure)
	if err != nil {
		return nil, err
	}
	education, err := monthlyAmount(field+".educationExpenditure", in.EducationExpenditure)
	if err != nil {
		return nil, err
	}
	var ms []*models.Member
	if err := sc.rows(tx, "members").Where("members.household_id = ?", h.ID).Find(&ms).Error; err != nil {
		return nil, err
	}
	lines, total, err := verifiedMembers(field+".members", in.Members, ms)
	if err != nil {
		return nil, err
	}
	v := &models.Verification{
		ID: newID(), HouseholdID: h.ID, AreaCode: h.AreaCode, SourceDepartment: dept, CheckDate: in.CheckDate,
		TotalIncome: total, MemberCount: len(lines),
		OwnsVehicle: isSet(in.OwnsVehicle), SecondProperty: isSet(in.SecondProperty), Business: isSet(in.Business),
		DepositsOverLimit: isSet(in.DepositsOverLimit), MedicalExpenditure: medical, EducationExpenditure: education,
		RecordedBy: sc.p.Subject, Latest: true,
	}
	v.PerCapitaIncome = perCapita(v)

	// The latest verification is the last by check date; of one date, the last recorded.
	var cur models.Verification
	err = sc.rows(tx, "verifications").Where("verifications.household_id = ? AND verifications.latest = ?", h.ID, true).Take(&cur).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return nil, err
	case v.CheckDate.Before(cur.CheckDate.Time):
		v.Latest = false
	default:
		if err := sc.rows(tx, "verifications").Where("id = ?", cur.ID).Update("latest", false).Error; err != nil {
			return nil, err
		}
	}
	if err := tx.Create(v).Error; err != nil {
		return nil, err
	}
	for _, l := range lines {
		l.ID, l.VerificationID, l.AreaCode = newID(), v.ID, h.AreaCode
	}
	if err := tx.Create(lines).Error; err != nil {
		return nil, err
	}
	// The derived values follow the verification first, so that their changes are logged
	// as the verification's, which every caller of the area may see; the moves to GRACE
	// that follow keep the grants receiving and change no derived value.
	if err := s.refreshOne(tx, sc, h.ID); err != nil {
		return nil, err
	}
	ids := []string{v.ID, h.ID}
	if v.Latest {
		moved, err := s.checkRuralDibao(tx, sc, h, v)
		if err != nil {
			return nil, err
		}
		ids = append(ids, moved...)
	}
	if err := s.audit(tx, sc, op, h.AreaCode, ids, nil, v); err != nil {
		return nil, err
	}
	return v, nil
}

// checkRuralDibao applies P13 after verification v of household h: each ACTIVE rural
// dibao grant of a household whose income now exceeds its county's rural standard moves
// to GRACE (registered poor) or is flagged for review (others). It returns the ids of the
// grants it changed.
func (s *Store) checkRuralDibao(tx *gorm.DB, sc Scope, h *models.Household, v *models.Verification) ([]string, error) {
	idx, err := s.standardsInForce(tx, sc)
	if err != nil {
		return nil, err
	}
	st := idx[countyOf(h.AreaCode)]
	if st == nil || !exceeds(v, st.Rural) {
		return nil, nil
	}
	var gs []*models.Grant
	err = sc.rows(tx, "grants").Where("grants.household_id = ? AND grants.program_code = ? AND grants.status = ?",
		h.ID, catalogue.ProgramRuralDibao, models.GrantActive).Order("grants.id").Find(&gs).Error
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, g := range gs {
		if h.PovertyRegistered {
			until := s.policy.GraceUntil(v.CheckDate)
			reason := fmt.Sprintf("P13: verified income %s per person on %s exceeds the rural dibao standard %s of %d; registered poor household keeps dibao until %s",
				v.PerCapitaIncome, v.CheckDate, st.Rural, st.Year, until)
			if err := s.moveGrant(tx, sc.p, g, models.GrantGrace, reason, map[string]any{"grace_until": until}); err != nil {
				return nil, err
			}
		} else {
			reason := fmt.Sprintf("verified income %s per person on %s exceeds the rural dibao standard %s of %d; the household is not registered poor, so it has no grace period (P13)",
				v.PerCapitaIncome, v.CheckDate, st.Rural, st.Year)
			res := sc.rows(tx, "grants").Where("id = ? AND version = ?", g.ID, g.Version).Updates(map[string]any{
				"review_flag": true, "review_reason": reason, "version": g.Version + 1, "updated_at": tx.NowFunc(),
			})
			if res.Error != nil {
				return nil, res.Error
			}
			if res.RowsAffected == 0 {
				return nil, models.Conflict("the grant was changed by someone else; try again")
			}
			if err := s.logChange(tx, grantChanged(models.ChangeUpdated, g)); err != nil {
				return nil, err
			}
		}
		changed = append(changed, g.ID)
	}
	return changed, nil
}

// verifiedMembers checks the member lines of a verification against the household's
// members: each line names one member of the household by id or ID number, no member
// twice, every member once. It returns the lines and the total income.
func verifiedMembers(field string, in []*models.VerifiedMemberInput, ms []*models.Member) ([]*models.VerificationMember, models.Money, error) {
	if len(in) == 0 {
		return nil, 0, models.Invalid(field, "list every member of the household with its verified income")
	}
	byID := map[string]*models.Member{}
	byNumber := map[string]*models.Member{}
	for _, m := range ms {
		byID[m.ID], byNumber[m.IDNumber] = m, m
	}
	seen := map[string]bool{}
	lines := make([]*models.VerificationMember, 0, len(in))
	var total models.Money
	for i, l := range in {
		f := indexed(field, i)
		if l == nil {
			return nil, 0, models.Invalid(f, "must not be null")
		}
		var m *models.Member
		switch {
		case (l.MemberID == nil) == (l.IDNumber == nil):
			return nil, 0, models.Invalid(f, "name the member by exactly one of memberId and idNumber")
		case l.MemberID != nil:
			if m = byID[*l.MemberID]; m == nil {
				return nil, 0, models.Invalid(f+".memberId", "is not a member of this household")
			}
		default:
			if m = byNumber[strings.ToUpper(strings.TrimSpace(*l.IDNumber))]; m == nil {
				return nil, 0, models.Invalid(f+".idNumber", "is not a member of this household")
			}
		}
		if seen[m.ID] {
			return nil, 0, models.Invalid(f, "repeats a member listed before")
		}
		seen[m.ID] = true
		income, err := monthlyAmount(f+".monthlyIncome", &l.MonthlyIncome)
		if err != nil {
			return nil, 0, err
		}
		total += income
		lines = append(lines, &models.VerificationMember{MemberID: m.ID, MonthlyIncome: income, SelfCareLost: isSet(l.SelfCareLost)})
	}
	for _, m := range ms {
		if !seen[m.ID] {
			return nil, 0, models.Invalid(field, "member %s of the household is missing; list every member", m.ID)
		}
	}
	return lines, total, nil
}

// monthlyAmount checks an optional monthly amount: nil is zero.
func monthlyAmount(field string, m *models.Money) (models.Money, error) {
	if m == nil {
		return 0, nil
	}
	if *m < 0 || *m > MaxMonthlyAmount {
		return 0, models.Invalid(field, "must be from 0.00 to %s", MaxMonthlyAmount)
	}
	return *m, nil
}

func isSet(b *bool) bool { return b != nil && *b }

// Verifications returns the verifications of a household of the caller's area, latest
// first. It returns models.ErrNotFound for a household outside the area.
func (s *Store) Verifications(ctx context.Context, householdID string) ([]*models.Verification, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	if _, err := s.household(sc.rows(db, "households"), householdID); err != nil {
		return nil, wrap("verifications", err)
	}
	var out []*models.Verification
	err = sc.rows(db, "verifications").Where("verifications.household_id = ?", householdID).
		Order("verifications.check_date DESC").Order("verifications.id DESC").Find(&out).Error
	return out, wrap("verifications", err)
}

// LatestVerification returns the latest verification of a household of the caller's
// area, or nil when it has none. It returns models.ErrNotFound for a household outside
// the area.
func (s *Store) LatestVerification(ctx context.Context, householdID string) (*models.Verification, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	if _, err := s.household(sc.rows(db, "households"), householdID); err != nil {
		return nil, wrap("latest verification", err)
	}
	var v models.Verification
	err = sc.rows(db, "verifications").Where("verifications.household_id = ? AND verifications.latest = ?", householdID, true).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("latest verification", err)
	}
	return &v, nil
}

// VerifiedMembersOf returns the member lines of a verification of the caller's area.
func (s *Store) VerifiedMembersOf(ctx context.Context, verificationID string) ([]*models.VerificationMember, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []*models.VerificationMember
	err = sc.rows(s.db.WithContext(ctx), "verification_members").
		Where("verification_members.verification_id = ?", verificationID).Order("verification_members.id").Find(&out).Error
	return out, wrap("verified members", err)
}

// perCapita is the per-capita monthly income of v (P10), rounded down to the fen.
func perCapita(v *models.Verification) models.Money {
	return policy.PerCapita(v.TotalIncome, v.MemberCount)
}

// exceeds reports whether v's income per member is above standard (P13).
func exceeds(v *models.Verification, standard models.Money) bool {
	return policy.ExceedsStandard(v.TotalIncome, standard, v.MemberCount)
}
