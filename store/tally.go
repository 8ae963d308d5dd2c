package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/catalogue"
	"jiuzhu/models"
)

// The dashboards (areaStats, the staffing report) count from tallies that the store keeps
// in the transaction of every write that changes what they count, never from members and
// grants:
//
//   - the tally of a household (models.HouseholdTally, on its row): its members, whether
//     it receives a grant (ACTIVE or GRACE, the statuses of models.ReceivingStatuses), whether
//     one is in GRACE, and the monthly amount of its receiving grants of recurring
//     programs;
//   - its programs (models.HouseholdProgram): one row per program and category it
//     receives;
//   - the tallies of each village (models.AreaTally, models.AreaProgramTally): the sums
//     of the former over the village's households, to which refresh adds the difference
//     each change of a household makes.
//
// A city of a million households then counts from some five thousand villages.
// recountTallies counts all of them afresh from the tables, for the migration that adds
// them and for seeded or bulk-loaded data.

// recurringPrograms holds the codes of the programs that pay monthly (catalogue.Recurring).
var recurringPrograms = func() map[string]bool {
	out := map[string]bool{}
	for _, p := range catalogue.Recurring() {
		out[p] = true
	}
	return out
}()

// receivingSQL is the SQL list of the receiving statuses, ('ACTIVE', 'GRACE'), for the
// set-based recount.
var receivingSQL = func() string {
	parts := make([]string, len(models.ReceivingStatuses))
	for i, st := range models.ReceivingStatuses {
		parts[i] = "'" + string(st) + "'"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}()

// activeStatuses are the statuses of a grant that is paying: ACTIVE, and GRACE, the
// grace period of P13. They are models.ReceivingStatuses, the statuses under which the rules
// and the tallies take a household to receive a program.
var activeStatuses = func() []string {
	out := make([]string, len(models.ReceivingStatuses))
	for i, st := range models.ReceivingStatuses {
		out[i] = string(st)
	}
	return out
}()

// lockHousehold takes, inside tx, the row lock of household id (in the caller's scope)
// that is held until tx ends. Every writer of a household's members or grants holds it
// before its logChange and its refresh (the member writes by updating the household row,
// the grant writes by this lock): writers of one household follow each other, so that
// each counts the change of the household's tallies from what the one before committed,
// and all of them take the household's lock before the change sequence's, never after,
// so that they cannot deadlock on the two. SQLite, which runs one writer at a time,
// Derived keeps what the rules derive for each household (derive.go) and the tallies
// of households and villages (this file) in step with their inputs: the unit of work
// refreshes the households it touched, and the system's jobs refresh or recount them
// all. Reach it with Store.Derived.
type Derived struct{ s *Store }

// Derived returns the keeper of derived values and tallies.
func (s *Store) Derived() *Derived { return &Derived{s: s} }

// leaves the lock clause out.
func lockHousehold(tx *gorm.DB, sc Scope, id string) error {
	var locked []string
	return sc.rows(tx, "households").Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("households.id = ?", id).Pluck("households.id", &locked).Error
}

// tallyOf returns the tally of household h of members members whose receiving grants
// are grants, counted in h's village.
func tallyOf(h *models.Household, members int, grants []receivingGrant) models.HouseholdTally {
	t := models.HouseholdTally{MemberCount: members, Served: len(grants) > 0, TalliedArea: h.AreaCode}
	for _, g := range grants {
		if g.Status == models.GrantGrace {
			t.InGrace = true
		}
		if recurringPrograms[g.ProgramCode] {
			t.CommittedMonthly += g.Amount
		}
	}
	return t
}

// tallyChange returns the tally of household h, with lowIncome its new low-income flag,
// members its number of members and grants its receiving grants, and whether it is to be
// written: whether anything the villages' tallies count changed. It adds the change to
// delta.
func tallyChange(h *models.Household, lowIncome bool, members int, grants []receivingGrant, delta *tallyDelta) (models.HouseholdTally, bool) {
	t := tallyOf(h, members, grants)
	if t == h.HouseholdTally && lowIncome == h.LowIncome {
		return t, false
	}
	delta.household(h.LowIncome, h.HouseholdTally, -1)
	delta.household(lowIncome, t, 1)
	return t, true
}

// householdTally is the tally of the household id, for updateTallies.
type householdTally struct {
	id string
	t  models.HouseholdTally
}

// update writes the tallies of households of the caller's scope inside tx: on
// PostgreSQL in one statement whose columns travel as arrays (an import refreshes a
// thousand new households at once), elsewhere in one statement per household.
func (x *Derived) update(tx *gorm.DB, sc Scope, rows []householdTally) error {
	s := x.s
	if len(rows) == 0 {
		return nil
	}
	if s.dialect != Postgres {
		for _, r := range rows {
			if err := sc.rows(tx, "households").Where("id = ?", r.id).Updates(map[string]any{
				"member_count": r.t.MemberCount, "served": r.t.Served, "in_grace": r.t.InGrace,
				"committed_monthly": r.t.CommittedMonthly, "tallied_area": r.t.TalliedArea,
			}).Error; err != nil {
				return err
			}
		}
		return nil
	}
	n := len(rows)
	ids, areas := make([]string, n), make([]string, n)
	members, committed := make([]int64, n), make([]int64, n)
	served, grace := make([]bool, n), make([]bool, n)
	for i, r := range rows {
		ids[i], areas[i], members[i], committed[i] = r.id, r.t.TalliedArea, int64(r.t.MemberCount), int64(r.t.CommittedMonthly)
		served[i], grace[i] = r.t.Served, r.t.InGrace
	}
	q := `UPDATE households SET member_count = u.member_count, served = u.served, in_grace = u.in_grace,
			committed_monthly = u.committed_monthly, tallied_area = u.tallied_area
		FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::boolean[], $5::bigint[], $6::text[])
			AS u(id, member_count, served, in_grace, committed_monthly, tallied_area)
		WHERE households.id = u.id AND ` + sc.numbered("households", 7)
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, append([]any{ids, members, served, grace, committed, areas}, sc.bounds()...)...)
	return err
}

