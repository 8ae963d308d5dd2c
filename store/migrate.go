package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
)

// Setup is what sets a database up and keeps its schema: the versioned migrations and
// their state, the serving role's grants, and the seed data of new and demo databases,
// all as the system. Reach it with Store.Setup.
type Setup struct{ s *Store }

// Setup returns the setup of the database.
func (s *Store) Setup() *Setup { return &Setup{s: s} }

// Migrate brings the schema to this build's version with the versioned migrations
// (migrations.go) and loads the jurisdiction tree, the program catalogue and the audit
// key. It is idempotent and safe on a populated database, including one created before
// versioning, which it adopts: it adds what is missing, refreshes names, and never
// touches populations or a program's active flag. On PostgreSQL it runs as the role that
// owns the schema, and puts the row-level security policies on the tables of rlsTables
// when the store runs with Config.RowLevelSecurity, and takes them off otherwise, so that
// a database migrated with it on still works with it off. It acts for no caller, and
// returns the database's errors.
func (r *Setup) Migrate(ctx context.Context) error {
	s := r.s
	ctx = systemScope(ctx)
	p, err := s.Setup().migrations(ctx)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	db := s.db.WithContext(ctx)
	if err := ensureAuditKey(db); err != nil {
		return fmt.Errorf("store: audit key: %w", err)
	}
	defer s.catalogue.reset()
	return db.Transaction(func(tx *gorm.DB) error {
		if err := s.Setup().loadJurisdictions(tx); err != nil {
			return err
		}
		if err := ensureChangeLog(tx); err != nil {
			return fmt.Errorf("store: change log: %w", err)
		}
		// Version 3 put row-level security as it was asked when the version was
		// applied; PG_RLS may have changed since.
		if s.dialect == Postgres {
			if err := rowLevelSecurity(tx, s.rls); err != nil {
				return fmt.Errorf("store: row-level security: %w", err)
			}
		}
		return loadCatalogue(tx)
	})
}

func (r *Setup) loadJurisdictions(tx *gorm.DB) error {
	s := r.s
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
	// The seeded settings are written once: the changes made through the API are later
	// settings, which a new release must not overwrite.
	settings := catalogue.Settings(division.CityCode)
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&settings).Error; err != nil {
		return fmt.Errorf("store: load program settings: %w", err)
	}
	return nil
}
