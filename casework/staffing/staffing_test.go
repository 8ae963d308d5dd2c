package staffing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/staffing"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	countyA   = "371402000000"
	townshipA = "371402001000"
	villageA  = "371402001001"
	villageA2 = "371402001002"
	countyB   = "371403000000"
)

// now is the clock of every test.
var now = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func as(role models.Role, area string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: string(role) + "@" + area, Role: role, Area: area})
}

var (
	admin    = as(models.RoleAdmin, countyA)
	officer  = as(models.RoleOfficer, countyA)
	auditor  = as(models.RoleAuditor, countyA)
	stranger = as(models.RoleAdmin, countyB)
)

func day(y int, m time.Month, d int) models.Date {
	return models.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func ptr[T any](v T) *T { return &v }

// world returns an empty fake and the service over it, with the coordinator threshold.
func world(threshold int) (*fake, *staffing.Service) {
	f := newFake(models.DateOf(now))
	n := 0
	svc := staffing.NewWith(f, staffing.Config{Tree: division.Dezhou(), Rules: policy.DefaultConfig(), CoordinatorThreshold: threshold},
		func() time.Time { return now }, func() string { n++; return fmt.Sprintf("id%d", n) })
	return f, svc
}

func put(f *fake, id string, post models.StaffPost, area string, from models.Date, until *models.Date) {
	f.staff[id] = &models.StaffMember{ID: id, Name: "Staff " + id, Post: post, AreaCode: area, From: from, Until: until, Version: 1}
}

// wantErr checks err against the sentinel want (nil for success) and, for field errors,
// the field named.
func wantErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var fe *models.FieldError
	if field != "" && (!errors.As(err, &fe) || fe.Field != field) {
		t.Fatalf("error %v does not name %s", err, field)
	}
}

func TestCreateStaff(t *testing.T) {
	input := func(post models.StaffPost, area string, from models.Date, until *models.Date) models.StaffInput {
		return models.StaffInput{Name: " Wang ", Post: post, Area: area, Phone: ptr("0534-2612345"), From: from, Until: until}
	}
	tests := []struct {
		name  string
		ctx   context.Context
		in    models.StaffInput
		want  error
		field string
	}{
		{"admin registers an assistant", admin, input(models.PostVillageAssistant, villageA2, day(2025, 1, 1), nil), nil, ""},
		{"officer may not", officer, input(models.PostVillageAssistant, villageA2, day(2025, 1, 1), nil), models.ErrForbidden, ""},
		{"auditor may not", auditor, input(models.PostVillageAssistant, villageA2, day(2025, 1, 1), nil), models.ErrForbidden, ""},
		{"area outside the caller's", stranger, input(models.PostVillageAssistant, villageA2, day(2025, 1, 1), nil), models.ErrForbidden, ""},
		{"post at the wrong level", admin, input(models.PostVillageAssistant, townshipA, day(2025, 1, 1), nil), models.ErrInvalid, "input.post"},
		{"unknown area", admin, input(models.PostSocialWorker, "999999999999", day(2025, 1, 1), nil), models.ErrInvalid, "input.area"},
		{"no first day", admin, input(models.PostSocialWorker, townshipA, models.Date{}, nil), models.ErrInvalid, "input.from"},
		{"until before from", admin, input(models.PostSocialWorker, townshipA, day(2025, 1, 1), ptr(day(2024, 1, 1))), models.ErrInvalid, "input.until"},
		// P6: one assistant per village; villageA has one in post since 2020.
		{"second assistant overlapping (P6)", admin, input(models.PostVillageAssistant, villageA, day(2025, 1, 1), nil), models.ErrConflict, ""},
		{"assistant before the other's post", admin, input(models.PostVillageAssistant, villageA, day(2018, 1, 1), ptr(day(2019, 12, 31))), nil, ""},
		{"coordinators may be several", admin, input(models.PostVillageCoordinator, villageA, day(2025, 1, 1), nil), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			put(f, "a1", models.PostVillageAssistant, villageA, day(2020, 1, 1), nil)
			m, err := svc.CreateStaff(tt.ctx, tt.in)
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if len(f.staff) != 1 || len(f.audits) != 0 {
					t.Errorf("a refused registration wrote %d staff, audits %v", len(f.staff)-1, f.audits)
				}
				return
			}
			if got := f.staff[m.ID]; got == nil || got.Name != "Wang" || got.AreaCode != tt.in.Area {
				t.Errorf("stored %+v", got)
			}
			if !slices.Equal(f.audits, []string{"createStaff"}) {
				t.Errorf("audits %v", f.audits)
			}
		})
	}
}

