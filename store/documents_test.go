package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"jiuzhu/auth"
	"jiuzhu/models"
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
		if err := st.Documents().Add(va, scopeOf(va), d); err != nil {
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
			err := st.Documents().Add(outside, scopeOf(outside), &store.Document{Record: target.rec, RecordID: target.id, Kind: store.DocumentIDCard, SHA256: d.SHA256, ContentType: "image/png"})
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("attach to %s %s from another county: %v", target.rec, target.id, err)
			}
		}
		// A grant that did not come in as an application takes no documents.
		if err := st.Documents().Add(va, scopeOf(va), &store.Document{Record: store.DocumentOfApplication, RecordID: plain.ID, Kind: store.DocumentIDCard, SHA256: d.SHA256, ContentType: "image/png"}); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("attach to a grant without a reference: %v", err)
		}
		if list, err := st.Documents().Of(va, scopeOf(va), store.DocumentOfApplication, g.ID); err != nil || len(list) != 1 {
			t.Errorf("after the refusals: %d documents, %v", len(list), err)
		}
	})
}
