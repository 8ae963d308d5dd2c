package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Row-level security (Config.RowLevelSecurity) is PostgreSQL's second line of defence
// behind the store's own scope predicates (scope.rows): a policy on each table that holds
// personal data lets a statement see and write only the rows whose area_code lies in the
// range of the caller, which every statement carries in the settings jiuzhu.lo and
// jiuzhu.hi. A statement the store forgot to scope still reads nothing outside the
// caller's area. The range comes from the verified caller of the statement's context
// (rlsRange, in scope.go); rlsConn sets it before every statement and transaction.
//
// The policy defends against the store's own mistakes, not against SQL injection: any
// statement may call set_config. It is written as a range so that the (area_code, …)
// indexes serve it as an index condition; a LIKE on a prefix could not use them.

// rlsTables are the tables under row-level security: every table with an area_code
// column that holds recipients' or staff's personal data, or money and notes of a
// township:
//
//   - households, members: the recipients and their ID numbers;
//   - grants, grant_events: what each household receives, and who decided it;
//   - medical_claims: members' medical costs;
//   - entitlement_calculations: how each grant's amount was computed, with the
//     household's income;
//   - verifications, verification_members: incomes and assets found by departments;
//   - charity_aids: aid given by charities to a household;
//   - reserve_funds, reserve_entries: a township's reserve fund and its ledger, whose
//     entries name the officers and the grants they paid;
//   - staff_members: names and phone numbers of staff;
//   - audit_events: who did what to which records;
//   - change_log: which records changed, for integrators;
//   - household_programs, area_tallies, area_program_tallies: which programs each
//     household receives, and the dashboards' counts per village (a small village's
//     counts come close to naming its recipients).
//   - documents: the supporting documents of applications, verifications, grievances
//     and reviews (ID card copies, income proofs, medical bills);
//   - notifications: the outbox of notices to applicants, by household and reference;
//   - status_lookups: the audit trail of the public status page.
//   - grievances, grievance_comments: the complaints and appeals of applicants (P25),
//     with what they say of staff and decisions.
//   - referrals: which household's application went to which department, and why it
//     was decided or returned.
//   - discovery_cases, discovery_visits, reviews: who was found in need, the notes of
//     the visits to them, and the re-certification of each grant (P24).
//   - status_lookup_alerts: the daily job's alerts of the status page, which admins and
//     auditors of the alert's county (or of the city) list and admins acknowledge, with
//     who acknowledged and their note.
//   - payees: the bank account each household is paid to.
//
// Left without row-level security, because every level reads them across areas and they
// hold no personal data: jurisdictions, categories, programs and program_settings (the
// public tree and catalogue); dibao_standards and entitlement_parameters (published figures of a county that every township and
// village of the county works with, and whose area_code, the county's, lies outside a
// village's range); county_application_counters (a county's count of applications, that
// every writer of the county increments, keyed by the county's 6-digit code rather than an
// area_code), change_seq (a counter without an area that every writer increments) and
// job_marks (where each step of the daily job stopped).
var rlsTables = []string{
	"households", "members", "grants", "grant_events", "medical_claims", "entitlement_calculations",
	"verifications", "verification_members", "charity_aids",
	"reserve_funds", "reserve_entries", "staff_members", "audit_events", "change_log",
	"household_programs", "area_tallies", "area_program_tallies",
	"documents", "notifications", "status_lookups",
	"payrolls", "payroll_lines", "referrals",
	"grievances", "grievance_comments",
	"discovery_cases", "discovery_visits", "reviews",
	"status_lookup_alerts", "payees",
}

// rlsPolicy is the name of the policy on each of rlsTables.
const rlsPolicy = "jiuzhu_area"

// rlsPolicyVersion is kept as the comment of each policy. Migrate recreates a policy
// whose comment differs; raise it when rlsCondition changes.
const rlsPolicyVersion = "jiuzhu area range v1"

// The range of system work, every code of twelve digits, and the empty range of a
// context without a caller.
const (
	allAreasLo = "000000000000"
	allAreasHi = "999999999999"
	noCallerLo = "1"
	noCallerHi = "0"
)

// setRangeSQL sets the caller's range. The third argument says whether the setting is
// local to the transaction (true, acrossAreas) or lasts for the session (false, rlsConn).
const setRangeSQL = `SELECT set_config('jiuzhu.lo', $1, $3), set_config('jiuzhu.hi', $2, $3)`

// systemKey marks a context of the store's own system work.
type systemKey struct{}

