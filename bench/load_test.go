package bench

import (
	"context"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/store/storetest"
)

// TestLoadedTalliesMatchTheRecords loads a small dataset and counts, in SQL, the
// households whose tally (models.HouseholdTally), the programs (models.HouseholdProgram)
// and the villages' tallies (models.AreaTally, models.AreaProgramTally) that differ from
// what the members and grants say: the loader computes the former while generating and
// adds up the latter, and must get them right.
func TestLoadedTalliesMatchTheRecords(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	ctx := context.Background()
	if err := load(ctx, Options{DatabaseURL: url, Households: 3000, Out: io.Discard}, division.Dezhou()); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	recurring := catalogue.Recurring()
	tests := []struct {
		name, query string
		args        []any
	}{
		{"tallies", `SELECT count(*) FROM households h
			LEFT JOIN (SELECT household_id, count(*) AS n FROM members GROUP BY household_id) m ON m.household_id = h.id
			LEFT JOIN (SELECT household_id, bool_or(status = 'GRACE') AS grace,
					sum(CASE WHEN program_code = ANY($1) THEN amount ELSE 0 END) AS committed
				FROM grants WHERE status IN ('ACTIVE', 'GRACE') GROUP BY household_id) g ON g.household_id = h.id
			WHERE h.member_count <> coalesce(m.n, 0) OR h.served <> (g.household_id IS NOT NULL)
				OR h.in_grace <> coalesce(g.grace, false) OR h.committed_monthly <> coalesce(g.committed, 0)`,
			[]any{recurring}},
		{"programs", `WITH want AS (
				SELECT g.household_id, g.program_code, g.category_code, h.area_code,
					row_number() OVER (PARTITION BY g.household_id, g.program_code ORDER BY g.category_code COLLATE "C") = 1 AS first_of_program,
					row_number() OVER (PARTITION BY g.household_id, g.category_code ORDER BY g.program_code COLLATE "C") = 1 AS first_of_category,
					(SELECT count(*) FROM members m WHERE m.household_id = g.household_id) AS member_count,
					g.grace AS in_grace, g.committed
				FROM (SELECT household_id, program_code, category_code, bool_or(status = 'GRACE') AS grace,
						sum(CASE WHEN program_code = ANY($1) THEN amount ELSE 0 END) AS committed
					FROM grants WHERE status IN ('ACTIVE', 'GRACE') GROUP BY 1, 2, 3) g
				JOIN households h ON h.id = g.household_id)
			SELECT count(*) FROM want w FULL JOIN household_programs p USING (household_id, program_code, category_code)
			WHERE w.household_id IS NULL OR p.household_id IS NULL OR w.area_code <> p.area_code
				OR w.first_of_program <> p.first_of_program OR w.first_of_category <> p.first_of_category
				OR w.member_count <> p.member_count OR w.in_grace <> p.in_grace OR w.committed <> p.committed_monthly`,
			[]any{recurring}},
		{"villages", `SELECT count(*) FROM area_tallies a FULL JOIN (
				SELECT area_code, count(*) AS households, sum(CASE WHEN low_income THEN 1 ELSE 0 END) AS low_income,
					sum(member_count) AS members, sum(CASE WHEN served THEN 1 ELSE 0 END) AS active,
					sum(CASE WHEN served THEN member_count ELSE 0 END) AS active_persons,
					sum(CASE WHEN in_grace THEN 1 ELSE 0 END) AS grace, sum(committed_monthly) AS committed
				FROM households WHERE tallied_area = area_code GROUP BY area_code) h USING (area_code)
			WHERE (a.area_code IS NULL OR h.area_code IS NULL
				OR (a.households, a.low_income, a.members, a.active, a.active_persons, a.grace, a.committed_monthly)
					<> (h.households, h.low_income, h.members, h.active, h.active_persons, h.grace, h.committed))`, nil},
		{"villages' programs", `SELECT count(*) FROM area_program_tallies a FULL JOIN (
				SELECT area_code, program_code, category_code,
					sum(CASE WHEN first_of_program THEN 1 ELSE 0 END) AS ph,
					sum(CASE WHEN first_of_program THEN member_count ELSE 0 END) AS pp,
					sum(CASE WHEN first_of_category THEN 1 ELSE 0 END) AS ch,
					sum(CASE WHEN first_of_category THEN member_count ELSE 0 END) AS cp, sum(committed_monthly) AS c
				FROM household_programs GROUP BY 1, 2, 3) p USING (area_code, program_code, category_code)
			WHERE (a.area_code IS NULL OR p.area_code IS NULL
				OR (a.program_households, a.program_persons, a.category_households, a.category_persons, a.committed_monthly)
					<> (p.ph, p.pp, p.ch, p.cp, p.c))`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrong int
			if err := pool.QueryRow(ctx, tt.query, tt.args...).Scan(&wrong); err != nil {
				t.Fatal(err)
			}
			if wrong != 0 {
				t.Errorf("%d rows differ from the records", wrong)
			}
		})
	}
	var served, programs int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM households WHERE served AND in_grace),
		(SELECT count(*) FROM household_programs)`).Scan(&served, &programs); err != nil {
		t.Fatal(err)
	}
	if served == 0 || programs == 0 {
		t.Errorf("%d households in grace, %d programs: the dataset proves nothing", served, programs)
	}
}

// TestLoadKeepsTheIndexes loads a dataset twice (the second time into a database the
// migrations have nothing left to do for) and requires that the recipient tables end with
// the indexes they had: the loader drops them for the COPY and must create every one again.
func TestLoadKeepsTheIndexes(t *testing.T) {
	url := storetest.PostgresURL(t) // skips without TEST_DATABASE_URL
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	indexes := func() map[string]string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename = ANY($1)`, loadedTables)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			out[name] = def
		}
		return out
	}
	var before map[string]string
	for i := range 2 {
		if err := load(ctx, Options{DatabaseURL: url, Households: 200, Reload: true, Out: io.Discard}, division.Dezhou()); err != nil {
			t.Fatal(err)
		}
		got := indexes()
		if i == 0 {
			before = got
			if len(before) <= len(loadedTables) {
				t.Fatalf("only %d indexes on the recipient tables after the first load: %v", len(before), before)
			}
			continue
		}
		for name, def := range before {
			if got[name] != def {
				t.Errorf("index %s after the second load = %q, want %q", name, got[name], def)
			}
		}
		if len(got) != len(before) {
			t.Errorf("%d indexes after the second load, %d after the first", len(got), len(before))
		}
	}
}
