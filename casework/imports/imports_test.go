package imports_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/imports"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/store"
)

const (
	countyA  = "371402000000"
	villageA = "371402001001"
	villageB = "371403001001" // in another county
	region   = "371402"
)

var today = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

var (
	officer    = as(models.RoleOfficer, countyA)
	integrator = as(models.RoleIntegrator, countyA, "MEDICAL")
)

// person returns a valid ID number of a person born in year, registered in county A.
func person(year, seq int) string {
	return idnumber.Build(region, time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), seq)
}

// household returns a record of reference ref in village with a head and the people
// of ids as children.
func household(ref, village string, head string, children ...string) *models.HouseholdRecord {
	r := &models.HouseholdRecord{ExternalRef: ref, Village: village, Address: "1 Road",
		Members: []*models.MemberInput{{Name: "Head", IDNumber: head, Relation: models.RelationHead}}}
	for _, c := range children {
		r.Members = append(r.Members, &models.MemberInput{Name: "Child", IDNumber: c, Relation: models.RelationChild})
	}
	return r
}

func world() (*fake, *imports.Service) {
	f := newFake(villageA, villageB)
	return f, imports.NewWith(f, func() time.Time { return today })
}

func fields(rep *models.ImportReport) []string {
	var out []string
	for _, e := range rep.Errors {
		out = append(out, e.Field)
	}
	return out
}

func TestImportRolesAndLimits(t *testing.T) {
	one := []*models.HouseholdRecord{household("R1", villageA, person(1970, 11))}
	cases := []struct {
		name    string
		ctx     context.Context
		records []*models.HouseholdRecord
		want    error
	}{
		{"an officer imports", officer, one, nil},
		{"an integrator imports", integrator, one, nil},
		{"an admin imports", as(models.RoleAdmin, "371400000000"), one, nil},
		{"an assistant may not", as(models.RoleAssistant, villageA), one, models.ErrForbidden},
		{"an auditor may not", as(models.RoleAuditor, countyA), one, models.ErrForbidden},
		{"no caller", context.Background(), one, models.ErrUnauthenticated},
		{"too many records", officer, make([]*models.HouseholdRecord, store.MaxImportRecords+1), models.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			rep, err := svc.ImportHouseholds(c.ctx, c.records, store.ImportOptions{})
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			if err != nil {
				if len(f.households) != 0 || len(f.audits) != 0 {
					t.Fatalf("a refused import wrote %d households, %d audit events", len(f.households), len(f.audits))
				}
				return
			}
			if rep.Created != 1 || !rep.Committed || len(f.households) != 1 || len(f.audits) != 1 {
				t.Fatalf("report %+v, %d households, audits %v", rep, len(f.households), f.audits)
			}
		})
	}
}

