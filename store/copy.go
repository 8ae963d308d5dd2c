package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"jiuzhu/models"
)

// Bulk writes. A unit of work that writes hundreds of thousands of rows (a county's
// payroll) runs through WriteBulk: on PostgreSQL its transaction is pinned to one
// connection, so that the rows travel by COPY (pgx's CopyFrom) inside the very
// transaction that writes the rest, with its audit event and change feed; elsewhere it
// is Write, and the rows are batched INSERTs.

// copyThreshold is how many change-feed entries make the commit write them by COPY
// rather than by one INSERT … unnest.
const copyThreshold = 2000

// WriteBulk is Write for a unit of work that writes rows by the hundred thousand (a
// county's payroll lines): on PostgreSQL its transaction runs on a connection of its
// own, which copyRows reaches to send the rows by COPY; elsewhere it is Write. It
// returns what Write returns.
func (s *Store) WriteBulk(ctx context.Context, sc Scope, op string, step func(w *Writer) error) error {
	if s.dialect != Postgres {
		return s.Write(ctx, sc, op, step)
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return wrap(op, err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer conn.Close()
	db := s.db.WithContext(ctx).Session(&gorm.Session{})
	db.Statement.ConnPool = conn
	err = db.Transaction(func(tx *gorm.DB) error {
		w := &Writer{s: s, tx: tx, sc: sc, conn: conn}
		if err := step(w); err != nil {
			return err
		}
		return w.commit()
	})
	return wrap(op, err)
}

// copyRows writes n rows into table's columns cols by COPY inside the unit of work's
// transaction; row(i) returns the values of row i in the order of cols. It needs a
// Writer of WriteBulk on PostgreSQL. PostgreSQL refuses COPY FROM into a table under
// row-level security, so with it on the rows are copied into a temporary table first
// and inserted from there by one INSERT … SELECT, which the policies check.
func (w *Writer) copyRows(table string, cols []string, n int, row func(i int) []any) error {
	if w.conn == nil {
		return fmt.Errorf("copy into %s: the unit of work has no connection of its own", table)
	}
	if !w.s.rls {
		return w.copyInto(table, cols, n, row)
	}
	staging := "staging_" + table
	if err := w.tx.Exec("CREATE TEMPORARY TABLE " + pgx.Identifier{staging}.Sanitize() + " (LIKE " +
		pgx.Identifier{table}.Sanitize() + " INCLUDING DEFAULTS) ON COMMIT DROP").Error; err != nil {
		return err
	}
	if err := w.copyInto(staging, cols, n, row); err != nil {
		return err
	}
	list := make([]string, len(cols))
	for i, c := range cols {
		list[i] = pgx.Identifier{c}.Sanitize()
	}
	return w.tx.Exec("INSERT INTO " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(list, ", ") + ") SELECT " +
		strings.Join(list, ", ") + " FROM " + pgx.Identifier{staging}.Sanitize()).Error
}

// copyInto runs the COPY of copyRows into table.
func (w *Writer) copyInto(table string, cols []string, n int, row func(i int) []any) error {
	ctx := w.tx.Statement.Context
	return w.conn.Raw(func(dc any) error {
		var pc *stdlib.Conn
		switch c := dc.(type) {
		case *rlsConn:
			pc = c.Conn
		case *stdlib.Conn:
			pc = c
		default:
			return fmt.Errorf("COPY needs pgx's connections, not %T", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols,
			pgx.CopyFromFunc(func() func() ([]any, error) {
				i := -1
				return func() ([]any, error) {
					i++
					if i >= n {
						return nil, nil
					}
					return row(i), nil
				}
			}()))
		return err
	})
}

// logChanges writes change-feed entries as logChange does (commit-ordered sequence
// numbers from change_seq), by COPY when the unit of work has a connection of its own
// and the entries are many.
func (w *Writer) logChanges(entries []models.ChangeLogEntry) error {
	if w.conn == nil || len(entries) < copyThreshold {
		return w.s.logChange(w.tx, entries...)
	}
	var last int64
	k := int64(len(entries))
	if err := w.tx.Raw("UPDATE change_seq SET n = n + ? WHERE id = 1 RETURNING n", k).Scan(&last).Error; err != nil {
		return err
	}
	if last < k {
		return errNoChangeSeq
	}
	at := w.tx.NowFunc()
	for i := range entries {
		entries[i].Seq = last - k + 1 + int64(i)
		entries[i].At = at
	}
	return w.copyRows("change_log", []string{"seq", "area_code", "entity", "entity_id", "category_code", "kind", "at"}, len(entries),
		func(i int) []any {
			e := &entries[i]
			return []any{e.Seq, e.AreaCode, string(e.Entity), e.EntityID, e.CategoryCode, string(e.Kind), e.At}
		})
}
