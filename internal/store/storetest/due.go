// Due orders: the acceptance loop's claims (hub.Order.DueAt, the due_at
// column), on both databases.

package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// dueOrder is a NEW order due at at (manual: its deadline; auto: the
// start of its acceptance).
func dueOrder(t *testing.T, s store.Store, f fixture, mode hub.AcceptMode, at time.Time) *hub.Order {
	o := newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub)
	o.AcceptMode = mode
	if mode == hub.AcceptAuto {
		o.AcceptFrom = &at
	} else {
		from := at.Add(-10 * time.Minute)
		o.AcceptFrom, o.AcceptBy = &from, &at
	}
	return createOrder(t, s, o, "", "")
}

func testDueOrders(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	next := func() *time.Time {
		t.Helper()
		n, err := s.NextDueAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := next(); n != nil {
		t.Fatalf("NextDueAt of no orders = %v", n)
	}
	plain := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "") // nothing due
	o10 := dueOrder(t, s, f, hub.AcceptManual, t0.Add(10*time.Second))
	o5 := dueOrder(t, s, f, hub.AcceptManual, t0.Add(5*time.Second))
	o20 := dueOrder(t, s, f, hub.AcceptAuto, t0.Add(20*time.Second))
	done := dueOrder(t, s, f, hub.AcceptManual, t0)
	done.Status, done.Version = hub.StatusConfirmed, done.Version+1
	update(t, s, func(tx store.Tx) error { return tx.UpdateOrder(ctx, done, nil) })
	if n := next(); n == nil || !n.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("NextDueAt = %v, want %v", n, t0.Add(5*time.Second))
	}
	claim := func(at time.Time, limit int) []int64 {
		t.Helper()
		var got []hub.Order
		update(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.ClaimDueOrders(ctx, at, limit)
			return err
		})
		return orderIDs(got)
	}
	for _, c := range []struct {
		name  string
		at    time.Time
		limit int
		want  []int64
	}{
		{"before any", t0.Add(4 * time.Second), 10, []int64{}},
		{"at the first, inclusive", t0.Add(5 * time.Second), 10, []int64{o5.ID}},
		{"two, earliest first", t0.Add(15 * time.Second), 10, []int64{o5.ID, o10.ID}},
		{"limited", t0.Add(time.Minute), 2, []int64{o5.ID, o10.ID}},
		{"all three", t0.Add(time.Minute), 10, []int64{o5.ID, o10.ID, o20.ID}},
	} {
		if got := claim(c.at, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("%s: ClaimDueOrders = %v, want %v (never %d nor %d)", c.name, got, c.want, plain.ID, done.ID)
		}
	}
	// Acting on an order takes it off: its status leaves NEW and its due
	// time goes with it.
	update(t, s, func(tx store.Tx) error {
		o, err := tx.LockOrder(ctx, o5.ID)
		if err != nil {
			return err
		}
		o.Status, o.Version = hub.StatusCancelled, o.Version+1
		return tx.UpdateOrder(ctx, o, nil)
	})
	if n := next(); n == nil || !n.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("NextDueAt after acting = %v, want %v", n, t0.Add(10*time.Second))
	}
	if got := claim(t0.Add(time.Minute), 10); !slices.Equal(got, []int64{o10.ID, o20.ID}) {
		t.Errorf("after acting: %v", got)
	}
}

// testDueOrdersConcurrent: units claiming at once act on each due order
// exactly once, whatever the interleaving (skipped row locks on
// PostgreSQL, the single writer on SQLite).
func testDueOrdersConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	const orders, workers = 30, 4
	for i := range orders {
		dueOrder(t, s, f, hub.AcceptManual, t0.Add(time.Duration(i)*time.Millisecond))
	}
	var mu sync.Mutex
	acted := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range orders { // bounded
				n := 0
				err := s.Update(ctx, func(tx store.Tx) error {
					due, err := tx.ClaimDueOrders(ctx, t0.Add(time.Hour), 3)
					if err != nil {
						return err
					}
					n = len(due)
					for i := range due {
						o := &due[i]
						o.Status, o.Version = hub.StatusCancelled, o.Version+1
						if err := tx.UpdateOrder(ctx, o, nil); err != nil {
							return err
						}
					}
					mu.Lock()
					for _, o := range due {
						acted[o.ID]++
					}
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Errorf("claiming unit: %v", err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(acted) != orders {
		t.Fatalf("%d orders acted on, want %d", len(acted), orders)
	}
	for id, n := range acted {
		if n != 1 {
			t.Errorf("order %d acted on %d times", id, n)
		}
	}
	if n, err := s.NextDueAt(ctx); err != nil || n != nil {
		t.Errorf("NextDueAt after all = %v, %v", n, err)
	}
}
