package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestPostgresIndexesServeTheListQueries checks on PostgreSQL that the statements of the
// county list are served by indexes: the keyset page by the (area_code, id) index in
// order (no sort of the county's rows), the nested members and grants by their
// household_id indexes, the count by the same (area_code, id) index, and a page read
// backward by that index scanned in reverse.
func TestPostgresIndexesServeTheListQueries(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres) // skips without TEST_DATABASE_URL
	ds := seed.Generate(st.Tree(), 1500, time.Now())
	ctx := admin()
	if err := st.Setup().SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	if err := store.AnalyzeUnscoped(st); err != nil {
		t.Fatal(err)
	}
	counter := storetest.Count(st)
	county := storetest.As(models.RoleOfficer, countyA)
	first := 50
	page, err := useCases(st).Households(county, store.HouseholdQuery{PageArgs: store.PageArgs{First: &first}})
	if err != nil {
		t.Fatal(err)
	}
	after := page.EndCursor()
	counter.Reset()
	page, err = useCases(st).Households(county, store.HouseholdQuery{PageArgs: store.PageArgs{First: &first, After: &after}})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("second page: %v, %d items", err, len(page.Items))
	}
	ids := make([]string, len(page.Items))
	for i, h := range page.Items {
		ids[i] = h.ID
	}
	if _, err := st.Households().MembersOfHouseholds(county, scopeOf(county), ids); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Grants().GrantsOfHouseholds(county, scopeOf(county), ids); err != nil {
		t.Fatal(err)
	}
	if _, err := page.Count(); err != nil {
		t.Fatal(err)
	}
	stmts := counter.Statements()
	if len(stmts) != 4 {
		t.Fatalf("want 4 statements, got %q", stmts)
	}
	cases := []struct {
		name, index string
		noSort      bool
	}{
		{"keyset page", "idx_households_area_id", true},
		{"members of the page", "idx_members_household_id", false},
		{"grants of the page", "idx_grants_household_id", false},
		// Any index led by area_code serves the count: as an index-only scan when VACUUM
		// could mark the pages all-visible, else (another test's open transaction in
		// the same database holds the horizon back) as a bitmap scan of that index.
		{"totalCount", "idx_households_area_", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := store.ExplainUnscoped(st, stmts[i], counter.Args(i)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, c.index) {
				t.Errorf("plan does not use %s:\n%s", c.index, plan)
			}
			if c.noSort && strings.Contains(plan, "Sort") {
				t.Errorf("the page is sorted rather than read in index order:\n%s", plan)
			}
			t.Logf("%s\n%s", stmts[i], plan)
		})
	}
	// Read backward from the county's end, the page is the same index scanned the other
	// way, again unsorted; from a cursor, the index serves the range.
	t.Run("keyset page read backward", func(t *testing.T) {
		counter.Reset()
		back, err := useCases(st).Households(county, store.HouseholdQuery{PageArgs: store.PageArgs{Last: &first}})
		if err != nil || len(back.Items) == 0 {
			t.Fatalf("backward page: %v", err)
		}
		// And from the cursor of the county's last household.
		before := back.EndCursor()
		if _, err := useCases(st).Households(county, store.HouseholdQuery{PageArgs: store.PageArgs{Last: &first, Before: &before}}); err != nil {
			t.Fatal(err)
		}
		stmts := counter.Statements()
		for i := range stmts {
			plan, err := store.ExplainUnscoped(st, stmts[i], counter.Args(i)...)
			if err != nil {
				t.Fatal(err)
			}
			// From a cursor, the planner may sort the few rows it expects (it multiplies
			// the selectivities of the scope's and the area's ranges); the index serves
			// the range either way.
			if !strings.Contains(plan, "idx_households_area_id") ||
				(i == 0 && (!strings.Contains(plan, "Index Scan Backward") || strings.Contains(plan, "Sort"))) {
				t.Errorf("the backward page is not read from the index in reverse order:\n%s", plan)
			}
			t.Logf("%s\n%s", stmts[i], plan)
		}
	})
}

