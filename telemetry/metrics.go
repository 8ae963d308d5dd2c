// Package telemetry holds jiuzhu's observability: the Prometheus metrics of a server,
// OpenTelemetry tracing exported by OTLP when the standard OTEL_* variables ask for it,
// and the request id carried in a request's context into its log lines.
//
// Metric labels are bounded by construction: operation names are schema root fields or
// fixed words, codes are the API's error codes, and nothing scoped (areas, ids, callers)
// is ever a label, so /metrics reveals no recipient's or caller's data.
package telemetry

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"jiuzhu/models"
)

// Metrics are the Prometheus metrics of one server process. Every method is safe for
// concurrent use and does nothing on a nil *Metrics, so that code may record
// unconditionally and a server without metrics pays nothing.
type Metrics struct {
	reg               *prometheus.Registry
	graphqlRequests   *prometheus.CounterVec
	graphqlDuration   *prometheus.HistogramVec
	httpDuration      *prometheus.HistogramVec
	importRows        *prometheus.CounterVec
	jobRuns           *prometheus.CounterVec
	rateLimitRefusals *prometheus.CounterVec
}

// NewMetrics returns the metrics of a server, registered in a registry of their own
// with Go's runtime and the process's collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		graphqlRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jiuzhu_graphql_requests_total",
			Help: "GraphQL requests by operation (the first root field, or none) and result code (OK or the first error's extensions.code).",
		}, []string{"operation", "code"}),
		graphqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jiuzhu_graphql_request_duration_seconds",
			Help:    "Time to answer a GraphQL request, by operation.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jiuzhu_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route (the pattern served) and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "status"}),
		importRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jiuzhu_import_rows_total",
			Help: "Records of import calls by kind (households, verifications) and result (created, updated, unchanged, rejected, not_written).",
		}, []string{"kind", "result"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jiuzhu_job_runs_total",
			Help: "Runs of the scheduled jobs by job and result (ok, error).",
		}, []string{"job", "result"}),
		rateLimitRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jiuzhu_ratelimit_refusals_total",
			Help: "Requests refused by a rate limit, by kind of bucket (subject, address).",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(m.graphqlRequests, m.graphqlDuration, m.httpDuration, m.importRows, m.jobRuns,
		m.rateLimitRefusals, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// RegisterPool exports the database pool's statistics, read from stats at each scrape,
// as the jiuzhu_db_pool_* metrics. It returns an error when a pool is already registered.
func (m *Metrics) RegisterPool(stats func() sql.DBStats) error {
	return m.reg.Register(poolCollector{stats})
}

// GraphQLRequest counts one GraphQL request and observes its duration.
func (m *Metrics) GraphQLRequest(operation, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.graphqlRequests.WithLabelValues(operation, code).Inc()
	m.graphqlDuration.WithLabelValues(operation).Observe(d.Seconds())
}

// HTTPRequest observes the duration of one HTTP request.
func (m *Metrics) HTTPRequest(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpDuration.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}

// ImportReport counts the records of one import call of kind ("households",
// "verifications") by result: created, updated and unchanged when the call wrote its
// records, not_written for valid records of a dry run or of a refused all-or-nothing
// batch, and rejected.
func (m *Metrics) ImportReport(kind string, r *models.ImportReport) {
	if m == nil || r == nil {
		return
	}
	add := func(result string, n int) {
		if n > 0 {
			m.importRows.WithLabelValues(kind, result).Add(float64(n))
		}
	}
	if r.Committed {
		add("created", r.Created)
		add("updated", r.Updated)
		add("unchanged", r.Unchanged)
	} else {
		add("not_written", r.Created+r.Updated+r.Unchanged)
	}
	add("rejected", r.Rejected)
}

// JobRun counts one run of job: result "ok" when err is nil, "error" otherwise.
func (m *Metrics) JobRun(job string, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
}

// RateLimitRefusal counts one request refused by a rate limit of kind ("subject",
// "address").
func (m *Metrics) RateLimitRefusal(kind string) {
	if m == nil {
		return
	}
	m.rateLimitRefusals.WithLabelValues(kind).Inc()
}

type metricsKey struct{}

// WithMetrics returns ctx carrying m, for code deep in a request or a job (imports, the
// daily jobs) to record into.
func WithMetrics(ctx context.Context, m *Metrics) context.Context {
	return context.WithValue(ctx, metricsKey{}, m)
}

// MetricsFrom returns the metrics ctx carries; nil, on which every method does nothing,
// when it carries none.
func MetricsFrom(ctx context.Context) *Metrics {
	m, _ := ctx.Value(metricsKey{}).(*Metrics)
	return m
}

// poolCollector reads a database pool's sql.DBStats at each scrape.
type poolCollector struct{ stats func() sql.DBStats }

var (
	poolMaxOpen      = prometheus.NewDesc("jiuzhu_db_pool_max_open_connections", "Maximum number of open connections to the database.", nil, nil)
	poolOpen         = prometheus.NewDesc("jiuzhu_db_pool_open_connections", "Established connections, in use and idle.", nil, nil)
	poolInUse        = prometheus.NewDesc("jiuzhu_db_pool_in_use_connections", "Connections in use.", nil, nil)
	poolIdle         = prometheus.NewDesc("jiuzhu_db_pool_idle_connections", "Idle connections.", nil, nil)
	poolWaits        = prometheus.NewDesc("jiuzhu_db_pool_wait_count_total", "Times a statement waited for a connection.", nil, nil)
	poolWaitDuration = prometheus.NewDesc("jiuzhu_db_pool_wait_duration_seconds_total", "Time spent waiting for a connection.", nil, nil)
	poolClosedIdle   = prometheus.NewDesc("jiuzhu_db_pool_closed_max_idle_total", "Connections closed because the pool held its maximum of idle ones.", nil, nil)
	poolClosedIdleT  = prometheus.NewDesc("jiuzhu_db_pool_closed_max_idle_time_total", "Connections closed after being idle too long.", nil, nil)
	poolClosedLife   = prometheus.NewDesc("jiuzhu_db_pool_closed_max_lifetime_total", "Connections closed at the end of their lifetime.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxOpen, poolOpen, poolInUse, poolIdle, poolWaits,
		poolWaitDuration, poolClosedIdle, poolClosedIdleT, poolClosedLife} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolMaxOpen, float64(s.MaxOpenConnections))
	gauge(poolOpen, float64(s.OpenConnections))
	gauge(poolInUse, float64(s.InUse))
	gauge(poolIdle, float64(s.Idle))
	counter(poolWaits, float64(s.WaitCount))
	counter(poolWaitDuration, s.WaitDuration.Seconds())
	counter(poolClosedIdle, float64(s.MaxIdleClosed))
	counter(poolClosedIdleT, float64(s.MaxIdleTimeClosed))
	counter(poolClosedLife, float64(s.MaxLifetimeClosed))
}
