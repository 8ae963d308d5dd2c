package store

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LookupLimit bounds how often one caller (one token subject) may look a person up by
// full resident ID number (MemberByIDNumber), and how many numbers the other paths that
// confirm or refute one may answer for (TakeIDLookups: the imports, the registration of
// a person). Such a lookup confirms a guessed number, so it is an oracle by design: the
// limit, on its own and apart from the HTTP request limits, keeps a caller from trying
// the 100,000 or more candidates that what it reads without a reveal leaves (see the
// privacy package).
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

// TakeIDLookups takes n lookups by ID number from subject's allowance at now (the
// store's LookupLimit), all or none: the paths other than MemberByIDNumber that confirm
// or refute a full ID number (an import rejecting a number not registered in the area,
// a registration refused for a number registered in another household) count each such
// number as one lookup. With n = 0 it takes nothing and reports whether at least one
// lookup is left, so that a caller with none is refused before any number is tested.
// When fewer than n are left, it takes what is left, so that the next call is refused
// before it tests anything, and returns false and how long until the next lookup.
func (s *Store) TakeIDLookups(subject string, n int, now time.Time) (bool, time.Duration) {
	return s.lookups.take(subject, n, now)
}

// take is TakeIDLookups on l; a nil limiter allows everything.
func (l *lookupLimiter) take(subject string, n int, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[subject]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[subject] = b
	}
	next := time.Duration(float64(time.Second) / float64(l.limit))
	if left := b.TokensAt(now); left < 1 {
		return false, time.Duration((1 - left) * float64(next))
	} else if n == 0 {
		return true, 0
	}
	if n <= l.burst {
		r := b.ReserveN(now, n)
		if r.OK() && r.DelayFrom(now) == 0 {
			return true, 0
		}
		r.CancelAt(now)
	}
	b.AllowN(now, int(b.TokensAt(now))) // what is left
	return false, next
}
