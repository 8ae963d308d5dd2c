package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
)

// refreshBatch is how many households one refresh step loads at a time.
const refreshBatch = 500

// receivingGrant is what the rules and the tally need to know about a grant a household
// receives.
type receivingGrant struct {
	HouseholdID  string
	ProgramCode  string
	CategoryCode string
	Status       models.GrantStatus
	Amount       models.Money
}

// refresh recomputes, inside tx, what the policy rules derive for the households ids of
// the caller's area (Rules.Assess, the rules the store was opened with) and their
// tallies (models.HouseholdTally, models.HouseholdProgram), writes the values that
// changed to the household rows, their programs and their members' care flags, and adds
// what changed to the villages' tallies (models.AreaTally, models.AreaProgramTally). It
// returns how many households' derived values changed; a change of the tallies alone is
// written but not counted, nor logged in the change feed, since the API does not show
// them.
//
// Every write that changes an input of the rules or of the tally calls it: verifications,
// standards, members, households and grants.
//
// Writers that change members or grants call it while they hold the household's row
// lock (lockHousehold, or their update of the household row): two writers of one
// household's members or grants cannot both read the other's state as it was before, so
// the tally written last counts every change committed.
func (r *Derived) refresh(tx *gorm.DB, sc Scope, ids []string) (int, error) {
	s := r.s
	return s.Derived().refreshBecause(tx, sc, ids, nil)
}

// refreshForGrant refreshes the household of grant g after a write of g. The changes of
// the household's and members' derived values that the refresh logs in the change feed
// carry g's category, as g's own entry does: an integrator that does not see the category
// does not see them either, so that the feed does not tell it when a grant it does not
// see started or stopped (categoryview.go).
func (s *Store) refreshForGrant(tx *gorm.DB, sc Scope, g *models.Grant) error {
	category := g.CategoryCode
	_, err := s.Derived().refreshBecause(tx, sc, []string{g.HouseholdID}, &category)
	return err
}

