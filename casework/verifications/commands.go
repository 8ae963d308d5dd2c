package verifications

import (
	"context"
	"fmt"
	"strings"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

// maxDepartmentLen bounds the source department of a verification, in characters.
const maxDepartmentLen = 64

// RecordVerification records an economic verification of a household of the caller's
// area (P10) and applies its consequences in the same unit of work:
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
func (s *Service) RecordVerification(ctx context.Context, householdID string, in models.VerificationInput) (*models.Verification, error) {
	sc, err := casework.Open(ctx, casework.Allows(auth.ActionRecordVerification, "record verifications"))
	if err != nil {
		return nil, err
	}
	var out *models.Verification
	err = s.st.Write(ctx, sc, "record verification", func(tx Tx) error {
		out, err = s.record(tx, sc, householdID, in, "input", "recordVerification")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// record checks verification in of household householdID, naming its fields under field
// ("input", "records[3]"), and writes it in tx with its member lines, the refreshed
// derived values, the P13 consequences and the audit event under op. A bulk import calls
// it once per verification.
func (s *Service) record(tx Tx, sc store.Scope, householdID string, in models.VerificationInput, field, op string) (*models.Verification, error) {
	h, err := tx.Household(householdID)
	if err != nil {
		return nil, err
	}
	dept, err := input.Text(field+".sourceDepartment", in.SourceDepartment, true, maxDepartmentLen)
	if err != nil {
		return nil, err
	}
	if err := input.CheckDate(field+".checkDate", in.CheckDate, s.now()); err != nil {
		return nil, err
	}
	medical, err := input.MonthlyAmount(field+".medicalExpenditure", in.MedicalExpenditure)
	if err != nil {
		return nil, err
	}
	education, err := input.MonthlyAmount(field+".educationExpenditure", in.EducationExpenditure)
	if err != nil {
		return nil, err
	}
	ms, err := tx.Members(h.ID)
	if err != nil {
		return nil, err
	}
	lines, total, err := verifiedMembers(field+".members", in.Members, ms)
	if err != nil {
		return nil, err
	}
	v := &models.Verification{
		ID: s.ids(), HouseholdID: h.ID, AreaCode: h.AreaCode, SourceDepartment: dept, CheckDate: in.CheckDate,
		TotalIncome: total, MemberCount: len(lines),
		OwnsVehicle: isSet(in.OwnsVehicle), SecondProperty: isSet(in.SecondProperty), Business: isSet(in.Business),
		DepositsOverLimit: isSet(in.DepositsOverLimit), MedicalExpenditure: medical, EducationExpenditure: education,
		RecordedBy: sc.Principal().Subject, Latest: true,
	}
	v.PerCapitaIncome = policy.PerCapita(v.TotalIncome, v.MemberCount)

	// The latest verification is the last by check date; of one date, the last recorded.
	cur, err := tx.Latest(h.ID)
	if err != nil {
		return nil, err
	}
	if cur != nil && v.CheckDate.Before(cur.CheckDate.Time) {
		v.Latest = false
	}
	if err := tx.Insert(v, lines); err != nil {
		return nil, err
	}
	// The derived values follow the verification first, so that their changes are logged
	// as the verification's, which every caller of the area may see; the moves to GRACE
	// that follow keep the grants receiving and change no derived value.
	if err := tx.Settle(); err != nil {
		return nil, err
	}
	ids := []string{v.ID, h.ID}
	if v.Latest {
		moved, err := s.checkRuralDibao(tx, h, v)
		if err != nil {
			return nil, err
		}
		ids = append(ids, moved...)
	}
	tx.Audit(op, h.AreaCode, ids, nil, v)
	return v, nil
}

// checkRuralDibao applies P13 after verification v of household h: each ACTIVE rural
// dibao grant of a household whose income now exceeds its county's rural standard moves
// to GRACE (registered poor) or is flagged for review (others). It returns the ids of the
// grants it changed.
func (s *Service) checkRuralDibao(tx Tx, h *models.Household, v *models.Verification) ([]string, error) {
	st, err := tx.Standard(h.AreaCode)
	if err != nil {
		return nil, err
	}
	if st == nil || !policy.ExceedsStandard(v.TotalIncome, st.Rural, v.MemberCount) {
		return nil, nil
	}
	gs, err := tx.ActiveRuralDibao(h.ID)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, g := range gs {
		if h.PovertyRegistered {
			until := s.rules.GraceUntil(v.CheckDate)
			reason := fmt.Sprintf("P13: verified income %s per person on %s exceeds the rural dibao standard %s of %d; registered poor household keeps dibao until %s",
				v.PerCapitaIncome, v.CheckDate, st.Rural, st.Year, until)
			if err := tx.Grace(g, until, reason); err != nil {
				return nil, err
			}
		} else {
			reason := fmt.Sprintf("verified income %s per person on %s exceeds the rural dibao standard %s of %d; the household is not registered poor, so it has no grace period (P13)",
				v.PerCapitaIncome, v.CheckDate, st.Rural, st.Year)
			if err := tx.Flag(g, reason); err != nil {
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
		f := input.Indexed(field, i)
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
		income, err := input.MonthlyAmount(f+".monthlyIncome", &l.MonthlyIncome)
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

func isSet(b *bool) bool { return b != nil && *b }

// ExpireGrace terminates, as store.SystemActor, every grant in GRACE whose grace period
// ended before today (P13: the grant keeps dibao through its GraceUntil day); the store
// moves each grant with its grant event, its household's refresh and its audit record.
// Running it again on the same day changes nothing. It returns how many grants it
// terminated, and the store's errors.
func (s *Service) ExpireGrace(ctx context.Context, today models.Date) (int, error) {
	return s.st.ExpireGrace(ctx, today, func(until models.Date) bool { return policy.GraceOver(until, today) })
}
