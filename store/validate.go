package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
)

// Field length limits, in characters.
const (
	maxNameLen    = 64
	maxAddressLen = 200
	maxRefLen     = 64
)

// text trims s and checks its length; it returns a *models.FieldError naming field.
func text(field, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", models.Invalid(field, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", models.Invalid(field, "must be at most %d characters, got %d", max, n)
	}
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00") {
		return "", models.Invalid(field, "must be valid text")
	}
	return s, nil
}

// optionalText is text for a nullable field: nil or blank gives nil.
func optionalText(field string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	v, err := text(field, *s, false, max)
	if err != nil || v == "" {
		return nil, err
	}
	return &v, nil
}

// newMember validates in and returns the member it describes, with sex and birth date
// derived from the ID number. field is the input path of in, for error messages.
func (s *Store) newMember(field string, in *models.MemberInput) (*models.Member, error) {
	if in == nil {
		return nil, models.Invalid(field, "must not be null")
	}
	name, err := text(field+".name", in.Name, true, maxNameLen)
	if err != nil {
		return nil, err
	}
	if err := refuseMasked(field+".idNumber", in.IDNumber); err != nil {
		return nil, err
	}
	num, err := idnumber.Parse(strings.TrimSpace(in.IDNumber), s.now())
	if err != nil {
		return nil, models.WithField(field+".idNumber", err)
	}
	if !in.Relation.Valid() {
		return nil, models.Invalid(field+".relation", "%q is not a relation", in.Relation)
	}
	m := &models.Member{
		Name:      name,
		IDNumber:  num.Value,
		Sex:       num.Sex,
		BirthDate: num.BirthDate,
		Relation:  in.Relation,
	}
	if err := applyMemberDetails(field, m, in.DisabilityLevel, in.LabourCapacity, in.MonthlyIncome); err != nil {
		return nil, err
	}
	if in.LabourCapacity == nil {
		m.LabourCapacity = policy.DefaultLabourCapacity(policy.AgeThisYear(m.BirthDate, s.now()))
	}
	return m, nil
}

// applyMemberDetails validates and sets the optional details of a member.
func applyMemberDetails(field string, m *models.Member, disability *int, labour *models.LabourCapacity, income *models.Money) error {
	if disability != nil {
		switch {
		case *disability == 0:
			m.DisabilityLevel = nil
		case *disability >= 1 && *disability <= 4:
			d := *disability
			m.DisabilityLevel = &d
		default:
			return models.Invalid(field+".disabilityLevel", "must be 1 (most severe) to 4, or 0 for none")
		}
	}
	if labour != nil {
		if !labour.Valid() {
			return models.Invalid(field+".labourCapacity", "%q is not a labour capacity", *labour)
		}
		m.LabourCapacity = *labour
	}
	if income != nil {
		if *income < 0 {
			return models.Invalid(field+".monthlyIncome", "must not be negative")
		}
		m.MonthlyIncome = *income
	}
	return nil
}

// checkOneHead returns a *models.FieldError unless exactly one of members is the head.
func checkOneHead(field string, members []*models.Member) error {
	heads := 0
	for _, m := range members {
		if m.Relation == models.RelationHead {
			heads++
		}
	}
	if heads != 1 {
		return models.Invalid(field, "a household has exactly one member with relation HEAD, got %d", heads)
	}
	return nil
}

// indexed returns "field[i]".
func indexed(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }
