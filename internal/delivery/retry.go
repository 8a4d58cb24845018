package delivery

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff is the nominal wait after the n-th failed attempt (n ≥ 1) of a
// retry window: InitialBackoff doubled n-1 times, at most MaxBackoff.
func (c Config) Backoff(n int) time.Duration {
	c = c.withDefaults()
	d := c.InitialBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// Schedule lists the nominal waits between attempts until the retry window
// closes: the attempt that follows the last wait is the first one made at
// or after RetryFor, and the last one tried.
func (c Config) Schedule() []time.Duration {
	c = c.withDefaults()
	var out []time.Duration
	var elapsed time.Duration
	for n := 1; elapsed < c.RetryFor; n++ {
		d := c.Backoff(n)
		out = append(out, d)
		elapsed += d
	}
	return out
}

// nextDelay is the wait after the n-th failure: the backoff spread by
// ±Jitter, and never shorter than the receiver's Retry-After (capped at
// MaxRetryAfter).
func (e *Engine) nextDelay(n int, retryAfter time.Duration) time.Duration {
	d := e.cfg.Backoff(n)
	if j := e.cfg.Jitter; j > 0 {
		d = time.Duration(float64(d) * (1 - j + 2*j*rand.Float64()))
	}
	if retryAfter > 0 {
		d = max(d, min(retryAfter, e.cfg.MaxRetryAfter))
	}
	return d
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > 1<<31 {
			s = 1 << 31
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
