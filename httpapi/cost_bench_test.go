package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
)

// heavyShapes are requests just within the default limits, each as costly as the cost
// model lets one shape be.
var heavyShapes = []struct{ name, query string }{
	{"villages", aliased(9, `jurisdictions(level: VILLAGE) { code name }`)},
	{"change feed", aliased(7, `changes(first: 1000) { edges { cursor node { kind entity id areaCode household { id externalRef } member { id } grant { id } } } }`)},
	{"households", `{ households(first: 100) { edges { node { id address members { name idNumber relation monthlyIncome }
	  grants { amount status program { name } } } } } }`},
	{"staffing villages", `{ staffingReport { villagesShort { village { code name } township { code name } activeRecipients assistants coordinators requiredCoordinators } } }`},
	{"trends", aliased(3, `trends(months: 36) { months { month newApplications approvals terminations committed } }`)},
}

// BenchmarkNeighbourBesideCostLimit measures what three callers that each send, one after
// another, requests at the cost limit (one shape per sub-benchmark) do to a fourth
// caller's small query (heavy requests take turns, see Limits.MaxHeavy): ns/op is the
// neighbour's mean time, max-ms its slowest answer,
// p95-ms its 95th percentile; heavy/s how many heavy requests were served meanwhile. On
// PostgreSQL when TEST_DATABASE_URL is set, on SQLite otherwise; 3,000 households.
// Run it with -benchtime=40x.
func BenchmarkNeighbourBesideCostLimit(b *testing.B) {
	d := store.SQLite
	if os.Getenv(storetest.EnvURL) != "" {
		d = store.Postgres
	}
	st := storetest.MustOpen(b, d)
	tree := division.Dezhou()
	ds := seed.Generate(tree, 3000, time.Now())
	if err := st.Setup().SeedUnscoped(context.Background(), ds.Households, ds.Members, ds.Grants, ds.Events); err != nil {
		b.Fatal(err)
	}
	staffing := seed.Staffing(tree, time.Now())
	if err := st.Setup().SeedStaffingUnscoped(context.Background(), staffing.Populations, staffing.Staff); err != nil {
		b.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, tree)
	if err != nil {
		b.Fatal(err)
	}
	sign := func(p auth.Principal) string {
		tok, err := v.Sign(p, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	admin := sign(auth.Principal{Subject: "heavy", Role: models.RoleAdmin, Area: division.CityCode})
	neighbour := sign(auth.Principal{Subject: "neighbour", Role: models.RoleOfficer, Area: seed.DemoCounty})
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Verifier: v}))
	b.Cleanup(srv.Close)
	post := func(tok, q string) (time.Duration, string) {
		body, _ := json.Marshal(map[string]any{"query": q})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return time.Since(start), `{"errors":"` + err.Error() + `"}`
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		res.Body.Close()
		return time.Since(start), buf.String()
	}
	const small = `{ me { role } households(first: 5) { totalCount edges { node { id address } } } }`
	for _, shape := range heavyShapes {
		b.Run(shape.name, func(b *testing.B) {
			if _, out := post(admin, shape.query); strings.Contains(out, `"errors"`) {
				b.Fatalf("the heavy request is refused: %.300s", out)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			heavy := 0
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						post(admin, shape.query)
						mu.Lock()
						heavy++
						mu.Unlock()
					}
				}()
			}
			time.Sleep(200 * time.Millisecond)
			var took []time.Duration
			var failed []string
			began := time.Now()
			b.ResetTimer()
			for b.Loop() {
				d, out := post(neighbour, small)
				if strings.Contains(out, `"errors"`) {
					failed = append(failed, out)
				}
				took = append(took, d)
			}
			b.StopTimer()
			elapsed := time.Since(began)
			close(stop)
			wg.Wait()
			if len(failed) > 0 {
				b.Fatalf("%d of the neighbour's queries failed; the first: %.300s", len(failed), failed[0])
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
			mu.Lock()
			b.ReportMetric(float64(heavy)/elapsed.Seconds(), "heavy/s")
			mu.Unlock()
		})
	}
}
