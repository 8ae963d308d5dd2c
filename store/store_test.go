package store_test

import (
	"context"
	"errors"

	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// Areas of the tests: two townships of one county, and a township of a sibling county.
const (
	cityArea     = division.CityCode
	countyA      = "371402000000" // 德城区
	townshipA1   = "371402001000" // 新湖街道
	villageA1    = "371402001001"
	townshipA2   = "371402002000" // 新华街道
	villageA2    = "371402002012"
	countyB      = "371403000000" // 陵城区
	villageB     = "371403001003"
	unknownArea  = "371499999000"
	notACodeArea = "37140"
)

var seq int

// person returns a new valid ID number, unique within the test binary.
func person(birthYear int, male bool) string {
	seq++
	// The sequence code's parity is the sex (the 17th digit), so it stays even for a
	// woman and odd for a man however many numbers a run makes; the birth day varies
	// with every 500 numbers instead.
	s := (seq % 500) * 2
	if male {
		s++
	}
	return idnumber.Build("371402", time.Date(birthYear, time.Month(1+seq%12), 1+(seq+seq/500)%28, 0, 0, 0, 0, time.UTC), s)
}

func admin() context.Context { return storetest.As(models.RoleAdmin, cityArea) }

// standard sets the dibao standard of county for year as the city admin: 700.00 urban,
// 650.00 rural, above the provincial poverty line (P12).
func standard(t *testing.T, st *store.Store, county string, year int) {
	t.Helper()
	if _, err := staffingCases(st).SetDibaoStandard(admin(), county, year, models.Yuan(700), models.Yuan(650)); err != nil {
		t.Fatalf("dibao standard of %s for %d: %v", county, year, err)
	}
}

// household registers a household of two in village as the city admin, with one grant.
func household(t *testing.T, st *store.Store, village string) (*models.Household, *models.Grant) {
	t.Helper()
	ctx := admin()
	h, err := useCases(st).CreateHousehold(ctx, models.HouseholdInput{
		Village: village, Address: "测试路1号",
		Members: []*models.MemberInput{
			{Name: "王建国", IDNumber: person(1960, true), Relation: models.RelationHead, MonthlyIncome: ptr(models.Yuan(750))},
			{Name: "李秀英", IDNumber: person(1962, false), Relation: models.RelationSpouse},
		},
	})
	if err != nil {
		t.Fatalf("create household in %s: %v", village, err)
	}
	// The county's standard of 700.00 pays the two members, with 375.00 income each,
	// (700.00 − 375.00) × 2 = 650.00 (P18).
	if _, err := staffingCases(st).SetDibaoStandard(ctx, village[:6]+"000000", 2026, models.Yuan(700), models.Yuan(650)); err != nil {
		t.Fatalf("dibao standard for %s: %v", village, err)
	}
	g, err := grantCases(st).CreateGrant(ctx, models.GrantInput{
		HouseholdID: h.ID, ProgramCode: "URBAN_DIBAO", Amount: models.Yuan(650),
		StartDate: models.NewDate(2026, 1, 1),
	})
	if err != nil {
		t.Fatalf("create grant: %v", err)
	}
	return h, g
}

func TestMigrateIsIdempotentAndKeepsAdminData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := admin()
		if err := st.Setup().Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		progs, err := st.Catalogue().Programs(ctx, scopeOf(ctx))
		if err != nil || len(progs) != 24 {
			t.Fatalf("programs: %d, %v", len(progs), err)
		}
		cats, err := st.Catalogue().Categories(ctx, scopeOf(ctx))
		if err != nil || len(cats) != 10 {
			t.Fatalf("categories: %d, %v", len(cats), err)
		}
		levels := map[models.Level]int{models.LevelCounty: 12, models.LevelTownship: 135, models.LevelVillage: 5307}
		for level, want := range levels {
			l := level
			js, err := st.Jurisdictions().List(ctx, scopeOf(ctx), nil, &l)
			if err != nil || len(js) != want {
				t.Errorf("%s: %d units, want %d (%v)", level, len(js), want, err)
			}
		}
		v, err := st.Jurisdictions().Get(ctx, scopeOf(ctx), villageA1)
		if err != nil || v.Urban == nil || !*v.Urban || v.ParentCode == nil || *v.ParentCode != townshipA1 {
			t.Errorf("village %s = %+v, %v", villageA1, v, err)
		}
	})
}

func TestScopeOfReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		hA1, gA1 := household(t, st, villageA1)
		hA2, _ := household(t, st, villageA2)
		hB, gB := household(t, st, villageB)
		tests := []struct {
			name    string
			role    models.Role
			area    string
			visible []*models.Household
			hidden  []*models.Household
		}{
			{"city admin sees all", models.RoleAdmin, cityArea, []*models.Household{hA1, hA2, hB}, nil},
			{"county officer sees its county", models.RoleOfficer, countyA, []*models.Household{hA1, hA2}, []*models.Household{hB}},
			{"township officer sees its township", models.RoleOfficer, townshipA1, []*models.Household{hA1}, []*models.Household{hA2, hB}},
			{"village assistant sees its village", models.RoleAssistant, villageA1, []*models.Household{hA1}, []*models.Household{hA2, hB}},
			{"wrong county sees only its own", models.RoleOfficer, countyB, []*models.Household{hB}, []*models.Household{hA1, hA2}},
			{"empty village sees nothing", models.RoleAssistant, "371402001002", nil, []*models.Household{hA1, hA2, hB}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := storetest.As(tt.role, tt.area)
				page, err := useCases(st).Households(ctx, store.HouseholdQuery{})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != len(tt.visible) {
					t.Errorf("list holds %d households, want %d", len(page.Items), len(tt.visible))
				}
				if n, err := page.Count(); err != nil || n != len(tt.visible) {
					t.Errorf("count = %d, %v, want %d", n, err, len(tt.visible))
				}
				for _, h := range tt.visible {
					if _, err := useCases(st).Household(ctx, h.ID); err != nil {
						t.Errorf("household in %s: %v", h.AreaCode, err)
					}
					if ms, err := useCases(st).MembersOf(ctx, h.ID); err != nil || len(ms) != 2 {
						t.Errorf("members of visible household: %d, %v", len(ms), err)
					}
				}
				for _, h := range tt.hidden {
					if _, err := useCases(st).Household(ctx, h.ID); !errors.Is(err, models.ErrNotFound) {
						t.Errorf("household in %s: err %v, want not found", h.AreaCode, err)
					}
					if ms, _ := useCases(st).MembersOf(ctx, h.ID); len(ms) != 0 {
						t.Errorf("members of hidden household leak: %d", len(ms))
					}
					if gs, _ := grantCases(st).GrantsOf(ctx, h.ID); len(gs) != 0 {
						t.Errorf("grants of hidden household leak: %d", len(gs))
					}
					if head, _ := useCases(st).HeadOf(ctx, h.ID); head != nil {
						t.Error("head of hidden household leaks")
					}
				}
			})
		}
		// Grants, members and events by id, from a sibling county.
		ctx := storetest.As(models.RoleOfficer, countyB)
		if _, err := grantCases(st).Grant(ctx, gA1.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("grant of another county: %v", err)
		}
		if es, _ := grantCases(st).Events(ctx, gA1.ID); len(es) != 0 {
			t.Errorf("events of another county's grant leak: %d", len(es))
		}
		if es, err := grantCases(st).Events(ctx, gB.ID); err != nil || len(es) != 1 || es[0].ToStatus != models.GrantActive {
			t.Errorf("events of own grant: %+v, %v", es, err)
		}
		msA, _ := useCases(st).MembersOf(admin(), hA1.ID)
		if _, err := useCases(st).Member(ctx, msA[0].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("member of another county: %v", err)
		}
		if _, err := useCases(st).MemberByIDNumber(ctx, msA[0].IDNumber); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("member by ID number of another county: %v", err)
		}
		if m, err := useCases(st).MemberByIDNumber(storetest.As(models.RoleAssistant, villageA1), msA[0].IDNumber); err != nil || m.ID != msA[0].ID {
			t.Errorf("member by ID number in own village: %v", err)
		}
		gp, err := grantCases(st).Grants(ctx, store.GrantQuery{})
		if err != nil || len(gp.Items) != 1 || gp.Items[0].ID != gB.ID {
			t.Errorf("grants of county B: %+v, %v", gp, err)
		}
	})
}

