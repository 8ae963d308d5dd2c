package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// Migrate creates or updates the schema and loads the jurisdiction tree and the program
// catalogue. It is idempotent and safe on a populated database: it adds what is missing,
// refreshes names, and never touches populations or a program's active flag. On
// PostgreSQL it puts the row-level security policies on the tables of rlsTables when the
// store runs with Config.RowLevelSecurity, and takes them off otherwise, so that a
// database migrated with it on still works with it off. It acts for no caller, and
// returns the database's errors.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db.WithContext(systemScope(ctx))
	if err := s.addTallies(db); err != nil {
		return fmt.Errorf("store: add the dashboards' tallies: %w", err)
	}
	if err := db.AutoMigrate(models.All()...); err != nil {
		return fmt.Errorf("store: migrate schema: %w", err)
	}
	if err := migrateApplicantTables(db); err != nil {
		return fmt.Errorf("store: migrate the outbox, the status lookups and the documents: %w", err)
	}
	if err := s.appendOnlyAudit(db); err != nil {
		return fmt.Errorf("store: make the audit trail append-only: %w", err)
	}
	if err := ensureAuditKey(db); err != nil {
		return fmt.Errorf("store: audit key: %w", err)
	}
	defer s.catalogue.reset()
	return db.Transaction(func(tx *gorm.DB) error {
		if err := s.loadJurisdictions(tx); err != nil {
			return err
		}
		if err := ensureChangeLog(tx); err != nil {
			return fmt.Errorf("store: change log: %w", err)
		}
		if s.dialect == Postgres {
			if err := rowLevelSecurity(tx, s.rls); err != nil {
				return fmt.Errorf("store: row-level security: %w", err)
			}
		}
		return loadCatalogue(tx)
	})
}

func (s *Store) loadJurisdictions(tx *gorm.DB) error {
	units := s.tree.All()
	rows := make([]models.Jurisdiction, len(units))
	for i, u := range units {
		rows[i] = models.Jurisdiction{Code: u.Code, Name: u.Name, Level: u.Level}
		if u.Parent != "" {
			parent := u.Parent
			rows[i].ParentCode = &parent
		}
		if u.Level == models.LevelVillage {
			urban := u.Urban
			rows[i].Urban = &urban
		}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "level", "parent_code", "urban"}),
	}).CreateInBatches(rows, 500).Error
	if err != nil {
		return fmt.Errorf("store: load jurisdictions: %w", err)
	}
	return nil
}

func loadCatalogue(tx *gorm.DB) error {
	cats := catalogue.Categories()
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "sort_order"}),
	}).Create(&cats).Error
	if err != nil {
		return fmt.Errorf("store: load categories: %w", err)
	}
	progs := catalogue.Programs()
	err = tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "category_code", "sort_order"}),
	}).Create(&progs).Error
	if err != nil {
		return fmt.Errorf("store: load programs: %w", err)
	}
	return nil
}

// appendOnlyAudit makes audit_events append-only for the application: a trigger raises
// on every UPDATE and DELETE (and, on PostgreSQL, TRUNCATE), and on PostgreSQL every role
// but the table's owner loses the UPDATE, DELETE and TRUNCATE privileges. It is
// idempotent.
func (s *Store) appendOnlyAudit(db *gorm.DB) error {
	var stmts []string
	switch s.dialect {
	case Postgres:
		stmts = []string{
			`CREATE OR REPLACE FUNCTION jiuzhu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$`,
			`DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events`,
			`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION jiuzhu_audit_append_only()`,
			`DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events`,
			`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION jiuzhu_audit_append_only()`,
			`DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
      JOIN pg_tables t ON t.schemaname = g.table_schema AND t.tablename = g.table_name
      WHERE g.table_schema = current_schema() AND g.table_name = 'audit_events'
        AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND g.grantee <> t.tableowner
  LOOP
    IF r.grantee = 'PUBLIC' THEN
      EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC';
    ELSE
      EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM %I', r.grantee);
    END IF;
  END LOOP;
END $$`,
		}
	case SQLite:
		stmts = []string{
			`CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE is not allowed'); END`,
			`CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
  BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE is not allowed'); END`,
		}
	}
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
