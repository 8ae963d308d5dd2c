package store

import (
	"database/sql/driver"
	"strconv"
	"strings"
)

// pgArray is a PostgreSQL array literal of texts, bound as one parameter and cast in
// the SQL (?::text[]), so that a list of any length is one value instead of one
// parameter per element. A nil element is NULL.
type pgArray []*string

// Value writes the array literal, every element quoted.
func (a pgArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		if v == nil {
			b.WriteString("NULL")
			continue
		}
		b.WriteByte('"')
		for _, r := range *v {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// texts returns the array of vs.
func texts(vs []string) pgArray {
	out := make(pgArray, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

// pgChunk is how many elements one array parameter carries.
const pgChunk = 20_000

// pgInts is a PostgreSQL array literal of integers, bound as one parameter and cast in
// the SQL (?::bigint[]), like pgArray.
type pgInts []int64

// Value writes the array literal.
func (a pgInts) Value() (driver.Value, error) {
	b := make([]byte, 0, 2+8*len(a))
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}')), nil
}