func TestAreaArgument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		household(t, st, villageA1)
		household(t, st, villageA2)
		ctx := storetest.As(models.RoleOfficer, countyA)
		tests := []struct {
			area    string
			want    error
			visible int
		}{
			{townshipA1, nil, 1},
			{villageA2, nil, 1},
			{countyA, nil, 2},
			{countyB, models.ErrForbidden, 0},
			{cityArea, models.ErrForbidden, 0},
			{unknownArea, models.ErrInvalid, 0},
			{notACodeArea, models.ErrInvalid, 0},
		}
		for _, tt := range tests {
			area := tt.area
			page, err := useCases(st).Households(ctx, store.HouseholdQuery{Area: &area})
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Errorf("area %s: err %v, want %v", tt.area, err, tt.want)
				}
				continue
			}
			if err != nil || len(page.Items) != tt.visible {
				t.Errorf("area %s: %d households, %v; want %d", tt.area, len(page.Items), err, tt.visible)
			}
		}
	})
}

func TestCreateHouseholdRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		existing, _ := household(t, st, villageB)
		ms, _ := useCases(st).MembersOf(admin(), existing.ID)
		taken := ms[0].IDNumber
		head := func(id string) *models.MemberInput {
			return &models.MemberInput{Name: "张伟", IDNumber: id, Relation: models.RelationHead}
		}
		badIncome := models.Money(-1)
		tests := []struct {
			name  string
			ctx   context.Context
			in    models.HouseholdInput
			want  error
			field string
		}{
			{"no members", admin(), models.HouseholdInput{Village: villageA1, Address: "x"}, models.ErrInvalid, "input.members"},
			{"two heads", admin(), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head(person(1970, true)), head(person(1971, false))}}, models.ErrInvalid, "input.members"},
			{"no head", admin(), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{{Name: "张伟", IDNumber: person(1970, true), Relation: models.RelationSpouse}}}, models.ErrInvalid, "input.members"},
			{"bad check char", admin(), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head("371402199001010018")}}, models.ErrInvalid, "input.members[0].idNumber"},
			{"empty address", admin(), models.HouseholdInput{Village: villageA1, Address: "  ", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrInvalid, "input.address"},
			{"township is not a village", admin(), models.HouseholdInput{Village: townshipA1, Address: "x", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrInvalid, "input.village"},
			{"unknown village", admin(), models.HouseholdInput{Village: "371402001999", Address: "x", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrInvalid, "input.village"},
			{"negative income", admin(), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{{Name: "张伟", IDNumber: person(1970, true), Relation: models.RelationHead, MonthlyIncome: &badIncome}}}, models.ErrInvalid, "input.members[0].monthlyIncome"},
			{"same person twice", admin(), func() models.HouseholdInput {
				id := person(1970, true)
				return models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head(id), {Name: "x", IDNumber: id, Relation: models.RelationChild}}}
			}(), models.ErrInvalid, "input.members[1].idNumber"},
			{"person registered elsewhere", storetest.As(models.RoleOfficer, countyA), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head(person(1970, true)), {Name: "x", IDNumber: taken, Relation: models.RelationChild}}}, models.ErrConflict, ""},
			{"village outside area", storetest.As(models.RoleOfficer, countyA), models.HouseholdInput{Village: villageB, Address: "x", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrForbidden, ""},
			{"auditor may not write", storetest.As(models.RoleAuditor, cityArea), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrForbidden, ""},
			{"no caller", context.Background(), models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{head(person(1970, true))}}, models.ErrUnauthenticated, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := useCases(st).CreateHousehold(tt.ctx, tt.in)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v, want %v", err, tt.want)
				}
				var fe *models.FieldError
				if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
					t.Errorf("field of %v, want %s", err, tt.field)
				}
				msg := models.PublicMessage(err)
				if errors.Is(err, models.ErrConflict) && strings.Contains(msg, villageB) || strings.Contains(msg, existing.ID) || strings.Contains(msg, "陵城") {
					t.Errorf("message %q discloses where the person is registered", msg)
				}
			})
		}
		page, err := useCases(st).Households(admin(), store.HouseholdQuery{})
		if err != nil || len(page.Items) != 1 {
			t.Errorf("failed creations wrote households: %d, %v", len(page.Items), err)
		}
	})
}

func TestMemberRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		hB, _ := household(t, st, villageB)
		officer := storetest.As(models.RoleOfficer, townshipA1)
		ms, _ := useCases(st).MembersOf(officer, h.ID)
		headM, spouse := ms[0], ms[1]
		if headM.Relation != models.RelationHead {
			t.Fatalf("members are not head first: %+v", ms)
		}
		if _, err := useCases(st).AddMember(officer, h.ID, models.MemberInput{Name: "王二", IDNumber: person(2000, true), Relation: models.RelationHead}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("second head: %v", err)
		}
		child, err := useCases(st).AddMember(officer, h.ID, models.MemberInput{Name: "王小明", IDNumber: person(2015, true), Relation: models.RelationChild})
		if err != nil {
			t.Fatal(err)
		}
		if child.LabourCapacity != models.LabourNone || child.Sex != models.SexMale || child.BirthDate.Year() != 2015 {
			t.Errorf("derived fields of a child: %+v", child)
		}
		msB, _ := useCases(st).MembersOf(admin(), hB.ID)
		if _, err := useCases(st).AddMember(officer, h.ID, models.MemberInput{Name: "x", IDNumber: msB[0].IDNumber, Relation: models.RelationOther}); !errors.Is(err, models.ErrConflict) {
			t.Errorf("adding a person of another household: %v", err)
		}
		if _, err := useCases(st).AddMember(officer, hB.ID, models.MemberInput{Name: "x", IDNumber: person(1990, true), Relation: models.RelationOther}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("adding to an out-of-area household: %v", err)
		}
		if _, err := useCases(st).RemoveMember(officer, headM.ID); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("removing the head: %v", err)
		}
		if _, err := useCases(st).UpdateMember(officer, spouse.ID, models.MemberPatch{Relation: ptr(models.RelationHead)}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("second head through update: %v", err)
		}
		if _, err := useCases(st).RemoveMember(officer, msB[1].ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("removing an out-of-area member: %v", err)
		}
		if _, err := useCases(st).UpdateMember(officer, msB[1].ID, models.MemberPatch{Name: ptr("改名")}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("updating an out-of-area member: %v", err)
		}
		if m, _ := useCases(st).Member(admin(), msB[1].ID); m.Name == "改名" {
			t.Error("out-of-area update changed the member")
		}
		income := models.Yuan(1200)
		m, err := useCases(st).UpdateMember(officer, spouse.ID, models.MemberPatch{MonthlyIncome: &income, DisabilityLevel: ptr(2)})
		if err != nil || m.MonthlyIncome != income || m.DisabilityLevel == nil || *m.DisabilityLevel != 2 {
			t.Errorf("update member: %+v, %v", m, err)
		}
		if _, err := useCases(st).SetHouseholdHead(officer, h.ID, spouse.ID, models.RelationSpouse); err != nil {
			t.Fatal(err)
		}
		head, _ := useCases(st).HeadOf(officer, h.ID)
		if head == nil || head.ID != spouse.ID {
			t.Errorf("head after transfer: %+v", head)
		}
		if _, err := useCases(st).RemoveMember(officer, headM.ID); err != nil {
			t.Errorf("removing the former head: %v", err)
		}
		// A removed person may be registered again elsewhere.
		if _, err := useCases(st).AddMember(storetest.As(models.RoleOfficer, countyB), hB.ID, models.MemberInput{Name: headM.Name, IDNumber: headM.IDNumber, Relation: models.RelationOther}); err != nil {
			t.Errorf("registering a removed person again: %v", err)
		}
	})
}

func TestUpdateHouseholdMovesRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, g := household(t, st, villageA1)
		county := storetest.As(models.RoleOfficer, countyA)
		if _, err := useCases(st).UpdateHousehold(county, h.ID, models.HouseholdPatch{Village: ptr(villageB)}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("moving out of the area: %v", err)
		}
		if _, err := useCases(st).UpdateHousehold(storetest.As(models.RoleOfficer, countyB), h.ID, models.HouseholdPatch{Address: ptr("x")}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("updating from another county: %v", err)
		}
		followUp := plantFollowUp(t, st, h.ID, g.ID, villageA1)
		moved, err := useCases(st).UpdateHousehold(county, h.ID, models.HouseholdPatch{Village: ptr(villageA2), Address: ptr("新地址")})
		if err != nil || moved.AreaCode != villageA2 || moved.Version != h.Version+1 {
			t.Fatalf("move: %+v, %v", moved, err)
		}
		// The payee, the review and its document, the discovery case and its visit go
		// with the household: none is left in the old village.
		for table, want := range followUp {
			if n, err := store.CountInRangeUnscoped(st, table, villageA1, villageA1); err != nil || n != 0 {
				t.Errorf("%s: %d rows left in the old village (%v)", table, n, err)
			}
			if n, err := store.CountInRangeUnscoped(st, table, villageA2, villageA2); err != nil || n != want {
				t.Errorf("%s: %d rows in the new village, want %d (%v)", table, n, want, err)
			}
		}
		if n, err := store.CountWhereUnscoped(st, "reviews", "township = ?", townshipA2); err != nil || n != 1 {
			t.Errorf("the review is assigned to %d reviews of the new township (%v)", n, err)
		}
		t1 := storetest.As(models.RoleOfficer, townshipA1)
		if _, err := grantCases(st).Grant(t1, g.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("grant stayed visible to the old township: %v", err)
		}
		t2 := storetest.As(models.RoleOfficer, townshipA2)
		ms, _ := useCases(st).MembersOf(t2, h.ID)
		gs, _ := grantCases(st).GrantsOf(t2, h.ID)
		es, _ := grantCases(st).Events(t2, g.ID)
		if len(ms) != 2 || len(gs) != 1 || len(es) != 1 {
			t.Errorf("after the move the new township sees %d members, %d grants, %d events", len(ms), len(gs), len(es))
		}
	})
}

func TestGrantRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		hB, _ := household(t, st, villageB)
		msB, _ := useCases(st).MembersOf(admin(), hB.ID)
		officer := storetest.As(models.RoleOfficer, countyA)
		base := models.GrantInput{HouseholdID: h.ID, ProgramCode: "MEDICAL_INPATIENT", Amount: models.Yuan(300), StartDate: models.NewDate(2026, 3, 1), Status: ptr(models.GrantPending)}
		with := func(f func(*models.GrantInput)) models.GrantInput { in := base; f(&in); return in }
		end := models.NewDate(2026, 2, 1)
		tests := []struct {
			name string
			ctx  context.Context
			in   models.GrantInput
			want error
		}{
			{"ok", officer, base, nil},
			{"negative amount", officer, with(func(in *models.GrantInput) { in.Amount = -1 }), models.ErrInvalid},
			{"end before start", officer, with(func(in *models.GrantInput) { in.EndDate = &end }), models.ErrInvalid},
			{"unknown program", officer, with(func(in *models.GrantInput) { in.ProgramCode = "NOPE" }), models.ErrInvalid},
			{"household elsewhere", officer, with(func(in *models.GrantInput) { in.HouseholdID = hB.ID }), models.ErrNotFound},
			{"member of another household", officer, with(func(in *models.GrantInput) { in.MemberID = &msB[0].ID }), models.ErrNotFound},
			{"assistant may not open grants", storetest.As(models.RoleAssistant, villageA1), base, models.ErrForbidden},
			{"bad status", officer, with(func(in *models.GrantInput) { s := models.GrantTerminated; in.Status = &s }), models.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				g, err := grantCases(st).CreateGrant(tt.ctx, tt.in)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v, want %v", err, tt.want)
				}
				if err == nil && (g.CategoryCode != "MEDICAL" || g.Status != models.GrantPending || g.AreaCode != h.AreaCode) {
					t.Errorf("grant %+v", g)
				}
			})
		}
		// P1: a grant opens only on an active program.
		if err := store.Deactivate(st, "TEMPORARY_VAGRANT"); err != nil {
			t.Fatal(err)
		}
		_, err := grantCases(st).CreateGrant(officer, with(func(in *models.GrantInput) { in.ProgramCode = "TEMPORARY_VAGRANT" }))
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != "input.programCode" || !strings.Contains(fe.Message, "not active") {
			t.Errorf("inactive program: %v", err)
		}
		if err := st.Setup().Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		p, _ := st.Catalogue().Program(officer, scopeOf(officer), "TEMPORARY_VAGRANT")
		if p.Active {
			t.Error("migrate re-activated a program an admin had deactivated")
		}
	})
}

func TestIntegratorSeesOnlyItsCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, dibao := household(t, st, villageA1)
		med, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h.ID, ProgramCode: "MEDICAL_OUTPATIENT", Amount: models.Yuan(80), StartDate: models.NewDate(2026, 2, 1), Status: ptr(models.GrantPending)})
		if err != nil {
			t.Fatal(err)
		}
		health := storetest.As(models.RoleIntegrator, cityArea, "MEDICAL")
		page, err := grantCases(st).Grants(health, store.GrantQuery{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != med.ID {
			t.Fatalf("integrator grants: %+v, %v", page, err)
		}
		if _, err := grantCases(st).Grant(health, dibao.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("grant of another category: %v", err)
		}
		if gs, _ := grantCases(st).GrantsOf(health, h.ID); len(gs) != 1 {
			t.Errorf("household grants for the integrator: %d", len(gs))
		}
		hp, _ := useCases(st).Households(health, store.HouseholdQuery{Filter: &models.HouseholdFilter{ProgramCode: ptr("URBAN_DIBAO")}})
		if len(hp.Items) != 0 {
			t.Error("a program filter reveals households on a category the integrator may not see")
		}
		none := storetest.As(models.RoleIntegrator, cityArea)
		if p, _ := grantCases(st).Grants(none, store.GrantQuery{}); len(p.Items) != 0 {
			t.Error("an integrator without categories sees grants")
		}
	})
}

