package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// PhoneOf returns the phone number of staff member m as the caller may see it, or nil
// when none is registered: masked to its first and last four characters (1381***5678)
// unless reveal is set. A reveal is allowed to admins and officers whose area covers the
// post, and is written to the audit trail (revealPhone), in a transaction of its own,
// before the number is returned. It returns a Forbidden error for any other caller, and
// the audit's error if it cannot be written (then nothing is revealed).
func (s *Store) PhoneOf(ctx context.Context, m *models.StaffMember, reveal bool) (*string, error) {
	if m.Phone == nil {
		return nil, nil
	}
	if !reveal {
		masked := privacy.Phone(*m.Phone)
		return &masked, nil
	}
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.may(auth.ActionRevealPhone, "reveal phone numbers"); err != nil {
		return nil, err
	}
	if !sc.p.Covers(m.AreaCode) {
		return nil, models.Forbidden("the phone number of a staff member outside your jurisdiction cannot be revealed")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, sc, "revealPhone", m.AreaCode, []string{m.ID}, nil, nil)
	})
	if err != nil {
		return nil, wrap("reveal phone number", err)
	}
	phone := *m.Phone
	return &phone, nil
}
