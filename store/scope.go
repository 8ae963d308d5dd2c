package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// Scope is a caller's reach: the range of area codes of its subtree and, for
// integrators, the program categories it may see. It is built once from the caller
// (ScopeFor) and every read, count and write of a scoped table is narrowed by it here,
// in this file. The zero Scope reaches nothing.
type Scope struct {
	p      auth.Principal
	lo, hi string
}

// ScopeFor returns the scope of principal p.
func ScopeFor(p auth.Principal) Scope {
	lo, hi := division.Range(p.Area)
	return Scope{p: p, lo: lo, hi: hi}
}

// Principal returns the caller the scope was built for.
func (sc Scope) Principal() auth.Principal { return sc.p }

// rlsRange returns the range of area codes that the statements of ctx may see: every
// code for system work, the subtree of the verified caller (division.Range of its area,
// as ScopeFor computes it), and an empty range without a caller, which lets no row
// through the policy. It is the scope that row-level security (rls.go) gives every
// statement, beneath the narrowings of this file.
func rlsRange(ctx context.Context) (lo, hi string) {
	if ctx.Value(systemKey{}) != nil {
		return allAreasLo, allAreasHi
	}
	p, err := auth.FromContext(ctx)
	if err != nil {
		return noCallerLo, noCallerHi
	}
	return division.Range(p.Area)
}

// rlsCondition is the USING and WITH CHECK expression of the policy. A setting never set
// on the connection is NULL, so the comparison is not true and no row passes; a context
// without a caller sets an empty range (noCallerLo > noCallerHi), which no code lies in.
// (A session whose settings are the empty string, as a transaction-local value leaves
// them, would match only an empty code, which no row has: codes have twelve digits.)
// current_setting is stable, so the planner uses the range as an index condition and,
// estimating, reads the values set before the statement; in a filter it is called for
// every row, which BENCHMARKS.md measures.
const rlsCondition = `area_code BETWEEN current_setting('jiuzhu.lo', true) AND current_setting('jiuzhu.hi', true)`

// bind returns ctx carrying sc's caller unless it carries one already, so that
// row-level security, which reads the caller from the context (rlsRange), holds a
// statement made with an explicit scope to the same range; a command run without a
// caller in its context would otherwise see no row.
func (sc Scope) bind(ctx context.Context) context.Context {
	if _, err := auth.FromContext(ctx); err == nil || ctx.Value(systemKey{}) != nil {
		return ctx
	}
	return auth.WithPrincipal(ctx, sc.p)
}

// rows returns db limited to the rows of table whose area_code lies in the scope. Every
// read, count and write of a scoped table starts here.
func (sc Scope) rows(db *gorm.DB, table string) *gorm.DB {
	return db.Table(table).Where(table+".area_code BETWEEN ? AND ?", sc.lo, sc.hi)
}

// inScope is the predicate of rows for raw SQL (a set-based UPDATE … FROM): the
// condition that table's area_code lies in the scope, and its arguments.
func (sc Scope) inScope(table string) (string, []any) {
	return table + ".area_code BETWEEN ? AND ?", []any{sc.lo, sc.hi}
}

// within is rows narrowed further to the sub-range lo..hi of the scope (an area argument
// resolved by Store.area): the one place where a narrowing by area is written.
func (sc Scope) within(db *gorm.DB, table, lo, hi string) *gorm.DB {
	return sc.rows(db, table).Where(table+".area_code BETWEEN ? AND ?", lo, hi)
}

// grantRows is rows for the grants table, narrowed for integrators to the categories of
// their token.
func (sc Scope) grantRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "grants")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("grants.category_code IN ?", nonEmpty(sc.p.Categories))
	}
	return q
}

// visibleGrant is the subquery of the id of grant id when sc sees it (grantRows), for
// the reads of the records that belong to a grant: its events, its calculation and its
// medical claim.
func (sc Scope) visibleGrant(db *gorm.DB, id string) *gorm.DB {
	return sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("grants.id").Where("grants.id = ?", id)
}

// referralRows is rows for the referrals table, narrowed for integrators to the
// referrals of the department of their token and of their categories: an integrator
// without a department has no referral queue.
func (sc Scope) referralRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "referrals")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("referrals.department = ? AND referrals.category_code IN ?", string(sc.p.Department), nonEmpty(sc.p.Categories))
	}
	return q
}

// referralsWithin is referralRows narrowed to an area argument's range lo–hi (from
// Store.area), as within is for the other tables.
func (sc Scope) referralsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.referralRows(db).Where("referrals.area_code BETWEEN ? AND ?", lo, hi)
}

// grantsWithin is grantRows narrowed further to the sub-range lo..hi of the scope.
func (sc Scope) grantsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.grantRows(db).Where("grants.area_code BETWEEN ? AND ?", lo, hi)
}

// countyOf returns the county code of code, or "" for the city and malformed codes.
func countyOf(code string) string {
	switch division.LevelOf(code) {
	case models.LevelCounty, models.LevelTownship, models.LevelVillage:
		return code[:6] + "000000"
	default:
		return ""
	}
}

