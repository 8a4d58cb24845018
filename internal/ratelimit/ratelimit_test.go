package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

// clock is a hand-moved time, so that no assertion depends on the machine.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newAt(l Limits, c *clock) *Limiter {
	l.Now = c.now
	return New(l)
}

func TestAllowBurstThenRetryAfter(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := newAt(Limits{Rate: 2, Burst: 3}, c)
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v wait=%v, want refused, 500ms", ok, wait)
	}
	// The refusal took nothing: half a second later exactly one is back.
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	c.t = c.t.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refilled token refused")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("two tokens after one refill period")
	}
}

func TestDisabled(t *testing.T) {
	l := New(Limits{Rate: 0, Burst: 10})
	if l != nil {
		t.Fatal("rate 0 is not a nil limiter")
	}
	for range 1000 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("a nil limiter refused")
		}
	}
}

func TestBoundedMemory(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := newAt(Limits{Rate: 10, Burst: 10, Max: 100}, c)
	for i := range 1000 {
		l.Allow(strconv.Itoa(i))
		if n := l.Len(); n > 100 {
			t.Fatalf("%d keys kept after %d, want at most 100", n, i+1)
		}
	}
	// Idle keys are swept when room is needed.
	c.t = c.t.Add(2 * time.Second)
	l.Allow("fresh")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d keys after the idle sweep, want 1", n)
	}
}

// BenchmarkAllow is the cost a request pays for its credential's bucket.
func BenchmarkAllow(b *testing.B) {
	l := New(Limits{Rate: 1e9, Burst: 1 << 30})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	b.ResetTimer()
	for i := range b.N {
		l.Allow(keys[i%len(keys)])
	}
}
