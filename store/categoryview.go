package store

import (
	"slices"

	"gorm.io/gorm"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// Values derived from grants, as an integrator may see them.
//
// An integrator sees the grants of its token's categories only (grantRows). A value the
// store derives from grants of every category would tell it of grants it does not see:
// "RURAL_DIBAO" among a member's care reasons tells a MEDICAL integrator that the
// household is on rural dibao, and lowIncome turns false when a dibao grant starts. So
// each such value is, for an integrator, either computed from the grants of its own
// categories or null:
//
//   - Member.careReasons and careEligible, Household.careEligible and the careEligible
//     filter: the RURAL_DIBAO reason (P14) comes from a rural dibao grant and is left out
//     unless the integrator sees DIBAO; the other reasons depend on no grant;
//   - Household.lowIncome and AreaStats.lowIncomeHouseholds (P17, "not on dibao or
//     特困"): exact for an integrator that sees both DIBAO and TEKUN, null for any other,
//     and the lowIncome filter is FORBIDDEN to it;
//   - discoveries (P7): a reason is answered only by grants the caller sees (already so);
//     LOW_INCOME is raised only for an integrator that may read lowIncome, CARE_ELIGIBLE by
//     the care reasons it may see;
//   - the change feed: the updates of households and members that a grant's write causes
//     (their derived values) carry the grant's category and are shown only to integrators
//     of it.
//
// Whoever adds a value derived from grants adds it here.

// lowIncomeCategories are the categories whose grants decide lowIncome (P17): dibao and
// 特困 (policy.HouseholdFacts.OnDibaoOrTekun).
var lowIncomeCategories = []string{catalogue.CategoryDibao, catalogue.CategoryTekun}

// seesAll reports whether the caller sees the grants of every one of categories; only
// integrators are limited.
func (sc Scope) seesAll(categories ...string) bool {
	for _, c := range categories {
		if !sc.p.SeesCategory(c) {
			return false
		}
	}
	return true
}

// readsLowIncome reports whether the caller may read lowIncome: it sees every grant that
// decides it.
func (sc Scope) readsLowIncome() bool { return sc.seesAll(lowIncomeCategories...) }

// ReadsLowIncome reports whether the caller of sc may read, and filter by, lowIncome
// (P17): every caller but an integrator without both LowIncomeCategories.
func (sc Scope) ReadsLowIncome() bool { return sc.readsLowIncome() }

// LowIncomeCategories are the categories whose grants decide lowIncome (P17).
func LowIncomeCategories() []string { return append([]string(nil), lowIncomeCategories...) }

// readsRuralDibaoCare reports whether the caller may see the RURAL_DIBAO care reason.
func (sc Scope) readsRuralDibaoCare() bool { return sc.seesAll(catalogue.CategoryDibao) }

// CategoryViews serves the values derived from grants as the caller may see them (see
// above): it reads no row, and narrows the values the households' and members' rows
// hold to the categories of the caller's token. The use cases in casework/categoryviews
// call it; its zero value is ready to use.
type CategoryViews struct{}

// LowIncome returns whether household h is a low-income family (P17) as the caller of sc
// may see it: nil for an integrator that does not see both DIBAO and TEKUN, since the
// value depends on grants of those.
func (CategoryViews) LowIncome(sc Scope, h *models.Household) *bool {
	if !sc.readsLowIncome() {
		return nil
	}
	v := h.LowIncome
	return &v
}

// CareReasons returns the care reasons of member m (P14) as the caller of sc may see
// them: without RURAL_DIBAO for an integrator that does not see DIBAO.
func (CategoryViews) CareReasons(sc Scope, m *models.Member) []models.CareReason {
	return sc.careReasons(m)
}

// CareEligible reports whether a member of household h qualifies for centralized care
// (P14) by the reasons the caller of sc may see. Only for an integrator that does not see
// DIBAO are the members read, by members. It returns members' error.
func (CategoryViews) CareEligible(sc Scope, h *models.Household, members func() ([]*models.Member, error)) (bool, error) {
	if sc.readsRuralDibaoCare() {
		return h.CareEligible, nil
	}
	if !h.CareEligible {
		return false, nil
	}
	ms, err := members()
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if len(sc.careReasons(m)) > 0 {
			return true, nil
		}
	}
	return false, nil
}

func (sc Scope) careReasons(m *models.Member) []models.CareReason {
	rs := CareReasonsOf(m)
	if sc.readsRuralDibaoCare() {
		return rs
	}
	return slices.DeleteFunc(rs, func(r models.CareReason) bool { return r == models.CareRuralDibao })
}

// careWithoutGrants is the SQL condition, on a members row, of a care reason that
// depends on no grant (all but RURAL_DIBAO).
const careWithoutGrants = "(members.care_flags LIKE '%" + string(models.CareElderlyWithoutSelfCare) +
	"%' OR members.care_flags LIKE '%" + string(models.CareSevereDisability) + "%')"

// careEligibleCondition returns the condition, on the households row, that a member
// qualifies for centralized care by the reasons the caller may see.
func (sc Scope) careEligibleCondition(db *gorm.DB) *gorm.DB {
	fresh := db.Session(&gorm.Session{NewDB: true})
	if sc.readsRuralDibaoCare() {
		return fresh.Where("households.care_eligible = ?", true)
	}
	sub := sc.rows(db.Session(&gorm.Session{NewDB: true}), "members").Select("1").
		Where("members.household_id = households.id").Where(careWithoutGrants)
	return fresh.Where("households.care_eligible = ? AND EXISTS (?)", true, sub)
}
