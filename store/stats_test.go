package store_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// statsData seeds n demo households, turns every 5th active dibao grant into a GRACE
// grant, sets the population of the townships of county A but one, and returns the
// dataset as stored.
func statsData(t *testing.T, st *store.Store, n int) seed.Dataset {
	t.Helper()
	ds := seed.Generate(st.Tree(), n, time.Now())
	k := 0
	for i := range ds.Grants {
		g := &ds.Grants[i]
		if g.Status == models.GrantActive && g.CategoryCode == catalogue.CategoryDibao {
			if k%5 == 0 {
				g.Status = models.GrantGrace
				ds.Events[i].ToStatus = models.GrantGrace
			}
			k++
		}
	}
	if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	pops := map[string]int{}
	for i, u := range st.Tree().Within(countyA, models.LevelTownship) {
		if u.Code != "371402002000" { // 新华街道 stays unknown
			pops[u.Code] = 20000 + 1000*i
		}
	}
	if err := st.Stats().SetPopulationsUnscoped(context.Background(), pops); err != nil {
		t.Fatal(err)
	}
	return ds
}

// figures are the expected figures of one area, computed from the records in Go.
type figures struct {
	households, members, activeHouseholds, activePersons, grace int
	committed                                                   models.Money
	byProgram, byCategory                                       map[string][3]int64 // households, persons, committed
}

// expect computes the figures of area as a caller who sees the categories cats (nil: all).
func expect(ds seed.Dataset, area string, cats []string) figures {
	f := figures{byProgram: map[string][3]int64{}, byCategory: map[string][3]int64{}}
	size := map[string]int{}
	for _, m := range ds.Members {
		size[m.HouseholdID]++
		if division.Contains(area, m.AreaCode) {
			f.members++
		}
	}
	for _, h := range ds.Households {
		if division.Contains(area, h.AreaCode) {
			f.households++
		}
	}
	active := map[string]bool{}
	grace := map[string]bool{}
	prog := map[[2]string]bool{}
	cat := map[[2]string]bool{}
	for _, g := range ds.Grants {
		if !division.Contains(area, g.AreaCode) || (cats != nil && !slices.Contains(cats, g.CategoryCode)) {
			continue
		}
		if g.Status != models.GrantActive && g.Status != models.GrantGrace {
			continue
		}
		if g.Status == models.GrantGrace {
			grace[g.HouseholdID] = true
		}
		active[g.HouseholdID] = true
		var amount int64
		if catalogue.IsRecurring(g.ProgramCode) {
			amount = int64(g.Amount)
			f.committed += g.Amount
		}
		add := func(m map[string][3]int64, seen map[[2]string]bool, code string) {
			v := m[code]
			if key := [2]string{g.HouseholdID, code}; !seen[key] {
				seen[key] = true
				v[0]++
				v[1] += int64(size[g.HouseholdID])
			}
			v[2] += amount
			m[code] = v
		}
		add(f.byProgram, prog, g.ProgramCode)
		add(f.byCategory, cat, g.CategoryCode)
	}
	f.activeHouseholds = len(active)
	f.grace = len(grace)
	for id := range active {
		f.activePersons += size[id]
	}
	return f
}

// check compares the figures of one AreaStats node with the expected ones.
func check(t *testing.T, got *models.AreaStats, want figures) {
	t.Helper()
	name := got.Area.Code + " " + got.Area.Name
	if got.Households != want.households || got.Members != want.members ||
		got.ActiveHouseholds != want.activeHouseholds || got.ActivePersons != want.activePersons ||
		got.GraceHouseholds != want.grace || got.CommittedMonthly != want.committed {
		t.Errorf("%s: got households %d members %d active %d/%d grace %d committed %s, want %d %d %d/%d %d %s", name,
			got.Households, got.Members, got.ActiveHouseholds, got.ActivePersons, got.GraceHouseholds, got.CommittedMonthly,
			want.households, want.members, want.activeHouseholds, want.activePersons, want.grace, want.committed)
	}
	if len(got.ByProgram) != len(want.byProgram) {
		t.Errorf("%s: %d programs, want %d", name, len(got.ByProgram), len(want.byProgram))
	}
	for _, p := range got.ByProgram {
		w := want.byProgram[p.Program.Code]
		if int64(p.Households) != w[0] || int64(p.Persons) != w[1] || int64(p.CommittedMonthly) != w[2] {
			t.Errorf("%s: program %s: %d/%d/%s, want %v", name, p.Program.Code, p.Households, p.Persons, p.CommittedMonthly, w)
		}
	}
	if len(got.ByCategory) != len(want.byCategory) {
		t.Errorf("%s: %d categories, want %d", name, len(got.ByCategory), len(want.byCategory))
	}
	for _, c := range got.ByCategory {
		w := want.byCategory[c.Category.Code]
		if int64(c.Households) != w[0] || int64(c.Persons) != w[1] || int64(c.CommittedMonthly) != w[2] {
			t.Errorf("%s: category %s: %d/%d/%s, want %v", name, c.Category.Code, c.Households, c.Persons, c.CommittedMonthly, w)
		}
	}
}