func TestImportRecordFaults(t *testing.T) {
	good := household("G", villageA, person(1970, 11))
	twoHeads := household("T", villageA, person(1971, 12))
	twoHeads.Members = append(twoHeads.Members, &models.MemberInput{Name: "Other", IDNumber: person(1972, 13), Relation: models.RelationHead})
	cases := []struct {
		name  string
		bad   *models.HouseholdRecord
		field string
		code  string
	}{
		{"a null record", nil, "records[1]", "BAD_USER_INPUT"},
		{"a village of another county", household("X", villageB, person(1980, 21)), "records[1].village", "FORBIDDEN"},
		{"not a village", household("X", "371402999999", person(1980, 21)), "records[1].village", "BAD_USER_INPUT"},
		{"no reference", household(" ", villageA, person(1980, 21)), "records[1].externalRef", "BAD_USER_INPUT"},
		{"no members", &models.HouseholdRecord{ExternalRef: "X", Village: villageA, Address: "1 Road"}, "records[1].members", "BAD_USER_INPUT"},
		{"two heads", twoHeads, "records[1].members", "BAD_USER_INPUT"},
		{"a bad ID number", household("X", villageA, "3714021980"), "records[1].members[0].idNumber", "BAD_USER_INPUT"},
		{"one person twice in the record", household("X", villageA, person(1980, 21), person(1980, 21)), "records[1].members[1].idNumber", "BAD_USER_INPUT"},
		{"the reference of records[0]", household("G", villageA, person(1980, 21)), "records[1].externalRef", "BAD_USER_INPUT"},
		{"a person of records[0]", household("X", villageA, person(1980, 21), person(1970, 11)), "records[1].members[1].idNumber", "BAD_USER_INPUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, opt := range []store.ImportOptions{{}, {Partial: true}, {DryRun: true}} {
				f, svc := world()
				rep, err := svc.ImportHouseholds(officer, []*models.HouseholdRecord{good, c.bad}, opt)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Rejected != 1 || len(rep.Errors) != 1 || rep.Errors[0].Field != c.field || rep.Errors[0].Code != c.code {
					t.Fatalf("%+v: faults %v (%+v), want %s %s", opt, fields(rep), rep.Errors, c.field, c.code)
				}
				if rep.Results[1].Outcome != models.ImportRejected || rep.Results[0].Outcome != models.ImportCreated {
					t.Fatalf("%+v: outcomes %s, %s", opt, rep.Results[0].Outcome, rep.Results[1].Outcome)
				}
				wrote := opt.Partial && !opt.DryRun
				if rep.Committed != wrote || (len(f.households) == 1) != wrote || (len(f.audits) == 1) != wrote {
					t.Fatalf("%+v: committed %v, %d households, audits %v", opt, rep.Committed, len(f.households), f.audits)
				}
				if (rep.Results[0].ID != nil) != wrote {
					t.Fatalf("%+v: the id of a household not created is reported", opt)
				}
			}
		})
	}
}

func TestImportIsIdempotentAndRefusesWhatTheRoleMayNot(t *testing.T) {
	f, svc := world()
	batch := []*models.HouseholdRecord{household("R1", villageA, person(1970, 11), person(2010, 12))}
	if _, err := svc.ImportHouseholds(officer, batch, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	again, err := svc.ImportHouseholds(officer, batch, store.ImportOptions{})
	if err != nil || again.Unchanged != 1 || !again.Committed || len(f.audits) != 1 {
		t.Fatalf("second import: %+v, %v; audits %v", again, err, f.audits)
	}
	smaller := []*models.HouseholdRecord{household("R1", villageA, person(1970, 11))}
	f.onGrant["m-"+person(2010, 12)] = true
	rep, err := svc.ImportHouseholds(officer, smaller, store.ImportOptions{})
	if err != nil || rep.Rejected != 1 || rep.Errors[0].Code != "CONFLICT" || rep.Errors[0].Field != "records[0].members" || len(f.audits) != 1 {
		t.Fatalf("leaving out a member named on a grant: %+v, %v; audits %v", rep, err, f.audits)
	}
	delete(f.onGrant, "m-"+person(2010, 12))
	rep, err = svc.ImportHouseholds(integrator, smaller, store.ImportOptions{})
	if err != nil || rep.Rejected != 1 || rep.Errors[0].Code != "FORBIDDEN" || len(f.audits) != 1 {
		t.Fatalf("an integrator leaving out a member: %+v, %v; audits %v", rep, err, f.audits)
	}
	rep, err = svc.ImportHouseholds(officer, smaller, store.ImportOptions{})
	if err != nil || rep.Updated != 1 || len(f.audits) != 2 || len(f.households["R1"].people) != 1 {
		t.Fatalf("an officer leaving out a member: %+v, %v; audits %v", rep, err, f.audits)
	}
	other := []*models.HouseholdRecord{household("R1", villageB, person(1970, 11))}
	rep, err = svc.ImportHouseholds(as(models.RoleOfficer, "371403000000"), other, store.ImportOptions{})
	if err != nil || rep.Rejected != 1 || rep.Errors[0].Code != "CONFLICT" {
		t.Fatalf("a reference of another county: %+v, %v", rep, err)
	}
}

func TestImportRetriesAStaleWrite(t *testing.T) {
	batch := []*models.HouseholdRecord{household("R1", villageA, person(1970, 11))}
	cases := []struct {
		name   string
		stale  int
		want   error
		writes int
	}{
		{"one stale write", 1, nil, 2},
		{"two stale writes", 2, nil, 3},
		{"stale every time", 3, models.ErrConflict, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			f.stale = c.stale
			rep, err := svc.ImportHouseholds(officer, batch, store.ImportOptions{})
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			if f.writes != c.writes {
				t.Fatalf("%d writes, want %d", f.writes, c.writes)
			}
			if err == nil && (rep.Created != 1 || len(f.households) != 1 || len(f.audits) != 1) {
				t.Fatalf("report %+v, %d households, audits %v", rep, len(f.households), f.audits)
			}
			if err != nil && (len(f.households) != 0 || len(f.audits) != 0) {
				t.Fatalf("a failed import kept %d households, audits %v", len(f.households), f.audits)
			}
		})
	}
}

