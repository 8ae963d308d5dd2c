package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"jiuzhu/casework/staffing"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

func day(y int, m time.Month, d int) models.Date { return models.NewDate(y, m, d) }

// staffIn registers a staff member as the city admin and fails the test on error.
func staffIn(t *testing.T, st *store.Store, area string, post models.StaffPost, from models.Date, until *models.Date) *models.StaffMember {
	t.Helper()
	m, err := staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "张卫东", Post: post, Area: area, Phone: ptr("0534-2612345"), From: from, Until: until})
	if err != nil {
		t.Fatalf("create %s in %s: %v", post, area, err)
	}
	return m
}

func wantErr(t *testing.T, err, sentinel error, field string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if field != "" {
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Fatalf("error %v does not name field %q", err, field)
		}
	}
}

func TestCreateStaffRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ok := models.StaffInput{Name: "刘海燕", Post: models.PostSocialWorker, Area: townshipA1, From: day(2024, 3, 1)}
		with := func(f func(*models.StaffInput)) models.StaffInput { in := ok; f(&in); return in }
		tests := []struct {
			name     string
			ctx      context.Context
			in       models.StaffInput
			sentinel error
			field    string
		}{
			{"P6 township post at a township", admin(), ok, nil, ""},
			{"P6 village post at a village", storetest.As(models.RoleAdmin, townshipA1),
				with(func(in *models.StaffInput) { in.Post, in.Area = models.PostVillageCoordinator, villageA1 }), nil, ""},
			{"P6 township post at a village", admin(), with(func(in *models.StaffInput) { in.Area = villageA1 }), models.ErrInvalid, "input.post"},
			{"P6 village post at a township", admin(), with(func(in *models.StaffInput) { in.Post = models.PostVillageAssistant }), models.ErrInvalid, "input.post"},
			{"P6 township post at a county", admin(), with(func(in *models.StaffInput) { in.Area = countyA }), models.ErrInvalid, "input.post"},
			{"unknown post", admin(), with(func(in *models.StaffInput) { in.Post = "MAYOR" }), models.ErrInvalid, "input.post"},
			{"unknown area", admin(), with(func(in *models.StaffInput) { in.Area = unknownArea }), models.ErrInvalid, "input.area"},
			{"empty name", admin(), with(func(in *models.StaffInput) { in.Name = "  " }), models.ErrInvalid, "input.name"},
			{"bad phone", admin(), with(func(in *models.StaffInput) { in.Phone = ptr("call me") }), models.ErrInvalid, "input.phone"},
			{"no from date", admin(), with(func(in *models.StaffInput) { in.From = models.Date{} }), models.ErrInvalid, "input.from"},
			{"until before from", admin(), with(func(in *models.StaffInput) { in.Until = ptr(day(2024, 2, 1)) }), models.ErrInvalid, "input.until"},
			{"wrong tier: officer", storetest.As(models.RoleOfficer, cityArea), ok, models.ErrForbidden, ""},
			{"wrong tier: auditor", storetest.As(models.RoleAuditor, cityArea), ok, models.ErrForbidden, ""},
			{"wrong tier: assistant", storetest.As(models.RoleAssistant, villageA1), ok, models.ErrForbidden, ""},
			{"wrong area: admin of another township", storetest.As(models.RoleAdmin, townshipA2), ok, models.ErrForbidden, ""},
			{"wrong area: admin of another county", storetest.As(models.RoleAdmin, countyB), ok, models.ErrForbidden, ""},
			{"wrong area: admin of a village", storetest.As(models.RoleAdmin, villageA1), ok, models.ErrForbidden, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, _ := store.AuditOps(st)
				m, err := staffingCases(st).CreateStaff(tt.ctx, tt.in)
				after, _ := store.AuditOps(st)
				if tt.sentinel == nil {
					if err != nil {
						t.Fatal(err)
					}
					if len(after) != len(before)+1 || after[len(after)-1] != "createStaff" {
						t.Errorf("audit trail %v after %v", after, before)
					}
					got, err := staffingCases(st).StaffMember(admin(), m.ID)
					if err != nil || got.Name != tt.in.Name || got.AreaCode != tt.in.Area || got.Post != tt.in.Post {
						t.Errorf("read back %+v, %v", got, err)
					}
					return
				}
				wantErr(t, err, tt.sentinel, tt.field)
				if len(after) != len(before) {
					t.Errorf("a failed createStaff wrote to the audit trail")
				}
			})
		}
		page, err := staffingCases(st).Staff(admin(), store.StaffQuery{})
		if err != nil || len(page.Items) != 2 {
			t.Errorf("registry holds %d records after the failures, want 2 (%v)", len(page.Items), err)
		}
	})
}

