package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// alertLookup is one lookup of the status page a test records.
type alertLookup struct {
	ref, addr, area string
	outcome         store.StatusLookupOutcome
}

// recordLookups records ls on the status page at at.
func recordLookups(t *testing.T, st *store.Store, at time.Time, ls []alertLookup) {
	t.Helper()
	store.SetClock(st, func() time.Time { return at })
	for _, l := range ls {
		var shown []string
		if l.outcome == store.LookupShown {
			shown = []string{"an-application"}
		}
		if err := st.StatusPage().RecordStatusLookupUnscoped(context.Background(), l.ref, l.addr, l.area, l.outcome, shown); err != nil {
			t.Fatal(err)
		}
	}
}

// fromOne returns n unknown lookups from addr of refs references, in turn.
func fromOne(addr string, n, refs int, tag string) []alertLookup {
	out := make([]alertLookup, n)
	for i := range out {
		out[i] = alertLookup{fmt.Sprintf("JZ-371402-2026-%s%03d", tag, i%refs), addr, "", store.LookupUnknown}
	}
	return out
}

// ofOne returns one lookup of ref from each of addrs addresses, in area, with outcome.
func ofOne(ref string, addrs int, area string, outcome store.StatusLookupOutcome, tag string) []alertLookup {
	out := make([]alertLookup, addrs)
	for i := range out {
		out[i] = alertLookup{ref, fmt.Sprintf("203.0.113.%s%d", tag, i), area, outcome}
	}
	return out
}

// alertLines writes alerts as "BY failed/distinct area", for comparison.
func alertLines(as []store.StatusAlert) string {
	lines := make([]string, len(as))
	for i, a := range as {
		lines[i] = fmt.Sprintf("%s %d/%d %s", a.By, a.Failed, a.Distinct, a.AreaCode)
	}
	return strings.Join(lines, "; ")
}

// TestStatusAlertThresholds checks which failed lookups of the status page become alerts
// (P25): an address at the count of failures or of distinct references, a reference at
// the count of addresses (its county's when it matched an application, the city's when
// it matched none); shown lookups, lookups before the window and thresholds set to 0 make
// none. Each case lies 100 hours after the one before, so that each run looks only at
// its own lookups. On SQLite and PostgreSQL.
func TestStatusAlertThresholds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rules := store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 20, AddressReferences: 5, ReferenceAddresses: 3}
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		tests := []struct {
			name    string
			lookups []alertLookup
			after   time.Duration
			rules   func(store.StatusAlertRules) store.StatusAlertRules
			want    string
		}{
			{"19 failures on 4 references", fromOne("198.51.100.1", 19, 4, "01"), time.Hour, nil, ""},
			{"20 failures on 4 references", fromOne("198.51.100.2", 20, 4, "02"), time.Hour, nil, "ADDRESS 20/4 371400000000"},
			{"5 references", fromOne("198.51.100.3", 5, 5, "03"), time.Hour, nil, "ADDRESS 5/5 371400000000"},
			{"a reference from 2 addresses", ofOne("JZ-371402-2026-000401", 2, villageA1, store.LookupMismatch, "4"), time.Hour, nil, ""},
			{"a reference from 3 addresses", ofOne("JZ-371402-2026-000501", 3, villageA1, store.LookupMismatch, "5"), time.Hour, nil, "REFERENCE 3/3 " + countyA},
			{"an unknown reference from 3 addresses", ofOne("JZ-371402-2026-000601", 3, "", store.LookupUnknown, "6"), time.Hour, nil, "REFERENCE 3/3 371400000000"},
			{"shown lookups", ofOne("JZ-371402-2026-000701", 3, villageA1, store.LookupShown, "7"), time.Hour, nil, ""},
			{"before the window", fromOne("198.51.100.8", 5, 5, "08"), 25 * time.Hour, nil, ""},
			{"before a shorter window", fromOne("198.51.100.9", 5, 5, "09"), 2 * time.Hour,
				func(r store.StatusAlertRules) store.StatusAlertRules { r.Window = time.Hour; return r }, ""},
			{"inside a shorter window", fromOne("198.51.100.10", 5, 5, "10"), 30 * time.Minute,
				func(r store.StatusAlertRules) store.StatusAlertRules { r.Window = time.Hour; return r }, "ADDRESS 5/5 371400000000"},
			{"the count of references off", fromOne("198.51.100.11", 5, 5, "11"), time.Hour,
				func(r store.StatusAlertRules) store.StatusAlertRules { r.AddressReferences = 0; return r }, ""},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				base := t0.Add(time.Duration(i) * 100 * time.Hour)
				recordLookups(t, st, base, tt.lookups)
				r := rules
				if tt.rules != nil {
					r = tt.rules(r)
				}
				got, err := st.StatusPage().AlertFailedLookupsUnscoped(context.Background(), base.Add(tt.after), r)
				if err != nil {
					t.Fatal(err)
				}
				if alertLines(got) != tt.want {
					t.Errorf("alerts %q, want %q", alertLines(got), tt.want)
				}
			})
		}
		if _, err := st.StatusPage().AlertFailedLookupsUnscoped(context.Background(), t0, store.StatusAlertRules{}); err == nil || !strings.Contains(err.Error(), "window") {
			t.Errorf("a window of 0: %v, want an error naming window", err)
		}
	})
}

// TestStatusAlertOncePerWindow runs the alerts again and again over one sweep and one
// guess (P25): the first run writes one alert each, with its audit event in its area
// (the guessed reference's county, whose auditors see it and no other county's) and its
// notice to the civil-affairs department holding digests and counts only; a second run,
// a run with nothing new since the last (even with lower thresholds), and new failures
// of a digest inside the window of its alert write nothing; a new sweep a day later
// writes a new alert. On SQLite and PostgreSQL.
func TestStatusAlertOncePerWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rules := store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 20, AddressReferences: 5, ReferenceAddresses: 3}
		const sweeper, guessed = "198.51.100.77", "JZ-371402-2026-000777"
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		recordLookups(t, st, t0, append(fromOne(sweeper, 5, 5, "77"), ofOne(guessed, 3, villageA1, store.LookupMismatch, "7")...))
		runs := []struct {
			name    string
			lookups []alertLookup
			at      time.Duration
			rules   store.StatusAlertRules
			want    string
		}{
			{"first", nil, time.Hour, rules, "ADDRESS 5/5 371400000000; REFERENCE 3/3 " + countyA},
			{"again at once", nil, time.Hour, rules, ""},
			{"an hour later, nothing new", nil, 2 * time.Hour, rules, ""},
			{"lower thresholds, nothing new", nil, 3 * time.Hour, store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 1, AddressReferences: 1, ReferenceAddresses: 1}, ""},
			{"new failures inside the alert's window", fromOne(sweeper, 5, 5, "78"), 5 * time.Hour, rules, ""},
			{"a new sweep a day later", fromOne(sweeper, 5, 5, "79"), 31 * time.Hour, rules, "ADDRESS 5/5 371400000000"},
		}
		for _, r := range runs {
			if r.lookups != nil {
				recordLookups(t, st, t0.Add(r.at-time.Hour), r.lookups)
			}
			got, err := st.StatusPage().AlertFailedLookupsUnscoped(ctx, t0.Add(r.at), r.rules)
			if err != nil {
				t.Fatal(err)
			}
			if alertLines(got) != r.want {
				t.Errorf("%s: alerts %q, want %q", r.name, alertLines(got), r.want)
			}
		}

		all, err := st.StatusPage().StatusAlertsUnscoped(ctx)
		if err != nil || len(all) != 3 {
			t.Fatalf("alerts %+v %v, want 3", all, err)
		}
		lookups, err := st.StatusPage().StatusLookupsUnscoped(ctx, guessed)
		if err != nil || len(lookups) != 3 {
			t.Fatalf("lookups %v %v", lookups, err)
		}
		if all[1].By != models.LookupsByReference || all[1].Digest != lookups[0].ReferenceDigest {
			t.Errorf("the guess's alert %+v, want the digest %s", all[1], lookups[0].ReferenceDigest)
		}
		notices, err := st.Outbox().NotificationsOfKindUnscoped(ctx, store.NoticeStatusLookupAlert)
		if err != nil || len(notices) != 3 {
			t.Fatalf("notices %+v %v, want 3", notices, err)
		}
		for i, n := range notices {
			p := n.Param()
			if n.AreaCode != all[i].AreaCode || n.HouseholdID != "" || n.Reference != nil || p["digest"] != all[i].Digest ||
				p["department"] != string(models.DeptCivilAffairs) || p["failed"] != fmt.Sprint(all[i].Failed) {
				t.Errorf("notice %d: %+v, want of alert %+v", i, n, all[i])
			}
			for _, leak := range []string{"JZ-", "198.51.100", "203.0.113"} {
				if strings.Contains(n.Params, leak) {
					t.Errorf("notice %d holds %q: %s", i, leak, n.Params)
				}
			}
		}
		op := store.AlertStatusLookups
		for _, tt := range []struct {
			area string
			want int
		}{{cityArea, 3}, {countyA, 1}, {countyB, 0}} {
			page, err := reportCases(st).AuditEvents(storetest.As(models.RoleAuditor, tt.area), store.AuditQuery{Filter: &models.AuditFilter{Operation: &op}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tt.want {
				t.Errorf("auditor of %s sees %d alerts' events, want %d", tt.area, len(page.Items), tt.want)
			}
			for _, ev := range page.Items {
				if ev.Actor != store.StatusAlertActor.Subject || ev.RecordIDs == "" {
					t.Errorf("event %+v", ev)
				}
			}
		}
	})
}
