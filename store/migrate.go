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
// refreshes names, and never touches populations or a program's active flag.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if err := db.AutoMigrate(models.All()...); err != nil {
		return fmt.Errorf("store: migrate schema: %w", err)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := s.loadJurisdictions(tx); err != nil {
			return err
		}
		if err := ensureChangeLog(tx); err != nil {
			return fmt.Errorf("store: change log: %w", err)
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
