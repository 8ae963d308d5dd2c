package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/privacy"
	"jiuzhu/store"
)

// listQuery is the county list of the benchmark: a page of households with their members
// and grants and the grants' programs.
const listQuery = `query($area: String, $after: String, $first: Int) {
  households(area: $area, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id areaCode address povertyRegistered
      members { name relation idNumber monthlyIncome }
      grants { amount status startDate program { name } }
    } }
  }
}`

// listPage is the answer to listQuery, from the GraphQL API or from the hand-written SQL.
type listPage struct {
	Data struct {
		Households struct {
			PageInfo struct {
				HasNextPage bool    `json:"hasNextPage"`
				EndCursor   *string `json:"endCursor"`
			} `json:"pageInfo"`
			Edges []listEdge `json:"edges"`
		} `json:"households"`
	} `json:"data"`
}

type listEdge struct {
	Node listHousehold `json:"node"`
}

type listHousehold struct {
	ID                string       `json:"id"`
	AreaCode          string       `json:"areaCode"`
	Address           string       `json:"address"`
	PovertyRegistered bool         `json:"povertyRegistered"`
	Members           []listMember `json:"members"`
	Grants            []listGrant  `json:"grants"`
}

type listMember struct {
	Name          string `json:"name"`
	Relation      string `json:"relation"`
	IDNumber      string `json:"idNumber"`
	MonthlyIncome string `json:"monthlyIncome"`
}

type listGrant struct {
	Amount    string `json:"amount"`
	Status    string `json:"status"`
	StartDate string `json:"startDate"`
	Program   struct {
		Name string `json:"name"`
	} `json:"program"`
}

// handWritten answers the county list with hand-written SQL through pgx: three
// statements (the keyset page, the members of the page, the grants of the page joined
// with their programs) and encoding/json, the floor that the GraphQL stack is compared
// with.
type handWritten struct {
	pool *pgxpool.Pool
}

// page reads one page of the county list; after may be empty.
func (h handWritten) page(ctx context.Context, area, after string, first int) (*listPage, error) {
	lo, hi := division.Range(area)
	afterArea, afterID := "", ""
	if after != "" {
		var err error
		if afterArea, afterID, err = store.ParseCursor(after); err != nil {
			return nil, err
		}
	}
	rows, err := h.pool.Query(ctx, `SELECT id, area_code, address, poverty_registered FROM households
		WHERE area_code BETWEEN $1 AND $2 AND (area_code, id) > ($3, $4)
		ORDER BY area_code, id LIMIT $5`, lo, hi, afterArea, afterID, first+1)
	if err != nil {
		return nil, err
	}
	var out listPage
	hs := &out.Data.Households
	index := map[string]int{}
	var ids []string
	for rows.Next() {
		var x listHousehold
		if err := rows.Scan(&x.ID, &x.AreaCode, &x.Address, &x.PovertyRegistered); err != nil {
			rows.Close()
			return nil, err
		}
		x.Members, x.Grants = []listMember{}, []listGrant{}
		index[x.ID] = len(hs.Edges)
		hs.Edges = append(hs.Edges, listEdge{Node: x})
		ids = append(ids, x.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(hs.Edges) > first {
		hs.PageInfo.HasNextPage = true
		delete(index, hs.Edges[first].Node.ID)
		hs.Edges, ids = hs.Edges[:first], ids[:first]
	}
	if n := len(hs.Edges); n > 0 {
		last := hs.Edges[n-1].Node
		c := store.Cursor(last.AreaCode, last.ID)
		hs.PageInfo.EndCursor = &c
	}
	if len(ids) == 0 {
		return &out, nil
	}
	rows, err = h.pool.Query(ctx, `SELECT household_id, name, relation, id_number, monthly_income FROM members
		WHERE area_code BETWEEN $1 AND $2 AND household_id = ANY($3)
		ORDER BY household_id, CASE WHEN relation = 'HEAD' THEN 0 ELSE 1 END, birth_date, id`, lo, hi, ids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var hid string
		var m listMember
		var income int64
		if err := rows.Scan(&hid, &m.Name, &m.Relation, &m.IDNumber, &income); err != nil {
			rows.Close()
			return nil, err
		}
		m.MonthlyIncome = models.Money(income).String()
		// The API masks ID numbers; the hand-written answer does the same work.
		m.IDNumber = privacy.IDNumber(m.IDNumber)
		if i, ok := index[hid]; ok {
			hs.Edges[i].Node.Members = append(hs.Edges[i].Node.Members, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = h.pool.Query(ctx, `SELECT g.household_id, g.amount, g.status, g.start_date, p.name
		FROM grants g JOIN programs p ON p.code = g.program_code
		WHERE g.area_code BETWEEN $1 AND $2 AND g.household_id = ANY($3)
		ORDER BY g.household_id, g.start_date DESC, g.id`, lo, hi, ids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var hid string
		var g listGrant
		var amount int64
		var start time.Time
		if err := rows.Scan(&hid, &amount, &g.Status, &start, &g.Program.Name); err != nil {
			rows.Close()
			return nil, err
		}
		g.Amount, g.StartDate = models.Money(amount).String(), start.Format(time.DateOnly)
		if i, ok := index[hid]; ok {
			hs.Edges[i].Node.Grants = append(hs.Edges[i].Node.Grants, g)
		}
	}
	rows.Close()
	return &out, rows.Err()
}

// ServeHTTP answers GET ?area=&after=&first= with the page as JSON, shaped like the
// GraphQL answer.
func (h handWritten) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, err := h.page(r.Context(), q.Get("area"), q.Get("after"), pageSize)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p)
}