func TestCreateStaffPhone(t *testing.T) {
	tests := []struct {
		phone string
		want  error
	}{
		{"0534-2612345", nil},
		{"+86 138 0000 0000", nil},
		{"call me", models.ErrInvalid},
		{"123", models.ErrInvalid},
		{"138****5678", models.ErrInvalid}, // a masked value is refused
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			_, svc := world(policy.DefaultCoordinatorThreshold)
			_, err := svc.CreateStaff(admin, models.StaffInput{Name: "Li", Post: models.PostSocialWorker, Area: townshipA, Phone: &tt.phone, From: day(2025, 1, 1)})
			wantErr(t, err, tt.want, map[bool]string{true: "input.phone"}[tt.want != nil])
		})
	}
}

func TestUpdateAndEndStaff(t *testing.T) {
	tests := []struct {
		name  string
		run   func(*staffing.Service) (*models.StaffMember, error)
		want  error
		field string
		audit string
	}{
		{"move a coordinator", func(s *staffing.Service) (*models.StaffMember, error) {
			return s.UpdateStaff(admin, "c1", models.StaffPatch{Area: ptr(villageA2)})
		}, nil, "", "updateStaff"},
		{"make the coordinator a second assistant (P6)", func(s *staffing.Service) (*models.StaffMember, error) {
			return s.UpdateStaff(admin, "c1", models.StaffPatch{Post: ptr(models.PostVillageAssistant)})
		}, models.ErrConflict, "", ""},
		{"outside the caller's area", func(s *staffing.Service) (*models.StaffMember, error) {
			return s.UpdateStaff(stranger, "c1", models.StaffPatch{Name: ptr("X")})
		}, models.ErrNotFound, "", ""},
		{"end today", func(s *staffing.Service) (*models.StaffMember, error) { return s.EndStaff(admin, "c1", nil) }, nil, "", "endStaff"},
		{"end before the first day", func(s *staffing.Service) (*models.StaffMember, error) {
			return s.EndStaff(admin, "c1", ptr(day(2019, 1, 1)))
		}, models.ErrInvalid, "until", ""},
		{"end an ended post", func(s *staffing.Service) (*models.StaffMember, error) {
			return s.EndStaff(admin, "e1", ptr(day(2025, 6, 1)))
		}, models.ErrConflict, "", ""},
		{"officer may not end", func(s *staffing.Service) (*models.StaffMember, error) { return s.EndStaff(officer, "c1", nil) }, models.ErrForbidden, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			put(f, "a1", models.PostVillageAssistant, villageA, day(2020, 1, 1), nil)
			put(f, "c1", models.PostVillageCoordinator, villageA, day(2020, 1, 1), nil)
			put(f, "e1", models.PostVillageCoordinator, villageA, day(2020, 1, 1), ptr(day(2024, 1, 1)))
			m, err := tt.run(svc)
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if len(f.audits) != 0 || f.staff["c1"].Version != 1 {
					t.Errorf("a refused change wrote: audits %v, version %d", f.audits, f.staff["c1"].Version)
				}
				return
			}
			if m.Version != 2 || *f.staff[m.ID] != *m || !slices.Equal(f.audits, []string{tt.audit}) {
				t.Errorf("stored %+v, returned %+v, audits %v", f.staff[m.ID], m, f.audits)
			}
			if tt.audit == "endStaff" && (m.Until == nil || *m.Until != models.DateOf(now) || svc.Active(m) != true) {
				t.Errorf("ended %+v: until today, still in post today", m)
			}
		})
	}
}

