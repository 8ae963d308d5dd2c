package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// On PostgreSQL jiuzhu runs as two roles (docs/operations-roles-and-migrations.md):
//
//   - the owner owns the schema and its tables; `jiuzhu migrate up` runs as it, and
//     nothing else does;
//   - the serving role is what `jiuzhu serve` (and seed, jobs, import) connect as. It owns
//     nothing and may not change the schema: it reads and writes the data tables, and may
//     only read and append to the audit trail, so that no statement of the running
//     service, whatever it is, can disable the trail's triggers, drop it or rewrite it.
//
// GrantServingRole gives the serving role exactly that.

// Tables the serving role may only read and insert into, or only read.
var (
	appendOnlyTables = []string{"audit_events"}
	readOnlyTables   = []string{"audit_keys", SchemaVersionTable}
)

// ErrServingRole means that the serving role named to GrantServingRole cannot serve:
// it does not exist, is the owner itself, or is a superuser.
var ErrServingRole = errors.New("unfit serving role")

// GrantServingRole gives role, on PostgreSQL, what serving needs on the store's schema
// and nothing more: USAGE on the schema; SELECT, INSERT, UPDATE and DELETE on the data
// tables; SELECT and INSERT only on the audit trail; SELECT only on the audit key and
// the version table; USAGE and SELECT on the sequences. Whatever else role held on the
// tables is revoked first, so that running it again repairs a role granted too much. The
// role must exist and be neither the role connected as (the owner) nor a superuser, or
// it returns an error matching ErrServingRole. Run it after Migrate, as the owner. It
// returns an error on SQLite, which has no roles, and the database's errors.
func (x *Setup) GrantServingRole(ctx context.Context, role string) error {
	s := x.s
	if s.dialect != Postgres {
		return errors.New("store: a serving role is a PostgreSQL setting; SQLite has no roles")
	}
	db := s.Setup().schemaDB(systemScope(ctx))
	var found []struct {
		Super bool
		Me    bool
	}
	err := db.Raw(`SELECT rolsuper AS super, rolname = current_user AS me FROM pg_roles WHERE rolname = ?`, role).Scan(&found).Error
	if err != nil {
		return fmt.Errorf("store: find the serving role: %w", err)
	}
	switch {
	case len(found) == 0:
		return fmt.Errorf("store: %w: role %q does not exist; create it (LOGIN NOSUPERUSER NOBYPASSRLS) first", ErrServingRole, role)
	case found[0].Me:
		return fmt.Errorf("store: %w: role %q is the role migrate connects as; the serving role must be another one that owns nothing", ErrServingRole, role)
	case found[0].Super:
		return fmt.Errorf("store: %w: role %q is a superuser, which no privilege binds", ErrServingRole, role)
	}
	var schema string
	if err := db.Raw(`SELECT current_schema()`).Scan(&schema).Error; err != nil {
		return fmt.Errorf("store: current schema: %w", err)
	}
	r, sc := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize()
	stmts := []string{
		`GRANT USAGE ON SCHEMA ` + sc + ` TO ` + r,
		`REVOKE ALL ON ALL TABLES IN SCHEMA ` + sc + ` FROM ` + r,
		`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ` + sc + ` FROM ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + sc + ` TO ` + r,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ` + sc + ` TO ` + r,
	}
	for _, t := range appendOnlyTables {
		stmts = append(stmts, `REVOKE UPDATE, DELETE ON `+pgx.Identifier{t}.Sanitize()+` FROM `+r)
	}
	for _, t := range readOnlyTables {
		stmts = append(stmts, `REVOKE INSERT, UPDATE, DELETE ON `+pgx.Identifier{t}.Sanitize()+` FROM `+r)
	}
	return wrap("grant the serving role", db.Transaction(func(tx *gorm.DB) error {
		for _, q := range stmts {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}
