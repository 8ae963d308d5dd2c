package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// Writer is one unit of work: the transaction of one use case's write, and what the
// write must leave behind besides its rows. The aggregate stores' write methods record
// on it the change-feed entries of the rows they write and the households whose derived
// values and tallies the write changed; the use case records its audit events. Write
// turns all of it into rows before it commits, so that no write can leave out its audit
// event, its entries in the change feed or its tally deltas.
//
// A Writer is valid only inside the step passed to Write, and is not safe for
// concurrent use.
type Writer struct {
	s  *Store
	tx *gorm.DB
	sc Scope
	// conn is the connection the transaction runs on, when the write pinned one
	// (WriteBulk on PostgreSQL) for COPY; nil otherwise.
	conn *sql.Conn
	// events are the audit events recorded so far, written at commit.
	events []*models.AuditEvent
	// changes are the change-feed entries not yet written (Settle writes them).
	changes []models.ChangeLogEntry
	// dirty lists the households to refresh (derived values, tallies), in order.
	dirty []string
	// err is the first error of a recording method, returned by Write.
	err error
	// committed are run after the transaction commits (say, emptying a cache).
	committed []func()
}

// ErrNoAudit is what Write returns, and rolls back, when a step wrote without recording
// an audit event: every write is audited.
var ErrNoAudit = errors.New("store: a write recorded no audit event")

// Write runs step in one transaction as the caller of sc, then, before it commits,
// writes the change-feed entries and refreshes the households that step's writes
// recorded (Settle), and appends the audit events step recorded with Audit. A step that
// records no audit event is rolled back with ErrNoAudit. If step or any of this fails,
// nothing is written. It returns step's error as it is (sentinels stay matchable) and the
// database's errors wrapped with op.
func (s *Store) Write(ctx context.Context, sc Scope, op string, step func(w *Writer) error) error {
	var w *Writer
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		w = &Writer{s: s, tx: tx, sc: sc}
		if err := step(w); err != nil {
			return err
		}
		return w.commit()
	})
	if err == nil {
		for _, f := range w.committed {
			f()
		}
	}
	return wrap(op, err)
}

// Scope returns the scope the unit of work writes as.
func (w *Writer) Scope() Scope { return w.sc }

// Now returns the store's clock reading.
func (w *Writer) Now() time.Time { return w.s.now() }

// Audit records an audit event for the write: op names the operation, area is the area
// of the records touched ("" for the caller's own area), ids the records' ids, before and
// after the records as they were and are (nil where there is none). Only keyed digests
// of before and after are kept, taken now, so later changes to them do not count. The
// event is written at commit.
func (w *Writer) Audit(op, area string, ids []string, before, after any) {
	if w.err != nil {
		return
	}
	d, err := w.s.Audit().digester(w.tx)
	if err != nil {
		w.err = err
		return
	}
	w.events = append(w.events, w.s.Audit().auditEvent(w.sc, op, area, ids, d, before, after))
}

// changed records change-feed entries; the aggregate stores call it for every row they
// write.
func (w *Writer) changed(entries ...models.ChangeLogEntry) {
	w.changes = append(w.changes, entries...)
}

// touched records that the derived values and tallies of the households ids must be
// refreshed; the aggregate stores call it for every write to an input of the rules.
func (w *Writer) touched(ids ...string) {
	for _, id := range ids {
		dup := false
		for _, d := range w.dirty {
			if d == id {
				dup = true
				break
			}
		}
		if !dup {
			w.dirty = append(w.dirty, id)
		}
	}
}

// Settle writes now what the step recorded so far: its change-feed entries, then the
// refresh of the households it changed (their derived values, tallies and the changes
// of those). A step calls it only when it reads back derived values it changed; Write
// settles the rest before it commits.
func (w *Writer) Settle() error {
	if w.err != nil {
		return w.err
	}
	if len(w.changes) > 0 {
		entries := w.changes
		w.changes = nil
		if err := w.logChanges(entries); err != nil {
			return err
		}
	}
	if len(w.dirty) > 0 {
		ids := w.dirty
		w.dirty = nil
		if _, err := w.s.Derived().refresh(w.tx, w.sc, ids); err != nil {
			return err
		}
	}
	return nil
}

// commit writes the audit events and settles the rest; it fails with ErrNoAudit when no
// event was recorded.
func (w *Writer) commit() error {
	if w.err != nil {
		return w.err
	}
	if len(w.events) == 0 {
		return ErrNoAudit
	}
	if err := w.s.Audit().insert(w.tx, w.events); err != nil {
		return err
	}
	return w.Settle()
}