// TestTodayIsDezhous pins the day of the service's clock to Dezhou's (UTC+8), whatever the
// clock's location: from 16:00 UTC it is already the next day there, so a post ended
// "today" without a date ends on Dezhou's date, and a post ended the day before is no
// longer held.
func TestTodayIsDezhous(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want models.Date
	}{
		{"UTC afternoon, same day in Dezhou", time.Date(2026, 3, 15, 15, 59, 59, 0, time.UTC), day(2026, 3, 15)},
		{"UTC evening, next day in Dezhou", time.Date(2026, 3, 15, 16, 0, 0, 0, time.UTC), day(2026, 3, 16)},
		{"a clock in UTC-8", time.Date(2026, 3, 15, 9, 0, 0, 0, time.FixedZone("PST", -8*3600)), day(2026, 3, 16)},
		{"last day of the year in UTC", time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC), day(2027, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.want)
			svc := staffing.NewWith(f, staffing.Config{Tree: division.Dezhou(), Rules: policy.DefaultConfig(), CoordinatorThreshold: policy.DefaultCoordinatorThreshold},
				func() time.Time { return tt.at }, func() string { return "id1" })
			put(f, "c1", models.PostVillageCoordinator, villageA, day(2020, 1, 1), nil)
			put(f, "y1", models.PostVillageCoordinator, villageA2, day(2020, 1, 1), ptr(models.DateOf(tt.want.AddDate(0, 0, -1))))
			m, err := svc.EndStaff(admin, "c1", nil)
			if err != nil {
				t.Fatal(err)
			}
			if *m.Until != tt.want || !svc.Active(m) {
				t.Errorf("ended on %s (in post: %v), want %s and still in post", m.Until, svc.Active(m), tt.want)
			}
			if svc.Active(f.staff["y1"]) {
				t.Errorf("a post ended on %s is still held on %s", f.staff["y1"].Until, tt.want)
			}
		})
	}
}

func TestSetPopulation(t *testing.T) {
	tests := []struct {
		name  string
		ctx   context.Context
		code  string
		pop   *int
		want  error
		field string
	}{
		{"set", admin, townshipA, ptr(42_000), nil, ""},
		{"clear", admin, townshipA, nil, nil, ""},
		{"officer may not", officer, townshipA, ptr(1), models.ErrForbidden, ""},
		{"outside", stranger, townshipA, ptr(1), models.ErrForbidden, ""},
		{"a village", admin, villageA, ptr(1), models.ErrInvalid, "code"},
		{"negative", admin, townshipA, ptr(-1), models.ErrInvalid, "population"},
		{"implausible", admin, townshipA, ptr(staffing.MaxPopulation + 1), models.ErrInvalid, "population"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			f.populations[townshipA] = 10
			j, err := svc.SetPopulation(tt.ctx, tt.code, tt.pop)
			wantErr(t, err, tt.want, tt.field)
			got, known := f.populations[townshipA]
			if tt.want != nil {
				if got != 10 || len(f.audits) != 0 {
					t.Errorf("a refused change wrote population %d, audits %v", got, f.audits)
				}
				return
			}
			if (tt.pop == nil) == known || (tt.pop != nil && got != *tt.pop) || j.Population != tt.pop || !slices.Equal(f.audits, []string{"setPopulation"}) {
				t.Errorf("population %d (known %v), returned %+v, audits %v", got, known, j, f.audits)
			}
		})
	}
}

