package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

const importMutation = `mutation($records: [HouseholdRecord!]!, $dryRun: Boolean, $partial: Boolean) {
  importHouseholds(records: $records, dryRun: $dryRun, partial: $partial) {
    committed created updated unchanged rejected
    results { index key outcome id }
    errors { index key field reason code }
  } }`

const changesQuery = `query Sync($since: String) { changes(since: $since, first: 1000) {
  pageInfo { hasNextPage endCursor }
  edges { cursor node { kind entity id areaCode household { id externalRef } member { id } grant { id category { code } } } } } }`

type importAnswer struct {
	ImportHouseholds struct {
		Committed                             bool
		Created, Updated, Unchanged, Rejected int
		Results                               []struct {
			Index        int
			Key, Outcome string
			ID           *string
		}
		Errors []struct {
			Index                    int
			Key, Field, Reason, Code string
		}
	}
}

type changesAnswer struct {
	Changes struct {
		PageInfo struct{ EndCursor string }
		Edges    []struct {
			Node struct {
				Kind, Entity, ID, AreaCode string
				Household                  *struct{ ID string }
				Grant                      *struct{ ID string }
			}
		}
	}
}

func (e *env) integrator(area string, cats ...string) string {
	e.t.Helper()
	tok, err := e.verifier.Sign(auth.Principal{Subject: "dept-" + area, Role: models.RoleIntegrator, Area: area, Categories: cats}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestIntegratorsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := start(t, st, 0)
		tok := e.integrator("371402001000", "MEDICAL")
		records := []map[string]any{
			{"externalRef": "HTTP-1", "village": "371402001001", "address": "新湖路1号",
				"members": []map[string]any{{"name": "赵一", "idNumber": "37140320000229456X", "relation": "HEAD", "monthlyIncome": "800.00"}}},
			{"externalRef": "HTTP-2", "village": "371403001003", "address": "外县",
				"members": []map[string]any{{"name": "钱一", "idNumber": "371402199001010017", "relation": "HEAD"}}},
		}
		// Default: the out-of-area record refuses the batch.
		var a importAnswer
		e.ok(tok, importMutation, map[string]any{"records": records}, &a)
		r := a.ImportHouseholds
		if r.Committed || r.Rejected != 1 || r.Errors[0].Field != "records[1].village" || r.Errors[0].Code != "FORBIDDEN" {
			t.Fatalf("default batch: %+v", r)
		}
		// Partial writes the good one; twice is unchanged.
		for round, want := range []string{"CREATED", "UNCHANGED"} {
			e.ok(tok, importMutation, map[string]any{"records": records, "partial": true}, &a)
			if r := a.ImportHouseholds; !r.Committed || r.Results[0].Outcome != want || r.Results[1].Outcome != "REJECTED" {
				t.Fatalf("partial round %d: %+v", round, r)
			}
		}
		id := *a.ImportHouseholds.Results[0].ID

		// Too many records.
		many := make([]map[string]any, store.MaxImportRecords+1)
		for i := range many {
			many[i] = records[0]
		}
		res := e.do(tok, importMutation, map[string]any{"records": many})
		if res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "records" {
			t.Errorf("too many records: %s", res.raw)
		}
		// An assistant may not import.
		if res := e.do(e.token(models.RoleAssistant, "371402001001"), importMutation, map[string]any{"records": records}); res.code() != "FORBIDDEN" {
			t.Errorf("assistant import: %s", res.raw)
		}

		// The feed: the integrator sees its household, another county sees nothing of it.
		var c changesAnswer
		e.ok(tok, changesQuery, nil, &c)
		found := false
		for _, edge := range c.Changes.Edges {
			if edge.Node.ID == id && edge.Node.Kind == "CREATED" && edge.Node.Household != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("the feed lacks the imported household: %+v", c)
		}
		var other changesAnswer
		e.ok(e.token(models.RoleOfficer, "371403000000"), changesQuery, nil, &other)
		for _, edge := range other.Changes.Edges {
			if edge.Node.ID == id {
				t.Errorf("another county sees the change %+v", edge.Node)
			}
		}
		if res := e.do(tok, changesQuery, map[string]any{"since": "bogus"}); res.code() != "BAD_USER_INPUT" || res.Errors[0].Extensions["field"] != "since" {
			t.Errorf("bad cursor: %s", res.raw)
		}
		// A household outside the area stays NOT_FOUND through the new paths.
		if res := e.do(e.token(models.RoleOfficer, "371403000000"), `query($id: ID!) { household(id: $id) { id } }`, map[string]any{"id": id}); res.code() != "NOT_FOUND" {
			t.Errorf("out-of-area household: %s", res.raw)
		}

		// Every integrator operation, queries included, is on the audit trail.
		evs, err := st.Audit().AuditTrailUnscoped(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		calls := map[string]int{}
		for _, ev := range evs {
			if ev.Actor == "dept-371402001000" && ev.ActorRole == models.RoleIntegrator {
				calls[ev.Operation+" "+ev.RecordIDs]++
			}
		}
		if calls["mutation importHouseholds"] != 4 || calls["query changes"] != 2 {
			t.Errorf("recorded calls: %v", calls)
		}
		for op := range calls {
			if !strings.HasPrefix(op, "mutation") && !strings.HasPrefix(op, "query") && !strings.HasPrefix(op, "importHouseholds") {
				t.Errorf("unexpected entry %q", op)
			}
		}
	})
}
