package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"gorm.io/gorm"

	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// approvedStatuses are the statuses a grant reaches only once approved.
var approvedStatuses = []string{string(models.GrantActive), string(models.GrantGrace),
	string(models.GrantSuspended), string(models.GrantTerminated)}

// stoppedStatuses are the statuses of an approved grant that no longer pays.
var stoppedStatuses = []string{string(models.GrantSuspended), string(models.GrantTerminated)}

// Months of trends: the default and the bounds of the months argument.
const (
	DefaultTrendMonths = 12
	MaxTrendMonths     = 36
)

// shanghai is the time zone in which the months of trends are counted.
var shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// childPrefix returns the number of significant digits of the children of a unit of
// level: 6 under the city, 9 under a county, 12 under a township. A village has no
// children; its own 12 digits group its records.
func childPrefix(level models.Level) int {
	switch level {
	case models.LevelCity:
		return 6
	case models.LevelCounty:
		return 9
	default:
		return 12
	}
}

// unitExpr is the SQL expression that groups the rows of table by the child unit of
// the area, from the first n digits of area_code. substr works alike on SQLite and
// PostgreSQL; n is one of 6, 9 and 12, never input.
func unitExpr(table string, n int) string {
	return fmt.Sprintf("substr(%s.area_code, 1, %d)", table, n)
}

// unitCode pads a prefix of n digits back to a 12-digit code.
func unitCode(prefix string) string {
	if len(prefix) >= division.CodeLength {
		return prefix
	}
	return prefix + strings.Repeat("0", division.CodeLength-len(prefix))
}

// areaCode returns the code an optional area argument names, the caller's own area when
// it names none. Call it after s.area has accepted the argument.
func (sc Scope) areaCode(code *string) string {
	if code == nil || *code == "" {
		return sc.p.Area
	}
	return *code
}

// unitHouseholds is one row of the villages' tallies (models.AreaTally) added up by child
// unit: households, the low-income ones (P17), members and active recipients.
type unitHouseholds struct {
	Unit          string
	N             int
	LowIncome     int
	Members       int
	Active        int
	ActivePersons int
	Grace         int
	Committed     int64
}

// unitPrograms is one row of the villages' tallies by program and category
// (models.AreaProgramTally) added up by child unit, program and category.
type unitPrograms struct {
	Unit               string
	Program            string
	Category           string
	ProgramHouseholds  int
	ProgramPersons     int
	CategoryHouseholds int
	CategoryPersons    int
	Committed          int64
}

// unitActive is one row of an integrator's active recipients grouped by child unit.
type unitActive struct {
	Unit      string
	Active    int
	Persons   int
	Grace     int
	Committed int64
}

// unitPopulation is one row of the townships' population grouped by child unit.
type unitPopulation struct {
	Unit      string
	Total     int64
	Known     int
	Townships int
}

// Stats reads the figures of the dashboard: the figures of an area and its children,
// and the monthly trends. Its reads are narrowed by the caller's scope.
type Stats struct{ s *Store }

// Stats returns the reads of the dashboard's figures.
func (s *Store) Stats() *Stats { return &Stats{s: s} }

