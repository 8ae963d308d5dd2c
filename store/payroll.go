package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
)

// PayrollStore is the SQL of the payroll (P22): payees, payrolls, their lines and their
// settlement. Its reads take the caller's Scope explicitly and narrow every statement by
// it; its writes take the unit of work that the payroll's use cases (casework/payroll)
// open with Store.Write, or Store.WriteBulk for the lines, and narrow by its scope. What
// may be done, by whom, is decided before, by the use cases, which also record the
// audit events; the writes record their entries of the change feed. Records outside the
// scope are models.ErrNotFound.
type PayrollStore struct{ s *Store }

// Payroll returns the payroll part of the store.
func (s *Store) Payroll() *PayrollStore { return &PayrollStore{s: s} }

// Now returns the store's clock.
func (ps *PayrollStore) Now() time.Time { return ps.s.now() }

// primary returns the database handle for ctx acting for the scope's caller: under
// row-level security the statements carry the scope's range, whatever caller ctx holds.
// Reads outside transactions follow the store's routing (a caller's reads after its own
// writes go to the primary).
func (ps *PayrollStore) primary(ctx context.Context, sc Scope) *gorm.DB {
	return ps.s.db.WithContext(auth.WithPrincipal(ctx, sc.p))
}

// HouseholdArea returns the village of a household inside the scope. It returns
// models.ErrNotFound for one outside it.
func (ps *PayrollStore) HouseholdArea(ctx context.Context, sc Scope, householdID string) (string, error) {
	var area string
	err := sc.rows(ps.primary(ctx, sc), "households").Where("households.id = ?", householdID).
		Select("households.area_code").Scan(&area).Error
	if err != nil {
		return "", wrap("household of payee", err)
	}
	if area == "" {
		return "", models.NotFound("household")
	}
	return area, nil
}

// Payee returns the payment account of a household inside the scope, with its account
// number in full: the caller masks it. It returns models.ErrNotFound when the household
// has none or lies outside the scope.
func (ps *PayrollStore) Payee(ctx context.Context, sc Scope, householdID string) (*models.Payee, error) {
	var p models.Payee
	err := payeesOf(sc.rows(ps.primary(ctx, sc), "households")).Where("payees.household_id = ?", householdID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("payee")
	}
	if err != nil {
		return nil, wrap("payee", err)
	}
	return &p, nil
}

// payeesOf returns the payees of the households of households, a narrowing of the
// households table by the scope (sc.rows or sc.within), each with its household's area:
// a payee goes with its household wherever the household moves, so it is scoped by the
// household, not by the area it was written in.
func payeesOf(households *gorm.DB) *gorm.DB {
	return households.Joins("JOIN payees ON payees.household_id = households.id").
		Select("payees.household_id, households.area_code, payees.bank, payees.account, payees.holder, " +
			"payees.version, payees.updated_by, payees.created_at, payees.updated_at")
}

// SavePayee writes a household's payment account in the unit of work w, replacing the
// one it had, and returns the one it replaced (nil for none) for the use case's audit
// event. The household must lie in w's scope. It returns a Conflict error when the
// payee was changed concurrently, and the database's errors.
func (ps *PayrollStore) SavePayee(w *Writer, p *models.Payee) (*models.Payee, error) {
	tx, sc := w.tx, w.sc
	var before models.Payee
	err := payeesOf(sc.rows(tx, "households")).Where("payees.household_id = ?", p.HouseholdID).Take(&before).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		p.Version = 1
		return nil, tx.Create(p).Error
	case err != nil:
		return nil, err
	}
	p.Version = before.Version + 1
	p.CreatedAt = before.CreatedAt
	res := tx.Table("payees").Where("payees.household_id = ? AND payees.version = ?", p.HouseholdID, before.Version).
		Updates(map[string]any{"area_code": p.AreaCode, "bank": p.Bank, "account": p.Account, "holder": p.Holder,
			"version": p.Version, "updated_by": p.UpdatedBy, "updated_at": tx.NowFunc()})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.Conflict("the payee was changed concurrently; try again")
	}
	return &before, nil
}

// StatusChange is one move of a grant's status, from its grant events: the status it
// moved to and when.
type StatusChange struct {
	At time.Time
	To models.GrantStatus
}

