package verifications_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/verifications"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	region   = "371402"
	countyA  = "371402000000"
	villageA = "371402001001"
	villageB = "371402002001"
	countyB  = "371403000000"
)

// today is the clock of every test.
var today = time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

func ptr[T any](v T) *T { return &v }

var (
	officer    = as(models.RoleOfficer, countyA)
	assistant  = as(models.RoleAssistant, villageA)
	auditor    = as(models.RoleAuditor, countyA)
	integrator = as(models.RoleIntegrator, countyA, "DIBAO")
	stranger   = as(models.RoleOfficer, countyB)
)

// person returns a valid ID number of a person born in year, registered in county A.
func person(year, seq int) string {
	return idnumber.Build(region, time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), seq)
}

// world is a fake with county A's rural standard of 800.00 yuan, a registered poor
// household "poor" in village A (members p1, p2, active rural dibao grant gP) and a
// household "plain" in village B that is not registered poor (member q1, active rural
// dibao grant gQ), and the service over it.
func world() (*fake, *verifications.Service) {
	f := newFake()
	f.standards[countyA] = &models.DibaoStandard{AreaCode: countyA, Year: 2026, Urban: models.Yuan(900), Rural: models.Yuan(800)}
	f.households["poor"] = &models.Household{ID: "poor", AreaCode: villageA, PovertyRegistered: true}
	f.households["plain"] = &models.Household{ID: "plain", AreaCode: villageB}
	f.members = []*models.Member{
		{ID: "p1", HouseholdID: "poor", AreaCode: villageA, IDNumber: person(1960, 1), MonthlyIncome: models.Yuan(100)},
		{ID: "p2", HouseholdID: "poor", AreaCode: villageA, IDNumber: person(1962, 2)},
		{ID: "q1", HouseholdID: "plain", AreaCode: villageB, IDNumber: person(1970, 3)},
	}
	f.grants["gP"] = &models.Grant{ID: "gP", HouseholdID: "poor", AreaCode: villageA, ProgramCode: "RURAL_DIBAO", Status: models.GrantActive, Version: 1}
	f.grants["gQ"] = &models.Grant{ID: "gQ", HouseholdID: "plain", AreaCode: villageB, ProgramCode: "RURAL_DIBAO", Status: models.GrantActive, Version: 1}
	n := 0
	return f, verifications.NewWith(f, policy.DefaultConfig(), func() time.Time { return today },
		func() string { n++; return fmt.Sprintf("v%d", n) })
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

// check is a verification of the poor household by the tax office on date, with the
// monthly incomes of p1 and p2.
func check(date models.Date, p1, p2 models.Money) models.VerificationInput {
	return models.VerificationInput{SourceDepartment: "税务局", CheckDate: date, Members: []*models.VerifiedMemberInput{
		{MemberID: ptr("p1"), MonthlyIncome: p1}, {MemberID: ptr("p2"), MonthlyIncome: p2},
	}}
}

func TestRecordVerification(t *testing.T) {
	march := models.NewDate(2026, 3, 1)
	tests := []struct {
		name      string
		caller    context.Context
		household string
		in        func() models.VerificationInput
		want      error
		field     string
		// grant is the grant P13 concerns, with the status and flag it must end with.
		grant     string
		status    models.GrantStatus
		flagged   bool
		perCapita models.Money
	}{
		{name: "assistant of the village, below the standard", caller: assistant, household: "poor",
			in: func() models.VerificationInput { return check(march, models.Yuan(700), models.Yuan(700)) }, perCapita: models.Yuan(700),
			grant: "gP", status: models.GrantActive},
		{name: "registered poor above the standard: GRACE (P13)", caller: officer, household: "poor",
			in: func() models.VerificationInput { return check(march, models.Yuan(1000), models.Yuan(900)) }, perCapita: models.Yuan(950),
			grant: "gP", status: models.GrantGrace},
		{name: "not registered poor above the standard: review flag (P13)", caller: officer, household: "plain",
			in: func() models.VerificationInput {
				return models.VerificationInput{SourceDepartment: "税务局", CheckDate: march,
					Members: []*models.VerifiedMemberInput{{IDNumber: ptr(person(1970, 3)), MonthlyIncome: models.Yuan(900)}}}
			}, perCapita: models.Yuan(900), grant: "gQ", status: models.GrantActive, flagged: true},
		{name: "auditor", caller: auditor, household: "poor", in: func() models.VerificationInput { return check(march, 1, 1) }, want: models.ErrForbidden},
		{name: "integrator", caller: integrator, household: "poor", in: func() models.VerificationInput { return check(march, 1, 1) }, want: models.ErrForbidden},
		{name: "officer of another county", caller: stranger, household: "poor", in: func() models.VerificationInput { return check(march, 1, 1) }, want: models.ErrNotFound},
		{name: "assistant of another village", caller: assistant, household: "plain", in: func() models.VerificationInput { return check(march, 1, 1) }, want: models.ErrNotFound},
		{name: "no caller", caller: context.Background(), household: "poor", in: func() models.VerificationInput { return check(march, 1, 1) }, want: models.ErrUnauthenticated},
		{name: "no department", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.sourceDepartment",
			in: func() models.VerificationInput { in := check(march, 1, 1); in.SourceDepartment = " "; return in }},
		{name: "check date in the future", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.checkDate",
			in: func() models.VerificationInput { return check(models.NewDate(2026, 4, 1), 1, 1) }},
		{name: "check date before 2000", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.checkDate",
			in: func() models.VerificationInput { return check(models.NewDate(1999, 12, 31), 1, 1) }},
		{name: "negative expenditure", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.medicalExpenditure",
			in: func() models.VerificationInput {
				in := check(march, 1, 1)
				in.MedicalExpenditure = ptr(models.Money(-1))
				return in
			}},
		{name: "income above the bound", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.members[1].monthlyIncome",
			in: func() models.VerificationInput { return check(march, 1, models.Money(100_000_001)) }},
		{name: "a member left out", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.members",
			in: func() models.VerificationInput { in := check(march, 1, 1); in.Members = in.Members[:1]; return in }},
		{name: "a member of another household", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.members[1].memberId",
			in: func() models.VerificationInput {
				in := check(march, 1, 1)
				in.Members[1].MemberID = ptr("q1")
				return in
			}},
		{name: "a member twice", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.members[1]",
			in: func() models.VerificationInput {
				in := check(march, 1, 1)
				in.Members[1].MemberID = ptr("p1")
				return in
			}},
		{name: "a member named both ways", caller: officer, household: "poor", want: models.ErrInvalid, field: "input.members[0]",
			in: func() models.VerificationInput {
				in := check(march, 1, 1)
				in.Members[0].IDNumber = ptr(person(1960, 1))
				return in
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			v, err := svc.RecordVerification(tt.caller, tt.household, tt.in())
			wantErr(t, err, tt.want, tt.field)
			if tt.want != nil {
				if len(f.vs) != 0 || len(f.audits) != 0 || f.grants["gP"].Status != models.GrantActive || f.grants["gQ"].ReviewFlag {
					t.Fatalf("a refused verification wrote: %d verifications, audits %v", len(f.vs), f.audits)
				}
				return
			}
			if !v.Latest || v.PerCapitaIncome != tt.perCapita || len(f.lines) != v.MemberCount {
				t.Fatalf("verification %+v, %d lines; want latest with %s per person", v, len(f.lines), tt.perCapita)
			}
			g := f.grants[tt.grant]
			if g.Status != tt.status || g.ReviewFlag != tt.flagged {
				t.Fatalf("grant %s is %s flagged=%v, want %s flagged=%v", g.ID, g.Status, g.ReviewFlag, tt.status, tt.flagged)
			}
			if tt.status == models.GrantGrace && (g.GraceUntil == nil || *g.GraceUntil != policy.DefaultConfig().GraceUntil(march)) {
				t.Fatalf("grace until %v, want %v", g.GraceUntil, policy.DefaultConfig().GraceUntil(march))
			}
			wantIDs := []string{v.ID, tt.household}
			if tt.status == models.GrantGrace || tt.flagged {
				wantIDs = append(wantIDs, tt.grant)
			}
			if len(f.audits) != 1 || f.audits[0].Op != "recordVerification" || !slices.Equal(f.audits[0].IDs, wantIDs) {
				t.Fatalf("audits %+v, want recordVerification of %v", f.audits, wantIDs)
			}
			if f.settled != 1 {
				t.Fatalf("settled %d times, want once before P13's writes", f.settled)
			}
		})
	}
}

// TestEarlierCheckIsNotLatest records a check dated before the latest one: it is kept,
// not latest, and P13 does not look at it.
func TestEarlierCheckIsNotLatest(t *testing.T) {
	f, svc := world()
	if _, err := svc.RecordVerification(officer, "poor", check(models.NewDate(2026, 3, 1), models.Yuan(100), 0)); err != nil {
		t.Fatal(err)
	}
	v, err := svc.RecordVerification(officer, "poor", check(models.NewDate(2026, 2, 1), models.Yuan(5000), models.Yuan(5000)))
	if err != nil {
		t.Fatal(err)
	}
	if v.Latest || f.grants["gP"].Status != models.GrantActive {
		t.Fatalf("earlier check latest=%v, grant %s", v.Latest, f.grants["gP"].Status)
	}
	latest, err := svc.LatestVerification(officer, "poor")
	if err != nil || latest == nil || latest.CheckDate != models.NewDate(2026, 3, 1) {
		t.Fatalf("latest %+v %v", latest, err)
	}
	all, err := svc.Verifications(officer, "poor")
	if err != nil || len(all) != 2 || all[0].ID != latest.ID {
		t.Fatalf("verifications %+v %v", all, err)
	}
	if _, err := svc.Verifications(stranger, "poor"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("stranger reads verifications: %v", err)
	}
}

func TestImportVerifications(t *testing.T) {
	date := models.NewDate(2026, 3, 1)
	rec := func(num string, income int64) *models.VerificationRecord {
		return &models.VerificationRecord{IDNumber: num, Source: "TAX", CheckDate: date, MonthlyIncome: ptr(models.Yuan(income))}
	}
	outsider := idnumber.Build("371403", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 9)
	tests := []struct {
		name    string
		caller  context.Context
		records []*models.VerificationRecord
		opt     store.ImportOptions
		want    error
		// committed, created and rejected are the report's; written the verifications kept.
		committed         bool
		created, rejected int
		written           int
		faults            []string
		// lookups is how many numbers not found were audited as lookups by ID number.
		lookups int
	}{
		{name: "one household, two members, one verification", caller: officer,
			records:   []*models.VerificationRecord{rec(person(1960, 1), 300), rec(person(1962, 2), 200)},
			committed: true, created: 2, written: 1},
		{name: "integrator may import", caller: integrator, records: []*models.VerificationRecord{rec(person(1970, 3), 300)},
			committed: true, created: 1, written: 1},
		{name: "dry run writes nothing", caller: officer, records: []*models.VerificationRecord{rec(person(1960, 1), 300)},
			opt: store.ImportOptions{DryRun: true}, created: 1},
		{name: "a person outside the area is not found, the batch writes nothing", caller: officer,
			records:  []*models.VerificationRecord{rec(person(1960, 1), 300), rec(outsider, 1)},
			rejected: 1, created: 1, faults: []string{"records[1].idNumber"}, lookups: 1},
		{name: "partial writes the valid records", caller: officer, opt: store.ImportOptions{Partial: true},
			records:   []*models.VerificationRecord{rec(person(1960, 1), 300), rec(person(1960, 1), 300), nil},
			committed: true, created: 1, rejected: 2, written: 1, faults: []string{"records[1]", "records[2]"}},
		{name: "a record without a finding", caller: officer,
			records:  []*models.VerificationRecord{{IDNumber: person(1960, 1), Source: "TAX", CheckDate: date}},
			rejected: 1, faults: []string{"records[0]"}},
		{name: "an unknown source", caller: officer,
			records:  []*models.VerificationRecord{{IDNumber: person(1960, 1), Source: "WEATHER", CheckDate: date, MonthlyIncome: ptr(models.Money(1))}},
			rejected: 1, faults: []string{"records[0].source"}},
		{name: "assistant may not import", caller: assistant, records: []*models.VerificationRecord{rec(person(1960, 1), 1)}, want: models.ErrForbidden},
		{name: "too many records", caller: officer, records: make([]*models.VerificationRecord, store.MaxImportRecords+1),
			want: models.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, svc := world()
			rep, err := svc.ImportVerifications(tt.caller, tt.records, tt.opt)
			wantErr(t, err, tt.want, "")
			if tt.want != nil {
				return
			}
			if rep.Committed != tt.committed || rep.Created != tt.created || rep.Rejected != tt.rejected || len(f.vs) != tt.written {
				t.Fatalf("report %+v with %d verifications written, want committed=%v created=%d rejected=%d written=%d",
					rep, len(f.vs), tt.committed, tt.created, tt.rejected, tt.written)
			}
			var faults []string
			for _, e := range rep.Errors {
				faults = append(faults, e.Field)
			}
			if !slices.Equal(faults, tt.faults) {
				t.Fatalf("faults %v, want %v", faults, tt.faults)
			}
			writes, lookups := 0, 0
			for _, a := range f.audits {
				if a.Op == "lookupIdNumber" {
					lookups++
				} else {
					writes++
				}
			}
			if writes != tt.written || lookups != tt.lookups {
				t.Fatalf("audits %+v, want %d writes and %d lookups", f.audits, tt.written, tt.lookups)
			}
		})
	}
}

// TestImportCarriesAndIsIdempotent imports a check of one member: the other member keeps
// the registered income; the same batch again is UNCHANGED and writes nothing.
func TestImportCarriesAndIsIdempotent(t *testing.T) {
	f, svc := world()
	batch := []*models.VerificationRecord{{IDNumber: person(1962, 2), Source: "TAX", CheckDate: models.NewDate(2026, 3, 1),
		MonthlyIncome: ptr(models.Yuan(200)), OwnsVehicle: ptr(true)}}
	rep, err := svc.ImportVerifications(officer, batch, store.ImportOptions{})
	if err != nil || rep.Created != 1 || len(f.vs) != 1 {
		t.Fatalf("first import %+v %v", rep, err)
	}
	v := f.vs[0]
	if v.TotalIncome != models.Yuan(300) || !v.OwnsVehicle || v.SourceDepartment != "TAX" {
		t.Fatalf("verification %+v: want p1's registered 100.00 carried plus p2's 200.00, and the vehicle", v)
	}
	rep, err = svc.ImportVerifications(officer, batch, store.ImportOptions{})
	if err != nil || rep.Unchanged != 1 || !rep.Committed || len(f.vs) != 1 || len(f.audits) != 1 {
		t.Fatalf("second import %+v %v: %d verifications, %d audits", rep, err, len(f.vs), len(f.audits))
	}
	if id := rep.Results[0].ID; id == nil || *id != v.ID {
		t.Fatalf("unchanged record names %v, want %s", id, v.ID)
	}
	batch[0].MonthlyIncome = ptr(models.Yuan(250))
	rep, err = svc.ImportVerifications(officer, batch, store.ImportOptions{})
	if err != nil || rep.Updated != 1 || len(f.vs) != 2 || f.vs[0].Latest || !f.vs[1].Latest {
		t.Fatalf("changed import %+v %v", rep, err)
	}
}