func TestOneAssistantPerVillage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		first := staffIn(t, st, villageA1, models.PostVillageAssistant, day(2020, 1, 1), nil)
		in := models.StaffInput{Name: "孙立新", Post: models.PostVillageAssistant, Area: villageA1, From: day(2025, 1, 1)}
		_, err := staffingCases(st).CreateStaff(admin(), in)
		wantErr(t, err, models.ErrConflict, "")

		// An earlier period that ends before the first one begins does not overlap.
		early := in
		early.From, early.Until = day(2015, 1, 1), ptr(day(2019, 12, 31))
		if _, err := staffingCases(st).CreateStaff(admin(), early); err != nil {
			t.Fatalf("an assistant before the current one: %v", err)
		}
		// Nor does one that begins after the current one's post ends.
		if _, err := staffingCases(st).EndStaff(admin(), first.ID, ptr(day(2024, 12, 31))); err != nil {
			t.Fatal(err)
		}
		if _, err := staffingCases(st).CreateStaff(admin(), in); err != nil {
			t.Fatalf("a successor: %v", err)
		}
		// Reopening the ended post would overlap the successor.
		_, err = staffingCases(st).UpdateStaff(admin(), first.ID, models.StaffPatch{Until: ptr(day(2025, 6, 30))})
		wantErr(t, err, models.ErrConflict, "")
		// Moving a coordinator's record to the assistant post overlaps too.
		co := staffIn(t, st, villageA1, models.PostVillageCoordinator, day(2023, 1, 1), nil)
		_, err = staffingCases(st).UpdateStaff(admin(), co.ID, models.StaffPatch{Post: ptr(models.PostVillageAssistant)})
		wantErr(t, err, models.ErrConflict, "")
		// Another village is another matter.
		staffIn(t, st, villageA2, models.PostVillageAssistant, day(2025, 1, 1), nil)

		// Under concurrency exactly one of many simultaneous registrations wins, in each
		// of several villages.
		const n = 8
		villages := st.Tree().Within(townshipA1, models.LevelVillage)[2:8]
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([][]error, len(villages))
		for vi, v := range villages {
			errs[vi] = make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[vi][i] = staffingCases(st).CreateStaff(admin(), models.StaffInput{
						Name: fmt.Sprintf("助理员%d", i), Post: models.PostVillageAssistant, Area: v.Code, From: day(2025, 3, i+1),
					})
				}()
			}
		}
		close(start)
		wg.Wait()
		for vi, v := range villages {
			won := 0
			for _, err := range errs[vi] {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, models.ErrConflict):
					t.Errorf("concurrent registration: %v", err)
				}
			}
			page, err := staffingCases(st).Staff(admin(), store.StaffQuery{Area: ptr(v.Code)})
			if won != 1 || err != nil || len(page.Items) != 1 {
				t.Errorf("%s: %d registrations won and %d are stored (%v), want 1", v.Code, won, len(page.Items), err)
			}
		}
	})
}

func TestUpdateAndEndStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m := staffIn(t, st, townshipA1, models.PostCivilAffairsStaff, day(2022, 5, 1), nil)
		got, err := staffingCases(st).UpdateStaff(admin(), m.ID, models.StaffPatch{Name: ptr("张伟"), Phone: ptr("")})
		if err != nil || got.Name != "张伟" || got.Phone != nil || got.Version != 2 {
			t.Fatalf("update: %+v, %v", got, err)
		}
		_, err = staffingCases(st).UpdateStaff(admin(), m.ID, models.StaffPatch{Area: ptr(villageA1)})
		wantErr(t, err, models.ErrInvalid, "input.post")
		_, err = staffingCases(st).EndStaff(admin(), m.ID, ptr(day(2022, 4, 30)))
		wantErr(t, err, models.ErrInvalid, "until")
		ended, err := staffingCases(st).EndStaff(admin(), m.ID, nil)
		if err != nil || ended.Until == nil || *ended.Until != st.Staff().Today() {
			t.Fatalf("end today: %+v, %v", ended, err)
		}
		_, err = staffingCases(st).EndStaff(admin(), m.ID, nil)
		wantErr(t, err, models.ErrConflict, "")
		ops, _ := store.AuditOps(st)
		want := []string{"createStaff", "updateStaff", "endStaff"}
		if fmt.Sprint(ops) != fmt.Sprint(want) {
			t.Errorf("audit trail %v, want %v", ops, want)
		}
		// The last day in post is today: in post today, not tomorrow.
		active, inactive := true, false
		tomorrow := models.DateOf(st.Staff().Today().AddDate(0, 0, 1))
		for _, tt := range []struct {
			filter models.StaffFilter
			want   int
		}{
			{models.StaffFilter{Active: &active}, 1},
			{models.StaffFilter{Active: &inactive}, 0},
			{models.StaffFilter{ActiveOn: &tomorrow}, 0},
			{models.StaffFilter{ActiveOn: ptr(day(2023, 1, 1))}, 1},
			{models.StaffFilter{ActiveOn: ptr(day(2022, 4, 30))}, 0},
			{models.StaffFilter{Post: ptr(models.PostSocialWorker)}, 0},
			{models.StaffFilter{NameContains: ptr("伟")}, 1},
		} {
			page, err := staffingCases(st).Staff(admin(), store.StaffQuery{Filter: &tt.filter})
			if err != nil || len(page.Items) != tt.want {
				t.Errorf("filter %+v: %d, %v; want %d", tt.filter, len(page.Items), err, tt.want)
			}
		}
		_, err = staffingCases(st).Staff(admin(), store.StaffQuery{Post: ptr(models.PostSocialWorker), Filter: &models.StaffFilter{Post: ptr(models.PostCivilAffairsStaff)}})
		wantErr(t, err, models.ErrInvalid, "post")
	})
}

// TestStaffCrossArea checks every staff operation from the wrong area and the wrong tier:
// an id outside is NOT_FOUND and changes nothing, an area argument outside is FORBIDDEN.
func TestStaffCrossArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		inA1 := staffIn(t, st, villageA1, models.PostVillageCoordinator, day(2021, 1, 1), nil)
		inB := staffIn(t, st, villageB, models.PostVillageCoordinator, day(2021, 1, 1), nil)
		adminA2 := storetest.As(models.RoleAdmin, townshipA2)
		adminB := storetest.As(models.RoleAdmin, countyB)
		ops := []struct {
			name string
			run  func(ctx context.Context) error
		}{
			{"staffMember", func(ctx context.Context) error { _, err := staffingCases(st).StaffMember(ctx, inA1.ID); return err }},
			{"updateStaff", func(ctx context.Context) error {
				_, err := staffingCases(st).UpdateStaff(ctx, inA1.ID, models.StaffPatch{Name: ptr("改名")})
				return err
			}},
			{"endStaff", func(ctx context.Context) error { _, err := staffingCases(st).EndStaff(ctx, inA1.ID, nil); return err }},
		}
		if _, err := staffingCases(st).StaffMember(storetest.As(models.RoleAuditor, countyB), inA1.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("auditor of another county reads a staff member: %v", err)
		}
		for _, op := range ops {
			for _, ctx := range []context.Context{adminA2, adminB} {
				if err := op.run(ctx); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("%s from outside: %v, want not found", op.name, err)
				}
			}
		}
		got, err := staffingCases(st).StaffMember(admin(), inA1.ID)
		if err != nil || got.Version != 1 || got.Name != inA1.Name || got.Until != nil {
			t.Errorf("the record changed: %+v, %v", got, err)
		}
		if ops, _ := store.AuditOps(st); len(ops) != 2 {
			t.Errorf("audit trail %v after refused operations", ops)
		}
		// Moving a record of one's own area out of it is FORBIDDEN.
		_, err = staffingCases(st).UpdateStaff(storetest.As(models.RoleAdmin, countyB), inB.ID, models.StaffPatch{Area: ptr(villageA1)})
		wantErr(t, err, models.ErrForbidden, "")
		// Lists: an area outside is FORBIDDEN; the own area holds only its records.
		_, err = staffingCases(st).Staff(adminB, store.StaffQuery{Area: ptr(countyA)})
		wantErr(t, err, models.ErrForbidden, "")
		page, err := staffingCases(st).Staff(adminB, store.StaffQuery{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != inB.ID {
			t.Errorf("county B sees %+v, %v", page, err)
		}
		if n, _ := page.Count(); n != 1 {
			t.Errorf("county B counts %d", n)
		}
		// Wrong tier: roles that may not read the registry.
		for _, role := range []models.Role{models.RoleAssistant, models.RoleIntegrator} {
			ctx := storetest.As(role, cityArea)
			if _, err := staffingCases(st).Staff(ctx, store.StaffQuery{}); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s lists staff: %v", role, err)
			}
			if _, err := staffingCases(st).StaffMember(ctx, inA1.ID); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s reads a staff member: %v", role, err)
			}
		}
		for _, role := range []models.Role{models.RoleOfficer, models.RoleAuditor} {
			ctx := storetest.As(role, cityArea)
			if _, err := staffingCases(st).UpdateStaff(ctx, inA1.ID, models.StaffPatch{Name: ptr("x")}); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s updates staff: %v", role, err)
			}
			if _, err := staffingCases(st).EndStaff(ctx, inA1.ID, nil); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s ends staff: %v", role, err)
			}
		}
	})
}

func TestStaffKeysetPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		want := map[string]bool{}
		for _, v := range []string{villageA2, villageA1, "371402001002", villageB} {
			for range 3 {
				want[staffIn(t, st, v, models.PostVillageCoordinator, day(2024, 1, 1), nil).ID] = true
			}
		}
		seen := map[string]bool{}
		var after *string
		last := ""
		for pages := 0; ; pages++ {
			page, err := staffingCases(st).Staff(admin(), store.StaffQuery{PageArgs: store.PageArgs{First: ptr(5), After: after}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.Items {
				key := m.AreaCode + m.ID
				if seen[m.ID] || key <= last {
					t.Fatalf("%s repeated or out of order", m.ID)
				}
				seen[m.ID], last = true, key
			}
			if !page.HasNextPage {
				break
			}
			c := page.EndCursor()
			after = &c
		}
		if len(seen) != len(want) {
			t.Errorf("read %d of %d", len(seen), len(want))
		}
	})
}

func TestSetPopulation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tests := []struct {
			name       string
			ctx        context.Context
			code       string
			population *int
			sentinel   error
			field      string
		}{
			{"admin of the township", storetest.As(models.RoleAdmin, townshipA1), townshipA1, ptr(48_000), nil, ""},
			{"city admin, P6 boundary", admin(), townshipA1, ptr(50_000), nil, ""},
			{"county admin clears it", storetest.As(models.RoleAdmin, countyA), townshipA2, nil, nil, ""},
			{"negative", admin(), townshipA1, ptr(-1), models.ErrInvalid, "population"},
			{"implausible", admin(), townshipA1, ptr(staffing.MaxPopulation + 1), models.ErrInvalid, "population"},
			{"a county", admin(), countyA, ptr(10), models.ErrInvalid, "code"},
			{"a village", admin(), villageA1, ptr(10), models.ErrInvalid, "code"},
			{"unknown code", admin(), unknownArea, ptr(10), models.ErrInvalid, "code"},
			{"wrong area: another township", storetest.As(models.RoleAdmin, townshipA2), townshipA1, ptr(1), models.ErrForbidden, ""},
			{"wrong area: another county", storetest.As(models.RoleAdmin, countyB), townshipA1, ptr(1), models.ErrForbidden, ""},
			{"wrong area: a village below", storetest.As(models.RoleAdmin, villageA1), townshipA1, ptr(1), models.ErrForbidden, ""},
			{"wrong tier: officer", storetest.As(models.RoleOfficer, cityArea), townshipA1, ptr(1), models.ErrForbidden, ""},
			{"wrong tier: auditor", storetest.As(models.RoleAuditor, cityArea), townshipA1, ptr(1), models.ErrForbidden, ""},
		}
		want := map[string]*int{}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				j, err := staffingCases(st).SetPopulation(tt.ctx, tt.code, tt.population)
				if tt.sentinel != nil {
					wantErr(t, err, tt.sentinel, tt.field)
				} else if err != nil {
					t.Fatal(err)
				} else {
					want[tt.code] = tt.population
					if (j.Population == nil) != (tt.population == nil) || (j.Population != nil && *j.Population != *tt.population) {
						t.Errorf("returned population %v", j.Population)
					}
				}
			})
		}
		for code, p := range want {
			j, err := st.Jurisdictions().Get(admin(), scopeOf(admin()), code)
			if err != nil || (p == nil) != (j.Population == nil) || (p != nil && *p != *j.Population) {
				t.Errorf("%s population %v, want %v (%v)", code, j.Population, p, err)
			}
		}
		ops, _ := store.AuditOps(st)
		if len(ops) != 3 {
			t.Errorf("audit trail %v, want three setPopulation", ops)
		}
	})
}

