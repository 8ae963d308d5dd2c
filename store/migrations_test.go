package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"jiuzhu/casework"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// TestMigrationsMatchTheModels compares, on each database, the schema that the embedded
// migrations make with the one gorm derives from the models: every table, column (type,
// length, nullability, key, default) and index. A change of a model without a migration
// that makes it fails here.
func TestMigrationsMatchTheModels(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			migrated, err := store.SchemaUnscoped(storetest.MustOpen(t, d))
			if err != nil {
				t.Fatal(err)
			}
			empty := storetest.MustOpenEmpty(t, d)
			if err := store.AutoMigrateModelsUnscoped(empty); err != nil {
				t.Fatal(err)
			}
			fromModels, err := store.SchemaUnscoped(empty)
			if err != nil {
				t.Fatal(err)
			}
			if len(fromModels) < 20 {
				t.Fatalf("the models make %d tables; the comparison needs them all", len(fromModels))
			}
			for table, want := range fromModels {
				got, ok := migrated[table]
				if !ok {
					t.Errorf("table %s of the models: no migration creates it", table)
					continue
				}
				for _, line := range want {
					if !slices.Contains(got, line) {
						t.Errorf("%s: the models have %s; the migrations do not", table, line)
					}
				}
				for _, line := range got {
					if !slices.Contains(want, line) {
						t.Errorf("%s: the migrations make %s; the models do not", table, line)
					}
				}
			}
			for table := range migrated {
				if _, ok := fromModels[table]; !ok {
					t.Errorf("table %s: the migrations create it, no model has it", table)
				}
			}
		})
	}
}

