package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/privacy"
)

// IDNumberOf returns the resident ID number of m as the caller may see it: masked to its
// first and last four characters (3714**********0017) unless reveal is set. A reveal is
// allowed to admins, officers and assistants whose area covers m, and is written to the
// audit trail, in a transaction of its own, before the number is returned. It returns a
// Forbidden error for any other caller, and the audit's error if it cannot be written
// (then nothing is revealed).
func (s *Store) IDNumberOf(ctx context.Context, m *models.Member, reveal bool) (string, error) {
	if !reveal {
		return privacy.IDNumber(m.IDNumber), nil
	}
	sc, err := scopeOf(ctx)
	if err != nil {
		return "", err
	}
	if err := sc.may(auth.ActionRevealIDNumber, "reveal ID numbers"); err != nil {
		return "", err
	}
	if !sc.p.Covers(m.AreaCode) {
		return "", models.Forbidden("the ID number of a member outside your jurisdiction cannot be revealed")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, sc, "revealIdNumber", m.AreaCode, []string{m.ID}, nil, nil)
	})
	if err != nil {
		return "", wrap("reveal ID number", err)
	}
	return m.IDNumber, nil
}

// refuseMasked returns a *models.FieldError for the first of the (field, value) pairs
// whose value is a masked string: a masked ID number or phone number must never be used
// to search, since it stands for many people. Nil values are skipped.
func refuseMasked(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		field, _ := pairs[i].(string)
		var v string
		switch x := pairs[i+1].(type) {
		case string:
			v = x
		case *string:
			if x == nil {
				continue
			}
			v = *x
		}
		if privacy.LooksMasked(v) {
			return models.Invalid(field, "is a masked value; search with the full value")
		}
	}
	return nil
}

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