// Area returns the figures of area (the caller's own area when nil) and of each of
// its children, counted inside the caller's scope: households, members, active
// recipients by program and category, money committed per month, grace-period
// households, population and coverage. Integrators count only the grants of their
// categories. It runs the same fixed number of SQL statements whatever the level of area
// and the number of its children, and adds up the villages' tallies (models.AreaTally,
// models.AreaProgramTally) rather than members and grants, so that the city of a million
// households costs a pass over its five thousand villages. It returns a
// *models.FieldError (field "area") for a code that is not a jurisdiction and a Forbidden
// error for one outside the caller's subtree.
func (t *Stats) Area(ctx context.Context, sc Scope, area *string) (*models.AreaStats, error) {
	s := t.s
	lo, hi, err := s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	code := sc.areaCode(area)
	unit, _ := s.tree.Unit(code)
	n := childPrefix(unit.Level)
	db := s.db.WithContext(ctx)

	// Households, members and active recipients, by program and category too, from the
	// villages' tallies; an integrator's active recipients from the households' programs.
	households, err := areaTallies(db, sc, lo, hi, n)
	if err != nil {
		return nil, wrap("area stats: households", err)
	}
	byCode, err := areaProgramTallies(db, sc, lo, hi, n)
	if err != nil {
		return nil, wrap("area stats: programs", err)
	}
	var active []unitActive
	if sc.p.Role == models.RoleIntegrator {
		if active, err = integratorActive(db, sc, lo, hi, n); err != nil {
			return nil, wrap("area stats: active recipients", err)
		}
	}

	// The jurisdictions themselves (public data): the area and its children, and the
	// population of the townships under each child.
	var units []*models.Jurisdiction
	if err := db.Where("code = ? OR parent_code = ?", code, code).Order("code").Find(&units).Error; err != nil {
		return nil, wrap("area stats: jurisdictions", err)
	}
	var pops []unitPopulation
	pu := fmt.Sprintf("substr(jurisdictions.code, 1, %d)", n)
	err = townshipsWithin(db, lo, hi).
		Select(pu + ` AS unit, CAST(COALESCE(SUM(jurisdictions.population), 0) AS BIGINT) AS total,
			COUNT(jurisdictions.population) AS known, COUNT(*) AS townships`).
		Group(pu).Scan(&pops).Error
	if err != nil {
		return nil, wrap("area stats: population", err)
	}
	var programs []*models.Program
	if err := db.Order("sort_order").Order("code").Find(&programs).Error; err != nil {
		return nil, wrap("area stats: programs", err)
	}
	var categories []*models.Category
	if err := db.Order("sort_order").Order("code").Find(&categories).Error; err != nil {
		return nil, wrap("area stats: categories", err)
	}

	// Assemble: one node per child in code order; every row also adds to the area's
	// totals, so records attached to the area itself count there and nowhere else.
	root := &models.AreaStats{}
	nodes := map[string]*models.AreaStats{}
	for _, j := range units {
		if j.Code == code {
			root.Area = j
			continue
		}
		st := &models.AreaStats{Area: j}
		nodes[j.Code] = st
		root.Children = append(root.Children, st)
	}
	if root.Area == nil {
		return nil, wrap("area stats", fmt.Errorf("jurisdiction %s is not loaded", code))
	}
	each := func(prefix string, f func(st *models.AreaStats)) {
		f(root)
		if c := unitCode(prefix); c != code {
			if st, ok := nodes[c]; ok {
				f(st)
			}
		}
	}
	// Low-income households (P17) depend on dibao and 特困 grants: an integrator that does
	// not see both gets null (see categoryview.go).
	lowIncome := sc.readsLowIncome()
	if lowIncome {
		for _, st := range append([]*models.AreaStats{root}, root.Children...) {
			st.LowIncomeHouseholds = new(int)
		}
	}
	for _, r := range households {
		each(r.Unit, func(st *models.AreaStats) {
			st.Households += r.N
			if lowIncome {
				*st.LowIncomeHouseholds += r.LowIncome
			}
			st.Members += r.Members
			if sc.p.Role != models.RoleIntegrator {
				st.ActiveHouseholds += r.Active
				st.ActivePersons += r.ActivePersons
				st.GraceHouseholds += r.Grace
				st.CommittedMonthly += models.Money(r.Committed)
			}
		})
	}
	for _, r := range active {
		each(r.Unit, func(st *models.AreaStats) {
			st.ActiveHouseholds += r.Active
			st.ActivePersons += r.Persons
			st.GraceHouseholds += r.Grace
			st.CommittedMonthly += models.Money(r.Committed)
		})
	}
	programIndex := map[string]int{}
	for i, p := range programs {
		programIndex[p.Code] = i
	}
	categoryIndex := map[string]int{}
	for i, c := range categories {
		categoryIndex[c.Code] = i
	}
	progAcc := map[*models.AreaStats][]*models.ProgramStats{}
	catAcc := map[*models.AreaStats][]*models.CategoryStats{}
	for _, r := range byCode {
		if i, ok := programIndex[r.Program]; ok && r.ProgramHouseholds > 0 {
			each(r.Unit, func(st *models.AreaStats) {
				e := statEntry(progAcc, st, len(programs), i, func() *models.ProgramStats {
					return &models.ProgramStats{Program: programs[i]}
				})
				e.Households += r.ProgramHouseholds
				e.Persons += r.ProgramPersons
				e.CommittedMonthly += models.Money(r.Committed)
			})
		}
		if i, ok := categoryIndex[r.Category]; ok && r.CategoryHouseholds > 0 {
			each(r.Unit, func(st *models.AreaStats) {
				e := statEntry(catAcc, st, len(categories), i, func() *models.CategoryStats {
					return &models.CategoryStats{Category: categories[i]}
				})
				e.Households += r.CategoryHouseholds
				e.Persons += r.CategoryPersons
				e.CommittedMonthly += models.Money(r.Committed)
			})
		}
	}
	popByUnit := map[string]unitPopulation{}
	var popAll unitPopulation
	for _, r := range pops {
		popByUnit[unitCode(r.Unit)] = r
		popAll.Total += r.Total
		popAll.Known += r.Known
		popAll.Townships += r.Townships
	}
	finish := func(st *models.AreaStats, p unitPopulation) {
		st.ByProgram = compact(progAcc[st])
		st.ByCategory = compact(catAcc[st])
		if st.Children == nil {
			st.Children = []*models.AreaStats{}
		}
		st.Population = population(st.Area, p)
		if st.Population != nil && *st.Population > 0 {
			c := math.Round(float64(st.ActivePersons)*1000*100/float64(*st.Population)) / 100
			st.CoveragePerThousand = &c
		}
	}
	finish(root, popAll)
	for _, st := range root.Children {
		finish(st, popByUnit[st.Area.Code])
	}
	return root, nil
}