func TestKeysetPagination(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		want := map[string]bool{}
		for _, v := range []string{villageA1, villageA2, villageB, villageA1, villageA2, villageB, villageA1} {
			h, _ := household(t, st, v)
			want[h.ID] = true
		}
		ctx := admin()
		got := map[string]bool{}
		var after *string
		prev := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			page, err := useCases(st).Households(ctx, store.HouseholdQuery{PageArgs: store.PageArgs{First: ptr(3), After: after}})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range page.Items {
				key := h.AreaCode + h.ID
				if key <= prev || got[h.ID] {
					t.Fatalf("out of order or repeated: %s", h.ID)
				}
				prev = key
				got[h.ID] = true
			}
			if !page.HasNextPage {
				break
			}
			c := page.EndCursor()
			after = &c
		}
		if len(got) != len(want) {
			t.Errorf("pages held %d households, want %d", len(got), len(want))
		}
		for _, bad := range []struct {
			args  store.PageArgs
			field string
		}{
			{store.PageArgs{First: ptr(store.MaxPageSize + 1)}, "first"},
			{store.PageArgs{First: ptr(-1)}, "first"},
			{store.PageArgs{After: ptr("!!notbase64")}, "after"},
			{store.PageArgs{After: ptr("eHl6")}, "after"},
		} {
			_, err := useCases(st).Households(ctx, store.HouseholdQuery{PageArgs: bad.args})
			var fe *models.FieldError
			if !errors.As(err, &fe) || fe.Field != bad.field {
				t.Errorf("%+v: %v, want a field error on %s", bad.args, err, bad.field)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// plantFollowUp writes, in area, a payee of the household, an open review of grant with
// a document, and an open discovery case of the household with a visit, and returns the
// number of rows written to each table.
func plantFollowUp(t *testing.T, st *store.Store, householdID, grantID, area string) map[string]int64 {
	t.Helper()
	township := area[:9] + "000"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO payees (household_id, area_code, bank, account, holder, version, updated_by) VALUES (?, ?, '中国农业银行', '6228480012345678', '测试', 1, 'test')`,
			[]any{householdID, area}},
		{`INSERT INTO reviews (id, area_code, township, grant_id, household_id, program_code, category_code, due_on, status, overdue, amount_before)
		  VALUES (?, ?, ?, ?, ?, 'URBAN_DIBAO', 'DIBAO', '2026-06-01', 'OPEN', false, 100)`,
			[]any{"rv-" + householdID[:30], area, township, grantID, householdID}},
		{`INSERT INTO documents (id, area_code, record, record_id, kind, sha256, size, content_type, created_by, created_at)
		  VALUES (?, ?, 'REVIEW', ?, 'OTHER', 'ab', 1, 'application/pdf', 'test', CURRENT_TIMESTAMP)`,
			[]any{"doc-" + householdID[:30], area, "rv-" + householdID[:30]}},
		{`INSERT INTO discovery_cases (id, area_code, household_id, reasons, status, stale, opened_by, version)
		  VALUES (?, ?, ?, 'LOW_INCOME', 'OPEN', false, 'test', 1)`,
			[]any{"dc-" + householdID[:30], area, householdID}},
		{`INSERT INTO discovery_visits (id, area_code, case_id, visited_on, note, actor) VALUES (?, ?, ?, '2026-06-02', '走访', 'test')`,
			[]any{"dv-" + householdID[:30], area, "dc-" + householdID[:30]}},
	} {
		if err := store.ExecUnscoped(st, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]int64{"payees": 1, "reviews": 1, "documents": 1, "discovery_cases": 1, "discovery_visits": 1}
}

// TestMigrationFollowsMovedHouseholds runs the step of version 20 over records that a
// move of their household left behind before they moved with it: each takes the area of
// its household (the review its township too), and a second run changes nothing.
func TestMigrationFollowsMovedHouseholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, g := household(t, st, villageA2)
		planted := plantFollowUp(t, st, h.ID, g.ID, villageA1)
		for i := 0; i < 2; i++ {
			if err := store.FollowMovedHouseholdsUnscoped(st); err != nil {
				t.Fatal(err)
			}
			for table, want := range planted {
				if n, err := store.CountInRangeUnscoped(st, table, villageA2, villageA2); err != nil || n != want {
					t.Errorf("run %d: %s: %d rows in the household's village, want %d (%v)", i+1, table, n, want, err)
				}
			}
			if n, err := store.CountWhereUnscoped(st, "reviews", "township = ?", townshipA2); err != nil || n != 1 {
				t.Errorf("run %d: %d reviews in the household's township (%v)", i+1, n, err)
			}
		}
	})
}
