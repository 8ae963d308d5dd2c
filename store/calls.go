package store

import (
	"context"
	"strings"

	"jiuzhu/models"
)

// RecordCall appends one entry to the audit trail for a call by the caller of sc: op is
// the operation ("query SyncChanges", "import households"), fields what it asked for
// (the root fields of a GraphQL operation, a file name). The entry carries the caller's
// subject, role and area, and is scoped to the caller's area. It is how every call of an
// integrator is kept on record, reads included.
//
// It returns the database's error when the entry cannot be written.
func (r *Audit) RecordCall(ctx context.Context, sc Scope, op string, fields []string) error {
	s := r.s
	ev := s.Audit().auditEvent(sc, clip(op, 64), "", nil, nil, nil, nil)
	ev.RecordIDs = clip(strings.Join(fields, ","), 2000)
	return wrap("record call", s.db.WithContext(sc.bind(ctx)).Create(ev).Error)
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// AuditTrailUnscoped returns the whole audit trail, oldest first. It is for tests and
// operators' tools, never for the API.
func (r *Audit) AuditTrailUnscoped(ctx context.Context) ([]models.AuditEvent, error) {
	s := r.s
	var evs []models.AuditEvent
	err := s.db.WithContext(systemScope(ctx)).Order("created_at").Order("id").Find(&evs).Error
	return evs, wrap("audit trail", err)
}