// programRows returns the programs of household h of members members whose receiving
// grants are grants, in programOrder.
func programRows(h *models.Household, members int, grants []receivingGrant) []models.HouseholdProgram {
	type key struct{ program, category string }
	rows := map[key]*models.HouseholdProgram{}
	for _, g := range grants {
		k := key{g.ProgramCode, g.CategoryCode}
		r := rows[k]
		if r == nil {
			r = &models.HouseholdProgram{HouseholdID: h.ID, ProgramCode: g.ProgramCode, CategoryCode: g.CategoryCode,
				AreaCode: h.AreaCode, MemberCount: members}
			rows[k] = r
		}
		if g.Status == models.GrantGrace {
			r.InGrace = true
		}
		if recurringPrograms[g.ProgramCode] {
			r.CommittedMonthly += g.Amount
		}
	}
	out := make([]models.HouseholdProgram, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b models.HouseholdProgram) int {
		return cmp.Or(cmp.Compare(a.CategoryCode, b.CategoryCode), cmp.Compare(a.ProgramCode, b.ProgramCode))
	})
	for i := range out {
		out[i].FirstOfCategory = i == 0 || out[i-1].CategoryCode != out[i].CategoryCode
	}
	slices.SortFunc(out, programOrder)
	for i := range out {
		out[i].FirstOfProgram = i == 0 || out[i-1].ProgramCode != out[i].ProgramCode
	}
	return out
}

// programOrder orders the programs of households by household, program and category.
func programOrder(a, b models.HouseholdProgram) int {
	return cmp.Or(cmp.Compare(a.HouseholdID, b.HouseholdID), cmp.Compare(a.ProgramCode, b.ProgramCode),
		cmp.Compare(a.CategoryCode, b.CategoryCode))
}

// programKey names one AreaProgramTally.
type programKey struct{ area, program, category string }

// tallyDelta accumulates what a refresh changes in the villages' tallies.
type tallyDelta struct {
	areas    map[string]*models.AreaTally
	programs map[programKey]*models.AreaProgramTally
}

func newTallyDelta() *tallyDelta {
	return &tallyDelta{areas: map[string]*models.AreaTally{}, programs: map[programKey]*models.AreaProgramTally{}}
}

// household adds to d what a household with low-income flag lowIncome and tally t counts
// in its village (t.TalliedArea), times sign: 1 to count it, -1 to take it back.
func (d *tallyDelta) household(lowIncome bool, t models.HouseholdTally, sign int) {
	if t.TalliedArea == "" {
		return
	}
	a := d.areas[t.TalliedArea]
	if a == nil {
		a = &models.AreaTally{AreaCode: t.TalliedArea}
		d.areas[t.TalliedArea] = a
	}
	a.Households += sign
	a.Members += sign * t.MemberCount
	a.CommittedMonthly += models.Money(sign) * t.CommittedMonthly
	if lowIncome {
		a.LowIncome += sign
	}
	if t.Served {
		a.Active += sign
		a.ActivePersons += sign * t.MemberCount
	}
	if t.InGrace {
		a.Grace += sign
	}
}

