package store_test

import (
	"errors"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestHouseholdSearchByMember finds households by a member's exact name, name prefix,
// full ID number (a lower-case x taken as X) and phone, on each database: in the
// caller's area only, a person of another area answered as nobody (an empty page, a
// count of 0), the ID number and the phone refused to the roles that may not read them,
// and malformed values refused naming the field.
func TestHouseholdSearchByMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cases := useCases(st)
		mk := func(village, name, phone string) (*models.Household, string) {
			t.Helper()
			id := person(1970, false)
			if strings.HasSuffix(id, "X") {
				id = person(1970, false)
			}
			h, err := cases.CreateHousehold(admin(), models.HouseholdInput{
				Village: village, Address: "检索路1号",
				Members: []*models.MemberInput{{Name: name, IDNumber: id, Relation: models.RelationHead, Phone: &phone}},
			})
			if err != nil {
				t.Fatalf("create household %s: %v", name, err)
			}
			return h, id
		}
		own, ownID := mk(villageA1, "欧阳明月", "138-1234-5678")
		other, _ := mk(villageA1, "欧阳春", "0534 2345678")
		sibling, siblingID := mk(villageB, "欧阳明月", "13900001111")
		_ = sibling
		sima, _ := mk(villageB, "司马光", "13900002222")

		officer := storetest.As(models.RoleOfficer, townshipA1)
		tests := []struct {
			name   string
			filter models.HouseholdFilter
			want   []string
		}{
			{"exact name", models.HouseholdFilter{MemberName: ptr("欧阳明月")}, []string{own.ID}},
			{"exact name is not a prefix", models.HouseholdFilter{MemberName: ptr("欧阳")}, nil},
			{"name prefix", models.HouseholdFilter{MemberNamePrefix: ptr("欧阳")}, []string{own.ID, other.ID}},
			{"name prefix of three characters", models.HouseholdFilter{MemberNamePrefix: ptr("欧阳明")}, []string{own.ID}},
			{"a prefix is not a LIKE pattern", models.HouseholdFilter{MemberNamePrefix: ptr("欧%")}, nil},
			{"ID number", models.HouseholdFilter{MemberIDNumber: &ownID}, []string{own.ID}},
			{"mobile phone, as typed with dashes", models.HouseholdFilter{MemberPhone: ptr("13812345678")}, []string{own.ID}},
			{"landline", models.HouseholdFilter{MemberPhone: ptr("0534-2345678")}, []string{other.ID}},
			{"name and phone of the same member", models.HouseholdFilter{MemberNamePrefix: ptr("欧阳"), MemberPhone: ptr("13812345678")}, []string{own.ID}},
			{"name and phone of different members", models.HouseholdFilter{MemberName: ptr("欧阳春"), MemberPhone: ptr("13812345678")}, nil},
			// The same person registered in county B does not exist for the township.
			{"ID number of another county", models.HouseholdFilter{MemberIDNumber: &siblingID}, nil},
			{"phone of another county", models.HouseholdFilter{MemberPhone: ptr("13900001111")}, nil},
			{"name prefix of another county", models.HouseholdFilter{MemberNamePrefix: ptr("司马")}, nil},
			{"exact name of one character", models.HouseholdFilter{MemberName: ptr("欧")}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := tt.filter
				page, err := cases.Households(officer, store.HouseholdQuery{Filter: &f})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, h := range page.Items {
					got = append(got, h.ID)
				}
				if !sameSet(got, tt.want) {
					t.Errorf("households %v, want %v", got, tt.want)
				}
				n, err := page.Count()
				if err != nil || n != len(tt.want) {
					t.Errorf("count %d (%v), want %d", n, err, len(tt.want))
				}
			})
		}

		t.Run("lower-case x is taken as X", func(t *testing.T) {
			var id string
			for id = person(1980, true); !strings.HasSuffix(id, "X"); id = person(1980, true) {
			}
			h, err := cases.CreateHousehold(admin(), models.HouseholdInput{Village: villageA1, Address: "检索路2号",
				Members: []*models.MemberInput{{Name: "赵六", IDNumber: id, Relation: models.RelationHead}}})
			if err != nil {
				t.Fatal(err)
			}
			lower := strings.ToLower(id)
			page, err := cases.Households(officer, store.HouseholdQuery{Filter: &models.HouseholdFilter{MemberIDNumber: &lower}})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != h.ID {
				t.Fatalf("search by %s: %+v, %v", lower, page, err)
			}
		})

		wrongCheck := ownID[:17] + "0"
		if ownID[17] == '0' {
			wrongCheck = ownID[:17] + "1"
		}
		refused := []struct {
			name   string
			role   models.Role
			filter models.HouseholdFilter
			want   error
			field  string
		}{
			{"integrator by ID number", models.RoleIntegrator, models.HouseholdFilter{MemberIDNumber: &ownID}, models.ErrForbidden, "filter.memberIdNumber"},
			{"integrator by phone", models.RoleIntegrator, models.HouseholdFilter{MemberPhone: ptr("13812345678")}, models.ErrForbidden, "filter.memberPhone"},
			{"auditor by ID number", models.RoleAuditor, models.HouseholdFilter{MemberIDNumber: &ownID}, models.ErrForbidden, "filter.memberIdNumber"},
			{"malformed ID number", models.RoleOfficer, models.HouseholdFilter{MemberIDNumber: &wrongCheck}, models.ErrInvalid, "filter.memberIdNumber"},
			{"masked ID number", models.RoleOfficer, models.HouseholdFilter{MemberIDNumber: ptr("371402************")}, models.ErrInvalid, "filter.memberIdNumber"},
			{"short phone", models.RoleOfficer, models.HouseholdFilter{MemberPhone: ptr("1381234567")}, models.ErrInvalid, "filter.memberPhone"},
			{"phone with letters", models.RoleOfficer, models.HouseholdFilter{MemberPhone: ptr("1381234567a")}, models.ErrInvalid, "filter.memberPhone"},
			{"blank name prefix", models.RoleOfficer, models.HouseholdFilter{MemberNamePrefix: ptr("  ")}, models.ErrInvalid, "filter.memberNamePrefix"},
			// One character is counted as one, though 欧 is three bytes.
			{"one-character name prefix", models.RoleOfficer, models.HouseholdFilter{MemberNamePrefix: ptr("欧")}, models.ErrInvalid, "filter.memberNamePrefix"},
			{"one character once trimmed", models.RoleOfficer, models.HouseholdFilter{MemberNamePrefix: ptr(" 欧 ")}, models.ErrInvalid, "filter.memberNamePrefix"},
			{"one-character prefix with a phone", models.RoleOfficer, models.HouseholdFilter{MemberNamePrefix: ptr("欧"), MemberPhone: ptr("13812345678")}, models.ErrInvalid, "filter.memberNamePrefix"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				f := tt.filter
				_, err := cases.Households(storetest.As(tt.role, townshipA1, "MEDICAL"), store.HouseholdQuery{Filter: &f})
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.field) {
					t.Fatalf("got %v, want %v naming %s", err, tt.want, tt.field)
				}
			})
		}

		t.Run("the prefix of another county is found there", func(t *testing.T) {
			page, err := cases.Households(storetest.As(models.RoleOfficer, countyB),
				store.HouseholdQuery{Filter: &models.HouseholdFilter{MemberNamePrefix: ptr("司马")}})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != sima.ID {
				t.Fatalf("%+v, %v", page, err)
			}
		})

		t.Run("an integrator searches by name", func(t *testing.T) {
			page, err := cases.Households(storetest.As(models.RoleIntegrator, townshipA1, "MEDICAL"),
				store.HouseholdQuery{Filter: &models.HouseholdFilter{MemberName: ptr("欧阳明月")}})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != own.ID {
				t.Fatalf("%+v, %v", page, err)
			}
		})

		t.Run("searches by ID number and phone are audited", func(t *testing.T) {
			evs, err := st.Audit().AuditTrailUnscoped(admin())
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range evs {
				if e.Operation == "searchHouseholds" {
					n++
				}
			}
			// Seven searches of the table by ID number or phone, and the lower-case one.
			if n != 8 {
				t.Errorf("%d searchHouseholds events, want 8", n)
			}
		})
	})
}

