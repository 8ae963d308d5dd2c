// Package scalars holds the API's scalars that bind to Go types of other packages, with
// errors that name the client's mistake.
package scalars

import (
	"time"

	"github.com/99designs/gqlgen/graphql"

	"jiuzhu/models"
)

// MarshalTime writes the Time scalar: t as an RFC 3339 string.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads the Time scalar: an RFC 3339 string such as
// "2026-11-01T00:00:00Z". Anything else is a *models.FieldError wrapping
// models.ErrInvalid (BAD_USER_INPUT, naming the argument), not an internal error.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, models.Invalid("", "must be an instant written in RFC 3339, such as 2026-11-01T00:00:00Z")
	}
	return t, nil
}
