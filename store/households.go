package store

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"jiuzhu/division"
	"jiuzhu/models"
)

// Households is the persistence of households and their members: reads narrowed by the
// caller's Scope, and writes inside a unit of work (Writer) that record their change-feed
// entries and the households to refresh. It checks no permission and no rule of the
// policy; the use cases in casework/households do. Reach it with Store.Households.
type Households struct{ s *Store }

// Households returns the store of households and members.
func (s *Store) Households() *Households { return &Households{s: s} }

// HouseholdQuery selects a page of households.
type HouseholdQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.HouseholdFilter
	PageArgs
}

// Get returns the household with id. It returns models.ErrNotFound when there is none
// in sc.
func (r *Households) Get(ctx context.Context, sc Scope, id string) (*models.Household, error) {
	h, err := household(sc.rows(r.s.db.WithContext(ctx), "households"), id)
	return h, wrap("household", err)
}

// household returns the household with id among the rows of q, or models.ErrNotFound.
func household(q *gorm.DB, id string) (*models.Household, error) {
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

// household is kept for the aggregates not yet moved, which read a household in their
// own transactions.
func (s *Store) household(q *gorm.DB, id string) (*models.Household, error) { return household(q, id) }

// List returns a page of the households in the query's area that match its filter,
// ordered by (area code, id). It returns a *models.FieldError for a bad area or paging
// argument, and a Forbidden error for an area outside sc.
func (r *Households) List(ctx context.Context, sc Scope, q HouseholdQuery) (*Page[models.Household], error) {
	return householdsByArea.page(ctx, r.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
		// The filter's subqueries start from a new statement on the same connection and
		// context.
		return r.filter(sc, b.Session(&gorm.Session{NewDB: true}), b, q.Filter)
	})
}

// householdsByArea is the households' list: the households sc sees in an area.
var householdsByArea = areaList[models.Household]{name: "households", table: "households",
	area: func(h *models.Household) string { return h.AreaCode }, id: func(h *models.Household) string { return h.ID }}

