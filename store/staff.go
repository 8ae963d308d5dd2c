package store

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Limits of the staff registry and of township populations.
const (
	maxPhoneLen = 20
	// MaxPopulation is the largest population a township may be given.
	MaxPopulation = 10_000_000
)

// StaffQuery selects a page of the staff registry.
type StaffQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.StaffFilter
	// Post is a shorthand for Filter.Post; when both are set they must agree.
	Post *models.StaffPost
	PageArgs
}

// today is the current calendar date of the store's clock.
func (s *Store) today() models.Date { return models.DateOf(s.now()) }

// Today returns the current calendar date of the store's clock, the day on which the
// staffing report counts staff in post.
func (s *Store) Today() models.Date { return s.today() }

// StaffMember returns the staff member with id. It returns a Forbidden error for a role
// that may not read the registry and models.ErrNotFound when there is none in the
// caller's area.
func (s *Store) StaffMember(ctx context.Context, id string) (*models.StaffMember, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionReadStaffing, "read the staff registry"); err != nil {
		return nil, err
	}
	m, err := staffMember(sc.rows(s.db.WithContext(ctx), "staff_members"), id)
	return m, wrap("staff member", err)
}

func staffMember(q *gorm.DB, id string) (*models.StaffMember, error) {
	var m models.StaffMember
	err := q.Where("staff_members.id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("staff member")
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Staff returns a page of the staff registry of the query's area that matches its filter,
// ordered by (area code, id). It returns a Forbidden error for a role that may not read
// the registry or an area outside the caller's subtree, and a *models.FieldError for a
// bad area, filter or paging argument.
func (s *Store) Staff(ctx context.Context, q StaffQuery) (*Page[models.StaffMember], error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionReadStaffing, "read the staff registry"); err != nil {
		return nil, err
	}
	lo, hi, err := s.area(sc, "area", q.Area)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	if q.Post != nil {
		if f != nil && f.Post != nil && *f.Post != *q.Post {
			return nil, models.Invalid("post", "disagrees with filter.post")
		}
		merged := models.StaffFilter{}
		if f != nil {
			merged = *f
		}
		merged.Post = q.Post
		f = &merged
	}
	if f != nil && f.Post != nil && !f.Post.Valid() {
		return nil, models.Invalid("filter.post", "%s is not a post", privacy.Quote(string(*f.Post)))
	}
	today := s.today()
	db := s.db.WithContext(ctx)
	build := func() *gorm.DB {
		b := sc.within(db, "staff_members", lo, hi)
		if f == nil {
			return b
		}
		if f.Post != nil {
			b = b.Where("staff_members.post = ?", *f.Post)
		}
		if f.ActiveOn != nil {
			b = activeOn(b, *f.ActiveOn)
		}
		if f.Active != nil {
			if *f.Active {
				b = activeOn(b, today)
			} else {
				b = b.Where("NOT (staff_members.from_date <= ? AND (staff_members.until_date IS NULL OR staff_members.until_date >= ?))", today, today)
			}
		}
		if f.NameContains != nil && *f.NameContains != "" {
			b = b.Where("staff_members.name LIKE ? ESCAPE '\\'", "%"+escapeLike(*f.NameContains)+"%")
		}
		return b
	}
	page, err := paginate(build, "staff_members", q.PageArgs,
		func(m *models.StaffMember) string { return m.AreaCode },
		func(m *models.StaffMember) string { return m.ID })
	return page, wrap("staff", err)
}

// activeOn keeps the staff members in post on day d.
func activeOn(q *gorm.DB, d models.Date) *gorm.DB {
	return q.Where("staff_members.from_date <= ? AND (staff_members.until_date IS NULL OR staff_members.until_date >= ?)", d, d)
}

// CreateStaff registers a staff member at a township or village of the caller's area.
// It returns a Forbidden error for a role other than admin or an area outside the
// caller's, a *models.FieldError for bad input (a post at the wrong level of jurisdiction
// included), and a Conflict error when the post is a village assistant and the village
// already has one whose time in post overlaps. On error nothing is written.
func (s *Store) CreateStaff(ctx context.Context, in models.StaffInput) (*models.StaffMember, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteStaff, "register staff"); err != nil {
		return nil, err
	}
	m := &models.StaffMember{ID: newID(), Version: 1, Phone: in.Phone, From: in.From, Until: in.Until,
		Name: in.Name, Post: in.Post, AreaCode: strings.TrimSpace(in.Area)}
	if err := s.checkStaff(sc, m); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkAssistantFree(tx, sc, m); err != nil {
			return err
		}
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		return s.audit(tx, sc, "createStaff", m.AreaCode, []string{m.ID}, nil, m)
	})
	if err != nil {
		return nil, wrap("create staff", err)
	}
	return m, nil
}

