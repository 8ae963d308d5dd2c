package households_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/households"
	"jiuzhu/casework/internal/fakestore"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
)

const (
	countyA  = "371402000000"
	villageA = "371402001001"
	villageB = "371403001001" // in another county
	// region is county A's region in ID numbers.
	region = "371402"
)

// today is the clock of every test: the use cases judge ID numbers and ages by it.
var today = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func as(role models.Role, area string, categories ...string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{
		Subject: string(role) + "@" + area, Role: role, Area: area, Categories: categories,
	})
}

var (
	officer    = as(models.RoleOfficer, countyA)
	assistant  = as(models.RoleAssistant, villageA)
	auditor    = as(models.RoleAuditor, countyA)
	integrator = as(models.RoleIntegrator, countyA, "MEDICAL")
	stranger   = as(models.RoleOfficer, "371403000000")
)

// person returns a valid ID number of a person born in year, registered in county A.
func person(year, seq int) string {
	return idnumber.Build(region, time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC), seq)
}

// world is a fake with one household in village A (head h1, spouse s1, child c1 named on
// a grant) and one in village B (head h2), and the service over it.
func world() (*fake, *households.Service) {
	f := newFake()
	f.add(&models.Household{ID: "hA", AreaCode: villageA, Address: "1 Road", Version: 1},
		&models.Member{ID: "h1", Name: "Head A", IDNumber: person(1960, 11), Relation: models.RelationHead, BirthDate: models.Date{Time: time.Date(1960, 6, 1, 0, 0, 0, 0, time.UTC)}},
		&models.Member{ID: "s1", Name: "Spouse A", IDNumber: person(1962, 22), Relation: models.RelationSpouse},
		&models.Member{ID: "c1", Name: "Child A", IDNumber: person(2010, 33), Relation: models.RelationChild})
	f.add(&models.Household{ID: "hB", AreaCode: villageB, Address: "2 Road", Version: 1},
		&models.Member{ID: "h2", Name: "Head B", IDNumber: person(1970, 45), Relation: models.RelationHead})
	f.grants["c1"] = 1
	n := 0
	ids := func() string { n++; return fmt.Sprintf("new%d", n) }
	return f, households.NewWith(f, func() time.Time { return today }, ids)
}

// check compares err with the sentinel want (nil for success) and, for a field error,
// its field.
func check(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("want %v, got %v", want, err)
	}
	var fe *models.FieldError
	if field != "" && (!errors.As(err, &fe) || fe.Field != field) {
		t.Fatalf("want an error of field %s, got %v", field, err)
	}
}

func member(name, number string, rel models.Relation) *models.MemberInput {
	return &models.MemberInput{Name: name, IDNumber: number, Relation: rel}
}

func TestCreateHousehold(t *testing.T) {
	head := member("New Head", person(1980, 51), models.RelationHead)
	child := member("New Child", person(2015, 62), models.RelationChild)
	cases := []struct {
		name  string
		ctx   context.Context
		in    models.HouseholdInput
		want  error
		field string
	}{
		{"an officer registers a household", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head, child}}, nil, ""},
		{"an assistant of the village too", assistant, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head}}, nil, ""},
		{"no caller", context.Background(), models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head}}, models.ErrUnauthenticated, ""},
		{"an auditor may not write", auditor, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head}}, models.ErrForbidden, ""},
		{"a village outside the caller's area", officer, models.HouseholdInput{Village: villageB, Address: "3 Road", Members: []*models.MemberInput{head}}, models.ErrForbidden, ""},
		{"an unknown village", officer, models.HouseholdInput{Village: "371402999999", Address: "3 Road", Members: []*models.MemberInput{head}}, models.ErrInvalid, "input.village"},
		{"an empty address", officer, models.HouseholdInput{Village: villageA, Address: "  ", Members: []*models.MemberInput{head}}, models.ErrInvalid, "input.address"},
		{"no members", officer, models.HouseholdInput{Village: villageA, Address: "3 Road"}, models.ErrInvalid, "input.members"},
		{"no head (one head each, P2)", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{child}}, models.ErrInvalid, "input.members"},
		{"two heads", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head, member("Other", person(1981, 71), models.RelationHead)}}, models.ErrInvalid, "input.members"},
		{"one person twice", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head, member("Twin", head.IDNumber, models.RelationChild)}}, models.ErrInvalid, "input.members[1].idNumber"},
		{"a masked ID number", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{member("Masked", region+"************", models.RelationHead)}}, models.ErrInvalid, "input.members[0].idNumber"},
		{"a malformed ID number", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{member("Bad", "371402198001010000", models.RelationHead)}}, models.ErrInvalid, "input.members[0].idNumber"},
		{"a person registered in another county (P2)", officer, models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{head, member("Moved", person(1970, 45), models.RelationSpouse)}}, models.ErrConflict, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			before := len(f.households)
			h, err := svc.CreateHousehold(c.ctx, c.in)
			check(t, err, c.want, c.field)
			if c.want != nil {
				// A number found registered is a lookup by ID number, audited as one.
				lookups := 0
				if c.want == models.ErrConflict {
					lookups = 1
				}
				if len(f.households) != before || len(f.audits) != lookups || (lookups == 1 && f.audits[0] != "lookupIdNumber") {
					t.Fatalf("a refused registration wrote %d households, audits %v", len(f.households)-before, f.audits)
				}
				return
			}
			if h == nil || h.AreaCode != villageA || h.Version != 1 {
				t.Fatalf("registered %+v", h)
			}
			ms := 0
			for _, m := range f.members {
				if m.HouseholdID == h.ID {
					ms++
				}
			}
			if ms != len(c.in.Members) || !slices.Equal(f.audits, []string{"createHousehold"}) {
				t.Fatalf("%d members stored, audits %v", ms, f.audits)
			}
		})
	}
}