func (r *Households) filter(sc Scope, db, q *gorm.DB, f *models.HouseholdFilter) *gorm.DB {
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
	if f.MemberName != nil || f.MemberNamePrefix != nil || f.MemberIDNumber != nil || f.MemberPhone != nil {
		if r.s.dialect == Postgres {
			// OFFSET 0 keeps PostgreSQL from flattening the subquery into a semi-join it may
			// answer by walking the area's households in page order and probing each one's
			// members: it reads the matching members first, through their index, whatever
			// it guesses of how they are spread over the villages (docs/search.md).
			q = q.Where("households.id IN (? OFFSET 0)", r.memberSearch(sc, db, f))
		} else {
			q = q.Where("households.id IN (?)", r.memberSearch(sc, db, f))
		}
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

// memberSearch is the subquery of the households, in sc, of a member who matches every
// member field of f that is set: the exact name, the name's prefix (of at least two
// characters, as the use case checks), the full ID number, the contact phone. Each is
// answered by an index of members (idx_members_name, which on PostgreSQL is
// text_pattern_ops so that a LIKE 'prefix%' is a range scan; idx_members_id_number;
// idx_members_phone). On SQLite, whose LIKE ignores the case of ASCII letters, the
// prefix compares the name's first characters instead.
func (r *Households) memberSearch(sc Scope, db *gorm.DB, f *models.HouseholdFilter) *gorm.DB {
	sub := sc.rows(db.Session(&gorm.Session{NewDB: true}), "members").Select("members.household_id")
	if f.MemberName != nil {
		sub = sub.Where("members.name = ?", *f.MemberName)
	}
	if f.MemberNamePrefix != nil {
		if r.s.dialect == Postgres {
			sub = sub.Where("members.name LIKE ? ESCAPE '\\'", escapeLike(*f.MemberNamePrefix)+"%")
		} else {
			sub = sub.Where("substr(members.name, 1, ?) = ?", utf8.RuneCountInString(*f.MemberNamePrefix), *f.MemberNamePrefix)
		}
	}
	if f.MemberIDNumber != nil {
		sub = sub.Where("members.id_number = ?", *f.MemberIDNumber)
	}
	if f.MemberPhone != nil {
		sub = sub.Where("members.phone = ?", *f.MemberPhone)
	}
	return sub
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ByID returns the households with ids that lie in sc, in one statement, keyed by id.
func (r *Households) ByID(ctx context.Context, sc Scope, ids []string) (map[string]*models.Household, error) {
	out := make(map[string]*models.Household, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var hs []*models.Household
	if err := sc.rows(r.s.db.WithContext(ctx), "households").Where("households.id IN ?", ids).Find(&hs).Error; err != nil {
		return nil, wrap("households by id", err)
	}
	for _, h := range hs {
		out[h.ID] = h
	}
	return out, nil
}

// Member returns the member with id. It returns models.ErrNotFound when there is none in
// sc.
func (r *Households) Member(ctx context.Context, sc Scope, id string) (*models.Member, error) {
	m, err := member(sc.rows(r.s.db.WithContext(ctx), "members").Where("members.id = ?", id))
	return m, wrap("member", err)
}

// MemberByIDNumber returns the member with the full, checked resident ID number number.
// It returns models.ErrNotFound when no such person is registered in sc, whether or not
// one is elsewhere.
func (r *Households) MemberByIDNumber(ctx context.Context, sc Scope, number string) (*models.Member, error) {
	m, err := member(sc.rows(r.s.db.WithContext(ctx), "members").Where("members.id_number = ?", number))
	return m, wrap("member by ID number", err)
}

// AllowIDLookup takes one lookup by ID number from subject's allowance at now (the
// store's LookupLimit). When none is left it returns false and how long until the next.
func (r *Households) AllowIDLookup(subject string, now time.Time) (bool, time.Duration) {
	return r.s.lookups.allow(subject, now)
}

func member(q *gorm.DB) (*models.Member, error) {
	var m models.Member
	err := q.Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("member")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Members returns the members of a household in sc, head first. A household outside sc
// has no visible members.
func (r *Households) Members(ctx context.Context, sc Scope, householdID string) ([]*models.Member, error) {
	var ms []*models.Member
	err := sc.rows(r.s.db.WithContext(ctx), "members").
		Where("members.household_id = ?", householdID).
		Order(orderHeadFirst).Order("members.birth_date").Order("members.id").
		Find(&ms).Error
	return ms, wrap("members of household", err)
}

const orderHeadFirst = "CASE WHEN members.relation = 'HEAD' THEN 0 ELSE 1 END"

// Head returns the head of a household in sc, or nil when the household is not visible.
func (r *Households) Head(ctx context.Context, sc Scope, householdID string) (*models.Member, error) {
	m, err := member(sc.rows(r.s.db.WithContext(ctx), "members").
		Where("members.household_id = ? AND members.relation = ?", householdID, models.RelationHead))
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return m, wrap("head of household", err)
}

// MembersOfHouseholds returns the members of each of the households ids that lie in sc,
// head first, in one statement, for the loaders. A household outside sc, or unknown, has
// no entry.
func (r *Households) MembersOfHouseholds(ctx context.Context, sc Scope, ids []string) (map[string][]*models.Member, error) {
	out := make(map[string][]*models.Member, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	scan, err := scannerFor[models.Member](r.s.db, "members")
	if err != nil {
		return nil, wrap("members of households", err)
	}
	ms, err := scan.find(sc.rows(r.s.db.WithContext(ctx), "members").
		Where("members.household_id IN ?", ids).
		Order("members.household_id").Order(orderHeadFirst).Order("members.birth_date").Order("members.id"))
	if err != nil {
		return nil, wrap("members of households", err)
	}
	for _, m := range ms {
		out[m.HouseholdID] = append(out[m.HouseholdID], m)
	}
	return out, nil
}

// MembersByID returns the members with ids that lie in sc, in one statement, keyed by id.
func (r *Households) MembersByID(ctx context.Context, sc Scope, ids []string) (map[string]*models.Member, error) {
	out := make(map[string]*models.Member, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var ms []*models.Member
	if err := sc.rows(r.s.db.WithContext(ctx), "members").Where("members.id IN ?", ids).Find(&ms).Error; err != nil {
		return nil, wrap("members by id", err)
	}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}

// The reads below run inside a unit of work, in its transaction and scope.

// HouseholdIn returns the household with id in w's scope, or models.ErrNotFound.
func (r *Households) HouseholdIn(w *Writer, id string) (*models.Household, error) {
	return household(w.sc.rows(w.tx, "households"), id)
}

// MemberIn returns the member with id in w's scope, or models.ErrNotFound. With a
// householdID other than "", the member must also belong to that household.
func (r *Households) MemberIn(w *Writer, householdID, id string) (*models.Member, error) {
	q := w.sc.rows(w.tx, "members").Where("members.id = ?", id)
	if householdID != "" {
		q = q.Where("members.household_id = ?", householdID)
	}
	return member(q)
}

// IDNumbersTaken returns which of the ID numbers nums are registered in any household of
// the city, whatever w's scope: a person belongs to one household (P2). The caller must
// not tell where.
func (r *Households) IDNumbersTaken(w *Writer, nums []string) ([]string, error) {
	var taken []string
	err := w.acrossAreas(func() error {
		return w.tx.Model(&models.Member{}).Where("id_number IN ?", nums).Pluck("id_number", &taken).Error
	})
	return taken, err
}

// GrantsNaming counts the grants of any category that name member id.
func (r *Households) GrantsNaming(w *Writer, id string) (int64, error) {
	var n int64
	err := w.tx.Table("grants").Where("member_id = ?", id).Count(&n).Error
	return n, err
}

// The writes below run inside a unit of work: each records its change-feed entries and
// the household to refresh on w.

// Insert stores the new household h, at version 1, with its members, which must carry
// their ids, h's id and h's area. It returns a Conflict error when an ID number or the
// external reference is taken meanwhile.
func (r *Households) Insert(w *Writer, h *models.Household, members []*models.Member) error {
	if err := w.tx.Create(h).Error; err != nil {
		return householdWriteError(err)
	}
	if err := w.tx.Create(members).Error; err != nil {
		return householdWriteError(err)
	}
	w.changed(householdChanged(models.ChangeCreated, h))
	for _, m := range members {
		w.changed(memberChanged(models.ChangeCreated, m))
	}
	w.touched(h.ID)
	return nil
}

// Save writes the address, poverty registration, external reference and village of h
// over those of before (the row as read in w), with the next version and a new update
// time, which it sets on h. A new village moves the household's members, grants and
// their records with it (moveRecords). It returns a Conflict error when the external
// reference is taken.
func (r *Households) Save(w *Writer, before, h *models.Household) error {
	h.Version = before.Version + 1
	h.UpdatedAt = w.tx.NowFunc()
	err := w.sc.rows(w.tx, "households").Where("id = ?", h.ID).Updates(map[string]any{
		"area_code": h.AreaCode, "address": h.Address, "poverty_registered": h.PovertyRegistered,
		"external_ref": h.ExternalRef, "version": h.Version, "updated_at": h.UpdatedAt,
	}).Error
	if err != nil {
		return householdWriteError(err)
	}
	w.changed(householdChanged(models.ChangeUpdated, h))
	if h.AreaCode != before.AreaCode {
		moved, err := moveHouseholdRecords(w.tx, h.ID, h.AreaCode)
		if err != nil {
			return err
		}
		w.changed(moved...)
	}
	w.touched(h.ID)
	return nil
}

// InsertMember stores the new member m, which must carry its id, household and area,
// and marks its household changed.
func (r *Households) InsertMember(w *Writer, m *models.Member) error {
	if err := w.tx.Create(m).Error; err != nil {
		return householdWriteError(err)
	}
	return r.touch(w, m.HouseholdID, m.AreaCode, memberChanged(models.ChangeCreated, m))
}

// SaveMember writes the name, relation, details and contact phone of m, with a new update time, which
// it sets on m, and marks its household changed.
func (r *Households) SaveMember(w *Writer, m *models.Member) error {
	m.UpdatedAt = w.tx.NowFunc()
	err := w.sc.rows(w.tx, "members").Where("id = ?", m.ID).Updates(map[string]any{
		"name": m.Name, "relation": m.Relation, "disability_level": m.DisabilityLevel,
		"labour_capacity": m.LabourCapacity, "monthly_income": m.MonthlyIncome, "phone": m.Phone, "updated_at": m.UpdatedAt,
	}).Error
	if err != nil {
		return err
	}
	return r.touch(w, m.HouseholdID, m.AreaCode, memberChanged(models.ChangeUpdated, m))
}

// DeleteMember deletes m and marks its household changed.
func (r *Households) DeleteMember(w *Writer, m *models.Member) error {
	if err := w.sc.rows(w.tx, "members").Where("id = ?", m.ID).Delete(&models.Member{}).Error; err != nil {
		return err
	}
	return r.touch(w, m.HouseholdID, m.AreaCode, memberChanged(models.ChangeDeleted, m))
}

// SetHead makes m the head of household h and gives the former head formerRelation.
func (r *Households) SetHead(w *Writer, h *models.Household, m *models.Member, formerRelation models.Relation) error {
	now := w.tx.NowFunc()
	var formerHeads []*models.Member
	if err := w.sc.rows(w.tx, "members").Select("id", "area_code").Where("household_id = ? AND relation = ?", h.ID, models.RelationHead).
		Find(&formerHeads).Error; err != nil {
		return err
	}
	if err := w.sc.rows(w.tx, "members").Where("household_id = ? AND relation = ?", h.ID, models.RelationHead).
		Updates(map[string]any{"relation": formerRelation, "updated_at": now}).Error; err != nil {
		return err
	}
	if err := w.sc.rows(w.tx, "members").Where("id = ?", m.ID).
		Updates(map[string]any{"relation": models.RelationHead, "updated_at": now}).Error; err != nil {
		return err
	}
	log := []models.ChangeLogEntry{memberChanged(models.ChangeUpdated, m)}
	for _, f := range formerHeads {
		log = append(log, memberChanged(models.ChangeUpdated, f))
	}
	return r.touch(w, h.ID, h.AreaCode, log...)
}

// touch bumps a household's version and update time after a change to its members, so
// that readers and integrators see the household as changed, records the household's
// update after the members' changes for the change feed, and marks it to refresh.
func (r *Households) touch(w *Writer, id, area string, memberChanges ...models.ChangeLogEntry) error {
	err := w.sc.rows(w.tx, "households").Where("id = ?", id).Updates(map[string]any{
		"version": gorm.Expr("version + 1"), "updated_at": w.tx.NowFunc(),
	}).Error
	if err != nil {
		return err
	}
	w.changed(memberChanges...)
	w.changed(householdChanged(models.ChangeUpdated, &models.Household{ID: id, AreaCode: area}))
	w.touched(id)
	return nil
}

// householdWriteError turns unique violations into Conflict errors that say which rule.
func householdWriteError(err error) error {
	if !isUniqueViolation(err) {
		return err
	}
	if strings.Contains(err.Error(), "external_ref") {
		return models.Conflict("externalRef: a household with this external reference already exists")
	}
	return IDNumberTaken("idNumber")
}

// IDNumberTaken returns the Conflict error of an ID number, given in field, that is
// already registered; it never says where.
func IDNumberTaken(field string) error {
	return models.Conflict("%s: this person is already registered in a household", field)
}

// moveHouseholdRecords gives the members, grants, grant events, verifications, medical
// claims, charity aid, payee, reviews (with their documents) and discovery cases (with
// their visits) of a household the household's new area code, so that the denormalized
// scope column stays true: the new village follows them up, and the old one no longer
// reads them. What was filed at a door or paid in a month (applications and their
// grievances, referrals and documents, the status page's lookups, payroll lines) stays
// where it happened. (Its tallies move with the refresh that follows:
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
		tx.Table("payees").Where("household_id = ?", householdID),
		tx.Table("documents").Where("record = ? AND record_id IN (?)", DocumentOfReview,
			tx.Session(&gorm.Session{NewDB: true}).Table("reviews").Select("id").Where("household_id = ?", householdID)),
		tx.Table("discovery_visits").Where("case_id IN (?)",
			tx.Session(&gorm.Session{NewDB: true}).Table("discovery_cases").Select("id").Where("household_id = ?", householdID)),
		tx.Table("discovery_cases").Where("household_id = ?", householdID),
	}
	for _, q := range steps {
		if err := q.Update("area_code", area).Error; err != nil {
			return nil, err
		}
	}
	// A review is assigned to its village's township as well.
	township := area
	if len(area) == division.CodeLength {
		township = area[:9] + "000"
	}
	if err := tx.Table("reviews").Where("household_id = ?", householdID).
		Updates(map[string]any{"area_code": area, "township": township}).Error; err != nil {
		return nil, err
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
