package store_test

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"

	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// recount counts every tally from scratch, in Go, from the stored households, members
// and grants: what the store must hold. Village tallies that add up to nothing are left
// out.
func recount(t *testing.T, st *store.Store) *store.Tallies {
	t.Helper()
	hs, ms, gs, err := store.RecordsUnscoped(st)
	if err != nil {
		t.Fatal(err)
	}
	out := &store.Tallies{Households: map[string]models.HouseholdTally{}}
	tallies := out.Households
	area := map[string]string{}
	for _, h := range hs {
		tallies[h.ID] = models.HouseholdTally{TalliedArea: h.AreaCode}
		area[h.ID] = h.AreaCode
	}
	for _, m := range ms {
		c := tallies[m.HouseholdID]
		c.MemberCount++
		tallies[m.HouseholdID] = c
	}
	type key struct{ household, program, category string }
	rows := map[key]*models.HouseholdProgram{}
	for _, g := range gs {
		if g.Status != models.GrantActive && g.Status != models.GrantGrace {
			continue
		}
		c := tallies[g.HouseholdID]
		c.Served = true
		k := key{g.HouseholdID, g.ProgramCode, g.CategoryCode}
		if rows[k] == nil {
			rows[k] = &models.HouseholdProgram{HouseholdID: g.HouseholdID, ProgramCode: g.ProgramCode,
				CategoryCode: g.CategoryCode, AreaCode: area[g.HouseholdID]}
		}
		if g.Status == models.GrantGrace {
			c.InGrace, rows[k].InGrace = true, true
		}
		if catalogue.IsRecurring(g.ProgramCode) {
			c.CommittedMonthly += g.Amount
			rows[k].CommittedMonthly += g.Amount
		}
		tallies[g.HouseholdID] = c
	}
	for _, r := range rows {
		r.MemberCount = tallies[r.HouseholdID].MemberCount
		r.FirstOfProgram, r.FirstOfCategory = true, true
		for _, o := range rows {
			if o.HouseholdID != r.HouseholdID {
				continue
			}
			if o.ProgramCode == r.ProgramCode && o.CategoryCode < r.CategoryCode {
				r.FirstOfProgram = false
			}
			if o.CategoryCode == r.CategoryCode && o.ProgramCode < r.ProgramCode {
				r.FirstOfCategory = false
			}
		}
		out.Programs = append(out.Programs, *r)
	}

	// The villages add up their households' tallies and programs.
	areas := map[string]*models.AreaTally{}
	for _, h := range hs {
		c := tallies[h.ID]
		a := areas[h.AreaCode]
		if a == nil {
			a = &models.AreaTally{AreaCode: h.AreaCode}
			areas[h.AreaCode] = a
		}
		a.Households++
		a.Members += c.MemberCount
		a.CommittedMonthly += c.CommittedMonthly
		if h.LowIncome {
			a.LowIncome++
		}
		if c.Served {
			a.Active++
			a.ActivePersons += c.MemberCount
		}
		if c.InGrace {
			a.Grace++
		}
	}
	for _, a := range areas {
		out.Areas = append(out.Areas, *a)
	}
	programs := map[[3]string]*models.AreaProgramTally{}
	for _, r := range out.Programs {
		k := [3]string{r.AreaCode, r.ProgramCode, r.CategoryCode}
		p := programs[k]
		if p == nil {
			p = &models.AreaProgramTally{AreaCode: k[0], ProgramCode: k[1], CategoryCode: k[2]}
			programs[k] = p
		}
		if r.FirstOfProgram {
			p.ProgramHouseholds++
			p.ProgramPersons += r.MemberCount
		}
		if r.FirstOfCategory {
			p.CategoryHouseholds++
			p.CategoryPersons += r.MemberCount
		}
		p.CommittedMonthly += r.CommittedMonthly
	}
	for _, p := range programs {
		out.AreaPrograms = append(out.AreaPrograms, *p)
	}
	normalize(out)
	return out
}