func TestNewMemberLabourCapacityByAge(t *testing.T) {
	// Without a labour capacity, a member gets the default of its age this year by the
	// service's clock: full at working age, none for children and the elderly.
	cases := []struct {
		born int
		want models.LabourCapacity
	}{
		{today.Year() - (policy.WorkingAgeFrom - 1), models.LabourNone},
		{today.Year() - policy.WorkingAgeFrom, models.LabourFull},
		{today.Year() - (policy.WorkingAgeUntil - 1), models.LabourFull},
		{today.Year() - policy.WorkingAgeUntil, models.LabourNone},
	}
	for i, c := range cases {
		_, svc := world()
		m, err := svc.AddMember(officer, "hA", *member("Someone", person(c.born, 80+i), models.RelationChild))
		if err != nil {
			t.Fatal(err)
		}
		if m.LabourCapacity != c.want {
			t.Fatalf("born %d: labour capacity %s, want %s", c.born, m.LabourCapacity, c.want)
		}
	}
}

func TestMemberWrites(t *testing.T) {
	negative := models.Money(-1)
	head := models.RelationHead
	spouse := models.RelationSpouse
	name := "Renamed"
	cases := []struct {
		name  string
		run   func(s *households.Service) error
		want  error
		field string
		audit string
		write string
	}{
		{"add a child", func(s *households.Service) error {
			_, err := s.AddMember(officer, "hA", *member("Baby", person(2025, 91), models.RelationChild))
			return err
		}, nil, "", "addMember", "InsertMember"},
		{"add a second head", func(s *households.Service) error {
			_, err := s.AddMember(officer, "hA", *member("Boss", person(1950, 93), models.RelationHead))
			return err
		}, models.ErrInvalid, "input.relation", "", ""},
		{"add to a household outside the area", func(s *households.Service) error {
			_, err := s.AddMember(officer, "hB", *member("Baby", person(2025, 91), models.RelationChild))
			return err
		}, models.ErrNotFound, "", "", ""},
		{"add a person registered elsewhere (P2)", func(s *households.Service) error {
			_, err := s.AddMember(officer, "hA", *member("Moved", person(1970, 45), models.RelationOther))
			return err
		}, models.ErrConflict, "", "lookupIdNumber", ""},
		{"an auditor may not add", func(s *households.Service) error {
			_, err := s.AddMember(auditor, "hA", *member("Baby", person(2025, 91), models.RelationChild))
			return err
		}, models.ErrForbidden, "", "", ""},
		{"rename a member", func(s *households.Service) error {
			_, err := s.UpdateMember(officer, "s1", models.MemberPatch{Name: &name})
			return err
		}, nil, "", "updateMember", "SaveMember"},
		{"make a member head by update", func(s *households.Service) error {
			_, err := s.UpdateMember(officer, "s1", models.MemberPatch{Relation: &head})
			return err
		}, models.ErrInvalid, "input.relation", "", ""},
		{"a negative income", func(s *households.Service) error {
			_, err := s.UpdateMember(officer, "s1", models.MemberPatch{MonthlyIncome: &negative})
			return err
		}, models.ErrInvalid, "input.monthlyIncome", "", ""},
		{"update a member outside the area", func(s *households.Service) error {
			_, err := s.UpdateMember(officer, "h2", models.MemberPatch{Name: &name})
			return err
		}, models.ErrNotFound, "", "", ""},
		{"remove the spouse", func(s *households.Service) error {
			_, err := s.RemoveMember(officer, "s1")
			return err
		}, nil, "", "removeMember", "DeleteMember"},
		{"remove the head", func(s *households.Service) error {
			_, err := s.RemoveMember(officer, "h1")
			return err
		}, models.ErrInvalid, "id", "", ""},
		{"remove a member named on a grant", func(s *households.Service) error {
			_, err := s.RemoveMember(officer, "c1")
			return err
		}, models.ErrConflict, "", "", ""},
		{"an integrator may not remove members", func(s *households.Service) error {
			_, err := s.RemoveMember(integrator, "s1")
			return err
		}, models.ErrForbidden, "", "", ""},
		{"make the spouse head", func(s *households.Service) error {
			_, err := s.SetHouseholdHead(officer, "hA", "s1", models.RelationSpouse)
			return err
		}, nil, "", "setHouseholdHead", "SetHead"},
		{"the head is head already: audited, nothing written", func(s *households.Service) error {
			_, err := s.SetHouseholdHead(officer, "hA", "h1", models.RelationSpouse)
			return err
		}, nil, "", "setHouseholdHead", ""},
		{"the former head cannot stay head", func(s *households.Service) error {
			_, err := s.SetHouseholdHead(officer, "hA", "s1", head)
			return err
		}, models.ErrInvalid, "formerHeadRelation", "", ""},
		{"a member of another household", func(s *households.Service) error {
			_, err := s.SetHouseholdHead(stranger, "hB", "s1", spouse)
			return err
		}, models.ErrNotFound, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			err := c.run(svc)
			check(t, err, c.want, c.field)
			var audits []string
			if c.audit != "" {
				audits = []string{c.audit}
			}
			if !slices.Equal(f.audits, audits) {
				t.Fatalf("audits %v, want %v", f.audits, audits)
			}
			writes := 0
			for _, n := range f.saves {
				writes += n
			}
			if (c.write == "" && writes != 0) || (c.write != "" && (f.saves[c.write] != 1 || writes != 1)) {
				t.Fatalf("writes %v, want one %q", f.saves, c.write)
			}
		})
	}
}

