package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// ruralVillage is a rural village of township A2 of county A.
const ruralVillage = "371402002215"

// verifyFixture is a county with a rural dibao standard of 650.00 and two households of
// two on rural dibao in one of its villages: one registered poor, one not; and a
// household in county B.
type verifyFixture struct {
	poor, other, away         *models.Household
	poorMembers, otherMembers []*models.Member
	awayMembers               []*models.Member
	poorGrant, otherGrant     *models.Grant
}

func newVerifyFixture(t *testing.T, st *store.Store) verifyFixture {
	t.Helper()
	if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, 2025, models.Yuan(900), models.Yuan(650)); err != nil {
		t.Fatal(err)
	}
	standard(t, st, countyB, 2025) // of the urban village
	mk := func(village string, registered bool, program string) (*models.Household, []*models.Member, *models.Grant) {
		t.Helper()
		h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: village, Address: "核对路1号", PovertyRegistered: registered,
			Members: []*models.MemberInput{
				{Name: "户主", IDNumber: person(1970, true), Relation: models.RelationHead},
				{Name: "子女", IDNumber: person(2012, false), Relation: models.RelationChild},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		g, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: h.ID, ProgramCode: program,
			StartDate: models.NewDate(2025, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return h, ms, g
	}
	var f verifyFixture
	f.poor, f.poorMembers, f.poorGrant = mk(ruralVillage, true, "RURAL_DIBAO")
	f.other, f.otherMembers, f.otherGrant = mk(ruralVillage, false, "RURAL_DIBAO")
	f.away, f.awayMembers, _ = mk(villageB, true, "URBAN_DIBAO") // an urban village: its kind of dibao (P21)
	return f
}

func income(yuan int64) *models.Money { m := models.Yuan(yuan); return &m }

func checkOf(idNumber, source, date string, yuan int64) *models.VerificationRecord {
	d, err := models.ParseDate(date)
	if err != nil {
		panic(err)
	}
	return &models.VerificationRecord{IDNumber: idNumber, Source: source, CheckDate: d, MonthlyIncome: income(yuan)}
}

// written is what an import may write, for before/after comparisons.
type written struct {
	// audits counts the audit events other than lookupIdNumber.
	verifications, changes, audits int
	poorStatus, otherStatus        models.GrantStatus
	otherFlag                      bool
}

func (f verifyFixture) written(t *testing.T, st *store.Store) written {
	t.Helper()
	var w written
	for _, h := range []*models.Household{f.poor, f.other, f.away} {
		vs, err := verificationCases(st).Verifications(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.verifications += len(vs)
	}
	w.changes = len(allChanges(t, st, admin()))
	ops, err := store.AuditOps(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		// A number not found is a lookup by ID number, audited even when the batch is
		// refused; it writes nothing else.
		if op != "lookupIdNumber" {
			w.audits++
		}
	}
	pg, err := grantCases(st).Grant(admin(), f.poorGrant.ID)
	if err != nil {
		t.Fatal(err)
	}
	og, err := grantCases(st).Grant(admin(), f.otherGrant.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.poorStatus, w.otherStatus, w.otherFlag = pg.Status, og.Status, og.ReviewFlag
	return w
}

// TestImportVerificationsRulesDryRunAndIdempotency imports a tax check of each head as
// an integrator of another category: the registered poor household's rural dibao moves
// to GRACE (P13), the other is flagged; a dry run first writes nothing, and the same
// batch again is UNCHANGED and writes nothing.
func TestImportVerificationsRulesDryRunAndIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newVerifyFixture(t, st)
		ctx := storetest.As(models.RoleIntegrator, countyA, "MEDICAL")
		batch := []*models.VerificationRecord{
			checkOf(f.poorMembers[0].IDNumber, "TAX", "2025-11-30", 1400),
			checkOf(strings.ToLower(f.otherMembers[0].IDNumber), "税务", "2025-11-30", 1400),
		}
		w0 := f.written(t, st)

		dry, err := verificationCases(st).ImportVerifications(ctx, batch, store.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Committed || dry.Created != 2 || dry.Rejected != 0 || dry.Results[0].ID != nil {
			t.Fatalf("dry run: %+v %+v", dry, dry.Errors)
		}
		if w := f.written(t, st); w != w0 {
			t.Fatalf("the dry run wrote: %+v, before %+v", w, w0)
		}

		first, err := verificationCases(st).ImportVerifications(ctx, batch, store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Committed || first.Created != 2 || first.Results[0].ID == nil || first.Results[1].ID == nil {
			t.Fatalf("import: %+v %+v", first, first.Errors)
		}
		if want := privacy.IDNumber(f.poorMembers[0].IDNumber) + "/TAX/2025-11-30"; first.Results[0].Key != want {
			t.Errorf("key %q, want %q", first.Results[0].Key, want)
		}
		w1 := f.written(t, st)
		if w1.verifications != 2 || w1.poorStatus != models.GrantGrace || w1.otherStatus != models.GrantActive || !w1.otherFlag {
			t.Fatalf("after the import: %+v", w1)
		}
		if w1.audits != w0.audits+2 {
			t.Errorf("%d audit records, want 2", w1.audits-w0.audits)
		}
		g, err := grantCases(st).Grant(admin(), f.poorGrant.ID)
		if err != nil || g.GraceUntil == nil || g.GraceUntil.String() != "2026-02-28" {
			t.Errorf("grace: %+v %v", g, err)
		}
		v, err := verificationCases(st).LatestVerification(admin(), f.poor.ID)
		if err != nil || v == nil || v.ID != *first.Results[0].ID || v.SourceDepartment != "TAX" ||
			v.TotalIncome != models.Yuan(1400) || v.MemberCount != 2 || v.PerCapitaIncome != models.Yuan(700) {
			t.Fatalf("verification: %+v %v", v, err)
		}
		h, err := useCases(st).Household(admin(), f.poor.ID)
		if err != nil || h.PerCapitaIncome == nil || *h.PerCapitaIncome != models.Yuan(700) {
			t.Errorf("derived per-capita income: %+v %v", h, err)
		}
		// The feed: each grant and each household once.
		all := allChanges(t, st, admin())
		seen := map[string]int{}
		for _, c := range all[w0.changes:] {
			seen[string(c.Entity)+" "+c.ID]++
		}
		for _, id := range []string{"GRANT " + f.poorGrant.ID, "GRANT " + f.otherGrant.ID, "HOUSEHOLD " + f.poor.ID, "HOUSEHOLD " + f.other.ID} {
			if seen[id] != 1 {
				t.Errorf("%s logged %d times, want once: %v", id, seen[id], seen)
			}
		}

		second, err := verificationCases(st).ImportVerifications(ctx, batch, store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !second.Committed || second.Unchanged != 2 || second.Created+second.Updated+second.Rejected != 0 {
			t.Fatalf("second import: %+v", second)
		}
		for i, r := range second.Results {
			if r.Outcome != models.ImportUnchanged || r.ID == nil || *r.ID != *first.Results[i].ID {
				t.Errorf("second result %+v", r)
			}
		}
		if w := f.written(t, st); w != w1 {
			t.Errorf("the same batch twice wrote: %+v, before %+v", w, w1)
		}
	})
}

// TestImportVerificationsGrouping checks the grouping rule: one verification per
// household, source and check date; listed incomes replace, the rest are carried from
// the latest verification or the registration.
func TestImportVerificationsGrouping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleOfficer, townshipA1)
		h, err := useCases(st).CreateHousehold(admin(), models.HouseholdInput{Village: villageA1, Address: "分组路1号",
			Members: []*models.MemberInput{
				{Name: "甲", IDNumber: person(1960, true), Relation: models.RelationHead, MonthlyIncome: income(100)},
				{Name: "乙", IDNumber: person(1962, false), Relation: models.RelationSpouse, MonthlyIncome: income(200)},
				{Name: "丙", IDNumber: person(1990, true), Relation: models.RelationChild, MonthlyIncome: income(300)},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]*models.Member{}
		for _, m := range ms {
			byName[m.Name] = m
		}
		a, b, c := byName["甲"], byName["乙"], byName["丙"]
		lines := func(v *models.Verification) map[string]models.Money {
			t.Helper()
			ls, err := verificationCases(st).VerifiedMembersOf(admin(), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]models.Money{}
			for _, l := range ls {
				out[l.MemberID] = l.MonthlyIncome
			}
			return out
		}
		// No verification yet: the members not listed keep their registered income.
		rep, err := verificationCases(st).ImportVerifications(ctx, []*models.VerificationRecord{checkOf(a.IDNumber, "TAX", "2025-06-30", 1000)}, store.ImportOptions{})
		if err != nil || rep.Created != 1 {
			t.Fatalf("%+v %v", rep, err)
		}
		v1, _ := verificationCases(st).LatestVerification(admin(), h.ID)
		if l := lines(v1); l[a.ID] != models.Yuan(1000) || l[b.ID] != models.Yuan(200) || l[c.ID] != models.Yuan(300) || v1.TotalIncome != models.Yuan(1500) {
			t.Fatalf("first verification lines %v total %s", l, v1.TotalIncome)
		}

		// Two sources on one date: two verifications; each carries the other findings.
		yes, no := true, false
		batch := []*models.VerificationRecord{
			checkOf(b.IDNumber, "TAX", "2025-09-30", 500),
			{IDNumber: c.IDNumber, Source: "VEHICLES", CheckDate: models.NewDate(2025, 9, 30), OwnsVehicle: &no},
			{IDNumber: a.IDNumber, Source: "TAX", CheckDate: models.NewDate(2025, 9, 30), OwnsVehicle: &yes},
			checkOf(c.IDNumber, "TAX", "2025-09-30", 0),
		}
		rep, err = verificationCases(st).ImportVerifications(ctx, batch, store.ImportOptions{})
		if err != nil || rep.Created != 4 || *rep.Results[0].ID != *rep.Results[2].ID || *rep.Results[0].ID == *rep.Results[1].ID {
			t.Fatalf("grouped import: %+v %v", rep, err)
		}
		vs, err := verificationCases(st).Verifications(admin(), h.ID)
		if err != nil || len(vs) != 3 {
			t.Fatalf("%d verifications, want 3: %v", len(vs), err)
		}
		var tax, vehicles *models.Verification
		for _, v := range vs {
			switch v.ID {
			case *rep.Results[0].ID:
				tax = v
			case *rep.Results[1].ID:
				vehicles = v
			}
		}
		if l := lines(tax); l[a.ID] != models.Yuan(1000) || l[b.ID] != models.Yuan(500) || l[c.ID] != 0 || !tax.OwnsVehicle || tax.Latest {
			t.Errorf("tax verification: lines %v %+v", l, tax)
		}
		// Recorded after the tax check of the same date: it carries its incomes, and its
		// own finding (no vehicle) replaces the carried one.
		if l := lines(vehicles); l[a.ID] != models.Yuan(1000) || l[b.ID] != models.Yuan(500) || l[c.ID] != 0 || vehicles.OwnsVehicle || !vehicles.Latest {
			t.Errorf("vehicles verification: lines %v %+v", l, vehicles)
		}

		// A correction of one finding: UPDATED, a new verification of the same key.
		rep, err = verificationCases(st).ImportVerifications(ctx, []*models.VerificationRecord{checkOf(b.IDNumber, "TAX", "2025-09-30", 600)}, store.ImportOptions{})
		if err != nil || rep.Updated != 1 || *rep.Results[0].ID == tax.ID {
			t.Fatalf("correction: %+v %v", rep, err)
		}
		// The unchanged half of the earlier group is still unchanged.
		rep, err = verificationCases(st).ImportVerifications(ctx, batch[1:2], store.ImportOptions{})
		if err != nil || rep.Unchanged != 1 {
			t.Fatalf("again: %+v %v", rep, err)
		}
	})
}

// TestImportVerificationsRefusals: one bad record writes nothing; every fault names its
// record and field; an unknown person and one outside the caller's area get the same
// words; roles and the batch size are checked.
func TestImportVerificationsRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newVerifyFixture(t, st)
		good := checkOf(f.poorMembers[0].IDNumber, "TAX", "2025-11-30", 1400)
		future := time.Now().AddDate(0, 0, 3).Format(models.DateLayout)
		unknown := person(1980, true)
		nearby, _ := household(t, st, villageA1) // township A1, beside the fixture's township A2
		nearbyMembers, err := useCases(st).MembersOf(admin(), nearby.ID)
		if err != nil {
			t.Fatal(err)
		}
		townshipA2Officer := storetest.As(models.RoleOfficer, townshipA2)
		cases := []struct {
			name   string
			ctx    context.Context
			rec    *models.VerificationRecord
			field  string
			code   string
			reason string
		}{
			{"unknown ID number", admin(), checkOf(unknown, "TAX", "2025-11-30", 1), "records[1].idNumber", "NOT_FOUND", "no person with this ID number is registered in your area"},
			{"person of another county", storetest.As(models.RoleIntegrator, countyA), checkOf(f.awayMembers[0].IDNumber, "TAX", "2025-11-30", 1), "records[1].idNumber", "NOT_FOUND", "no person with this ID number is registered in your area"},
			{"person of another township", townshipA2Officer, checkOf(nearbyMembers[0].IDNumber, "TAX", "2025-11-30", 1), "records[1].idNumber", "NOT_FOUND", "no person with this ID number is registered in your area"},
			{"malformed ID number", admin(), checkOf("37140219900101001", "TAX", "2025-11-30", 1), "records[1].idNumber", "BAD_USER_INPUT", "characters"},
			{"bad source", admin(), checkOf(f.otherMembers[0].IDNumber, "HEALTH", "2025-11-30", 1), "records[1].source", "BAD_USER_INPUT", "not a source"},
			{"future date", admin(), checkOf(f.otherMembers[0].IDNumber, "TAX", future, 1), "records[1].checkDate", "BAD_USER_INPUT", "future"},
			{"no date", admin(), &models.VerificationRecord{IDNumber: f.otherMembers[0].IDNumber, Source: "TAX", MonthlyIncome: income(1)}, "records[1].checkDate", "BAD_USER_INPUT", "required"},
			{"negative income", admin(), checkOf(f.otherMembers[0].IDNumber, "TAX", "2025-11-30", -1), "records[1].monthlyIncome", "BAD_USER_INPUT", "from 0.00"},
			{"no finding", admin(), &models.VerificationRecord{IDNumber: f.otherMembers[0].IDNumber, Source: "TAX", CheckDate: models.NewDate(2025, 11, 30)}, "records[1]", "BAD_USER_INPUT", "no finding"},
			{"repeated record", admin(), checkOf(f.poorMembers[0].IDNumber, "税务", "2025-11-30", 1), "records[1]", "BAD_USER_INPUT", "repeats records[0]"},
		}
		w0 := f.written(t, st)
		reasons := map[string]string{}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := verificationCases(st).ImportVerifications(tt.ctx, []*models.VerificationRecord{good, tt.rec}, store.ImportOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Committed || rep.Rejected != 1 || len(rep.Errors) != 1 || rep.Results[0].Outcome != models.ImportCreated || rep.Results[0].ID != nil {
					t.Fatalf("report: %+v %+v", rep, rep.Errors)
				}
				e := rep.Errors[0]
				if e.Index != 1 || e.Field != tt.field || e.Code != tt.code || !strings.Contains(e.Reason, tt.reason) {
					t.Errorf("error %+v, want %s %s %q", e, tt.field, tt.code, tt.reason)
				}
				if e.Code == "NOT_FOUND" {
					reasons[tt.name] = e.Reason
				}
				if w := f.written(t, st); w != w0 {
					t.Errorf("a refused batch wrote: %+v, before %+v", w, w0)
				}
			})
		}
		if len(reasons) != 3 || reasons["unknown ID number"] != reasons["person of another county"] || reasons["unknown ID number"] != reasons["person of another township"] {
			t.Errorf("unknown and out-of-area reasons differ: %v", reasons)
		}

		// Roles.
		for _, role := range []models.Role{models.RoleAssistant, models.RoleAuditor} {
			if _, err := verificationCases(st).ImportVerifications(storetest.As(role, countyA), []*models.VerificationRecord{good}, store.ImportOptions{}); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s: %v", role, err)
			}
		}
		// Batch size.
		many := make([]*models.VerificationRecord, store.MaxImportRecords+1)
		for i := range many {
			many[i] = good
		}
		if _, err := verificationCases(st).ImportVerifications(admin(), many, store.ImportOptions{}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("too many records: %v", err)
		}
		if w := f.written(t, st); w != w0 {
			t.Fatalf("refused calls wrote: %+v", w)
		}

		// Partial: the valid record is written, the invalid one reported.
		rep, err := verificationCases(st).ImportVerifications(admin(), []*models.VerificationRecord{good, checkOf(unknown, "TAX", "2025-11-30", 1)}, store.ImportOptions{Partial: true})
		if err != nil || !rep.Committed || rep.Created != 1 || rep.Rejected != 1 {
			t.Fatalf("partial: %+v %v", rep, err)
		}
		if w := f.written(t, st); w.verifications != 1 || w.poorStatus != models.GrantGrace {
			t.Errorf("after the partial import: %+v", w)
		}
	})
}