// UpdateStaff changes the fields of patch that are set, re-checking the whole record as
// CreateStaff does. It returns models.ErrNotFound for a staff member outside the caller's
// area, a Conflict error when the record changed concurrently, and otherwise the errors of
// CreateStaff. On error nothing is written.
func (s *Store) UpdateStaff(ctx context.Context, id string, patch models.StaffPatch) (*models.StaffMember, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteStaff, "change staff"); err != nil {
		return nil, err
	}
	var out *models.StaffMember
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := staffMember(sc.rows(tx, "staff_members"), id)
		if err != nil {
			return err
		}
		m := *old
		if patch.Name != nil {
			m.Name = *patch.Name
		}
		if patch.Post != nil {
			m.Post = *patch.Post
		}
		if patch.Area != nil {
			m.AreaCode = strings.TrimSpace(*patch.Area)
		}
		if patch.Phone != nil {
			m.Phone = patch.Phone
		}
		if patch.From != nil {
			m.From = *patch.From
		}
		if patch.Until != nil {
			m.Until = patch.Until
		}
		if err := s.checkStaff(sc, &m); err != nil {
			return err
		}
		return s.saveStaff(tx, sc, "updateStaff", old, &m, &out)
	})
	if err != nil {
		return nil, wrap("update staff", err)
	}
	return out, nil
}

// EndStaff ends a staff member's time in post on until (today when nil), the last day in
// post. It returns models.ErrNotFound for a staff member outside the caller's area, a
// *models.FieldError when until is before the first day in post, a Conflict error when
// the post already ended on or before until, and a Forbidden error for a role other than
// admin. On error nothing is written.
func (s *Store) EndStaff(ctx context.Context, id string, until *models.Date) (*models.StaffMember, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionWriteStaff, "end staff posts"); err != nil {
		return nil, err
	}
	end := s.today()
	if until != nil {
		end = *until
	}
	var out *models.StaffMember
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := staffMember(sc.rows(tx, "staff_members"), id)
		if err != nil {
			return err
		}
		if end.Before(old.From.Time) {
			return models.Invalid("until", "%s is before the first day in post, %s", end, old.From)
		}
		if old.Until != nil && !old.Until.After(end.Time) {
			return models.Conflict("the post already ended on %s", old.Until)
		}
		m := *old
		m.Until = &end
		return s.saveStaff(tx, sc, "endStaff", old, &m, &out)
	})
	if err != nil {
		return nil, wrap("end staff", err)
	}
	return out, nil
}

// saveStaff writes m over old inside tx, guarded by old's version, checks the village
// assistant rule and appends the audit record of op. It sets *out on success.
func (s *Store) saveStaff(tx *gorm.DB, sc Scope, op string, old, m *models.StaffMember, out **models.StaffMember) error {
	if err := s.checkAssistantFree(tx, sc, m); err != nil {
		return err
	}
	m.Version = old.Version + 1
	m.UpdatedAt = tx.NowFunc()
	res := sc.rows(tx, "staff_members").Where("id = ? AND version = ?", old.ID, old.Version).Updates(map[string]any{
		"name": m.Name, "post": m.Post, "area_code": m.AreaCode, "phone": m.Phone,
		"from_date": m.From, "until_date": m.Until, "version": m.Version, "updated_at": m.UpdatedAt,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the staff member was changed by someone else; reload and try again")
	}
	if err := s.audit(tx, sc, op, m.AreaCode, []string{m.ID}, old, m); err != nil {
		return err
	}
	*out = m
	return nil
}

// checkStaff validates a staff record in place (trimming its text) against the caller's
// scope. It returns a *models.FieldError naming the input field, or a Forbidden error for
// an area outside the caller's subtree.
func (s *Store) checkStaff(sc Scope, m *models.StaffMember) error {
	name, err := text("input.name", m.Name, true, maxNameLen)
	if err != nil {
		return err
	}
	m.Name = name
	if !m.Post.Valid() {
		return models.Invalid("input.post", "%s is not a post", privacy.Quote(string(m.Post)))
	}
	u, ok := s.tree.Unit(m.AreaCode)
	if !ok {
		return models.Invalid("input.area", "%s is not a jurisdiction code", privacy.Quote(m.AreaCode))
	}
	if want := m.Post.Level(); u.Level != want {
		return models.Invalid("input.post", "%s is a %s post, but %s %s is a %s",
			m.Post, strings.ToLower(string(want)), u.Code, u.Name, strings.ToLower(string(u.Level)))
	}
	if !sc.p.Covers(u.Code) {
		return models.Forbidden("input.area: %s is outside your jurisdiction", u.Code)
	}
	if err := refuseMasked("input.phone", m.Phone); err != nil {
		return err
	}
	phone, err := optionalText("input.phone", m.Phone, maxPhoneLen)
	if err != nil {
		return err
	}
	if phone != nil && !validPhone(*phone) {
		return models.Invalid("input.phone", "must be a telephone number of digits, spaces, '+' and '-'")
	}
	m.Phone = phone
	if m.From.IsZero() {
		return models.Invalid("input.from", "is required")
	}
	if m.Until != nil && m.Until.Before(m.From.Time) {
		return models.Invalid("input.until", "must not be before from")
	}
	return nil
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '+':
		default:
			return false
		}
	}
	return digits >= 5
}