// program adds to d what the program row r counts in its village, times sign.
func (d *tallyDelta) program(r models.HouseholdProgram, sign int) {
	k := programKey{r.AreaCode, r.ProgramCode, r.CategoryCode}
	p := d.programs[k]
	if p == nil {
		p = &models.AreaProgramTally{AreaCode: k.area, ProgramCode: k.program, CategoryCode: k.category}
		d.programs[k] = p
	}
	if r.FirstOfProgram {
		p.ProgramHouseholds += sign
		p.ProgramPersons += sign * r.MemberCount
	}
	if r.FirstOfCategory {
		p.CategoryHouseholds += sign
		p.CategoryPersons += sign * r.MemberCount
	}
	p.CommittedMonthly += models.Money(sign) * r.CommittedMonthly
}

// apply adds d to the villages' tallies inside tx: one insert per table and 500 rows, in
// key order, of each changed row, which adds to the row already there. It returns an
// error for a village outside the caller's scope, which no household of the scope can
// be counted in.
func (d *tallyDelta) apply(tx *gorm.DB, sc Scope) error {
	var areas []models.AreaTally
	for _, code := range slices.Sorted(maps.Keys(d.areas)) {
		if a := d.areas[code]; *a != (models.AreaTally{AreaCode: code}) {
			areas = append(areas, *a)
		}
	}
	var programs []models.AreaProgramTally
	keys := slices.SortedFunc(maps.Keys(d.programs), func(a, b programKey) int {
		return cmp.Or(cmp.Compare(a.area, b.area), cmp.Compare(a.program, b.program), cmp.Compare(a.category, b.category))
	})
	for _, k := range keys {
		if p := d.programs[k]; *p != (models.AreaProgramTally{AreaCode: k.area, ProgramCode: k.program, CategoryCode: k.category}) {
			programs = append(programs, *p)
		}
	}
	for _, k := range keys {
		if k.area < sc.lo || k.area > sc.hi {
			return fmt.Errorf("tally of area %s outside the scope of %s", k.area, sc.p.Area)
		}
	}
	for _, a := range areas {
		if a.AreaCode < sc.lo || a.AreaCode > sc.hi {
			return fmt.Errorf("tally of area %s outside the scope of %s", a.AreaCode, sc.p.Area)
		}
	}
	if len(areas) > 0 {
		err := tx.Clauses(addOnConflict("area_tallies", []string{"area_code"},
			"households", "low_income", "members", "active", "active_persons", "grace", "committed_monthly")).
			CreateInBatches(&areas, 500).Error
		if err != nil {
			return err
		}
	}
	if len(programs) == 0 {
		return nil
	}
	return tx.Clauses(addOnConflict("area_program_tallies", []string{"area_code", "program_code", "category_code"},
		"program_households", "program_persons", "category_households", "category_persons", "committed_monthly")).
		CreateInBatches(&programs, 500).Error
}

// addOnConflict is the clause that makes an insert into table add its values to the
// columns cols of the row with the same key instead of failing.
func addOnConflict(table string, key []string, cols ...string) clause.OnConflict {
	set := map[string]any{}
	for _, c := range cols {
		set[c] = gorm.Expr(table + "." + c + " + excluded." + c)
	}
	keyCols := make([]clause.Column, len(key))
	for i, k := range key {
		keyCols[i] = clause.Column{Name: k}
	}
	return clause.OnConflict{Columns: keyCols, DoUpdates: clause.Assignments(set)}
}

