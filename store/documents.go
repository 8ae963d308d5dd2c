package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"jiuzhu/models"
)

// DocumentRecord names the kind of record a supporting document is attached to.
type DocumentRecord string

// The records a document may be attached to.
const (
	// DocumentOfApplication attaches to an application (a grant with a reference number).
	DocumentOfApplication DocumentRecord = "APPLICATION"
	// DocumentOfVerification attaches to a household economic verification (P10).
	DocumentOfVerification DocumentRecord = "VERIFICATION"
	// DocumentOfGrievance attaches to a grievance (P25).
	DocumentOfGrievance DocumentRecord = "GRIEVANCE"
	// DocumentOfReview attaches to a re-certification review of a grant.
	DocumentOfReview DocumentRecord = "REVIEW"
)

// DocumentKind says what a supporting document is.
type DocumentKind string

// The kinds of supporting document.
const (
	DocumentIDCard      DocumentKind = "ID_CARD"
	DocumentIncomeProof DocumentKind = "INCOME_PROOF"
	DocumentMedicalBill DocumentKind = "MEDICAL_BILL"
	DocumentOther       DocumentKind = "OTHER"
)

// DocumentKinds are the kinds an upload may name.
var DocumentKinds = []DocumentKind{DocumentIDCard, DocumentIncomeProof, DocumentMedicalBill, DocumentOther}

// DocumentRecords are the records an upload may name.
var DocumentRecords = []DocumentRecord{DocumentOfApplication, DocumentOfVerification, DocumentOfGrievance, DocumentOfReview}

// documentRecordsText names DocumentRecords for an error on recordKind.
const documentRecordsText = "is one of APPLICATION, VERIFICATION, GRIEVANCE and REVIEW"

// Document is a supporting document attached to a record: its content lives in a
// content-addressed store (package documents) under SHA256, and this row says whose it
// is. It carries the record's area, so that it is read and written under the caller's
// scope like the record.
type Document struct {
	ID          string         `gorm:"primaryKey;size:36;index:idx_documents_area_id,priority:2"`
	AreaCode    string         `gorm:"size:12;not null;index:idx_documents_area_id,priority:1"`
	Record      DocumentRecord `gorm:"size:16;not null;index:idx_documents_record,priority:1"`
	RecordID    string         `gorm:"size:36;not null;index:idx_documents_record,priority:2"`
	Kind        DocumentKind   `gorm:"size:16;not null"`
	SHA256      string         `gorm:"column:sha256;size:64;not null;index:idx_documents_sha256_live,priority:1;index:idx_documents_unswept,where:withdrawn_at IS NOT NULL AND content_swept_at IS NULL"`
	Size        int64          `gorm:"not null"`
	ContentType string         `gorm:"size:40;not null"`
	CreatedBy   string         `gorm:"size:128;not null"`
	CreatedAt   time.Time      `gorm:"not null"`
	// WithdrawnAt, WithdrawnBy and WithdrawalReason say when, by whom and why the
	// document was withdrawn (attached by mistake); nil while it stands. A withdrawn
	// document is kept, for the record, but no longer listed or served.
	WithdrawnAt      *time.Time `gorm:"index:idx_documents_sha256_live,priority:2"`
	WithdrawnBy      *string    `gorm:"size:128"`
	WithdrawalReason *string    `gorm:"size:500"`
	// ContentSweptAt is when the daily sweep dealt with the content of a withdrawn
	// document (removed it, or found it still used by a standing document); nil until
	// then.
	ContentSweptAt *time.Time
}

// TableName names the table of documents.
func (Document) TableName() string { return "documents" }

// Documents is the persistence of the supporting documents attached to records: their
// metadata narrowed by the caller's Scope (the content lives in the document store).
// It checks no permission; the use cases in casework/attachments do. Reach it with
// Store.Documents.
type Documents struct{ s *Store }

// Documents returns the store of documents' metadata.
func (s *Store) Documents() *Documents { return &Documents{s: s} }