func TestAreaStatsCountsTheCallersSubtree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ds := statsData(t, st, 600)
		village := seed.DemoVillage(st.Tree())
		tests := []struct {
			name       string
			ctx        context.Context
			area       *string
			want       string
			categories []string
		}{
			{"city admin", admin(), nil, cityArea, nil},
			{"county officer", storetest.As(models.RoleOfficer, countyA), nil, countyA, nil},
			{"county officer on a township", storetest.As(models.RoleOfficer, countyA), ptr(townshipA1), townshipA1, nil},
			{"township officer", storetest.As(models.RoleOfficer, townshipA1), nil, townshipA1, nil},
			{"village assistant", storetest.As(models.RoleAssistant, village), nil, village, nil},
			{"sibling county auditor", storetest.As(models.RoleAuditor, countyB), nil, countyB, nil},
			{"dibao integrator", storetest.As(models.RoleIntegrator, countyA, catalogue.CategoryDibao), nil, countyA, []string{catalogue.CategoryDibao}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := reportCases(st).AreaStats(tt.ctx, tt.area)
				if err != nil {
					t.Fatal(err)
				}
				if got.Area.Code != tt.want {
					t.Fatalf("area %s, want %s", got.Area.Code, tt.want)
				}
				w := expect(ds, tt.want, tt.categories)
				if w.activeHouseholds == 0 && tt.name != "village assistant" {
					t.Fatalf("the seed put no active grant in %s", tt.want)
				}
				check(t, got, w)
				// The children are exactly the tree's, in code order, with their own figures.
				var codes []string
				for _, c := range got.Children {
					codes = append(codes, c.Area.Code)
					if !division.Contains(tt.want, c.Area.Code) {
						t.Errorf("child %s lies outside %s", c.Area.Code, tt.want)
					}
					check(t, c, expect(ds, c.Area.Code, tt.categories))
					if len(c.Children) != 0 {
						t.Errorf("child %s has children of its own", c.Area.Code)
					}
				}
				if want := st.Tree().Children(tt.want); !slices.Equal(codes, want) {
					t.Errorf("children %v, want %v", codes, want)
				}
				if tt.categories != nil {
					for _, c := range got.ByCategory {
						if !slices.Contains(tt.categories, c.Category.Code) {
							t.Errorf("integrator sees category %s", c.Category.Code)
						}
					}
				}
			})
		}
	})
}

func TestAreaStatsPopulationAndCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		statsData(t, st, 300)
		got, err := reportCases(st).AreaStats(storetest.As(models.RoleOfficer, countyA), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Population != nil || got.CoveragePerThousand != nil {
			t.Errorf("county population %v coverage %v, want null while a township is unknown", got.Population, got.CoveragePerThousand)
		}
		known := 0
		for _, c := range got.Children {
			if c.Area.Code == "371402002000" {
				if c.Population != nil || c.CoveragePerThousand != nil {
					t.Errorf("unknown township has population %v", *c.Population)
				}
				continue
			}
			if c.Population == nil || c.CoveragePerThousand == nil {
				t.Errorf("%s: population or coverage missing", c.Area.Code)
				continue
			}
			known++
			want := math.Round(float64(c.ActivePersons)*1000*100/float64(*c.Population)) / 100
			if *c.CoveragePerThousand != want {
				t.Errorf("%s: coverage %v, want %v", c.Area.Code, *c.CoveragePerThousand, want)
			}
		}
		if known == 0 {
			t.Fatal("no township with a known population")
		}
		// Once every township is known, the county's population is their sum.
		if err := st.Stats().SetPopulationsUnscoped(context.Background(), map[string]int{"371402002000": 45000}); err != nil {
			t.Fatal(err)
		}
		got, err = reportCases(st).AreaStats(storetest.As(models.RoleOfficer, countyA), nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, c := range got.Children {
			sum += *c.Population
		}
		if got.Population == nil || *got.Population != sum || got.CoveragePerThousand == nil {
			t.Fatalf("county population %v, want %d", got.Population, sum)
		}
		// The city's counties other than A stay unknown; county A is known.
		city, err := reportCases(st).AreaStats(admin(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range city.Children {
			if (c.Population != nil) != (c.Area.Code == countyA) {
				t.Errorf("city child %s population %v", c.Area.Code, c.Population)
			}
		}
		if city.Population != nil {
			t.Errorf("city population %d, want null", *city.Population)
		}
		if err := st.Stats().SetPopulationsUnscoped(context.Background(), map[string]int{"371499999000": 1}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("unknown code: %v", err)
		}
	})
}

// TestAreaStatsRunsAFixedNumberOfStatements counts the SQL statements of areaStats for
// the city (12 children), a county, a township (dozens of villages) and a village.
func TestAreaStatsRunsAFixedNumberOfStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		statsData(t, st, 200)
		counts := map[string]int64{}
		for _, area := range []string{cityArea, countyA, townshipA1, seed.DemoVillage(st.Tree())} {
			var n atomic.Int64
			ctx := st.Pool().CountStatements(storetest.As(models.RoleOfficer, area), &n)
			got, err := reportCases(st).AreaStats(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			counts[area] = n.Load()
			t.Logf("%s (%d children): %d statements", area, len(got.Children), n.Load())
			var tn atomic.Int64
			if _, err := reportCases(st).Trends(st.Pool().CountStatements(storetest.As(models.RoleOfficer, area), &tn), nil, intp(36)); err != nil {
				t.Fatal(err)
			}
			// Events, committed money, paid money and the jurisdiction, whatever the months.
			if tn.Load() != 4 {
				t.Errorf("trends of %s: %d statements, want 4", area, tn.Load())
			}
		}
		if counts[cityArea] == 0 || counts[cityArea] != counts[townshipA1] || counts[cityArea] != counts[countyA] {
			t.Errorf("statements by area: %v, want the same for every level", counts)
		}
	})
}

func TestAreaStatsAndTrendsOutsideTheArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		statsData(t, st, 100)
		county := storetest.As(models.RoleOfficer, countyA)
		township := storetest.As(models.RoleOfficer, townshipA1)
		tests := []struct {
			name string
			ctx  context.Context
			area string
			want error
		}{
			{"sibling county", county, countyB, models.ErrForbidden},
			{"village of a sibling county", county, villageB, models.ErrForbidden},
			{"the city above", county, cityArea, models.ErrForbidden},
			{"the county above a township", township, countyA, models.ErrForbidden},
			{"a sibling township", township, townshipA2, models.ErrForbidden},
			{"unknown code", county, unknownArea, models.ErrInvalid},
			{"not a code", county, notACodeArea, models.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := reportCases(st).AreaStats(tt.ctx, ptr(tt.area))
				if !errors.Is(err, tt.want) {
					t.Errorf("areaStats: %v, want %v", err, tt.want)
				}
				_, err = reportCases(st).Trends(tt.ctx, ptr(tt.area), nil)
				if !errors.Is(err, tt.want) {
					t.Errorf("trends: %v, want %v", err, tt.want)
				}
				var fe *models.FieldError
				if tt.want == models.ErrInvalid && (!errors.As(err, &fe) || fe.Field != "area") {
					t.Errorf("field of %v, want area", err)
				}
			})
		}
		if _, err := reportCases(st).AreaStats(context.Background(), nil); !errors.Is(err, models.ErrUnauthenticated) {
			t.Errorf("no caller: %v", err)
		}
	})
}

