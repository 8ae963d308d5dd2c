package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/models"
)

// Staff is the persistence of the staff registry (P6), of the populations of townships
// and of the figures of the staffing report: reads narrowed by the caller's Scope, and
// writes inside a unit of work (Writer). It checks no permission and no rule of the
// policy; the use cases in casework/staffing do. Reach it with Store.Staff.
type Staff struct{ s *Store }

// Staff returns the store of the staff registry.
func (s *Store) Staff() *Staff { return &Staff{s: s} }

// StaffQuery selects a page of the staff registry.
type StaffQuery struct {
	// Area is a jurisdiction inside the caller's subtree; nil means the caller's own area.
	Area   *string
	Filter *models.StaffFilter
	// Post is a shorthand for Filter.Post; the use case merges it into Filter.
	Post *models.StaffPost
	PageArgs
}

// today is the current calendar date of the store's clock in Dezhou (China time).
func (r *Staff) today() models.Date { return models.DateOf(r.s.now().In(shanghai)) }

// Today returns the current calendar date of the store's clock in Dezhou (China time),
// the day on which the staffing report counts staff in post.
func (r *Staff) Today() models.Date { return r.today() }

// Get returns the staff member with id. It returns models.ErrNotFound when there is none
// in sc.
func (r *Staff) Get(ctx context.Context, sc Scope, id string) (*models.StaffMember, error) {
	m, err := staffMember(sc.rows(r.s.db.WithContext(ctx), "staff_members"), id)
	return m, wrap("staff member", err)
}

// GetIn returns the staff member with id in w's scope, inside the unit of work, or
// models.ErrNotFound.
func (r *Staff) GetIn(w *Writer, id string) (*models.StaffMember, error) {
	return staffMember(w.sc.rows(w.tx, "staff_members"), id)
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

// List returns a page of the staff registry of the query's area that matches its filter
// (q.Post is ignored: the use case merges it into the filter), ordered by (area code,
// id). It returns a *models.FieldError for a bad area or paging argument and a Forbidden
// error for an area outside sc.
func (r *Staff) List(ctx context.Context, sc Scope, q StaffQuery) (*Page[models.StaffMember], error) {
	f := q.Filter
	today := r.today()
	return staffByArea.page(ctx, r.s, sc, q.Area, q.PageArgs, func(b *gorm.DB) *gorm.DB {
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
	})
}

// staffByArea is the staff registry's list: the staff members of an area.
var staffByArea = areaList[models.StaffMember]{name: "staff", table: "staff_members",
	area: func(m *models.StaffMember) string { return m.AreaCode }, id: func(m *models.StaffMember) string { return m.ID }}

// activeOn keeps the staff members in post on day d.
func activeOn(q *gorm.DB, d models.Date) *gorm.DB {
	return q.Where("staff_members.from_date <= ? AND (staff_members.until_date IS NULL OR staff_members.until_date >= ?)", d, d)
}

// Insert writes the new staff member m.
func (r *Staff) Insert(w *Writer, m *models.StaffMember) error {
	return w.tx.Create(m).Error
}

// Save writes m over old, guarded by old's version, and sets m's version and update
// time. It returns a Conflict error when the record changed since old was read.
func (r *Staff) Save(w *Writer, old, m *models.StaffMember) error {
	m.Version = old.Version + 1
	m.UpdatedAt = w.tx.NowFunc()
	res := w.sc.rows(w.tx, "staff_members").Where("id = ? AND version = ?", old.ID, old.Version).Updates(map[string]any{
		"name": m.Name, "post": m.Post, "area_code": m.AreaCode, "phone": m.Phone,
		"from_date": m.From, "until_date": m.Until, "version": m.Version, "updated_at": m.UpdatedAt,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the staff member was changed by someone else; reload and try again")
	}
	return nil
}

// OverlappingInPost returns the earliest-starting other staff member of m's post and
// area whose time in post overlaps m's, or nil when there is none. It first locks the
// area's jurisdiction row on PostgreSQL, so that two concurrent writes for one area are
// serialised; SQLite transactions here take the write lock when they begin.
func (r *Staff) OverlappingInPost(w *Writer, m *models.StaffMember) (*models.StaffMember, error) {
	tx := w.tx
	if r.s.dialect == Postgres {
		var code string
		err := tx.Table("jurisdictions").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("code = ?", m.AreaCode).Select("code").Take(&code).Error
		if err != nil {
			return nil, err
		}
	}
	q := w.sc.rows(tx, "staff_members").
		Where("staff_members.area_code = ? AND staff_members.post = ? AND staff_members.id <> ?", m.AreaCode, m.Post, m.ID).
		Where("(staff_members.until_date IS NULL OR staff_members.until_date >= ?)", m.From)
	if m.Until != nil {
		q = q.Where("staff_members.from_date <= ?", *m.Until)
	}
	var other models.StaffMember
	err := q.Order("staff_members.from_date").Take(&other).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &other, nil
}

// SetPopulation sets the population of the jurisdiction code, or clears it (unknown)
// when population is nil, and returns the jurisdiction as it was before and is after.
// The use case has checked that code is a township in w's scope.
func (r *Staff) SetPopulation(w *Writer, code string, population *int) (before *int, after *models.Jurisdiction, err error) {
	var out models.Jurisdiction
	if err := w.tx.Where("code = ?", code).Take(&out).Error; err != nil {
		return nil, nil, err
	}
	before = out.Population
	if err := w.tx.Model(&models.Jurisdiction{}).Where("code = ?", code).Update("population", population).Error; err != nil {
		return nil, nil, err
	}
	out.Population = population
	return before, &out, nil
}
