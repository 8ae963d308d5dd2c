package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// record returns an import record of a household of size people in village.
func record(ref, village string, size int) *models.HouseholdRecord {
	r := &models.HouseholdRecord{ExternalRef: ref, Village: village, Address: "导入路" + ref + "号"}
	for i := range size {
		rel := models.RelationChild
		if i == 0 {
			rel = models.RelationHead
		}
		r.Members = append(r.Members, &models.MemberInput{Name: fmt.Sprintf("成员%d", i), IDNumber: person(1970+i, i%2 == 0), Relation: rel})
	}
	return r
}

// state is what the database holds in the caller's area, for before/after comparisons.
type state struct {
	households, members, changes int
	versions                     map[string]int
}

func snapshot(t *testing.T, st *store.Store, ctx context.Context) state {
	t.Helper()
	s := state{versions: map[string]int{}}
	var after *string
	for {
		page, err := useCases(st).Households(ctx, store.HouseholdQuery{PageArgs: store.PageArgs{First: ptr(100), After: after}})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range page.Items {
			s.households++
			s.versions[*h.ExternalRef] = h.Version
			ms, err := useCases(st).MembersOf(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.members += len(ms)
		}
		if !page.HasNextPage {
			break
		}
		c := page.EndCursor()
		after = &c
	}
	s.changes = len(allChanges(t, st, ctx))
	return s
}

// allChanges reads the whole change feed of the caller.
func allChanges(t *testing.T, st *store.Store, ctx context.Context) []*models.Change {
	t.Helper()
	var out []*models.Change
	var since *string
	for {
		page, err := reportCases(st).Changes(ctx, store.ChangeQuery{Since: since, First: ptr(1000)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Edges {
			out = append(out, e.Node)
		}
		since = page.PageInfo.EndCursor
		if !page.PageInfo.HasNextPage {
			return out
		}
	}
}

func TestImportIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleIntegrator, countyA, "MEDICAL")
		batch := []*models.HouseholdRecord{record("H-1", villageA1, 3), record("H-2", villageA2, 1), record("H-3", villageA1, 2)}
		first, err := importCases(st).ImportHouseholds(ctx, batch, store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !first.Committed || first.Created != 3 || first.Rejected != 0 {
			t.Fatalf("first import: %+v %+v", first, first.Errors)
		}
		for _, r := range first.Results {
			if r.Outcome != models.ImportCreated || r.ID == nil {
				t.Errorf("first import result %+v", r)
			}
		}
		s1 := snapshot(t, st, admin())
		if s1.households != 3 || s1.members != 6 || s1.changes != 9 {
			t.Fatalf("after the first import: %+v", s1)
		}
		second, err := importCases(st).ImportHouseholds(ctx, batch, store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if second.Unchanged != 3 || second.Created+second.Updated+second.Rejected != 0 {
			t.Fatalf("second import: %+v", second)
		}
		for i, r := range second.Results {
			if r.Outcome != models.ImportUnchanged || *r.ID != *first.Results[i].ID {
				t.Errorf("second import result %+v", r)
			}
		}
		s2 := snapshot(t, st, admin())
		if fmt.Sprint(s1) != fmt.Sprint(s2) {
			t.Errorf("the same batch twice changed the state: %+v then %+v", s1, s2)
		}

		// A changed record: new address, a member left out, one added.
		changed := *batch[0]
		changed.Address = "新地址1号"
		changed.Members = append([]*models.MemberInput{}, batch[0].Members[:2]...)
		changed.Members = append(changed.Members, &models.MemberInput{Name: "新成员", IDNumber: person(2001, true), Relation: models.RelationGrandchild})
		// An integrator may not leave members out (removing people is civil-affairs work):
		// the whole batch is refused, FORBIDDEN on the record's members.
		refused, err := importCases(st).ImportHouseholds(ctx, []*models.HouseholdRecord{&changed, batch[1]}, store.ImportOptions{})
		if err != nil || refused.Committed || len(refused.Errors) != 1 || refused.Errors[0].Code != "FORBIDDEN" ||
			refused.Errors[0].Field != "records[0].members" {
			t.Fatalf("an integrator leaving a member out: %+v %v", refused, err)
		}
		if s := snapshot(t, st, admin()); fmt.Sprint(s) != fmt.Sprint(s2) {
			t.Errorf("a refused import changed the state: %+v then %+v", s2, s)
		}
		third, err := importCases(st).ImportHouseholds(storetest.As(models.RoleOfficer, countyA), []*models.HouseholdRecord{&changed, batch[1]}, store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if third.Updated != 1 || third.Unchanged != 1 || third.Results[0].Outcome != models.ImportUpdated {
			t.Fatalf("third import: %+v", third)
		}
		s3 := snapshot(t, st, admin())
		if s3.households != 3 || s3.members != 6 || s3.versions["H-1"] != 2 || s3.versions["H-2"] != 1 {
			t.Errorf("after the update: %+v", s3)
		}
		// household UPDATED, one member DELETED, one CREATED
		if s3.changes != s2.changes+3 {
			t.Errorf("update logged %d changes, want 3", s3.changes-s2.changes)
		}
		h, err := useCases(st).Household(admin(), *third.Results[0].ID)
		if err != nil || h.Address != "新地址1号" {
			t.Errorf("updated household: %+v %v", h, err)
		}
	})
}

func TestImportDryRunAndBatchRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleOfficer, countyA)
		good := func(ref string) *models.HouseholdRecord { return record(ref, villageA1, 2) }
		badID := good("BAD-ID")
		badID.Members[1].IDNumber = "371402199001010018" // wrong check character
		noHead := good("NO-HEAD")
		noHead.Members[0].Relation = models.RelationSpouse
		outside := record("OUTSIDE", villageB, 1)
		empty := good("")

		cases := []struct {
			name      string
			batch     []*models.HouseholdRecord
			opt       store.ImportOptions
			committed bool
			created   int
			errFields []string
			errCodes  []string
		}{
			{"dry run writes nothing", []*models.HouseholdRecord{good("D-1"), good("D-2")},
				store.ImportOptions{DryRun: true}, false, 2, nil, nil},
			{"one bad record writes nothing", []*models.HouseholdRecord{good("A-1"), good("A-2"), badID, good("A-3")},
				store.ImportOptions{}, false, 3, []string{"records[2].members[1].idNumber"}, []string{"BAD_USER_INPUT"}},
			{"every invalid record is listed", []*models.HouseholdRecord{noHead, good("B-1"), outside, empty},
				store.ImportOptions{}, false, 1,
				[]string{"records[0].members", "records[2].village", "records[3].externalRef"},
				[]string{"BAD_USER_INPUT", "FORBIDDEN", "BAD_USER_INPUT"}},
			{"dry run of a partial batch", []*models.HouseholdRecord{good("C-1"), badID},
				store.ImportOptions{DryRun: true, Partial: true}, false, 1, []string{"records[1].members[1].idNumber"}, []string{"BAD_USER_INPUT"}},
			{"repeated reference in the batch", []*models.HouseholdRecord{good("E-1"), good("E-1")},
				store.ImportOptions{}, false, 1, []string{"records[1].externalRef"}, []string{"BAD_USER_INPUT"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, st, admin())
				rep, err := importCases(st).ImportHouseholds(ctx, tc.batch, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Committed != tc.committed || rep.Created != tc.created || rep.Rejected != len(tc.errFields) {
					t.Errorf("report %+v", rep)
				}
				for i, e := range rep.Errors {
					if i >= len(tc.errFields) || e.Field != tc.errFields[i] || e.Code != tc.errCodes[i] || e.Reason == "" {
						t.Errorf("error %d: %+v", i, e)
					}
				}
				if after := snapshot(t, st, admin()); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("wrote something: %+v then %+v", before, after)
				}
			})
		}
	})
}

func TestImportPartialWritesExactlyTheGoodOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleIntegrator, townshipA1)
		// Someone in another county's household.
		other, _ := household(t, st, villageB)
		otherMembers, _ := useCases(st).MembersOf(admin(), other.ID)
		taken := record("TAKEN", villageA1, 2)
		taken.Members[1].IDNumber = otherMembers[1].IDNumber
		// A reference registered outside the caller's area.
		ref := "ELSEWHERE"
		if _, err := useCases(st).UpdateHousehold(admin(), other.ID, models.HouseholdPatch{ExternalRef: &ref}); err != nil {
			t.Fatal(err)
		}
		elsewhere := record(ref, villageA1, 1)
		outside := record("OTHER-TOWNSHIP", villageA2, 1)
		batch := []*models.HouseholdRecord{record("P-1", villageA1, 2), taken, elsewhere, record("P-2", villageA1, 1), outside}
		before := snapshot(t, st, admin())
		rep, err := importCases(st).ImportHouseholds(ctx, batch, store.ImportOptions{Partial: true})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Committed || rep.Created != 2 || rep.Rejected != 3 {
			t.Fatalf("report %+v %+v", rep, rep.Errors)
		}
		want := map[int]string{1: "records[1].members[1].idNumber", 2: "records[2].externalRef", 4: "records[4].village"}
		for _, e := range rep.Errors {
			if want[e.Index] != e.Field {
				t.Errorf("error %+v, want field %q", e, want[e.Index])
			}
			for _, leak := range []string{other.ID, villageB, "371403", "陵城"} {
				if strings.Contains(e.Reason, leak) {
					t.Errorf("reason %q reveals %q", e.Reason, leak)
				}
			}
		}
		after := snapshot(t, st, admin())
		if after.households != before.households+2 || after.members != before.members+3 {
			t.Errorf("partial import wrote %d households, %d members", after.households-before.households, after.members-before.members)
		}
		// The other county's household is untouched.
		if h, _ := useCases(st).Household(admin(), other.ID); h.Version != 2 || h.AreaCode != villageB {
			t.Errorf("household outside the area changed: %+v", h)
		}
	})
}

func TestImportRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tooMany := make([]*models.HouseholdRecord, store.MaxImportRecords+1)
		for i := range tooMany {
			tooMany[i] = &models.HouseholdRecord{ExternalRef: fmt.Sprint(i)}
		}
		_, err := importCases(st).ImportHouseholds(admin(), tooMany, store.ImportOptions{})
		var fe *models.FieldError
		if !errors.As(err, &fe) || fe.Field != "records" {
			t.Errorf("too many records: %v", err)
		}
		for _, role := range []models.Role{models.RoleAssistant, models.RoleAuditor} {
			_, err := importCases(st).ImportHouseholds(storetest.As(role, villageA1), []*models.HouseholdRecord{record("R", villageA1, 1)}, store.ImportOptions{})
			if !errors.Is(err, models.ErrForbidden) {
				t.Errorf("%s: %v", role, err)
			}
		}
		if _, err := importCases(st).ImportHouseholds(context.Background(), nil, store.ImportOptions{}); !errors.Is(err, models.ErrUnauthenticated) {
			t.Errorf("no caller: %v", err)
		}
		// A member on a grant cannot be left out of a re-import.
		r := record("G-1", villageA1, 2)
		rep, err := importCases(st).ImportHouseholds(admin(), []*models.HouseholdRecord{r}, store.ImportOptions{})
		if err != nil || !rep.Committed {
			t.Fatal(err, rep)
		}
		ms, _ := useCases(st).MembersOf(admin(), *rep.Results[0].ID)
		var child *models.Member
		for _, m := range ms {
			if m.Relation != models.RelationHead {
				child = m
			}
		}
		if _, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: *rep.Results[0].ID, MemberID: &child.ID,
			ProgramCode: "MEDICAL_OUTPATIENT", Amount: models.Yuan(80), StartDate: models.NewDate(2026, 2, 1), Status: ptr(models.GrantPending)}); err != nil {
			t.Fatal(err)
		}
		r.Members = r.Members[:1]
		rep, err = importCases(st).ImportHouseholds(admin(), []*models.HouseholdRecord{r}, store.ImportOptions{})
		if err != nil || rep.Committed || len(rep.Errors) != 1 || rep.Errors[0].Code != "CONFLICT" {
			t.Errorf("leaving out a member on a grant: %+v %v", rep, err)
		}
		// An integrator gets the same answer whether or not the member left out is on a
		// grant, and whatever the grant's category: FORBIDDEN, since the answer must not
		// depend on grants of categories it does not see.
		free := record("G-2", villageA1, 2)
		if rep, err := importCases(st).ImportHouseholds(admin(), []*models.HouseholdRecord{free}, store.ImportOptions{}); err != nil || !rep.Committed {
			t.Fatal(err, rep)
		}
		free.Members = free.Members[:1]
		for _, cats := range [][]string{{"DIBAO"}, {"MEDICAL"}} {
			integrator := storetest.As(models.RoleIntegrator, cityArea, cats...)
			var reasons []string
			for _, rec := range []*models.HouseholdRecord{r, free} {
				rep, err := importCases(st).ImportHouseholds(integrator, []*models.HouseholdRecord{rec}, store.ImportOptions{DryRun: true})
				if err != nil || rep.Committed || len(rep.Errors) != 1 || rep.Errors[0].Code != "FORBIDDEN" {
					t.Fatalf("%v integrator leaving out a member of %s: %+v %v", cats, rec.ExternalRef, rep, err)
				}
				reasons = append(reasons, rep.Errors[0].Field+": "+rep.Errors[0].Reason)
			}
			if reasons[0] != reasons[1] {
				t.Errorf("%v integrator: the refusal depends on the member's grants: %q", cats, reasons)
			}
		}
	})
}
