package httpapi_test

import (
	"strings"
	"testing"

	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestStaffPhonesMaskedOverTheAPI checks that staff phone numbers are masked for every
// role in lists and single lookups, that admins and officers of the area (and no one
// else) may reveal one, and that every reveal is on the audit trail.
func TestStaffPhonesMaskedOverTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e, sd := startStaffing(t, st)
		var m models.StaffMember
		for _, s := range sd.Staff {
			if s.Phone != nil && division.Contains(townshipA1, s.AreaCode) {
				m = s
				break
			}
		}
		if m.ID == "" {
			t.Fatal("no staff member with a phone in the township")
		}
		masked := privacy.Phone(*m.Phone)
		// Every role that reads the registry sees masked numbers only.
		for _, role := range []models.Role{models.RoleAdmin, models.RoleOfficer, models.RoleAuditor} {
			r := e.do(e.token(role, townshipA1), `query($id: ID!) { staffMember(id: $id) { phone }
			  staff(first: 100) { edges { node { phone } } } }`, map[string]any{"id": m.ID})
			if len(r.Errors) > 0 || !strings.Contains(r.raw, `"`+masked+`"`) {
				t.Fatalf("%s: %.400s", role, r.raw)
			}
			for _, s := range sd.Staff {
				if s.Phone != nil && strings.Contains(r.raw, *s.Phone) {
					t.Errorf("%s sees the full phone number of %s", role, s.ID)
				}
			}
		}
		reveal := `query($id: ID!) { staffMember(id: $id) { name phone(reveal: true) } }`
		reveals := 0
		for _, tt := range []struct {
			role models.Role
			area string
			ok   bool
		}{
			{models.RoleAdmin, division.CityCode, true},
			{models.RoleOfficer, townshipA1, true},
			{models.RoleAuditor, division.CityCode, false},
		} {
			r := e.do(e.token(tt.role, tt.area), reveal, map[string]any{"id": m.ID})
			switch {
			case tt.ok && (len(r.Errors) > 0 || !strings.Contains(r.raw, `"`+*m.Phone+`"`)):
				t.Errorf("%s reveal: %s", tt.role, r.raw)
			case !tt.ok && (r.code() != httpapi.CodeForbidden || strings.Contains(r.raw, *m.Phone) ||
				len(r.Errors[0].Path) != 2 || r.Errors[0].Path[1] != "phone"):
				t.Errorf("%s reveal: %s", tt.role, r.raw)
			}
			if tt.ok {
				reveals++
			}
		}
		// A staff member of a sibling county is NOT_FOUND, revealed or not.
		r := e.do(e.token(models.RoleAdmin, countyB), reveal, map[string]any{"id": m.ID})
		if r.code() != httpapi.CodeNotFound || strings.Contains(r.raw, *m.Phone) || strings.Contains(r.raw, masked) {
			t.Errorf("sibling reveal: %s", r.raw)
		}
		var trail struct {
			AuditEvents struct {
				TotalCount int
				Edges      []struct{ Node struct{ Records []string } }
			}
		}
		e.ok(e.token(models.RoleAuditor, division.CityCode), `{ auditEvents(filter: {operation: "revealPhone"}, first: 100) { totalCount edges { node { records } } } }`, nil, &trail)
		if trail.AuditEvents.TotalCount != reveals {
			t.Fatalf("%d revealPhone events, want %d", trail.AuditEvents.TotalCount, reveals)
		}
		for _, edge := range trail.AuditEvents.Edges {
			if len(edge.Node.Records) != 1 || edge.Node.Records[0] != m.ID {
				t.Errorf("reveal event records %v", edge.Node.Records)
			}
		}
		// The masked number is refused as input, naming the field.
		r = e.do(e.token(models.RoleAdmin, division.CityCode), `mutation($id: ID!, $p: String) { updateStaff(id: $id, input: {phone: $p}) { id } }`,
			map[string]any{"id": m.ID, "p": masked})
		if r.code() != httpapi.CodeBadUserInput || !strings.Contains(r.raw, "input.phone") {
			t.Errorf("update with a masked phone: %s", r.raw)
		}
	})
}
