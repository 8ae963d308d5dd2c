package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/reviews"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestDocumentsKeepTheirRecordsScope attaches a document to an application and checks
// who reaches it: the application's area and those above it, integrators of the
// application's category only, and nobody of another area, whose reads and writes are
// NOT_FOUND and write nothing.
func TestDocumentsKeepTheirRecordsScope(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		h, plain := household(t, st, villageA1)
		va := storetest.As(models.RoleAssistant, villageA1)
		g, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		scopeOf := func(ctx context.Context) store.Scope {
			p, err := auth.FromContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return store.ScopeFor(p)
		}
		d := &store.Document{Record: store.DocumentOfApplication, RecordID: g.ID, Kind: store.DocumentIncomeProof,
			SHA256: strings.Repeat("ab", 32), Size: 10, ContentType: "application/pdf"}
		if err := st.Documents().Add(va, scopeOf(va), d, noPut); err != nil {
			t.Fatal(err)
		}
		if d.AreaCode != villageA1 || d.CreatedBy != "assistant@"+villageA1 {
			t.Errorf("stored %+v", d)
		}
		tests := []struct {
			name string
			ctx  context.Context
			want error
		}{
			{"the village", va, nil},
			{"the county", officer(countyA, "c"), nil},
			{"another county", storetest.As(models.RoleOfficer, countyB), models.ErrNotFound},
			{"an integrator of the category", storetest.As(models.RoleIntegrator, countyA, "TEMPORARY"), nil},
			{"an integrator of another category", storetest.As(models.RoleIntegrator, countyA, "MEDICAL"), models.ErrNotFound},
		}
		for _, tt := range tests {
			got, err := st.Documents().Get(tt.ctx, scopeOf(tt.ctx), d.ID)
			if !errors.Is(err, tt.want) || (err == nil && got.ID != d.ID) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
			list, err := st.Documents().Of(tt.ctx, scopeOf(tt.ctx), store.DocumentOfApplication, g.ID)
			if !errors.Is(err, tt.want) || (err == nil && len(list) != 1) {
				t.Errorf("%s: documents of the application: %d, %v", tt.name, len(list), err)
			}
		}
		outside := storetest.As(models.RoleOfficer, countyB)
		for _, target := range []struct {
			rec store.DocumentRecord
			id  string
		}{{store.DocumentOfApplication, g.ID}, {store.DocumentOfApplication, plain.ID}, {store.DocumentOfVerification, "nope"}} {
			err := st.Documents().Add(outside, scopeOf(outside), &store.Document{Record: target.rec, RecordID: target.id, Kind: store.DocumentIDCard, SHA256: d.SHA256, ContentType: "image/png"}, noPut)
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("attach to %s %s from another county: %v", target.rec, target.id, err)
			}
		}
		// A grant that did not come in as an application takes no documents.
		if err := st.Documents().Add(va, scopeOf(va), &store.Document{Record: store.DocumentOfApplication, RecordID: plain.ID, Kind: store.DocumentIDCard, SHA256: d.SHA256, ContentType: "image/png"}, noPut); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("attach to a grant without a reference: %v", err)
		}
		if list, err := st.Documents().Of(va, scopeOf(va), store.DocumentOfApplication, g.ID); err != nil || len(list) != 1 {
			t.Errorf("after the refusals: %d documents, %v", len(list), err)
		}
	})
}

// TestDocumentsOfRecordsAreBatchedAndScoped lists the documents of applications and of
// re-certification reviews, several records at once: one statement for the lot, newest
// first, and only the records the caller sees (an integrator's categories, its area; a
// grant without a reference number takes none). Reviews take documents like the other
// records, and one of another county is NOT_FOUND.
func TestDocumentsOfRecordsAreBatchedAndScoped(t *testing.T) {
	storetest.EachWithRLS(t, func(t *testing.T, st *store.Store) {
		h, plain := household(t, st, villageA1)
		_, plainB := household(t, st, villageB)
		va := storetest.As(models.RoleAssistant, villageA1)
		g, err := applicationCases(st).SubmitApplication(va, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reviews.New(st, policy.DefaultConfig()).OpenDue(t.Context(), models.NewDate(2027, 1, 1)); err != nil {
			t.Fatal(err)
		}
		reviewOf := func(ctx context.Context, grantID string) *models.Review {
			t.Helper()
			page, err := reviews.New(st, policy.DefaultConfig()).Reviews(ctx, store.ReviewQuery{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range page.Items {
				if page.Items[i].GrantID == grantID {
					return &page.Items[i]
				}
			}
			t.Fatalf("no review of grant %s", grantID)
			return nil
		}
		countyAOfficer, countyBOfficer := officer(countyA, "a"), storetest.As(models.RoleOfficer, countyB)
		rA, rB := reviewOf(countyAOfficer, plain.ID), reviewOf(countyBOfficer, plainB.ID)
		scopeOf := func(ctx context.Context) store.Scope {
			p, err := auth.FromContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return store.ScopeFor(p)
		}
		add := func(ctx context.Context, rec store.DocumentRecord, id string, kind store.DocumentKind) (*store.Document, error) {
			d := &store.Document{Record: rec, RecordID: id, Kind: kind, SHA256: strings.Repeat("cd", 32), Size: 12, ContentType: "image/png"}
			return d, st.Documents().Add(ctx, scopeOf(ctx), d, noPut)
		}
		// The second upload is a minute after the first, so that newest first is one order.
		at := time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC)
		store.SetClock(st, func() time.Time { return at })
		first, err := add(va, store.DocumentOfApplication, g.ID, store.DocumentIDCard)
		if err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
		second, err := add(va, store.DocumentOfApplication, g.ID, store.DocumentIncomeProof)
		if err != nil {
			t.Fatal(err)
		}
		onReview, err := add(va, store.DocumentOfReview, rA.ID, store.DocumentMedicalBill)
		if err != nil {
			t.Fatalf("attach to a review: %v", err)
		}
		if onReview.AreaCode != rA.AreaCode {
			t.Errorf("the review's document has area %s, the review %s", onReview.AreaCode, rA.AreaCode)
		}
		if _, err := add(countyBOfficer, store.DocumentOfReview, rA.ID, store.DocumentOther); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("attach to another county's review: %v", err)
		}
		if _, err := add(countyAOfficer, store.DocumentOfReview, rB.ID, store.DocumentOther); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("attach to another county's review: %v", err)
		}
		if _, err := add(countyBOfficer, store.DocumentOfReview, rB.ID, store.DocumentOther); err != nil {
			t.Fatal(err)
		}

		counter := storetest.Count(st)
		ids := func(ds []*store.Document) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		newestFirst := []string{second.ID, first.ID}
		tests := []struct {
			name string
			ctx  context.Context
			rec  store.DocumentRecord
			ids  []string
			want map[string][]string
		}{
			{"the village's applications", va, store.DocumentOfApplication, []string{g.ID, plain.ID, rA.ID, "nope"}, map[string][]string{g.ID: newestFirst}},
			{"the county's reviews", countyAOfficer, store.DocumentOfReview, []string{rA.ID, rB.ID, g.ID}, map[string][]string{rA.ID: {onReview.ID}}},
			{"the city's reviews", admin(), store.DocumentOfReview, []string{rA.ID}, map[string][]string{rA.ID: {onReview.ID}}},
			{"another county's officer", countyBOfficer, store.DocumentOfApplication, []string{g.ID}, map[string][]string{}},
			{"another county's officer, reviews", countyBOfficer, store.DocumentOfReview, []string{rA.ID}, map[string][]string{}},
			{"an integrator of the category", storetest.As(models.RoleIntegrator, countyA, "TEMPORARY"), store.DocumentOfApplication, []string{g.ID}, map[string][]string{g.ID: newestFirst}},
			{"an integrator of another category", storetest.As(models.RoleIntegrator, countyA, "MEDICAL"), store.DocumentOfApplication, []string{g.ID}, map[string][]string{}},
			{"an integrator of another category, reviews", storetest.As(models.RoleIntegrator, countyA, "MEDICAL"), store.DocumentOfReview, []string{rA.ID}, map[string][]string{}},
			{"no records", va, store.DocumentOfApplication, nil, map[string][]string{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				counter.Reset()
				got, err := st.Documents().OfRecords(tt.ctx, scopeOf(tt.ctx), tt.rec, tt.ids)
				if err != nil {
					t.Fatal(err)
				}
				if n := counter.N(); n > 1 {
					t.Errorf("%d statements, want at most one: %q", n, counter.Statements())
				}
				if len(got) != len(tt.want) {
					t.Errorf("documents of %d records, want %d: %v", len(got), len(tt.want), got)
				}
				for id, want := range tt.want {
					if g := ids(got[id]); !slices.Equal(g, want) {
						t.Errorf("documents of %s: %v, want %v", id, g, want)
					}
				}
			})
		}
		if _, err := st.Documents().OfRecords(va, scopeOf(va), "HOUSEHOLD", []string{h.ID}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("an unknown kind of record: %v", err)
		}
	})
}
