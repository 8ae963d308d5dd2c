package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// officer returns the context of an officer of area with subject sub.
func officer(area, sub string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: sub, Role: models.RoleOfficer, Area: area})
}

// TestReferencesHaveNoGapsUnderConcurrency submits applications at once in two counties
// and checks that each county's reference numbers are its own, distinct and consecutive
// from 1 (P11): one county's numbers show nothing of the other's volume.
func TestReferencesHaveNoGapsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		hA, _ := household(t, st, villageA1)
		hB, _ := household(t, st, villageB)
		const n = 16
		refs := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, ctx := hA.ID, storetest.As(models.RoleAssistant, villageA1)
				switch i % 4 {
				case 1:
					ctx = storetest.As(models.RoleOfficer, townshipA1)
				case 2:
					h, ctx = hB.ID, storetest.As(models.RoleAssistant, villageB)
				case 3:
					h, ctx = hB.ID, storetest.As(models.RoleOfficer, countyB)
				}
				g, err := applicationCases(st).SubmitApplication(ctx, models.ApplicationInput{HouseholdID: h, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline})
				if err == nil {
					refs[i] = *g.Reference
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		// A refused application takes no number.
		if _, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: hA.ID, ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelOnline}); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("medical application without member: %v", err)
		}
		last, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: hA.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, *last.Reference)
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		year := time.Now().In(policy.ChinaTime).Year()
		byCounty := map[string][]string{}
		for _, r := range refs {
			county := strings.Split(r, "-")[1]
			byCounty[county] = append(byCounty[county], r)
		}
		for county, want := range map[string]int{countyA[:6]: n/2 + 1, countyB[:6]: n / 2} {
			got := byCounty[county]
			sort.Strings(got)
			if len(got) != want {
				t.Fatalf("%d references of county %s, want %d (all: %v)", len(got), county, want, refs)
			}
			for i, r := range got {
				if w := policy.ApplicationReference(county, year, i+1); r != w {
					t.Fatalf("reference %d of county %s is %s, want %s (all: %v)", i, county, r, w, got)
				}
			}
		}
		if len(byCounty) != 2 {
			t.Fatalf("references of %d counties, want 2: %v", len(byCounty), refs)
		}
		if c := store.AuditCount(st, "submitApplication"); c != n+1 {
			t.Errorf("%d audit events of submitApplication, want %d", c, n+1)
		}
	})
}

// TestReferenceGivenBackOnRollback makes the store of an application fail after its
// number was taken (another grant already holds that reference): the number is given
// back, and the next application of the county takes it, so that there is no gap. A
// reference of the older city-wide form stays as it is and is still found.
func TestReferenceGivenBackOnRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, g := household(t, st, villageA1)
		year := time.Now().In(policy.ChinaTime).Year()
		county := countyA[:6]
		submit := func() (*models.Grant, error) {
			return applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelHotline})
		}
		first, err := submit()
		if err != nil {
			t.Fatal(err)
		}
		if want := policy.ApplicationReference(county, year, 1); *first.Reference != want {
			t.Fatalf("first reference %s, want %s", *first.Reference, want)
		}
		second := policy.ApplicationReference(county, year, 2)
		if err := store.ExecUnscoped(st, "UPDATE grants SET reference = ? WHERE id = ?", second, g.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := submit(); err == nil {
			t.Fatal("an application whose reference is taken was stored")
		}
		old := fmt.Sprintf("JZ-%d-000001", year)
		if err := store.ExecUnscoped(st, "UPDATE grants SET reference = ? WHERE id = ?", old, g.ID); err != nil {
			t.Fatal(err)
		}
		next, err := submit()
		if err != nil {
			t.Fatal(err)
		}
		if *next.Reference != second {
			t.Fatalf("after a rolled-back application the next reference is %s, want %s", *next.Reference, second)
		}
		found, err := applicationCases(st).Application(admin(), old)
		if err != nil || found.ID != g.ID {
			t.Fatalf("application(%s) = %v, %v; the older form must still be found", old, found, err)
		}
	})
}