// areaTallies adds up the villages' tallies (models.AreaTally) of [lo, hi] in the
// caller's scope by child unit, the first n digits of the area code.
func areaTallies(db *gorm.DB, sc Scope, lo, hi string, n int) ([]unitHouseholds, error) {
	var out []unitHouseholds
	u := unitExpr("area_tallies", n)
	err := sc.within(db, "area_tallies", lo, hi).Select(u + ` AS unit,
		CAST(COALESCE(SUM(area_tallies.households), 0) AS BIGINT) AS n,
		CAST(COALESCE(SUM(area_tallies.low_income), 0) AS BIGINT) AS low_income,
		CAST(COALESCE(SUM(area_tallies.members), 0) AS BIGINT) AS members,
		CAST(COALESCE(SUM(area_tallies.active), 0) AS BIGINT) AS active,
		CAST(COALESCE(SUM(area_tallies.active_persons), 0) AS BIGINT) AS active_persons,
		CAST(COALESCE(SUM(area_tallies.grace), 0) AS BIGINT) AS grace,
		CAST(COALESCE(SUM(area_tallies.committed_monthly), 0) AS BIGINT) AS committed`).
		Group(u).Scan(&out).Error
	return out, err
}

// areaProgramTallies adds up the villages' tallies by program and category
// (models.AreaProgramTally) of [lo, hi] in the caller's scope by child unit, the first n
// digits of the area code, and by program and category; for integrators, those of the
// categories of their token.
func areaProgramTallies(db *gorm.DB, sc Scope, lo, hi string, n int) ([]unitPrograms, error) {
	q := sc.programTalliesWithin(db, lo, hi)
	var out []unitPrograms
	u := unitExpr("area_program_tallies", n)
	err := q.Select(u + ` AS unit,
		area_program_tallies.program_code AS program, area_program_tallies.category_code AS category,
		CAST(COALESCE(SUM(area_program_tallies.program_households), 0) AS BIGINT) AS program_households,
		CAST(COALESCE(SUM(area_program_tallies.program_persons), 0) AS BIGINT) AS program_persons,
		CAST(COALESCE(SUM(area_program_tallies.category_households), 0) AS BIGINT) AS category_households,
		CAST(COALESCE(SUM(area_program_tallies.category_persons), 0) AS BIGINT) AS category_persons,
		CAST(COALESCE(SUM(area_program_tallies.committed_monthly), 0) AS BIGINT) AS committed`).
		Group(u + ", area_program_tallies.program_code, area_program_tallies.category_code").Scan(&out).Error
	return out, err
}

// integratorActive counts an integrator's active recipients of [lo, hi] by child unit
// (the first n digits of the area code), from the households' programs of its
// categories: each household once, with its members, whether one of those programs is in
// GRACE and their money committed per month. The villages' tallies count every
// category, so this one reads the households' programs.
func integratorActive(db *gorm.DB, sc Scope, lo, hi string, n int) ([]unitActive, error) {
	perHousehold := sc.householdProgramsWithin(db.Session(&gorm.Session{NewDB: true}), lo, hi).
		Select(`household_programs.household_id, household_programs.area_code,
			MAX(household_programs.member_count) AS persons,
			MAX(CASE WHEN household_programs.in_grace THEN 1 ELSE 0 END) AS grace,
			SUM(household_programs.committed_monthly) AS committed`).
		Group("household_programs.household_id, household_programs.area_code")
	u := unitExpr("a", n)
	var out []unitActive
	err := db.Table("(?) AS a", perHousehold).Select(u + ` AS unit, COUNT(*) AS active,
		CAST(COALESCE(SUM(a.persons), 0) AS BIGINT) AS persons, SUM(a.grace) AS grace,
		CAST(COALESCE(SUM(a.committed), 0) AS BIGINT) AS committed`).Group(u).Scan(&out).Error
	return out, err
}

