package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestIntegratorCallRecordShowsWhatRuns: an integrator's call is recorded with the root
// fields that run, whatever way the document selects them, each with the record ids of
// its arguments, and with the operation's kind only, never the name the caller gave it.
func TestIntegratorCallRecordShowsWhatRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		tests := []struct {
			name  string
			query string
			vars  map[string]any
			op    string
			want  []string
		}{
			{"plain", `{ household(id: "H1") { id } }`, nil,
				"query", []string{"household(H1)"}},
			{"named as something else", `query importHouseholds { changes(first: 1) { pageInfo { hasNextPage } } }`, nil,
				"query", []string{"changes"}},
			{"fragment spread", `query Harmless { ...F } fragment F on Query { household(id: "H2") { id } member(id: "M2") { id } }`, nil,
				"query", []string{"household(H2)", "member(M2)"}},
			{"inline fragment and a field beside it", `query($g: ID!) { ... on Query { grant(id: $g) { id } } me { role } }`, map[string]any{"g": "G3"},
				"query", []string{"grant(G3)", "me"}},
			{"variables", `query($h: ID!) { a: household(id: $h) { id } }`, map[string]any{"h": "H4"},
				"query", []string{"household(H4)"}},
			{"skipped and included", `query($no: Boolean!) { household(id: "H5") @skip(if: $no) { id } member(id: "M5") @include(if: $no) { id } }`, map[string]any{"no": true},
				"query", []string{"member(M5)"}},
			{"ids inside an input object", `mutation { ...W } fragment W on Mutation { submitApplication(input: {householdId: "H6", memberId: "M6", programCode: "DIBAO", channel: ONLINE}) { id } }`, nil,
				"mutation", []string{"submitApplication(H6 M6)"}},
			{"two ids", `mutation { setHouseholdHead(householdId: "H7", memberId: "M7", formerHeadRelation: OTHER) { id } }`, nil,
				"mutation", []string{"setHouseholdHead(H7 M7)"}},
			{"an id that poses as fields", `{ household(id: "x),grant(G9") { id } }`, nil,
				"query", []string{"household(x??grant?G9)"}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sub := fmt.Sprintf("dept-call-%d", i)
				res := e.do(e.tokenAs(sub, models.RoleIntegrator, "371402001000", "MEDICAL"), tt.query, tt.vars)
				if res.code() == "INTERNAL" || res.code() == "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("answer: %d %s", res.status, res.raw)
				}
				evs, err := st.Audit().AuditTrailUnscoped(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				var got []models.AuditEvent
				for _, ev := range evs {
					if ev.Actor == sub {
						got = append(got, ev)
					}
				}
				if len(got) != 1 {
					t.Fatalf("%d entries for the call, want 1: %+v", len(got), got)
				}
				if got[0].Operation != tt.op || !slices.Equal(got[0].Records(), tt.want) {
					t.Errorf("recorded %q %q, want %q %q (answer %s)", got[0].Operation, got[0].Records(), tt.op, tt.want, res.raw)
				}
			})
		}
	})
}
