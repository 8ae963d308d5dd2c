package store

import (
	"database/sql/driver"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"jiuzhu/models"
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

// insertLinesPG writes payroll lines on PostgreSQL with one INSERT … SELECT FROM unnest
// per pgChunk lines: a column per array, instead of a parameter per cell.
func insertLinesPG(tx *gorm.DB, lines []*models.PayrollLine) error {
	for start := 0; start < len(lines); start += pgChunk {
		chunk := lines[start:min(start+pgChunk, len(lines))]
		cols := make([][]string, 18)
		reissue := make(pgArray, len(chunk))
		for i, l := range chunk {
			for c, v := range []string{l.ID, l.PayrollID, strconv.Itoa(l.Seq), l.AreaCode, l.Reference, l.HouseholdID, l.GrantID,
				l.ProgramCode, l.CategoryCode, l.Month, strconv.Itoa(l.Attempt), string(l.Kind), strconv.FormatInt(int64(l.Amount), 10),
				l.Bank, l.Account, l.Holder, string(l.Status), l.Reason} {
				cols[c] = append(cols[c], v)
			}
			reissue[i] = l.ReissueOf
		}
		args := make([]any, 0, 19)
		for _, c := range cols {
			args = append(args, texts(c))
		}
		args = append(args, reissue)
		err := tx.Exec(`INSERT INTO payroll_lines (id, payroll_id, seq, area_code, reference, household_id, grant_id, program_code,
			category_code, month, attempt, kind, amount, bank, account, holder, status, reason, reissue_of)
			SELECT id, payroll_id, seq::bigint, area_code, reference, household_id, grant_id, program_code, category_code, month,
			       attempt::bigint, kind, amount::bigint, bank, account, holder, status, reason, reissue_of
			FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			            ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
			  AS t(id, payroll_id, seq, area_code, reference, household_id, grant_id, program_code, category_code, month,
			       attempt, kind, amount, bank, account, holder, status, reason, reissue_of)`, args...).Error
		if err != nil {
			return err
		}
	}
	return nil
}
