package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"jiuzhu/auth"
)

// RateLimit configures the token buckets: one per token subject, refilling at RPS
// requests a second and holding Burst, and one per client address, AddressFactor times
// larger (an office of several callers may share one address).
type RateLimit struct {
	RPS   float64
	Burst int
}

// DefaultRateLimit is what serve applies unless RATE_LIMIT_RPS and RATE_LIMIT_BURST say
// otherwise: a subject may send 100 requests at once (a dashboard loading its pages, a
// client paging through a list or running a suite of checks one request after another)
// and 20 a second sustained; one address five times that.
var DefaultRateLimit = RateLimit{RPS: 20, Burst: 100}

// AddressFactor is how many times a subject's rate and burst one client address gets.
const AddressFactor = 5

// maxBuckets bounds the remembered buckets; past it, idle ones are forgotten first.
const maxBuckets = 100_000

// bucketIdle is how long an unused bucket is kept.
const bucketIdle = 10 * time.Minute

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
	// refused counts what was refused since the last admit, for admit to report.
	refused int
}

// rateLimiter holds the buckets of every subject or address seen recently.
type rateLimiter struct {
	cfg       RateLimit
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
	// refused, when set, is called for every refusal (to count it).
	refused func()
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
	if cfg.Burst <= 0 {
		cfg.Burst = max(1, int(math.Ceil(cfg.RPS)))
	}
	return &rateLimiter{cfg: cfg, buckets: map[string]*bucket{}}
}

// rateLimiters are the two kinds of buckets.
type rateLimiters struct{ subjects, addresses *rateLimiter }

func newRateLimiters(cfg RateLimit) rateLimiters {
	return rateLimiters{
		subjects:  newRateLimiter(cfg),
		addresses: newRateLimiter(RateLimit{RPS: cfg.RPS * AddressFactor, Burst: max(cfg.Burst, 1) * AddressFactor}),
	}
}

// allow takes a token from key's bucket. When the bucket is empty it returns how long
// until the next token.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// admit is allow that also returns, when it admits, how many times key was refused
// since it was last admitted.
func (l *rateLimiter) admit(key string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, now)
	if !b.lim.AllowN(now, 1) {
		b.refused++
		return false, 0
	}
	n := b.refused
	b.refused = 0
	return true, n
}

// bucket returns key's bucket, made if new, forgetting idle ones now and then; l.mu is
// held.
func (l *rateLimiter) bucket(key string, now time.Time) *bucket {
	if now.Sub(l.lastSweep) > time.Minute || len(l.buckets) >= maxBuckets {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > bucketIdle || len(l.buckets) >= maxBuckets {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.RPS), l.cfg.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b
}

// middleware limits requests by the key that key returns ("" for none).
func (l *rateLimiter) middleware(key func(*http.Request) string, next http.Handler) http.Handler {
	if l.cfg.RPS <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := key(r)
		if k == "" {
			next.ServeHTTP(w, r)
			return
		}
		if ok, wait := l.allow(k, time.Now()); !ok {
			if l.refused != nil {
				l.refused()
			}
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			writeError(w, http.StatusTooManyRequests, CodeRateLimited,
				"too many requests; retry after "+strconv.Itoa(max(secs, 1))+" s")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// perAddress limits requests by the client's address (the TCP peer).
func (l rateLimiters) perAddress(next http.Handler) http.Handler {
	return l.addresses.middleware(func(r *http.Request) string { return "addr:" + clientAddress(r) }, next)
}

// perSubject limits requests by the verified token's subject; requests without a valid
// token are limited by address only.
func (l rateLimiters) perSubject(next http.Handler) http.Handler {
	return l.subjects.middleware(func(r *http.Request) string {
		p, err := auth.FromContext(r.Context())
		if err != nil {
			return ""
		}
		return "sub:" + p.Subject
	}, next)
}
