package models

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"jiuzhu/privacy"
)

// Money is an exact amount of renminbi in fen (1 yuan = 100 fen). It is stored as an
// integer and written in GraphQL as a decimal string with two places ("650.00").
type Money int64

// Yuan returns m as a whole number of fen from a yuan amount; it is meant for constants.
func Yuan(yuan int64) Money { return Money(yuan * 100) }

// String formats m as yuan with exactly two decimal places, for example "-3.05".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return "-92233720368547758.08"
		}
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ParseMoney reads a decimal yuan amount with at most two decimal places ("650",
// "650.5", "650.50"). It returns an error matching ErrInvalid for anything else,
// including exponents, thousands separators and amounts that do not fit in int64 fen.
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, Invalid("", "money must be a decimal string such as \"650.00\"")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > 2 || !digits(whole) || !digits(frac) {
		return 0, Invalid("", "money %s must be a decimal string with at most two decimal places", privacy.Quote(s))
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (math.MaxInt64-99)/100 {
		return 0, Invalid("", "money amount is too large")
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		v = -v
	}
	return Money(v), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MarshalGQL writes m as a JSON string with two decimal places.
func (m Money) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(m.String()))
}

// UnmarshalGQL reads a Money from a GraphQL string or integer (whole yuan). Floats are
// refused so that no binary rounding ever touches an amount.
func (m *Money) UnmarshalGQL(v any) error {
	switch x := v.(type) {
	case string:
		p, err := ParseMoney(x)
		if err != nil {
			return err
		}
		*m = p
		return nil
	case int:
		*m = Yuan(int64(x))
		return nil
	case int64:
		*m = Yuan(x)
		return nil
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return Invalid("", "money must be a decimal string such as \"650.50\", not a JSON number with a fraction")
		}
		*m = Yuan(i)
		return nil
	default:
		return Invalid("", "money must be a decimal string such as \"650.00\"")
	}
}
