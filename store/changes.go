package store

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/models"
)

// Change feed limits.
const (
	// DefaultChangesPage is the page size of the change feed when first is absent.
	DefaultChangesPage = 100
	// MaxChangesPage is the ceiling on the change feed's first argument.
	MaxChangesPage = 1000
)

// logChange appends entries to the change log inside tx, so that they commit or roll
// back with the change they record. It is the ONE way the change feed is written: every
// write path of households, members and grants calls it in its transaction, preferably as
// its last statement. Only Seq and At are filled in here.
//
// Sequence numbers are taken from the single row of change_seq with
// UPDATE change_seq SET n = n + k RETURNING n. The row lock that statement takes is held
// until the transaction ends, so a second writer waits for the first to commit (or roll
// back) before it gets its numbers: seq order is commit order, there are no gaps from
// rolled-back transactions, and a reader that has seen seq N can never later find a
// committed entry below N. That is what lets an integrator sync with "seq > cursor" and
// never miss or repeat a change while writes commit concurrently.
//
// The price is that writers of households, members and grants are serialised from their
// logChange to their commit. Calling it last keeps that window to the insert of the log
// rows and the commit itself; on SQLite writers are serialised anyway. A sequence or an
// identity column would not do: they hand out numbers in statement order, not commit
// order, so a reader could pass over a number whose transaction commits later.
func (s *Store) logChange(tx *gorm.DB, entries ...models.ChangeLogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var last int64
	k := int64(len(entries))
	if err := tx.Raw("UPDATE change_seq SET n = n + ? WHERE id = 1 RETURNING n", k).Scan(&last).Error; err != nil {
		return err
	}
	if last < k {
		return errNoChangeSeq
	}
	at := tx.NowFunc()
	for i := range entries {
		entries[i].Seq = last - k + 1 + int64(i)
		entries[i].At = at
	}
	return s.Changes().insert(tx, entries)
}

type storeError string

func (e storeError) Error() string { return string(e) }

const errNoChangeSeq = storeError("change_seq has no counter row; run migrate")

// householdChanged, memberChanged and grantChanged describe a change of one record for
// logChange.
func householdChanged(kind models.ChangeKind, h *models.Household) models.ChangeLogEntry {
	return models.ChangeLogEntry{Entity: models.EntityHousehold, EntityID: h.ID, AreaCode: h.AreaCode, Kind: kind}
}

func memberChanged(kind models.ChangeKind, m *models.Member) models.ChangeLogEntry {
	return models.ChangeLogEntry{Entity: models.EntityMember, EntityID: m.ID, AreaCode: m.AreaCode, Kind: kind}
}

func grantChanged(kind models.ChangeKind, g *models.Grant) models.ChangeLogEntry {
	cat := g.CategoryCode
	return models.ChangeLogEntry{Entity: models.EntityGrant, EntityID: g.ID, AreaCode: g.AreaCode, CategoryCode: &cat, Kind: kind}
}

// ensureChangeLog creates the counter row of change_seq. On a database that already held
// records before the change log existed, it logs every household, member and grant as
// CREATED, in creation order, so that a first sync from the start of the feed sees them.
func ensureChangeLog(tx *gorm.DB) error {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.ChangeSeq{ID: 1, N: 0})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return nil
	}
	err := tx.Exec(`INSERT INTO change_log (seq, area_code, entity, entity_id, category_code, kind, at)
SELECT ROW_NUMBER() OVER (ORDER BY t.at, t.ord, t.id), t.area_code, t.entity, t.id, t.category_code, 'CREATED', t.at FROM (
  SELECT id, area_code, 'HOUSEHOLD' AS entity, CAST(NULL AS VARCHAR(32)) AS category_code, created_at AS at, 1 AS ord FROM households
  UNION ALL SELECT id, area_code, 'MEMBER', NULL, created_at, 2 FROM members
  UNION ALL SELECT id, area_code, 'GRANT', category_code, created_at, 3 FROM grants) t`).Error
	if err != nil {
		return err
	}
	return tx.Exec("UPDATE change_seq SET n = (SELECT COUNT(*) FROM change_log) WHERE id = 1").Error
}

// ChangeQuery selects a page of the change feed.
type ChangeQuery struct {
	// Since is the cursor of the last change already read; nil or empty means from the
	// start.
	Since *string
	// First is the page size, DefaultChangesPage when nil; the use case checks it
	// against 0..MaxChangesPage.
	First *int
}

// Changes reads the change feed, narrowed by the caller's scope.
type Changes struct{ s *Store }

// Changes returns the reads of the change feed.
func (s *Store) Changes() *Changes { return &Changes{s: s} }

// encodeChangeCursor returns the opaque cursor of change seq.
func encodeChangeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("chg:" + strconv.FormatInt(seq, 10)))
}

