package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/models"
)

// audit appends an AuditEvent to the trail inside tx, so that it commits or rolls back
// with the change it records. area is the area of the records touched ("" for the
// caller's own area), ids the records' ids, before and after the records as they were and
// are (nil where there is none); only keyed digests of them are kept (see digester),
// never personal data.
func (s *Store) audit(tx *gorm.DB, sc Scope, op, area string, ids []string, before, after any) error {
	d, err := s.Audit().digester(tx)
	if err != nil {
		return err
	}
	return tx.Create(s.Audit().auditEvent(sc, op, area, ids, d, before, after)).Error
}

// auditKeyLen is the length in bytes of the key of the audit digests.
const auditKeyLen = 32

// auditKeyRow is the one row of the table audit_keys: the secret key of the audit
// trail's digests, made at random by the first Migrate and never changed, so that the
// digests of one record stay comparable over time and across instances. It is read by
// the store only; no API shows it.
type auditKeyRow struct {
	ID  int    `gorm:"primaryKey;autoIncrement:false"`
	Key string `gorm:"size:64;not null"`
}

// TableName names the table of the key.
func (auditKeyRow) TableName() string { return "audit_keys" }

// ensureAuditKey creates the row of the audit key when it is missing (the table is the
// schema's); an existing key is kept. It returns the database's errors.
func ensureAuditKey(db *gorm.DB) error {
	key := make([]byte, auditKeyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return db.Clauses(clause.OnConflict{DoNothing: true}).Create(&auditKeyRow{ID: 1, Key: hex.EncodeToString(key)}).Error
}

// digester returns the function that digests a record for the audit trail: the hex
// HMAC-SHA-256 of its JSON under the database's audit key, or "" for nil. A plain hash
// would not do: the digest of a small record (a member, whose other fields an auditor
// can read) falls to a search over the few thousand ID numbers of a birth year and
// county, and the trail is read by auditors through the API. The key is read once, with
// tx, on the connection tx already holds, and kept. It returns an error when the
// database has no key (it was not migrated) and the database's errors.
func (r *Audit) digester(tx *gorm.DB) (func(v any) string, error) {
	s := r.s
	s.auditKeyMu.Lock()
	defer s.auditKeyMu.Unlock()
	if s.auditKey == nil {
		var row auditKeyRow
		err := tx.Session(&gorm.Session{NewDB: true}).Where("id = ?", 1).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, errors.New("store: the database has no audit key; run migrate")
		}
		if err != nil {
			return nil, err
		}
		key, err := hex.DecodeString(row.Key)
		if err != nil || len(key) != auditKeyLen {
			return nil, fmt.Errorf("store: the audit key is not %d bytes of hex", auditKeyLen)
		}
		s.auditKey = key
	}
	key := s.auditKey
	return func(v any) string { return digest(key, v) }, nil
}

// digest returns the hex HMAC-SHA-256 under key of v's JSON, or "" for nil.
func digest(key []byte, v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(b)
	return hex.EncodeToString(mac.Sum(nil))
}

// auditEvent builds the audit record that audit writes, for callers that write many in
// one statement; d digests before and after (nil when both are nil).
func (r *Audit) auditEvent(sc Scope, op, area string, ids []string, d func(any) string, before, after any) *models.AuditEvent {
	if area == "" {
		area = sc.p.Area
	}
	ev := &models.AuditEvent{
		ID: newID(), AreaCode: area, Actor: sc.p.Subject, ActorRole: sc.p.Role, ActorArea: sc.p.Area,
		Operation: op, RecordIDs: strings.Join(ids, ","),
	}
	if d != nil {
		ev.Before, ev.After = d(before), d(after)
	}
	return ev
}