// syncPrograms makes the stored programs of the households of want (household id → its
// rows, in programOrder) what want says, inside tx, and adds the difference to delta: it
// reads them in one statement and replaces those of the households whose rows differ,
// in one delete and one insert.
func syncPrograms(tx *gorm.DB, sc Scope, want map[string][]models.HouseholdProgram, delta *tallyDelta) error {
	if len(want) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(want))
	var have []models.HouseholdProgram
	if err := sc.rows(tx, "household_programs").Where("household_programs.household_id IN ?", ids).
		Find(&have).Error; err != nil {
		return err
	}
	slices.SortFunc(have, programOrder)
	stored := map[string][]models.HouseholdProgram{}
	for _, r := range have {
		stored[r.HouseholdID] = append(stored[r.HouseholdID], r)
	}
	var stale []string
	var fresh []models.HouseholdProgram
	for _, id := range ids {
		if slices.Equal(stored[id], want[id]) {
			continue
		}
		stale = append(stale, id)
		fresh = append(fresh, want[id]...)
		for _, r := range stored[id] {
			delta.program(r, -1)
		}
		for _, r := range want[id] {
			delta.program(r, 1)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	if err := sc.rows(tx, "household_programs").Where("household_programs.household_id IN ?", stale).
		Delete(&models.HouseholdProgram{}).Error; err != nil {
		return err
	}
	if len(fresh) == 0 {
		return nil
	}
	return tx.CreateInBatches(fresh, 500).Error
}

// tallyFields are the fields of models.HouseholdTally, in the order of their columns.
var tallyFields = []string{"MemberCount", "Served", "InGrace", "CommittedMonthly", "TalliedArea"}

// tallyTables are the tables of the tallies besides the households' columns.
var tallyTables = []any{&models.HouseholdProgram{}, &models.AreaTally{}, &models.AreaProgramTally{}}

// recountBatch is how many households or villages one round of a recount takes.
const recountBatch = 500

// recountUnscoped counts afresh, inside tx, the tallies and programs of the
// households ids and the tallies of the villages areas, from the tables, in set-based
// statements of at most recountBatch households or villages, for no caller. areas must
// hold the villages of the households. It is for SeedUnscoped; the API's writes keep the
// tallies with refresh.
func (r *Derived) recountUnscoped(tx *gorm.DB, ids, areas []string) error {
	s := r.s
	for start := 0; start < len(ids); start += recountBatch {
		if err := s.Derived().recountHouseholds(tx, ids[start:min(start+recountBatch, len(ids))]); err != nil {
			return err
		}
	}
	for start := 0; start < len(areas); start += recountBatch {
		if err := recountAreas(tx, areas[start:min(start+recountBatch, len(areas))]); err != nil {
			return err
		}
	}
	return nil
}

// RecountTalliesUnscoped counts every tally afresh from the households, members and
// grants, in a few set-based statements in one transaction, for no caller. It is for
// data loaded in bulk behind the store's back (the benchmark's COPY) and for checks;
// the store keeps the tallies itself. It returns the database's errors.
func (r *Derived) RecountTalliesUnscoped(ctx context.Context) error {
	s := r.s
	return wrap("recount tallies", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.Derived().recountHouseholds(tx, nil); err != nil {
			return err
		}
		return recountAreas(tx, nil)
	}))
}

// RecountAreaTalliesUnscoped counts the villages' tallies afresh from the households'
// tallies and programs, for no caller: it is for the benchmark's loader, which writes
// those with the households. It returns the database's errors.
func (r *Derived) RecountAreaTalliesUnscoped(ctx context.Context) error {
	s := r.s
	return wrap("recount area tallies", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return recountAreas(tx, nil)
	}))
}

// recountHouseholds sets the tally and the programs of the households ids (of every
// household when ids is nil) from the members and grants tables: one UPDATE of the
// households, one DELETE and one INSERT … SELECT of their programs.
func (r *Derived) recountHouseholds(tx *gorm.DB, ids []string) error {
	s := r.s
	households, grants := "", ""
	var args []any
	if ids != nil {
		households, grants = "WHERE households.id IN ?", "AND grants.household_id IN ?"
		args = []any{ids}
	}
	// Codes are ordered byte by byte, as Go orders them in programRows.
	collate := ""
	if s.dialect == Postgres {
		collate = ` COLLATE "C"`
	}
	recurring := catalogue.Recurring()
	update := fmt.Sprintf(`UPDATE households SET
		member_count = (SELECT COUNT(*) FROM members WHERE members.household_id = households.id),
		served = EXISTS (SELECT 1 FROM grants WHERE grants.household_id = households.id
			AND grants.status IN %[1]s),
		in_grace = EXISTS (SELECT 1 FROM grants WHERE grants.household_id = households.id
			AND grants.status = '%[2]s'),
		committed_monthly = (SELECT COALESCE(SUM(grants.amount), 0) FROM grants
			WHERE grants.household_id = households.id AND grants.status IN %[1]s AND grants.program_code IN ?),
		tallied_area = households.area_code
		%[3]s`, receivingSQL, models.GrantGrace, households)
	if err := tx.Exec(update, append([]any{recurring}, args...)...).Error; err != nil {
		return err
	}
	del := tx.Session(&gorm.Session{AllowGlobalUpdate: true}).Table("household_programs")
	if ids != nil {
		del = del.Where("household_id IN ?", ids)
	}
	if err := del.Delete(&models.HouseholdProgram{}).Error; err != nil {
		return err
	}
	insert := fmt.Sprintf(`INSERT INTO household_programs (household_id, program_code, category_code, area_code,
			first_of_program, first_of_category, member_count, in_grace, committed_monthly)
		SELECT p.household_id, p.program_code, p.category_code, households.area_code,
			ROW_NUMBER() OVER (PARTITION BY p.household_id, p.program_code ORDER BY p.category_code%[4]s) = 1,
			ROW_NUMBER() OVER (PARTITION BY p.household_id, p.category_code ORDER BY p.program_code%[4]s) = 1,
			households.member_count, p.in_grace, p.committed
		FROM (SELECT grants.household_id, grants.program_code, grants.category_code,
				MAX(CASE WHEN grants.status = '%[2]s' THEN 1 ELSE 0 END) = 1 AS in_grace,
				COALESCE(SUM(CASE WHEN grants.program_code IN ? THEN grants.amount ELSE 0 END), 0) AS committed
			FROM grants WHERE grants.status IN %[1]s %[3]s
			GROUP BY grants.household_id, grants.program_code, grants.category_code) p
		JOIN households ON households.id = p.household_id`, receivingSQL, models.GrantGrace, grants, collate)
	return tx.Exec(insert, append([]any{recurring}, args...)...).Error
}

