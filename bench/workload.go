package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/models"
	"jiuzhu/store"
)

// county is one county-level unit with a county officer's token and the rows its lists
// start from.
type county struct {
	code, token string
	starts      []string // cursors; "" is the first page
	households  []string
}

// workload is the benchmark's fixed mix of queries.
type workload struct {
	url      string
	client   *http.Client
	admin    string
	counties []county
	extra    []op
	notes    []string
	checked  []string
}

// op is one kind of request of the mix.
type op struct {
	name   string
	weight int
	do     func(ctx context.Context, r *rand.Rand) error
}

const householdQuery = `query($id: ID!) { household(id: $id) {
  id areaCode address povertyRegistered
  members { name relation idNumber monthlyIncome }
  grants { amount status startDate program { name } } } }`

func newWorkload(ctx context.Context, pool *pgxpool.Pool, tree *division.Tree, v *auth.Verifier, gqlURL string) (*workload, error) {
	w := &workload{url: gqlURL, client: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}, Timeout: 30 * time.Second}}
	sign := func(role models.Role, area string) (string, error) {
		return v.Sign(auth.Principal{Subject: "bench-" + string(role) + "@" + area, Role: role, Area: area}, 24*time.Hour)
	}
	var err error
	if w.admin, err = sign(models.RoleAdmin, division.CityCode); err != nil {
		return nil, err
	}
	for _, code := range tree.Children(division.CityCode) {
		c := county{code: code, starts: []string{""}}
		if c.token, err = sign(models.RoleOfficer, code); err != nil {
			return nil, err
		}
		lo, hi := division.Range(code)
		rows, err := pool.Query(ctx, `SELECT area_code, id FROM households WHERE area_code BETWEEN $1 AND $2
			ORDER BY md5(id) LIMIT 40`, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("bench: sample households: %w", err)
		}
		for rows.Next() {
			var area, id string
			if err := rows.Scan(&area, &id); err != nil {
				rows.Close()
				return nil, err
			}
			c.starts = append(c.starts, store.Cursor(area, id))
			c.households = append(c.households, id)
		}
		rows.Close()
		if len(c.households) > 0 {
			w.counties = append(w.counties, c)
		}
	}
	if len(w.counties) == 0 {
		return nil, errors.New("bench: no household in any county")
	}
	if err := w.discover(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// gqlResponse is what the benchmark reads of every GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// do sends req and returns the body of its answer; an answer other than 200 OK is an
// error.
func (w *workload) do(req *http.Request) ([]byte, error) {
	res, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", res.StatusCode, raw)
	}
	return raw, nil
}

// post sends a GraphQL request and decodes its data into out (when not nil). A GraphQL
// error is an error.
func (w *workload) post(ctx context.Context, token, query string, vars map[string]any, out any) error {
	raw, err := w.send(ctx, token, query, vars)
	if err != nil {
		return err
	}
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("GraphQL error: %s", r.Errors[0].Message)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// dataOnly is how every GraphQL answer without errors begins: the server writes
// "errors" before "data" when there are any.
var dataOnly = []byte(`{"data":`)

// measure sends a GraphQL request of a measured phase and checks its answer without
// decoding it: the clients share the machine with the server and the database, and
// decoding every answer would take CPU from what is measured. The answers' content is
// checked once, before the phases (checkSame). A GraphQL error is an error.
func (w *workload) measure(ctx context.Context, token, query string, vars map[string]any) error {
	raw, err := w.send(ctx, token, query, vars)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(raw, dataOnly) {
		return fmt.Errorf("GraphQL error: %.300s", raw)
	}
	return nil
}

// send posts a GraphQL request and returns the raw answer.
func (w *workload) send(ctx context.Context, token, query string, vars map[string]any) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return w.do(req)
}

func (w *workload) pick(r *rand.Rand) *county { return &w.counties[r.IntN(len(w.counties))] }

func listVars(c *county, after string) map[string]any {
	vars := map[string]any{"area": c.code, "first": pageSize}
	if after != "" {
		vars["after"] = after
	}
	return vars
}

// mix returns the GraphQL ops: the county list, a household by id, and areaStats and
// staffingReport when the schema has them.
func (w *workload) mix() []op {
	ops := []op{
		{"countyList", 60, func(ctx context.Context, r *rand.Rand) error {
			c := w.pick(r)
			return w.measure(ctx, c.token, listQuery, listVars(c, c.starts[r.IntN(len(c.starts))]))
		}},
		{"householdById", 30, func(ctx context.Context, r *rand.Rand) error {
			c := w.pick(r)
			return w.measure(ctx, c.token, householdQuery, map[string]any{"id": c.households[r.IntN(len(c.households))]})
		}},
	}
	return append(ops, w.extra...)
}

// sqlList is the county list answered by the hand-written SQL at base.
func (w *workload) sqlList(base string) op { return w.sqlListAs("sqlCountyList", base) }

