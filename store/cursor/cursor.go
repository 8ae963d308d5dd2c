// Package cursor encodes and decodes the opaque keyset cursors of jiuzhu's lists: the
// (area code, id) of the last row of a page. It stands apart from the store so that the
// decoder of this caller-supplied value can be fuzzed on its own.
package cursor

import (
	"encoding/base64"
	"strings"

	"jiuzhu/models"
)

// MaxIDLength bounds the id part of a cursor.
const MaxIDLength = 64

// Key is a position in a list: the area code and id of the last row seen.
type Key struct{ Area, ID string }

// Encode returns the opaque cursor of a row.
func Encode(area, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(area + ":" + id))
}

// Decode reads a cursor made by Encode. It returns a *models.FieldError naming field for
// anything else: bad base64, no separator, an area code that is not 12 characters, or an
// empty or overlong id.
func Decode(field, s string) (Key, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Key{}, models.Invalid(field, "not a valid cursor")
	}
	area, id, ok := strings.Cut(string(raw), ":")
	if !ok || len(area) != 12 || id == "" || len(id) > MaxIDLength {
		return Key{}, models.Invalid(field, "not a valid cursor")
	}
	return Key{Area: area, ID: id}, nil
}
