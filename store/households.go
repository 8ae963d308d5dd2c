package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
)

// HouseholdQuery selects a page of households.
type HouseholdQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.HouseholdFilter
	PageArgs
}

// Household returns the household with id. It returns models.ErrNotFound when there is
// none in the caller's area, and models.ErrUnauthenticated without a caller.
func (s *Store) Household(ctx context.Context, id string) (*models.Household, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	h, err := s.household(sc.rows(s.db.WithContext(ctx), "households"), id)
	return h, wrap("household", err)
}

func (s *Store) household(q *gorm.DB, id string) (*models.Household, error) {
	var h models.Household
	err := q.Where("households.id = ?", id).Take(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("household")
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// Households returns a page of the households in the query's area that match its filter,
// ordered by (area code, id). It returns a *models.FieldError for a bad area, filter or
// paging argument, and a Forbidden error for an area outside the caller's subtree.
func (s *Store) Households(ctx context.Context, q HouseholdQuery) (*Page[models.Household], error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil {
		if err := refuseMasked("filter.externalRef", f.ExternalRef, "filter.addressContains", f.AddressContains, "filter.programCode", f.ProgramCode); err != nil {
			return nil, err
		}
		if f.LowIncome != nil && !sc.readsLowIncome() {
			return nil, models.Forbidden("filter.lowIncome: an integrator reads lowIncome only with the categories %s and %s", lowIncomeCategories[0], lowIncomeCategories[1])
		}
	}
	db := s.db.WithContext(ctx)
	build := func() *gorm.DB {
		b := sc.rows(db, "households").Where("households.area_code BETWEEN ? AND ?", lo, hi)
		return s.filterHouseholds(sc, db, b, q.Filter)
	}
	page, err := paginate(build, "households", q.PageArgs,
		func(h *models.Household) string { return h.AreaCode },
		func(h *models.Household) string { return h.ID })
	return page, wrap("households", err)
}

func (s *Store) filterHouseholds(sc Scope, db, q *gorm.DB, f *models.HouseholdFilter) *gorm.DB {
	if f == nil {
		return q
	}
	if f.PovertyRegistered != nil {
		q = q.Where("households.poverty_registered = ?", *f.PovertyRegistered)
	}
	if f.ExternalRef != nil {
		q = q.Where("households.external_ref = ?", *f.ExternalRef)
	}
	if f.AddressContains != nil && *f.AddressContains != "" {
		q = q.Where("households.address LIKE ? ESCAPE '\\'", "%"+escapeLike(*f.AddressContains)+"%")
	}
	if f.ProgramCode != nil {
		sub := sc.grantRows(db.Session(&gorm.Session{NewDB: true})).
			Select("1").
			Where("grants.household_id = households.id AND grants.program_code = ?", *f.ProgramCode)
		q = q.Where("EXISTS (?)", sub)
	}
	if f.LowIncome != nil {
		q = q.Where("households.low_income = ?", *f.LowIncome)
	}
	if f.Grade != nil {
		q = q.Where("households.grade = ?", *f.Grade)
	}
	if f.ExpenditurePoverty != nil {
		q = q.Where("households.expenditure_poverty = ?", *f.ExpenditurePoverty)
	}
	if f.CareEligible != nil {
		if *f.CareEligible {
			q = q.Where(sc.careEligibleCondition(db))
		} else {
			q = q.Not(sc.careEligibleCondition(db))
		}
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CreateHousehold registers a household in a village of the caller's area with its
// members, exactly one of whom is the head. It returns a *models.FieldError for bad
// input, a Forbidden error for a role that may not write or a village outside the
// caller's area, and a Conflict error when a member's ID number is already registered
// in any household or the external reference is taken. On error nothing is written.
func (s *Store) CreateHousehold(ctx context.Context, in models.HouseholdInput) (*models.Household, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteHousehold, "register households"); err != nil {
		return nil, err
	}
	village, err := s.village(sc, "input.village", strings.TrimSpace(in.Village))
	if err != nil {
		return nil, err
	}
	address, err := text("input.address", in.Address, true, maxAddressLen)
	if err != nil {
		return nil, err
	}
	ref, err := optionalText("input.externalRef", in.ExternalRef, maxRefLen)
	if err != nil {
		return nil, err
	}
	if len(in.Members) == 0 {
		return nil, models.Invalid("input.members", "a household needs at least its head")
	}
	h := &models.Household{
		ID: newID(), AreaCode: village.Code, Address: address,
		PovertyRegistered: in.PovertyRegistered, ExternalRef: ref, Version: 1,
	}
	members := make([]*models.Member, len(in.Members))
	seen := map[string]int{}
	for i, mi := range in.Members {
		field := indexed("input.members", i)
		m, err := s.newMember(field, mi)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[m.IDNumber]; dup {
			return nil, models.Invalid(field+".idNumber", "repeats the ID number of input.members[%d]", j)
		}
		seen[m.IDNumber] = i
		m.ID, m.HouseholdID, m.AreaCode = newID(), h.ID, h.AreaCode
		members[i] = m
	}
	if err := checkOneHead("input.members", members); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkIDNumbersFree(tx, members, func(i int) string { return indexed("input.members", i) + ".idNumber" }); err != nil {
			return err
		}
		if err := tx.Create(h).Error; err != nil {
			return s.householdWriteError(err)
		}
		if err := tx.Create(members).Error; err != nil {
			return s.householdWriteError(err)
		}
		ids := []string{h.ID}
		for _, m := range members {
			ids = append(ids, m.ID)
		}
		if err := s.audit(tx, sc, "createHousehold", h.AreaCode, ids, nil, map[string]any{"household": h, "members": members}); err != nil {
			return err
		}
		log := []models.ChangeLogEntry{householdChanged(models.ChangeCreated, h)}
		for _, m := range members {
			log = append(log, memberChanged(models.ChangeCreated, m))
		}
		if err := s.logChange(tx, log...); err != nil {
			return err
		}

		if err := s.refreshOne(tx, sc, h.ID); err != nil {
			return err
		}
		h, err = s.household(sc.rows(tx, "households"), h.ID)
		return err
	})
	if err != nil {
		return nil, wrap("create household", err)
	}
	return h, nil
}

// checkIDNumbersFree returns a Conflict error naming the first member whose ID number is
// already registered. The check is city-wide, because a person belongs to one household
// (P2), and its message never says where the person is registered.
// field names the ID-number field of the i-th member.
func (s *Store) checkIDNumbersFree(tx *gorm.DB, members []*models.Member, field func(i int) string) error {
	nums := make([]string, len(members))
	for i, m := range members {
		nums[i] = m.IDNumber
	}
	var taken []string
	err := s.acrossAreas(tx, func() error {
		return tx.Model(&models.Member{}).Where("id_number IN ?", nums).Pluck("id_number", &taken).Error
	})
	if err != nil {
		return err
	}
	if len(taken) == 0 {
		return nil
	}
	for i, m := range members {
		for _, t := range taken {
			if m.IDNumber == t {
				return idNumberTaken(field(i))
			}
		}
	}
	return idNumberTaken(field(0))
}

func idNumberTaken(field string) error {
	return models.Conflict("%s: this person is already registered in a household", field)
}

// householdWriteError turns unique violations into Conflict errors that say which rule.
func (s *Store) householdWriteError(err error) error {
	if !isUniqueViolation(err) {
		return err
	}
	msg := err.Error()
	if strings.Contains(msg, "external_ref") {
		return models.Conflict("externalRef: a household with this external reference already exists")
	}
	return idNumberTaken("idNumber")
}

// UpdateHousehold changes the fields of patch that are set. Moving a household to
// another village moves its members and grants with it; the new village must also be in
// the caller's area. It returns models.ErrNotFound for a household outside the caller's
// area, and otherwise the errors of CreateHousehold.
func (s *Store) UpdateHousehold(ctx context.Context, id string, patch models.HouseholdPatch) (*models.Household, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteHousehold, "change households"); err != nil {
		return nil, err
	}
	var out *models.Household
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		h, err := s.household(sc.rows(tx, "households"), id)
		if err != nil {
			return err
		}
		before := *h
		updates := map[string]any{}
		moved := false
		if patch.Village != nil && strings.TrimSpace(*patch.Village) != h.AreaCode {
			v, err := s.village(sc, "input.village", strings.TrimSpace(*patch.Village))
			if err != nil {
				return err
			}
			h.AreaCode, moved = v.Code, true
			updates["area_code"] = v.Code
		}
		if patch.Address != nil {
			a, err := text("input.address", *patch.Address, true, maxAddressLen)
			if err != nil {
				return err
			}
			h.Address = a
			updates["address"] = a
		}
		if patch.PovertyRegistered != nil {
			h.PovertyRegistered = *patch.PovertyRegistered
			updates["poverty_registered"] = *patch.PovertyRegistered
		}
		if patch.ExternalRef != nil {
			ref, err := optionalText("input.externalRef", patch.ExternalRef, maxRefLen)
			if err != nil {
				return err
			}
			h.ExternalRef = ref
			updates["external_ref"] = ref
		}
		if len(updates) == 0 {
			out = h
			return s.audit(tx, sc, "updateHousehold", h.AreaCode, []string{h.ID}, before, h)
		}
		h.Version++
		h.UpdatedAt = s.db.NowFunc()
		updates["version"], updates["updated_at"] = h.Version, h.UpdatedAt
		if err := sc.rows(tx, "households").Where("id = ?", h.ID).Updates(updates).Error; err != nil {
			return s.householdWriteError(err)
		}
		log := []models.ChangeLogEntry{householdChanged(models.ChangeUpdated, h)}
		if moved {
			movedLog, err := moveHouseholdRecords(tx, h.ID, h.AreaCode)
			if err != nil {
				return err
			}
			log = append(log, movedLog...)
		}
		if err := s.audit(tx, sc, "updateHousehold", h.AreaCode, []string{h.ID}, before, h); err != nil {
			return err
		}
		if err := s.logChange(tx, log...); err != nil {
			return err
		}
		if err := s.refreshOne(tx, sc, h.ID); err != nil {
			return err
		}
		out, err = s.household(sc.rows(tx, "households"), h.ID)
		return err
	})
	if err != nil {
		return nil, wrap("update household", err)
	}
	return out, nil
}

// moveHouseholdRecords gives the members, grants, grant events, verifications, medical
// claims and charity aid of a household the household's new area code, so that the
// denormalized scope column stays true. (Its tallies move with the refresh that follows:
// refresh takes them from the village they were counted in to the new one.) It returns
// the change-log entries of the moved members and grants, for the caller's logChange.
func moveHouseholdRecords(tx *gorm.DB, householdID, area string) ([]models.ChangeLogEntry, error) {
	grantIDs := tx.Session(&gorm.Session{NewDB: true}).Table("grants").Select("id").Where("household_id = ?", householdID)
	steps := []*gorm.DB{
		tx.Table("members").Where("household_id = ?", householdID),
		tx.Table("grant_events").Where("grant_id IN (?)", grantIDs),
		tx.Table("medical_claims").Where("grant_id IN (?)", grantIDs),
		tx.Table("entitlement_calculations").Where("grant_id IN (?)", grantIDs),
		tx.Table("grants").Where("household_id = ?", householdID),
		tx.Table("verifications").Where("household_id = ?", householdID),
		tx.Table("verification_members").Where("verification_id IN (?)",
			tx.Session(&gorm.Session{NewDB: true}).Table("verifications").Select("id").Where("household_id = ?", householdID)),
		tx.Table("charity_aids").Where("household_id = ?", householdID),
	}
	for _, q := range steps {
		if err := q.Update("area_code", area).Error; err != nil {
			return nil, err
		}
	}
	var ms []*models.Member
	if err := tx.Table("members").Select("id", "area_code").Where("household_id = ?", householdID).Find(&ms).Error; err != nil {
		return nil, err
	}
	var gs []*models.Grant
	if err := tx.Table("grants").Select("id", "area_code", "category_code").Where("household_id = ?", householdID).Find(&gs).Error; err != nil {
		return nil, err
	}
	log := make([]models.ChangeLogEntry, 0, len(ms)+len(gs))
	for _, m := range ms {
		log = append(log, memberChanged(models.ChangeUpdated, m))
	}
	for _, g := range gs {
		log = append(log, grantChanged(models.ChangeUpdated, g))
	}
	return log, nil
}