// sqlListAs is sqlList under another name, for another hand-written server.
func (w *workload) sqlListAs(name, base string) op {
	return op{name, 60, func(ctx context.Context, r *rand.Rand) error {
		c := w.pick(r)
		q := url.Values{"area": {c.code}, "after": {c.starts[r.IntN(len(c.starts))]}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		raw, err := w.do(req)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(raw, dataOnly) {
			return fmt.Errorf("unexpected answer: %.300s", raw)
		}
		return nil
	}}
}

// checkSame fetches some pages by GraphQL, by the three hand-written statements and by
// the one hand-written statement, and fails unless they are equal.
func (w *workload) checkSame(ctx context.Context, h handWritten, one oneStatement) error {
	for i, c := range w.counties {
		if i >= 4 {
			break
		}
		for _, after := range []string{"", c.starts[len(c.starts)-1]} {
			var g listPage
			if err := w.post(ctx, c.token, listQuery, listVars(&c, after), &g.Data); err != nil {
				return fmt.Errorf("bench: county list of %s: %w", c.code, err)
			}
			s, err := h.page(ctx, c.code, after, pageSize)
			if err != nil {
				return fmt.Errorf("bench: hand-written county list of %s: %w", c.code, err)
			}
			if !reflect.DeepEqual(g.Data, s.Data) {
				return fmt.Errorf("bench: the county list of %s after %q differs between GraphQL and SQL: %s", c.code, after, firstDiff(g, *s))
			}
			doc, err := one.page(ctx, c.code, after, pageSize)
			if err != nil {
				return fmt.Errorf("bench: one-statement county list of %s: %w", c.code, err)
			}
			var o listPage
			if err := json.Unmarshal(doc, &o.Data); err != nil {
				return fmt.Errorf("bench: one-statement county list of %s: %w", c.code, err)
			}
			if !reflect.DeepEqual(g.Data, o.Data) {
				return fmt.Errorf("bench: the county list of %s after %q differs between GraphQL and the one statement: %s", c.code, after, firstDiff(g, o))
			}
			w.checked = append(w.checked, c.code)
		}
	}
	return nil
}

// typeRef is an introspected type reference.
type typeRef struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	OfType *typeRef `json:"ofType"`
}

func (t *typeRef) named() *typeRef {
	for t != nil && t.OfType != nil {
		t = t.OfType
	}
	return t
}

type fieldInfo struct {
	Name string `json:"name"`
	Args []struct {
		Name string  `json:"name"`
		Type typeRef `json:"type"`
	} `json:"args"`
	Type typeRef `json:"type"`
}

const typeRefFields = `kind name ofType { kind name ofType { kind name ofType { kind name } } }`

// discover adds areaStats and staffingReport to the mix when the schema has them, asking
// for their scalar fields with a county's code as area.
func (w *workload) discover(ctx context.Context) error {
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []fieldInfo `json:"fields"`
			} `json:"queryType"`
		} `json:"__schema"`
	}
	q := `{ __schema { queryType { fields { name args { name type { ` + typeRefFields + ` } } type { ` + typeRefFields + ` } } } } }`
	if err := w.post(ctx, w.admin, q, nil, &schema); err != nil {
		return fmt.Errorf("bench: introspection: %w", err)
	}
	for _, name := range []string{"areaStats", "staffingReport"} {
		i := slices.IndexFunc(schema.Schema.QueryType.Fields, func(f fieldInfo) bool { return f.Name == name })
		if i < 0 {
			w.notes = append(w.notes, name+": not in the schema, skipped")
			continue
		}
		o, err := w.fieldOp(ctx, schema.Schema.QueryType.Fields[i])
		if err != nil {
			w.notes = append(w.notes, name+": skipped ("+err.Error()+")")
			continue
		}
		w.extra = append(w.extra, o)
	}
	return nil
}

func (w *workload) fieldOp(ctx context.Context, f fieldInfo) (op, error) {
	hasArea := false
	for _, a := range f.Args {
		switch {
		case a.Name == "area":
			hasArea = true
		case a.Type.Kind == "NON_NULL":
			return op{}, fmt.Errorf("argument %s is required", a.Name)
		}
	}
	sel := "__typename"
	if t := f.Type.named(); t.Kind == "OBJECT" {
		var typ struct {
			Type struct {
				Fields []fieldInfo `json:"fields"`
			} `json:"__type"`
		}
		q := `query($n: String!) { __type(name: $n) { fields { name args { name type { ` + typeRefFields + ` } } type { ` + typeRefFields + ` } } } }`
		if err := w.post(ctx, w.admin, q, map[string]any{"n": t.Name}, &typ); err != nil {
			return op{}, err
		}
		var names []string
		for _, sf := range typ.Type.Fields {
			k := sf.Type.named().Kind
			required := slices.ContainsFunc(sf.Args, func(a struct {
				Name string  `json:"name"`
				Type typeRef `json:"type"`
			}) bool {
				return a.Type.Kind == "NON_NULL"
			})
			if (k == "SCALAR" || k == "ENUM") && !required {
				names = append(names, sf.Name)
			}
		}
		if len(names) > 0 {
			sel = strings.Join(names, " ")
		}
	}
	var query string
	if hasArea {
		query = fmt.Sprintf(`query($area: String) { %s(area: $area) { %s } }`, f.Name, sel)
	} else {
		query = fmt.Sprintf(`{ %s { %s } }`, f.Name, sel)
	}
	o := op{f.Name, 5, func(ctx context.Context, r *rand.Rand) error {
		c := w.pick(r)
		return w.measure(ctx, c.token, query, map[string]any{"area": c.code})
	}}
	if err := o.do(ctx, rand.New(rand.NewPCG(1, 1))); err != nil {
		return op{}, err
	}
	return o, nil
}

