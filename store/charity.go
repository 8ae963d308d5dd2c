package store

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// maxCharityAmount bounds the amount of one filing of charity aid: 10 million yuan.
const maxCharityAmount = models.Money(10_000_000_00)

// FileCharityAid files aid that a charity or other social force gave, or will give, a
// household of the caller's area (P4), so that it shows next to the household's grants.
// Admins, officers and assistants may file.
//
// It returns a Forbidden error for auditors and integrators, models.ErrNotFound for a
// household outside the caller's area, and a *models.FieldError for bad input: an empty
// organisation, a negative amount (or zero cash), or aid "filed in advance" that was
// given before today.
func (s *Store) FileCharityAid(ctx context.Context, in models.CharityAidInput) (*models.CharityAid, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionFileCharityAid, "file charity aid"); err != nil {
		return nil, err
	}
	org, err := text("input.organisation", in.Organisation, true, 128)
	if err != nil {
		return nil, err
	}
	if in.Date.IsZero() {
		return nil, models.Invalid("input.date", "is required")
	}
	if !slices.Contains(models.CharityAidKinds, in.Kind) {
		return nil, models.Invalid("input.kind", "%s is not a kind of charity aid", privacy.Quote(string(in.Kind)))
	}
	if in.Amount < 0 || in.Amount > maxCharityAmount {
		return nil, models.Invalid("input.amount", "must be between 0.00 and %s", maxCharityAmount)
	}
	if in.Kind == models.CharityCash && in.Amount == 0 {
		return nil, models.Invalid("input.amount", "cash aid must be more than zero")
	}
	if err := policy.CheckCharityFiling(in.Date, in.FiledInAdvance, s.now().In(policy.ChinaTime)); err != nil {
		return nil, models.WithField("input", err)
	}
	note, err := optionalText("input.note", in.Note, maxReasonLen)
	if err != nil {
		return nil, err
	}
	var out *models.CharityAid
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		h, err := s.household(sc.rows(tx, "households"), in.HouseholdID)
		if err != nil {
			return err
		}
		a := &models.CharityAid{
			ID: newID(), AreaCode: h.AreaCode, HouseholdID: h.ID, Organisation: org, Date: in.Date,
			Kind: in.Kind, Amount: in.Amount, FiledInAdvance: in.FiledInAdvance, CreatedBy: sc.p.Subject,
		}
		if note != nil {
			a.Note = *note
		}
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		out = a
		return s.audit(tx, sc, "fileCharityAid", h.AreaCode, []string{a.ID, h.ID}, nil, a)
	})
	if err != nil {
		return nil, wrap("file charity aid", err)
	}
	return out, nil
}

// CharityAidOf returns the charity aid filed against a household of the caller's area,
// newest first.
func (s *Store) CharityAidOf(ctx context.Context, householdID string) ([]*models.CharityAid, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []*models.CharityAid
	err = sc.rows(s.db.WithContext(ctx), "charity_aids").Where("charity_aids.household_id = ?", householdID).
		Order("charity_aids.date DESC").Order("charity_aids.id DESC").Find(&out).Error
	return out, wrap("charity aid of household", err)
}
