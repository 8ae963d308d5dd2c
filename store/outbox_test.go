package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestApplicationMovesWriteNotices checks that receiving and deciding an application
// writes one notice per move in the move's transaction: a refused move (here a second
// approval) writes none, a grant that did not come in as an application gets none, and
// no notice holds an ID number or a name.
func TestApplicationMovesWriteNotices(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		h, plain := household(t, st, villageA1)
		g, err := applicationCases(st).SubmitApplication(storetest.As(models.RoleAssistant, villageA1),
			models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "town"), g.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).RejectGrant(officer(townshipA1, "town"), g.ID, "", nil); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("reject without a reason: %v", err)
		}
		// Temporary assistance is capped by a multiple of the county's standard (P20).
		if _, err := staffingCases(st).SetDibaoStandard(admin(), countyA, 2026, models.Yuan(850), models.Yuan(700)); err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ApproveGrant(officer(countyA, "county"), g.ID, models.ApprovalInput{Amount: ptr(models.Yuan(300)), StartDate: models.NewDate(2026, 3, 1)}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ApproveGrant(officer(countyA, "county2"), g.ID, models.ApprovalInput{Amount: ptr(models.Yuan(300)), StartDate: models.NewDate(2026, 3, 1)}, nil); err == nil {
			t.Fatal("a second approval passed")
		}
		if _, err := grantCases(st).SuspendGrant(officer(townshipA1, "town"), plain.ID, "待复核", nil); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		ns, err := st.Outbox().NotificationsUnscoped(ctx, *g.Reference)
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]string{{"", "PENDING"}, {"PENDING", "REVIEWED"}, {"REVIEWED", "ACTIVE"}}
		if len(ns) != len(want) {
			t.Fatalf("%d notices, want %d: %+v", len(ns), len(want), ns)
		}
		seen := map[string]bool{}
		for i, n := range ns {
			p := n.Param()
			if n.Kind != store.NoticeApplicationStatus || p["from"] != want[i][0] || p["status"] != want[i][1] || p["reference"] != *g.Reference {
				t.Errorf("notice %d: %s %v, want %v", i, n.Kind, p, want[i])
			}
			if n.HouseholdID != h.ID || n.AreaCode != villageA1 || n.DeliveredAt != nil || n.Attempts != 0 || seen[n.ID] {
				t.Errorf("notice %d: %+v", i, n)
			}
			seen[n.ID] = true
		}
		// Every notice of the store is one of the application's: the plain grant's
		// suspension wrote none.
		all, err := st.Outbox().ClaimNotificationsUnscoped(ctx, time.Now().Add(time.Minute), 100, time.Minute)
		if err != nil || len(all) != len(want) {
			t.Fatalf("claimed %d notices (%v), want %d", len(all), err, len(want))
		}
	})
}