// TestImportRetriesConflicts: a grant that changes under the import is a Conflict, which
// the import tries again; a conflict that persists is returned and nothing is written.
func TestImportRetriesConflicts(t *testing.T) {
	f, svc := world()
	conflicting := &conflictStore{fake: f, left: 1}
	svc = verifications.NewWith(conflicting, policy.DefaultConfig(), func() time.Time { return today }, func() string { return "v" })
	batch := []*models.VerificationRecord{{IDNumber: person(1970, 3), Source: "TAX", CheckDate: models.NewDate(2026, 3, 1), MonthlyIncome: ptr(models.Yuan(5000))}}
	rep, err := svc.ImportVerifications(officer, batch, store.ImportOptions{})
	if err != nil || rep.Created != 1 || !f.grants["gQ"].ReviewFlag || conflicting.attempts != 2 {
		t.Fatalf("import %+v %v after %d attempts; flagged=%v", rep, err, conflicting.attempts, f.grants["gQ"].ReviewFlag)
	}
	f2, _ := world()
	always := &conflictStore{fake: f2, left: 100}
	svc = verifications.NewWith(always, policy.DefaultConfig(), func() time.Time { return today }, func() string { return "v" })
	if _, err := svc.ImportVerifications(officer, batch, store.ImportOptions{}); !errors.Is(err, models.ErrConflict) || len(f2.vs) != 0 || always.attempts != 3 {
		t.Fatalf("persistent conflict: %v, %d written after %d attempts", err, len(f2.vs), always.attempts)
	}
}