// statEntry returns entry i of st's list in acc (one entry per program or category),
// making the list, n long, and the entry, with newEntry, when they are missing.
func statEntry[T any](acc map[*models.AreaStats][]*T, st *models.AreaStats, n, i int, newEntry func() *T) *T {
	list := acc[st]
	if list == nil {
		list = make([]*T, n)
		acc[st] = list
	}
	if list[i] == nil {
		list[i] = newEntry()
	}
	return list[i]
}

// population returns the population of j: its own when set, else for a city or county
// the sum of its townships' when every one of them is known, else nil.
func population(j *models.Jurisdiction, p unitPopulation) *int {
	if j.Population != nil {
		v := *j.Population
		return &v
	}
	if (j.Level == models.LevelCity || j.Level == models.LevelCounty) && p.Townships > 0 && p.Known == p.Townships {
		v := int(p.Total)
		return &v
	}
	return nil
}

// compact drops the nil entries of a list indexed by catalogue position, keeping order.
func compact[T any](list []*T) []*T {
	out := []*T{}
	for _, x := range list {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// Trends returns the monthly figures of area (the caller's own area when nil) for the
// last months calendar months in Asia/Shanghai time, the current one included, oldest
// first: grants opened, approvals, terminations, the money committed by the recurring
// grants paying in each month and the money paid in it (payroll lines reconciled PAID, by
// the month of their settlement). The use case checks months against MaxTrendMonths. It
// runs four SQL statements whatever the number of months. It returns a
// *models.FieldError for months below 1 (field "months") or an unknown area (field
// "area"), and a Forbidden error for an area outside the caller's subtree.
func (t *Stats) Trends(ctx context.Context, sc Scope, area *string, months int) (*models.Trends, error) {
	s := t.s
	n := months
	if n < 1 {
		return nil, models.Invalid("months", "must be at least 1, not %d", n)
	}
	lo, hi, err := s.area(sc, "area", area)
	if err != nil {
		return nil, err
	}
	code := sc.areaCode(area)
	db := s.db.WithContext(ctx)

	// bounds[i] is the instant month i begins in Shanghai, bounds[n] the end of the
	// current month. Instants are bound in UTC, the zone every time stamp is written in,
	// so that they compare alike on PostgreSQL and as SQLite text.
	now := s.now().In(shanghai)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, shanghai)
	bounds := make([]time.Time, n+1)
	out := &models.Trends{Months: make([]*models.TrendMonth, n)}
	for i := range bounds {
		bounds[i] = first.AddDate(0, i, 0).UTC()
		if i < n {
			out.Months[i] = &models.TrendMonth{Month: first.AddDate(0, i, 0).Format("2006-01")}
		}
	}

	// Events: one bucket per month, found by a CASE over the month bounds.
	var bucket strings.Builder
	bucket.WriteString("CASE")
	args := make([]any, 0, n+4)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&bucket, " WHEN grant_events.created_at < ? THEN %d", i-1)
		args = append(args, bounds[i])
	}
	bucket.WriteString(" END")
	args = append(args, string(models.GrantActive), string(models.GrantReviewed), string(models.GrantTerminated))
	type eventRow struct {
		Bucket       int
		Opened       int
		Approvals    int
		Terminations int
	}
	var events []eventRow
	err = sc.eventsWithin(db, lo, hi).
		Where("grant_events.created_at >= ? AND grant_events.created_at < ?", bounds[0], bounds[n]).
		Select(bucket.String()+` AS bucket,
			COUNT(CASE WHEN grant_events.from_status IS NULL THEN 1 END) AS opened,
			COUNT(CASE WHEN grant_events.to_status = ? AND (grant_events.from_status IS NULL OR grant_events.from_status = ?) THEN 1 END) AS approvals,
			COUNT(CASE WHEN grant_events.to_status = ? THEN 1 END) AS terminations`, args...).
		Group("bucket").Scan(&events).Error
	if err != nil {
		return nil, wrap("trends: events", err)
	}
	for _, e := range events {
		if e.Bucket < 0 || e.Bucket >= n {
			continue
		}
		m := out.Months[e.Bucket]
		m.NewApplications, m.Approvals, m.Terminations = e.Opened, e.Approvals, e.Terminations
	}

	// Money: one column per month, summing the recurring grants paying in it.
	lifetimes := sc.eventsWithin(db.Session(&gorm.Session{NewDB: true}), lo, hi).
		Select(`grant_events.grant_id,
			MIN(CASE WHEN grant_events.to_status IN ? THEN grant_events.created_at END) AS approved_at,
			MAX(CASE WHEN grant_events.to_status IN ? THEN grant_events.created_at END) AS stopped_at`,
			approvedStatuses, stoppedStatuses).
		Group("grant_events.grant_id")
	var cols strings.Builder
	args = args[:0]
	for i := 0; i < n; i++ {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, `CAST(COALESCE(SUM(CASE WHEN e.approved_at < ? AND grants.start_date <= ?
			AND (grants.end_date IS NULL OR grants.end_date >= ?)
			AND (grants.status IN ? OR e.stopped_at >= ?) THEN grants.amount ELSE 0 END), 0) AS BIGINT) AS m%d`, i)
		firstDay := models.DateOf(bounds[i].In(shanghai))
		lastDay := models.DateOf(bounds[i+1].In(shanghai).AddDate(0, 0, -1))
		args = append(args, bounds[i+1], lastDay, firstDay, activeStatuses, bounds[i])
	}
	sums := make([]int64, n)
	err = scanRow(sc.grantsWithin(db, lo, hi).
		Joins("JOIN (?) AS e ON e.grant_id = grants.id", lifetimes).
		Where("grants.program_code IN ?", catalogue.Recurring()).
		Where("grants.status IN ?", approvedStatuses).
		Select(cols.String(), args...), sums)
	if err != nil {
		return nil, wrap("trends: amounts", err)
	}
	for i, v := range sums {
		out.Months[i].Committed = models.Money(v)
	}
	// Money paid: the payroll lines reconciled PAID, by the month of their settlement
	// (as areaStats.paidThisMonth counts them), one column per month.
	cols.Reset()
	args = args[:0]
	for i := 0; i < n; i++ {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, `CAST(COALESCE(SUM(CASE WHEN payroll_lines.settled_at >= ? AND payroll_lines.settled_at < ?
			THEN payroll_lines.amount ELSE 0 END), 0) AS BIGINT) AS p%d`, i)
		args = append(args, bounds[i], bounds[i+1])
	}
	paid := make([]int64, n)
	err = scanRow(sc.paidLinesWithin(db, lo, hi).
		Where("payroll_lines.settled_at >= ? AND payroll_lines.settled_at < ?", bounds[0], bounds[n]).
		Select(cols.String(), args...), paid)
	if err != nil {
		return nil, wrap("trends: paid", err)
	}
	for i, v := range paid {
		out.Months[i].Paid = models.Money(v)
	}
	var j models.Jurisdiction
	if err := db.Where("code = ?", code).Take(&j).Error; err != nil {
		return nil, wrap("trends: jurisdiction", err)
	}
	out.Area = &j
	return out, nil
}