// normalize sorts the rows of t and drops the village tallies that add up to nothing.
func normalize(t *store.Tallies) {
	slices.SortFunc(t.Programs, func(a, b models.HouseholdProgram) int {
		return cmp.Or(cmp.Compare(a.HouseholdID, b.HouseholdID), cmp.Compare(a.ProgramCode, b.ProgramCode),
			cmp.Compare(a.CategoryCode, b.CategoryCode))
	})
	t.Areas = slices.DeleteFunc(t.Areas, func(a models.AreaTally) bool { return a == models.AreaTally{AreaCode: a.AreaCode} })
	slices.SortFunc(t.Areas, func(a, b models.AreaTally) int { return cmp.Compare(a.AreaCode, b.AreaCode) })
	t.AreaPrograms = slices.DeleteFunc(t.AreaPrograms, func(p models.AreaProgramTally) bool {
		return p == models.AreaProgramTally{AreaCode: p.AreaCode, ProgramCode: p.ProgramCode, CategoryCode: p.CategoryCode}
	})
	slices.SortFunc(t.AreaPrograms, func(a, b models.AreaProgramTally) int {
		return cmp.Or(cmp.Compare(a.AreaCode, b.AreaCode), cmp.Compare(a.ProgramCode, b.ProgramCode),
			cmp.Compare(a.CategoryCode, b.CategoryCode))
	})
}

// checkTallies fails t unless the tallies the store keeps equal a recount, and returns
// the stored tallies of the households.
func checkTallies(t *testing.T, st *store.Store) map[string]models.HouseholdTally {
	t.Helper()
	w := recount(t, st)
	got, err := store.TalliesUnscoped(st)
	if err != nil {
		t.Fatal(err)
	}
	normalize(got)
	for id, want := range w.Households {
		if g := got.Households[id]; g != want {
			t.Errorf("household %s: tally %+v, want %+v", id, g, want)
		}
	}
	if !slices.Equal(got.Programs, w.Programs) {
		t.Errorf("programs:\n got %+v\nwant %+v", got.Programs, w.Programs)
	}
	if !slices.Equal(got.Areas, w.Areas) {
		t.Errorf("villages:\n got %+v\nwant %+v", got.Areas, w.Areas)
	}
	if !slices.Equal(got.AreaPrograms, w.AreaPrograms) {
		t.Errorf("villages' programs:\n got %+v\nwant %+v", got.AreaPrograms, w.AreaPrograms)
	}
	return got.Households
}

