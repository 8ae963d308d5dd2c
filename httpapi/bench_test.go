package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"jiuzhu/auth"
	"jiuzhu/cputime"
	"jiuzhu/division"
	"jiuzhu/httpapi"
	"jiuzhu/models"
	"jiuzhu/seed"
	"jiuzhu/store"
	"jiuzhu/store/storetest"
	"jiuzhu/telemetry"
)

// BenchmarkCountyList serves the county list (50 households with members, grants and
// programs) through the whole HTTP handler, on PostgreSQL when TEST_DATABASE_URL is set
// and on SQLite otherwise. Its allocations per request are the figure to watch while
// tuning, with the CPU time of the process per request (cpu-ms/op: the handler's own
// cost, without the database's); the city-scale figures come from `jiuzhu-bench`.
func BenchmarkCountyList(b *testing.B) { benchCountyList(b, nil) }

// BenchmarkCountyListMetrics is BenchmarkCountyList with the Prometheus metrics on, as
// with METRICS_ADDR set: the difference is what the metrics cost a request.
func BenchmarkCountyListMetrics(b *testing.B) {
	benchCountyList(b, func(o *httpapi.Options) { o.Metrics = telemetry.NewMetrics() })
}

// benchCountyList is BenchmarkCountyList with the server's options adjusted by opts.
func benchCountyList(b *testing.B, opts func(*httpapi.Options)) {
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
	v, err := auth.NewVerifier(auth.Config{Secret: []byte(secret)}, tree)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := v.Sign(auth.Principal{Subject: "bench", Role: models.RoleOfficer, Area: seed.DemoCounty}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	o := httpapi.Options{Store: st, Verifier: v}
	if opts != nil {
		opts(&o)
	}
	h := httpapi.New(o)
	body, _ := json.Marshal(map[string]any{"query": `query($first: Int) { households(first: $first) { pageInfo { hasNextPage endCursor }
	  edges { node { id areaCode address povertyRegistered members { name relation idNumber monthlyIncome }
	  grants { amount status startDate program { name } } } } } }`, "variables": map[string]any{"first": 50}})
	do := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(); rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Self()
	for b.Loop() {
		do()
	}
	b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
