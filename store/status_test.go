package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"jiuzhu/casework/grievances"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestStatusLookupNamesTheRecordsShown checks the audit of the status page's lookups in
// the store: a lookup that showed an application writes, with its status_lookups record,
// an audit event ShowApplicantStatus of the status page in the application's area whose
// records are the lookup's id, the application and its grievances (in several events,
// each naming the lookup and the application, when they do not fit one); a wrong pair or
// an unknown reference writes no event; and a lookup that names records it did not
// show, or shows none, is refused and writes nothing. On SQLite, PostgreSQL and
// PostgreSQL under row-level security.
func TestStatusLookupNamesTheRecordsShown(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, _ := household(t, st, villageA1)
		va := storetest.As(models.RoleAssistant, villageA1)
		app, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		svc := grievances.New(st, policy.DefaultConfig())
		for _, c := range []models.GrievanceCategory{models.GrievanceDelay, models.GrievanceOther} {
			if _, err := svc.Open(va, models.OpenGrievanceInput{Subject: models.GrievanceOfApplication, RecordID: *app.Reference,
				Category: c, Channel: models.GrievanceByHotline, Summary: "催办"}); err != nil {
				t.Fatal(err)
			}
		}
		griefs, err := st.StatusPage().ApplicantGrievancesUnscoped(ctx, app.ID)
		if err != nil || len(griefs) != 2 || griefs[0].ID == "" || griefs[1].ID == "" {
			t.Fatalf("grievances of the application: %+v (%v)", griefs, err)
		}
		withGrievances := []string{app.ID, griefs[0].ID, griefs[1].ID}
		// Enough ids that they take more than one event (2,000 bytes of records).
		many := []string{app.ID}
		for i := range 60 {
			many = append(many, fmt.Sprintf("0190a0b0-0000-7000-8000-%012d", i))
		}
		const unknown = "JZ-371402-2026-999999"
		tests := []struct {
			name    string
			ref     string
			area    string
			outcome store.StatusLookupOutcome
			shown   []string
			refused bool
			events  int // the events written; 0 for none
		}{
			{"shown with its grievances", *app.Reference, villageA1, store.LookupShown, withGrievances, false, 1},
			{"shown without a grievance", *app.Reference, villageA1, store.LookupShown, []string{app.ID}, false, 1},
			{"shown, more ids than one event holds", *app.Reference, villageA1, store.LookupShown, many, false, 2},
			{"wrong pair", *app.Reference, villageA1, store.LookupMismatch, nil, false, 0},
			{"unknown reference", unknown, "", store.LookupUnknown, nil, false, 0},
			{"wrong pair naming records", *app.Reference, villageA1, store.LookupMismatch, withGrievances, true, 0},
			{"unknown reference naming records", unknown, "", store.LookupUnknown, []string{app.ID}, true, 0},
			{"shown naming nothing", *app.Reference, villageA1, store.LookupShown, nil, true, 0},
		}
		op := store.ShowApplicantStatus
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				lookupsBefore, err := st.StatusPage().StatusLookupsUnscoped(ctx, tt.ref)
				if err != nil {
					t.Fatal(err)
				}
				eventsBefore := len(auditOf(t, st, &models.AuditFilter{Operation: &op}))
				err = st.StatusPage().RecordStatusLookupUnscoped(ctx, tt.ref, "192.0.2.9", tt.area, tt.outcome, tt.shown)
				if (err != nil) != tt.refused {
					t.Fatalf("err %v, refused want %v", err, tt.refused)
				}
				lookups, err := st.StatusPage().StatusLookupsUnscoped(ctx, tt.ref)
				if err != nil {
					t.Fatal(err)
				}
				all := auditOf(t, st, &models.AuditFilter{Operation: &op})
				if tt.refused {
					if len(lookups) != len(lookupsBefore) || len(all) != eventsBefore {
						t.Errorf("a refused lookup wrote %d lookups and %d events", len(lookups)-len(lookupsBefore), len(all)-eventsBefore)
					}
					return
				}
				if len(lookups) != len(lookupsBefore)+1 {
					t.Fatalf("%d lookups written, want 1", len(lookups)-len(lookupsBefore))
				}
				lookup := lookups[len(lookups)-1]
				if lookup.Outcome != tt.outcome {
					t.Errorf("outcome %s, want %s", lookup.Outcome, tt.outcome)
				}
				if len(all) != eventsBefore+tt.events {
					t.Fatalf("%d events written, want %d", len(all)-eventsBefore, tt.events)
				}
				var named []string
				for _, ev := range all {
					recs := ev.Records()
					if len(recs) == 0 || recs[0] != lookup.ID {
						continue
					}
					if len(recs) < 2 || recs[1] != app.ID || ev.AreaCode != villageA1 || ev.Actor != store.StatusPageActor.Subject ||
						ev.ActorRole != store.StatusPageActor.Role || len(ev.RecordIDs) > 2000 {
						t.Errorf("event %+v: want the lookup, then the application, in the application's area, by the status page", ev)
					}
					if named == nil {
						named = recs[1:2]
					}
					named = append(named, recs[2:]...)
				}
				if tt.events == 0 {
					named = nil
				}
				if !slices.Equal(named, tt.shown) {
					t.Errorf("the events name %d records %.200q, want %d %.200q", len(named), named, len(tt.shown), tt.shown)
				}
				// Unsuccessful lookups: no event names the application or a grievance
				// after them, and their record holds digests only.
				if tt.events == 0 {
					for _, ev := range all[eventsBefore:] {
						t.Errorf("a lookup that showed nothing wrote %+v", ev)
					}
					if strings.Contains(fmt.Sprintf("%+v", lookup), app.ID) {
						t.Errorf("the lookup's record names the application: %+v", lookup)
					}
				}
			})
		}
	})
}