// TestTalliesFollowEveryWrite runs writes of every kind that change a household's
// members or grants, and after each checks that the tallies and programs the store keeps
// equal a recount from scratch; then it drops them and checks that the migration counts
// them back.
func TestTalliesFollowEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const rural = "371402002215"
		county := officer(countyA, "county")
		town := officer(townshipA1, "town")
		var (
			h1, h2, imported   *models.Household
			dibao, relief, app *models.Grant
			extra              *models.Member
		)
		must := func(t *testing.T, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		openGrant := func(t *testing.T, h *models.Household, program string, amount models.Money) *models.Grant {
			t.Helper()
			in := models.GrantInput{HouseholdID: h.ID, ProgramCode: program, Amount: amount, StartDate: models.NewDate(2025, 1, 1)}
			if program == "RURAL_DIBAO" {
				in.OverrideReason = ptr("评议确定的金额") // the figure the tallies are checked against
			}
			g, err := grantCases(st).CreateGrant(admin(), in)
			must(t, err)
			return g
		}
		ref := "IMPORT-TALLY-1"
		importRecord := func(t *testing.T, members ...*models.MemberInput) {
			t.Helper()
			rep, err := importCases(st).ImportHouseholds(admin(), []*models.HouseholdRecord{{ExternalRef: ref, Village: villageA2,
				Address: "导入路1号", Members: members}}, store.ImportOptions{})
			must(t, err)
			if len(rep.Errors) > 0 {
				t.Fatalf("import: %+v", rep.Errors)
			}
		}
		head := &models.MemberInput{Name: "赵一", IDNumber: person(1950, true), Relation: models.RelationHead}
		child := &models.MemberInput{Name: "赵二", IDNumber: person(2010, false), Relation: models.RelationChild}
		year := 2024 // the first year a grant below covers
		steps := []struct {
			name string
			do   func(t *testing.T)
			// check, when set, asserts something particular of the tallies after the step.
			check func(tallies map[string]models.HouseholdTally) error
		}{
			{"create a household", func(t *testing.T) {
				var err error
				h1, err = useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: rural, Address: "统计路1号", PovertyRegistered: true,
					Members: []*models.MemberInput{
						{Name: "张三", IDNumber: person(1970, true), Relation: models.RelationHead},
						{Name: "李四", IDNumber: person(1972, false), Relation: models.RelationSpouse},
					}})
				must(t, err)
			}, func(ts map[string]models.HouseholdTally) error {
				return want(ts[h1.ID], models.HouseholdTally{MemberCount: 2})
			}},
			{"set a standard", func(t *testing.T) {
				_, err := staffingCases(st).SetDibaoStandard(admin(), countyA, year, 90000, 65000)
				must(t, err)
			}, nil},
			{"open a recurring grant", func(t *testing.T) { dibao = openGrant(t, h1, "RURAL_DIBAO", 30000) }, nil},
			{"open a second grant of the same program over an earlier period", func(t *testing.T) {
				end := models.NewDate(2024, 12, 31) // one dibao at a time (P21)
				_, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h1.ID, ProgramCode: "RURAL_DIBAO", Amount: 10000,
					StartDate: models.NewDate(2024, 1, 1), EndDate: &end, OverrideReason: ptr("评议确定的金额")})
				must(t, err)
			},
				func(ts map[string]models.HouseholdTally) error {
					return want(ts[h1.ID], models.HouseholdTally{MemberCount: 2, Served: true, CommittedMonthly: 40000})
				}},
			{"open a one-off grant", func(t *testing.T) { relief = openGrant(t, h1, "TEMPORARY_RELIEF", 200000) }, nil},
			{"add a member", func(t *testing.T) {
				var err error
				extra, err = useCases(st).AddMember(admin(), h1.ID, models.MemberInput{Name: "张小", IDNumber: person(2012, true), Relation: models.RelationChild})
				must(t, err)
			}, nil},
			{"a second household with a grant", func(t *testing.T) { h2, _ = household(t, st, villageA1) }, nil},
			{"submit an application", func(t *testing.T) {
				var err error
				app, err = applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h2.ID, ProgramCode: "DISABILITY_LIVING",
					Channel: models.ChannelOnline})
				must(t, err)
			}, nil},
			{"review it", func(t *testing.T) {
				_, err := grantCases(st).ReviewGrant(town, app.ID, nil, nil)
				must(t, err)
			}, nil},
			{"approve it", func(t *testing.T) {
				amount := models.Money(15000)
				_, err := grantCases(st).ApproveGrant(county, app.ID, models.ApprovalInput{Amount: &amount, StartDate: models.NewDate(2025, 2, 1)}, nil)
				must(t, err)
			}, nil},
			{"reject another application", func(t *testing.T) {
				g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h2.ID, ProgramCode: "EDU_COLLEGE",
					Channel: models.ChannelWalkIn})
				must(t, err)
				_, err = grantCases(st).RejectGrant(town, g.ID, "not eligible", nil)
				must(t, err)
			}, nil},
			{"suspend a grant", func(t *testing.T) {
				_, err := grantCases(st).SuspendGrant(county, app.ID, "moved away", nil)
				must(t, err)
			}, nil},
			{"resume it", func(t *testing.T) {
				_, err := grantCases(st).ResumeGrant(county, app.ID, "back", nil)
				must(t, err)
			}, nil},
			{"a verification puts rural dibao in grace", func(t *testing.T) {
				ms, err := useCases(st).MembersOf(admin(), h1.ID)
				must(t, err)
				in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2025, 8, 31)}
				for _, m := range ms {
					in.Members = append(in.Members, &models.VerifiedMemberInput{MemberID: &m.ID, MonthlyIncome: 70000})
				}
				_, err = verificationCases(st).RecordVerification(admin(), h1.ID, in)
				must(t, err)
			}, func(ts map[string]models.HouseholdTally) error {
				return want(ts[h1.ID], models.HouseholdTally{MemberCount: 3, Served: true, InGrace: true, CommittedMonthly: 40000})
			}},
			{"grace ends", func(t *testing.T) {
				n, err := st.Verifications().ExpireGrace(t.Context(), models.NewDate(2025, 12, 1), graceOver(models.NewDate(2025, 12, 1)))
				must(t, err)
				if n != 2 {
					t.Fatalf("%d grants left grace, want 2", n)
				}
			}, func(ts map[string]models.HouseholdTally) error {
				return want(ts[h1.ID], models.HouseholdTally{MemberCount: 3, Served: true})
			}},
			{"terminate the one-off grant", func(t *testing.T) {
				_, err := grantCases(st).TerminateGrant(county, relief.ID, "paid", nil)
				must(t, err)
			}, func(ts map[string]models.HouseholdTally) error {
				return want(ts[h1.ID], models.HouseholdTally{MemberCount: 3})
			}},
			{"open a grant again", func(t *testing.T) {
				_, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h1.ID, ProgramCode: "TEKUN_DISPERSED",
					SelfCare: ptr(models.SelfCareFull), StartDate: models.NewDate(2025, 1, 1)})
				must(t, err)
			}, nil},
			{"update a member", func(t *testing.T) {
				name := "张小明"
				_, err := useCases(st).UpdateMember(admin(), extra.ID, models.MemberPatch{Name: &name})
				must(t, err)
			}, nil},
			{"remove a member", func(t *testing.T) {
				_, err := useCases(st).RemoveMember(admin(), extra.ID)
				must(t, err)
			}, nil},
			{"move a household to another county", func(t *testing.T) {
				v := villageB
				_, err := useCases(st).UpdateHousehold(admin(), h2.ID, models.HouseholdPatch{Village: &v})
				must(t, err)
			}, nil},
			{"import a household", func(t *testing.T) {
				importRecord(t, head)
				var err error
				imported, err = householdByRef(st, ref)
				must(t, err)
				openGrant(t, imported, "CHILD_ORPHAN", 80000)
			}, nil},
			{"an import adds a member", func(t *testing.T) { importRecord(t, head, child) }, func(ts map[string]models.HouseholdTally) error {
				return want(ts[imported.ID], models.HouseholdTally{MemberCount: 2, Served: true, CommittedMonthly: 80000})
			}},
			{"an import removes it", func(t *testing.T) { importRecord(t, head) }, nil},
			{"the daily refresh", func(t *testing.T) {
				_, err := st.Derived().RefreshAllUnscoped(t.Context())
				must(t, err)
			}, nil},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				s.do(t)
				tallies := checkTallies(t, st)
				if s.check != nil {
					if err := s.check(tallies); err != nil {
						t.Error(err)
					}
				}
			})
		}
		if t.Failed() {
			return
		}
		// A database migrated before the tallies gets them counted by the migration.
		if err := store.DropTalliesUnscoped(st); err != nil {
			t.Fatal(err)
		}
		if err := st.Setup().Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		tallies := checkTallies(t, st)
		if err := want(tallies[h2.ID], models.HouseholdTally{MemberCount: 2, Served: true, CommittedMonthly: 65000 + 15000}); err != nil {
			t.Errorf("after the migration: %v", err)
		}
		dibao, err := grantCases(st).Grant(admin(), dibao.ID)
		if err != nil || dibao.Status != models.GrantTerminated {
			t.Errorf("the first dibao grant: %+v, %v", dibao, err)
		}
	})
}