// TestParallelMedicalApprovalsShareOneCeiling approves four medical grants of one member
// at once: together they never pay more than the annual ceiling (P3), and the approvals
// that find it spent are refused.
func TestParallelMedicalApprovalsShareOneCeiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		const n = 4
		for i := range n {
			g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, MemberID: &ms[0].ID, ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelReferral})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := grantCases(st).ReviewGrant(officer(townshipA1, fmt.Sprint("town-", i)), g.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, g.ID)
		}
		// Each claim alone would pay 70 % of 40,000 = 28,000; the ceiling is 30,000.
		in := models.ApprovalInput{StartDate: models.NewDate(2026, 5, 1), Medical: &models.MedicalCostsInput{TotalCost: models.Yuan(40000)}}
		amounts := make([]models.Money, n)
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g, err := grantCases(st).ApproveGrant(officer(countyA, "county"), id, in, nil)
				if errors.Is(err, models.ErrInvalid) {
					return // nothing payable: the ceiling is spent
				}
				if err != nil {
					t.Error(err)
					return
				}
				amounts[i] = g.Amount
			}()
		}
		wg.Wait()
		var sum models.Money
		approved := 0
		for _, a := range amounts {
			sum += a
			if a > 0 {
				approved++
			}
		}
		if sum != models.Yuan(30000) || slices.Max(amounts) != models.Yuan(28000) || approved != 2 {
			t.Fatalf("amounts %v: together they must fill the 30000.00 ceiling exactly, in two approvals", amounts)
		}
		if c := store.AuditCount(st, "approveGrant"); c != 2 {
			t.Errorf("%d audit events of approveGrant", c)
		}
	})
}

// TestLifecycleRecordsFollowTheHousehold moves a household to another village: its
// medical claims and charity aid move with it, so scope stays true.
func TestLifecycleRecordsFollowTheHousehold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		ms, _ := useCases(st).MembersOf(admin(), h.ID)
		g, err := applicationCases(st).SubmitApplication(admin(), models.ApplicationInput{HouseholdID: h.ID, MemberID: &ms[1].ID, ProgramCode: "MEDICAL_OUTPATIENT", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "t"), g.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ApproveGrant(officer(countyA, "c"), g.ID, models.ApprovalInput{StartDate: models.NewDate(2026, 1, 5),
			Medical: &models.MedicalCostsInput{TotalCost: models.Yuan(900), BasicInsurance: models.Yuan(500)}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := fundsCases(st).FileCharityAid(admin(), models.CharityAidInput{HouseholdID: h.ID, Organisation: "红十字会", Date: models.NewDate(2025, 6, 1),
			Kind: models.CharityService, Amount: 0}); err != nil {
			t.Fatal(err)
		}
		v := villageA2
		if _, err := useCases(st).UpdateHousehold(admin(), h.ID, models.HouseholdPatch{Village: &v}); err != nil {
			t.Fatal(err)
		}
		for _, c := range [][3]string{{"medical_claims", "grant_id", g.ID}, {"charity_aids", "household_id", h.ID}} {
			if got := store.AreaCodes(st, c[0], c[1], c[2]); len(got) != 1 || got[0] != villageA2 {
				t.Errorf("%s after the move: %v", c[0], got)
			}
		}
		if aid, _ := fundsCases(st).CharityAidOf(storetest.As(models.RoleOfficer, townshipA1), h.ID); len(aid) != 0 {
			t.Errorf("the old township still sees the aid: %v", aid)
		}
		if claim, _ := grantCases(st).MedicalClaim(storetest.As(models.RoleOfficer, townshipA2), g.ID); claim == nil || claim.Payable != models.Yuan(280) {
			t.Errorf("the new township's view of the claim: %+v", claim)
		}
	})
}