// documentTargets returns the query of the ids, among ids, of the records of kind rec
// that lie inside sc, built on db (a new session): for an application a grant with a
// reference number, for integrators of their categories (grants and reviews). It
// returns a *models.FieldError for an unknown kind of record.
func documentTargets(db *gorm.DB, sc Scope, rec DocumentRecord, ids []string) (*gorm.DB, error) {
	switch rec {
	case DocumentOfApplication:
		return sc.grantRows(db).Select("grants.id").Where("grants.id IN ? AND grants.reference IS NOT NULL", ids), nil
	case DocumentOfVerification:
		return sc.rows(db, "verifications").Select("verifications.id").Where("verifications.id IN ?", ids), nil
	case DocumentOfGrievance:
		return sc.rows(db, "grievances").Select("grievances.id").Where("grievances.id IN ?", ids), nil
	case DocumentOfReview:
		return sc.reviewRows(db).Select("reviews.id").Where("reviews.id IN ?", ids), nil
	}
	return nil, models.Invalid("recordKind", documentRecordsText)
}

// documentTarget returns the area of the record of kind rec with id inside sc, read with
// db. It returns models.ErrNotFound when there is none in sc (for an application: no
// grant with a reference number, or one of another area or category).
func documentTarget(db *gorm.DB, sc Scope, rec DocumentRecord, id string) (string, error) {
	var areas []string
	var err error
	switch rec {
	case DocumentOfApplication:
		err = sc.grantRows(db).Where("grants.id = ? AND grants.reference IS NOT NULL", id).Limit(1).Pluck("grants.area_code", &areas).Error
	case DocumentOfVerification:
		err = sc.rows(db, "verifications").Where("verifications.id = ?", id).Limit(1).Pluck("verifications.area_code", &areas).Error
	case DocumentOfGrievance:
		err = sc.rows(db, "grievances").Where("grievances.id = ?", id).Limit(1).Pluck("grievances.area_code", &areas).Error
	case DocumentOfReview:
		err = sc.reviewRows(db).Where("reviews.id = ?", id).Limit(1).Pluck("reviews.area_code", &areas).Error
	default:
		return "", models.Invalid("recordKind", documentRecordsText)
	}
	if err != nil {
		return "", err
	}
	if len(areas) == 0 {
		switch rec {
		case DocumentOfApplication:
			return "", models.NotFound("application")
		case DocumentOfGrievance:
			return "", models.NotFound("grievance")
		case DocumentOfReview:
			return "", models.NotFound("review")
		}
		return "", models.NotFound("verification")
	}
	return areas[0], nil
}

// Target returns the area of the record of kind rec with id in the scope sc. It
// returns models.ErrNotFound when the record is not in sc, a *models.FieldError for an
// unknown kind of record, and the database's errors.
func (r *Documents) Target(ctx context.Context, sc Scope, rec DocumentRecord, id string) (string, error) {
	s := r.s
	area, err := documentTarget(s.db.WithContext(ctx), sc, rec, id)
	if err != nil {
		return "", wrap("document target", err)
	}
	return area, nil
}

// Add writes d, attached to its record in the scope sc, with its audit record,
// in one transaction; it sets d's id, area, author and time. Inside the transaction,
// holding the lock of d's content (see SweepContent), it calls put, which must store the
// content: a sweep that removes the content of withdrawn documents either ends before
// put stores it again or sees d. It returns models.ErrNotFound when the record is not
// (or no longer) in sc, put's errors (writing nothing), and the database's errors.
func (r *Documents) Add(ctx context.Context, sc Scope, d *Document, put func(context.Context) error) error {
	s := r.s
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		area, err := documentTarget(tx, sc, d.Record, d.RecordID)
		if err != nil {
			return err
		}
		if err := r.lockContent(tx, d.SHA256); err != nil {
			return err
		}
		if err := put(ctx); err != nil {
			return err
		}
		d.ID, d.AreaCode, d.CreatedBy, d.CreatedAt = newID(), area, sc.p.Subject, s.now().UTC()
		if err := tx.Create(d).Error; err != nil {
			return err
		}
		return s.audit(tx, sc, "attachDocument", area, []string{d.ID, d.RecordID}, nil, d)
	})
	return wrap("add document", err)
}

