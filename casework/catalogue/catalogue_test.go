package catalogue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/catalogue"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// fake is an in-memory catalogue.Store: programs, categories and settings, with a unit
// of work that keeps nothing of a step that fails or records no audit event.
type fake struct {
	programs map[string]models.Program
	settings map[string]models.ProgramSetting
	audits   []string
}

func key(s models.ProgramSetting) string {
	return s.ProgramCode + "/" + s.AreaCode + "/" + s.EffectiveFrom.String()
}

func (f *fake) SettingOn(_ context.Context, code, county string, day models.Date) (*models.ProgramSetting, error) {
	return settingOn(f.settings, code, county, day)
}

func settingOn(all map[string]models.ProgramSetting, code, county string, day models.Date) (*models.ProgramSetting, error) {
	var best *models.ProgramSetting
	for _, s := range all {
		if s.ProgramCode != code || (s.AreaCode != county && s.AreaCode != division.CityCode) || s.EffectiveFrom.After(day.Time) {
			continue
		}
		if best == nil || s.EffectiveFrom.After(best.EffectiveFrom.Time) || (s.EffectiveFrom.Equal(best.EffectiveFrom.Time) && s.AreaCode > best.AreaCode) {
			c := s
			best = &c
		}
	}
	if best == nil {
		return nil, models.Invalid("", "no setting")
	}
	return best, nil
}

func (f *fake) NamesOn(_ context.Context, county string, day models.Date) (map[string]string, error) {
	out := map[string]string{}
	for code := range f.programs {
		if s, err := settingOn(f.settings, code, county, day); err == nil {
			out[code] = s.Name
		}
	}
	return out, nil
}

func (f *fake) History(context.Context, store.Scope, string) ([]*models.ProgramSetting, error) {
	return nil, nil
}

func (f *fake) Write(_ context.Context, sc store.Scope, _ string, step func(catalogue.Tx) error) error {
	return fakestore.Write(sc, &f.audits, func(u *fakestore.Unit) error {
		fakestore.TrackMap(u, &f.programs)
		fakestore.TrackMap(u, &f.settings)
		return step(&tx{Unit: u, f: f})
	})
}

// tx is a unit of work of the fake, which reads back the programs and settings it
// writes.
type tx struct {
	*fakestore.Unit
	f *fake
}

func (t *tx) Program(code string) (*models.Program, error) {
	p, ok := t.f.programs[code]
	if !ok {
		return nil, models.Invalid("", "not a program")
	}
	return &p, nil
}

func (t *tx) Category(code string) (*models.Category, error) {
	if code != "EDUCATION" && code != "DIBAO" {
		return nil, models.NotFound("category")
	}
	return &models.Category{Code: code}, nil
}

func (t *tx) Setting(code, county string, day models.Date) (*models.ProgramSetting, error) {
	return settingOn(t.f.settings, code, county, day)
}

func (t *tx) InsertProgram(p *models.Program) error {
	if err := t.Writing(); err != nil {
		return err
	}
	if _, ok := t.f.programs[p.Code]; ok {
		return models.Conflict("exists")
	}
	t.f.programs[p.Code] = *p
	return nil
}

func (t *tx) InsertSetting(s *models.ProgramSetting) error {
	if err := t.Writing(); err != nil {
		return err
	}
	if _, ok := t.f.settings[key(*s)]; ok {
		return models.Conflict("exists")
	}
	t.f.settings[key(*s)] = *s
	return nil
}

const (
	county      = "371402000000"
	otherCounty = "371403000000"
)

func as(role models.Role, area string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area})
}

func setup() (*catalogue.Service, *fake) {
	seed := models.ProgramSetting{ID: "seed", ProgramCode: "EDU_COMPULSORY", AreaCode: division.CityCode,
		EffectiveFrom: models.NewDate(2000, 1, 1), Name: "义务教育阶段生活补助", Department: models.DeptEducation, ReferralDays: 10}
	f := &fake{programs: map[string]models.Program{"EDU_COMPULSORY": {Code: "EDU_COMPULSORY", CategoryCode: "EDUCATION", Active: true}},
		settings: map[string]models.ProgramSetting{key(seed): seed}}
	n := 0
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	return catalogue.NewWith(f, func() time.Time { return now }, func() string { n++; return fmt.Sprintf("id-%d", n) }), f
}