// refreshBecause is refresh, logging the derived values' changes in the change feed with
// category when it is not nil.
func (r *Derived) refreshBecause(tx *gorm.DB, sc Scope, ids []string, category *string) (int, error) {
	s := r.s
	if len(ids) == 0 {
		return 0, nil
	}
	var hs []models.Household
	if err := sc.rows(tx, "households").Where("households.id IN ?", ids).Find(&hs).Error; err != nil {
		return 0, err
	}
	var ms []*models.Member
	if err := sc.rows(tx, "members").Where("members.household_id IN ?", ids).
		Order("members.household_id").Order("members.id").Find(&ms).Error; err != nil {
		return 0, err
	}
	var vs []*models.Verification
	if err := sc.rows(tx, "verifications").Where("verifications.household_id IN ? AND verifications.latest = ?", ids, true).
		Find(&vs).Error; err != nil {
		return 0, err
	}
	latest := map[string]*models.Verification{}
	vids := make([]string, 0, len(vs))
	for _, v := range vs {
		latest[v.HouseholdID] = v
		vids = append(vids, v.ID)
	}
	selfCareLost := map[string]bool{}
	if len(vids) > 0 {
		var lost []string
		if err := sc.rows(tx, "verification_members").
			Where("verification_members.verification_id IN ? AND verification_members.self_care_lost = ?", vids, true).
			Pluck("verification_members.member_id", &lost).Error; err != nil {
			return 0, err
		}
		for _, id := range lost {
			selfCareLost[id] = true
		}
	}
	var grs []receivingGrant
	if err := sc.rows(tx, "grants").Select("grants.household_id, grants.program_code, grants.category_code, grants.status, grants.amount").
		Where("grants.household_id IN ? AND grants.status IN ?", ids, models.ReceivingStatuses).Scan(&grs).Error; err != nil {
		return 0, err
	}
	standards, err := s.Standards().inForce(tx, sc)
	if err != nil {
		return 0, err
	}
	members := map[string][]*models.Member{}
	for _, m := range ms {
		members[m.HouseholdID] = append(members[m.HouseholdID], m)
	}
	grants := map[string][]receivingGrant{}
	for _, g := range grs {
		grants[g.HouseholdID] = append(grants[g.HouseholdID], g)
	}
	today := s.now()
	changed := 0
	programs := make(map[string][]models.HouseholdProgram, len(hs))
	var tallies []householdTally
	delta := newTallyDelta()
	for i := range hs {
		h := &hs[i]
		f := HouseholdFacts{PovertyRegistered: h.PovertyRegistered}
		for _, g := range grants[h.ID] {
			f.Grants = append(f.Grants, GrantFacts{ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode})
		}
		hm := members[h.ID]
		for _, m := range hm {
			f.Members = append(f.Members, MemberFacts{
				BirthDate: m.BirthDate, Labour: m.LabourCapacity,
				DisabilityLevel: m.DisabilityLevel, SelfCareLost: selfCareLost[m.ID],
			})
		}
		if v := latest[h.ID]; v != nil {
			f.Verification = &VerificationFacts{TotalIncome: v.TotalIncome, Members: v.MemberCount,
				RigidExpenditure: v.RigidExpenditure(), AssetsFound: v.AssetsFound()}
		}
		if a := standards.applied(s, h.AreaCode); a != nil {
			amount := a.Amount
			f.Standard = &amount
		}
		a := s.rules.Assess(f, today)
		d := a.Derived
		d.StandardAmount = f.Standard
		if t, ok := tallyChange(h, d.LowIncome, len(hm), grants[h.ID], delta); ok {
			tallies = append(tallies, householdTally{h.ID, t})
		}
		programs[h.ID] = programRows(h, len(hm), grants[h.ID])
		if !sameDerived(h.HouseholdDerived, d) {
			changed++
			err := sc.rows(tx, "households").Where("id = ?", h.ID).Updates(map[string]any{
				"per_capita_income": d.PerCapitaIncome, "standard_amount": d.StandardAmount,
				"below_standard": d.BelowStandard, "low_income": d.LowIncome, "grade": d.Grade,
				"expenditure_poverty": d.ExpenditurePoverty, "severe_disability": d.SevereDisability,
				"care_eligible": d.CareEligible, "need": d.Need,
			}).Error
			if err != nil {
				return 0, err
			}
			if err := s.logChange(tx, because(householdChanged(models.ChangeUpdated, h), category)); err != nil {
				return 0, err
			}
		}
		for j, m := range hm {
			flags := careFlags(a.MemberCare[j])
			if flags == m.CareFlags {
				continue
			}
			if err := sc.rows(tx, "members").Where("id = ?", m.ID).Update("care_flags", flags).Error; err != nil {
				return 0, err
			}
			if err := s.logChange(tx, because(memberChanged(models.ChangeUpdated, m), category)); err != nil {
				return 0, err
			}
		}
	}
	if err := s.Derived().update(tx, sc, tallies); err != nil {
		return 0, err
	}
	if err := syncPrograms(tx, sc, programs, delta); err != nil {
		return 0, err
	}
	if err := delta.apply(tx, sc); err != nil {
		return 0, err
	}
	return changed, nil
}

// because returns e marked with the category of the grant whose write caused it, if any.
func because(e models.ChangeLogEntry, category *string) models.ChangeLogEntry {
	if category != nil {
		c := *category
		e.CategoryCode = &c
	}
	return e
}

// refreshArea refreshes every household of the subtree of code, in batches, inside tx.
func (r *Derived) refreshArea(tx *gorm.DB, sc Scope, code string) (int, error) {
	s := r.s
	lo, hi := division.Range(code)
	changed := 0
	err := householdBatches(tx, sc, lo, hi, func(ids []string) error {
		n, err := s.Derived().refresh(tx, sc, ids)
		changed += n
		return err
	})
	return changed, err
}

// RefreshAllUnscoped recomputes what the rules derive for every household of the city,
// one batch per transaction, as the system. It is for the daily job (ages change with
// the calendar, and a new year can bring a new standard into force) and after seeding.
// It returns how many households changed.
func (r *Derived) RefreshAllUnscoped(ctx context.Context) (int, error) {
	s := r.s
	sc := ScopeFor(SystemActor)
	db := s.db.WithContext(systemScope(ctx))
	changed := 0
	err := householdBatches(db, sc, sc.lo, sc.hi, func(ids []string) error {
		return db.Transaction(func(tx *gorm.DB) error {
			n, err := s.Derived().refresh(tx, sc, ids)
			changed += n
			return err
		})
	})
	return changed, wrap("refresh", err)
}

