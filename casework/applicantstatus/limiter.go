package applicantstatus

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default limits: a client address may look up 10 times at once and then 20 an hour; a
// reference may be tried 5 times at once and then 5 an hour, from whatever addresses. A person who mistypes their ID tail a few times
// is not held up; guessing the tail of one reference (a million candidates) at 5 an hour
// would take decades.
var (
	DefaultAddressLimit   = Limit{Per: 3 * time.Minute, Burst: 10}
	DefaultReferenceLimit = Limit{Per: 12 * time.Minute, Burst: 5}
)

// Limit is one token per Per, holding Burst.
type Limit struct {
	Per   time.Duration
	Burst int
}

// maxKeys bounds the keys a KeyedLimiter remembers; past it, the idle ones go first,
// then all.
const maxKeys = 100_000

// KeyedLimiter is a Limiter with one token bucket per key, in memory: each instance of
// the server limits on its own.
type KeyedLimiter struct {
	lim     Limit
	mu      sync.Mutex
	buckets map[string]*keyBucket
}

type keyBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewKeyedLimiter returns a limiter of l per key.
func NewKeyedLimiter(l Limit) *KeyedLimiter {
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &KeyedLimiter{lim: l, buckets: map[string]*keyBucket{}}
}

// Allow takes a token from key's bucket at now, reporting whether there was one.
func (k *KeyedLimiter) Allow(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.buckets[key]
	if !ok {
		if len(k.buckets) >= maxKeys {
			k.sweep(now)
		}
		b = &keyBucket{lim: rate.NewLimiter(rate.Every(k.lim.Per), k.lim.Burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// sweep forgets the buckets that are full again, and every bucket if that is not enough.
func (k *KeyedLimiter) sweep(now time.Time) {
	full := time.Duration(k.lim.Burst) * k.lim.Per
	for key, b := range k.buckets {
		if now.Sub(b.seen) > full {
			delete(k.buckets, key)
		}
	}
	if len(k.buckets) >= maxKeys {
		clear(k.buckets)
	}
}
