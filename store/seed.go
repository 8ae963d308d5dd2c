package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// IsEmptyUnscoped reports whether no household is registered anywhere. It is for the
// first-run demo and the seed command, which act for no caller.
func (s *Store) IsEmptyUnscoped(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&models.Household{}).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: count households: %w", err)
	}
	return n == 0, nil
}

// SeedUnscoped inserts generated demo records in one transaction, for no caller and
// without validation: the generator guarantees their consistency. It is for the seed
// command and tests, never for the API.
func (s *Store) SeedUnscoped(ctx context.Context, households []models.Household, members []models.Member,
	grants []models.Grant, events []models.GrantEvent) error {
	const batch = 500
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		steps := []struct {
			name string
			rows any
			n    int
		}{
			{"households", households, len(households)},
			{"members", members, len(members)},
			{"grants", grants, len(grants)},
			{"grant events", events, len(events)},
		}
		for _, st := range steps {
			if st.n == 0 {
				continue
			}
			if err := tx.CreateInBatches(st.rows, batch).Error; err != nil {
				return fmt.Errorf("insert %s: %w", st.name, err)
			}
		}
		log := make([]models.ChangeLogEntry, 0, len(households)+len(members)+len(grants))
		for i := range households {
			log = append(log, householdChanged(models.ChangeCreated, &households[i]))
		}
		for i := range members {
			log = append(log, memberChanged(models.ChangeCreated, &members[i]))
		}
		for i := range grants {
			log = append(log, grantChanged(models.ChangeCreated, &grants[i]))
		}
		return s.logChange(tx, log...)
	})
	return wrap("seed", err)
}

// SeedRulesUnscoped inserts generated dibao standards, verifications and their member
// lines in one transaction, for no caller and without validation, then recomputes what
// the rules derive for every household. It is for the seed command and tests.
func (s *Store) SeedRulesUnscoped(ctx context.Context, standards []models.DibaoStandard,
	verifications []models.Verification, lines []models.VerificationMember) error {
	const batch = 500
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(standards) > 0 {
			if err := tx.CreateInBatches(standards, batch).Error; err != nil {
				return fmt.Errorf("insert standards: %w", err)
			}
		}
		if len(verifications) > 0 {
			if err := tx.CreateInBatches(verifications, batch).Error; err != nil {
				return fmt.Errorf("insert verifications: %w", err)
			}
		}
		if len(lines) > 0 {
			if err := tx.CreateInBatches(lines, batch).Error; err != nil {
				return fmt.Errorf("insert verified members: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return wrap("seed rules", err)
	}
	_, err = s.RefreshAllUnscoped(ctx)
	return err
}