func TestTrendsMonthsArgument(t *testing.T) {
	st := storetest.MustOpen(t, store.SQLite)
	ctx := storetest.As(models.RoleOfficer, countyA)
	for _, m := range []int{0, -1, 37, 1000} {
		_, err := reportCases(st).Trends(ctx, nil, &m)
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != "months" {
			t.Errorf("months %d: %v, want a field error on months", m, err)
		}
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(shanghai)
	for _, m := range []*int{nil, intp(1), intp(36)} {
		tr, err := reportCases(st).Trends(ctx, nil, m)
		if err != nil {
			t.Fatal(err)
		}
		want := store.DefaultTrendMonths
		if m != nil {
			want = *m
		}
		if len(tr.Months) != want || tr.Months[want-1].Month != now.Format("2006-01") || tr.Area.Code != countyA {
			t.Errorf("months %v: %d months ending %s in %s", m, len(tr.Months), tr.Months[len(tr.Months)-1].Month, tr.Area.Code)
		}
		for i := 1; i < len(tr.Months); i++ {
			if tr.Months[i-1].Month >= tr.Months[i].Month {
				t.Errorf("months out of order: %s, %s", tr.Months[i-1].Month, tr.Months[i].Month)
			}
		}
	}
}

// TestTrendsCountsEventsAndMoneyByShanghaiMonth follows one grant through its lifecycle
// over three months, with an approval 30 minutes into a month in Shanghai, which is still
// the previous month in UTC.
func TestTrendsCountsEventsAndMoneyByShanghaiMonth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		now := time.Now().In(shanghai)
		month := func(back int) time.Time {
			return time.Date(now.Year(), now.Month()-time.Month(back), 1, 0, 0, 0, 0, shanghai)
		}
		h, _ := household(t, st, villageA1) // opens an URBAN_DIBAO grant of 650.00 now
		hB, _ := household(t, st, villageB) // a sibling county's, never counted in A
		mk := func(hh *models.Household, program, category string, status models.GrantStatus, amount models.Money, start time.Time, end *models.Date) models.Grant {
			return models.Grant{ID: newTestID(), HouseholdID: hh.ID, AreaCode: hh.AreaCode, ProgramCode: program,
				CategoryCode: category, Status: status, Amount: amount, StartDate: models.DateOf(start), EndDate: end,
				Version: 1, CreatedBy: "test", CreatedAt: start.UTC(), UpdatedAt: start.UTC()}
		}
		ev := func(g models.Grant, from *models.GrantStatus, to models.GrantStatus, at time.Time) models.GrantEvent {
			return models.GrantEvent{ID: newTestID(), GrantID: g.ID, AreaCode: g.AreaCode, Actor: "test", ActorRole: models.RoleAdmin,
				ActorArea: cityArea, FromStatus: from, ToStatus: to, Reason: "test", CreatedAt: at.UTC()}
		}
		st2 := func(s models.GrantStatus) *models.GrantStatus { return &s }
		// Applied three months back, reviewed, approved 30 minutes into two months back
		// (Shanghai), terminated during last month: 300.00 a month.
		applied := month(3).Add(48 * time.Hour)
		g1 := mk(h, "RURAL_DIBAO", "DIBAO", models.GrantTerminated, models.Yuan(300), month(3), nil)
		g1.CreatedAt = applied.UTC()
		e1 := []models.GrantEvent{
			ev(g1, nil, models.GrantPending, applied),
			ev(g1, st2(models.GrantPending), models.GrantReviewed, applied.Add(time.Hour)),
			ev(g1, st2(models.GrantReviewed), models.GrantActive, month(2).Add(30*time.Minute)),
			ev(g1, st2(models.GrantActive), models.GrantTerminated, month(1).Add(72*time.Hour)),
		}
		// A one-off grant opened ACTIVE two months back: counted as an approval, no money.
		g2 := mk(h, "TEMPORARY_RELIEF", "TEMPORARY", models.GrantActive, models.Yuan(2000), month(2).Add(24*time.Hour), nil)
		e2 := []models.GrantEvent{ev(g2, nil, models.GrantActive, month(2).Add(24*time.Hour))}
		// The same in the sibling county.
		g3 := mk(hB, "RURAL_DIBAO", "DIBAO", models.GrantActive, models.Yuan(999), month(2), nil)
		e3 := []models.GrantEvent{ev(g3, nil, models.GrantActive, month(2).Add(time.Hour))}
		if err := st.Setup().SeedUnscoped(context.Background(), nil, nil, []models.Grant{g1, g2, g3},
			append(append(e1, e2...), e3...)); err != nil {
			t.Fatal(err)
		}
		type row struct {
			opened, approvals, terminations int
			committed                       models.Money
		}
		// household() opened URBAN_DIBAO 650.00 from 2026-01-01 this month, ACTIVE.
		want := map[int]row{
			3: {1, 0, 0, 0},
			2: {1, 2, 0, models.Yuan(300)},
			1: {0, 0, 1, models.Yuan(300)},
			0: {1, 1, 0, models.Yuan(650)},
		}
		tests := []struct {
			name string
			ctx  context.Context
			want map[int]row
		}{
			{"county officer", storetest.As(models.RoleOfficer, countyA), want},
			{"township officer", storetest.As(models.RoleOfficer, townshipA1), want},
			{"temporary-assistance integrator", storetest.As(models.RoleIntegrator, countyA, catalogue.CategoryTemporary),
				map[int]row{2: {1, 1, 0, 0}}},
			{"sibling township", storetest.As(models.RoleOfficer, townshipA2), map[int]row{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tr, err := reportCases(st).Trends(tt.ctx, nil, intp(5))
				if err != nil {
					t.Fatal(err)
				}
				for back := 0; back < 5; back++ {
					m := tr.Months[4-back]
					if m.Month != month(back).Format("2006-01") {
						t.Errorf("month %d back is %s, want %s", back, m.Month, month(back).Format("2006-01"))
					}
					got := row{m.NewApplications, m.Approvals, m.Terminations, m.Committed}
					if got != tt.want[back] {
						t.Errorf("%s: %+v, want %+v", m.Month, got, tt.want[back])
					}
				}
			})
		}
		// The sibling county sees its own grant only.
		tr, err := reportCases(st).Trends(storetest.As(models.RoleOfficer, countyB), nil, intp(3))
		if err != nil {
			t.Fatal(err)
		}
		if m := tr.Months[0]; m.NewApplications != 1 || m.Approvals != 1 || m.Committed != models.Yuan(999) {
			t.Errorf("sibling county two months back: %+v", m)
		}
		if m := tr.Months[2]; m.NewApplications != 1 || m.Committed != models.Yuan(650)+models.Yuan(999) {
			t.Errorf("sibling county this month: %+v", m)
		}
	})
}