// want returns an error unless got counts what w does (checkTallies checks the village).
func want(got, w models.HouseholdTally) error {
	w.TalliedArea = got.TalliedArea
	if got != w {
		return fmt.Errorf("tally %+v, want %+v", got, w)
	}
	return nil
}

// householdByRef returns the household with external reference ref, as the city admin.
func householdByRef(st *store.Store, ref string) (*models.Household, error) {
	page, err := useCases(st).Households(admin(), store.HouseholdQuery{Filter: &models.HouseholdFilter{ExternalRef: &ref}})
	if err != nil {
		return nil, err
	}
	if len(page.Items) != 1 {
		return nil, fmt.Errorf("%d households with reference %s", len(page.Items), ref)
	}
	return &page.Items[0], nil
}

// TestTalliesUnderConcurrentWrites approves applications of one household and adds
// members to it from concurrent writers: the tally written last counts every one.
func TestTalliesUnderConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		const n = 6
		ids := make([]string, n)
		// Six programs: no program twice for one household at once (P21).
		programs := [n]string{"DISABILITY_LIVING", "DISABILITY_CARE", "HOUSING_RENT_SUBSIDY", "HOUSING_PUBLIC_RENTAL", "CHILD_ORPHAN", "EMPLOYMENT_PUBLIC_POST"}
		for i := range ids {
			g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, ProgramCode: programs[i],
				Channel: models.ChannelOnline})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "town"), g.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
			ids[i] = g.ID
		}
		numbers := make([]string, n)
		for i := range numbers {
			numbers[i] = person(2000+i, i%2 == 0)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i, id := range ids {
			wg.Add(2)
			go func() {
				defer wg.Done()
				amount := models.Money(1000 * (i + 1))
				_, err := grantCases(st).ApproveGrant(officer(countyA, fmt.Sprint("county-", i)), id,
					models.ApprovalInput{Amount: &amount, StartDate: models.NewDate(2025, 3, 1)}, nil)
				errs <- err
			}()
			go func() {
				defer wg.Done()
				_, err := useCases(st).AddMember(admin(), h.ID, models.MemberInput{Name: fmt.Sprint("成员", i), IDNumber: numbers[i],
					Relation: models.RelationChild})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		tallies := checkTallies(t, st)
		// The household's own URBAN_DIBAO of 650.00 and the six approvals, 21,000 fen.
		if err := want(tallies[h.ID], models.HouseholdTally{MemberCount: 2 + n, Served: true,
			CommittedMonthly: models.Yuan(650) + 21000}); err != nil {
			t.Error(err)
		}
	})
}