// TestPostgresMemberSearchReadsTheMatchingMembers checks on PostgreSQL that a search by a
// member's name prefix reads the county's matching members first (the subquery planned
// on its own), for the page and for totalCount, rather than walking the county's
// households in page order and probing each one's members (idx_members_household_id):
// here the matching members all live in the county's later villages, which that walk
// would reach only after every other household of the county, while the planner,
// guessing them spread evenly, would expect to fill the page at once.
func TestPostgresMemberSearchReadsTheMatchingMembers(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres) // skips without TEST_DATABASE_URL
	ds := seed.Generate(st.Tree(), 1500, time.Now())
	ctx := admin()
	if err := st.Setup().SeedUnscoped(ctx, ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		t.Fatal(err)
	}
	// The villages from the middle of the county on, in page order, are of the 曲 clan:
	// a prefix common in the city, but absent from the first half of the county.
	villages := st.Tree().Within(countyA, models.LevelVillage)
	if err := store.ExecUnscoped(st, "UPDATE members SET name = '曲芳' || name WHERE area_code >= ?", villages[len(villages)/2].Code); err != nil {
		t.Fatal(err)
	}
	if err := store.AnalyzeUnscoped(st); err != nil {
		t.Fatal(err)
	}
	counter := storetest.Count(st)
	county := storetest.As(models.RoleOfficer, countyA)
	first := 5
	page, err := useCases(st).Households(county, store.HouseholdQuery{
		Filter: &models.HouseholdFilter{MemberNamePrefix: ptr("曲芳")}, PageArgs: store.PageArgs{First: &first}})
	if err != nil || len(page.Items) != first {
		t.Fatalf("page: %v, %d items", err, len(page.Items))
	}
	if _, err := page.Count(); err != nil {
		t.Fatal(err)
	}
	stmts := counter.Statements()
	if len(stmts) != 2 {
		t.Fatalf("want 2 statements, got %q", stmts)
	}
	for i, name := range []string{"page", "totalCount"} {
		t.Run(name, func(t *testing.T) {
			plan, err := store.ExplainUnscoped(st, stmts[i], counter.Args(i)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, `Subquery Scan on "ANY_subquery"`) || strings.Contains(plan, "idx_members_household_id") {
				t.Errorf("the households are walked and their members probed, rather than the matching members read first:\n%s", plan)
			}
			t.Logf("%s\n%s", stmts[i], plan)
		})
	}
}

// TestPostgresDocumentSweepReadsTheUnsweptDocuments checks on PostgreSQL that the daily
// sweep finds the contents to sweep through the partial index of the withdrawn documents
// not yet swept, not by reading every document: among 20,000 documents, three are
// withdrawn and unswept.
func TestPostgresDocumentSweepReadsTheUnsweptDocuments(t *testing.T) {
	st := storetest.MustOpen(t, store.Postgres) // skips without TEST_DATABASE_URL
	err := store.ExecUnscoped(st, `INSERT INTO documents (id, area_code, record, record_id, kind, sha256, size,
		content_type, created_by, created_at, withdrawn_at)
		SELECT 'plan-doc-' || i, ?, 'APPLICATION', 'plan-app-' || (i / 3), 'OTHER', md5(i::text) || md5((i + 1)::text), 1000,
			'application/pdf', 'plan', now(), CASE WHEN i % 6000 = 0 THEN now() END
		FROM generate_series(1, 20000) AS i`, countyA)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AnalyzeUnscoped(st); err != nil {
		t.Fatal(err)
	}
	counter := storetest.Count(st)
	var swept []string
	if _, err := st.Documents().SweepContent(context.Background(), func(_ context.Context, sum string) error {
		swept = append(swept, sum)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(swept) != 3 {
		t.Fatalf("swept %d contents, want the 3 withdrawn", len(swept))
	}
	stmts := counter.Statements()
	plan, err := store.ExplainUnscoped(st, stmts[0], counter.Args(0)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "idx_documents_unswept") {
		t.Errorf("the sweep's first query does not use idx_documents_unswept:\n%s\n%s", stmts[0], plan)
	}
	t.Logf("%s\n%s", stmts[0], plan)
}