// systemScope returns ctx marked as the store's own work for no caller (migration,
// seeding, the daily jobs, the *Unscoped functions): under row-level security its
// statements see every area. Only functions whose names or documentation say that they
// act for no caller may use it.
func systemScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// rlsConnector opens the connections of a store with row-level security on: each is an
// rlsConn, which gives every statement the range of its context's caller.
type rlsConnector struct {
	driver.Connector
}

// Connect opens a connection.
func (c rlsConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("store: row-level security needs pgx's connections, not %T", conn)
	}
	return &rlsConn{Conn: pc}, nil
}

// rlsConn is a connection of a store with row-level security on: pgx's database/sql
// connection, which makes sure before every statement and every transaction that the
// session holds the range of the context's caller, on the very connection the statement
// runs on. Each statement thus carries the range of its own caller: gqlgen resolves
// fields concurrently, and database/sql hands a connection to one statement or
// transaction at a time.
//
// The range is a session setting (set_config(..., false)), set outside any transaction.
// A transaction takes the range of the context that begins it, and its statements run
// with it (acrossAreas alone widens it, locally to the transaction); no setting is made
// inside a transaction, where a rollback could undo it.
//
// Setting the range costs a round trip, so the connection records the range it set last
// and sets it again only when the caller's differs. Nothing else changes these settings
// for a session: the store runs no other set_config(..., false), SET or RESET of them.
// So a range left on a pooled connection by an earlier statement is always overwritten
// before the connection serves another caller; after a failed attempt, whose outcome is
// unknown, the record is dropped and the next statement sets the range again.
//
// Prepared statements would run later without this check, so Prepare refuses; the store
// does not use them (gorm's PrepareStmt is off), and pgx caches the statements it runs.
type rlsConn struct {
	*stdlib.Conn
	// set is the range last set on the session, "" when unknown.
	set string
}

// Refusals of rlsConn.
var (
	errPrepare = errors.New("store: prepared statements are not available with row-level security")
	errBegin   = errors.New("store: with row-level security a transaction begins with a context, whose caller gives its range")
)

// useRange makes sure the session holds the range of ctx's caller, unless a transaction
// is open. It returns the database's error, driver.ErrBadConn when the statement could
// not be sent, so that database/sql tries another connection.
func (c *rlsConn) useRange(ctx context.Context) error {
	pg := c.Conn.Conn()
	if pg.PgConn().TxStatus() != 'I' {
		return nil
	}
	lo, hi := rlsRange(ctx)
	want := lo + ".." + hi
	if c.set == want {
		return nil
	}
	c.set = ""
	if _, err := pg.Exec(ctx, setRangeSQL, lo, hi, false); err != nil {
		if pgconn.SafeToRetry(err) {
			return driver.ErrBadConn
		}
		return fmt.Errorf("set the row-level security range: %w", err)
	}
	c.set = want
	return nil
}

// ExecContext runs a statement with the range of ctx's caller.
func (c *rlsConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.useRange(ctx); err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, query, args)
}

// QueryContext runs a query with the range of ctx's caller.
func (c *rlsConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.useRange(ctx); err != nil {
		return nil, err
	}
	return c.Conn.QueryContext(ctx, query, args)
}

// BeginTx begins a transaction with the range of ctx's caller.
func (c *rlsConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.useRange(ctx); err != nil {
		return nil, err
	}
	return c.Conn.BeginTx(ctx, opts)
}

// Begin returns an error: a transaction without a context has no caller.
func (c *rlsConn) Begin() (driver.Tx, error) { return nil, errBegin }

// Prepare returns an error: a prepared statement could run without the caller's range.
func (c *rlsConn) Prepare(string) (driver.Stmt, error) { return nil, errPrepare }

// PrepareContext returns an error, as Prepare does.
func (c *rlsConn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	return nil, errPrepare
}

// acrossAreas runs f, whose statements on tx read beyond the caller's area on purpose,
// with the transaction's row-level security range widened to every area, and restores
// the caller's range after it. The only such reads are those of the city-wide keys, ID
// numbers and external references, which refuse a key taken elsewhere without showing
// where. Without row-level security it only runs f. tx must be a transaction; f's error
// is returned as it is, and the transaction, which its caller rolls back, keeps the
// widened range until then.
func (w *Writer) acrossAreas(f func() error) error {
	tx := w.tx
	if !w.s.rls {
		return f()
	}
	ctx := tx.Statement.Context
	exec := tx.Statement.ConnPool
	if _, ok := exec.(gorm.TxCommitter); !ok {
		return errors.New("store: a read across areas needs a transaction")
	}
	if _, err := exec.ExecContext(ctx, setRangeSQL, allAreasLo, allAreasHi, true); err != nil {
		return err
	}
	if err := f(); err != nil {
		return err
	}
	lo, hi := rlsRange(ctx)
	_, err := exec.ExecContext(ctx, setRangeSQL, lo, hi, true)
	return err
}

