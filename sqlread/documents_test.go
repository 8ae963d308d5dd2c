package sqlread_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/casework/applications"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
)

// TestDocumentsGoToTheExecutor checks that an operation selecting a record's documents
// (Grant.documents, which the compiler does not know) is handed to the executor, and
// answers the same with compiled reads on or off, for an officer who reads the
// documents, an auditor who reads null and an officer of the sibling county who finds
// nothing; the same operation without documents is compiled.
func TestDocumentsGoToTheExecutor(t *testing.T) {
	pr := startPair(t, 60)
	st := pr.st
	var h models.Household
	for _, x := range pr.data.Households {
		if x.AreaCode[:6] == seed.DemoCounty[:6] {
			h = x
			break
		}
	}
	officer := auth.Principal{Subject: "county", Role: models.RoleOfficer, Area: seed.DemoCounty}
	ctx := auth.WithPrincipal(t.Context(), officer)
	g, err := applications.New(st).SubmitApplication(ctx, models.ApplicationInput{HouseholdID: h.ID, ProgramCode: "TEMPORARY_RELIEF", Channel: models.ChannelWalkIn})
	if err != nil {
		t.Fatal(err)
	}
	d := &store.Document{Record: store.DocumentOfApplication, RecordID: g.ID, Kind: store.DocumentIncomeProof,
		SHA256: strings.Repeat("ef", 32), Size: 2048, ContentType: "application/pdf"}
	if err := st.Documents().Add(ctx, store.ScopeFor(officer), d, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	const docs = ` documents { id recordKind recordId kind size contentType sha256 createdBy createdAt downloadPath }`
	queries := []string{
		`query($g: ID!) { grant(id: $g) { id amount reference` + docs + ` } }`,
		`query($h: ID) { grants(first: 20, filter: {householdId: $h}) { totalCount edges { cursor node { id status` + docs + ` } } } }`,
		`query($h: ID!) { household(id: $h) { id grants { id documents { id kind } } } }`,
	}
	vars := map[string]any{"g": g.ID, "h": h.ID}
	for _, c := range []struct {
		name   string
		p      auth.Principal
		holds  bool
		errors bool
	}{
		{"the county's officer", officer, true, false},
		{"the county's auditor", auth.Principal{Subject: "aud", Role: models.RoleAuditor, Area: seed.DemoCounty}, false, false},
		{"the sibling county's officer", auth.Principal{Subject: "sib", Role: models.RoleOfficer, Area: siblingCounty}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok, err := pr.verifier.Sign(c.p, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			for i, q := range queries {
				before, _ := pr.reads.Counts()
				a := pr.post(pr.compiled, tok, q, vars)
				b := pr.post(pr.executor, tok, q, vars)
				if after, _ := pr.reads.Counts(); after != before {
					t.Errorf("query %d was compiled", i)
				}
				if ca, cb := canonical(t, a), canonical(t, b); ca != cb {
					t.Fatalf("query %d differs\ncompiled: %.2000s\nexecutor: %.2000s", i, a, b)
				}
				if bytes.Contains(a, []byte(d.ID)) != c.holds {
					t.Errorf("query %d: the document in the answer: %v, want %v: %.1000s", i, !c.holds, c.holds, a)
				}
				if c.errors && i == 0 && !bytes.Contains(a, []byte("NOT_FOUND")) {
					t.Errorf("query %d: %.500s", i, a)
				}
				if !c.errors && bytes.Contains(a, []byte(`"errors"`)) {
					t.Errorf("query %d: %.500s", i, a)
				}
			}
			// Without documents, the list is compiled.
			before, _ := pr.reads.Counts()
			q := strings.ReplaceAll(queries[1], docs, "")
			a, b := pr.post(pr.compiled, tok, q, vars), pr.post(pr.executor, tok, q, vars)
			if after, _ := pr.reads.Counts(); after != before+1 || !bytes.Equal(a, b) {
				t.Errorf("the list without documents: compiled %d, answers\n%.1000s\n%.1000s", after-before, a, b)
			}
		})
	}
}