// TestStaffingReportCoordinators checks the consequence of P6's coordinator threshold: a
// village reaching the threshold needs two coordinators, one under it needs one.
func TestStaffingReportCoordinators(t *testing.T) {
	tests := []struct {
		name         string
		threshold    int
		recipients   int
		coordinators int
		wantShort    bool
		wantRequired int
	}{
		{"under the threshold, one coordinator", 100, 99, 1, false, 1},
		{"at the threshold, one coordinator", 100, 100, 1, true, 2},
		{"at the threshold, two coordinators", 100, 100, 2, false, 2},
		{"a lower threshold configured", 50, 60, 1, true, 2},
		{"no coordinator at all", 100, 0, 0, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(tt.threshold)
			put(f, "a1", models.PostVillageAssistant, villageA, day(2020, 1, 1), nil)
			for i := range tt.coordinators {
				put(f, fmt.Sprintf("c%d", i), models.PostVillageCoordinator, villageA, day(2020, 1, 1), nil)
			}
			// A coordinator whose post ended is not counted.
			put(f, "gone", models.PostVillageCoordinator, villageA, day(2020, 1, 1), ptr(day(2025, 1, 1)))
			f.recipients[villageA] = tt.recipients
			rep, err := svc.StaffingReport(officer, ptr(townshipA))
			if err != nil {
				t.Fatal(err)
			}
			var v *models.VillageStaffing
			for _, s := range rep.VillagesShort {
				if s.Village.Code == villageA {
					v = s
				}
			}
			if (v != nil) != tt.wantShort {
				t.Fatalf("village listed short: %v, want %v", v != nil, tt.wantShort)
			}
			if v != nil && (v.RequiredCoordinators != tt.wantRequired || v.Coordinators != tt.coordinators || v.ActiveRecipients != tt.recipients || v.Assistants != 1) {
				t.Errorf("village row %+v", v)
			}
			if len(rep.Townships) != 1 || rep.Townships[0].Township.Code != townshipA {
				t.Fatalf("townships %+v", rep.Townships)
			}
		})
	}
}

// TestStaffingReportTownships checks P6's ratios of a township: 3 civil-affairs staff
// under 50,000 people, 5 from 50,000 on, 3 social workers, and no compliance with an
// unknown population.
func TestStaffingReportTownships(t *testing.T) {
	tests := []struct {
		name          string
		population    *int
		civil, social int
		wantRequired  *int
		wantOwnShort  int
	}{
		{"small township fully staffed", ptr(20_000), 3, 3, ptr(3), 0},
		{"large township short of two", ptr(60_000), 3, 3, ptr(5), 2},
		{"social workers missing", ptr(20_000), 3, 1, ptr(3), 2},
		{"unknown population", nil, 3, 3, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			if tt.population != nil {
				f.populations[townshipA] = *tt.population
			}
			for i := range tt.civil {
				put(f, fmt.Sprintf("s%d", i), models.PostCivilAffairsStaff, townshipA, day(2020, 1, 1), nil)
			}
			for i := range tt.social {
				put(f, fmt.Sprintf("w%d", i), models.PostSocialWorker, townshipA, day(2020, 1, 1), nil)
			}
			rep, err := svc.StaffingReport(auditor, ptr(townshipA))
			if err != nil {
				t.Fatal(err)
			}
			row := rep.Townships[0]
			villages := len(division.Dezhou().Within(townshipA, models.LevelVillage))
			// Every village lacks its assistant and its coordinator.
			wantShort := tt.wantOwnShort + 2*villages
			if row.CivilAffairsStaff != tt.civil || row.SocialWorkers != tt.social || row.Shortfall != wantShort ||
				row.PopulationKnown != (tt.population != nil) || row.Compliant ||
				(tt.wantRequired == nil) != (row.RequiredCivilAffairsStaff == nil) ||
				(tt.wantRequired != nil && *row.RequiredCivilAffairsStaff != *tt.wantRequired) {
				t.Errorf("row %+v, want shortfall %d", row, wantShort)
			}
			if rep.Total.Shortfall != wantShort || rep.Total.VillagesWithoutAssistant != villages {
				t.Errorf("total %+v", rep.Total)
			}
		})
	}
}

func TestStaffingReportRefused(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"assistant", as(models.RoleAssistant, villageA), models.ErrForbidden},
		{"integrator", as(models.RoleIntegrator, countyA), models.ErrForbidden},
		{"no caller", context.Background(), models.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, svc := world(policy.DefaultCoordinatorThreshold)
			_, err := svc.StaffingReport(tt.ctx, nil)
			wantErr(t, err, tt.want, "")
			_, err = svc.Staff(tt.ctx, store.StaffQuery{})
			wantErr(t, err, tt.want, "")
		})
	}
}

