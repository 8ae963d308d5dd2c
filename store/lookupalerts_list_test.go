package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// plantedAlerts are the alerts plantAlerts writes, by name.
type plantedAlerts struct {
	// guessA and guessB are guesses of a reference of county A and of county B, sweep a
	// sweep from one address (the city's), all written at t0+1h; guessA2 a second guess
	// in county A, written at t0+3h.
	guessA, guessB, sweep, guessA2 store.StatusAlert
}

// plantAlerts has the daily job write four alerts of the status page (see plantedAlerts)
// and returns them.
func plantAlerts(t *testing.T, st *store.Store, t0 time.Time) plantedAlerts {
	t.Helper()
	ctx := context.Background()
	rules := store.StatusAlertRules{Window: 24 * time.Hour, AddressFailed: 5, ReferenceAddresses: 3}
	recordLookups(t, st, t0, append(append(ofOne("JZ-371402-2026-000101", 3, villageA1, store.LookupMismatch, "1"),
		ofOne("JZ-371403-2026-000102", 3, villageB, store.LookupMismatch, "2")...), fromOne("198.51.100.9", 5, 5, "9")...))
	store.SetClock(st, func() time.Time { return t0.Add(time.Hour) })
	first, err := st.StatusPage().AlertFailedLookupsUnscoped(ctx, t0.Add(time.Hour), rules)
	if err != nil || len(first) != 3 {
		t.Fatalf("the first run: %q %v", alertLines(first), err)
	}
	var p plantedAlerts
	for _, a := range first {
		switch {
		case a.By == models.LookupsByAddress:
			p.sweep = a
		case a.AreaCode == countyA:
			p.guessA = a
		default:
			p.guessB = a
		}
	}
	recordLookups(t, st, t0.Add(2*time.Hour), ofOne("JZ-371402-2026-000103", 3, villageA1, store.LookupMismatch, "3"))
	store.SetClock(st, func() time.Time { return t0.Add(3 * time.Hour) })
	second, err := st.StatusPage().AlertFailedLookupsUnscoped(ctx, t0.Add(3*time.Hour), rules)
	if err != nil || len(second) != 1 || second[0].AreaCode != countyA {
		t.Fatalf("the second run: %q %v", alertLines(second), err)
	}
	p.guessA2 = second[0]
	if p.guessA.ID == "" || p.guessB.AreaCode != countyB || p.sweep.AreaCode != division.CityCode {
		t.Fatalf("planted %+v", p)
	}
	return p
}

// idsOf returns the ids of alerts.
func idsOf(alerts []store.StatusAlert) []string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = a.ID
	}
	return out
}

// byIDDesc returns the ids of alerts of one instant in the list's order: by id,
// descending.
func byIDDesc(alerts ...store.StatusAlert) []string {
	out := idsOf(alerts)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// TestStatusAlertsList checks the list of the status page's alerts: each caller sees the
// alerts whose area lies in its subtree only (a county's in the county, the city's only
// in the city, none below a county), newest first and by id within an instant, narrowed
// by key, time and acknowledgement, counted alike; pages of one alert join up; an area
// outside the caller's is Forbidden, and a bad cursor or page size names its argument. On
// SQLite, PostgreSQL and PostgreSQL under row-level security.
func TestStatusAlertsList(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		p := plantAlerts(t, st, t0)
		cityAud, audA, audB := auditorScope(division.CityCode), auditorScope(countyA), auditorScope(countyB)
		townAud := auditorScope(townshipA1)
		byAddress, byReference := models.LookupsByAddress, models.LookupsByReference
		at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
		yes, no := true, false
		all := append([]string{p.guessA2.ID}, byIDDesc(p.guessA, p.guessB, p.sweep)...)
		tests := []struct {
			name   string
			sc     store.Scope
			area   *string
			filter *models.StatusLookupAlertFilter
			want   []string
		}{
			{"city", cityAud, nil, nil, all},
			{"county A", audA, nil, nil, []string{p.guessA2.ID, p.guessA.ID}},
			{"county B", audB, nil, nil, []string{p.guessB.ID}},
			{"a township of county A", townAud, nil, nil, nil},
			{"city narrowed to county B", cityAud, ptr(countyB), nil, []string{p.guessB.ID}},
			{"city narrowed to a township", cityAud, ptr(townshipA1), nil, nil},
			{"city, by address", cityAud, nil, &models.StatusLookupAlertFilter{By: &byAddress}, []string{p.sweep.ID}},
			{"county A, by address", audA, nil, &models.StatusLookupAlertFilter{By: &byAddress}, nil},
			{"city, by reference", cityAud, nil, &models.StatusLookupAlertFilter{By: &byReference}, append([]string{p.guessA2.ID}, byIDDesc(p.guessA, p.guessB)...)},
			{"city, from the second run", cityAud, nil, &models.StatusLookupAlertFilter{From: at(3)}, []string{p.guessA2.ID}},
			{"city, before the second run", cityAud, nil, &models.StatusLookupAlertFilter{From: at(1), To: at(3)}, byIDDesc(p.guessA, p.guessB, p.sweep)},
			{"city, before anything", cityAud, nil, &models.StatusLookupAlertFilter{To: at(1)}, nil},
			{"city, acknowledged", cityAud, nil, &models.StatusLookupAlertFilter{Acknowledged: &yes}, nil},
			{"city, not acknowledged", cityAud, nil, &models.StatusLookupAlertFilter{Acknowledged: &no}, all},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := st.StatusPage().Alerts(context.Background(), tt.sc, store.StatusAlertQuery{Area: tt.area, Filter: tt.filter})
				if err != nil {
					t.Fatal(err)
				}
				if got := idsOf(page.Items); !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				for _, a := range page.Items {
					if len(a.Digest) != 64 || a.Failed == 0 || a.Distinct == 0 || !a.WindowTo.After(a.WindowFrom) || a.Acknowledgement() != nil {
						t.Errorf("alert %+v", a)
					}
				}
				if n, err := page.Count(); err != nil || n != len(tt.want) {
					t.Errorf("count %d (%v), want %d", n, err, len(tt.want))
				}
			})
		}

		t.Run("pages of one", func(t *testing.T) {
			one := 1
			var got []string
			q := store.StatusAlertQuery{PageArgs: store.PageArgs{First: &one}}
			for range 10 {
				page, err := st.StatusPage().Alerts(context.Background(), cityAud, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, idsOf(page.Items)...)
				if !page.HasNextPage {
					break
				}
				end := page.EndCursor()
				q.After = &end
			}
			if !slices.Equal(got, all) {
				t.Errorf("got %v, want %v", got, all)
			}
		})

		t.Run("refused", func(t *testing.T) {
			bad, tooMany := "not a cursor", store.MaxPageSize+1
			for _, tt := range []struct {
				name  string
				sc    store.Scope
				q     store.StatusAlertQuery
				want  error
				field string
			}{
				{"another county", audA, store.StatusAlertQuery{Area: ptr(countyB)}, models.ErrForbidden, ""},
				{"the city from a county", audA, store.StatusAlertQuery{Area: ptr(division.CityCode)}, models.ErrForbidden, ""},
				{"not a code", cityAud, store.StatusAlertQuery{Area: ptr(notACodeArea)}, models.ErrInvalid, "area"},
				{"bad cursor", cityAud, store.StatusAlertQuery{PageArgs: store.PageArgs{After: &bad}}, models.ErrInvalid, "after"},
				{"too many", cityAud, store.StatusAlertQuery{PageArgs: store.PageArgs{First: &tooMany}}, models.ErrInvalid, "first"},
			} {
				_, err := st.StatusPage().Alerts(context.Background(), tt.sc, tt.q)
				var fe *models.FieldError
				if !errors.Is(err, tt.want) || (tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field)) {
					t.Errorf("%s: %v, want %v naming %q", tt.name, err, tt.want, tt.field)
				}
			}
		})
	})
}

// TestAcknowledgeStatusAlert acknowledges the alerts of the status page through the use
// case, as the API does: an admin of the alert's county acknowledges it once, with the
// note trimmed, who and when recorded and an audit event with the alert before and after
// in the county; a second acknowledgement is a conflict; an admin of another county, or
// of the county for the city's alert, finds nothing; an auditor may not; a blank or too
// long note names note; a refused acknowledgement writes nothing. The list then tells
// the acknowledged alerts from the others. On SQLite, PostgreSQL and PostgreSQL under
// row-level security.
func TestAcknowledgeStatusAlert(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		p := plantAlerts(t, st, t0)
		ackAt := t0.Add(5 * time.Hour)
		store.SetClock(st, func() time.Time { return ackAt })
		adminA, adminB, audA := storetest.As(models.RoleAdmin, countyA), storetest.As(models.RoleAdmin, countyB), storetest.As(models.RoleAuditor, countyA)
		const note = "已核查：同一参考号被多地址尝试，已电话告知申请人"
		for _, tt := range []struct {
			name  string
			ctx   context.Context
			id    string
			note  string
			want  error
			field string
		}{
			{"an auditor of the county", audA, p.guessA.ID, note, models.ErrForbidden, ""},
			{"an admin of another county", adminB, p.guessA.ID, note, models.ErrNotFound, ""},
			{"the city's alert from a county", adminA, p.sweep.ID, note, models.ErrNotFound, ""},
			{"no such alert", adminA, "no-such-alert", note, models.ErrNotFound, ""},
			{"a blank note", adminA, p.guessA.ID, " \t\n ", models.ErrInvalid, "note"},
			{"a note too long", adminA, p.guessA.ID, strings.Repeat("查", 501), models.ErrInvalid, "note"},
			{"the admin of the county", adminA, p.guessA.ID, "  " + note + "\n", nil, ""},
			{"again", adminA, p.guessA.ID, "再次确认", models.ErrConflict, ""},
			{"again, by the city", admin(), p.guessA.ID, "再次确认", models.ErrConflict, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := reportCases(st).AcknowledgeStatusLookupAlert(tt.ctx, tt.id, tt.note)
				var fe *models.FieldError
				if tt.want != nil {
					if !errors.Is(err, tt.want) || (tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field)) {
						t.Fatalf("%v, want %v naming %q", err, tt.want, tt.field)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				ack := got.Acknowledgement()
				if ack == nil || ack.Note != note || ack.By != "admin@"+countyA || !ack.At.Equal(ackAt) {
					t.Fatalf("acknowledgement %+v of %+v", ack, got)
				}
			})
		}

		yes, no := true, false
		for _, tt := range []struct {
			name         string
			acknowledged *bool
			want         []string
		}{
			{"acknowledged", &yes, []string{p.guessA.ID}},
			{"not acknowledged", &no, append([]string{p.guessA2.ID}, byIDDesc(p.guessB, p.sweep)...)},
		} {
			page, err := st.StatusPage().Alerts(context.Background(), auditorScope(division.CityCode),
				store.StatusAlertQuery{Filter: &models.StatusLookupAlertFilter{Acknowledged: tt.acknowledged}})
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(page.Items); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			}
			if *tt.acknowledged && len(page.Items) == 1 {
				if ack := page.Items[0].Acknowledgement(); ack == nil || ack.Note != note || !ack.At.Equal(ackAt) {
					t.Errorf("the acknowledgement read back: %+v", ack)
				}
			}
		}

		op := store.AcknowledgeStatusAlert
		for _, tt := range []struct {
			area string
			want int
		}{{cityArea, 1}, {countyA, 1}, {countyB, 0}, {townshipA1, 0}} {
			page, err := reportCases(st).AuditEvents(storetest.As(models.RoleAuditor, tt.area), store.AuditQuery{Filter: &models.AuditFilter{Operation: &op}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tt.want {
				t.Fatalf("auditor of %s sees %d acknowledgements, want %d", tt.area, len(page.Items), tt.want)
			}
			for _, ev := range page.Items {
				if ev.Actor != "admin@"+countyA || ev.RecordIDs != p.guessA.ID || ev.AreaCode != countyA ||
					ev.Before == "" || ev.After == "" || ev.Before == ev.After {
					t.Errorf("event %+v", ev)
				}
			}
		}
	})
}
