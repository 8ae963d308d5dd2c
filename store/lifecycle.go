package store

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"jiuzhu/models"
)

// MedicalPaid returns, inside w, what program has paid member in year by its medical
// claims (P3). On PostgreSQL it locks the member's row first, so that two approvals for
// one person cannot both spend the same room under the ceiling; SQLite's write
// transactions are serial already. It returns models.ErrNotFound for a member outside
// w's scope.
func (r *Grants) MedicalPaid(w *Writer, memberID, program string, year int) (models.Money, error) {
	if r.s.dialect == Postgres {
		var id string
		err := w.sc.rows(w.tx, "members").Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("members.id = ?", memberID).Select("members.id").Take(&id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, models.NotFound("member")
		}
		if err != nil {
			return 0, err
		}
	}
	var paid int64
	err := w.sc.rows(w.tx, "medical_claims").
		Where("medical_claims.member_id = ? AND medical_claims.program_code = ? AND medical_claims.year = ?", memberID, program, year).
		Select("COALESCE(SUM(medical_claims.payable), 0)").Scan(&paid).Error
	return models.Money(paid), err
}

// InsertClaim stores the medical claim c of a grant inside w.
func (r *Grants) InsertClaim(w *Writer, c *models.MedicalClaim) error {
	return w.tx.Create(c).Error
}

// MedicalClaim returns the medical claim of a grant in sc, or nil when the grant has
// none or lies outside sc.
func (r *Grants) MedicalClaim(ctx context.Context, sc Scope, grantID string) (*models.MedicalClaim, error) {
	db := r.s.db.WithContext(ctx)
	var c models.MedicalClaim
	err := sc.rows(db, "medical_claims").Where("medical_claims.grant_id IN (?)", sc.visibleGrant(db, grantID)).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("medical claim", err)
	}
	return &c, nil
}