// TestMigrateDownTakesTheLastVersionDown takes the versions down one by one on each
// database: each down goes to the version before, a store that checks the schema refuses
// the database and names the command to run, and the rows stay; after the first step
// down, migrating again restores the version (and on PostgreSQL row-level security on
// every scoped table). On PostgreSQL, once the row-level security version (3) is down,
// no policy is left. The first version is never taken down.
func TestMigrateDownTakesTheLastVersionDown(t *testing.T) {
	stores := map[string]func(t *testing.T) *store.Store{
		"sqlite":       func(t *testing.T) *store.Store { return storetest.MustOpen(t, store.SQLite) },
		"postgres+rls": func(t *testing.T) *store.Store { return storetest.MustOpenRLS(t) }, // skips without TEST_DATABASE_URL
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			h, _ := household(t, st, villageA1)
			current, want, err := st.Setup().SchemaVersions(ctx)
			if err != nil || current != want || want < 2 {
				t.Fatalf("after migrating: version %d of %d, %v", current, want, err)
			}
			if err := st.Setup().CheckSchema(ctx); err != nil {
				t.Fatalf("check after migrating: %v", err)
			}
			states, err := st.Setup().MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var versions []int64 // the versions of this dialect, in order
			for _, m := range states {
				versions = append(versions, m.Version)
			}
			// The last version first, then every other but the first, each to the one before.
			for i := len(versions) - 1; i > 0; i-- {
				from, to, err := st.Setup().MigrateDown(ctx)
				if err != nil || from != versions[i] || to != versions[i-1] {
					t.Fatalf("down: from %d to %d, %v; want from %d to %d", from, to, err, versions[i], versions[i-1])
				}
				err = st.Setup().CheckSchema(ctx)
				if !errors.Is(err, store.ErrSchemaVersion) || !strings.Contains(err.Error(), "jiuzhu migrate up") {
					t.Errorf("check after down to %d: %v, want ErrSchemaVersion naming jiuzhu migrate up", to, err)
				}
				if st.Dialect() == store.Postgres && to < 3 {
					state, err := store.RLSStateUnscoped(st)
					if err != nil {
						t.Fatal(err)
					}
					if len(state) != 0 {
						t.Errorf("row-level security left after down to %d: %v", to, state)
					}
				}
				if got, err := useCases(st).Household(admin(), h.ID); err != nil || got.ID != h.ID {
					t.Errorf("the household at version %d: %v", to, err)
				}
				if i == len(versions)-1 {
					// Up again from one step down restores the version and its state.
					if err := st.Setup().Migrate(ctx); err != nil {
						t.Fatal(err)
					}
					if current, _, err := st.Setup().SchemaVersions(ctx); err != nil || current != want {
						t.Errorf("up again: version %d, %v; want %d", current, err, want)
					}
					if err := st.Setup().CheckSchema(ctx); err != nil {
						t.Errorf("check after up again: %v", err)
					}
					if st.Dialect() == store.Postgres {
						state, err := store.RLSStateUnscoped(st)
						if err != nil || len(state) != len(store.RLSTables()) {
							t.Errorf("row-level security after up again on %d tables of %d: %v", len(state), len(store.RLSTables()), err)
						}
					}
					if _, _, err := st.Setup().MigrateDown(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, to, err := st.Setup().MigrateDown(ctx); err == nil || to != 1 {
				t.Errorf("down from the first version: at %d, %v; want a refusal", to, err)
			}
		})
	}
}

// TestServingRoleCannotAlterTheAuditTrail migrates a schema as its owner, grants the
// serving role, and connects as it, with row-level security off and on: through the
// store it writes a record of every kind, whose audit events it appends, and reads the
// trail; but its own statements can neither change nor delete an event, truncate or
// drop the table, disable the trail's triggers, nor change the schema in any other way,
// and it cannot migrate. The trail is whole after.
func TestServingRoleCannotAlterTheAuditTrail(t *testing.T) {
	for _, rls := range []bool{false, true} {
		t.Run(map[bool]string{false: "rls off", true: "rls on"}[rls], func(t *testing.T) {
			ownerURL := storetest.PostgresURL // skips without TEST_DATABASE_URL
			if rls {
				ownerURL = storetest.RLSURL
			}
			servingRoleCannotAlterTheAuditTrail(t, ownerURL(t), rls)
		})
	}
}

func servingRoleCannotAlterTheAuditTrail(t *testing.T, ownerURL string, rls bool) {
	owner := storetest.MustOpenWith(t, store.Config{DatabaseURL: ownerURL, RowLevelSecurity: rls})
	ctx := context.Background()
	servingURL := storetest.ServingURL(t, ownerURL)
	if err := owner.Setup().GrantServingRole(ctx, storetest.ServingRole); err != nil {
		t.Fatal(err)
	}
	serving, err := store.Open(ctx, store.Config{DatabaseURL: servingURL, RowLevelSecurity: rls, Rules: casework.DefaultRules()}, division.Dezhou())
	if err != nil {
		t.Fatal(err)
	}
	defer serving.Close()
	if err := serving.Setup().CheckSchema(ctx); err != nil {
		t.Fatalf("the serving role checks the schema: %v", err)
	}
	fillEveryTable(t, serving, villageA1)
	before := auditOf(t, serving, nil)
	if len(before) == 0 {
		t.Fatal("writing through the serving role left no audit event")
	}

	db, err := sql.Open("pgx", servingURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one session, whose row-level security range is set below
	if _, err := db.Exec(`SELECT set_config('jiuzhu.lo', '000000000000', false), set_config('jiuzhu.hi', '999999999999', false)`); err != nil {
		t.Fatal(err)
	}
	// A GRANT without the grant option only warns; it must leave no privilege behind.
	if _, err := db.Exec("GRANT UPDATE, DELETE, TRUNCATE ON audit_events TO " + storetest.ServingRole); err != nil {
		t.Logf("the serving role's grant to itself: %v", err)
	}
	var canChange bool
	if err := db.QueryRow(`SELECT has_table_privilege(current_user, 'audit_events', 'UPDATE')
		OR has_table_privilege(current_user, 'audit_events', 'DELETE')
		OR has_table_privilege(current_user, 'audit_events', 'TRUNCATE')`).Scan(&canChange); err != nil || canChange {
		t.Errorf("the serving role may change audit events: %v, %v", canChange, err)
	}
	denied := []string{
		"DELETE FROM audit_events",
		"UPDATE audit_events SET actor = 'someone-else'",
		"TRUNCATE audit_events",
		"ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
		"ALTER TABLE audit_events DISABLE TRIGGER ALL",
		"ALTER TABLE audit_events DISABLE ROW LEVEL SECURITY",
		"DROP TRIGGER audit_events_append_only ON audit_events",
		"DROP TABLE audit_events",
		"ALTER TABLE audit_events RENAME TO audit_events_old",
		"ALTER TABLE households ADD COLUMN note text",
		"CREATE TABLE audit_events_copy (id text)",
		"UPDATE audit_keys SET key = 'known'",
		"DELETE FROM " + store.SchemaVersionTable,
	}
	if rls {
		denied = append(denied, "DROP POLICY jiuzhu_area ON audit_events")
	}
	for _, q := range denied {
		_, err := db.Exec(q)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: %v, want insufficient_privilege (42501)", q, err)
		}
	}
	if err := serving.Setup().Migrate(ctx); err == nil {
		t.Error("the serving role migrated")
	}
	// Reading and appending stay possible with statements of its own, too.
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM audit_events").Scan(&n); err != nil || n != len(before) {
		t.Errorf("the serving role counts %d events, %v; want %d", n, err, len(before))
	}
	household(t, serving, villageB)
	after := auditOf(t, owner, nil)
	if len(after) <= len(before) {
		t.Errorf("the trail has %d events after a second write, had %d", len(after), len(before))
	}
	for _, ev := range before {
		if !slices.ContainsFunc(after, func(a models.AuditEvent) bool {
			return a.ID == ev.ID && a.Actor == ev.Actor && a.Operation == ev.Operation && a.RecordIDs == ev.RecordIDs &&
				a.Before == ev.Before && a.After == ev.After && a.CreatedAt.Equal(ev.CreatedAt)
		}) {
			t.Errorf("event %s changed or went missing", ev.ID)
		}
	}
}
