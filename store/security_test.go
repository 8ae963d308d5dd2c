package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// auditOf returns the audit events of the whole city, oldest first.
func auditOf(t *testing.T, st *store.Store, f *models.AuditFilter) []models.AuditEvent {
	t.Helper()
	var all []models.AuditEvent
	var after *string
	for {
		page, err := reportCases(st).AuditEvents(storetest.As(models.RoleAuditor, cityArea), store.AuditQuery{Filter: f, PageArgs: store.PageArgs{First: ptr(100), After: after}})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if !page.HasNextPage {
			return all
		}
		c := page.EndCursor()
		after = &c
	}
}

func TestEveryMutationWritesOneAuditEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		standard(t, st, countyA, 2026) // its own audit event, before the steps
		ctx := storetest.As(models.RoleOfficer, townshipA1)
		var h *models.Household
		var extra *models.Member
		steps := []struct {
			op  string
			run func() error
		}{
			{"createHousehold", func() (err error) {
				h, err = useCases(st).CreateHousehold(ctx, models.HouseholdInput{Village: villageA1, Address: "审计路1号",
					Members: []*models.MemberInput{{Name: "王建国", IDNumber: person(1960, true), Relation: models.RelationHead}}})
				return err
			}},
			{"updateHousehold", func() error {
				_, err := useCases(st).UpdateHousehold(ctx, h.ID, models.HouseholdPatch{Address: ptr("审计路2号")})
				return err
			}},
			{"addMember", func() (err error) {
				extra, err = useCases(st).AddMember(ctx, h.ID, models.MemberInput{Name: "王小明", IDNumber: person(1990, true), Relation: models.RelationChild})
				return err
			}},
			{"updateMember", func() error {
				_, err := useCases(st).UpdateMember(ctx, extra.ID, models.MemberPatch{Name: ptr("王晓明")})
				return err
			}},
			{"setHouseholdHead", func() error {
				_, err := useCases(st).SetHouseholdHead(ctx, h.ID, extra.ID, models.RelationParent)
				return err
			}},
			{"createGrant", func() error {
				_, err := grantCases(st).CreateGrant(ctx, models.GrantInput{HouseholdID: h.ID, ProgramCode: "URBAN_DIBAO", StartDate: models.NewDate(2026, 1, 1)})
				return err
			}},
			{"setHouseholdHead", func() error { // back, so the child can be removed
				ms, _ := useCases(st).MembersOf(ctx, h.ID)
				for _, m := range ms {
					if m.ID != extra.ID {
						_, err := useCases(st).SetHouseholdHead(ctx, h.ID, m.ID, models.RelationChild)
						return err
					}
				}
				return errors.New("no other member")
			}},
			{"removeMember", func() error {
				_, err := useCases(st).RemoveMember(ctx, extra.ID)
				return err
			}},
		}
		for i, step := range steps {
			if err := step.run(); err != nil {
				t.Fatalf("%s: %v", step.op, err)
			}
			evs := auditOf(t, st, nil)
			if len(evs) != i+2 {
				t.Fatalf("after %s: %d audit events, want %d", step.op, len(evs), i+2)
			}
			ev := evs[len(evs)-1]
			if ev.Operation != step.op || ev.Actor != "officer@"+townshipA1 || ev.ActorRole != models.RoleOfficer ||
				ev.AreaCode != villageA1 || !strings.Contains(ev.RecordIDs, h.ID) {
				t.Errorf("%s: event %+v", step.op, ev)
			}
		}
		// A failed mutation writes no audit event, like nothing else.
		before := len(auditOf(t, st, nil))
		if _, err := useCases(st).RemoveMember(ctx, "no-such-member"); !errors.Is(err, models.ErrNotFound) {
			t.Fatal(err)
		}
		if _, err := grantCases(st).CreateGrant(storetest.As(models.RoleOfficer, countyB), models.GrantInput{HouseholdID: h.ID, ProgramCode: "URBAN_DIBAO", Amount: models.Yuan(1), StartDate: models.NewDate(2026, 1, 1)}); !errors.Is(err, models.ErrNotFound) {
			t.Fatal(err)
		}
		if n := len(auditOf(t, st, nil)); n != before {
			t.Errorf("failed mutations wrote %d audit events", n-before)
		}
		// No personal data in the trail: digests only.
		for _, ev := range auditOf(t, st, nil) {
			for _, v := range []string{ev.Before, ev.After} {
				if v != "" && len(v) != 64 {
					t.Errorf("before/after %q is not a digest", v)
				}
			}
		}
	})
}

func TestAuditEventsAccessScopeAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		start := time.Now().Add(-time.Second)
		hA, _ := household(t, st, villageA1)
		hB, _ := household(t, st, villageB)
		// Roles: admins and auditors read, the others are refused.
		for _, role := range []models.Role{models.RoleOfficer, models.RoleAssistant, models.RoleIntegrator} {
			if _, err := reportCases(st).AuditEvents(storetest.As(role, cityArea), store.AuditQuery{}); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s: %v", role, err)
			}
		}
		// Scope: an auditor of county A sees A's events only; B's area is FORBIDDEN.
		countyAuditor := storetest.As(models.RoleAuditor, countyA)
		page, err := reportCases(st).AuditEvents(countyAuditor, store.AuditQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 3 {
			t.Errorf("county auditor sees %d events, want 3 (standard, household and grant)", len(page.Items))
		}
		for _, ev := range page.Items {
			if (ev.AreaCode != hA.AreaCode && ev.AreaCode != countyA) || strings.Contains(ev.RecordIDs, hB.ID) {
				t.Errorf("county auditor sees %+v", ev)
			}
		}
		if _, err := reportCases(st).AuditEvents(countyAuditor, store.AuditQuery{Area: ptr(countyB)}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("foreign area: %v", err)
		}
		if n, _ := page.Count(); n != 3 {
			t.Errorf("count %d", n)
		}
		// Filters.
		filters := []struct {
			name string
			f    models.AuditFilter
			want int
		}{
			{"operation", models.AuditFilter{Operation: ptr("createGrant")}, 2},
			{"actor", models.AuditFilter{Actor: ptr("admin@" + cityArea)}, 6},
			{"other actor", models.AuditFilter{Actor: ptr("nobody")}, 0},
			{"from", models.AuditFilter{From: &start}, 6},
			{"to before", models.AuditFilter{To: &start}, 0},
		}
		for _, tt := range filters {
			if got := len(auditOf(t, st, &tt.f)); got != tt.want {
				t.Errorf("%s: %d events, want %d", tt.name, got, tt.want)
			}
		}
		if _, err := reportCases(st).AuditEvents(admin(), store.AuditQuery{Filter: &models.AuditFilter{Actor: ptr("ad***in")}}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("masked actor: %v", err)
		}
		// Keyset pagination, one by one.
		var ids []string
		var after *string
		for range 10 {
			p, err := reportCases(st).AuditEvents(admin(), store.AuditQuery{PageArgs: store.PageArgs{First: ptr(1), After: after}})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range p.Items {
				ids = append(ids, ev.ID)
			}
			if !p.HasNextPage {
				break
			}
			c := p.EndCursor()
			after = &c
		}
		if len(ids) != 6 {
			t.Errorf("paged %d events, want 6", len(ids))
		}
	})
}

func TestAuditTrailIsAppendOnlyInTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		household(t, st, villageA1)
		before := auditOf(t, st, nil)
		for _, q := range []string{
			"UPDATE audit_events SET actor = 'someone-else'",
			"DELETE FROM audit_events",
		} {
			err := store.ExecUnscoped(st, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v", q, err)
			}
		}
		if st.Dialect() == store.Postgres {
			if err := store.ExecUnscoped(st, "TRUNCATE audit_events"); err == nil {
				t.Error("TRUNCATE went through")
			}
		}
		// Migrating again keeps the guard and the events.
		if err := st.Setup().Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := store.ExecUnscoped(st, "DELETE FROM audit_events"); err == nil {
			t.Error("DELETE went through after a second migration")
		}
		after := auditOf(t, st, nil)
		if len(after) != len(before) || after[0].Actor != before[0].Actor {
			t.Errorf("the trail changed: %d → %d events", len(before), len(after))
		}
	})
}

func TestIDNumbersAreMaskedAndRevealsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := ms[0]
		masked, err := useCases(st).IDNumberOf(storetest.As(models.RoleAuditor, cityArea), m, false)
		if err != nil || masked != m.IDNumber[:6]+"************" {
			t.Fatalf("masked %q, %v", masked, err)
		}
		tests := []struct {
			name string
			ctx  context.Context
			ok   bool
		}{
			{"city admin", admin(), true},
			{"township officer", storetest.As(models.RoleOfficer, townshipA1), true},
			{"village assistant", storetest.As(models.RoleAssistant, villageA1), true},
			{"auditor", storetest.As(models.RoleAuditor, cityArea), false},
			{"integrator", storetest.As(models.RoleIntegrator, cityArea, "MINIMUM_LIVING"), false},
			{"officer of a sibling township", storetest.As(models.RoleOfficer, townshipA2), false},
			{"officer of a sibling county", storetest.As(models.RoleOfficer, countyB), false},
		}
		reveals := 0
		for _, tt := range tests {
			got, err := useCases(st).IDNumberOf(tt.ctx, m, true)
			switch {
			case tt.ok && (err != nil || got != m.IDNumber):
				t.Errorf("%s: %q, %v", tt.name, got, err)
			case !tt.ok && (!errors.Is(err, models.ErrForbidden) || got != ""):
				t.Errorf("%s: %q, %v; want FORBIDDEN", tt.name, got, err)
			}
			if tt.ok {
				reveals++
			}
		}
		evs := auditOf(t, st, &models.AuditFilter{Operation: ptr("revealIdNumber")})
		if len(evs) != reveals {
			t.Fatalf("%d reveal events, want %d", len(evs), reveals)
		}
		for _, ev := range evs {
			if ev.RecordIDs != m.ID || ev.AreaCode != m.AreaCode {
				t.Errorf("reveal event %+v", ev)
			}
		}
		// Masked values are refused as search values, naming the field.
		mm := m.IDNumber[:4] + "**********" + m.IDNumber[14:]
		_, err = useCases(st).MemberByIDNumber(admin(), mm)
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != "idNumber" || !strings.Contains(fe.Message, "masked") {
			t.Errorf("memberByIdNumber(masked): %v", err)
		}
		filters := map[string]error{}
		_, filters["filter.externalRef"] = useCases(st).Households(admin(), store.HouseholdQuery{Filter: &models.HouseholdFilter{ExternalRef: ptr(mm)}})
		_, filters["filter.addressContains"] = useCases(st).Households(admin(), store.HouseholdQuery{Filter: &models.HouseholdFilter{AddressContains: ptr("3714****")}})
		_, filters["filter.householdId"] = grantCases(st).Grants(admin(), store.GrantQuery{Filter: &models.GrantFilter{HouseholdID: ptr("ab***cd")}})
		_, filters["input.idNumber"] = useCases(st).AddMember(admin(), h.ID, models.MemberInput{Name: "x", IDNumber: mm, Relation: models.RelationOther})
		for field, err := range filters {
			if !errors.As(err, &fe) || fe.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
	})
}

func TestStaffPhonesAreMaskedAndRevealsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m, err := staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "孙丽娟", Post: models.PostVillageCoordinator, Area: villageA1, Phone: ptr("13905341234"), From: day(2024, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		masked, err := staffingCases(st).PhoneOf(storetest.As(models.RoleAuditor, cityArea), m, false)
		if err != nil || masked == nil || *masked != "1390***1234" {
			t.Fatalf("masked %v, %v", masked, err)
		}
		tests := []struct {
			name string
			ctx  context.Context
			ok   bool
		}{
			{"city admin", admin(), true},
			{"township officer", storetest.As(models.RoleOfficer, townshipA1), true},
			{"village assistant", storetest.As(models.RoleAssistant, villageA1), false},
			{"auditor", storetest.As(models.RoleAuditor, cityArea), false},
			{"integrator", storetest.As(models.RoleIntegrator, cityArea, "MINIMUM_LIVING"), false},
			{"officer of a sibling township", storetest.As(models.RoleOfficer, townshipA2), false},
			{"admin of a sibling county", storetest.As(models.RoleAdmin, countyB), false},
		}
		reveals := 0
		for _, tt := range tests {
			got, err := staffingCases(st).PhoneOf(tt.ctx, m, true)
			switch {
			case tt.ok && (err != nil || got == nil || *got != "13905341234"):
				t.Errorf("%s: %v, %v", tt.name, got, err)
			case !tt.ok && (!errors.Is(err, models.ErrForbidden) || got != nil):
				t.Errorf("%s: %v, %v; want FORBIDDEN", tt.name, got, err)
			}
			if tt.ok {
				reveals++
			}
		}
		evs := auditOf(t, st, &models.AuditFilter{Operation: ptr("revealPhone")})
		if len(evs) != reveals {
			t.Fatalf("%d reveal events, want %d", len(evs), reveals)
		}
		for _, ev := range evs {
			if ev.RecordIDs != m.ID || ev.AreaCode != m.AreaCode || strings.Contains(ev.Before+ev.After, "1390") {
				t.Errorf("reveal event %+v", ev)
			}
		}
		// No phone, nothing to mask or reveal, and no audit record.
		none, err := staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "王建国", Post: models.PostSocialWorker, Area: townshipA1, From: day(2024, 1, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := staffingCases(st).PhoneOf(admin(), none, true); got != nil || err != nil {
			t.Errorf("no phone: %v, %v", got, err)
		}
		if evs := auditOf(t, st, &models.AuditFilter{Operation: ptr("revealPhone")}); len(evs) != reveals {
			t.Errorf("%d reveal events after a reveal of no phone, want %d", len(evs), reveals)
		}
		// A masked phone is refused as input, naming the field, and nothing changes.
		var fe *models.FieldError
		_, err = staffingCases(st).UpdateStaff(admin(), m.ID, models.StaffPatch{Phone: masked})
		if !errors.As(err, &fe) || fe.Field != "input.phone" || !strings.Contains(fe.Message, "masked") {
			t.Errorf("updateStaff(masked phone): %v", err)
		}
		_, err = staffingCases(st).CreateStaff(admin(), models.StaffInput{Name: "李娜", Post: models.PostSocialWorker, Area: townshipA1, Phone: masked, From: day(2024, 1, 1)})
		if !errors.As(err, &fe) || fe.Field != "input.phone" {
			t.Errorf("createStaff(masked phone): %v", err)
		}
		if got, err := staffingCases(st).StaffMember(admin(), m.ID); err != nil || got.Phone == nil || *got.Phone != "13905341234" || got.Version != m.Version {
			t.Errorf("after refused updates: %+v, %v", got, err)
		}
	})
}

// TestAuditDigestsResistASearch removes a member and then does what an auditor reading
// the trail could: take the member as it was (every field but the hidden middle of its
// ID number is known to whoever read it masked) and hash each of the thousand ID numbers
// of its region and birth date until one gives the digest on the trail. A plain SHA-256
// of the record's JSON falls to that search in a millisecond; the keyed digest does not.
// The digest stays the same for the same record, through another store on the database
// too, so that a record's digests can still be compared over time.
func TestAuditDigestsResistASearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		var victim *models.Member
		for _, m := range ms {
			if m.Relation != models.RelationHead {
				victim = m
			}
		}
		if _, err := useCases(st).RemoveMember(admin(), victim.ID); err != nil {
			t.Fatal(err)
		}
		var ev *models.AuditEvent
		for _, e := range auditOf(t, st, &models.AuditFilter{Operation: ptr("removeMember")}) {
			if strings.Contains(e.RecordIDs, victim.ID) {
				ev = &e
			}
		}
		if ev == nil || len(ev.Before) != 64 {
			t.Fatalf("no removeMember event with a digest: %+v", ev)
		}
		birth := victim.IDNumber[:14]
		found := ""
		for seq := range 1000 {
			cand := birth + fmt.Sprintf("%03d", seq)
			cand += string(idnumber.CheckChar(cand))
			guess := *victim
			guess.IDNumber = cand
			b, err := json.Marshal(&guess)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) == ev.Before {
				found = cand
			}
		}
		if found != "" {
			t.Fatalf("the digest on the trail gives the ID number away: a search over %s*** found %s", birth, found)
		}
		same, err := store.AuditDigest(storetest.MustOpenTwin(t, st.Dialect(), st), victim)
		if err != nil {
			t.Fatal(err)
		}
		if same != ev.Before {
			t.Errorf("the same record digests as %s through another store, %s on the trail", same, ev.Before)
		}
	})
}