// BenchmarkImportVerifications imports 1,000 tax checks of 1,000 households per
// operation (each operation a new check date, so every record is recorded), on SQLite and
// on PostgreSQL when TEST_DATABASE_URL is set.
func BenchmarkImportVerifications(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.MustOpen(b, d)
			var hs []*models.HouseholdRecord
			for i := range store.MaxImportRecords {
				hs = append(hs, record(fmt.Sprintf("B-%d", i), villageA1, 1))
			}
			if rep, err := importCases(st).ImportHouseholds(admin(), hs, store.ImportOptions{}); err != nil || !rep.Committed {
				b.Fatalf("%+v %v", rep, err)
			}
			day := models.NewDate(2025, 12, 31)
			for b.Loop() {
				batch := make([]*models.VerificationRecord, len(hs))
				for i, h := range hs {
					batch[i] = &models.VerificationRecord{IDNumber: h.Members[0].IDNumber, Source: "TAX", CheckDate: day, MonthlyIncome: income(int64(i))}
				}
				rep, err := verificationCases(st).ImportVerifications(admin(), batch, store.ImportOptions{})
				if err != nil || rep.Created != len(hs) {
					b.Fatalf("%+v %v", rep, err)
				}
				day = models.DateOf(day.AddDate(0, 0, -1))
			}
		})
	}
}