func TestUpdateHousehold(t *testing.T) {
	addr := "4 Road"
	far := villageB
	cases := []struct {
		name  string
		ctx   context.Context
		patch models.HouseholdPatch
		want  error
		saved bool
	}{
		{"a new address", officer, models.HouseholdPatch{Address: &addr}, nil, true},
		{"nothing to change: audited, not written", officer, models.HouseholdPatch{}, nil, false},
		{"a move out of the caller's area", officer, models.HouseholdPatch{Village: &far}, models.ErrForbidden, false},
		{"a household outside the area", stranger, models.HouseholdPatch{Address: &addr}, models.ErrNotFound, false},
		{"an auditor may not change", auditor, models.HouseholdPatch{Address: &addr}, models.ErrForbidden, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			h, err := svc.UpdateHousehold(c.ctx, "hA", c.patch)
			check(t, err, c.want, "")
			if f.saves["Save"] != map[bool]int{true: 1}[c.saved] {
				t.Fatalf("saves %v", f.saves)
			}
			if c.saved && (h.Address != addr || h.Version != 2) {
				t.Fatalf("saved %+v", h)
			}
		})
	}
}

func TestMemberByIDNumberIsAuditedAndLimited(t *testing.T) {
	cases := []struct {
		name   string
		ctx    context.Context
		number string
		limit  int
		want   error
		audits int
	}{
		{"found in the area", officer, person(1960, 11), -1, nil, 1},
		{"registered elsewhere is not found, and audited", officer, person(1970, 45), -1, models.ErrNotFound, 1},
		{"a masked number is refused, and audited", officer, region + "************", -1, models.ErrInvalid, 1},
		{"past the limit nothing is looked up", officer, person(1960, 11), 0, models.ErrRateLimited, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			f.lookupsLeft = fakestore.Lookups(c.limit)
			_, err := svc.MemberByIDNumber(c.ctx, c.number)
			check(t, err, c.want, "")
			if len(f.audits) != c.audits {
				t.Fatalf("audits %v", f.audits)
			}
		})
	}
}