// scanRow runs q, which selects len(into) integer columns, and reads its first row into
// into (left as it is when there is none). The rows are closed before it returns, so that
// the connection they hold goes back to the pool before the caller's next statement: a
// request never holds one connection while it waits for another, which, with every
// connection of the pool held that way, would wait for ever. Errors are the database's.
func scanRow(q *gorm.DB, into []int64) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]any, len(into))
	for i := range into {
		dest[i] = &into[i]
	}
	if rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SetPopulationsUnscoped records the resident population of jurisdictions, by code, for
// no caller. It is for seeding demo data and tests; it returns a *models.FieldError for a
// code that is not a jurisdiction or a negative population, and writes nothing then.
func (r *Stats) SetPopulationsUnscoped(ctx context.Context, populations map[string]int) error {
	s := r.s
	for code, p := range populations {
		if _, ok := s.tree.Unit(code); !ok {
			return models.Invalid("code", "%s is not a jurisdiction code", privacy.Quote(code))
		}
		if p < 0 {
			return models.Invalid("population", "must not be negative, not %d", p)
		}
	}
	err := s.db.WithContext(systemScope(ctx)).Transaction(func(tx *gorm.DB) error {
		for code, p := range populations {
			if err := tx.Model(&models.Jurisdiction{}).Where("code = ?", code).Update("population", p).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return wrap("set populations", err)
}