// recipients seeds a household of n members in village with an ACTIVE (or the given)
// grant, without validation, and returns nothing: the report only counts.
func recipients(t *testing.T, st *store.Store, village string, n int, status models.GrantStatus) {
	t.Helper()
	seq++
	h := models.Household{ID: fmt.Sprintf("h-%s-%d", village, seq), AreaCode: village, Address: "测试", Version: 1}
	var ms []models.Member
	for i := range n {
		ms = append(ms, models.Member{
			ID: fmt.Sprintf("%s-m%d", h.ID, i), HouseholdID: h.ID, AreaCode: village, Name: "某",
			IDNumber: fmt.Sprintf("T%05d%012d", seq, i), Sex: models.SexMale, BirthDate: day(1970, 1, 1),
			Relation: models.RelationOther, LabourCapacity: models.LabourFull,
		})
	}
	g := models.Grant{ID: h.ID + "-g", HouseholdID: h.ID, AreaCode: village, ProgramCode: "RURAL_DIBAO",
		CategoryCode: "DIBAO", Status: status, Amount: models.Yuan(100), StartDate: day(2025, 1, 1), Version: 1, CreatedBy: "test"}
	if err := st.Setup().SeedUnscoped(context.Background(), []models.Household{h}, ms, []models.Grant{g}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestStaffingReportBoundaries builds two townships at the P6 boundaries by hand and
// checks every figure of the report against the clause.
func TestStaffingReportBoundaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := admin()
		threshold := policy.DefaultCoordinatorThreshold
		if _, err := staffingCases(st).SetPopulation(ctx, townshipA1, ptr(49_999)); err != nil {
			t.Fatal(err)
		}
		if _, err := staffingCases(st).SetPopulation(ctx, townshipA2, ptr(50_000)); err != nil {
			t.Fatal(err)
		}
		since := day(2020, 1, 1)
		for _, tw := range []string{townshipA1, townshipA2} {
			for range 3 {
				staffIn(t, st, tw, models.PostCivilAffairsStaff, since, nil)
				staffIn(t, st, tw, models.PostSocialWorker, since, nil)
			}
		}
		// A staff member whose post ended does not count.
		staffIn(t, st, townshipA2, models.PostCivilAffairsStaff, since, ptr(day(2021, 1, 1)))
		// Every village of A1 gets its assistant and one coordinator.
		villagesA1 := st.Tree().Within(townshipA1, models.LevelVillage)
		for _, v := range villagesA1 {
			staffIn(t, st, v.Code, models.PostVillageAssistant, since, nil)
			staffIn(t, st, v.Code, models.PostVillageCoordinator, since, nil)
		}
		// Village 1 is one recipient under the threshold, village 2 at it; only active
		// and grace grants count.
		v1, v2 := villagesA1[0].Code, villagesA1[1].Code
		recipients(t, st, v1, threshold-2, models.GrantActive)
		recipients(t, st, v1, 1, models.GrantGrace)
		recipients(t, st, v1, 5, models.GrantSuspended)
		recipients(t, st, v2, threshold, models.GrantActive)

		rep, err := staffingCases(st).StaffingReport(ctx, ptr(countyA))
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]*models.TownshipStaffing{}
		for _, r := range rep.Townships {
			rows[r.Township.Code] = r
		}
		a1, a2 := rows[townshipA1], rows[townshipA2]
		if a1 == nil || a2 == nil || len(rep.Townships) != len(st.Tree().Within(countyA, models.LevelTownship)) {
			t.Fatalf("townships of the county: %d", len(rep.Townships))
		}
		// A1: 49,999 needs 3 and has 3; only v2 lacks its second coordinator.
		if *a1.RequiredCivilAffairsStaff != 3 || a1.CivilAffairsStaff != 3 || a1.SocialWorkers != 3 ||
			a1.Villages != len(villagesA1) || a1.VillagesWithoutAssistant != 0 || a1.VillagesShortOfCoordinators != 1 ||
			a1.Shortfall != 1 || a1.Compliant {
			t.Errorf("township at 49,999: %+v", a1)
		}
		// A2: 50,000 needs 5 and has 3 in post; its villages have nobody.
		nA2 := len(st.Tree().Within(townshipA2, models.LevelVillage))
		if *a2.RequiredCivilAffairsStaff != 5 || a2.CivilAffairsStaff != 3 || a2.VillagesWithoutAssistant != nA2 ||
			a2.VillagesShortOfCoordinators != nA2 || a2.Shortfall != 2+2*nA2 || a2.Compliant {
			t.Errorf("township at 50,000: %+v", a2)
		}
		// A township with unknown population: never guessed, never compliant.
		for code, r := range rows {
			if code == townshipA1 || code == townshipA2 {
				continue
			}
			if r.PopulationKnown || r.Population != nil || r.RequiredCivilAffairsStaff != nil || r.Compliant ||
				r.Shortfall != 3+2*r.Villages {
				t.Errorf("township %s of unknown population: %+v", code, r)
			}
		}
		short := map[string]*models.VillageStaffing{}
		for _, v := range rep.VillagesShort {
			short[v.Village.Code] = v
		}
		if _, ok := short[v1]; ok {
			t.Errorf("village at threshold-1 is listed short: %+v", short[v1])
		}
		if v := short[v2]; v == nil || v.ActiveRecipients != threshold || v.RequiredCoordinators != 2 || v.Coordinators != 1 || v.Assistants != 1 {
			t.Errorf("village at the threshold: %+v", v)
		}
		if len(rep.Counties) != 1 || rep.Counties[0].Area.Code != countyA || rep.Total.Area.Code != countyA {
			t.Fatalf("counties %+v", rep.Counties)
		}
		tot := rep.Total
		if tot.Townships != len(rows) || tot.TownshipsWithUnknownPopulation != len(rows)-2 || tot.Population != nil ||
			tot.TownshipsCompliant != 0 || tot.CivilAffairsStaff != 6 || tot.SocialWorkers != 6 {
			t.Errorf("total %+v", tot)
		}
		sum := 0
		for _, r := range rep.Townships {
			sum += r.Shortfall
		}
		if tot.Shortfall != sum || rep.Counties[0].Shortfall != sum {
			t.Errorf("total shortfall %d, townships add up to %d", tot.Shortfall, sum)
		}

		// A township report with every population known has a population total.
		tr, err := staffingCases(st).StaffingReport(ctx, ptr(townshipA1))
		if err != nil || len(tr.Townships) != 1 || tr.Total.Population == nil || *tr.Total.Population != 49_999 {
			t.Fatalf("township report %+v, %v", tr.Total, err)
		}
		// A lower configured threshold makes village 1 short as well.
		lower := policy.DefaultConfig()
		lower.CoordinatorThreshold = threshold - 1
		tr, _ = staffing.New(st, lower).StaffingReport(ctx, ptr(townshipA1))
		if tr.Townships[0].VillagesShortOfCoordinators != 2 {
			t.Errorf("with threshold %d: %+v", threshold-1, tr.Townships[0])
		}
	})
}

