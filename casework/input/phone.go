package input

import (
	"strings"

	"jiuzhu/models"
)

// Phone checks a member's contact phone given in field and returns it as it is stored
// and searched: its digits only, the spaces and dashes typed between them dropped. A
// mainland mobile number is 11 digits starting with 1 (13812345678); a landline is its
// area code, 0 and two or three digits, then a number of 7 or 8 digits (0534-2345678). It
// returns a *models.FieldError naming field for a masked value or anything else.
func Phone(field, s string) (string, error) {
	if err := RefuseMasked(field, s); err != nil {
		return "", err
	}
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", models.Invalid(field, "must be a mobile number (11 digits starting with 1) or a landline with its area code (0534-2345678)")
		}
	}
	switch {
	case len(digits) == 11 && digits[0] == '1' && digits[1] >= '3':
		return digits, nil
	case digits != "" && digits[0] == '0' && digits[1] != '0' && len(digits) >= 10 && len(digits) <= 12:
		return digits, nil
	}
	return "", models.Invalid(field, "must be a mobile number (11 digits starting with 1) or a landline with its area code (0534-2345678)")
}

// OptionalPhone is Phone for a field that may be left out: nil or blank gives nil.
func OptionalPhone(field string, s *string) (*string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, nil
	}
	v, err := Phone(field, *s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}
