package store

import (
	"context"

	"gorm.io/gorm"

	"jiuzhu/auth"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// IDNumberOf returns the resident ID number of m as the caller may see it: masked to its
// region digits (371402************, privacy.IDNumber) unless reveal is set. A reveal is
// allowed to admins, officers and assistants whose area covers m, and is written to the
// audit trail (revealIdNumber), in a transaction of its own, before the number is
// returned. It returns a Forbidden error for any other caller, and the audit's error if
// it cannot be written (then nothing is revealed).
func (s *Store) IDNumberOf(ctx context.Context, m *models.Member, reveal bool) (string, error) {
	if !reveal {
		return privacy.IDNumber(m.IDNumber), nil
	}
	if err := s.revealMember(ctx, m, auth.ActionRevealIDNumber, "revealIdNumber", "ID number"); err != nil {
		return "", err
	}
	return m.IDNumber, nil
}

// BirthDateOf returns the birth date of m as the caller may see it: nil unless reveal is
// set, since a birth date with the region leaves at most 1,000 ID numbers (see the
// privacy package). A reveal is allowed to admins, officers and assistants whose area
// covers m, and is written to the audit trail (revealBirthDate), in a transaction of its
// own, before the date is returned. It returns a Forbidden error for any other caller,
// and the audit's error if it cannot be written (then nothing is revealed).
func (s *Store) BirthDateOf(ctx context.Context, m *models.Member, reveal bool) (*models.Date, error) {
	if !reveal {
		return nil, nil
	}
	if err := s.revealMember(ctx, m, auth.ActionRevealBirthDate, "revealBirthDate", "birth date"); err != nil {
		return nil, err
	}
	d := m.BirthDate
	return &d, nil
}

// BirthYearOf returns the year of birth of m, or nil for a role that may not read it
// (auditors). It returns an error matching models.ErrUnauthenticated without a caller.
func (s *Store) BirthYearOf(ctx context.Context, m *models.Member) (*int, error) {
	p, err := auth.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	if !p.May(auth.ActionReadBirthYear) {
		return nil, nil
	}
	y := m.BirthDate.Year()
	return &y, nil
}

// AgeOf returns the age m reaches in the current year (policy.AgeThisYear), the age the
// rules count with: the current year minus the birth year. It changes on 1 January for
// everyone, so that reading it on many days does not date a birthday, and it says no
// more than the birth year. It returns nil for a role that may not read the birth year
// (auditors), and an error matching models.ErrUnauthenticated without a caller.
func (s *Store) AgeOf(ctx context.Context, m *models.Member) (*int, error) {
	y, err := s.BirthYearOf(ctx, m)
	if y == nil || err != nil {
		return nil, err
	}
	age := policy.AgeThisYear(m.BirthDate, s.now())
	return &age, nil
}

// revealMember checks that the caller may do action on member m (its role allows it and
// its area covers m) and writes the reveal to the audit trail as op, in a transaction of
// its own. It returns a Forbidden error naming what otherwise, and the audit's error.
func (s *Store) revealMember(ctx context.Context, m *models.Member, action auth.Action, op, what string) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if err := sc.may(action, "reveal "+what+"s"); err != nil {
		return err
	}
	if !sc.p.Covers(m.AreaCode) {
		return models.Forbidden("the %s of a member outside your jurisdiction cannot be revealed", what)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, sc, op, m.AreaCode, []string{m.ID}, nil, nil)
	})
	return wrap(op, err)
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