// checkAssistantFree returns a Conflict error when m is a village assistant and another
// assistant of the same village is in post on any day of m's time in post (P6: one
// assistant per village). It first locks the village's jurisdiction row on PostgreSQL, so
// that two concurrent writes for one village are serialised; SQLite transactions here
// take the write lock when they begin.
func (s *Store) checkAssistantFree(tx *gorm.DB, sc Scope, m *models.StaffMember) error {
	if m.Post != models.PostVillageAssistant {
		return nil
	}
	if s.dialect == Postgres {
		var code string
		err := tx.Table("jurisdictions").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("code = ?", m.AreaCode).Select("code").Take(&code).Error
		if err != nil {
			return err
		}
	}
	q := sc.rows(tx, "staff_members").
		Where("staff_members.area_code = ? AND staff_members.post = ? AND staff_members.id <> ?", m.AreaCode, models.PostVillageAssistant, m.ID).
		Where("(staff_members.until_date IS NULL OR staff_members.until_date >= ?)", m.From)
	if m.Until != nil {
		q = q.Where("staff_members.from_date <= ?", *m.Until)
	}
	var other models.StaffMember
	err := q.Order("staff_members.from_date").Take(&other).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return models.Conflict("input.area: village %s already has a civil-affairs assistant in post from %s; end that post first", m.AreaCode, other.From)
}

// SetPopulation sets the population of a township, or clears it (unknown) when
// population is nil. It returns a Forbidden error for a role other than admin or a
// township outside the caller's area, and a *models.FieldError naming code when code is
// not a township or naming population when it is negative or implausibly large.
func (s *Store) SetPopulation(ctx context.Context, code string, population *int) (*models.Jurisdiction, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionSetPopulation, "set populations"); err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	u, ok := s.tree.Unit(code)
	if !ok {
		return nil, models.Invalid("code", "%s is not a jurisdiction code", privacy.Quote(code))
	}
	if u.Level != models.LevelTownship {
		return nil, models.Invalid("code", "%s %s is a %s; populations are set for townships", u.Code, u.Name, strings.ToLower(string(u.Level)))
	}
	if !sc.p.Covers(code) {
		return nil, models.Forbidden("code: township %s is outside your jurisdiction", code)
	}
	if population != nil && *population < 0 {
		return nil, models.Invalid("population", "must not be negative")
	}
	if population != nil && *population > MaxPopulation {
		return nil, models.Invalid("population", "must be at most %d", MaxPopulation)
	}
	var out models.Jurisdiction
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("code = ?", code).Take(&out).Error; err != nil {
			return err
		}
		before := out.Population
		if err := tx.Model(&models.Jurisdiction{}).Where("code = ?", code).Update("population", population).Error; err != nil {
			return err
		}
		out.Population = population
		return s.audit(tx, sc, "setPopulation", code, []string{code},
			map[string]any{"code": code, "population": before}, map[string]any{"code": code, "population": population})
	})
	if err != nil {
		return nil, wrap("set population", err)
	}
	return &out, nil
}