// stats are the latencies of one op in a phase.
type stats struct {
	d      []time.Duration
	errors int
	first  error
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.d) == 0 {
		return 0
	}
	i := int(float64(len(s.d))*p/100+0.5) - 1
	return s.d[min(max(i, 0), len(s.d)-1)]
}

func (s *stats) mean() time.Duration {
	if len(s.d) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range s.d {
		t += d
	}
	return t / time.Duration(len(s.d))
}

// result is one measured phase.
type result struct {
	elapsed time.Duration
	ops     map[string]*stats
	order   []string
	errors  int
	notes   []string
}

// run drives ops from o.Clients clients: o.Warmup unmeasured, then o.Duration measured.
// atMeasure, when not nil, is called as the measured part begins, before run returns.
func (w *workload) run(ctx context.Context, o Options, ops []op, atMeasure func()) *result {
	total := 0
	for _, x := range ops {
		total += x.weight
	}
	res := &result{ops: map[string]*stats{}}
	for _, x := range ops {
		res.ops[x.name] = &stats{}
		res.order = append(res.order, x.name)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	warmEnd := time.Now().Add(o.Warmup)
	end := warmEnd.Add(o.Duration)
	if atMeasure != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(time.Until(warmEnd)):
				atMeasure()
			case <-ctx.Done():
			}
		}()
	}
	for c := 0; c < o.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(7, uint64(c)))
			local := map[string]*stats{}
			for _, x := range ops {
				local[x.name] = &stats{}
			}
			for ctx.Err() == nil {
				now := time.Now()
				if now.After(end) {
					break
				}
				n := r.IntN(total)
				var x op
				for _, x = range ops {
					if n < x.weight {
						break
					}
					n -= x.weight
				}
				err := x.do(ctx, r)
				d := time.Since(now)
				if now.Before(warmEnd) {
					continue
				}
				s := local[x.name]
				if err != nil {
					s.errors++
					if s.first == nil {
						s.first = err
					}
					continue
				}
				s.d = append(s.d, d)
			}
			mu.Lock()
			defer mu.Unlock()
			for name, s := range local {
				t := res.ops[name]
				t.d = append(t.d, s.d...)
				t.errors += s.errors
				if t.first == nil {
					t.first = s.first
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = o.Duration
	for _, s := range res.ops {
		sort.Slice(s.d, func(i, j int) bool { return s.d[i] < s.d[j] })
		res.errors += s.errors
	}
	res.notes = w.notes
	return res
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func (r *result) print(out io.Writer) {
	fmt.Fprintln(out, "| query | requests | req/s | mean | p50 | p95 | p99 | errors |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	all := 0
	for _, name := range r.order {
		s := r.ops[name]
		all += len(s.d)
		fmt.Fprintf(out, "| %s | %d | %.0f | %s | %s | %s | %s | %d |\n", name, len(s.d),
			float64(len(s.d))/r.elapsed.Seconds(), ms(s.mean()), ms(s.pct(50)), ms(s.pct(95)), ms(s.pct(99)), s.errors)
	}
	fmt.Fprintf(out, "| all | %d | %.0f | | | | | %d |\n", all, float64(all)/r.elapsed.Seconds(), r.errors)
	for _, n := range r.notes {
		fmt.Fprintln(out, "note:", n)
	}
}

func firstErr(rs ...*result) error {
	for _, r := range rs {
		for _, name := range r.order {
			if e := r.ops[name].first; e != nil {
				return fmt.Errorf("%s: %w", name, e)
			}
		}
	}
	return nil
}

// firstDiff describes the first household where two pages differ.
func firstDiff(a, b listPage) string {
	ea, eb := a.Data.Households.Edges, b.Data.Households.Edges
	if len(ea) != len(eb) {
		return fmt.Sprintf("%d households against %d", len(ea), len(eb))
	}
	for i := range ea {
		if !reflect.DeepEqual(ea[i], eb[i]) {
			x, _ := json.Marshal(ea[i])
			y, _ := json.Marshal(eb[i])
			return fmt.Sprintf("household %d: %s against %s", i, x, y)
		}
	}
	return "page info differs"
}
