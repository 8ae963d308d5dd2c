// Package payroll holds the use cases of the money flow of P22: a household's payment
// account (payee), the monthly payroll (发放名册) of a county with its approval by a second
// officer, the bank's list (一卡通) and the reconciliation of the bank's return file.
//
// Each use case takes the caller, checks what its role and area allow, validates the
// input, computes with the pure rules of package policy (policy.DuesOf), and tells the
// Store what to write in one unit of work that it opens itself (Store.Write, or
// Store.WriteBulk for the lines of a payroll) and in which it records its audit events.
// The Store does SQL only, always narrowed by the caller's store.Scope.
package payroll

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"jiuzhu/auth"
	"jiuzhu/catalogue"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// Store is what the payroll's use cases need of the database. New adapts *store.Store
// to it; tests use an in-memory fake. Every method reads and writes inside the scope it
// is given and returns models.ErrNotFound for records outside it.
type Store interface {
	HouseholdArea(ctx context.Context, sc store.Scope, householdID string) (string, error)
	Payee(ctx context.Context, sc store.Scope, householdID string) (*models.Payee, error)
	PayrollInputs(ctx context.Context, sc store.Scope, county string) (*store.PayrollInputs, error)
	GetPayroll(ctx context.Context, sc store.Scope, id string) (*models.Payroll, error)
	FindPayroll(ctx context.Context, sc store.Scope, county, month string, run int) (*models.Payroll, error)
	LastRun(ctx context.Context, sc store.Scope, county, month string) (int, error)
	Lines(ctx context.Context, sc store.Scope, payrollID string, after, before, limit int, backward bool) ([]*models.PayrollLine, error)
	EachLine(ctx context.Context, sc store.Scope, payrollID string, f func(*models.PayrollLine) error) error
	LinesByReference(ctx context.Context, sc store.Scope, payrollID string, refs []string) (map[string]*models.PayrollLine, error)
	Totals(ctx context.Context, sc store.Scope, payrollID string) (*store.PayrollTotals, error)
	Paid(ctx context.Context, sc store.Scope, area string, from, to time.Time) (models.Money, error)
	// Write runs step in one unit of work as the caller of sc (see store.Store.Write):
	// nothing of it is kept unless step succeeds and records an audit event.
	Write(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
	// WriteBulk is Write for a step that writes a payroll's lines by the hundred
	// thousand (see store.Store.WriteBulk: by COPY on PostgreSQL).
	WriteBulk(ctx context.Context, sc store.Scope, op string, step func(tx Tx) error) error
}

// Tx is one unit of work on the payroll, inside Store.Write or Store.WriteBulk. Its
// writes are narrowed by the unit of work's scope and record their own change-feed
// entries (and, for a settlement, the notices of failed payments); the use case records
// the audit events.
type Tx interface {
	// SavePayee writes a household's payee, replacing the one it had, and returns the
	// one it replaced (nil for none).
	SavePayee(p *models.Payee) (*models.Payee, error)
	InsertPayroll(p *models.Payroll, lines []*models.PayrollLine) error
	ApprovePayroll(p *models.Payroll, approver string, at time.Time) error
	DiscardPayroll(p *models.Payroll) error
	Settle(p *models.Payroll, marks []store.LineSettlement, at time.Time) error
	Audit(op, area string, ids []string, before, after any)
}

// New returns the payroll's use cases over st, with st's jurisdiction tree and the
// clock time.Now.
func New(st *store.Store) *Service {
	return &Service{Store: adapter{PayrollStore: st.Payroll(), st: st}, Tree: st.Tree()}
}

// adapter serves Store with *store.Store's payroll.
type adapter struct {
	*store.PayrollStore
	st *store.Store
}

// Write and WriteBulk run the unit of work as the caller of sc whatever caller ctx
// holds (a command-line reconciliation has none), so that row-level security narrows
// its statements to the same area as the scope.
func (a adapter) Write(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.Write(auth.WithPrincipal(ctx, sc.Principal()), sc, op, func(w *store.Writer) error {
		return step(tx{w: w, ps: a.PayrollStore})
	})
}
func (a adapter) WriteBulk(ctx context.Context, sc store.Scope, op string, step func(Tx) error) error {
	return a.st.WriteBulk(auth.WithPrincipal(ctx, sc.Principal()), sc, op, func(w *store.Writer) error {
		return step(tx{w: w, ps: a.PayrollStore})
	})
}

// tx serves Tx with a store.Writer.
type tx struct {
	w  *store.Writer
	ps *store.PayrollStore
}

func (t tx) SavePayee(p *models.Payee) (*models.Payee, error) { return t.ps.SavePayee(t.w, p) }
func (t tx) InsertPayroll(p *models.Payroll, lines []*models.PayrollLine) error {
	return t.ps.InsertPayroll(t.w, p, lines)
}
func (t tx) ApprovePayroll(p *models.Payroll, approver string, at time.Time) error {
	return t.ps.ApprovePayroll(t.w, p, approver, at)
}
func (t tx) DiscardPayroll(p *models.Payroll) error { return t.ps.DiscardPayroll(t.w, p) }
func (t tx) Settle(p *models.Payroll, marks []store.LineSettlement, at time.Time) error {
	return t.ps.Settle(t.w, p, marks, at)
}
func (t tx) Audit(op, area string, ids []string, before, after any) {
	t.w.Audit(op, area, ids, before, after)
}

// Service runs the payroll's use cases.
type Service struct {
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tree is the jurisdiction tree; nil means division.Dezhou().
	Tree *division.Tree
	// FromApprovalMonth lists the programs paid from the month of approval itself; every
	// other program is paid from the month after (P22).
	FromApprovalMonth []string
}

var dezhou = sync.OnceValue(division.Dezhou)

func (s *Service) tree() *division.Tree {
	if s.Tree == nil {
		return dezhou()
	}
	return s.Tree
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Who may do what. The payroll is county work: officers and admins at county level or
// above generate, approve, export and reconcile it; auditors read it.
var (
	payeeWriters   = []models.Role{models.RoleAdmin, models.RoleOfficer, models.RoleAssistant}
	payeeReaders   = []models.Role{models.RoleAdmin, models.RoleOfficer, models.RoleAssistant, models.RoleAuditor}
	payrollWriters = []models.Role{models.RoleAdmin, models.RoleOfficer}
	payrollReaders = []models.Role{models.RoleAdmin, models.RoleOfficer, models.RoleAuditor}
)

func allow(p auth.Principal, roles []models.Role, what string) error {
	if !slices.Contains(roles, p.Role) {
		return models.Forbidden("the %s role may not %s", p.Role, what)
	}
	return nil
}

// atCounty refuses a caller below county level.
func atCounty(p auth.Principal, what string) error {
	if !policy.AtLevel(p.Level(), models.LevelCounty) {
		return models.Forbidden("payrolls are %s at county level or above; you are at %s level", what, p.Level())
	}
	return nil
}

// Bounds of a payee's fields.
const (
	minAccount = 12
	maxAccount = 19
	maxBank    = 64
	maxHolder  = 64
)

// CheckPayee validates a payment account: a bank name and a holder of 1 to 64
// characters, and an account number of 12 to 19 digits and nothing else. It returns a
// *models.FieldError naming the field (input.bank, input.account, input.holder); the
// message never repeats the account number.
func CheckPayee(in models.PayeeInput) (models.PayeeInput, error) {
	in.Bank, in.Holder, in.Account = strings.TrimSpace(in.Bank), strings.TrimSpace(in.Holder), strings.TrimSpace(in.Account)
	if n := utf8.RuneCountInString(in.Bank); n == 0 || n > maxBank {
		return in, models.Invalid("input.bank", "must be 1 to %d characters", maxBank)
	}
	if n := len(in.Account); n < minAccount || n > maxAccount {
		return in, models.Invalid("input.account", "must be %d to %d digits, got %d characters", minAccount, maxAccount, utf8.RuneCountInString(in.Account))
	}
	for _, r := range in.Account {
		if r < '0' || r > '9' {
			return in, models.Invalid("input.account", "must be digits only")
		}
	}
	if n := utf8.RuneCountInString(in.Holder); n == 0 || n > maxHolder {
		return in, models.Invalid("input.holder", "must be 1 to %d characters", maxHolder)
	}
	return in, nil
}

// Masked returns a copy of p with its account number masked (privacy.BankAccount).
func Masked(p *models.Payee) *models.Payee {
	c := *p
	c.Account = privacy.BankAccount(p.Account)
	return &c
}

// SetPayee sets the payment account of a household of the caller's area, replacing the
// one it had; the change is audited (setPayee) with digests only. The result's account
// number is masked. It returns a Forbidden error for integrators and auditors,
// models.ErrNotFound for a household outside the caller's area, and a
// *models.FieldError for a malformed field.
func (s *Service) SetPayee(ctx context.Context, p auth.Principal, in models.PayeeInput) (*models.Payee, error) {
	if err := allow(p, payeeWriters, "set payment accounts"); err != nil {
		return nil, err
	}
	in, err := CheckPayee(in)
	if err != nil {
		return nil, err
	}
	sc := store.ScopeFor(p)
	area, err := s.Store.HouseholdArea(ctx, sc, in.HouseholdID)
	if err != nil {
		return nil, err
	}
	pay := &models.Payee{HouseholdID: in.HouseholdID, AreaCode: area, Bank: in.Bank, Account: in.Account, Holder: in.Holder, UpdatedBy: p.Subject}
	err = s.Store.Write(ctx, sc, "setPayee", func(tx Tx) error {
		before, err := tx.SavePayee(pay)
		if err != nil {
			return err
		}
		if before == nil {
			tx.Audit("setPayee", pay.AreaCode, []string{pay.HouseholdID}, nil, pay)
		} else {
			tx.Audit("setPayee", pay.AreaCode, []string{pay.HouseholdID}, *before, pay)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return Masked(pay), nil
}

// Payee returns the payment account of a household of the caller's area with its
// account number masked, or nil when it has none. It returns a Forbidden error for
// integrators and models.ErrNotFound for a household outside the caller's area.
func (s *Service) Payee(ctx context.Context, p auth.Principal, householdID string) (*models.Payee, error) {
	if err := allow(p, payeeReaders, "read payment accounts"); err != nil {
		return nil, err
	}
	sc := store.ScopeFor(p)
	pay, err := s.Store.Payee(ctx, sc, householdID)
	if err != nil {
		if !isNotFound(err) {
			return nil, err
		}
		// None, or a household outside the area: only the first is an answer.
		if _, err := s.Store.HouseholdArea(ctx, sc, householdID); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return Masked(pay), nil
}

// RevealAccount returns the account number of a household's payee unmasked, after
// writing the reveal to the audit trail (revealPayeeAccount): nothing is revealed unless
// the audit is written. Admins, officers and assistants of the household's area may
// reveal. It returns a Forbidden error for another role and models.ErrNotFound for a
// household outside the caller's area or without a payee.
func (s *Service) RevealAccount(ctx context.Context, p auth.Principal, householdID string) (string, error) {
	if err := allow(p, payeeWriters, "reveal account numbers"); err != nil {
		return "", err
	}
	sc := store.ScopeFor(p)
	pay, err := s.Store.Payee(ctx, sc, householdID)
	if err != nil {
		return "", err
	}
	if err := s.audit(ctx, sc, "revealPayeeAccount", pay.AreaCode, []string{pay.HouseholdID}); err != nil {
		return "", err
	}
	return pay.Account, nil
}

// audit writes one audit event op about records ids of area in a unit of work of its
// own: a reveal or an export, recorded before what it discloses is returned.
func (s *Service) audit(ctx context.Context, sc store.Scope, op, area string, ids []string) error {
	return s.Store.Write(ctx, sc, op, func(tx Tx) error {
		tx.Audit(op, area, ids, nil, nil)
		return nil
	})
}

// county checks that code, argument field, is a county inside the caller's area. It
// returns a *models.FieldError for a code that is not a county and models.ErrNotFound
// for one outside the caller's area (its payrolls are not disclosed).
func (s *Service) county(p auth.Principal, field, code string) error {
	if u, ok := s.tree().Unit(code); !ok || u.Level != models.LevelCounty {
		return models.Invalid(field, "%s is not a county code", privacy.Quote(code))
	}
	if !p.Covers(code) {
		return models.NotFound("county")
	}
	return nil
}

// Generate builds the regular payroll (run 0) of a county for a month (P22): one line per
// payment policy.DuesOf owes each grant of the county (the month's payment, arrears of a
// retroactive approval, a one-off program's amount), and one line re-issuing each failed
// line of the county's approved payrolls. Lines are ordered by village, household, grant
// and month, so that generating from the same records gives the same lines. A
// household without a payee gets its lines already FAILED (models.ReasonNoPayee): they
// are re-issued once an account is set.
//
// The month may be any past month, the current one or the next. It returns a Forbidden
// error for a role or tier that may not generate, a *models.FieldError for a bad county
// or month, models.ErrNotFound for a county outside the caller's area, and a Conflict
// error when the county already has a payroll for the month (also when two generations
// race: one wins).
func (s *Service) Generate(ctx context.Context, p auth.Principal, countyCode, month string) (*models.Payroll, error) {
	return s.generate(ctx, p, countyCode, month, false)
}

// GenerateSupplementary builds a supplementary run of a county's month: the next run
// after the month's regular payroll and earlier runs, re-issuing the failed lines of
// the county's approved payrolls and nothing else. It returns the errors of Generate, and
// a *models.FieldError on month when the month has no regular payroll yet or nothing to
// re-issue.
func (s *Service) GenerateSupplementary(ctx context.Context, p auth.Principal, countyCode, month string) (*models.Payroll, error) {
	return s.generate(ctx, p, countyCode, month, true)
}

func (s *Service) generate(ctx context.Context, p auth.Principal, countyCode, month string, supplementary bool) (*models.Payroll, error) {
	if err := allow(p, payrollWriters, "generate payrolls"); err != nil {
		return nil, err
	}
	if err := atCounty(p, "generated"); err != nil {
		return nil, err
	}
	if err := s.county(p, "county", countyCode); err != nil {
		return nil, err
	}
	m, err := policy.ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	if err := policy.CheckPayrollMonth("month", m, s.now()); err != nil {
		return nil, err
	}
	sc := store.ScopeFor(p)
	run := 0
	if supplementary {
		last, err := s.Store.LastRun(ctx, sc, countyCode, m.String())
		if err != nil {
			return nil, err
		}
		if last < 0 {
			return nil, models.Invalid("month", "county %s has no payroll for %s yet; generate it first", countyCode, m)
		}
		run = last + 1
	}
	in, err := s.Store.PayrollInputs(ctx, sc, countyCode)
	if err != nil {
		return nil, err
	}
	pr := &models.Payroll{
		ID: store.NewID(), AreaCode: countyCode, Month: m.String(), Run: run,
		Status: models.PayrollDraft, GeneratedBy: p.Subject, CreatedAt: s.now(),
	}
	lines := s.Lines(pr, in, m, supplementary)
	if supplementary && len(lines) == 0 {
		return nil, models.Invalid("month", "county %s has no failed payment to re-issue", countyCode)
	}
	for _, l := range lines {
		pr.LineCount++
		pr.Total += l.Amount
	}
	err = s.Store.WriteBulk(ctx, sc, "generate payroll", func(tx Tx) error {
		if err := tx.InsertPayroll(pr, lines); err != nil {
			return err
		}
		tx.Audit("generatePayroll", pr.AreaCode, []string{pr.ID}, nil, pr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// Lines computes the lines of payroll pr of month m from the inputs: the dues of every
// grant (unless onlyReissues), then the re-issues of failed lines, numbered from 1 with
// references county-YYYYMM-run-seq. It is deterministic: the same inputs give the same
// lines.
func (s *Service) Lines(pr *models.Payroll, in *store.PayrollInputs, m policy.Month, onlyReissues bool) []*models.PayrollLine {
	var lines []*models.PayrollLine
	add := func(l *models.PayrollLine) {
		l.ID = store.NewID()
		l.PayrollID = pr.ID
		l.Status = models.LineUnsettled
		if pay := in.Payees[l.HouseholdID]; pay != nil {
			l.Bank, l.Account, l.Holder = pay.Bank, pay.Account, pay.Holder
		} else {
			l.Status, l.Reason = models.LineFailed, models.ReasonNoPayee
		}
		lines = append(lines, l)
	}
	if !onlyReissues {
		grants := slices.Clone(in.Grants)
		sort.Slice(grants, func(i, j int) bool {
			a, b := grants[i], grants[j]
			if a.AreaCode != b.AreaCode {
				return a.AreaCode < b.AreaCode
			}
			if a.HouseholdID != b.HouseholdID {
				return a.HouseholdID < b.HouseholdID
			}
			return a.ID < b.ID
		})
		recurring := map[string]bool{} // catalogue.IsRecurring, once a program
		for _, g := range grants {
			rec, ok := recurring[g.ProgramCode]
			if !ok {
				rec = catalogue.IsRecurring(g.ProgramCode)
				recurring[g.ProgramCode] = rec
			}
			history := make([]policy.StatusChange, len(g.History))
			for i, c := range g.History {
				history[i] = policy.StatusChange{At: c.At, To: c.To}
			}
			if len(history) == 0 {
				// A grant loaded without its history (a migration of older records)
				// counts as moved to its status at the start of its start date.
				history = []policy.StatusChange{{At: time.Date(g.StartDate.Year(), g.StartDate.Month(), g.StartDate.Day(), 0, 0, 0, 0, policy.ChinaTime), To: g.Status}}
			}
			dues := policy.DuesOf(policy.PayableGrant{
				Recurring:         rec,
				FromApprovalMonth: slices.Contains(s.FromApprovalMonth, g.ProgramCode),
				Amount:            g.Amount, Start: g.StartDate, End: g.EndDate, History: history,
				Covered: func(k policy.Month) bool { return g.Covered[k.String()] }, Drawn: g.Drawn,
			}, m)
			for _, d := range dues {
				add(&models.PayrollLine{
					AreaCode: g.AreaCode, HouseholdID: g.HouseholdID, GrantID: g.ID, ProgramCode: g.ProgramCode,
					CategoryCode: g.CategoryCode, Month: d.Month.String(), Kind: d.Kind, Amount: d.Amount,
				})
			}
		}
	}
	for _, f := range in.Failed {
		if in.Payees[f.HouseholdID] == nil {
			continue // re-issued once the household has an account
		}
		of := f.ID
		add(&models.PayrollLine{
			AreaCode: f.AreaCode, HouseholdID: f.HouseholdID, GrantID: f.GrantID, ProgramCode: f.ProgramCode,
			CategoryCode: f.CategoryCode, Month: f.Month, Attempt: f.Attempt + 1, Kind: models.LineReissue,
			ReissueOf: &of, Amount: f.Amount,
		})
	}
	for i, l := range lines {
		l.Seq = i + 1
		l.Reference = Reference(pr, l.Seq)
	}
	return lines
}

// Reference is the bank reference of line seq of payroll pr: the county's six digits,
// the month as YYYYMM, the run and the line number (371402-202604-0-000001).
func Reference(pr *models.Payroll, seq int) string {
	return fmt.Sprintf("%s-%s%s-%d-%06d", division.Prefix(pr.AreaCode), pr.Month[:4], pr.Month[5:], pr.Run, seq)
}

// Approve approves a DRAFT payroll and locks it (P22): the approver must be an officer
// or admin at county level or above whose area holds the county, and not the officer who
// generated it (separation of duties). It returns a Forbidden error for another role or
// tier or for the generating officer, models.ErrNotFound for a payroll outside the
// caller's area, and a Conflict error for a payroll that is no longer a draft.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string) (*models.Payroll, error) {
	sc, pr, err := s.draft(ctx, p, id, "approve payrolls", "approved", "; only a DRAFT payroll is approved")
	if err != nil {
		return nil, err
	}
	if pr.GeneratedBy == p.Subject {
		return nil, models.Forbidden("a payroll is approved by another officer than the one who generated it")
	}
	before := *pr
	err = s.Store.Write(ctx, sc, "approve payroll", func(tx Tx) error {
		if err := tx.ApprovePayroll(pr, p.Subject, s.now()); err != nil {
			return err
		}
		tx.Audit("approvePayroll", pr.AreaCode, []string{pr.ID}, before, pr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// Discard deletes a DRAFT payroll, so that it can be generated again from the records as
// they are now (the same records give the same lines). Officers and admins at county
// level or above whose area holds the county may discard. It returns a Forbidden error
// for another role or tier, models.ErrNotFound for a payroll outside the caller's area,
// and a Conflict error for a payroll that is no longer a draft (an approved payroll is
// locked).
func (s *Service) Discard(ctx context.Context, p auth.Principal, id string) (*models.Payroll, error) {
	sc, pr, err := s.draft(ctx, p, id, "discard payrolls", "discarded", " and locked; only a DRAFT payroll is discarded")
	if err != nil {
		return nil, err
	}
	err = s.Store.WriteBulk(ctx, sc, "discard payroll", func(tx Tx) error {
		if err := tx.DiscardPayroll(pr); err != nil {
			return err
		}
		tx.Audit("discardPayroll", pr.AreaCode, []string{pr.ID}, pr, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// draft makes the checks that Approve and Discard share: that p is an officer or admin
// (allow; what names the act, "approve payrolls") at county level or above (atCounty;
// done is the act's participle, "approved"), and that payroll id lies in p's area and is
// still a DRAFT (notDraft ends the Conflict error's message). It returns p's scope and
// the payroll, or a Forbidden error, models.ErrNotFound, or a Conflict error.
func (s *Service) draft(ctx context.Context, p auth.Principal, id, what, done, notDraft string) (store.Scope, *models.Payroll, error) {
	if err := allow(p, payrollWriters, what); err != nil {
		return store.Scope{}, nil, err
	}
	if err := atCounty(p, done); err != nil {
		return store.Scope{}, nil, err
	}
	sc := store.ScopeFor(p)
	pr, err := s.Store.GetPayroll(ctx, sc, id)
	if err != nil {
		return store.Scope{}, nil, err
	}
	if pr.Status != models.PayrollDraft {
		return store.Scope{}, nil, models.Conflict("payroll %s is %s"+notDraft, pr.ID, pr.Status)
	}
	return sc, pr, nil
}

// Payroll returns a payroll of the caller's area. It returns a Forbidden error for
// assistants and integrators and models.ErrNotFound outside the caller's area.
func (s *Service) Payroll(ctx context.Context, p auth.Principal, id string) (*models.Payroll, error) {
	if err := allow(p, payrollReaders, "read payrolls"); err != nil {
		return nil, err
	}
	return s.Store.GetPayroll(ctx, store.ScopeFor(p), id)
}

// PayrollOf returns the payroll of a county, month and run, with the errors of Payroll
// and a *models.FieldError for a bad county or month.
func (s *Service) PayrollOf(ctx context.Context, p auth.Principal, countyCode, month string, run int) (*models.Payroll, error) {
	if err := allow(p, payrollReaders, "read payrolls"); err != nil {
		return nil, err
	}
	if err := s.county(p, "county", countyCode); err != nil {
		return nil, err
	}
	m, err := policy.ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	return s.Store.FindPayroll(ctx, store.ScopeFor(p), countyCode, m.String(), run)
}

// Cursor is the cursor of a payroll line: its number.
func Cursor(l *models.PayrollLine) string { return strconv.Itoa(l.Seq) }

func cursorArg(field string, c *string) (int, error) {
	if c == nil || *c == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(*c)
	if err != nil || n < 1 {
		return 0, models.Invalid(field, "%s is not a cursor of this list", privacy.Quote(*c))
	}
	return n, nil
}

// LinesOf returns a page of a payroll's lines in order, their account numbers masked:
// first lines after the cursor after, or last lines before the cursor before
// (store.DefaultPageSize when neither first nor last is given, at most
// store.MaxPageSize). The page's cursors are the lines' (Cursor). Its side read from is
// exact, as every list's; the other side says whether a cursor was given. Its count is
// the payroll's number of lines. It returns the errors of Payroll and a
// *models.FieldError for a bad paging argument.
func (s *Service) LinesOf(ctx context.Context, p auth.Principal, id string, args store.PageArgs) (*store.Page[models.PayrollLine], error) {
	if args.First != nil && args.Last != nil {
		return nil, models.Invalid("first", "give first or last, not both")
	}
	limit, backward := store.DefaultPageSize, false
	switch {
	case args.First != nil:
		limit = *args.First
	case args.Last != nil:
		limit, backward = *args.Last, true
	}
	if limit < 0 || limit > store.MaxPageSize {
		field := "first"
		if backward {
			field = "last"
		}
		return nil, models.Invalid(field, "must be between 0 and %d", store.MaxPageSize)
	}
	after, err := cursorArg("after", args.After)
	if err != nil {
		return nil, err
	}
	before, err := cursorArg("before", args.Before)
	if err != nil {
		return nil, err
	}
	pr, err := s.Payroll(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ls, err := s.Store.Lines(ctx, store.ScopeFor(p), pr.ID, after, before, limit+1, backward)
	if err != nil {
		return nil, err
	}
	count := pr.LineCount
	page := &store.Page[models.PayrollLine]{Count: func() (int, error) { return count, nil }}
	more := len(ls) > limit
	if more {
		if backward {
			ls = ls[1:]
		} else {
			ls = ls[:limit]
		}
	}
	if backward {
		page.HasPreviousPage, page.HasNextPage = more, before > 0
	} else {
		page.HasNextPage, page.HasPreviousPage = more, after > 0
	}
	page.Items = make([]models.PayrollLine, len(ls))
	page.Cursors = make([]string, len(ls))
	for i, l := range ls {
		l.Account = privacy.BankAccount(l.Account)
		page.Items[i], page.Cursors[i] = *l, Cursor(l)
	}
	return page, nil
}

// Totals returns a payroll's money by settlement; paid + failed + unsettled is always its
// total. It returns the errors of Payroll.
func (s *Service) Totals(ctx context.Context, p auth.Principal, id string) (*store.PayrollTotals, error) {
	pr, err := s.Payroll(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.Store.Totals(ctx, store.ScopeFor(p), pr.ID)
}

// Export writes the bank's list (一卡通) of an approved payroll: it checks the caller,
// writes the export to the audit trail (exportPayroll) and only then calls start, then
// each line to be paid (UNSETTLED, with an account), in order, account numbers in full,
// as they are read from the database. Officers and admins at county level or above may
// export. It returns a Forbidden error for another role or tier, models.ErrNotFound for a
// payroll outside the caller's area, a Conflict error for a DRAFT payroll, and the first
// error of start or line.
func (s *Service) Export(ctx context.Context, p auth.Principal, id string, start func(*models.Payroll) error, line func(*models.PayrollLine) error) error {
	if err := allow(p, payrollWriters, "export payrolls"); err != nil {
		return err
	}
	if err := atCounty(p, "exported"); err != nil {
		return err
	}
	sc := store.ScopeFor(p)
	pr, err := s.Store.GetPayroll(ctx, sc, id)
	if err != nil {
		return err
	}
	if pr.Status == models.PayrollDraft {
		return models.Conflict("payroll %s is a DRAFT; it is exported once approved", pr.ID)
	}
	if err := s.audit(ctx, sc, "exportPayroll", pr.AreaCode, []string{pr.ID}); err != nil {
		return err
	}
	if err := start(pr); err != nil {
		return err
	}
	return s.Store.EachLine(ctx, sc, pr.ID, func(l *models.PayrollLine) error {
		if l.Status != models.LineUnsettled || l.Account == "" {
			return nil
		}
		return line(l)
	})
}

// Reconcile marks the lines of an APPROVED payroll paid or failed from the bank's return
// file (P22). Every record must name a line of that payroll by its reference, with the
// line's amount to the fen, a status of PAID or FAILED (a failure with its reason), and
// each line once; a line already settled is refused unless the record repeats its
// settlement (then it is skipped). Records that fail are returned in the result's
// Refused, each a *models.FieldError naming the record (records[i] and its reference);
// without partial, one refused record means nothing is written; with partial, the others
// are written. The payroll becomes SETTLED when no line is left unsettled.
//
// It returns a Forbidden error for a role or tier that may not reconcile,
// models.ErrNotFound for a payroll outside the caller's area, a Conflict error for a
// payroll that is not APPROVED, and, without partial, a *models.FieldError (the first
// refused record) along with the result.
func (s *Service) Reconcile(ctx context.Context, p auth.Principal, id string, records []models.Settlement, partial bool) (*models.ReconciliationResult, error) {
	if err := allow(p, payrollWriters, "reconcile payrolls"); err != nil {
		return nil, err
	}
	if err := atCounty(p, "reconciled"); err != nil {
		return nil, err
	}
	sc := store.ScopeFor(p)
	pr, err := s.Store.GetPayroll(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if pr.Status != models.PayrollApproved {
		return nil, models.Conflict("payroll %s is %s; only an APPROVED payroll is reconciled", pr.ID, pr.Status)
	}
	refs := make([]string, 0, len(records))
	for _, r := range records {
		refs = append(refs, strings.TrimSpace(r.Reference))
	}
	lines, err := s.Store.LinesByReference(ctx, sc, pr.ID, refs)
	if err != nil {
		return nil, err
	}
	res := &models.ReconciliationResult{}
	seen := make(map[string]bool, len(records))
	var marks []store.LineSettlement
	for i, r := range records {
		field := fmt.Sprintf("records[%d]", i)
		if r.Row > 0 {
			field = fmt.Sprintf("records[row %d]", r.Row)
		}
		ref := strings.TrimSpace(r.Reference)
		refuse := func(format string, args ...any) {
			res.Refused = append(res.Refused, &models.FieldError{Field: field, Message: fmt.Sprintf("reference %s: ", privacy.Quote(ref)) + fmt.Sprintf(format, args...)})
		}
		l := lines[ref]
		switch {
		case l == nil:
			refuse("names no line of payroll %s", pr.ID)
			continue
		case seen[ref]:
			refuse("names a line already settled by an earlier record of this file")
			continue
		case r.Status != models.LinePaid && r.Status != models.LineFailed:
			refuse("status must be PAID or FAILED")
			continue
		case r.Amount != l.Amount:
			refuse("amount %s differs from the line's %s", r.Amount, l.Amount)
			continue
		case r.Status == models.LineFailed && strings.TrimSpace(r.Reason) == "":
			refuse("a failed payment needs its reason")
			continue
		case utf8.RuneCountInString(r.Reason) > 200:
			refuse("the reason is longer than 200 characters")
			continue
		}
		seen[ref] = true
		if l.Status != models.LineUnsettled {
			if l.Status == r.Status {
				continue // the same return file again: nothing to do
			}
			refuse("the line is already %s", l.Status)
			continue
		}
		reason := ""
		if r.Status == models.LineFailed {
			reason = privacy.Redact(strings.TrimSpace(r.Reason))
			res.Failed++
		} else {
			res.Paid++
		}
		marks = append(marks, store.LineSettlement{LineID: l.ID, Seq: l.Seq, Status: r.Status, Reason: reason})
	}
	if len(res.Refused) > 0 && !partial {
		res.Paid, res.Failed = 0, 0
		return res, res.Refused[0]
	}
	if len(marks) > 0 {
		err := s.Store.WriteBulk(ctx, sc, "reconcile payroll", func(tx Tx) error {
			if err := tx.Settle(pr, marks, s.now()); err != nil {
				return err
			}
			tx.Audit("reconcilePayroll", pr.AreaCode, []string{pr.ID}, nil, nil)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, models.ErrNotFound) }

// PaidIn returns the money paid (lines reconciled PAID) in the subtree of area, settled in
// the current month, or in the current year when wholeYear is set; for an integrator,
// only that of its categories. Any role may read it for an area of its own subtree, as
// it reads the area's other figures. It returns models.ErrNotFound for an area outside
// the caller's.
func (s *Service) PaidIn(ctx context.Context, p auth.Principal, area string, wholeYear bool) (models.Money, error) {
	if !p.Covers(area) {
		return 0, models.NotFound("area")
	}
	m := policy.MonthOf(s.now())
	from, to := m.Start(), (m + 1).Start()
	if wholeYear {
		from, to = policy.NewMonth(m.Year(), time.January).Start(), policy.NewMonth(m.Year()+1, time.January).Start()
	}
	return s.Store.Paid(ctx, store.ScopeFor(p), area, from, to)
}