func TestStaffFilterPost(t *testing.T) {
	f, svc := world(policy.DefaultCoordinatorThreshold)
	put(f, "a1", models.PostVillageAssistant, villageA, day(2020, 1, 1), nil)
	put(f, "c1", models.PostVillageCoordinator, villageA, day(2020, 1, 1), nil)
	page, err := svc.Staff(officer, store.StaffQuery{Post: ptr(models.PostVillageCoordinator)})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "c1" {
		t.Fatalf("post shorthand: %+v, %v", page, err)
	}
	_, err = svc.Staff(officer, store.StaffQuery{Post: ptr(models.PostVillageCoordinator), Filter: &models.StaffFilter{Post: ptr(models.PostVillageAssistant)}})
	wantErr(t, err, models.ErrInvalid, "post")
	_, err = svc.Staff(officer, store.StaffQuery{Filter: &models.StaffFilter{Post: ptr(models.StaffPost("BOSS"))}})
	wantErr(t, err, models.ErrInvalid, "filter.post")
}

func TestPhoneOf(t *testing.T) {
	m := &models.StaffMember{ID: "c1", AreaCode: villageA, Phone: ptr("13812345678")}
	tests := []struct {
		name      string
		ctx       context.Context
		reveal    bool
		want      error
		wantPhone string
		audited   bool
	}{
		{"masked without reveal", auditor, false, nil, "1381***5678", false},
		{"admin reveals", admin, true, nil, "13812345678", true},
		{"officer reveals", officer, true, nil, "13812345678", true},
		{"auditor may not reveal", auditor, true, models.ErrForbidden, "", false},
		{"outside the area", stranger, true, models.ErrForbidden, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			got, err := svc.PhoneOf(tt.ctx, m, tt.reveal)
			wantErr(t, err, tt.want, "")
			if tt.want == nil && (got == nil || *got != tt.wantPhone) {
				t.Errorf("phone %v, want %s", got, tt.wantPhone)
			}
			if audited := slices.Equal(f.audits, []string{"revealPhone"}); audited != tt.audited {
				t.Errorf("audits %v", f.audits)
			}
		})
	}
}

func TestSetDibaoStandard(t *testing.T) {
	line, known := policy.DefaultConfig().PovertyLine(2026)
	if !known {
		t.Fatal("the default policy has no poverty line for 2026")
	}
	tests := []struct {
		name         string
		ctx          context.Context
		county       string
		year         int
		urban, rural models.Money
		want         error
		field        string
	}{
		{"admin sets", admin, countyA, 2026, 90000, 65000, nil, ""},
		{"officer may not", officer, countyA, 2026, 90000, 65000, models.ErrForbidden, ""},
		{"another county", stranger, countyA, 2026, 90000, 65000, models.ErrForbidden, ""},
		{"not a county", admin, townshipA, 2026, 90000, 65000, models.ErrInvalid, "county"},
		{"year out of range", admin, countyA, 1999, 90000, 65000, models.ErrInvalid, "year"},
		{"urban not positive", admin, countyA, 2026, 0, 65000, models.ErrInvalid, "urban"},
		{"rural too large", admin, countyA, 2026, 90000, staffing.MaxStandard + 1, models.ErrInvalid, "rural"},
		{"rural at the poverty line (P12)", admin, countyA, 2026, 90000, line, models.ErrInvalid, "rural"},
		{"rural just above the line (P12)", admin, countyA, 2026, 90000, line + 1, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world(policy.DefaultCoordinatorThreshold)
			got, err := svc.SetDibaoStandard(tt.ctx, tt.county, tt.year, tt.urban, tt.rural)
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if len(f.standards) != 0 || len(f.audits) != 0 {
					t.Errorf("a refused standard wrote %v, audits %v", f.standards, f.audits)
				}
				return
			}
			if got.Rural != tt.rural || len(f.standards) != 1 || !slices.Equal(f.audits, []string{"setDibaoStandard"}) {
				t.Errorf("standard %+v, stored %v, audits %v", got, f.standards, f.audits)
			}
			list, err := svc.DibaoStandards(admin, nil, &tt.year)
			if err != nil || len(list) != 1 || list[0].Urban != tt.urban {
				t.Errorf("standards read back %v, %v", list, err)
			}
		})
	}
}
