package models

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"time"

	"jiuzhu/privacy"
)

// Date is a calendar date without time or zone, written "2006-01-02" in GraphQL and in
// the database.
type Date struct {
	time.Time
}

// DateLayout is the one textual form of a Date.
const DateLayout = "2006-01-02"

// NewDate returns the Date of year, month and day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date { return NewDate(t.Year(), t.Month(), t.Day()) }

// ParseDate reads "2006-01-02". It returns an error matching ErrInvalid otherwise.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, Invalid("", "date %s must be written YYYY-MM-DD", privacy.Quote(s))
	}
	return Date{t}, nil
}

// String returns the date as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(DateLayout)
}

// MarshalGQL writes the date as a JSON string.
func (d Date) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(d.String())) }

// UnmarshalGQL reads a "2006-01-02" string.
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return Invalid("", "date must be a string written YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores the date as "2006-01-02" text, which SQLite and PostgreSQL's date type
// both accept.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date that the driver returns as time.Time, string or []byte.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = DateOf(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("models: cannot scan %T into Date", src)
	}
}

func (d *Date) scanText(s string) error {
	if len(s) >= 10 {
		if t, err := time.Parse(DateLayout, s[:10]); err == nil {
			*d = Date{t}
			return nil
		}
	}
	return fmt.Errorf("models: cannot scan %q into Date", s)
}

// GormDataType tells gorm the column type.
func (Date) GormDataType() string { return "date" }
