package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/store"
)

// loadedTables are the tables the benchmark fills (the households' programs are counted
// while generating, like their tallies); their secondary indexes are dropped during the
// COPY and created again from their definitions afterwards, which is much faster than
// maintaining them row by row.
var loadedTables = []string{"households", "members", "grants", "household_programs"}

// load makes sure the database holds the benchmark's dataset of o.Households households:
// it migrates the schema, and unless a dataset of that size is there already (and
// o.Reload is false) it empties the recipient tables and loads a new one.
func load(ctx context.Context, o Options, tree *division.Tree) error {
	out := o.Out
	st, err := store.Open(ctx, store.Config{DatabaseURL: o.DatabaseURL, Rules: casework.DefaultRules()}, tree)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Setup().Migrate(ctx); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer pool.Close()
	counts := func() (h, m, g int64, err error) {
		err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM members), (SELECT count(*) FROM grants)`).Scan(&h, &m, &g)
		return
	}
	h, m, g, err := counts()
	if err != nil {
		return fmt.Errorf("bench: count rows: %w", err)
	}
	if h == int64(o.Households) && m > 0 && !o.Reload {
		fmt.Fprintf(out, "dataset: reusing %d households, %d members, %d grants already in the database\n", h, m, g)
		return nil
	}
	fmt.Fprintf(out, "dataset: loading %d households (the database held %d; its recipient data is replaced)\n", o.Households, h)
	start := time.Now()
	// The audit trail is append-only, in the database too; it keeps what it holds.
	if _, err := pool.Exec(ctx, `TRUNCATE households, members, grants, grant_events, household_programs, area_tallies, area_program_tallies CASCADE`); err != nil {
		return fmt.Errorf("bench: empty tables: %w", err)
	}
	// Each index's definition is kept to create it again: the versioned migrations of a
	// database already at the newest version create nothing.
	rows, err := pool.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = ANY($1) AND indexname NOT LIKE '%\_pkey'
		ORDER BY indexname`, loadedTables)
	if err != nil {
		return fmt.Errorf("bench: list indexes: %w", err)
	}
	var indexes, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		indexes, defs = append(indexes, name), append(defs, def)
	}
	rows.Close()
	for _, ix := range indexes {
		if _, err := pool.Exec(ctx, `DROP INDEX IF EXISTS "`+ix+`"`); err != nil {
			return fmt.Errorf("bench: drop index %s: %w", ix, err)
		}
	}
	copied, err := newDataset(tree).copyAll(ctx, pool, o.Households)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	copyTime := time.Since(start)
	for i, def := range defs {
		if _, err := pool.Exec(ctx, def); err != nil {
			return fmt.Errorf("bench: create index %s: %w", indexes[i], err)
		}
	}
	indexTime := time.Since(start) - copyTime
	if err := st.Derived().RecountAreaTalliesUnscoped(ctx); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE households, members, grants, household_programs, area_tallies, area_program_tallies`); err != nil {
		return fmt.Errorf("bench: vacuum: %w", err)
	}
	fmt.Fprintf(out, "dataset: %d households, %d members, %d grants in %s (COPY %s, %d indexes rebuilt in %s, then the villages' tallies and VACUUM ANALYZE)\n",
		copied["households"], copied["members"], copied["grants"], time.Since(start).Round(time.Millisecond),
		copyTime.Round(time.Millisecond), len(indexes), indexTime.Round(time.Millisecond))
	return nil
}