// Get returns the document with id in the scope sc. It returns models.ErrNotFound
// when there is none in sc or it was withdrawn, and the database's errors. For integrators a document is
// in scope when its record is: an application of their categories.
func (r *Documents) Get(ctx context.Context, sc Scope, id string) (*Document, error) {
	s := r.s
	db := s.db.WithContext(ctx)
	var d Document
	err := sc.rows(db, "documents").Where("documents.id = ? AND documents.withdrawn_at IS NULL", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.NotFound("document")
	}
	if err != nil {
		return nil, wrap("document", err)
	}
	if _, err := documentTarget(db.Session(&gorm.Session{NewDB: true}), sc, d.Record, d.RecordID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil, models.NotFound("document")
		}
		return nil, wrap("document", err)
	}
	return &d, nil
}

// AuditDownload records that the caller of sc downloaded d. It returns the
// database's errors.
func (r *Documents) AuditDownload(ctx context.Context, sc Scope, d *Document) error {
	s := r.s
	return wrap("audit download", s.audit(s.db.WithContext(ctx), sc, "downloadDocument", d.AreaCode, []string{d.ID, d.RecordID}, nil, nil))
}

// Of returns the standing (not withdrawn) documents attached to the record of kind rec with id in the
// scope sc, oldest first. It returns models.ErrNotFound when the record is not in sc,
// and the database's errors.
func (r *Documents) Of(ctx context.Context, sc Scope, rec DocumentRecord, id string) ([]Document, error) {
	s := r.s
	db := s.db.WithContext(ctx)
	if _, err := documentTarget(db, sc, rec, id); err != nil {
		return nil, wrap("documents", err)
	}
	var out []Document
	err := sc.rows(db.Session(&gorm.Session{NewDB: true}), "documents").
		Where("documents.record = ? AND documents.record_id = ? AND documents.withdrawn_at IS NULL", rec, id).Order("documents.created_at").Order("documents.id").Find(&out).Error
	return out, wrap("documents", err)
}

