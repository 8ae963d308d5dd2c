package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// catalogueTTL is how long a read of the programs or categories serves requests.
const catalogueTTL = time.Minute

// catalogueCache holds the programs and categories tables once read, for catalogueTTL.
// They are reference data that Migrate loads from the catalogue compiled into the binary
// (an operator may still switch a program's active flag in the database, which shows
// within catalogueTTL), and every page of grants needs them. Migrate empties the cache.
// The values are shared between requests and must not be modified.
type catalogueCache struct {
	mu         sync.Mutex
	programs   cachedList[models.Program]
	categories cachedList[models.Category]
}

// cachedList is one cached table and when it was read.
type cachedList[T any] struct {
	list []*T
	read time.Time
}

// reset empties the cache.
func (c *catalogueCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.programs, c.categories = cachedList[models.Program]{}, cachedList[models.Category]{}
}

// cached returns the list in slot, reading it with read first when it is empty or older
// than catalogueTTL. A failed read is not kept. It returns a new slice of the shared
// values.
func cached[T any](c *catalogueCache, slot *cachedList[T], now time.Time, read func() ([]*T, error)) ([]*T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slot.list == nil || now.Sub(slot.read) > catalogueTTL {
		list, err := read()
		if err != nil {
			return nil, err
		}
		*slot = cachedList[T]{list: list, read: now}
	}
	return slices.Clone(slot.list), nil
}

// Programs returns the assistance catalogue in display order. The catalogue is public
// to every signed-in caller: sc, the caller's scope, does not narrow it. It returns the
// database's errors.
func (c *Catalogue) Programs(ctx context.Context, sc Scope) ([]*models.Program, error) {
	s := c.s
	ps, err := cached(s.catalogue, &s.catalogue.programs, s.now(), func() ([]*models.Program, error) {
		var ps []*models.Program
		err := s.db.WithContext(sc.bind(ctx)).Order("sort_order").Order("code").Find(&ps).Error
		return ps, err
	})
	return ps, wrap("programs", err)
}

// Program returns the program with code, or a *models.FieldError when there is none;
// sc, the caller's scope, does not narrow the public catalogue.
func (c *Catalogue) Program(ctx context.Context, sc Scope, code string) (*models.Program, error) {
	s := c.s
	p, err := s.Catalogue().program(s.db.WithContext(sc.bind(ctx)), code)
	return p, wrap("program", err)
}

func (c *Catalogue) program(db *gorm.DB, code string) (*models.Program, error) {
	var p models.Program
	err := db.Where("code = ?", code).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.Invalid("", "%s is not a program of the catalogue", privacy.Quote(code))
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Categories returns the ten categories of the catalogue in display order; sc, the
// caller's scope, does not narrow them. It returns the database's errors.
func (c *Catalogue) Categories(ctx context.Context, sc Scope) ([]*models.Category, error) {
	s := c.s
	cs, err := cached(s.catalogue, &s.catalogue.categories, s.now(), func() ([]*models.Category, error) {
		var cs []*models.Category
		err := s.db.WithContext(sc.bind(ctx)).Order("sort_order").Find(&cs).Error
		return cs, err
	})
	return cs, wrap("categories", err)
}

// Category returns the category with code, or models.ErrNotFound; sc, the caller's
// scope, does not narrow the public catalogue.
func (c *Catalogue) Category(ctx context.Context, sc Scope, code string) (*models.Category, error) {
	var cat models.Category
	err := c.s.db.WithContext(sc.bind(ctx)).Where("code = ?", code).Take(&cat).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("category")
	}
	return &cat, wrap("category", err)
}

// Catalogue is the persistence of the catalogue's programs and their settings
// (models.ProgramSetting): the parameters of each program, city-wide or per county, from
// a day. Programs, categories and settings are public reference data that every level
// reads across areas; they hold no personal data and are not narrowed by the scope.
type Catalogue struct{ s *Store }

// Catalogue returns the persistence of the catalogue.
func (s *Store) Catalogue() *Catalogue { return &Catalogue{s: s} }

// settingsOf returns the settings of program code that may be in force in county on day
// (the city's and the county's, from day or earlier), latest first.
func settingsOf(db *gorm.DB, code, county string, day models.Date) *gorm.DB {
	return db.Table("program_settings").
		Where("program_settings.program_code = ? AND program_settings.area_code IN ? AND program_settings.effective_from <= ?",
			code, []string{division.CityCode, county}, day).
		Order("program_settings.effective_from DESC").
		Order(clause.OrderByColumn{Column: clause.Column{Name: "program_settings.area_code"}, Desc: true})
}