// PayrollGrant is a grant as the payroll reads it: who, which program, its status, how
// much, its period and status history (oldest first), the months already on a line
// (written YYYY-MM, as the payroll lines store them; nil for none), and the reserve
// fund's draws for it. What they mean for a payroll is the policy's (P17), not the
// store's.
type PayrollGrant struct {
	ID, HouseholdID, AreaCode, ProgramCode, CategoryCode string
	Status                                               models.GrantStatus
	Amount                                               models.Money
	StartDate                                            models.Date
	EndDate                                              *models.Date
	History                                              []StatusChange
	Covered                                              map[string]bool
	Drawn                                                models.Money
}

// PayrollInputs is everything a county's payroll is computed from: its grants that ever
// received (ACTIVE, GRACE, SUSPENDED or TERMINATED), the failed lines of its locked
// payrolls not yet re-issued, and its households' payees.
type PayrollInputs struct {
	Grants []*PayrollGrant
	Failed []*models.PayrollLine
	Payees map[string]*models.Payee
}

// PayrollInputs reads the inputs of the payroll of county, inside the scope, in one
// transaction on the primary so that they are one consistent picture.
func (ps *PayrollStore) PayrollInputs(ctx context.Context, sc Scope, county string) (*PayrollInputs, error) {
	lo, hi := division.Range(county)
	in := &PayrollInputs{Payees: map[string]*models.Payee{}}
	err := ps.primary(ctx, sc).Transaction(func(tx *gorm.DB) error {
		byID := map[string]*PayrollGrant{}
		rows, err := sc.within(tx, "grants", lo, hi).
			Where("grants.status IN ?", []models.GrantStatus{models.GrantActive, models.GrantGrace, models.GrantSuspended, models.GrantTerminated}).
			Select("grants.id, grants.household_id, grants.area_code, grants.program_code, grants.category_code, grants.status, grants.amount, grants.start_date, grants.end_date").
			Order("grants.area_code, grants.id").Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			g := &PayrollGrant{}
			if err := rows.Scan(&g.ID, &g.HouseholdID, &g.AreaCode, &g.ProgramCode, &g.CategoryCode, &g.Status, &g.Amount, &g.StartDate, &g.EndDate); err != nil {
				_ = rows.Close()
				return err
			}
			in.Grants = append(in.Grants, g)
			byID[g.ID] = g
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = sc.within(tx, "grant_events", lo, hi).
			Select("grant_events.grant_id, grant_events.to_status, grant_events.created_at").
			Order("grant_events.grant_id, grant_events.created_at, grant_events.id").Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var c StatusChange
			if err := rows.Scan(&id, &c.To, &c.At); err != nil {
				_ = rows.Close()
				return err
			}
			if g := byID[id]; g != nil {
				g.History = append(g.History, c)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		rows, err = sc.within(tx, "payroll_lines", lo, hi).
			Select("payroll_lines.grant_id, payroll_lines.month").Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, month string
			if err := rows.Scan(&id, &month); err != nil {
				_ = rows.Close()
				return err
			}
			if g := byID[id]; g != nil {
				if g.Covered == nil {
					g.Covered = map[string]bool{}
				}
				g.Covered[month] = true
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		type drawn struct {
			GrantID string
			Total   models.Money
		}
		var draws []drawn
		if err := sc.within(tx, "reserve_entries", lo, hi).
			Where("reserve_entries.kind = ? AND reserve_entries.grant_id IS NOT NULL", models.ReserveDraw).
			Select("reserve_entries.grant_id AS grant_id, -SUM(reserve_entries.amount) AS total").
			Group("reserve_entries.grant_id").Scan(&draws).Error; err != nil {
			return err
		}
		for _, d := range draws {
			if g := byID[d.GrantID]; g != nil {
				g.Drawn = d.Total
			}
		}
		reissued := tx.Session(&gorm.Session{NewDB: true}).Table("payroll_lines AS r").Select("r.reissue_of").Where("r.reissue_of IS NOT NULL")
		if err := sc.within(tx, "payroll_lines", lo, hi).
			Joins("JOIN payrolls ON payrolls.id = payroll_lines.payroll_id").
			Where("payroll_lines.status = ? AND payrolls.status IN ?", models.LineFailed, []models.PayrollStatus{models.PayrollApproved, models.PayrollSettled}).
			Where("payroll_lines.id NOT IN (?)", reissued).
			Select("payroll_lines.*").Order("payroll_lines.area_code, payroll_lines.grant_id, payroll_lines.month").
			Find(&in.Failed).Error; err != nil {
			return err
		}
		var payees []*models.Payee
		if err := payeesOf(sc.within(tx, "households", lo, hi)).Find(&payees).Error; err != nil {
			return err
		}
		for _, p := range payees {
			in.Payees[p.HouseholdID] = p
		}
		return nil
	})
	if err != nil {
		return nil, wrap("payroll inputs", err)
	}
	return in, nil
}

// closeRows closes rows and returns the error that ended their iteration.
func closeRows(rows interface {
	Err() error
	Close() error
}) error {
	return errors.Join(rows.Err(), rows.Close())
}

// lineBatch is how many payroll lines one INSERT writes where there is no COPY.
const lineBatch = 500

// lineColumns are the columns of payroll_lines a new line fills, in the order of
// lineValues.
var lineColumns = []string{"id", "payroll_id", "seq", "area_code", "reference", "household_id", "grant_id", "program_code",
	"category_code", "month", "attempt", "kind", "reissue_of", "amount", "bank", "account", "holder", "status", "reason"}

// lineValues are the values of l for lineColumns.
func lineValues(l *models.PayrollLine) []any {
	return []any{l.ID, l.PayrollID, int64(l.Seq), l.AreaCode, l.Reference, l.HouseholdID, l.GrantID, l.ProgramCode,
		l.CategoryCode, l.Month, int64(l.Attempt), string(l.Kind), l.ReissueOf, int64(l.Amount), l.Bank, l.Account, l.Holder,
		string(l.Status), l.Reason}
}

// lineChanged describes a change of a payroll line for the change feed: it carries the
// line's category, so that integrators read the lines of their categories only.
func lineChanged(kind models.ChangeKind, id, area, category string) models.ChangeLogEntry {
	return models.ChangeLogEntry{Entity: models.EntityPayrollLine, EntityID: id, AreaCode: area, CategoryCode: &category, Kind: kind}
}

// insertLines writes new payroll lines in the unit of work: by COPY on PostgreSQL, by
// batched INSERTs elsewhere. It is the one way payroll lines are written.
func (ps *PayrollStore) insertLines(w *Writer, lines []*models.PayrollLine) error {
	if w.conn != nil {
		return w.copyRows("payroll_lines", lineColumns, len(lines), func(i int) []any { return lineValues(lines[i]) })
	}
	return w.tx.CreateInBatches(lines, lineBatch).Error
}

// InsertPayroll writes a new payroll with its lines in the unit of work w, and a
// CREATED entry of the change feed for each line. The lines travel by COPY when w was
// opened by Store.WriteBulk on PostgreSQL, by batched INSERTs otherwise. It returns
// models.ErrNotFound for a county or line outside w's scope, and a Conflict error when
// the county already has a payroll of that month and run, or when a line would pay a
// grant for a month (and attempt) already on another payroll — the unique indexes
// decide, so that of two concurrent generations exactly one succeeds.
func (ps *PayrollStore) InsertPayroll(w *Writer, p *models.Payroll, lines []*models.PayrollLine) error {
	tx, sc := w.tx, w.sc
	if !sc.p.Covers(p.AreaCode) {
		return models.NotFound("county")
	}
	for _, l := range lines {
		if !sc.p.Covers(l.AreaCode) {
			return models.NotFound("household")
		}
	}
	if err := tx.Create(p).Error; err != nil {
		if isUniqueViolation(err) {
			return models.Conflict("county %s already has a payroll for %s (run %d)", p.AreaCode, p.Month, p.Run)
		}
		return err
	}
	if len(lines) > 0 {
		if err := ps.insertLines(w, lines); err != nil {
			if isUniqueViolation(err) {
				return models.Conflict("a grant's month is already on another payroll; generate again")
			}
			return err
		}
	}
	entries := make([]models.ChangeLogEntry, len(lines))
	for i, l := range lines {
		entries[i] = lineChanged(models.ChangeCreated, l.ID, l.AreaCode, l.CategoryCode)
	}
	w.changed(entries...)
	return nil
}

// GetPayroll returns a payroll inside the scope. It returns models.ErrNotFound for one
// outside it.
func (ps *PayrollStore) GetPayroll(ctx context.Context, sc Scope, id string) (*models.Payroll, error) {
	var p models.Payroll
	err := sc.rows(ps.primary(ctx, sc), "payrolls").Where("payrolls.id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("payroll")
	}
	if err != nil {
		return nil, wrap("payroll", err)
	}
	return &p, nil
}

// FindPayroll returns the payroll of county, month and run inside the scope, or
// models.ErrNotFound.
func (ps *PayrollStore) FindPayroll(ctx context.Context, sc Scope, county, month string, run int) (*models.Payroll, error) {
	var p models.Payroll
	err := sc.rows(ps.primary(ctx, sc), "payrolls").Where("payrolls.area_code = ? AND payrolls.month = ? AND payrolls.run = ?", county, month, run).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("payroll")
	}
	if err != nil {
		return nil, wrap("payroll", err)
	}
	return &p, nil
}

// LastRun returns the highest run of the payrolls of county and month, -1 for none.
func (ps *PayrollStore) LastRun(ctx context.Context, sc Scope, county, month string) (int, error) {
	var last *int
	err := sc.rows(ps.primary(ctx, sc), "payrolls").Where("payrolls.area_code = ? AND payrolls.month = ?", county, month).
		Select("MAX(payrolls.run)").Scan(&last).Error
	if err != nil {
		return 0, wrap("payroll runs", err)
	}
	if last == nil {
		return -1, nil
	}
	return *last, nil
}

// ApprovePayroll moves a DRAFT payroll to APPROVED in the unit of work w, by approver at
// instant at, and sets p's status and approval to match. The move is conditional on the
// status still being DRAFT: of two concurrent approvals one wins, the other gets a
// Conflict error. It returns the database's errors.
func (ps *PayrollStore) ApprovePayroll(w *Writer, p *models.Payroll, approver string, at time.Time) error {
	res := w.sc.rows(w.tx, "payrolls").Where("payrolls.id = ? AND payrolls.status = ?", p.ID, models.PayrollDraft).
		Updates(map[string]any{"status": models.PayrollApproved, "approved_by": approver, "approved_at": at})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the payroll is no longer a draft")
	}
	p.Status, p.ApprovedBy, p.ApprovedAt = models.PayrollApproved, &approver, &at
	return nil
}

