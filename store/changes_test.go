package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestChangeFeedUnderConcurrentWriters has writers create and change households, members
// and grants concurrently while a reader polls the feed. The reader must see every change
// exactly once, in seq order, and its list must equal the feed read afterwards.
func TestChangeFeedUnderConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const writers, rounds = 4, 6
		ctx := admin()
		done := make(chan struct{})
		var seen []*models.Change
		var readErr error
		var polls int
		var wgReader sync.WaitGroup
		wgReader.Add(1)
		go func() {
			defer wgReader.Done()
			var since *string
			read := func() bool {
				page, err := reportCases(st).Changes(ctx, store.ChangeQuery{Since: since, First: ptr(7)})
				if err != nil {
					readErr = err
					return false
				}
				polls++
				for _, e := range page.Edges {
					seen = append(seen, e.Node)
				}
				since = page.PageInfo.EndCursor
				return page.PageInfo.HasNextPage
			}
			for {
				select {
				case <-done:
					for read() {
					}
					return
				default:
					read()
					time.Sleep(time.Millisecond)
				}
			}
		}()
		standard(t, st, countyA, 2026)
		standard(t, st, countyB, 2026)
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					village := villageA1
					if (w+r)%2 == 1 {
						village = villageB
					}
					var rep *models.ImportReport
					var err error
					for try := 0; try < 5; try++ {
						rep, err = importCases(st).ImportHouseholds(ctx, []*models.HouseholdRecord{record(fmt.Sprintf("W%d-%d", w, r), village, 2)}, store.ImportOptions{})
						if !errors.Is(err, models.ErrConflict) {
							break
						}
					}
					if err != nil {
						errs <- err
						return
					}
					id := *rep.Results[0].ID
					if _, err := grantCases(st).CreateGrant(ctx, models.GrantInput{HouseholdID: id, ProgramCode: "URBAN_DIBAO",
						StartDate: models.NewDate(2026, 1, 1)}); err != nil {
						errs <- err
						return
					}
					addr := fmt.Sprintf("改%d-%d", w, r)
					if _, err := useCases(st).UpdateHousehold(ctx, id, models.HouseholdPatch{Address: &addr}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(done)
		wgReader.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if readErr != nil {
			t.Fatal(readErr)
		}
		all := allChanges(t, st, ctx)
		// per round: household + 2 members created, grant created with its calculation,
		// household updated
		if want := writers * rounds * 6; len(all) != want {
			t.Fatalf("feed has %d changes, want %d", len(all), want)
		}
		if len(seen) != len(all) {
			t.Fatalf("the polling reader saw %d changes, the feed has %d (%d polls)", len(seen), len(all), polls)
		}
		ids := map[string]bool{}
		for i := range all {
			if seen[i].Cursor != all[i].Cursor || seen[i].ID != all[i].ID || seen[i].Kind != all[i].Kind {
				t.Fatalf("change %d: reader saw %+v, feed has %+v", i, seen[i], all[i])
			}
			key := seen[i].ID + string(seen[i].Kind)
			if seen[i].Kind == models.ChangeCreated && ids[key] {
				t.Fatalf("change %d repeats a creation: %+v", i, seen[i])
			}
			ids[key] = true
		}
		t.Logf("%d changes, %d polls", len(all), polls)
	})
}

func TestChangeFeedScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		hA, gA := household(t, st, villageA1) // DIBAO grant
		hB, _ := household(t, st, villageB)
		med, err := grantCases(st).CreateGrant(admin(), models.GrantInput{HouseholdID: hA.ID, ProgramCode: "MEDICAL_OUTPATIENT",
			Amount: models.Yuan(80), StartDate: models.NewDate(2026, 2, 1), Status: ptr(models.GrantPending)})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := useCases(st).MembersOf(admin(), hA.ID)
		if _, err := useCases(st).RemoveMember(admin(), ms[1].ID); err != nil {
			t.Fatal(err)
		}
		count := func(cs []*models.Change, id string, kind models.ChangeKind) int {
			n := 0
			for _, c := range cs {
				if c.ID == id && c.Kind == kind {
					n++
				}
			}
			return n
		}
		countyAFeed := allChanges(t, st, storetest.As(models.RoleOfficer, countyA))
		for _, c := range countyAFeed {
			if c.AreaCode[:6] != countyA[:6] || c.ID == hB.ID {
				t.Errorf("county A sees a change of another county: %+v", c)
			}
		}
		if count(countyAFeed, hA.ID, models.ChangeCreated) != 1 || count(countyAFeed, gA.ID, models.ChangeCreated) != 1 {
			t.Error("county A misses its own changes")
		}
		del := count(countyAFeed, ms[1].ID, models.ChangeDeleted)
		for _, c := range countyAFeed {
			if c.ID == ms[1].ID && c.Kind == models.ChangeDeleted && (c.Member != nil || c.Entity != models.EntityMember) {
				t.Errorf("a deletion is not a tombstone: %+v", c)
			}
			if c.ID == hA.ID && c.Household == nil {
				t.Errorf("a household change without its record: %+v", c)
			}
		}
		if del != 1 {
			t.Errorf("member deletion listed %d times", del)
		}
		if cs := allChanges(t, st, storetest.As(models.RoleOfficer, countyB)); count(cs, hA.ID, models.ChangeCreated) != 0 || count(cs, hB.ID, models.ChangeCreated) != 1 {
			t.Error("county B's feed is wrong")
		}
		health := allChanges(t, st, storetest.As(models.RoleIntegrator, cityArea, "MEDICAL"))
		if count(health, med.ID, models.ChangeCreated) != 1 || count(health, gA.ID, models.ChangeCreated) != 0 {
			t.Error("an integrator sees grant changes of another category, or misses its own")
		}
		for _, c := range health {
			if c.Grant != nil && c.Grant.CategoryCode != "MEDICAL" {
				t.Errorf("integrator sees grant %+v", c.Grant)
			}
		}
		// Bad arguments.
		for _, tc := range []struct {
			q     store.ChangeQuery
			field string
		}{
			{store.ChangeQuery{Since: ptr("not-a-cursor")}, "since"},
			{store.ChangeQuery{Since: ptr("YWJj")}, "since"},
			{store.ChangeQuery{First: ptr(1001)}, "first"},
			{store.ChangeQuery{First: ptr(-1)}, "first"},
		} {
			_, err := reportCases(st).Changes(admin(), tc.q)
			var fe *models.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%+v: %v", tc.q, err)
			}
		}
		// An empty page keeps the cursor.
		page, err := reportCases(st).Changes(admin(), store.ChangeQuery{First: ptr(1000)})
		if err != nil {
			t.Fatal(err)
		}
		end := page.PageInfo.EndCursor
		again, err := reportCases(st).Changes(admin(), store.ChangeQuery{Since: end})
		if err != nil || len(again.Edges) != 0 || *again.PageInfo.EndCursor != *end {
			t.Errorf("polling at the end: %+v %v", again, err)
		}
	})
}

func TestRecordCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := storetest.As(models.RoleIntegrator, countyA, "MEDICAL")
		if err := st.Audit().RecordCall(ctx, scopeOf(ctx), "query Sync", []string{"changes"}); err != nil {
			t.Fatal(err)
		}
		evs, err := st.Audit().AuditTrailUnscoped(admin())
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Actor != "integrator@"+countyA || last.Operation != "query Sync" || last.RecordIDs != "changes" || last.AreaCode != countyA {
			t.Errorf("recorded %+v", last)
		}
	})
}