func TestReveals(t *testing.T) {
	cases := []struct {
		name   string
		ctx    context.Context
		member string
		want   error
	}{
		{"an officer of the area", officer, "h1", nil},
		{"an auditor may not reveal", auditor, "h1", models.ErrForbidden},
		{"an integrator may not reveal", integrator, "h1", models.ErrForbidden},
		{"a member outside the area", as(models.RoleOfficer, countyA), "h2", models.ErrForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			m := *f.members[c.member]
			got, err := svc.IDNumberOf(c.ctx, &m, true)
			check(t, err, c.want, "")
			if c.want == nil && (got != m.IDNumber || !slices.Equal(f.audits, []string{"revealIdNumber"})) {
				t.Fatalf("revealed %q, audits %v", got, f.audits)
			}
			if c.want != nil && len(f.audits) != 0 {
				t.Fatalf("a refused reveal was audited: %v", f.audits)
			}
			masked, err := svc.IDNumberOf(c.ctx, &m, false)
			if err != nil || masked == m.IDNumber {
				t.Fatalf("unrevealed: %q, %v", masked, err)
			}
		})
	}
}

func TestAgeByTheServiceClock(t *testing.T) {
	// The age of the year (policy.AgeThisYear) is judged by the service's clock, not the
	// machine's: born in 1960, the head is 66 in 2026.
	f, svc := world()
	m := f.members["h1"]
	cases := []struct {
		ctx  context.Context
		want *int
	}{
		{officer, ptr(today.Year() - 1960)},
		{auditor, nil},
	}
	for _, c := range cases {
		got, err := svc.AgeOf(c.ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Fatalf("age %v, want %v", deref(got), deref(c.want))
		}
	}
}

func TestHouseholdFilters(t *testing.T) {
	yes := true
	masked := region + "************"
	cases := []struct {
		name   string
		ctx    context.Context
		filter *models.HouseholdFilter
		want   error
		items  int
	}{
		{"no filter: the caller's area only", officer, nil, nil, 1},
		{"lowIncome by an officer", officer, &models.HouseholdFilter{LowIncome: &yes}, nil, 1},
		{"lowIncome by an integrator without DIBAO and TEKUN (P17)", integrator, &models.HouseholdFilter{LowIncome: &yes}, models.ErrForbidden, 0},
		{"a masked external reference", officer, &models.HouseholdFilter{ExternalRef: &masked}, models.ErrInvalid, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, svc := world()
			p, err := svc.Households(c.ctx, store.HouseholdQuery{Filter: c.filter})
			check(t, err, c.want, "")
			if err == nil && len(p.Items) != c.items {
				t.Fatalf("%d items", len(p.Items))
			}
		})
	}
}

