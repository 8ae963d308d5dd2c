package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/casework/grievances"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestGrievancesInTheStore runs grievances over the real store: an appeal against a
// rejection at the township is stored in the application's area with its notices (the
// due-day one due on its due day), read only inside the area, counted overdue past its
// due date, and its answer reopens the application, withdraws the due-day notice and
// bars the officer who rejected from deciding the application again (P25), on SQLite,
// PostgreSQL and PostgreSQL under row-level security.
func TestGrievancesInTheStore(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, _ := household(t, st, villageA1)
		va := storetest.As(models.RoleAssistant, villageA1)
		app, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelOnline})
		if err != nil {
			t.Fatal(err)
		}
		rejecter := officer(townshipA1, "town-a")
		if _, err := grantCases(st).RejectGrant(rejecter, app.ID, "收入超标", nil); err != nil {
			t.Fatal(err)
		}
		svc := grievances.New(st, policy.DefaultConfig())
		g, err := svc.Open(va, models.OpenGrievanceInput{Subject: models.GrievanceOfApplication, RecordID: *app.Reference,
			Category: models.GrievanceEligibility, Channel: models.GrievanceOnline, Summary: "家中有重病患者"})
		if err != nil {
			t.Fatal(err)
		}
		if !g.Appeal || g.AssignedArea != countyA || g.AreaCode != villageA1 || g.Decider == nil || *g.Decider != "town-a" {
			t.Fatalf("opened %+v", g)
		}

		// Read inside the area only.
		for _, c := range []struct {
			name string
			ctx  context.Context
			want error
		}{
			{"the village", va, nil},
			{"the county", officer(countyA, "c"), nil},
			{"another township", officer(townshipA2, "t2"), models.ErrNotFound},
			{"another county", officer(countyB, "b"), models.ErrNotFound},
		} {
			got, err := st.Grievances().Get(ctx, scopeOf(c.ctx), g.ID)
			if !errors.Is(err, c.want) || (err == nil && got.ID != g.ID) {
				t.Errorf("%s reads: %v, want %v", c.name, err, c.want)
			}
			page, err := st.Grievances().List(ctx, scopeOf(c.ctx), store.GrievanceQuery{})
			if err != nil || (len(page.Items) == 1) != (c.want == nil) {
				t.Errorf("%s lists %d, %v", c.name, len(page.Items), err)
			}
			if _, err := st.Grievances().Comments(ctx, scopeOf(c.ctx), g.ID); !errors.Is(err, c.want) {
				t.Errorf("%s reads the comments: %v", c.name, err)
			}
		}

		// Overdue once past its due date, in its area only.
		county := countyA
		for _, at := range []struct {
			now  time.Time
			want int
		}{{g.DueAt.Add(-time.Second), 0}, {g.DueAt.Add(time.Second), 1}} {
			counts, err := st.Grievances().OverdueByArea(ctx, scopeOf(officer(countyA, "c")), &county, at.now)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range counts {
				n += c.N
			}
			if n != at.want {
				t.Errorf("at %s: %d overdue, want %d", at.now, n, at.want)
			}
			page, err := st.Grievances().List(ctx, scopeOf(va), store.GrievanceQuery{OverdueAt: &at.now})
			if err != nil || len(page.Items) != at.want {
				t.Errorf("at %s: %d listed overdue, %v", at.now, len(page.Items), err)
			}
			others, err := st.Grievances().OverdueByArea(ctx, scopeOf(officer(countyB, "b")), nil, at.now)
			if err != nil || len(others) != 0 {
				t.Errorf("another county counts %v, %v", others, err)
			}
		}

		notices := func() map[store.NotificationKind]store.Notification {
			t.Helper()
			ns, err := st.Outbox().NotificationsUnscoped(ctx, *app.Reference)
			if err != nil {
				t.Fatal(err)
			}
			out := map[store.NotificationKind]store.Notification{}
			for _, n := range ns {
				out[n.Kind] = n
			}
			return out
		}
		before := notices()
		due, ok := before[store.NoticeGrievanceDue]
		if _, opened := before[store.NoticeGrievanceOpened]; !opened || !ok {
			t.Fatalf("notices at the opening: %v", before)
		}
		cst := time.FixedZone("CST", 8*3600)
		if due.DueAt.In(cst).Format(time.DateOnly) != g.DueAt.In(cst).Format(time.DateOnly) || !due.DueAt.Before(g.DueAt) {
			t.Errorf("the due-day notice is due %s, the grievance %s", due.DueAt, g.DueAt)
		}

		// The county answers and reopens: the application is PENDING, the due-day notice
		// withdrawn, the answer's notice written; the officer who rejected decides no more.
		if _, err := svc.Answer(officer(countyA, "county-a"), g.ID, models.AnswerGrievanceInput{Answer: "重新审核", Reopen: ptrTo(true)}); err != nil {
			t.Fatal(err)
		}
		now, err := grantCases(st).Grant(officer(countyA, "c"), app.ID)
		if err != nil || now.Status != models.GrantPending {
			t.Fatalf("after the reopening: %+v, %v", now, err)
		}
		after := notices()
		if _, left := after[store.NoticeGrievanceDue]; left {
			t.Error("the due-day notice was not withdrawn")
		}
		if _, answered := after[store.NoticeGrievanceAnswered]; !answered {
			t.Error("no notice of the answer")
		}
		for _, decide := range []func() error{
			func() error { _, err := grantCases(st).ReviewGrant(rejecter, app.ID, nil, nil); return err },
			func() error { _, err := grantCases(st).RejectGrant(rejecter, app.ID, "仍超标", nil); return err },
		} {
			if err := decide(); !errors.Is(err, models.ErrForbidden) {
				t.Errorf("the officer who rejected decides again: %v", err)
			}
		}
		if _, err := grantCases(st).ReviewGrant(officer(townshipA1, "town-b"), app.ID, nil, nil); err != nil {
			t.Errorf("another officer reviews: %v", err)
		}

		// A stale version loses.
		stale, err := st.Grievances().Get(ctx, scopeOf(va), g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(officer(countyA, "county-b"), g.ID); err != nil {
			t.Fatal(err)
		}
		err = st.Write(ctx, scopeOf(va), "stale", func(w *store.Writer) error {
			return st.Grievances().Update(w, stale, "TEMPORARY")
		})
		if !errors.Is(err, models.ErrConflict) {
			t.Errorf("a stale update: %v", err)
		}
		final, err := st.Grievances().Get(ctx, scopeOf(va), g.ID)
		if err != nil || final.Status != models.GrievanceClosed || final.Version != 3 {
			t.Errorf("final %+v, %v", final, err)
		}
		if got, err := st.StatusPage().ApplicantGrievancesUnscoped(ctx, app.ID); err != nil || len(got) != 1 || got[0].Status != models.GrievanceClosed {
			t.Errorf("the applicant's view: %+v, %v", got, err)
		}
		if !slices.Contains(store.DocumentRecords, store.DocumentOfGrievance) {
			t.Error("documents do not attach to grievances")
		}
		// A document attaches to the grievance inside its area only.
		d := &store.Document{Record: store.DocumentOfGrievance, RecordID: g.ID, Kind: store.DocumentMedicalBill,
			SHA256: strings.Repeat("cd", 32), Size: 3, ContentType: "application/pdf"}
		if err := st.Documents().Add(va, scopeOf(va), d, noPut); err != nil || d.AreaCode != villageA1 {
			t.Errorf("attach to the grievance: %v (%+v)", err, d)
		}
		outside := officer(countyB, "b")
		if err := st.Documents().Add(outside, scopeOf(outside), &store.Document{Record: store.DocumentOfGrievance, RecordID: g.ID, Kind: store.DocumentOther, SHA256: d.SHA256, ContentType: "image/png"}, noPut); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("attach to the grievance from another county: %v", err)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }
