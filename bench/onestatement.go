package bench

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/division"
	"jiuzhu/store"
)

// oneStatement answers the county list with one hand-written statement that returns the
// whole JSON document (json_build_object and json_agg), written to the response as
// PostgreSQL returns it: the ceiling of answering a GraphQL read with one statement,
// next to handWritten's three statements and encoding/json.
type oneStatement struct {
	pool *pgxpool.Pool
}

// oneStatementSQL is the county list as one statement: $1 and $2 the county's range, $3
// and $4 the position after which the page starts, $5 the page size. Its document is the
// GraphQL answer's data: the same order (store.MembersOfHouseholds, GrantsOfHouseholds),
// ID numbers masked as privacy.IDNumber, money as models.Money.String, cursors as
// store/cursor.Encode.
const oneStatementSQL = `WITH page AS (
  SELECT id, area_code, address, poverty_registered FROM households
  WHERE area_code BETWEEN $1 AND $2 AND (area_code, id) > ($3, $4)
  ORDER BY area_code, id LIMIT $5::int + 1
), top AS (
  SELECT * FROM page ORDER BY area_code, id LIMIT $5::int
)
SELECT json_build_object('households', json_build_object(
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > $5::int,
    'endCursor', (SELECT rtrim(translate(encode(convert_to(t.area_code || ':' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
                  FROM top t ORDER BY t.area_code DESC, t.id DESC LIMIT 1)),
  'edges', coalesce((SELECT json_agg(json_build_object('node', json_build_object(
      'id', t.id, 'areaCode', t.area_code, 'address', t.address, 'povertyRegistered', t.poverty_registered,
      'members', (SELECT coalesce(json_agg(json_build_object(
                     'name', m.name, 'relation', m.relation,
                     'idNumber', CASE WHEN char_length(m.id_number) = 18 THEN left(m.id_number, 6) || repeat('*', 12)
                                      ELSE repeat('*', char_length(m.id_number)) END,
                     'monthlyIncome', CASE WHEN m.monthly_income < 0 THEN '-' ELSE '' END
                                      || (abs(m.monthly_income) / 100)::text || '.' || lpad((abs(m.monthly_income) % 100)::text, 2, '0'))
                   ORDER BY CASE WHEN m.relation = 'HEAD' THEN 0 ELSE 1 END, m.birth_date, m.id), '[]'::json)
                  FROM members m
                  WHERE m.area_code BETWEEN $1 AND $2 AND m.household_id = t.id),
      'grants', (SELECT coalesce(json_agg(json_build_object(
                    'amount', CASE WHEN g.amount < 0 THEN '-' ELSE '' END
                              || (abs(g.amount) / 100)::text || '.' || lpad((abs(g.amount) % 100)::text, 2, '0'),
                    'status', g.status, 'startDate', g.start_date,
                    'program', json_build_object('name', p.name))
                  ORDER BY g.start_date DESC, g.id), '[]'::json)
                 FROM grants g JOIN programs p ON p.code = g.program_code
                 WHERE g.area_code BETWEEN $1 AND $2 AND g.household_id = t.id)
    )) ORDER BY t.area_code, t.id) FROM top t), '[]'::json)))::text`

// page returns the data document of one page of the county list; after may be empty.
func (h oneStatement) page(ctx context.Context, area, after string, first int) ([]byte, error) {
	lo, hi := division.Range(area)
	afterArea, afterID := "", ""
	if after != "" {
		var err error
		if afterArea, afterID, err = store.ParseCursor(after); err != nil {
			return nil, err
		}
	}
	var doc []byte
	err := h.pool.QueryRow(ctx, oneStatementSQL, lo, hi, afterArea, afterID, first).Scan(&doc)
	return doc, err
}

// ServeHTTP answers GET ?area=&after= with {"data": the page}, the bytes of the
// statement's document as they come.
func (h oneStatement) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	doc, err := h.page(r.Context(), q.Get("area"), q.Get("after"), pageSize)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":`))
	_, _ = w.Write(doc)
	_, _ = w.Write([]byte("}"))
}
