// Package catalogue holds the use cases of the assistance catalogue through the API (P1):
// reading the setting of a program in force in a county on a day and its history, adding
// a program, and changing its parameters (name, deciding department, referral working
// days, switching it off from a day) city-wide or for one county, from a day. Settings
// are never overwritten: every change is a new setting, which is the audit of the
// program's changes, besides the audit trail's event.
package catalogue

import (
	"context"
	"regexp"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/input"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Store is what the use cases need of the persistence of the catalogue.
type Store interface {
	// SettingOn returns a program's setting in force (see store.Catalogue.SettingOn).
	SettingOn(ctx context.Context, code, county string, day models.Date) (*models.ProgramSetting, error)
	// History returns the settings of a program the caller may read (see
	// store.Catalogue.History).
	History(ctx context.Context, sc store.Scope, code string) ([]*models.ProgramSetting, error)
	// NamesOn returns the programs' names in force (see store.Catalogue.NamesOn).
	NamesOn(ctx context.Context, county string, day models.Date) (map[string]string, error)
	// Write runs step in one unit of work (see store.Store.Write).
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on the catalogue.
type Tx interface {
	Program(code string) (*models.Program, error)
	Category(code string) (*models.Category, error)
	Setting(code, county string, day models.Date) (*models.ProgramSetting, error)
	InsertProgram(p *models.Program) error
	InsertSetting(st *models.ProgramSetting) error
	Audit(op, area string, ids []string, before, after any)
}

// Service runs the use cases of the catalogue. It is safe for concurrent use.
type Service struct {
	st  Store
	now func() time.Time
	ids func() string
}

// New returns the use cases over st, with st's clock.
func New(st *store.Store) *Service {
	return &Service{st: adapter{st: st, cat: st.Catalogue()}, now: st.Now, ids: store.NewID}
}

// NewWith returns the use cases over any Store; it is for tests.
func NewWith(st Store, now func() time.Time, ids func() string) *Service {
	return &Service{st: st, now: now, ids: ids}
}

type adapter struct {
	st  *store.Store
	cat *store.Catalogue
}

func (a adapter) SettingOn(ctx context.Context, code, county string, day models.Date) (*models.ProgramSetting, error) {
	return a.cat.SettingOn(ctx, code, county, day)
}
func (a adapter) History(ctx context.Context, sc store.Scope, code string) ([]*models.ProgramSetting, error) {
	return a.cat.History(ctx, sc, code)
}
func (a adapter) NamesOn(ctx context.Context, county string, day models.Date) (map[string]string, error) {
	return a.cat.NamesOn(ctx, county, day)
}
func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(ctx, sc, op, func(w *store.Writer) error { return step(tx{w: w, cat: a.cat}) })
}

type tx struct {
	w   *store.Writer
	cat *store.Catalogue
}

func (t tx) Program(code string) (*models.Program, error)   { return t.cat.ProgramIn(t.w, code) }
func (t tx) Category(code string) (*models.Category, error) { return t.cat.CategoryIn(t.w, code) }
func (t tx) Setting(code, county string, day models.Date) (*models.ProgramSetting, error) {
	return t.cat.SettingIn(t.w, code, county, day)
}
func (t tx) InsertProgram(p *models.Program) error         { return t.cat.InsertProgram(t.w, p) }
func (t tx) InsertSetting(st *models.ProgramSetting) error { return t.cat.InsertSetting(t.w, st) }
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}

// maxReferralDays bounds a program's referral working days.
const maxReferralDays = 60