func ptr(v int) *int { return &v }

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestMemberSearch checks the household search by a member: who may search by what
// (a search by a value one may not read unmasked is FORBIDDEN, naming the field), the
// values normalised before the store compares them (a lower-case x, a phone's dashes),
// malformed values refused naming the field, a person of another area answered as
// nobody, and the searches by ID number or phone counted and audited, found or not.
func TestMemberSearch(t *testing.T) {
	s := func(v string) *string { return &v }
	lowerX := ""
	for seq := 70; !strings.HasSuffix(lowerX, "x"); seq++ {
		lowerX = strings.ToLower(person(1955, seq))
	}
	other := person(1970, 45)
	cases := []struct {
		name   string
		ctx    context.Context
		filter models.HouseholdFilter
		want   error
		field  string
		items  int
		audits int
	}{
		{"exact name", officer, models.HouseholdFilter{MemberName: s("Spouse A")}, nil, "", 1, 0},
		{"name prefix", officer, models.HouseholdFilter{MemberNamePrefix: s(" Chi")}, nil, "", 1, 0},
		{"an integrator by name", integrator, models.HouseholdFilter{MemberName: s("Child A")}, nil, "", 1, 0},
		{"ID number", officer, models.HouseholdFilter{MemberIDNumber: s(person(1962, 22))}, nil, "", 1, 1},
		{"ID number with a lower-case x", officer, models.HouseholdFilter{MemberIDNumber: &lowerX}, nil, "", 1, 1},
		{"phone typed with dashes", officer, models.HouseholdFilter{MemberPhone: s("138-0534-1234")}, nil, "", 1, 1},
		{"ID number of another area: nobody", stranger, models.HouseholdFilter{MemberIDNumber: s(person(1962, 22))}, nil, "", 0, 1},
		{"name of another area: nobody", stranger, models.HouseholdFilter{MemberName: s("Spouse A")}, nil, "", 0, 0},
		{"an integrator by ID number", integrator, models.HouseholdFilter{MemberIDNumber: s(other)}, models.ErrForbidden, "", 0, 0},
		{"an integrator by phone", integrator, models.HouseholdFilter{MemberPhone: s("13805341234")}, models.ErrForbidden, "", 0, 0},
		{"an auditor by phone", auditor, models.HouseholdFilter{MemberPhone: s("13805341234")}, models.ErrForbidden, "", 0, 0},
		{"a malformed ID number", officer, models.HouseholdFilter{MemberIDNumber: s(other[:17] + "Y")}, models.ErrInvalid, "filter.memberIdNumber", 0, 0},
		{"a malformed phone", officer, models.HouseholdFilter{MemberPhone: s("0534")}, models.ErrInvalid, "filter.memberPhone", 0, 0},
		{"a blank name", officer, models.HouseholdFilter{MemberName: s(" ")}, models.ErrInvalid, "filter.memberName", 0, 0},
		{"a masked name prefix", officer, models.HouseholdFilter{MemberNamePrefix: s("371402****")}, models.ErrInvalid, "filter.memberNamePrefix", 0, 0},
		{"a compound surname is two characters", officer, models.HouseholdFilter{MemberNamePrefix: s("欧阳")}, nil, "", 1, 0},
		{"a prefix of two letters", officer, models.HouseholdFilter{MemberNamePrefix: s("Ch")}, nil, "", 1, 0},
		{"a one-character prefix", officer, models.HouseholdFilter{MemberNamePrefix: s("王")}, models.ErrInvalid, "filter.memberNamePrefix", 0, 0},
		{"one character once trimmed", officer, models.HouseholdFilter{MemberNamePrefix: s(" C ")}, models.ErrInvalid, "filter.memberNamePrefix", 0, 0},
		{"a one-character prefix with a phone", officer, models.HouseholdFilter{MemberNamePrefix: s("欧"), MemberPhone: s("13805341234")}, models.ErrInvalid, "filter.memberNamePrefix", 0, 0},
		{"an exact name of one character", officer, models.HouseholdFilter{MemberName: s("王")}, nil, "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, svc := world()
			f.members["s1"].Phone = s("13805341234")
			f.add(&models.Household{ID: "hX", AreaCode: villageA, Address: "9 Road", Version: 1},
				&models.Member{ID: "x1", Name: "欧阳明", IDNumber: strings.ToUpper(lowerX), Relation: models.RelationHead})
			filter := c.filter
			p, err := svc.Households(c.ctx, store.HouseholdQuery{Filter: &filter})
			check(t, err, c.want, c.field)
			if err == nil && len(p.Items) != c.items {
				t.Fatalf("%d items, want %d", len(p.Items), c.items)
			}
			if err != nil && f.listed != 0 {
				t.Fatalf("the store was asked %d times for a refused search", f.listed)
			}
			if len(f.audits) != c.audits || c.audits > 0 && f.audits[0] != "searchHouseholds" {
				t.Fatalf("audits %v, want %d searchHouseholds", f.audits, c.audits)
			}
		})
	}
	t.Run("past the lookups by ID number", func(t *testing.T) {
		f, svc := world()
		f.lookupsLeft = 0
		_, err := svc.Households(officer, store.HouseholdQuery{Filter: &models.HouseholdFilter{MemberIDNumber: s(other)}})
		check(t, err, models.ErrRateLimited, "")
	})
}

// TestRegistrationIsNoFreeOracle checks that registering a person is no free oracle of ID
// numbers: a number found registered in another household takes a lookup from the
// caller's allowance; once the allowance is spent, every registration is RATE_LIMITED
// before any number is tested, a number registered elsewhere or a new one alike, and
// nothing is written; a new person takes nothing.
func TestRegistrationIsNoFreeOracle(t *testing.T) {
	f, svc := world()
	f.lookupsLeft = 1
	in := func(number string) models.HouseholdInput {
		return models.HouseholdInput{Village: villageA, Address: "3 Road", Members: []*models.MemberInput{member("Head", number, models.RelationHead)}}
	}
	if _, err := svc.CreateHousehold(officer, in(person(1980, 51))); err != nil || f.lookupsLeft != 1 {
		t.Fatalf("a new person: %v, %d lookups left, want 1", err, f.lookupsLeft)
	}
	_, err := svc.CreateHousehold(officer, in(person(1970, 45)))
	check(t, err, models.ErrConflict, "")
	before := len(f.households)
	for _, number := range []string{person(1970, 45), person(1981, 52)} {
		_, err := svc.CreateHousehold(officer, in(number))
		check(t, err, models.ErrRateLimited, "")
		_, err = svc.AddMember(officer, "hA", *member("Other", number, models.RelationOther))
		check(t, err, models.ErrRateLimited, "")
	}
	if len(f.households) != before {
		t.Fatalf("refused registrations wrote %d households", len(f.households)-before)
	}
}