// derivedRefreshRow is the one row of the table derived_refreshes: the year and the
// fingerprint of the rules' configuration of the last full refresh (RefreshAllIfStale).
type derivedRefreshRow struct {
	ID          int       `gorm:"primaryKey;autoIncrement:false"`
	Year        int       `gorm:"not null"`
	Rules       string    `gorm:"size:64;not null"`
	RefreshedAt time.Time `gorm:"not null"`
}

// TableName names the table of the row.
func (derivedRefreshRow) TableName() string { return "derived_refreshes" }

// RefreshAllIfStale is RefreshAllUnscoped for the daily job, run only when a full refresh
// can change something: every write refreshes the households it touches in its own
// transaction, and what the rules derive depends on the date only through the year (ages
// are counted by the year, and the dibao standards are set per year, a standard set for
// the current year refreshing its county at once). So the refresh runs when year, or
// rules (a fingerprint of the rules' configuration), differs from the last full
// refresh's, and records them after it. It reports how many households changed and
// whether it ran, and returns the store's wrapped errors.
func (r *Derived) RefreshAllIfStale(ctx context.Context, year int, rules string) (int, bool, error) {
	db := r.s.db.WithContext(systemScope(ctx))
	var last derivedRefreshRow
	err := db.Where("id = ?", 1).Take(&last).Error
	switch {
	case err == nil && last.Year == year && last.Rules == rules:
		return 0, false, nil
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		return 0, false, wrap("last refresh", err)
	}
	n, err := r.RefreshAllUnscoped(ctx)
	if err != nil {
		return n, true, err
	}
	row := derivedRefreshRow{ID: 1, Year: year, Rules: rules, RefreshedAt: r.s.now().UTC()}
	return n, true, wrap("last refresh", db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error)
}

// householdBatches calls each with the ids of the households of the scope whose area
// code lies in [lo, hi], refreshBatch at a time, in (area code, id) order, walking the
// index with a keyset rather than an offset. It stops at the first error.
func householdBatches(db *gorm.DB, sc Scope, lo, hi string, each func(ids []string) error) error {
	var after keyset
	for {
		var rows []struct{ ID, AreaCode string }
		q := sc.within(db, "households", lo, hi).Select("households.id, households.area_code")
		if after.id != "" {
			q = q.Where("(households.area_code, households.id) > (?, ?)", after.area, after.id)
		}
		if err := q.Order("households.area_code").Order("households.id").Limit(refreshBatch).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		if err := each(ids); err != nil {
			return err
		}
		last := rows[len(rows)-1]
		after = keyset{area: last.AreaCode, id: last.ID}
	}
}

// SystemActor is the caller of changes the system makes on its own: the daily job ends
// grace periods (P13) and refreshes derived values as this principal.
var SystemActor = auth.Principal{Subject: "system:grace-job", Role: models.RoleAdmin, Area: division.CityCode}

// sameDerived reports whether two sets of derived values are equal.
func sameDerived(a, b models.HouseholdDerived) bool {
	eqMoney := func(x, y *models.Money) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqGrade := func(x, y *models.Grade) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eqMoney(a.PerCapitaIncome, b.PerCapitaIncome) && eqMoney(a.StandardAmount, b.StandardAmount) &&
		a.BelowStandard == b.BelowStandard && a.LowIncome == b.LowIncome && eqGrade(a.Grade, b.Grade) &&
		a.ExpenditurePoverty == b.ExpenditurePoverty && a.SevereDisability == b.SevereDisability &&
		a.CareEligible == b.CareEligible && a.Need == b.Need
}

// careFlags joins care reasons for the CareFlags column.
func careFlags(rs []models.CareReason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

// CareReasonsOf returns the care reasons recorded in a member's CareFlags.
func CareReasonsOf(m *models.Member) []models.CareReason {
	if m.CareFlags == "" {
		return []models.CareReason{}
	}
	parts := strings.Split(m.CareFlags, ",")
	out := make([]models.CareReason, len(parts))
	for i, p := range parts {
		out[i] = models.CareReason(p)
	}
	return out
}