// TestNumbersRegisteredElsewhereAreLookups checks that an import is no free oracle of ID
// numbers: each number found registered in another household (here in another county)
// takes a lookup from the caller's allowance and is audited as lookupIdNumber; past the
// allowance the call is RATE_LIMITED and writes nothing, and once it is spent every call
// is refused before anything is tested; while new people, however many, take nothing.
func TestNumbersRegisteredElsewhereAreLookups(t *testing.T) {
	f, s := world()
	f.households["B1"] = record{id: "hb", area: villageB, address: "2 Road", people: []string{person(1960, 1), person(1960, 2), person(1960, 3)}}
	f.lookups = 2
	var fresh []*models.HouseholdRecord
	for i := range 300 {
		fresh = append(fresh, household("N"+string(rune('a'+i%26))+string(rune('a'+i/26)), villageA, person(1980, 100+i)))
	}
	rep, err := s.ImportHouseholds(integrator, fresh, store.ImportOptions{DryRun: true})
	if err != nil || rep.Created != 300 || f.lookups != 2 {
		t.Fatalf("dry run of 300 new households: %+v, %v; %d lookups left, want 2", rep, err, f.lookups)
	}
	probe := func(nums ...string) (*models.ImportReport, error) {
		var rs []*models.HouseholdRecord
		for i, n := range nums {
			rs = append(rs, household("P"+string(rune('a'+i)), villageA, n))
		}
		return s.ImportHouseholds(integrator, rs, store.ImportOptions{DryRun: true})
	}
	rep, err = probe(person(1960, 1), person(1960, 9))
	if err != nil || rep.Rejected != 1 || rep.Errors[0].Code != "CONFLICT" || f.lookups != 1 {
		t.Fatalf("one number taken elsewhere: %+v, %v; %d lookups left, want 1", rep, err, f.lookups)
	}
	before := len(f.households)
	rep, err = s.ImportHouseholds(integrator, []*models.HouseholdRecord{
		household("Q1", villageA, person(1960, 2)), household("Q2", villageA, person(1960, 3)), household("Q3", villageA, person(1990, 5)),
	}, store.ImportOptions{Partial: true})
	if !errors.Is(err, models.ErrRateLimited) || rep != nil || len(f.households) != before {
		t.Fatalf("two taken numbers with one lookup left: %+v, %v; want RATE_LIMITED and nothing written", rep, err)
	}
	if _, err := s.ImportHouseholds(integrator, fresh[:1], store.ImportOptions{}); !errors.Is(err, models.ErrRateLimited) || len(f.households) != before {
		t.Fatalf("a call with the allowance spent: %v; want RATE_LIMITED before anything is tested", err)
	}
	lookups := 0
	for _, op := range f.audits {
		if op == "lookupIdNumber" {
			lookups++
		}
	}
	if lookups != 3 {
		t.Errorf("%d lookupIdNumber audits, want 3 (one answered, two refused): %v", lookups, f.audits)
	}
}