// recountAreas sets the tallies of the villages areas (of every village when areas is
// nil) from their households' tallies and programs: one DELETE and one INSERT … SELECT
// per table. The households' tallies must be right.
func recountAreas(tx *gorm.DB, areas []string) error {
	where := ""
	var args []any
	if areas != nil {
		where = "WHERE area_code IN ?"
		args = []any{areas}
	}
	stmts := []string{
		`DELETE FROM area_tallies ` + where,
		`INSERT INTO area_tallies (area_code, households, low_income, members, active, active_persons, grace,
			committed_monthly)
		SELECT area_code, COUNT(*), SUM(CASE WHEN low_income THEN 1 ELSE 0 END), COALESCE(SUM(member_count), 0),
			SUM(CASE WHEN served THEN 1 ELSE 0 END), COALESCE(SUM(CASE WHEN served THEN member_count ELSE 0 END), 0),
			SUM(CASE WHEN in_grace THEN 1 ELSE 0 END), COALESCE(SUM(committed_monthly), 0)
		FROM households ` + where + ` GROUP BY area_code`,
		`DELETE FROM area_program_tallies ` + where,
		`INSERT INTO area_program_tallies (area_code, program_code, category_code, program_households,
			program_persons, category_households, category_persons, committed_monthly)
		SELECT area_code, program_code, category_code,
			SUM(CASE WHEN first_of_program THEN 1 ELSE 0 END),
			COALESCE(SUM(CASE WHEN first_of_program THEN member_count ELSE 0 END), 0),
			SUM(CASE WHEN first_of_category THEN 1 ELSE 0 END),
			COALESCE(SUM(CASE WHEN first_of_category THEN member_count ELSE 0 END), 0),
			COALESCE(SUM(committed_monthly), 0)
		FROM household_programs ` + where + ` GROUP BY area_code, program_code, category_code`,
	}
	for _, q := range stmts {
		if err := tx.Exec(q, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// add adds the tallies' columns to a households table that lacks them, and the
// tallies' tables, and counts them all from the members and grants, in one transaction:
// a database is never left with them but without their values. It does nothing on a new
// database, where AutoMigrate creates them, nor on one that has them.
func (r *Derived) add(db *gorm.DB) error {
	s := r.s
	m := db.Migrator()
	if !m.HasTable(&models.Household{}) {
		return nil
	}
	var missing []string
	for _, f := range tallyFields {
		if !m.HasColumn(&models.Household{}, f) {
			missing = append(missing, f)
		}
	}
	complete := len(missing) == 0
	for _, t := range tallyTables {
		complete = complete && m.HasTable(t)
	}
	if complete {
		return nil
	}
	return db.Transaction(func(tx *gorm.DB) error {
		for _, f := range missing {
			if err := tx.Migrator().AddColumn(&models.Household{}, f); err != nil {
				return fmt.Errorf("add households.%s: %w", f, err)
			}
		}
		if err := tx.Migrator().AutoMigrate(tallyTables...); err != nil {
			return err
		}
		if err := s.Derived().recountHouseholds(tx, nil); err != nil {
			return err
		}
		return recountAreas(tx, nil)
	})
}
