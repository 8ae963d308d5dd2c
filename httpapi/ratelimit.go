package httpapi

import (
	"math"
	"net"
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

// AddressFactor is how many times a subject's rate and burst one client address gets.
const AddressFactor = 5

// maxBuckets bounds the remembered buckets; past it, idle ones are forgotten first.
const maxBuckets = 100_000

// bucketIdle is how long an unused bucket is kept.
const bucketIdle = 10 * time.Minute

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
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
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
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
	return l.addresses.middleware(func(r *http.Request) string {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		return "addr:" + host
	}, next)
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