// conflictStore is the fake whose first left units of work find every grant changed.
type conflictStore struct {
	*fake
	left, attempts int
}

func (c *conflictStore) Write(ctx context.Context, sc store.Scope, op string, step func(verifications.Tx) error) error {
	c.attempts++
	if c.left > 0 {
		c.left--
		return c.fake.Write(ctx, sc, op, func(tx verifications.Tx) error { return step(stale{tx}) })
	}
	return c.fake.Write(ctx, sc, op, step)
}

// stale is a unit of work in which every grant changed since it was read.
type stale struct{ verifications.Tx }

func (stale) Flag(*models.Grant, string) error { return models.Conflict("changed") }
func (stale) Grace(*models.Grant, models.Date, string) error {
	return models.Conflict("changed")
}

// TestExpireGrace checks P13's end of grace: a grant keeps dibao through its GraceUntil
// day and is terminated from the day after; a grant not in GRACE is left alone.
func TestExpireGrace(t *testing.T) {
	day := models.NewDate(2026, 3, 15)
	tests := []struct {
		name           string
		status         models.GrantStatus
		until          models.Date
		wantTerminated bool
	}{
		{"ended yesterday", models.GrantGrace, models.NewDate(2026, 3, 14), true},
		{"ended a year ago", models.GrantGrace, models.NewDate(2025, 3, 15), true},
		{"ends today", models.GrantGrace, day, false},
		{"ends tomorrow", models.GrantGrace, models.NewDate(2026, 3, 16), false},
		{"active with a past date", models.GrantActive, models.NewDate(2026, 3, 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, svc := world()
			g := f.grants["gP"]
			g.Status, g.GraceUntil = tc.status, &tc.until
			n, err := svc.ExpireGrace(t.Context(), day)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Status == models.GrantTerminated; got != tc.wantTerminated || (n == 1) != tc.wantTerminated {
				t.Fatalf("terminated %v (%d grants), want %v", got, n, tc.wantTerminated)
			}
		})
	}
}