// TestAddProgram checks who may add a program and what a new program is given.
func TestAddProgram(t *testing.T) {
	days, zero := 5, 0
	for _, c := range []struct {
		name      string
		ctx       context.Context
		in        models.NewProgramInput
		wantErr   error
		wantField string
		wantDept  models.Department
		wantDays  int
	}{
		{"city admin", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_VOCATIONAL", Name: "中职助学金", CategoryCode: "EDUCATION"}, nil, "", models.DeptEducation, 10},
		{"own department and days", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "DIBAO_EXTRA", Name: "补充低保", CategoryCode: "DIBAO", ReferralDays: &days}, nil, "", models.DeptCivilAffairs, 5},
		{"county admin", as(models.RoleAdmin, county), models.NewProgramInput{Code: "EDU_X", Name: "x", CategoryCode: "EDUCATION"}, models.ErrForbidden, "", "", 0},
		{"city officer", as(models.RoleOfficer, division.CityCode), models.NewProgramInput{Code: "EDU_X", Name: "x", CategoryCode: "EDUCATION"}, models.ErrForbidden, "", "", 0},
		{"bad code", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "edu x", Name: "x", CategoryCode: "EDUCATION"}, models.ErrInvalid, "input.code", "", 0},
		{"no name", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_X", Name: " ", CategoryCode: "EDUCATION"}, models.ErrInvalid, "input.name", "", 0},
		{"zero days", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_X", Name: "x", CategoryCode: "EDUCATION", ReferralDays: &zero}, models.ErrInvalid, "input.referralDays", "", 0},
		{"unknown category", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_X", Name: "x", CategoryCode: "NOPE"}, models.ErrInvalid, "input.categoryCode", "", 0},
		{"code in use", as(models.RoleAdmin, division.CityCode), models.NewProgramInput{Code: "EDU_COMPULSORY", Name: "x", CategoryCode: "EDUCATION"}, models.ErrConflict, "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, f := setup()
			before := len(f.settings)
			_, err := svc.AddProgram(c.ctx, c.in)
			if c.wantErr != nil {
				var fe *models.FieldError
				if !errors.Is(err, c.wantErr) || (c.wantField != "" && (!errors.As(err, &fe) || fe.Field != c.wantField)) {
					t.Fatalf("err %v, want %v on %q", err, c.wantErr, c.wantField)
				}
				if len(f.settings) != before || len(f.audits) != 0 {
					t.Fatal("a refused addition wrote")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.SettingOn(context.Background(), c.in.Code, county, models.NewDate(2026, 12, 4))
			if err != nil || s.Department != c.wantDept || s.ReferralDays != c.wantDays || !f.programs[c.in.Code].Active {
				t.Fatalf("setting %+v (%v)", s, err)
			}
		})
	}
}

// TestChangeProgram checks who may change a program where, and what a change keeps.
func TestChangeProgram(t *testing.T) {
	from := models.NewDate(2027, 1, 1)
	before := models.NewDate(2026, 12, 1)
	house := models.DeptHousing
	c1, city := county, (*string)(nil)
	for _, c := range []struct {
		name      string
		ctx       context.Context
		area      *string
		in        models.ProgramChangeInput
		wantErr   error
		wantField string
	}{
		{"county admin, own county", as(models.RoleAdmin, county), &c1, models.ProgramChangeInput{Department: &house}, nil, ""},
		{"city admin, city-wide", as(models.RoleAdmin, division.CityCode), city, models.ProgramChangeInput{ClosedFrom: &from}, nil, ""},
		{"county admin, city-wide", as(models.RoleAdmin, county), city, models.ProgramChangeInput{}, models.ErrForbidden, ""},
		{"other county's admin", as(models.RoleAdmin, otherCounty), &c1, models.ProgramChangeInput{}, models.ErrForbidden, ""},
		{"county officer", as(models.RoleOfficer, county), &c1, models.ProgramChangeInput{}, models.ErrForbidden, ""},
		{"a township as area", as(models.RoleAdmin, division.CityCode), ptr("371402001000"), models.ProgramChangeInput{}, models.ErrInvalid, "input.areaCode"},
		{"closing before the change", as(models.RoleAdmin, division.CityCode), city, models.ProgramChangeInput{ClosedFrom: &before}, models.ErrInvalid, "input.closedFrom"},
		{"close and reopen", as(models.RoleAdmin, division.CityCode), city, models.ProgramChangeInput{ClosedFrom: &from, Reopen: ptr(true)}, models.ErrInvalid, "input.reopen"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, f := setup()
			n := len(f.settings)
			in := c.in
			in.AreaCode, in.EffectiveFrom, in.Reason = c.area, from, "调整"
			s, err := svc.ChangeProgram(c.ctx, "EDU_COMPULSORY", in)
			if c.wantErr != nil {
				var fe *models.FieldError
				if !errors.Is(err, c.wantErr) || (c.wantField != "" && (!errors.As(err, &fe) || fe.Field != c.wantField)) {
					t.Fatalf("err %v, want %v on %q", err, c.wantErr, c.wantField)
				}
				if len(f.settings) != n || len(f.audits) != 0 {
					t.Fatal("a refused change wrote")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// What was not given is copied from the setting in force.
			if s.Name != "义务教育阶段生活补助" || s.ReferralDays != 10 || len(f.settings) != n+1 || f.audits[0] != "changeProgram" {
				t.Fatalf("change %+v", s)
			}
			if _, err := svc.ChangeProgram(c.ctx, "EDU_COMPULSORY", in); !errors.Is(err, models.ErrConflict) {
				t.Fatalf("the same change twice: %v", err)
			}
		})
	}
}

// TestNames checks the name of a program in force for each caller: the city-wide
// setting's above the counties and in a county without its own, the county's inside it,
// a later city-wide rename over an earlier county one, and nothing of a setting that is
// not in force yet.
func TestNames(t *testing.T) {
	const code = "EDU_COMPULSORY"
	for _, c := range []struct {
		name     string
		settings []models.ProgramSetting
		ctx      context.Context
		want     string
	}{
		{"the seeded name", nil, as(models.RoleOfficer, county), "义务教育阶段生活补助"},
		{"a city-wide rename, for the city", []models.ProgramSetting{{AreaCode: division.CityCode, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "义务教育生活补助"}},
			as(models.RoleAdmin, division.CityCode), "义务教育生活补助"},
		{"a city-wide rename, for a village", []models.ProgramSetting{{AreaCode: division.CityCode, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "义务教育生活补助"}},
			as(models.RoleAssistant, "371402001001"), "义务教育生活补助"},
		{"a county's rename, inside the county", []models.ProgramSetting{{AreaCode: county, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "德城区义教补助"}},
			as(models.RoleOfficer, "371402001000"), "德城区义教补助"},
		{"a county's rename, for another county", []models.ProgramSetting{{AreaCode: county, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "德城区义教补助"}},
			as(models.RoleOfficer, otherCounty), "义务教育阶段生活补助"},
		{"a county's rename, for the city", []models.ProgramSetting{{AreaCode: county, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "德城区义教补助"}},
			as(models.RoleAdmin, division.CityCode), "义务教育阶段生活补助"},
		{"a later city-wide rename over a county's", []models.ProgramSetting{
			{AreaCode: county, EffectiveFrom: models.NewDate(2026, 6, 1), Name: "德城区义教补助"},
			{AreaCode: division.CityCode, EffectiveFrom: models.NewDate(2026, 9, 1), Name: "义务教育生活补助"}},
			as(models.RoleOfficer, county), "义务教育生活补助"},
		{"a rename from tomorrow", []models.ProgramSetting{{AreaCode: division.CityCode, EffectiveFrom: models.NewDate(2026, 12, 5), Name: "义务教育生活补助"}},
			as(models.RoleOfficer, county), "义务教育阶段生活补助"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, f := setup()
			for _, s := range c.settings {
				s.ProgramCode = code
				f.settings[key(s)] = s
			}
			names, err := svc.Names(c.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if names[code] != c.want {
				t.Fatalf("name %q, want %q", names[code], c.want)
			}
		})
	}
	if _, err := (&catalogue.Service{}).Names(context.Background()); err == nil {
		t.Fatal("names without a caller")
	}
}

func ptr[T any](v T) *T { return &v }
