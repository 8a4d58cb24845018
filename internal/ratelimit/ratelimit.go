// Package ratelimit keeps one token bucket per key (a credential, a client
// address) with bounded memory.
//
// Decisions:
//
//   - golang.org/x/time/rate is the bucket: the field's standard, exact
//     about refills and reservations.
//   - Limits are per process (per node): several nodes behind a balancer
//     each allow the rate; a shared limit would put the database on every
//     request's path.
//   - Memory is bounded: at most Max keys are kept. A key whose bucket has
//     refilled (idle for burst/rate) carries no state worth keeping and is
//     swept when the map is full, at most once per refill period; when the
//     map is still full, an arbitrary key is dropped (it starts again with a
//     full bucket, the most generous mistake).
//   - A refusal says how long to wait until one token is back (Retry-After).
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMax is the number of keys kept when Limits.Max is 0.
const DefaultMax = 65536

// Limits is one limiter's rate.
type Limits struct {
	// Rate is requests per second per key; 0 (or less) disables the
	// limiter.
	Rate float64
	// Burst is how many requests a key may make at once (at least 1).
	Burst int
	// Max bounds the keys kept (0: DefaultMax).
	Max int
	// Now is the clock (nil: time.Now); tests pin it.
	Now func() time.Time
}

// Limiter is a set of buckets, one per key. The zero Limiter and a nil one
// allow everything. Safe for concurrent use.
type Limiter struct {
	limits Limits
	idle   time.Duration
	now    func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter; with a Rate of 0 or less, nil (no limit).
func New(l Limits) *Limiter {
	if l.Rate <= 0 {
		return nil
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	if l.Max <= 0 {
		l.Max = DefaultMax
	}
	idle := time.Duration(float64(l.Burst) / l.Rate * float64(time.Second))
	now := l.Now
	if now == nil {
		now = time.Now
	}
	return &Limiter{limits: l, idle: max(idle, time.Second), now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket. When there is none it takes
// nothing and returns false and how long until one is back.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.limits.Rate), l.limits.Burst)}
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

// Len is the number of keys kept.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// makeRoom keeps the map under Max before a key is added.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.limits.Max {
		return
	}
	if now.Sub(l.lastSweep) >= l.idle {
		l.lastSweep = now
		for k, b := range l.buckets {
			if now.Sub(b.seen) >= l.idle {
				delete(l.buckets, k)
			}
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.limits.Max {
			break
		}
		delete(l.buckets, k)
	}
}
