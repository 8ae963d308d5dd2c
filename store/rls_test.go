package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework"
	"jiuzhu/casework/applications"
	"jiuzhu/casework/discoveries"
	"jiuzhu/casework/grievances"
	"jiuzhu/casework/payroll"
	"jiuzhu/casework/referrals"
	"jiuzhu/casework/reviews"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// fillEveryTable writes, through the API, at least one row of every table under
// row-level security in village: a household with members, a grant with its events, a
// medical claim, charity aid, a verification, a reserve-fund top-up, a staff member, an
// alert of the status page, a payee, and with them audit events and change-log entries.
func fillEveryTable(t *testing.T, st *store.Store, village string) {
	t.Helper()
	county, township := village[:6]+"000000", village[:9]+"000"
	h, _ := household(t, st, village)
	ms, err := useCases(st).MembersOf(admin(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	// An education application, referred to the education bureau on receipt (referrals).
	if _, err := applications.New(st, referrals.New(st, policy.DefaultConfig()).Hook()).SubmitApplication(admin(),
		models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "EDU_COMPULSORY", Channel: models.ChannelWalkIn}); err != nil {
		t.Fatal(err)
	}
	g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, MemberID: &ms[1].ID, ProgramCode: "MEDICAL_OUTPATIENT", Channel: models.ChannelWalkIn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantCases(st).ReviewGrant(officer(township, "t"), g.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := grantCases(st).ApproveGrant(officer(county, "c"), g.ID, models.ApprovalInput{StartDate: models.NewDate(2026, 1, 5),
		Medical: &models.MedicalCostsInput{TotalCost: models.Yuan(900), BasicInsurance: models.Yuan(500)}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fundsCases(st).FileCharityAid(admin(), models.CharityAidInput{HouseholdID: h.ID, Organisation: "红十字会", Date: models.NewDate(2025, 6, 1),
		Kind: models.CharityService}); err != nil {
		t.Fatal(err)
	}
	in := models.VerificationInput{SourceDepartment: "税务局", CheckDate: models.NewDate(2025, 8, 31),
		Members: []*models.VerifiedMemberInput{{MemberID: &ms[0].ID, MonthlyIncome: 30000}, {MemberID: &ms[1].ID}}}
	if _, err := verificationCases(st).RecordVerification(admin(), h.ID, in); err != nil {
		t.Fatal(err)
	}
	if _, err := fundsCases(st).TopUpReserve(admin(), township, models.Yuan(1000), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "张卫东", Post: models.PostVillageAssistant, Area: village,
		Phone: ptr("0534-2612345"), From: models.NewDate(2024, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	// A supporting document and a lookup on the status page (documents, status_lookups).
	doc := &store.Document{Record: store.DocumentOfApplication, RecordID: g.ID, Kind: store.DocumentMedicalBill,
		SHA256: strings.Repeat("0f", 32), Size: 1, ContentType: "application/pdf"}
	if err := st.Documents().Add(admin(), store.ScopeFor(auth.Principal{Subject: "admin", Role: models.RoleAdmin, Area: cityArea}), doc, noPut); err != nil {
		t.Fatal(err)
	}
	if err := st.StatusPage().RecordStatusLookupUnscoped(context.Background(), *g.Reference, "192.0.2.7", g.AreaCode, store.LookupShown, []string{g.ID}); err != nil {
		t.Fatal(err)
	}
	// A failed lookup of the same reference, and the daily job's alert of it in the
	// application's county (status_lookup_alerts).
	if err := st.StatusPage().RecordStatusLookupUnscoped(context.Background(), *g.Reference, "192.0.2.8", g.AreaCode, store.LookupMismatch, nil); err != nil {
		t.Fatal(err)
	}
	if alerts, err := st.StatusPage().AlertFailedLookupsUnscoped(context.Background(), st.Now(), store.StatusAlertRules{Window: 24 * time.Hour, ReferenceAddresses: 1}); err != nil || len(alerts) != 1 || alerts[0].AreaCode != county {
		t.Fatalf("the alerts of the failed lookup: %+v %v", alerts, err)
	}
	// A grievance about the application, with a comment (grievances, grievance_comments).
	griev := grievances.New(st, policy.DefaultConfig())
	gv, err := griev.Open(admin(), models.OpenGrievanceInput{Subject: models.GrievanceOfGrant, RecordID: g.ID,
		Category: models.GrievanceAmount, Channel: models.GrievanceByHotline, Summary: "报销比例有误"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := griev.Comment(admin(), gv.ID, "已核对票据"); err != nil {
		t.Fatal(err)
	}
	// A discovery case with a visit, and the review of the household's dibao grant (P24).
	found := unserved(t, st, village, models.LabourNone)
	dc := discoveries.New(st)
	c, err := dc.OpenCase(admin(), models.DiscoveryCaseInput{HouseholdID: found.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.RecordVisit(admin(), c.ID, models.DiscoveryVisitInput{VisitedOn: models.NewDate(2026, 1, 5), Note: "入户"}, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := reviews.New(st, policy.DefaultConfig()).OpenDue(context.Background(), models.NewDate(2027, 1, 1)); err != nil || n == 0 {
		t.Fatalf("opened %d reviews (%v)", n, err)
	}
	// Next month's payroll of the county, with a line for the household's dibao.
	svc := payroll.New(st)
	if _, err := svc.SetPayee(context.Background(), auth.Principal{Subject: "pay-" + county, Role: models.RoleOfficer, Area: county},
		models.PayeeInput{HouseholdID: h.ID, Bank: "德州银行", Account: "6222021234567890", Holder: "王建国"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Generate(context.Background(), auth.Principal{Subject: "pay-" + county, Role: models.RoleOfficer, Area: county},
		county, (policy.MonthOf(time.Now()) + 1).String()); err != nil {
		t.Fatal(err)
	}
}

// TestRowLevelSecurityLimitsStatementsWithoutScope runs, on every table under row-level
// security, a count that lacks the store's own scope predicate, as a query that forgot
// it would: the policy still shows a county officer only the county's rows, inside a
// transaction and outside, and a context without a caller no row at all.
func TestRowLevelSecurityLimitsStatementsWithoutScope(t *testing.T) {
	st := storetest.MustOpenRLS(t) // skips without TEST_DATABASE_URL: row-level security is PostgreSQL's
	fillEveryTable(t, st, villageA1)
	fillEveryTable(t, st, villageB)
	countyLo, countyHi := division.Range(countyA)
	cityLo, cityHi := division.Range(cityArea)
	callers := []struct {
		name string
		ctx  context.Context
		// lo and hi bound the rows the caller must see; lo > hi for none.
		lo, hi string
	}{
		{"county officer", storetest.As(models.RoleOfficer, countyA), countyLo, countyHi},
		{"village assistant", storetest.As(models.RoleAssistant, villageB), villageB, villageB},
		{"city admin", admin(), cityLo, cityHi},
		{"no caller", context.Background(), "1", "0"},
	}
	for _, table := range store.RLSTables() {
		t.Run(table, func(t *testing.T) {
			all, err := store.CountInRangeUnscoped(st, table, "000000000000", "999999999999")
			if err != nil {
				t.Fatal(err)
			}
			inA, err := store.CountInRangeUnscoped(st, table, countyLo, countyHi)
			if err != nil {
				t.Fatal(err)
			}
			if inA == 0 || inA == all {
				t.Fatalf("%d rows, %d of them in county A: the test needs rows inside and outside it", all, inA)
			}
			for _, c := range callers {
				want, err := store.CountInRangeUnscoped(st, table, c.lo, c.hi)
				if err != nil {
					t.Fatal(err)
				}
				for _, tx := range []bool{false, true} {
					got, err := store.CountWithoutScope(c.ctx, st, table, tx)
					if err != nil {
						t.Fatalf("%s (transaction %v): %v", c.name, tx, err)
					}
					if got != want {
						t.Errorf("%s (transaction %v) sees %d of %d rows, want %d", c.name, tx, got, all, want)
					}
				}
			}
		})
	}
}

// TestRowLevelSecurityRefusesWritesOutsideTheRange writes households with raw statements
// that skip the store's checks: the policy's WITH CHECK refuses a row outside the
// caller's range, inserted or moved there, in a transaction or not, while the same
// statement inside the range passes. An update of another county's row finds nothing.
func TestRowLevelSecurityRefusesWritesOutsideTheRange(t *testing.T) {
	st := storetest.MustOpenRLS(t)
	own, _ := household(t, st, villageA1)
	other, _ := household(t, st, villageB)
	county := storetest.As(models.RoleOfficer, countyA)
	insert := `INSERT INTO households (id, area_code, address, poverty_registered, version, created_at, updated_at)
VALUES (?, ?, '越界路1号', false, 1, now(), now())`
	n := 0
	id := func() string { n++; return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }
	cases := []struct {
		name    string
		ctx     context.Context
		tx      bool
		q       string
		args    []any
		refused bool
	}{
		{"insert outside the range", county, false, insert, []any{id(), villageB}, true},
		{"insert outside the range in a transaction", county, true, insert, []any{id(), villageB}, true},
		{"insert without a caller", context.Background(), false, insert, []any{id(), villageA1}, true},
		{"insert inside the range", county, false, insert, []any{id(), villageA1}, false},
		{"insert inside the range in a transaction", county, true, insert, []any{id(), villageA2}, false},
		{"move a row out of the range", county, true, `UPDATE households SET area_code = ? WHERE id = ?`, []any{villageB, own.ID}, true},
		{"move a row inside the range", county, false, `UPDATE households SET area_code = ? WHERE id = ?`, []any{villageA2, own.ID}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := store.ExecWithoutScope(c.ctx, st, c.tx, c.q, c.args...)
			if c.refused != (err != nil) {
				t.Fatalf("refused: %v, want %v", err, c.refused)
			}
			if c.refused && !strings.Contains(err.Error(), "row-level security") {
				t.Errorf("refused for another reason: %v", err)
			}
		})
	}
	if err := store.ExecWithoutScope(county, st, false, `UPDATE households SET address = '篡改' WHERE id = ?`, other.ID); err != nil {
		t.Fatal(err)
	}
	if h, err := useCases(st).Household(admin(), other.ID); err != nil || h.Address == "篡改" {
		t.Errorf("another county's household changed: %+v %v", h, err)
	}
}

// TestRowLevelSecurityRefusesRolesThatBypassIt opens stores with row-level security as
// roles of each kind: a superuser and a role with BYPASSRLS would skip every policy
// silently, so Open refuses them and names the role; an ordinary role is accepted, and
// without row-level security any role is.
func TestRowLevelSecurityRefusesRolesThatBypassIt(t *testing.T) {
	cases := []struct {
		name    string
		url     func(tb testing.TB) string
		rls     bool
		refused string
	}{
		{"superuser", storetest.PostgresURL, true, "bypasses row-level security"},
		{"BYPASSRLS role", func(t testing.TB) string {
			return storetest.PostgresURLAs(t, "jiuzhu_rls_bypass_test", "LOGIN NOSUPERUSER BYPASSRLS")
		}, true, "role jiuzhu_rls_bypass_test bypasses row-level security"},
		{"ordinary role", func(t testing.TB) string {
			return storetest.RLSURL(t)
		}, true, ""},
		{"superuser without row-level security", storetest.PostgresURL, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(context.Background(), store.Config{DatabaseURL: c.url(t), RowLevelSecurity: c.rls, Rules: casework.DefaultRules()}, division.Dezhou())
			if err == nil {
				_ = st.Close()
			}
			switch {
			case c.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
				t.Fatalf("want an error with %q, got %v", c.refused, err)
			}
		})
	}
}

// TestMigrateTurnsRowLevelSecurityOnAndOff migrates one database with row-level security
// on, again on (nothing changes), off, and on again: on, every table of store.RLSTables
// and no other has it enabled, forced and with its policy; off, no table has any of it,
// and a store without a caller in its context reads every row, as before.
func TestMigrateTurnsRowLevelSecurityOnAndOff(t *testing.T) {
	url := storetest.RLSURL(t)
	on := map[string][]string{}
	for _, table := range store.RLSTables() {
		on[table] = []string{"enabled", "forced", "policy"}
	}
	var hid string
	for i, rls := range []bool{true, true, false, true} {
		t.Run(fmt.Sprintf("%d rls=%v", i, rls), func(t *testing.T) {
			st, err := store.Open(context.Background(), store.Config{DatabaseURL: url, RowLevelSecurity: rls, Rules: casework.DefaultRules()}, division.Dezhou())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.Setup().Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if hid == "" {
				h, _ := household(t, st, villageA1)
				hid = h.ID
			}
			got, err := store.RLSStateUnscoped(st)
			if err != nil {
				t.Fatal(err)
			}
			want := on
			if !rls {
				want = map[string][]string{}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("row-level security of the tables:\n got %v\nwant %v", got, want)
			}
			n, err := store.CountWithoutScope(context.Background(), st, "households", false)
			if err != nil {
				t.Fatal(err)
			}
			if wantN := map[bool]int64{true: 0, false: 1}[rls]; n != wantN {
				t.Errorf("without a caller: %d households, want %d", n, wantN)
			}
			if h, err := useCases(st).Household(admin(), hid); err != nil || h.ID != hid {
				t.Errorf("the household as the city admin: %v", err)
			}
		})
	}
}

// TestRowLevelSecurityKeepsCityWideKeys registers a person and a reference in county B
// and has county A's callers use them: the ID number and the external reference are
// unique city-wide, so each write is refused with the same Conflict as without
// row-level security (which the other tests check on both databases), naming the field,
// though the policy hides county B's rows from county A. The transaction that looked
// across areas for the keys sees only the caller's area again afterwards.
func TestRowLevelSecurityKeepsCityWideKeys(t *testing.T) {
	st := storetest.MustOpenRLS(t)
	other, _ := household(t, st, villageB)
	otherMembers, err := useCases(st).MembersOf(admin(), other.ID)
	if err != nil {
		t.Fatal(err)
	}
	taken, ref := otherMembers[1].IDNumber, "RLS-ELSEWHERE"
	if _, err := useCases(st).UpdateHousehold(admin(), other.ID, models.HouseholdPatch{ExternalRef: &ref}); err != nil {
		t.Fatal(err)
	}
	county := storetest.As(models.RoleOfficer, countyA)
	own, _ := household(t, st, villageA1)
	cases := []struct {
		name, field string
		write       func() error
	}{
		{"createHousehold with a person of county B", "input.members[1].idNumber", func() error {
			_, err := useCases(st).CreateHousehold(county, models.HouseholdInput{Village: villageA1, Address: "x", Members: []*models.MemberInput{
				{Name: "甲", IDNumber: person(1970, true), Relation: models.RelationHead},
				{Name: "乙", IDNumber: taken, Relation: models.RelationChild}}})
			return err
		}},
		{"addMember with a person of county B", "input.idNumber", func() error {
			_, err := useCases(st).AddMember(county, own.ID, models.MemberInput{Name: "乙", IDNumber: taken, Relation: models.RelationOther})
			return err
		}},
		{"createHousehold with county B's reference", "externalRef", func() error {
			_, err := useCases(st).CreateHousehold(county, models.HouseholdInput{Village: villageA1, Address: "x", ExternalRef: &ref,
				Members: []*models.MemberInput{{Name: "甲", IDNumber: person(1971, true), Relation: models.RelationHead}}})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.write()
			if !errors.Is(err, models.ErrConflict) || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("want a Conflict on %s, got %v", c.field, err)
			}
			for _, leak := range []string{other.ID, villageB, "陵城"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("the error reveals %q: %v", leak, err)
				}
			}
		})
	}
	t.Run("import", func(t *testing.T) {
		batch := []*models.HouseholdRecord{record("RLS-1", villageA1, 1), record(ref, villageA1, 1), record("RLS-2", villageA1, 2)}
		batch[2].Members[1].IDNumber = taken
		rep, err := importCases(st).ImportHouseholds(county, batch, store.ImportOptions{Partial: true})
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, e := range rep.Errors {
			fields = append(fields, e.Code+" "+e.Field)
		}
		want := []string{"CONFLICT records[1].externalRef", "CONFLICT records[2].members[1].idNumber"}
		if !rep.Committed || rep.Created != 1 || !slices.Equal(fields, want) {
			t.Errorf("report %+v, faults %v, want %v", rep, fields, want)
		}
	})
	t.Run("the range after the read across areas", func(t *testing.T) {
		inside, after, err := store.AcrossAreas(county, st, "households")
		if err != nil {
			t.Fatal(err)
		}
		all, _ := store.CountInRangeUnscoped(st, "households", "000000000000", "999999999999")
		lo, hi := division.Range(countyA)
		inA, _ := store.CountInRangeUnscoped(st, "households", lo, hi)
		if inside != all || after != inA || inA == all {
			t.Errorf("inside %d (want all %d), after %d (want county A's %d)", inside, all, after, inA)
		}
	})
}

// policyIndexCond matches an index condition of a plan that holds the policy's range.
var policyIndexCond = regexp.MustCompile(`Index Cond: .*area_code(\)::text)? >= current_setting\('jiuzhu\.lo'::text, true\)`)

// TestRowLevelSecurityRangeIsAnIndexCondition checks, on a seeded city, that the policy
// costs no scan of a table: a statement without the store's predicate, as a village or
// county caller runs it, reads each table under row-level security through an index led
// by area_code with the policy's range as the index condition. It also shows the
// planner estimating with the caller's range: the same count for the city admin, who
// sees every row, reads the table sequentially.
func TestRowLevelSecurityRangeIsAnIndexCondition(t *testing.T) {
	st := storetest.MustOpenRLS(t)
	ds := seed.Generate(st.Tree(), 3000, time.Now())
	if err := st.Setup().SeedUnscoped(admin(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	fillEveryTable(t, st, villageA1)
	if err := store.AnalyzeUnscoped(st); err != nil {
		t.Fatal(err)
	}
	village := storetest.As(models.RoleAssistant, seed.DemoVillage(st.Tree()))
	for _, table := range store.RLSTables() {
		t.Run(table, func(t *testing.T) {
			plan, err := store.ExplainAs(village, st, true, "SELECT count(*) FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			if !policyIndexCond.MatchString(plan) || strings.Contains(plan, "Seq Scan") {
				t.Errorf("the policy's range is not an index condition:\n%s", plan)
			}
			t.Logf("%s\n%s", table, plan)
		})
	}
	cases := []struct {
		name    string
		ctx     context.Context
		wantSeq bool
	}{
		{"village assistant", village, false},
		{"county officer", storetest.As(models.RoleOfficer, seed.DemoCounty), false},
		{"city admin", admin(), true},
	}
	for _, c := range cases {
		t.Run("households as "+c.name, func(t *testing.T) {
			plan, err := store.ExplainAs(c.ctx, st, false, "SELECT id, address FROM households")
			if err != nil {
				t.Fatal(err)
			}
			if seq := strings.Contains(plan, "Seq Scan"); seq != c.wantSeq || !seq && !policyIndexCond.MatchString(plan) {
				t.Errorf("want a sequential scan: %v; got\n%s", c.wantSeq, plan)
			}
			t.Logf("%s\n%s", c.name, plan)
		})
	}
}

// TestRowLevelSecurityRangesStayWithTheirStatements runs, at once, many statements
// without the store's scope predicate for callers of every tier and for no caller,
// through each path of the store's connections (rows read one by one while others run,
// a single row, a statement that only counts, a transaction). There are more of them
// than connections in the pool, so connections pass from one caller to another, and a
// connection's recorded range is reused or replaced: each statement must still reach
// exactly its own caller's rows.
func TestRowLevelSecurityRangesStayWithTheirStatements(t *testing.T) {
	st := storetest.MustOpenRLS(t)
	ds := seed.Generate(st.Tree(), 3000, time.Now())
	if err := st.Setup().SeedUnscoped(admin(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	village := seed.DemoVillage(st.Tree())
	callers := []struct {
		ctx    context.Context
		lo, hi string
	}{
		{storetest.As(models.RoleAssistant, village), village, village},
		{storetest.As(models.RoleOfficer, seed.DemoTownship), "", ""},
		{storetest.As(models.RoleOfficer, seed.DemoCounty), "", ""},
		{admin(), "", ""},
		{context.Background(), "1", "0"},
	}
	for i, area := range []string{seed.DemoTownship, seed.DemoCounty, cityArea} {
		callers[i+1].lo, callers[i+1].hi = division.Range(area)
	}
	want := make([]int64, len(callers))
	for i, c := range callers {
		n, err := store.CountInRangeUnscoped(st, "households", c.lo, c.hi)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = n
	}
	if want[0] == 0 || want[0] == want[1] || want[1] == want[2] || want[2] == want[3] {
		t.Fatalf("the callers must see different numbers of rows: %v", want)
	}
	paths := []string{"query", "row", "exec", "tx"}
	const workers, rounds = 60, 4
	errs := make(chan error, workers*rounds)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				i, path := (w+r)%len(callers), paths[(w/len(callers)+r)%len(paths)]
				n, err := store.SeenWithoutScope(callers[i].ctx, st, "households", path)
				if err != nil {
					errs <- fmt.Errorf("caller %d, %s: %w", i, path, err)
				} else if n != want[i] {
					errs <- fmt.Errorf("caller %d, %s: %d rows, want %d", i, path, n, want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEveryAreaTableIsUnderRowLevelSecurity holds the list of tables under row-level
// security to the schema and to docs/security.md: every table with an area_code column is
// on it, but for the published figures that every level of a county reads, and the
// operators' documentation names each table on it.
func TestEveryAreaTableIsUnderRowLevelSecurity(t *testing.T) {
	readAcross := []string{"dibao_standards", "entitlement_parameters", "program_settings"}
	schema, err := store.SchemaUnscoped(storetest.MustOpen(t, store.SQLite))
	if err != nil {
		t.Fatal(err)
	}
	rls := store.RLSTables()
	for table, lines := range schema {
		hasArea := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "column area_code ") })
		switch {
		case hasArea && !slices.Contains(rls, table) && !slices.Contains(readAcross, table):
			t.Errorf("%s has an area_code but no row-level security", table)
		case !hasArea && slices.Contains(rls, table):
			t.Errorf("%s is under row-level security without an area_code", table)
		}
	}
	doc, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	if i := strings.Index(section, "## Row-level security"); i >= 0 {
		section = section[i:]
	}
	for _, table := range rls {
		if !strings.Contains(section, "`"+table+"`") {
			t.Errorf("docs/security.md does not name %s among the tables under row-level security", table)
		}
	}
}
