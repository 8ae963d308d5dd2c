package store

import (
	"context"
	"errors"
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
	SHA256      string         `gorm:"column:sha256;size:64;not null"`
	Size        int64          `gorm:"not null"`
	ContentType string         `gorm:"size:40;not null"`
	CreatedBy   string         `gorm:"size:128;not null"`
	CreatedAt   time.Time      `gorm:"not null"`
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
// in one transaction; it sets d's id, area, author and time. It returns
// models.ErrNotFound when the record is not (or no longer) in sc, and the database's
// errors.
func (r *Documents) Add(ctx context.Context, sc Scope, d *Document) error {
	s := r.s
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		area, err := documentTarget(tx, sc, d.Record, d.RecordID)
		if err != nil {
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

// Document returns the document with id in the scope sc. It returns models.ErrNotFound
// when there is none in sc, and the database's errors. For integrators a document is
// in scope when its record is: an application of their categories.
func (r *Documents) Get(ctx context.Context, sc Scope, id string) (*Document, error) {
	s := r.s
	db := s.db.WithContext(ctx)
	var d Document
	err := sc.rows(db, "documents").Where("documents.id = ?", id).Take(&d).Error
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

// Of returns the documents attached to the record of kind rec with id in the
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
		Where("documents.record = ? AND documents.record_id = ?", rec, id).Order("documents.created_at").Order("documents.id").Find(&out).Error
	return out, wrap("documents", err)
}

// OfRecords returns the documents attached to the records of kind rec with ids that lie
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
		Where("documents.record = ? AND documents.record_id IN (?)", rec, targets).
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
