package delivery_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestRetentionSweeper: a running sweeper deletes what the engine
// delivered once it is older than the retention, keeps the rest, logs one
// line per sweep that deleted something, and stops.
func TestRetentionSweeper(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		env.endpoint(rcv.URL+"/hook", hub.EventOrderCreated)
		env.event(env.brand.ID, 7, hub.EventOrderCreated, 1)
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "the delivery", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 1
		})
		ctx := context.Background()
		if err := st.Update(ctx, func(tx store.Tx) error {
			r := &store.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", Owner: "o"}
			if _, err := tx.ClaimIdempotency(ctx, r, time.Now(), time.Hour); err != nil {
				return err
			}
			r.Status = 201
			return tx.FinishIdempotency(ctx, r)
		}); err != nil {
			t.Fatal(err)
		}

		var logs bytes.Buffer
		now := time.Now()
		cfg := delivery.Retention{Delivered: time.Hour, Dead: time.Hour, Idempotency: 48 * time.Hour,
			After: time.Millisecond, Interval: 20 * time.Millisecond, Batch: 1,
			Now:    func() time.Time { return now.Add(2 * time.Hour) },
			Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		sw := delivery.NewSweeper(st, cfg)
		sw.Start(ctx)
		waitFor(t, 30*time.Second, "the sweep", func() bool {
			return len(env.deliveries(store.DeliveryFilter{})) == 0
		})
		time.Sleep(100 * time.Millisecond) // a few more, empty sweeps
		sw.Stop()
		sw.Stop() // twice is harmless
		if got := strings.Count(logs.String(), "retention sweep"); got != 1 {
			t.Errorf("%d log lines, want 1:\n%s", got, logs.String())
		}
		if !strings.Contains(logs.String(), "delivered=1 dead=0 attempts=1 idempotency=0") {
			t.Errorf("log line: %s", logs.String())
		}
		if _, err := st.GetIdempotency(ctx, "s", "k"); err != nil {
			t.Errorf("a fresh idempotency record was deleted: %v", err)
		}
	})
}

func TestRetentionCutoffs(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	c := delivery.Retention{Delivered: time.Hour, Idempotency: 48 * time.Hour}.Cutoffs(now)
	if !c.Delivered.Equal(now.Add(-time.Hour)) || !c.Dead.IsZero() || !c.Idempotency.Equal(now.Add(-48*time.Hour)) {
		t.Errorf("Cutoffs = %+v (a zero age keeps forever)", c)
	}
}