// TestNoticeClaimsAndRetries checks the outbox's delivery bookkeeping: a claimed notice
// is not claimed again while its lease runs, is claimed again (same id, one more attempt)
// once it ran out, waits for its due time after a failure, and is never claimed once
// delivered.
func TestNoticeClaimsAndRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		g, err := applicationCases(st).SubmitApplication(storetest.As(models.RoleAssistant, villageA1),
			models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		t0 := time.Now().Add(time.Second)
		claim := func(at time.Time) []store.Notification {
			t.Helper()
			ns, err := st.Outbox().ClaimNotificationsUnscoped(ctx, at, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ns
		}
		first := claim(t0)
		if len(first) != 1 || first[0].Attempts != 1 || *first[0].Reference != *g.Reference {
			t.Fatalf("first claim: %+v", first)
		}
		if again := claim(t0.Add(30 * time.Second)); len(again) != 0 {
			t.Errorf("claimed again within the lease: %+v", again)
		}
		second := claim(t0.Add(61 * time.Second))
		if len(second) != 1 || second[0].ID != first[0].ID || second[0].Attempts != 2 {
			t.Fatalf("after the lease: %+v", second)
		}
		if err := st.Outbox().RetryNotificationUnscoped(ctx, first[0].ID, t0.Add(5*time.Minute), "gateway answered 503"); err != nil {
			t.Fatal(err)
		}
		if early := claim(t0.Add(4 * time.Minute)); len(early) != 0 {
			t.Errorf("claimed before it was due: %+v", early)
		}
		third := claim(t0.Add(6 * time.Minute))
		if len(third) != 1 || third[0].Attempts != 3 || third[0].LastError != "gateway answered 503" {
			t.Fatalf("when due: %+v", third)
		}
		if err := st.Outbox().MarkNotificationDeliveredUnscoped(ctx, first[0].ID, t0.Add(6*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if done := claim(t0.Add(time.Hour)); len(done) != 0 {
			t.Errorf("claimed once delivered: %+v", done)
		}
	})
}

// TestApplicantRecord checks what the status page reads of an application: the status,
// the steps with the areas that took them, and the ID tail of the applicant, who is the
// member the application names or else the head of the household.
func TestApplicantRecord(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		h, _ := household(t, st, villageA1)
		ms, err := useCases(st).MembersOf(admin(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		var head, spouse models.Member
		for _, m := range ms {
			if m.Relation == models.RelationHead {
				head = *m
			} else {
				spouse = *m
			}
		}
		va := storetest.As(models.RoleAssistant, villageA1)
		forHousehold, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "town"), forHousehold.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		forSpouse, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, MemberID: &spouse.ID, ProgramCode: "MEDICAL_INPATIENT", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		tests := []struct {
			ref     string
			tail    string
			status  models.GrantStatus
			offices []string
		}{
			{*forHousehold.Reference, head.IDNumber[12:], models.GrantReviewed, []string{villageA1, townshipA1}},
			{*forSpouse.Reference, spouse.IDNumber[12:], models.GrantPending, []string{villageA1}},
		}
		for _, tt := range tests {
			rec, err := st.StatusPage().ApplicantRecordUnscoped(ctx, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Steps, err = st.StatusPage().ApplicantStepsUnscoped(ctx, rec.GrantID); err != nil {
				t.Fatal(err)
			}
			if rec.IDTail != tt.tail || rec.Status != tt.status || rec.AreaCode != villageA1 || len(rec.Steps) != len(tt.offices) {
				t.Errorf("%s: %+v", tt.ref, rec)
				continue
			}
			for i, s := range rec.Steps {
				if s.OfficeAt != tt.offices[i] || s.At.IsZero() {
					t.Errorf("%s step %d: %+v, want office %s", tt.ref, i, s, tt.offices[i])
				}
			}
		}
		if _, err := st.StatusPage().ApplicantRecordUnscoped(ctx, "JZ-371402-2026-999999"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown reference: %v", err)
		}
		// Lookups are audited by digests: two of one reference share theirs, another
		// reference has its own, and no row holds the reference itself.
		for _, o := range []store.StatusLookupOutcome{store.LookupShown, store.LookupMismatch} {
			var shown []string
			if o == store.LookupShown {
				shown = []string{forSpouse.ID}
			}
			if err := st.StatusPage().RecordStatusLookupUnscoped(ctx, *forSpouse.Reference, "192.0.2.1", villageA1, o, shown); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.StatusPage().RecordStatusLookupUnscoped(ctx, "JZ-371402-2026-999999", "192.0.2.1", "", store.LookupUnknown, nil); err != nil {
			t.Fatal(err)
		}
		got, err := st.StatusPage().StatusLookupsUnscoped(ctx, *forSpouse.Reference)
		if err != nil || len(got) != 2 || got[0].Outcome != store.LookupShown || got[1].Outcome != store.LookupMismatch {
			t.Fatalf("lookups of the spouse's application: %+v (%v)", got, err)
		}
		if got[0].ReferenceDigest == *forSpouse.Reference || len(got[0].ReferenceDigest) != 64 || got[0].AddressDigest == "192.0.2.1" {
			t.Errorf("the trail keeps the reference or address: %+v", got[0])
		}
		unknown, err := st.StatusPage().StatusLookupsUnscoped(ctx, "JZ-371402-2026-999999")
		if err != nil || len(unknown) != 1 || unknown[0].AreaCode != "371400000000" || unknown[0].ReferenceDigest == got[0].ReferenceDigest {
			t.Errorf("lookups of the unknown reference: %+v (%v)", unknown, err)
		}
	})
}
