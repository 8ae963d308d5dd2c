package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"jiuzhu/cputime"
	"jiuzhu/telemetry"
)

// BenchmarkObserve measures what the outermost middleware adds to a request, without
// metrics (the request id only) and with them, around a mux with a handler that does
// nothing ("none" is the mux alone): the
// whole of its cost, which the county list's figures (~10 ms of CPU a request) hide in
// their noise.
func BenchmarkObserve(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		if ob := observationFrom(r.Context()); ob != nil {
			ob.operation, ob.code = "households", codeOK
		}
		w.WriteHeader(http.StatusOK)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"none", mux}, {"request-id", observe(nil, nil, routed(mux))}, {"metrics", observe(telemetry.NewMetrics(), nil, routed(mux))}} {
		b.Run(c.name, func(b *testing.B) {
			h := c.h
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			b.ReportAllocs()
			cpu := cputime.Self()
			for b.Loop() {
				h.ServeHTTP(discardWriter{http.Header{}}, req)
			}
			b.ReportMetric(float64((cputime.Self()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing but its header.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