// TestMemberPhone sets, masks, reveals and clears a member's contact phone.
func TestMemberPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cases := useCases(st)
		ctx := admin()
		if _, err := cases.CreateHousehold(ctx, models.HouseholdInput{Village: villageA1, Address: "检索路3号",
			Members: []*models.MemberInput{{Name: "钱七", IDNumber: person(1975, true), Relation: models.RelationHead, Phone: ptr("12345678901")}}}); !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "members[0].phone") {
			t.Fatalf("a phone starting 12: %v", err)
		}
		h, err := cases.CreateHousehold(ctx, models.HouseholdInput{Village: villageA1, Address: "检索路3号",
			Members: []*models.MemberInput{{Name: "钱七", IDNumber: person(1975, true), Relation: models.RelationHead, Phone: ptr("13812345678")}}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := cases.HeadOf(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			role   models.Role
			area   string
			reveal bool
			want   string
			err    error
		}{
			{models.RoleOfficer, townshipA1, false, "1381***5678", nil},
			{models.RoleOfficer, townshipA1, true, "13812345678", nil},
			{models.RoleAssistant, villageA1, true, "13812345678", nil},
			// Who may not reveal the phone reads null, not even the mask ("" below).
			{models.RoleIntegrator, townshipA1, false, "", nil},
			{models.RoleAuditor, townshipA1, false, "", nil},
			{models.RoleIntegrator, townshipA1, true, "", models.ErrForbidden},
			{models.RoleAuditor, townshipA1, true, "", models.ErrForbidden},
			{models.RoleOfficer, countyB, true, "", models.ErrForbidden},
		}
		for _, tt := range tests {
			got, err := cases.PhoneOf(storetest.As(tt.role, tt.area), m, tt.reveal)
			shown := got != nil && (tt.want == "" || *got == tt.want)
			if !errors.Is(err, tt.err) || (tt.err == nil && shown == (tt.want == "")) {
				t.Errorf("%s of %s, reveal %v: %v, %v; want %q, %v", tt.role, tt.area, tt.reveal, got, err, tt.want, tt.err)
			}
		}
		if _, err := cases.UpdateMember(ctx, m.ID, models.MemberPatch{Phone: ptr("0534")}); !errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "input.phone") {
			t.Errorf("a landline without its number: %v", err)
		}
		up, err := cases.UpdateMember(ctx, m.ID, models.MemberPatch{Phone: ptr("010-12345678")})
		if err != nil || up.Phone == nil || *up.Phone != "01012345678" {
			t.Fatalf("landline: %v, %v", up, err)
		}
		up, err = cases.UpdateMember(ctx, m.ID, models.MemberPatch{Phone: ptr("")})
		if err != nil || up.Phone != nil {
			t.Fatalf("cleared: %v, %v", up, err)
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
		if seen[x] < 0 {
			return false
		}
	}
	return true
}