// TestNumbersNotFoundAreLookups checks that an import of verifications is no free oracle
// of ID numbers: each number no member of the caller's area has, unknown or registered
// elsewhere, takes a lookup from the caller's allowance and is audited as
// lookupIdNumber; past the allowance the call is RATE_LIMITED and writes nothing, and once
// it is spent every call is refused before anything is tested; while the records of the
// area's own people take nothing.
func TestNumbersNotFoundAreLookups(t *testing.T) {
	date := models.NewDate(2026, 3, 1)
	rec := func(num string) *models.VerificationRecord {
		return &models.VerificationRecord{IDNumber: num, Source: "TAX", CheckDate: date, MonthlyIncome: ptr(models.Yuan(300))}
	}
	nobody := func(i int) string { return idnumber.Build(region, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 100+i) }
	f, svc := world()
	f.lookups = 2
	rep, err := svc.ImportVerifications(integrator, []*models.VerificationRecord{rec(person(1960, 1)), rec(person(1962, 2)), rec(person(1970, 3))}, store.ImportOptions{})
	if err != nil || rep.Created != 3 || f.lookups != 2 {
		t.Fatalf("the area's own people: %+v, %v; %d lookups left, want 2", rep, err, f.lookups)
	}
	rep, err = svc.ImportVerifications(integrator, []*models.VerificationRecord{rec(nobody(1))}, store.ImportOptions{DryRun: true})
	if err != nil || rep.Rejected != 1 || f.lookups != 1 {
		t.Fatalf("one number not found: %+v, %v; %d lookups left, want 1", rep, err, f.lookups)
	}
	written := len(f.vs)
	rep, err = svc.ImportVerifications(integrator, []*models.VerificationRecord{rec(person(1960, 1)), rec(nobody(2)), rec(nobody(3))}, store.ImportOptions{Partial: true})
	if !errors.Is(err, models.ErrRateLimited) || rep != nil || len(f.vs) != written {
		t.Fatalf("two numbers not found with one lookup left: %+v, %v; want RATE_LIMITED and nothing written", rep, err)
	}
	if _, err := svc.ImportVerifications(integrator, []*models.VerificationRecord{rec(person(1962, 2))}, store.ImportOptions{}); !errors.Is(err, models.ErrRateLimited) || len(f.vs) != written {
		t.Fatalf("a call with the allowance spent: %v; want RATE_LIMITED before anything is tested", err)
	}
	lookups := 0
	for _, a := range f.audits {
		if a.Op == "lookupIdNumber" {
			lookups++
		}
	}
	if lookups != 3 {
		t.Errorf("%d lookupIdNumber audits, want 3 (one answered, two refused): %+v", lookups, f.audits)
	}
}
