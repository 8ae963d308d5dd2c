package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// feedLines returns the payroll-line entries of the change feed that p reads, as
// "KIND reference" (the reference of the line as it is now, "-" for a tombstone).
func feedLines(t *testing.T, st *store.Store, p auth.Principal) []string {
	t.Helper()
	first := store.MaxChangesPage
	page, err := st.Changes().List(auth.WithPrincipal(context.Background(), p), store.ScopeFor(p), store.ChangeQuery{First: &first})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Edges {
		c := e.Node
		if c.Entity != models.EntityPayrollLine {
			continue
		}
		ref := "-"
		if c.PayrollLine != nil {
			ref = c.PayrollLine.Reference
		}
		out = append(out, string(c.Kind)+" "+ref)
	}
	return out
}

// failedNotices claims every due notice and returns those of failed payments, by
// household.
func failedNotices(t *testing.T, st *store.Store, at time.Time) map[string][]store.Notification {
	t.Helper()
	ns, err := st.Outbox().ClaimNotificationsUnscoped(context.Background(), at, 1000, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]store.Notification{}
	for _, n := range ns {
		if n.Kind == store.NoticePaymentFailed {
			out[n.HouseholdID] = append(out[n.HouseholdID], n)
		}
	}
	return out
}

// TestPayrollInTheChangeFeed checks that a payroll's lines enter the change feed with
// the unit of work that writes them (generation, reconciliation, discard), inside the
// reader's area and, for integrators, its categories; that a failed payment writes its
// household's notice in the same transaction, and nothing when the reconciliation is
// refused; and that the money paid shows in the trends of its own area only.
func TestPayrollInTheChangeFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := &payClock{t: cst(2026, 3, 5)}
		svc := payService(st, clock)
		h1, _ := household(t, st, villageA1)
		hb, _ := household(t, st, villageB)
		mustPayee(t, svc, h1.ID, "6222021234567890123")
		if _, err := svc.SetPayee(ctx, payOfficerB, models.PayeeInput{HouseholdID: hb.ID, Bank: "德州银行", Account: "6222029876543210", Holder: "李四"}); err != nil {
			t.Fatal(err)
		}
		dibaoA := auth.Principal{Subject: "finance-a", Role: models.RoleIntegrator, Area: countyA, Categories: []string{catalogue.CategoryDibao}}
		medicalA := auth.Principal{Subject: "health-a", Role: models.RoleIntegrator, Area: countyA, Categories: []string{catalogue.CategoryMedical}}
		officerB2 := auth.Principal{Subject: "officer-b2", Role: models.RoleOfficer, Area: countyB}

		clock.set(cst(2026, 4, 2))
		apr, err := svc.Generate(ctx, payOfficer1, countyA, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		aprB, err := svc.Generate(ctx, payOfficerB, countyB, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		var refsA, refsB []string
		for _, l := range linesOf(t, st, apr.ID) {
			refsA = append(refsA, l.Reference)
		}
		for _, l := range linesOf(t, st, aprB.ID) {
			refsB = append(refsB, l.Reference)
		}
		if len(refsA) != 4 || len(refsB) != 4 {
			t.Fatalf("lines: %d in county A, %d in county B; want 4 and 4", len(refsA), len(refsB))
		}
		created := func(refs []string) []string {
			var out []string
			for _, r := range refs {
				out = append(out, "CREATED "+r)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			p    auth.Principal
			want []string
		}{
			{"county A's officer", payOfficer1, created(refsA)},
			{"county B's officer", payOfficerB, created(refsB)},
			{"county A's dibao integrator", dibaoA, created(refsA)},
			{"county A's medical integrator", medicalA, nil},
		} {
			if got := feedLines(t, st, tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("after generation, %s reads %q, want %q", tt.name, got, tt.want)
			}
		}

		// A refused reconciliation (one record names no line) writes nothing: no
		// settlement, no entry, no notice.
		if _, err := svc.Approve(ctx, payOfficer2, apr.ID); err != nil {
			t.Fatal(err)
		}
		records := make([]models.Settlement, len(refsA))
		for i, r := range refsA {
			records[i] = models.Settlement{Row: i + 2, Reference: r, Status: models.LinePaid, Amount: models.Yuan(650)}
		}
		records[3].Status, records[3].Reason = models.LineFailed, "账户已冻结"
		bad := append(slices.Clone(records), models.Settlement{Row: 6, Reference: refsB[0], Status: models.LinePaid, Amount: models.Yuan(650)})
		if _, err := svc.Reconcile(ctx, payOfficer2, apr.ID, bad, false); err == nil {
			t.Fatal("a return file naming another county's line was accepted")
		}
		if got := feedLines(t, st, payOfficer1); !slices.Equal(got, created(refsA)) {
			t.Errorf("after a refused reconciliation the feed reads %q", got)
		}
		if n := failedNotices(t, st, clock.now()); len(n) != 0 {
			t.Errorf("a refused reconciliation wrote notices: %+v", n)
		}

		clock.add(time.Hour)
		if res, err := svc.Reconcile(ctx, payOfficer2, apr.ID, records, false); err != nil || res.Paid != 3 || res.Failed != 1 {
			t.Fatalf("reconcile = %+v, %v", res, err)
		}
		updated := created(refsA)
		for _, r := range refsA {
			updated = append(updated, "UPDATED "+r)
		}
		if got := feedLines(t, st, dibaoA); !slices.Equal(got, updated) {
			t.Errorf("after reconciliation the dibao integrator reads %q, want %q", got, updated)
		}
		if got := feedLines(t, st, payOfficerB); !slices.Equal(got, created(refsB)) {
			t.Errorf("after county A's reconciliation county B reads %q", got)
		}
		notices := failedNotices(t, st, clock.now())
		if len(notices) != 1 || len(notices[h1.ID]) != 1 {
			t.Fatalf("notices of failed payments: %+v, want one for the household", notices)
		}
		n := notices[h1.ID][0]
		if p := n.Param(); p["program"] != catalogue.ProgramUrbanDibao || p["month"] == "" || len(p) != 2 || n.AreaCode != villageA1 {
			t.Errorf("notice = %+v, params %v", n, n.Param())
		}

		// The money paid, by the month of its settlement, in the trends of its area only.
		paid := func(p auth.Principal) []models.Money {
			tr, err := st.Stats().Trends(auth.WithPrincipal(ctx, p), store.ScopeFor(p), nil, 2)
			if err != nil {
				t.Fatal(err)
			}
			var out []models.Money
			for _, m := range tr.Months {
				out = append(out, m.Paid)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			p    auth.Principal
			want []models.Money
		}{
			{"county A's officer", payOfficer1, []models.Money{0, models.Yuan(1950)}},
			{"county A's dibao integrator", dibaoA, []models.Money{0, models.Yuan(1950)}},
			{"county A's medical integrator", medicalA, []models.Money{0, 0}},
			{"county B's officer", payOfficerB, []models.Money{0, 0}},
		} {
			if got := paid(tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("%s: paid per month %v, want %v", tt.name, got, tt.want)
			}
		}

		// A discarded draft leaves tombstones of its lines; their earlier entries have no
		// record any more.
		if _, err := svc.Discard(ctx, officerB2, aprB.ID); err != nil {
			t.Fatal(err)
		}
		var gone []string
		for range refsB {
			gone = append(gone, "CREATED -")
		}
		for range refsB {
			gone = append(gone, "DELETED -")
		}
		if got := feedLines(t, st, payOfficerB); !slices.Equal(got, gone) {
			t.Errorf("after the discard county B reads %q, want %q", got, gone)
		}
		if _, err := svc.Discard(ctx, officerB2, aprB.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("discarding twice = %v, want NOT_FOUND", err)
		}
	})
}