// Lines returns up to limit lines of a payroll inside the scope with numbers between
// after and before (0 for no bound), in order: the first ones, or the last ones when
// backward is set.
func (ps *PayrollStore) Lines(ctx context.Context, sc Scope, payrollID string, after, before, limit int, backward bool) ([]*models.PayrollLine, error) {
	var ls []*models.PayrollLine
	q := sc.rows(ps.primary(ctx, sc), "payroll_lines").Where("payroll_lines.payroll_id = ?", payrollID)
	if after > 0 {
		q = q.Where("payroll_lines.seq > ?", after)
	}
	if before > 0 {
		q = q.Where("payroll_lines.seq < ?", before)
	}
	order := "payroll_lines.seq"
	if backward {
		order += " DESC"
	}
	err := q.Order(order).Limit(limit).Find(&ls).Error
	if backward {
		slices.Reverse(ls)
	}
	return ls, wrap("payroll lines", err)
}

// EachLine calls f with every line of a payroll inside the scope, in order, reading them
// from the database as f goes: an export of 500,000 lines holds one at a time. It stops
// at f's first error and returns it.
func (ps *PayrollStore) EachLine(ctx context.Context, sc Scope, payrollID string, f func(*models.PayrollLine) error) error {
	rows, err := sc.rows(ps.primary(ctx, sc), "payroll_lines").Where("payroll_lines.payroll_id = ?", payrollID).
		Order("payroll_lines.seq").Rows()
	if err != nil {
		return wrap("payroll lines", err)
	}
	defer rows.Close()
	db := ps.s.db
	for rows.Next() {
		var l models.PayrollLine
		if err := db.ScanRows(rows, &l); err != nil {
			return wrap("payroll line", err)
		}
		if err := f(&l); err != nil {
			return err
		}
	}
	return wrap("payroll lines", rows.Err())
}

