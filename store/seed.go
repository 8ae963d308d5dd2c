package store

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// IsEmptyUnscoped reports whether no household is registered anywhere. It is for the
// first-run demo and the seed command, which act for no caller.
func (r *Setup) IsEmptyUnscoped(ctx context.Context) (bool, error) {
	s := r.s
	var n int64
	if err := s.db.WithContext(systemScope(ctx)).Model(&models.Household{}).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: count households: %w", err)
	}
	return n == 0, nil
}

// SeedUnscoped inserts generated demo records in one transaction, for no caller and
// without validation: the generator guarantees their consistency. It counts afresh the
// dashboards' tallies of the households the records belong to and of their villages (see
// recountTalliesUnscoped); the values the rules derive wait for SeedRulesUnscoped or the
// daily refresh. It is for the seed command and tests, never for the API.
func (r *Setup) SeedUnscoped(ctx context.Context, households []models.Household, members []models.Member,
	grants []models.Grant, events []models.GrantEvent) error {
	s := r.s
	const batch = 500
	err := s.db.WithContext(systemScope(ctx)).Transaction(func(tx *gorm.DB) error {
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
		ids, areas := seededHouseholds(households, members, grants)
		if err := s.Derived().recountUnscoped(tx, ids, areas); err != nil {
			return fmt.Errorf("count the households' tallies: %w", err)
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

// seededHouseholds returns the ids and the villages of the households that seeded
// records belong to, each once.
func seededHouseholds(households []models.Household, members []models.Member, grants []models.Grant) (ids, areas []string) {
	seenID, seenArea := map[string]bool{}, map[string]bool{}
	add := func(id, area string) {
		if !seenID[id] {
			seenID[id] = true
			ids = append(ids, id)
		}
		if !seenArea[area] {
			seenArea[area] = true
			areas = append(areas, area)
		}
	}
	for i := range households {
		add(households[i].ID, households[i].AreaCode)
	}
	for i := range members {
		add(members[i].HouseholdID, members[i].AreaCode)
	}
	for i := range grants {
		add(grants[i].HouseholdID, grants[i].AreaCode)
	}
	return ids, areas
}

// SeedRulesUnscoped inserts generated dibao standards, verifications and their member
// lines in one transaction, for no caller and without validation, then recomputes what
// the rules derive for every household. It is for the seed command and tests.
func (r *Setup) SeedRulesUnscoped(ctx context.Context, standards []models.DibaoStandard,
	verifications []models.Verification, lines []models.VerificationMember) error {
	s := r.s
	const batch = 500
	err := s.db.WithContext(systemScope(ctx)).Transaction(func(tx *gorm.DB) error {
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
	_, err = s.Derived().RefreshAllUnscoped(ctx)
	return err
}

// SeedStaffingUnscoped sets the populations of townships (code → population) and inserts
// staff records in one transaction, for no caller and without validation: the generator
// guarantees their consistency. It is for the seed command and tests, never for the API.
func (r *Setup) SeedStaffingUnscoped(ctx context.Context, populations map[string]int, staff []models.StaffMember) error {
	s := r.s
	codes := make([]string, 0, len(populations))
	for c := range populations {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	err := s.db.WithContext(systemScope(ctx)).Transaction(func(tx *gorm.DB) error {
		for _, c := range codes {
			if err := tx.Model(&models.Jurisdiction{}).Where("code = ? AND level = ?", c, models.LevelTownship).
				Update("population", populations[c]).Error; err != nil {
				return fmt.Errorf("set population of %s: %w", c, err)
			}
		}
		if len(staff) > 0 {
			if err := tx.CreateInBatches(staff, 500).Error; err != nil {
				return fmt.Errorf("insert staff: %w", err)
			}
		}
		return nil
	})
	return wrap("seed staffing", err)
}

// AnalyzeUnscoped refreshes the planner's statistics of every table, as autovacuum would
// some time after a bulk load. The seed command runs it after loading, so that the first
// aggregates over fresh data (the staffing report) get a hash join rather than a plan
// made for empty tables.
//
// On PostgreSQL only the tables of the store's own schema are analyzed: a bare ANALYZE
// walks the whole database and fails when another schema's table is dropped meanwhile.
func (r *Setup) AnalyzeUnscoped(ctx context.Context) error {
	s := r.s
	return wrap("analyze", analyzeOwnTables(s.db.WithContext(systemScope(ctx)), s.dialect, "ANALYZE"))
}

// analyzeOwnTables runs command (ANALYZE or VACUUM ANALYZE) on every table of the
// current schema on PostgreSQL, and once on the whole database on SQLite.
func analyzeOwnTables(db *gorm.DB, dialect Dialect, command string) error {
	if dialect != Postgres {
		return db.Exec("ANALYZE").Error
	}
	var tables []string
	if err := db.Raw("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").Scan(&tables).Error; err != nil {
		return err
	}
	for _, table := range tables {
		if err := db.Exec(command + " " + table).Error; err != nil {
			return err
		}
	}
	return nil
}
