// Package input holds the checks of user input that every use case shares: text fields,
// masked values, members and their details. Each returns a *models.FieldError naming
// the field it refuses. The package reads no database.
package input

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"jiuzhu/idnumber"
	"jiuzhu/models"
	"jiuzhu/policy"
	"jiuzhu/privacy"
)

// Field length limits, in characters.
const (
	MaxNameLen    = 64
	MaxAddressLen = 200
	MaxRefLen     = 64
	// MaxReasonLen bounds the reason of a status change and the note of an application.
	MaxReasonLen = 500
)

// Bounds of verified amounts and dates.
const (
	// MaxMonthlyAmount is the largest verified monthly income or expenditure accepted, so
	// that the exact integer arithmetic of the policy rules cannot overflow.
	MaxMonthlyAmount = models.Money(100_000_000) // 1,000,000.00 yuan
	// MinYear is the first year a standard, and so a verification, may be of.
	MinYear = 2000
)

// MonthlyAmount checks an optional monthly amount (an income or an expenditure): nil is
// zero. It returns a *models.FieldError naming field for an amount below zero or above
// MaxMonthlyAmount.
func MonthlyAmount(field string, m *models.Money) (models.Money, error) {
	if m == nil {
		return 0, nil
	}
	if *m < 0 || *m > MaxMonthlyAmount {
		return 0, models.Invalid(field, "must be from 0.00 to %s", MaxMonthlyAmount)
	}
	return *m, nil
}

// CheckDate checks the date of a check (a verification): required, not before MinYear
// and not after the day of instant today in Dezhou (China time). It returns a
// *models.FieldError naming field.
func CheckDate(field string, d models.Date, today time.Time) error {
	switch {
	case d.IsZero():
		return models.Invalid(field, "is required")
	case d.Year() < MinYear:
		return models.Invalid(field, "must not be before %d", MinYear)
	case d.After(models.DateOf(today.In(policy.ChinaTime)).Time):
		return models.Invalid(field, "must not be in the future")
	}
	return nil
}

// Text trims s and checks its length; it returns a *models.FieldError naming field when
// s is empty but required, longer than max characters, or not valid text.
func Text(field, s string, required bool, max int) (string, error) {
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

// OptionalText is Text for a nullable field: nil or blank gives nil.
func OptionalText(field string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	v, err := Text(field, *s, false, max)
	if err != nil || v == "" {
		return nil, err
	}
	return &v, nil
}

// RefuseMasked returns a *models.FieldError for the first of the (field, value) pairs
// whose value is a masked string: a masked ID number or phone number must never be used
// to search, since it stands for many people. Values are string or *string; nil values
// are skipped.
func RefuseMasked(pairs ...any) error {
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

// IDNumber checks a full resident ID number given in field and returns it parsed, as of
// now. It returns a *models.FieldError for a masked or malformed number.
func IDNumber(field, number string, now time.Time) (idnumber.Number, error) {
	if err := RefuseMasked(field, number); err != nil {
		return idnumber.Number{}, err
	}
	num, err := idnumber.Parse(strings.TrimSpace(number), now)
	if err != nil {
		return idnumber.Number{}, models.WithField(field, err)
	}
	return num, nil
}

// NewMember validates in and returns the member it describes, with sex and birth date
// derived from the ID number and, when in gives none, the default labour capacity of the
// member's age this year (P5). field is the input path of in, for error messages; now is
// the date the ID number and the age are judged at.
func NewMember(field string, in *models.MemberInput, now time.Time) (*models.Member, error) {
	if in == nil {
		return nil, models.Invalid(field, "must not be null")
	}
	name, err := Text(field+".name", in.Name, true, MaxNameLen)
	if err != nil {
		return nil, err
	}
	num, err := IDNumber(field+".idNumber", in.IDNumber, now)
	if err != nil {
		return nil, err
	}
	if !in.Relation.Valid() {
		return nil, models.Invalid(field+".relation", "%s is not a relation", privacy.Quote(string(in.Relation)))
	}
	phone, err := OptionalPhone(field+".phone", in.Phone)
	if err != nil {
		return nil, err
	}
	m := &models.Member{
		Phone:     phone,
		Name:      name,
		IDNumber:  num.Value,
		Sex:       num.Sex,
		BirthDate: num.BirthDate,
		Relation:  in.Relation,
	}
	if err := MemberDetails(field, m, in.DisabilityLevel, in.LabourCapacity, in.MonthlyIncome); err != nil {
		return nil, err
	}
	if in.LabourCapacity == nil {
		m.LabourCapacity = policy.DefaultLabourCapacity(policy.AgeThisYear(m.BirthDate, now))
	}
	return m, nil
}

// MemberDetails validates and sets the optional details of a member: the disability
// level (1 to 4, 0 for none), the labour capacity and the monthly income (not negative).
func MemberDetails(field string, m *models.Member, disability *int, labour *models.LabourCapacity, income *models.Money) error {
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
			return models.Invalid(field+".labourCapacity", "%s is not a labour capacity", privacy.Quote(string(*labour)))
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

// OneHead returns a *models.FieldError unless exactly one of members is the head.
func OneHead(field string, members []*models.Member) error {
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

// Indexed returns "field[i]".
func Indexed(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// ImportFault makes the report entry of an import of the fault err of the record
// list[index], in field (relative to the record; "" for the record itself). A field
// error names its own field; the code is the one the fault would have on its own.
func ImportFault(list string, index int, field string, err error) *models.ImportError {
	path := Indexed(list, index)
	if field != "" {
		path += "." + field
	}
	reason := models.PublicMessage(err)
	var fe *models.FieldError
	if errors.As(err, &fe) {
		reason = fe.Message
		if fe.Field != "" {
			path = fe.Field
		}
	} else if f, msg, ok := strings.Cut(reason, ": "); ok && strings.HasPrefix(f, list+"[") {
		path, reason = f, msg
	}
	return &models.ImportError{Index: index, Field: path, Reason: reason, Code: faultCode(err)}
}

// faultCode returns the GraphQL error code a fault would have on its own.
func faultCode(err error) string {
	switch {
	case errors.Is(err, models.ErrForbidden):
		return "FORBIDDEN"
	case errors.Is(err, models.ErrNotFound):
		return "NOT_FOUND"
	case errors.Is(err, models.ErrConflict):
		return "CONFLICT"
	default:
		return "BAD_USER_INPUT"
	}
}