// wholePayrollLookup is how many references make LinesByReference read the payroll's
// lines once, in their order, instead of looking each reference up: a bank's return file
// usually names every line, and one ordered pass over (payroll_id, seq) costs less than
// as many lookups in the reference index.
const wholePayrollLookup = 5_000

// LinesByReference returns the lines of a payroll inside the scope whose references are
// among refs, by reference: their id, sequence number, reference, amount and settlement
// only. It returns the store's wrapped database error if the read fails.
func (ps *PayrollStore) LinesByReference(ctx context.Context, sc Scope, payrollID string, refs []string) (map[string]*models.PayrollLine, error) {
	out := make(map[string]*models.PayrollLine, len(refs))
	db := ps.primary(ctx, sc)
	columns := "payroll_lines.id, payroll_lines.seq, payroll_lines.reference, payroll_lines.amount, payroll_lines.status"
	scan := func(q *gorm.DB, keep func(ref string) bool) error {
		rows, err := q.Rows()
		if err != nil {
			return wrap("payroll lines by reference", err)
		}
		for rows.Next() {
			l := &models.PayrollLine{PayrollID: payrollID}
			if err := rows.Scan(&l.ID, &l.Seq, &l.Reference, &l.Amount, &l.Status); err != nil {
				_ = rows.Close()
				return wrap("payroll lines by reference", err)
			}
			if keep(l.Reference) {
				out[l.Reference] = l
			}
		}
		return wrap("payroll lines by reference", closeRows(rows))
	}
	whole := wholePayrollLookup
	if ps.s.wholePayrollLookup > 0 {
		whole = ps.s.wholePayrollLookup
	}
	if len(refs) >= whole {
		wanted := make(map[string]bool, len(refs))
		for _, r := range refs {
			wanted[r] = true
		}
		q := sc.rows(db, "payroll_lines").Where("payroll_lines.payroll_id = ?", payrollID).
			Select(columns).Order("payroll_lines.seq")
		if err := scan(q, func(ref string) bool { return wanted[ref] }); err != nil {
			return nil, err
		}
		return out, nil
	}
	chunk := 1000
	if ps.s.dialect == Postgres {
		chunk = pgChunk
	}
	for i := 0; i < len(refs); i += chunk {
		part := refs[i:min(i+chunk, len(refs))]
		q := sc.rows(db, "payroll_lines").Where("payroll_lines.payroll_id = ?", payrollID).Select(columns)
		if ps.s.dialect == Postgres {
			q = q.Joins("JOIN unnest(?::text[]) AS wanted(reference) ON wanted.reference = payroll_lines.reference", texts(part))
		} else {
			q = q.Where("payroll_lines.reference IN ?", part)
		}
		if err := scan(q, func(string) bool { return true }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LineSettlement marks one line paid or failed.
type LineSettlement struct {
	LineID string
	// Seq is the line's sequence number in its payroll (models.PayrollLine.Seq).
	Seq    int
	Status models.LineStatus
	Reason string
}

// settleChunk is how many lines one set-based UPDATE settles.
const settleChunk = 50_000

// settledLine is a line as a settlement's UPDATE … RETURNING gives it back.
type settledLine struct {
	ID, AreaCode, HouseholdID, CategoryCode, ProgramCode, Month string
	Status                                                      models.LineStatus
}

// Settle marks lines of an APPROVED payroll paid or failed in the unit of work w, with
// an UPDATED entry of the change feed for each line and, for each line marked FAILED, a
// notice to its household in the outbox (NoticePaymentFailed); it moves the payroll to
// SETTLED once no line is left unsettled. The lines are updated set-based: on
// PostgreSQL one UPDATE … FROM unnest per settleChunk lines. Only unsettled lines
// change: a line settled meanwhile by a concurrent reconciliation makes the call a
// Conflict error, and so does a payroll no longer APPROVED; the use case's unit of work
// then writes nothing. It returns the database's errors.
func (ps *PayrollStore) Settle(w *Writer, p *models.Payroll, marks []LineSettlement, at time.Time) error {
	tx, sc := w.tx, w.sc
	res := sc.rows(tx, "payrolls").Where("payrolls.id = ? AND payrolls.status = ?", p.ID, models.PayrollApproved).
		Clauses(clause.Locking{Strength: "UPDATE"}).Select("payrolls.id").Find(&[]string{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the payroll is no longer APPROVED")
	}
	settled, err := ps.settleLines(tx, sc, p.ID, marks, at.UTC())
	if err != nil {
		return err
	}
	if len(settled) != len(marks) {
		return models.Conflict("lines of the payroll were settled concurrently; nothing was written, try again")
	}
	entries := make([]models.ChangeLogEntry, len(settled))
	var failed []*settledLine
	for i := range settled {
		l := &settled[i]
		entries[i] = lineChanged(models.ChangeUpdated, l.ID, l.AreaCode, l.CategoryCode)
		if l.Status == models.LineFailed {
			failed = append(failed, l)
		}
	}
	w.changed(entries...)
	if err := ps.s.Outbox().noticePaymentsFailed(tx, failed); err != nil {
		return err
	}
	var left int64
	if err := sc.rows(tx, "payroll_lines").Where("payroll_lines.payroll_id = ? AND payroll_lines.status = ?", p.ID, models.LineUnsettled).
		Count(&left).Error; err != nil {
		return err
	}
	if left == 0 {
		if err := sc.rows(tx, "payrolls").Where("payrolls.id = ?", p.ID).Update("status", models.PayrollSettled).Error; err != nil {
			return err
		}
		p.Status = models.PayrollSettled
	}
	return nil
}

// settledColumns are what a settlement's UPDATE returns of each line it marked.
const settledColumns = ` RETURNING payroll_lines.id, payroll_lines.area_code, payroll_lines.household_id,
	payroll_lines.category_code, payroll_lines.program_code, payroll_lines.month, payroll_lines.status`

// settleLines marks the unsettled lines of payroll id inside the scope as marks say and
// returns the lines it marked. On PostgreSQL each chunk is one UPDATE … FROM unnest of
// the ids, statuses and reasons; elsewhere one UPDATE … WHERE id IN per status and
// reason.
func (ps *PayrollStore) settleLines(tx *gorm.DB, sc Scope, payrollID string, marks []LineSettlement, at time.Time) ([]settledLine, error) {
	scoped, scopeArgs := sc.inScope("payroll_lines")
	var out []settledLine
	run := func(q string, args ...any) error {
		rows, err := tx.Raw(q, args...).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var l settledLine
			if err := rows.Scan(&l.ID, &l.AreaCode, &l.HouseholdID, &l.CategoryCode, &l.ProgramCode, &l.Month, &l.Status); err != nil {
				_ = rows.Close()
				return err
			}
			out = append(out, l)
		}
		return closeRows(rows)
	}
	if ps.s.dialect == Postgres {
		// In the order of the lines' sequence numbers, so that the update walks the
		// (payroll_id, seq) index and the heap in the order COPY wrote them.
		sorted := slices.Clone(marks)
		slices.SortFunc(sorted, func(a, b LineSettlement) int { return a.Seq - b.Seq })
		for i := 0; i < len(sorted); i += settleChunk {
			chunk := sorted[i:min(i+settleChunk, len(sorted))]
			ids, seqs, statuses, reasons := make([]string, len(chunk)), make([]int64, len(chunk)), make([]string, len(chunk)), make([]string, len(chunk))
			for j, m := range chunk {
				ids[j], seqs[j], statuses[j], reasons[j] = m.LineID, int64(m.Seq), string(m.Status), m.Reason
			}
			args := append([]any{at, texts(ids), pgInts(seqs), texts(statuses), texts(reasons), payrollID, models.LineUnsettled}, scopeArgs...)
			if err := run(`UPDATE payroll_lines SET status = t.status, reason = t.reason, settled_at = ?
				FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[]) AS t(id, seq, status, reason)
				WHERE payroll_lines.payroll_id = ? AND payroll_lines.seq = t.seq AND payroll_lines.id = t.id
				AND payroll_lines.status = ? AND `+scoped+settledColumns, args...); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	byStatus := map[[2]string][]string{}
	var keys [][2]string
	for _, m := range marks {
		k := [2]string{string(m.Status), m.Reason}
		if _, ok := byStatus[k]; !ok {
			keys = append(keys, k)
		}
		byStatus[k] = append(byStatus[k], m.LineID)
	}
	for _, k := range keys {
		ids := byStatus[k]
		for i := 0; i < len(ids); i += 1000 {
			chunk := ids[i:min(i+1000, len(ids))]
			args := append([]any{k[0], k[1], at, payrollID, models.LineUnsettled, chunk}, scopeArgs...)
			if err := run(`UPDATE payroll_lines SET status = ?, reason = ?, settled_at = ?
				WHERE payroll_lines.payroll_id = ? AND payroll_lines.status = ? AND payroll_lines.id IN ? AND `+scoped+settledColumns, args...); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// noticePaymentsFailed writes a notice to the household of each failed line, inside tx
// (the outbox, outbox.go): the program and the month, never an account or ID number.
func (r *Outbox) noticePaymentsFailed(tx *gorm.DB, lines []*settledLine) error {
	s := r.s
	if len(lines) == 0 {
		return nil
	}
	now := s.now().UTC()
	ns := make([]*Notification, len(lines))
	for i, l := range lines {
		b, err := json.Marshal(map[string]string{"program": l.ProgramCode, "month": l.Month})
		if err != nil {
			return err
		}
		ns[i] = &Notification{ID: newID(), Kind: NoticePaymentFailed, AreaCode: l.AreaCode, HouseholdID: l.HouseholdID,
			Params: string(b), CreatedAt: now, DueAt: now}
	}
	return tx.CreateInBatches(ns, 500).Error
}

// PayrollTotals are a payroll's money by settlement.
type PayrollTotals struct {
	Paid, Failed, Unsettled models.Money
}

// Totals adds up the lines of a payroll inside the scope by settlement.
func (ps *PayrollStore) Totals(ctx context.Context, sc Scope, payrollID string) (*PayrollTotals, error) {
	var rows []struct {
		Status models.LineStatus
		Total  models.Money
	}
	if err := sc.rows(ps.primary(ctx, sc), "payroll_lines").Where("payroll_lines.payroll_id = ?", payrollID).
		Select("payroll_lines.status AS status, SUM(payroll_lines.amount) AS total").Group("payroll_lines.status").Scan(&rows).Error; err != nil {
		return nil, wrap("payroll totals", err)
	}
	t := &PayrollTotals{}
	for _, r := range rows {
		switch r.Status {
		case models.LinePaid:
			t.Paid = r.Total
		case models.LineFailed:
			t.Failed = r.Total
		default:
			t.Unsettled += r.Total
		}
	}
	return t, nil
}

// Paid sums the lines paid (reconciled PAID) inside the scope, in the subtree of area,
// whose settlement falls in [from, to): for an integrator, only the lines of its
// categories (paidLinesWithin).
func (ps *PayrollStore) Paid(ctx context.Context, sc Scope, area string, from, to time.Time) (models.Money, error) {
	lo, hi := division.Range(area)
	q := sc.paidLinesWithin(ps.primary(ctx, sc), lo, hi).
		Where("payroll_lines.settled_at >= ? AND payroll_lines.settled_at < ?", from.UTC(), to.UTC())
	var sum *int64
	if err := q.Select("SUM(payroll_lines.amount)").Scan(&sum).Error; err != nil {
		return 0, wrap("money paid", err)
	}
	if sum == nil {
		return 0, nil
	}
	return models.Money(*sum), nil
}

// DiscardPayroll deletes a DRAFT payroll and its lines in the unit of work w, with a
// DELETED entry of the change feed for each line. The delete is conditional on the
// status still being DRAFT: a payroll approved meanwhile is a Conflict error, and the
// use case's unit of work then deletes nothing. It returns the database's errors.
func (ps *PayrollStore) DiscardPayroll(w *Writer, p *models.Payroll) error {
	tx, sc := w.tx, w.sc
	res := sc.rows(tx, "payrolls").Where("payrolls.id = ? AND payrolls.status = ?", p.ID, models.PayrollDraft).Delete(&models.Payroll{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Conflict("the payroll is no longer a draft")
	}
	var gone []struct{ ID, AreaCode, CategoryCode string }
	if err := sc.rows(tx, "payroll_lines").Where("payroll_lines.payroll_id = ?", p.ID).Order("payroll_lines.seq").
		Select("payroll_lines.id, payroll_lines.area_code, payroll_lines.category_code").Scan(&gone).Error; err != nil {
		return err
	}
	if err := tx.Where("payroll_id = ?", p.ID).Delete(&models.PayrollLine{}).Error; err != nil {
		return err
	}
	entries := make([]models.ChangeLogEntry, len(gone))
	for i, l := range gone {
		entries[i] = lineChanged(models.ChangeDeleted, l.ID, l.AreaCode, l.CategoryCode)
	}
	w.changed(entries...)
	return nil
}