// settingOn reads the setting in force; the county's code is above the city's, so on the
// same day the county's comes first.
func settingOn(db *gorm.DB, code, county string, day models.Date) (*models.ProgramSetting, error) {
	var st models.ProgramSetting
	err := settingsOf(db, code, county, day).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.Invalid("", "program %s has no setting in force on %s", privacy.Quote(code), day)
	}
	return &st, err
}

// SettingOn returns the setting of program code in force in county (a 12-digit county
// code, or the city's code for the city-wide setting) on day. It returns a
// *models.FieldError (without a field) when the program has none, and the database's
// errors.
func (c *Catalogue) SettingOn(ctx context.Context, code, county string, day models.Date) (*models.ProgramSetting, error) {
	st, err := settingOn(c.s.db.WithContext(ctx), code, county, day)
	return st, wrap("program setting", err)
}

// NamesOn returns, by program code, the name of the setting in force in county (a
// 12-digit county code, or the city's code for the city-wide settings) on day, chosen as
// SettingOn chooses it: the latest effectiveFrom, the county's first on the same day. A
// program without a setting in force then is left out. It returns the database's
// errors.
func (c *Catalogue) NamesOn(ctx context.Context, county string, day models.Date) (map[string]string, error) {
	var rows []models.ProgramSetting
	err := c.s.db.WithContext(ctx).Table("program_settings").
		Select("program_settings.program_code, program_settings.area_code, program_settings.effective_from, program_settings.name").
		Where("program_settings.area_code IN ? AND program_settings.effective_from <= ?", []string{division.CityCode, county}, day).
		Order("program_settings.program_code").Order("program_settings.effective_from DESC").
		Order(clause.OrderByColumn{Column: clause.Column{Name: "program_settings.area_code"}, Desc: true}).
		Find(&rows).Error
	if err != nil {
		return nil, wrap("program names", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if _, ok := out[r.ProgramCode]; !ok {
			out[r.ProgramCode] = r.Name
		}
	}
	return out, nil
}

// SettingIn is SettingOn inside the unit of work w.
func (c *Catalogue) SettingIn(w *Writer, code, county string, day models.Date) (*models.ProgramSetting, error) {
	return settingOn(w.tx, code, county, day)
}

// History returns the settings of program code that sc may read (settingRows: the
// city's, and its county's or, for the city, every county's), oldest first: the audit of
// the program's changes.
func (c *Catalogue) History(ctx context.Context, sc Scope, code string) ([]*models.ProgramSetting, error) {
	var out []*models.ProgramSetting
	err := sc.settingRows(c.s.db.WithContext(ctx)).Where("program_settings.program_code = ?", code).
		Order("program_settings.effective_from").Order("program_settings.area_code").Order("program_settings.created_at").
		Find(&out).Error
	return out, wrap("program history", err)
}

// ProgramIn returns the program with code inside w, or a *models.FieldError (without a
// field) when there is none.
func (c *Catalogue) ProgramIn(w *Writer, code string) (*models.Program, error) {
	return c.s.Catalogue().program(w.tx, code)
}

// CategoryIn returns the category with code inside w, or models.ErrNotFound.
func (c *Catalogue) CategoryIn(w *Writer, code string) (*models.Category, error) {
	var cat models.Category
	err := w.tx.Where("code = ?", code).Take(&cat).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("category")
	}
	return &cat, err
}

// InsertProgram adds program p to the catalogue, at the end of the display order. It
// returns a Conflict error when a program with its code exists, and the database's
// errors. The cached catalogue is emptied when w commits.
func (c *Catalogue) InsertProgram(w *Writer, p *models.Program) error {
	var last int
	if err := w.tx.Table("programs").Select("COALESCE(MAX(sort_order), 0)").Scan(&last).Error; err != nil {
		return err
	}
	p.SortOrder = last + 1
	if err := w.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(p); err.Error != nil {
		return err.Error
	} else if err.RowsAffected == 0 {
		return models.Conflict("a program with code %s exists", privacy.Quote(p.Code))
	}
	w.committed = append(w.committed, c.s.catalogue.reset)
	return nil
}

// InsertSetting stores the new setting st. It returns a Conflict error when the program
// has a setting of the same area from the same day (settings are never changed: a
// correction takes another day), and the database's errors.
func (c *Catalogue) InsertSetting(w *Writer, st *models.ProgramSetting) error {
	res := w.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(st)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("program %s already has a setting of %s from %s", st.ProgramCode, st.AreaCode, st.EffectiveFrom)
	}
	return nil
}