// checkRLSRole returns an error unless the role of db's connections is subject to
// row-level security: superusers and roles with BYPASSRLS skip every policy silently,
// and a defence that silently does nothing is worse than none.
func checkRLSRole(ctx context.Context, db *sql.DB) error {
	var (
		role     string
		bypasses bool
	)
	err := db.QueryRowContext(ctx, `SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user`).
		Scan(&role, &bypasses)
	if err != nil {
		return fmt.Errorf("store: check the role for row-level security: %w", err)
	}
	if bypasses {
		return fmt.Errorf("store: PG_RLS=on but role %s bypasses row-level security (it is a superuser or has BYPASSRLS); connect as an ordinary role, such as the serving role", role)
	}
	return nil
}

// rowLevelSecurity puts the policy on every table of rlsTables (on) or takes row-level
// security off them (off), inside tx, on PostgreSQL. It is idempotent, and changes a
// table only when it is not already as wanted, so that a restart takes no lock: a table
// whose policy carries the comment rlsPolicyVersion, with row-level security enabled and
// forced, is left alone. FORCE makes the policy hold for the tables' owner too, which runs
// migrations and may also serve (tests and small installations do); the serving role,
// which owns nothing, is held by it in any case.
func rowLevelSecurity(tx *gorm.DB, on bool) error {
	return rowLevelSecurityOf(tx, on, true)
}

// rowLevelSecurityOf is rowLevelSecurity, which with all false acts on those of the
// scoped tables that exist so far: the migration step of version 3 runs before the
// versions that create the tables added later, and Migrate applies it to all of them
// once every version is in.
func rowLevelSecurityOf(tx *gorm.DB, on, all bool) error {
	var state []rlsState
	err := tx.Raw(rlsStateSQL, rlsPolicy, rlsTables).Scan(&state).Error
	if err != nil {
		return err
	}
	if all && len(state) != len(rlsTables) {
		return fmt.Errorf("found %d of the %d tables under row-level security", len(state), len(rlsTables))
	}
	for _, t := range state {
		for _, q := range t.statements(on) {
			if err := tx.Exec(q).Error; err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
		}
	}
	return nil
}

// rlsStateSQL reads the rlsState of the tables named by its second argument, for the
// policy named by its first, in the current schema.
const rlsStateSQL = `SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
  p.oid IS NOT NULL AS has_policy, obj_description(p.oid, 'pg_policy') AS comment
FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = ?
WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind = 'r' AND c.relname IN ?`

// rlsState is the row-level security of one table as the catalogue has it.
type rlsState struct {
	Name string
	// Enabled and Forced say whether row-level security is enabled and forced.
	Enabled, Forced bool
	// HasPolicy says whether the table has the policy rlsPolicy, and Comment is the
	// policy's comment (nil without one).
	HasPolicy bool
	Comment   *string
}

// statements returns the statements that bring the table to row-level security on or
// off.
func (t rlsState) statements(on bool) []string {
	var out []string
	if !on {
		if t.HasPolicy {
			out = append(out, fmt.Sprintf(`DROP POLICY %s ON %s`, rlsPolicy, t.Name))
		}
		if t.Forced {
			out = append(out, fmt.Sprintf(`ALTER TABLE %s NO FORCE ROW LEVEL SECURITY`, t.Name))
		}
		if t.Enabled {
			out = append(out, fmt.Sprintf(`ALTER TABLE %s DISABLE ROW LEVEL SECURITY`, t.Name))
		}
		return out
	}
	if !t.HasPolicy || t.Comment == nil || *t.Comment != rlsPolicyVersion {
		out = append(out,
			fmt.Sprintf(`DROP POLICY IF EXISTS %s ON %s`, rlsPolicy, t.Name),
			fmt.Sprintf(`CREATE POLICY %s ON %s USING (%s) WITH CHECK (%s)`, rlsPolicy, t.Name, rlsCondition, rlsCondition),
			fmt.Sprintf(`COMMENT ON POLICY %s ON %s IS '%s'`, rlsPolicy, t.Name, strings.ReplaceAll(rlsPolicyVersion, "'", "''")))
	}
	if !t.Enabled {
		out = append(out, fmt.Sprintf(`ALTER TABLE %s ENABLE ROW LEVEL SECURITY`, t.Name))
	}
	if !t.Forced {
		out = append(out, fmt.Sprintf(`ALTER TABLE %s FORCE ROW LEVEL SECURITY`, t.Name))
	}
	return out
}