// standardRows returns the dibao standards the caller may read. Standards are published
// figures that every level below a county works with, so a caller sees those of its own
// county (and the city all of them) rather than only those inside its subtree; they hold
// no personal data.
func (sc Scope) standardRows(db *gorm.DB) *gorm.DB {
	lo, hi := sc.lo, sc.hi
	if c := countyOf(sc.p.Area); c != "" {
		lo, hi = division.Range(c)
	}
	return db.Table("dibao_standards").Where("dibao_standards.area_code BETWEEN ? AND ?", lo, hi)
}

// settingRows returns the program settings the caller may read: the city-wide ones and,
// like the dibao standards (standardRows), those of its own county (the city sees every
// county's). A setting names the admin who made it and why, so another county's are not
// shown.
func (sc Scope) settingRows(db *gorm.DB) *gorm.DB {
	lo, hi := sc.lo, sc.hi
	if c := countyOf(sc.p.Area); c != "" {
		lo, hi = division.Range(c)
	}
	return db.Table("program_settings").Where("program_settings.area_code = ? OR program_settings.area_code BETWEEN ? AND ?", division.CityCode, lo, hi)
}

// parameterRows returns the entitlement parameters the caller may read: like the dibao
// standards (standardRows), a county's published figures, seen by every level of the
// county and by the city.
func (sc Scope) parameterRows(db *gorm.DB) *gorm.DB {
	lo, hi := sc.lo, sc.hi
	if c := countyOf(sc.p.Area); c != "" {
		lo, hi = division.Range(c)
	}
	return db.Table("entitlement_parameters").Where("entitlement_parameters.area_code BETWEEN ? AND ?", lo, hi)
}

// standardsOf is standardRows narrowed to the standards that concern area code: those of
// its county, for a code at county level or below, and those of every county in its
// subtree for the city.
func (sc Scope) standardsOf(db *gorm.DB, code string) *gorm.DB {
	lo, hi := division.Range(code)
	if c := countyOf(code); c != "" {
		lo, hi = division.Range(c)
	}
	return sc.standardRows(db).Where("dibao_standards.area_code BETWEEN ? AND ?", lo, hi)
}

// numbered is the scope's predicate on table for a statement written in PostgreSQL's
// numbered placeholders, its bounds at $n and $n+1 (pass bounds after the other
// arguments), for the few statements that gorm does not build.
func (sc Scope) numbered(table string, n int) string {
	return fmt.Sprintf("%s.area_code BETWEEN $%d AND $%d", table, n, n+1)
}

// bounds returns the arguments of numbered: the scope's lowest and highest area code.
func (sc Scope) bounds() []any { return []any{sc.lo, sc.hi} }

// eventRows is rows for the grant_events table, narrowed for integrators to the events of
// the grants they may see.
func (sc Scope) eventRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "grant_events")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("grant_events.grant_id IN (?)",
			sc.grantRows(db.Session(&gorm.Session{NewDB: true})).Select("grants.id"))
	}
	return q
}

// eventsWithin is eventRows narrowed further to the sub-range lo..hi of the scope.
func (sc Scope) eventsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.eventRows(db).Where("grant_events.area_code BETWEEN ? AND ?", lo, hi)
}

// programTalliesWithin is the villages' tallies by program and category
// (area_program_tallies) of the sub-range lo..hi of the scope, narrowed for integrators
// to the categories of their token.
func (sc Scope) programTalliesWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	q := sc.within(db, "area_program_tallies", lo, hi)
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("area_program_tallies.category_code IN ?", nonEmpty(sc.p.Categories))
	}
	return q
}

// householdProgramsWithin is the households' programs (household_programs) of the
// sub-range lo..hi of the scope, narrowed to the categories of the caller's token: it
// serves the integrators' figures, which count only those categories.
func (sc Scope) householdProgramsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.within(db, "household_programs", lo, hi).
		Where("household_programs.category_code IN ?", nonEmpty(sc.p.Categories))
}

// changeRows is rows for the change log, narrowed for integrators to the categories of
// their token: the grants of those, as grantRows narrows the grants themselves, and the
// changes of households and members that a grant's write caused, which carry the grant's
// category (refreshForGrant); other changes carry none.
func (sc Scope) changeRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "change_log")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("(change_log.category_code IS NULL OR change_log.category_code IN ?)", nonEmpty(sc.p.Categories)).
			Where("change_log.entity <> ?", models.EntityGrievance) // grievances are civil-affairs work
	}
	return q
}

// payrollLineRows is rows for payroll lines, narrowed for integrators to the lines of
// grants of their categories, as grantRows narrows the grants.
func (sc Scope) payrollLineRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "payroll_lines")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("payroll_lines.category_code IN ?", nonEmpty(sc.p.Categories))
	}
	return q
}