// OfRecords returns the standing (not withdrawn) documents attached to the records of kind rec with ids that lie
// in the scope sc, newest first, by record id, in one statement. A record outside sc,
// unknown, or (for APPLICATION) a grant without a reference number has no entry. It
// returns a *models.FieldError for an unknown kind of record, and the database's errors.
func (r *Documents) OfRecords(ctx context.Context, sc Scope, rec DocumentRecord, ids []string) (map[string][]*Document, error) {
	out := make(map[string][]*Document, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	db := r.s.db.WithContext(sc.bind(ctx))
	targets, err := documentTargets(db.Session(&gorm.Session{NewDB: true}), sc, rec, ids)
	if err != nil {
		return nil, wrap("documents of records", err)
	}
	var ds []*Document
	err = sc.rows(db, "documents").
		Where("documents.record = ? AND documents.record_id IN (?) AND documents.withdrawn_at IS NULL", rec, targets).
		Order("documents.created_at DESC").Order("documents.id DESC").
		Find(&ds).Error
	if err != nil {
		return nil, wrap("documents of records", err)
	}
	for _, d := range ds {
		out[d.RecordID] = append(out[d.RecordID], d)
	}
	return out, nil
}

// contentLockClass is the first key of the PostgreSQL advisory locks of contents, so
// that they share no key with the other advisory locks of the database.
const contentLockClass = 0x6a7a646f // "jzdo"

// lockContent takes, for the rest of tx, the lock of the content sum: on PostgreSQL a
// transaction-level advisory lock keyed by the digest's first 32 bits (two contents
// sharing a key only wait for each other); on SQLite nothing, since every transaction
// there holds the database's write lock from its start (_txlock=immediate). Add,
// Withdraw and SweepContent take it, so that a sweep never decides on a content while an
// upload of it is between storing it and committing its row, nor while a document of it
// is being withdrawn.
func (r *Documents) lockContent(tx *gorm.DB, sum string) error {
	if r.s.dialect != Postgres {
		return nil
	}
	if len(sum) < 8 {
		return models.Invalid("sha256", "is not a SHA-256 digest")
	}
	key, err := strconv.ParseUint(sum[:8], 16, 32)
	if err != nil {
		return models.Invalid("sha256", "is not a SHA-256 digest")
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(?, ?)", contentLockClass, int32(uint32(key))).Error
}

// Withdraw marks document id, in the scope sc, withdrawn by the caller of sc now with
// reason, and audits it, in one transaction; the row stays, and the document is no longer
// listed or served. Its content is removed later, by SweepContent, once no standing
// document has it. It returns models.ErrNotFound when there is no such document in sc
// (nor its record), models.ErrConflict when it was withdrawn already, and the database's
// errors.
func (r *Documents) Withdraw(ctx context.Context, sc Scope, id, reason string) (*Document, error) {
	s := r.s
	var d Document
	err := s.db.WithContext(sc.bind(ctx)).Transaction(func(tx *gorm.DB) error {
		err := sc.rows(tx, "documents").Where("documents.id = ?", id).Take(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.NotFound("document")
		}
		if err != nil {
			return err
		}
		if _, err := documentTarget(tx.Session(&gorm.Session{NewDB: true}), sc, d.Record, d.RecordID); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return models.NotFound("document")
			}
			return err
		}
		if d.WithdrawnAt != nil {
			return models.Conflict("document %s was withdrawn already, on %s", d.ID, d.WithdrawnAt.UTC().Format(time.RFC3339))
		}
		// A sweep deciding on this content meanwhile would count the document standing
		// and then note it swept with the others, so that its content would stay for
		// good: the withdrawal waits for the sweep, or the sweep for the withdrawal.
		if err := r.lockContent(tx, d.SHA256); err != nil {
			return err
		}
		before := d
		now, by := s.now().UTC(), sc.p.Subject
		res := sc.rows(tx.Session(&gorm.Session{NewDB: true}), "documents").
			Where("documents.id = ? AND documents.withdrawn_at IS NULL", d.ID).
			Updates(map[string]any{"withdrawn_at": now, "withdrawn_by": by, "withdrawal_reason": reason})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return models.Conflict("document %s was withdrawn already", d.ID)
		}
		d.WithdrawnAt, d.WithdrawnBy, d.WithdrawalReason = &now, &by, &reason
		return s.audit(tx, sc, "withdrawDocument", d.AreaCode, []string{d.ID, d.RecordID}, &before, &d)
	})
	if err != nil {
		return nil, wrap("withdraw document", err)
	}
	return &d, nil
}

// SweepContent removes, with remove, the contents that only withdrawn documents have,
// in every area (it is the daily job's, not a caller's), and returns how many it removed.
// For each content of a withdrawn document not yet swept it takes the content's lock (see
// Add), and in that transaction removes the content when no standing document has it,
// then notes the withdrawn documents of it as swept: an upload of the same content either
// committed before, and keeps it, or stores it again after. A content whose removal fails
// stays unswept, and the next run tries it again; the others are still swept. It returns
// the first error of remove, joined with the database's errors.
func (r *Documents) SweepContent(ctx context.Context, remove func(ctx context.Context, sum string) error) (int, error) {
	s := r.s
	db := s.db.WithContext(systemScope(ctx))
	var sums []string
	err := db.Table("documents").Where("withdrawn_at IS NOT NULL AND content_swept_at IS NULL").
		Distinct("sha256").Order("sha256").Pluck("sha256", &sums).Error
	if err != nil {
		return 0, wrap("sweep contents", err)
	}
	removed := 0
	var errs []error
	for _, sum := range sums {
		gone := false
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := r.lockContent(tx, sum); err != nil {
				return err
			}
			var standing int64
			if err := tx.Table("documents").Where("sha256 = ? AND withdrawn_at IS NULL", sum).Count(&standing).Error; err != nil {
				return err
			}
			if standing == 0 {
				if err := remove(ctx, sum); err != nil {
					return err
				}
				gone = true
			}
			return tx.Session(&gorm.Session{NewDB: true}).Table("documents").
				Where("sha256 = ? AND withdrawn_at IS NOT NULL AND content_swept_at IS NULL", sum).
				Update("content_swept_at", s.now().UTC()).Error
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("content %s: %w", sum, err))
			continue
		}
		if gone {
			removed++
		}
	}
	return removed, wrap("sweep contents", errors.Join(errs...))
}