func newTestID() string { return uuid.Must(uuid.NewV7()).String() }

func intp(v int) *int { return &v }

// TestAreaStatsCountsLowIncomeHouseholds checks lowIncomeHouseholds (P17) of an area and
// of each child against the households list filtered on lowIncome, a separate path.
func TestAreaStatsCountsLowIncomeHouseholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ds := statsData(t, st, 600)
		vs, lines := seed.Verifications(ds, time.Now())
		if err := st.Setup().SeedRulesUnscoped(context.Background(), seed.Standards(st.Tree(), time.Now()), vs, lines); err != nil {
			t.Fatal(err)
		}
		yes := true
		lowIncome := func(ctx context.Context, code string) int {
			t.Helper()
			page, err := useCases(st).Households(ctx, store.HouseholdQuery{Area: &code, Filter: &models.HouseholdFilter{LowIncome: &yes}})
			if err != nil {
				t.Fatal(err)
			}
			n, err := page.Count()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, area := range []string{division.CityCode, countyA} {
			ctx := storetest.As(models.RoleOfficer, area)
			got, err := reportCases(st).AreaStats(ctx, &area)
			if err != nil {
				t.Fatal(err)
			}
			if got.LowIncomeHouseholds == nil {
				t.Fatalf("%s: lowIncomeHouseholds is null", area)
			}
			want := lowIncome(ctx, area)
			if *got.LowIncomeHouseholds != want {
				t.Errorf("%s: lowIncomeHouseholds %d, want %d", area, *got.LowIncomeHouseholds, want)
			}
			if area == division.CityCode && want == 0 {
				t.Errorf("the seeded verifications found no low-income household; the test proves nothing")
			}
			for _, c := range got.Children {
				if c.LowIncomeHouseholds == nil || *c.LowIncomeHouseholds != lowIncome(ctx, c.Area.Code) {
					t.Errorf("%s: lowIncomeHouseholds %v, want %d", c.Area.Code, c.LowIncomeHouseholds, lowIncome(ctx, c.Area.Code))
				}
			}
		}
	})
}