// paidLinesWithin is payrollLineRows narrowed to the sub-range lo..hi of the scope and
// to the lines reconciled PAID: the money paid in an area.
func (sc Scope) paidLinesWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.payrollLineRows(db).Where("payroll_lines.area_code BETWEEN ? AND ?", lo, hi).
		Where("payroll_lines.status = ?", models.LinePaid)
}

// townshipsWithin is the townships of the range lo..hi. Jurisdictions are public data,
// so it is not narrowed by a scope; lo..hi comes from Store.area, inside the caller's.
func townshipsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return unitsWithin(db.Table("jurisdictions"), models.LevelTownship, lo, hi)
}

// unitsWithin narrows q, a query of the jurisdictions table, to the units of level whose
// codes lie in lo..hi. Jurisdictions are public data, not narrowed by a scope.
func unitsWithin(q *gorm.DB, level models.Level, lo, hi string) *gorm.DB {
	return q.Where("jurisdictions.level = ? AND jurisdictions.code BETWEEN ? AND ?", level, lo, hi)
}

// nonEmpty keeps an IN list valid SQL when an integrator has no category: it matches no
// real category.
func nonEmpty(list []string) []string {
	if len(list) == 0 {
		return []string{""}
	}
	return list
}

// area resolves an optional area argument to a code range inside the scope. No argument
// means the caller's own area. It returns a *models.FieldError for a code that is not a
// jurisdiction, and a Forbidden error for one outside the caller's subtree.
func (s *Store) area(sc Scope, field string, code *string) (lo, hi string, err error) {
	if code == nil || *code == "" {
		return sc.lo, sc.hi, nil
	}
	if _, ok := s.tree.Unit(*code); !ok {
		return "", "", models.Invalid(field, "%s is not a jurisdiction code", privacy.Quote(*code))
	}
	if !sc.p.Covers(*code) {
		return "", "", models.Forbidden("%s: area %s is outside your jurisdiction", field, *code)
	}
	lo, hi = division.Range(*code)
	return lo, hi, nil
}

// Village checks that code is a village inside the caller's scope, for records that are
// created or moved there, and returns it. It returns a *models.FieldError naming field
// for a code that is not a village, and a Forbidden error for one outside the scope.
func (r *Jurisdictions) Village(sc Scope, field, code string) (*division.Unit, error) {
	s := r.s
	u, ok := s.tree.Unit(code)
	if !ok {
		return nil, models.Invalid(field, "%s is not a jurisdiction code", privacy.Quote(code))
	}
	if u.Level != models.LevelVillage {
		return nil, models.Invalid(field, "%s %s is a %s, not a village", code, u.Name, u.Level)
	}
	if !sc.p.Covers(code) {
		return nil, models.Forbidden("%s: village %s is outside your jurisdiction", field, code)
	}
	return u, nil
}

// Township checks that code, an argument named field, is a township inside the
// caller's scope. It returns a *models.FieldError for a code that is not a township and
// a Forbidden error for one outside the scope.
func (r *Jurisdictions) Township(sc Scope, field, code string) error {
	s := r.s
	if _, _, err := s.area(sc, field, &code); err != nil {
		return err
	}
	u, ok := s.tree.Unit(code)
	if !ok {
		return models.Invalid(field, "is required: the code of a township")
	}
	if u.Level != models.LevelTownship {
		return models.Invalid(field, "%s %s is a %s, not a township", code, u.Name, u.Level)
	}
	return nil
}

// errInterrupted is what a caller learns when PostgreSQL broke off its transaction to
// resolve a deadlock or a serialization failure with a concurrent one: nothing was
// written, and the same request may simply be sent again.
var errInterrupted = models.Conflict("a concurrent change to the same records interrupted the operation; nothing was written, try again")

// wrap adds the operation's name to err for logs; the sentinel stays matchable. A
// deadlock or serialization failure becomes a Conflict (errInterrupted), which the
// caller may retry, instead of an internal error; a lost or refused connection to the
// database matches models.ErrUnavailable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if connectionLost(err) {
		return fmt.Errorf("store: %s: %w (%w)", op, models.ErrUnavailable, err)
	}
	if interruptedByConcurrency(err) {
		return fmt.Errorf("store: %s: %w (%w)", op, errInterrupted, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// interruptedByConcurrency reports whether err is PostgreSQL's deadlock_detected
// (40P01) or serialization_failure (40001).
func interruptedByConcurrency(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// reviewRows is rows for the reviews table, narrowed for integrators to the categories
// of their token, as grantRows narrows the grants.
func (sc Scope) reviewRows(db *gorm.DB) *gorm.DB {
	q := sc.rows(db, "reviews")
	if sc.p.Role == models.RoleIntegrator {
		q = q.Where("reviews.category_code IN ?", nonEmpty(sc.p.Categories))
	}
	return q
}

// reviewsWithin is reviewRows narrowed further to the sub-range lo..hi of the scope.
func (sc Scope) reviewsWithin(db *gorm.DB, lo, hi string) *gorm.DB {
	return sc.reviewRows(db).Where("reviews.area_code BETWEEN ? AND ?", lo, hi)
}
