package delivery_test

import (
	"maps"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

type attemptCounter struct {
	mu      sync.Mutex
	n       map[string]int
	latency map[string][]time.Duration
}

func (c *attemptCounter) DeliveryAttempt(result string, latency time.Duration) {
	c.mu.Lock()
	c.n[result]++
	c.latency[result] = append(c.latency[result], latency)
	c.mu.Unlock()
}

func (c *attemptCounter) get() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.n)
}

// TestAttemptMetrics: each stored attempt is reported once with its
// outcome: retry, then delivered; a final 4xx is dead.
func TestAttemptMetrics(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer {
			switch {
			case h.OrderID == 2:
				return answer{Status: 400}
			case n == 0:
				return answer{Status: 503}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		cfg := fast("a")
		c := &attemptCounter{n: map[string]int{}, latency: map[string][]time.Duration{}}
		cfg.Metrics = c
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "delivered", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 1
		})
		env.event(env.brand.ID, 2, hub.EventOrderCreated, 1)
		waitFor(t, 30*time.Second, "dead", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDead) == 1
		})
		want := map[string]int{"retry": 1, "delivered": 1, "dead": 1}
		waitFor(t, 5*time.Second, "every attempt counted", func() bool { return maps.Equal(c.get(), want) })
		// Each latency runs from the delivery's creation: the delivered
		// attempt of the first delivery came after its retry.
		c.mu.Lock()
		defer c.mu.Unlock()
		if r, d := c.latency["retry"][0], c.latency["delivered"][0]; r < 0 || d < r || c.latency["dead"][0] < 0 {
			t.Errorf("latencies: retry %v, delivered %v, dead %v", r, d, c.latency["dead"][0])
		}
	})
}
