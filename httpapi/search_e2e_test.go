package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/httpapi"
	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/sqlread"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestHouseholdSearchOverTheAPI drives the running server: a township officer finds a
// household of its township by a member's name prefix, exact name, ID number and phone;
// the same searches for a person of a sibling county answer an empty list with
// totalCount 0, exactly as for nobody; an integrator may search by name but gets
// FORBIDDEN naming the field for an ID number or a phone; malformed values and a name
// prefix of one character are BAD_USER_INPUT naming the field. It runs with compiled reads and with the executor
// alone, which must answer alike.
func TestHouseholdSearchOverTheAPI(t *testing.T) {
	eachReadMode(t, storetest.Each, func(t *testing.T, st *store.Store, _ bool, opts func(*httpapi.Options), _ *sqlread.Reader) {
		householdSearch(t, st, opts)
	})
}

func householdSearch(t *testing.T, st *store.Store, opts func(*httpapi.Options)) {
	e := startWith(t, st, 0, opts)
	admin := e.token(models.RoleAdmin, "371400000000")
	born := time.Date(1968, 3, 9, 0, 0, 0, 0, time.UTC)
	ownID := idnumber.Build("371402", born, 211)
	siblingID := idnumber.Build("371403", born, 213)
	nobodyID := idnumber.Build("371402", born, 215)
	create := func(village, name, id, phone string) string {
		var out struct{ CreateHousehold struct{ ID string } }
		e.ok(admin, `mutation($v: String!, $n: String!, $i: String!, $p: String) { createHousehold(input: {village: $v, address: "检索路9号",
		  members: [{name: $n, idNumber: $i, relation: HEAD, phone: $p}]}) { id } }`,
			map[string]any{"v": village, "n": name, "i": id, "p": phone}, &out)
		return out.CreateHousehold.ID
	}
	own := create(villageA1, "上官婉儿", ownID, "138 0534 1234")
	create("371403001003", "司马相如", siblingID, "0534-7654321")

	officer := e.token(models.RoleOfficer, townshipA1)
	search := `query($f: HouseholdFilter) { households(filter: $f) { totalCount edges { node { id members { name idNumber phone } } } } }`
	type result struct {
		Households struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID      string
					Members []struct{ Name, IDNumber, Phone string }
				}
			}
		}
	}
	found := []struct {
		name   string
		filter map[string]any
	}{
		{"name prefix", map[string]any{"memberNamePrefix": "上官"}},
		{"exact name", map[string]any{"memberName": "上官婉儿"}},
		{"ID number", map[string]any{"memberIdNumber": ownID}},
		{"phone", map[string]any{"memberPhone": "13805341234"}},
	}
	for _, tt := range found {
		t.Run("finds by "+tt.name, func(t *testing.T) {
			var r result
			e.ok(officer, search, map[string]any{"f": tt.filter}, &r)
			if r.Households.TotalCount != 1 || len(r.Households.Edges) != 1 || r.Households.Edges[0].Node.ID != own {
				t.Fatalf("%+v", r)
			}
			m := r.Households.Edges[0].Node.Members[0]
			if m.Phone != privacy.Phone("13805341234") || m.IDNumber != privacy.IDNumber(ownID) {
				t.Errorf("the member is shown unmasked: %+v", m)
			}
		})
	}

	// A person of the sibling county and a person registered nowhere answer alike.
	empty := []struct {
		name   string
		filter map[string]any
	}{
		{"name prefix", map[string]any{"memberNamePrefix": "司马"}},
		{"exact name", map[string]any{"memberName": "司马相如"}},
		{"ID number", map[string]any{"memberIdNumber": siblingID}},
		{"phone", map[string]any{"memberPhone": "0534-7654321"}},
	}
	nobody := e.do(officer, search, map[string]any{"f": map[string]any{"memberIdNumber": nobodyID}})
	for _, tt := range empty {
		t.Run("sibling county by "+tt.name, func(t *testing.T) {
			r := e.do(officer, search, map[string]any{"f": tt.filter})
			if len(r.Errors) > 0 || string(r.Data) != `{"households":{"totalCount":0,"edges":[]}}` {
				t.Fatalf("%s", r.raw)
			}
			if string(r.Data) != string(nobody.Data) || r.status != nobody.status {
				t.Errorf("answers otherwise than nobody: %s, %s", r.raw, nobody.raw)
			}
		})
	}

	integrator, err := e.verifier.Sign(auth.Principal{Subject: "search-integrator", Role: models.RoleIntegrator, Area: townshipA1, Categories: []string{"MEDICAL"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name, token string
		filter      map[string]any
		code, field string
	}{
		{"integrator by ID number", integrator, map[string]any{"memberIdNumber": ownID}, httpapi.CodeForbidden, "filter.memberIdNumber"},
		{"integrator by phone", integrator, map[string]any{"memberPhone": "13805341234"}, httpapi.CodeForbidden, "filter.memberPhone"},
		{"malformed ID number", officer, map[string]any{"memberIdNumber": ownID[:17] + wrongCheck(ownID)}, httpapi.CodeBadUserInput, "filter.memberIdNumber"},
		{"ID number too short", officer, map[string]any{"memberIdNumber": ownID[:15]}, httpapi.CodeBadUserInput, "filter.memberIdNumber"},
		{"malformed phone", officer, map[string]any{"memberPhone": "2345678"}, httpapi.CodeBadUserInput, "filter.memberPhone"},
		{"masked phone", officer, map[string]any{"memberPhone": "1380***1234"}, httpapi.CodeBadUserInput, "filter.memberPhone"},
		// A prefix of one character (three bytes here) is refused, whoever bears it.
		{"one-character name prefix", officer, map[string]any{"memberNamePrefix": "上"}, httpapi.CodeBadUserInput, "filter.memberNamePrefix"},
		{"one character once trimmed", officer, map[string]any{"memberNamePrefix": " 上 "}, httpapi.CodeBadUserInput, "filter.memberNamePrefix"},
		{"one-character prefix of the sibling county", officer, map[string]any{"memberNamePrefix": "司"}, httpapi.CodeBadUserInput, "filter.memberNamePrefix"},
		{"one-character prefix of an integrator", integrator, map[string]any{"memberNamePrefix": "上"}, httpapi.CodeBadUserInput, "filter.memberNamePrefix"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.token, search, map[string]any{"f": tt.filter})
			if r.code() != tt.code || !strings.Contains(r.Errors[0].Message, tt.field) || strings.Contains(r.raw, "上官") {
				t.Fatalf("want %s naming %s: %s", tt.code, tt.field, r.raw)
			}
		})
	}
	t.Run("integrator by name", func(t *testing.T) {
		// An integrator finds by name but reads no phone, not even masked.
		var r result
		e.ok(integrator, search, map[string]any{"f": map[string]any{"memberName": "上官婉儿"}}, &r)
		if r.Households.TotalCount != 1 || r.Households.Edges[0].Node.Members[0].Phone != "" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("reveal of the phone", func(t *testing.T) {
		q := `query($f: HouseholdFilter) { households(filter: $f) { edges { node { members { phone(reveal: true) } } } } }`
		f := map[string]any{"f": map[string]any{"memberName": "上官婉儿"}}
		if r := e.do(officer, q, f); len(r.Errors) > 0 || !strings.Contains(r.raw, `"13805341234"`) {
			t.Errorf("officer: %s", r.raw)
		}
		if r := e.do(integrator, q, f); r.code() != httpapi.CodeForbidden || strings.Contains(r.raw, "13805341234") {
			t.Errorf("integrator: %s", r.raw)
		}
	})
}

// wrongCheck returns a check character other than id's.
func wrongCheck(id string) string {
	if id[17] == '0' {
		return "1"
	}
	return "0"
}