// TestStaffingReportMatchesTheData compares the report of the whole seeded city, a county
// and a township with figures computed here from the generated records.
func TestStaffingReportMatchesTheData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tree := st.Tree()
		now := time.Now()
		ds := seed.Generate(tree, 600, now)
		sd := seed.Staffing(tree, now)
		bg := context.Background()
		if err := st.Setup().SeedUnscoped(bg, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
			t.Fatal(err)
		}
		if err := st.Setup().SeedStaffingUnscoped(bg, sd.Populations, sd.Staff); err != nil {
			t.Fatal(err)
		}
		today := st.Staff().Today()
		staff := map[string]map[models.StaffPost]int{}
		for _, m := range sd.Staff {
			if m.ActiveOn(today) {
				if staff[m.AreaCode] == nil {
					staff[m.AreaCode] = map[models.StaffPost]int{}
				}
				staff[m.AreaCode][m.Post]++
			}
		}
		served := map[string]bool{}
		for _, g := range ds.Grants {
			if g.Status == models.GrantActive || g.Status == models.GrantGrace {
				served[g.HouseholdID] = true
			}
		}
		recips := map[string]int{}
		for _, m := range ds.Members {
			if served[m.HouseholdID] {
				recips[m.AreaCode]++
			}
		}
		for _, area := range []string{cityArea, countyA, townshipA1} {
			rep, err := staffingCases(st).StaffingReport(admin(), ptr(area))
			if err != nil {
				t.Fatal(err)
			}
			townships := tree.Within(area, models.LevelTownship)
			if len(rep.Townships) != len(townships) {
				t.Fatalf("%s: %d townships, want %d", area, len(rep.Townships), len(townships))
			}
			var want models.StaffingTotals
			pop := 0
			for i, u := range townships {
				row := rep.Townships[i]
				p := sd.Populations[u.Code]
				pop += p
				w := models.TownshipStaffing{
					CivilAffairsStaff: staff[u.Code][models.PostCivilAffairsStaff],
					SocialWorkers:     staff[u.Code][models.PostSocialWorker],
				}
				w.Shortfall = max(0, policy.RequiredCivilAffairsStaff(p)-w.CivilAffairsStaff) + max(0, 3-w.SocialWorkers)
				for _, v := range tree.Within(u.Code, models.LevelVillage) {
					w.Villages++
					a, c := staff[v.Code][models.PostVillageAssistant], staff[v.Code][models.PostVillageCoordinator]
					need := 1
					if recips[v.Code] >= 100 {
						need = 2
					}
					if a < 1 {
						w.VillagesWithoutAssistant++
						w.Shortfall++
					}
					if c < need {
						w.VillagesShortOfCoordinators++
						w.Shortfall += need - c
					}
				}
				if row.Township.Code != u.Code || row.Population == nil || *row.Population != p ||
					row.CivilAffairsStaff != w.CivilAffairsStaff || row.SocialWorkers != w.SocialWorkers ||
					row.Villages != w.Villages || row.VillagesWithoutAssistant != w.VillagesWithoutAssistant ||
					row.VillagesShortOfCoordinators != w.VillagesShortOfCoordinators || row.Shortfall != w.Shortfall ||
					row.Compliant != (w.Shortfall == 0) || row.County.Code != u.Code[:6]+"000000" {
					t.Errorf("%s: report %+v, computed %+v", u.Code, row, w)
				}
				want.Shortfall += w.Shortfall
				want.Villages += w.Villages
				want.VillagesWithoutAssistant += w.VillagesWithoutAssistant
			}
			tot := rep.Total
			if tot.Population == nil || *tot.Population != pop || tot.Shortfall != want.Shortfall ||
				tot.Villages != want.Villages || tot.VillagesWithoutAssistant != want.VillagesWithoutAssistant {
				t.Errorf("%s: total %+v, computed %+v population %d", area, tot, want, pop)
			}
			countySum := 0
			for _, c := range rep.Counties {
				countySum += c.Shortfall
			}
			if countySum != tot.Shortfall {
				t.Errorf("%s: counties add up to %d, total %d", area, countySum, tot.Shortfall)
			}
		}
		city, _ := staffingCases(st).StaffingReport(admin(), nil)
		if len(city.Counties) != 12 || city.Total.Villages != 5307 || len(city.Townships) != 135 {
			t.Errorf("city: %d counties, %d villages, %d townships", len(city.Counties), city.Total.Villages, len(city.Townships))
		}
		if city.Total.TownshipsCompliant == 0 || city.Total.TownshipsCompliant == 135 || len(city.VillagesShort) == 0 {
			t.Errorf("the demo registry should leave some townships short and others compliant: %+v", city.Total)
		}
	})
}