// programCode is the form of a program's code.
var programCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,39}$`)

// settingArea returns the area of a setting: the city's code when area is nil, or a
// county's 12-digit code. It returns a *models.FieldError naming field otherwise.
func settingArea(field string, area *string) (string, error) {
	if area == nil {
		return division.CityCode, nil
	}
	if division.LevelOf(*area) != models.LevelCounty {
		return "", models.Invalid(field, "%s is not a county's 12-digit code", privacy.Quote(*area))
	}
	return *area, nil
}

// Setting returns the setting of program code in force in county (the city-wide one
// when nil) on day (today when nil). The city-wide settings are read by every signed-in
// caller, a county's by the city and inside the county. It returns models.ErrNotFound
// for another county, and a *models.FieldError naming code or area for an unknown
// program or a code that is not a county's.
func (s *Service) Setting(ctx context.Context, code string, county *string, day *models.Date) (*models.ProgramSetting, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	area, err := settingArea("area", county)
	if err != nil {
		return nil, err
	}
	// A county's settings are read by the city and inside the county, as its dibao
	// standards are; another county's answer as if it did not exist.
	if p := sc.Principal(); area != division.CityCode && !p.Covers(area) && !division.Contains(area, p.Area) {
		return nil, models.NotFound("county")
	}
	d := models.DateOf(s.now().In(policy.ChinaTime))
	if day != nil {
		d = *day
	}
	st, err := s.st.SettingOn(ctx, code, area, d)
	return st, models.WithField("code", err)
}

// Names returns, by program code, the name in force today for the caller (P1): the name
// of the setting in force in the caller's county when the caller is inside one (the
// county's or the city-wide one, whichever took effect last, as Setting chooses it), or
// of the city-wide setting for a caller above the counties. A program without a setting
// in force is left out: its seeded name stands. It returns the errors of
// casework.Caller and the store's.
func (s *Service) Names(ctx context.Context) (map[string]string, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.NamesOn(ctx, NameArea(sc.Principal().Area), models.DateOf(s.now().In(policy.ChinaTime)))
}

// NameArea returns the area whose settings name the programs for a caller of area: its
// county's code when area lies inside a county, the city's code otherwise.
func NameArea(area string) string {
	switch division.LevelOf(area) {
	case models.LevelCounty, models.LevelTownship, models.LevelVillage:
		return area[:6] + "000000"
	}
	return division.CityCode
}

// History returns every setting of program code, city-wide and per county, oldest
// first.
func (s *Service) History(ctx context.Context, code string) ([]*models.ProgramSetting, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.st.History(ctx, sc, code)
}

// admin checks that the caller may change the catalogue of area (the city's code or a
// county's): a city-level admin for the city, an admin whose area covers the county for
// a county. It returns a Forbidden error otherwise.
func admin(sc store.Scope, area string) error {
	if err := casework.May(sc, auth.ActionManageCatalogue, "change the catalogue"); err != nil {
		return err
	}
	if !sc.Principal().Covers(area) {
		return models.Forbidden("changing the catalogue of %s takes an admin whose area covers it", area)
	}
	return nil
}

// AddProgram adds a program to the catalogue, active, with its first city-wide setting
// from in.EffectiveFrom (today when nil): its name, its department (the category's by
// default) and its referral working days. It returns a Forbidden error for any caller but
// a city-level admin, a Conflict error for a code in use, and a *models.FieldError naming
// the input field for bad input.
func (s *Service) AddProgram(ctx context.Context, in models.NewProgramInput) (*models.Program, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := admin(sc, division.CityCode); err != nil {
		return nil, err
	}
	if !programCode.MatchString(in.Code) {
		return nil, models.Invalid("input.code", "must be 2 to 40 capital letters, digits and underscores, starting with a letter")
	}
	name, err := input.Text("input.name", in.Name, true, input.MaxNameLen)
	if err != nil {
		return nil, err
	}
	reason, err := input.OptionalText("input.reason", in.Reason, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	if in.Department != nil && !in.Department.Valid() {
		return nil, models.Invalid("input.department", "%s is not a department", privacy.Quote(string(*in.Department)))
	}
	days := catalogue.DefaultReferralDays
	if in.ReferralDays != nil {
		days = *in.ReferralDays
	}
	if days < 1 || days > maxReferralDays {
		return nil, models.Invalid("input.referralDays", "must be from 1 to %d working days", maxReferralDays)
	}
	from := models.DateOf(s.now().In(policy.ChinaTime))
	if in.EffectiveFrom != nil {
		from = *in.EffectiveFrom
	}
	var out *models.Program
	err = s.st.Write(ctx, sc, "add program", func(t Tx) error {
		cat, err := t.Category(in.CategoryCode)
		if err != nil {
			return models.Invalid("input.categoryCode", "%s is not a category of the catalogue", privacy.Quote(in.CategoryCode))
		}
		dept := catalogue.DepartmentOf(cat.Code)
		if in.Department != nil {
			dept = *in.Department
		}
		p := &models.Program{Code: in.Code, Name: name, CategoryCode: cat.Code, Active: true}
		if err := t.InsertProgram(p); err != nil {
			return err
		}
		st := &models.ProgramSetting{
			ID: s.ids(), ProgramCode: p.Code, AreaCode: division.CityCode, EffectiveFrom: from,
			Name: name, Department: dept, ReferralDays: days, SetBy: sc.Principal().Subject,
		}
		if reason != nil {
			st.Reason = *reason
		}
		if err := t.InsertSetting(st); err != nil {
			return err
		}
		t.Audit("addProgram", division.CityCode, []string{p.Code, st.ID}, nil, st)
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ChangeProgram changes the parameters of program code from in.EffectiveFrom, city-wide
// or in the county in.AreaCode: a new setting that copies the one in force on that day
// there and changes the fields given. Switching a program off (in.ClosedFrom) stops new
// applications from that day; grants already open run on. It returns a Forbidden error
// for a caller that is not an admin covering the area (the city's needs a city-level
// admin), a Conflict error when the program already has a setting of that area from that
// day, and a *models.FieldError naming the input field for bad input.
func (s *Service) ChangeProgram(ctx context.Context, code string, in models.ProgramChangeInput) (*models.ProgramSetting, error) {
	sc, err := casework.Caller(ctx)
	if err != nil {
		return nil, err
	}
	area, err := settingArea("input.areaCode", in.AreaCode)
	if err != nil {
		return nil, err
	}
	if err := admin(sc, area); err != nil {
		return nil, err
	}
	reason, err := input.Text("input.reason", in.Reason, true, input.MaxReasonLen)
	if err != nil {
		return nil, err
	}
	if in.EffectiveFrom.IsZero() {
		return nil, models.Invalid("input.effectiveFrom", "is required")
	}
	var name string
	if in.Name != nil {
		if name, err = input.Text("input.name", *in.Name, true, input.MaxNameLen); err != nil {
			return nil, err
		}
	}
	if in.Department != nil && !in.Department.Valid() {
		return nil, models.Invalid("input.department", "%s is not a department", privacy.Quote(string(*in.Department)))
	}
	if in.ReferralDays != nil && (*in.ReferralDays < 1 || *in.ReferralDays > maxReferralDays) {
		return nil, models.Invalid("input.referralDays", "must be from 1 to %d working days", maxReferralDays)
	}
	if in.ClosedFrom != nil && in.Reopen != nil && *in.Reopen {
		return nil, models.Invalid("input.reopen", "cannot reopen and close the program in one change")
	}
	if in.ClosedFrom != nil && in.ClosedFrom.Before(in.EffectiveFrom.Time) {
		return nil, models.Invalid("input.closedFrom", "must not be before effectiveFrom")
	}
	var out *models.ProgramSetting
	err = s.st.Write(ctx, sc, "change program", func(t Tx) error {
		if _, err := t.Program(code); err != nil {
			return models.WithField("code", err)
		}
		cur, err := t.Setting(code, area, in.EffectiveFrom)
		if err != nil {
			return models.WithField("input.effectiveFrom", err)
		}
		next := *cur
		next.ID, next.AreaCode, next.EffectiveFrom = s.ids(), area, in.EffectiveFrom
		next.Reason, next.SetBy, next.CreatedAt = reason, sc.Principal().Subject, time.Time{}
		if in.Name != nil {
			next.Name = name
		}
		if in.Department != nil {
			next.Department = *in.Department
		}
		if in.ReferralDays != nil {
			next.ReferralDays = *in.ReferralDays
		}
		if in.ClosedFrom != nil {
			next.ClosedFrom = in.ClosedFrom
		}
		if in.Reopen != nil && *in.Reopen {
			next.ClosedFrom = nil
		}
		if err := t.InsertSetting(&next); err != nil {
			return err
		}
		t.Audit("changeProgram", area, []string{code, next.ID}, cur, &next)
		out = &next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