// decodeChangeCursor reads a cursor of encodeChangeCursor; it returns a
// *models.FieldError naming field for anything else.
func decodeChangeCursor(field, s string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, models.Invalid(field, "not a valid change cursor")
	}
	n, ok := strings.CutPrefix(string(raw), "chg:")
	if !ok {
		return 0, models.Invalid(field, "not a valid change cursor")
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	if err != nil || seq < 0 {
		return 0, models.Invalid(field, "not a valid change cursor")
	}
	return seq, nil
}

// List returns the households, members, grants and payroll lines created, updated or deleted in the
// caller's area after the cursor q.Since, in commit order, with each record as it is now
// when the caller may still see it (a deleted record is a tombstone with its id; a record
// that has since left the caller's area or been deleted has no record either).
// Integrators see grant and payroll-line changes of their categories only. A payroll
// line comes with its account number in full: the use case masks it. The end cursor of the page is
// where to read on; it survives restarts, and on an empty page it is q.Since itself.
//
// It returns a *models.FieldError for a since argument that is not a cursor of the feed
// (field "since"); a negative first reads nothing.
func (c *Changes) List(ctx context.Context, sc Scope, q ChangeQuery) (*models.ChangeConnection, error) {
	n := DefaultChangesPage
	if q.First != nil {
		n = max(*q.First, 0)
	}
	var since int64
	var err error
	if q.Since != nil && *q.Since != "" {
		if since, err = decodeChangeCursor("since", *q.Since); err != nil {
			return nil, err
		}
	}
	db := c.s.db.WithContext(ctx)
	var rows []models.ChangeLogEntry
	if n > 0 {
		err = sc.changeRows(db).Where("change_log.seq > ?", since).
			Order("change_log.seq").Limit(n + 1).Find(&rows).Error
		if err != nil {
			return nil, wrap("changes", err)
		}
	}
	out := &models.ChangeConnection{PageInfo: &models.PageInfo{}}
	if len(rows) > n {
		out.PageInfo.HasNextPage = true
		rows = rows[:n]
	}
	end := encodeChangeCursor(since)
	if q.Since != nil && *q.Since != "" && len(rows) == 0 {
		end = *q.Since
	}
	var hIDs, mIDs, gIDs, lIDs []string
	for _, r := range rows {
		if r.Kind == models.ChangeDeleted {
			continue
		}
		switch r.Entity {
		case models.EntityHousehold:
			hIDs = append(hIDs, r.EntityID)
		case models.EntityMember:
			mIDs = append(mIDs, r.EntityID)
		case models.EntityGrant:
			gIDs = append(gIDs, r.EntityID)
		case models.EntityPayrollLine:
			lIDs = append(lIDs, r.EntityID)
		}
	}
	households := map[string]*models.Household{}
	members := map[string]*models.Member{}
	grants := map[string]*models.Grant{}
	lines := map[string]*models.PayrollLine{}
	if err := loadByIDs(sc.rows(db, "households"), "households", hIDs, households, func(h *models.Household) string { return h.ID }); err != nil {
		return nil, wrap("changes", err)
	}
	if err := loadByIDs(sc.rows(db, "members"), "members", mIDs, members, func(m *models.Member) string { return m.ID }); err != nil {
		return nil, wrap("changes", err)
	}
	if err := loadByIDs(sc.grantRows(db), "grants", gIDs, grants, func(g *models.Grant) string { return g.ID }); err != nil {
		return nil, wrap("changes", err)
	}
	if err := loadByIDs(sc.payrollLineRows(db), "payroll_lines", lIDs, lines, func(l *models.PayrollLine) string { return l.ID }); err != nil {
		return nil, wrap("changes", err)
	}
	out.Edges = make([]*models.ChangeEdge, len(rows))
	for i, r := range rows {
		c := &models.Change{
			Cursor: encodeChangeCursor(r.Seq), Kind: r.Kind, Entity: r.Entity, ID: r.EntityID,
			AreaCode: r.AreaCode, At: r.At,
		}
		if r.Kind != models.ChangeDeleted {
			c.Household, c.Member, c.Grant = households[r.EntityID], members[r.EntityID], grants[r.EntityID]
			c.PayrollLine = lines[r.EntityID]
		}
		out.Edges[i] = &models.ChangeEdge{Cursor: c.Cursor, Node: c}
		end = c.Cursor
	}
	out.PageInfo.EndCursor = &end
	if len(out.Edges) > 0 {
		start := out.Edges[0].Cursor
		out.PageInfo.StartCursor = &start
	}
	return out, nil
}

// loadByIDs reads the rows of q (already scoped) whose id is in ids into into, keyed by
// key.
func loadByIDs[T any](q *gorm.DB, table string, ids []string, into map[string]*T, key func(*T) string) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []*T
	if err := q.Where(table+".id IN ?", ids).Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		into[key(r)] = r
	}
	return nil
}