// TestStaffingReportStatements shows that the report costs the same fixed number of SQL
// statements for one township as for the whole city.
func TestStaffingReportStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		sd := seed.Staffing(st.Tree(), time.Now())
		if err := st.Setup().SeedStaffingUnscoped(context.Background(), sd.Populations, sd.Staff); err != nil {
			t.Fatal(err)
		}
		household(t, st, villageA1)
		n := store.CountStatements(st)
		counts := map[string]int64{}
		for _, area := range []string{townshipA1, countyA, cityArea} {
			before := n.Load()
			if _, err := staffingCases(st).StaffingReport(admin(), ptr(area)); err != nil {
				t.Fatal(err)
			}
			counts[area] = n.Load() - before
		}
		if counts[townshipA1] != 3 || counts[countyA] != 3 || counts[cityArea] != 3 {
			t.Errorf("statements per report: %v, want 3 for each", counts)
		}
	})
}

func TestStaffingReportScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		staffIn(t, st, townshipA1, models.PostSocialWorker, day(2020, 1, 1), nil)
		staffIn(t, st, villageB, models.PostVillageAssistant, day(2020, 1, 1), nil)
		tests := []struct {
			name     string
			ctx      context.Context
			area     *string
			sentinel error
			field    string
		}{
			{"county officer, own county", storetest.As(models.RoleOfficer, countyA), nil, nil, ""},
			{"auditor, a township below", storetest.As(models.RoleAuditor, countyA), ptr(townshipA1), nil, ""},
			{"township admin, own village", storetest.As(models.RoleAdmin, townshipA1), ptr(villageA1), nil, ""},
			{"wrong area: sibling county", storetest.As(models.RoleOfficer, countyB), ptr(countyA), models.ErrForbidden, ""},
			{"wrong area: the city from a county", storetest.As(models.RoleAdmin, countyA), ptr(cityArea), models.ErrForbidden, ""},
			{"wrong area: sibling township", storetest.As(models.RoleOfficer, townshipA2), ptr(townshipA1), models.ErrForbidden, ""},
			{"unknown area", admin(), ptr(unknownArea), models.ErrInvalid, "area"},
			{"wrong tier: assistant", storetest.As(models.RoleAssistant, villageA1), nil, models.ErrForbidden, ""},
			{"wrong tier: integrator", storetest.As(models.RoleIntegrator, cityArea, "DIBAO"), nil, models.ErrForbidden, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := staffingCases(st).StaffingReport(tt.ctx, tt.area)
				if tt.sentinel != nil {
					wantErr(t, err, tt.sentinel, tt.field)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rep.Townships {
					if !division.Contains(rep.Area.Code, r.Township.Code) {
						t.Errorf("township %s outside %s", r.Township.Code, rep.Area.Code)
					}
				}
				for _, v := range rep.VillagesShort {
					if !division.Contains(rep.Area.Code, v.Village.Code) {
						t.Errorf("village %s outside %s", v.Village.Code, rep.Area.Code)
					}
				}
			})
		}
		// County A sees its social worker and not county B's assistant.
		rep, _ := staffingCases(st).StaffingReport(storetest.As(models.RoleOfficer, countyA), nil)
		if rep.Total.SocialWorkers != 1 || rep.Total.VillagesWithoutAssistant != rep.Total.Villages {
			t.Errorf("county A totals %+v", rep.Total)
		}
		// A village report has no township rows but its village.
		rep, _ = staffingCases(st).StaffingReport(storetest.As(models.RoleAdmin, villageA1), nil)
		if len(rep.Townships) != 0 || rep.Total.Villages != 1 || len(rep.VillagesShort) != 1 || rep.Total.Population != nil {
			t.Errorf("village report %+v", rep.Total)
		}
	})
}
