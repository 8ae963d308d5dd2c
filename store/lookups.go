package store

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LookupLimit bounds how often one caller (one token subject) may look a person up by
// full resident ID number (MemberByIDNumber). Such a lookup confirms a guessed number,
// so it is an oracle by design: the limit, on its own and apart from the HTTP request
// limits, keeps a caller from trying the 100,000 or more candidates that what it reads
// without a reveal leaves (see the privacy package).
type LookupLimit struct {
	// PerMinute is how many lookups a minute a caller regains; 0 means the default,
	// a negative value turns the limit off.
	PerMinute float64
	// Burst is how many lookups a caller may make at once; 0 means the default.
	Burst int
}

// DefaultLookupLimit is one lookup every 10 seconds, 30 at once: a clerk checking people
// one by one never meets it, while trying 100,000 candidates takes over a week, each
// try on the audit trail.
var DefaultLookupLimit = LookupLimit{PerMinute: 6, Burst: 30}

// lookupLimiter holds a token bucket per caller.
type lookupLimiter struct {
	limit     rate.Limit
	burst     int
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

// newLookupLimiter returns the limiter of cfg, defaulted, or nil when cfg turns it off.
func newLookupLimiter(cfg LookupLimit) *lookupLimiter {
	if cfg.PerMinute < 0 {
		return nil
	}
	if cfg.PerMinute == 0 {
		cfg.PerMinute = DefaultLookupLimit.PerMinute
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultLookupLimit.Burst
	}
	return &lookupLimiter{limit: rate.Limit(cfg.PerMinute / 60), burst: cfg.Burst, buckets: map[string]*rate.Limiter{}}
}

// allow takes one lookup from subject's bucket at now. When the bucket is empty it
// returns false and how long until the next lookup is allowed. A nil limiter allows
// everything.
func (l *lookupLimiter) allow(subject string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		// A full bucket is the same as a new one: forget it.
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[subject]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[subject] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
