package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// audit appends an AuditEvent to the trail inside tx, so that it commits or rolls back
// with the change it records. area is the area of the records touched ("" for the
// caller's own area), ids the records' ids, before and after the records as they were and
// are (nil where there is none); only digests of them are kept, never personal data.
func (s *Store) audit(tx *gorm.DB, sc scope, op, area string, ids []string, before, after any) error {
	if area == "" {
		area = sc.p.Area
	}
	ev := &models.AuditEvent{
		ID: newID(), AreaCode: area, Actor: sc.p.Subject, ActorRole: sc.p.Role, ActorArea: sc.p.Area,
		Operation: op, RecordIDs: strings.Join(ids, ","), Before: digest(before), After: digest(after),
	}
	return tx.Create(ev).Error
}

// digest returns the hex SHA-256 of v's JSON, or "" for nil.
func digest(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
