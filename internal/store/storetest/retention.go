package storetest

import (
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The retention sweep's storage (store.RetentionWriter, store.Sweep):
// strictly older than the cutoff goes, the cutoff itself stays, pending
// deliveries always stay, attempts go with their delivery, and batches are
// bounded and looped until done.

const retentionOwner = "sweep-test"

// settle claims ds (due at base) and writes each outcome: status with an
// attempt at at (delivered_at = at when delivered).
func settle(t *testing.T, s store.Store, status store.DeliveryStatus, at time.Time, ds ...*store.Delivery) {
	t.Helper()
	claimed := claim(t, s, store.DeliveryClaim{Owner: retentionOwner, Now: base(), Until: base().Add(time.Hour), Limit: 1000})
	byID := map[int64]store.Delivery{}
	for _, d := range claimed {
		byID[d.ID] = d
	}
	for _, want := range ds {
		d, ok := byID[want.ID]
		if !ok {
			t.Fatalf("delivery %d was not claimed", want.ID)
		}
		d.Status, d.Attempts = status, d.Attempts+1
		if status == store.DeliveryDelivered {
			d.DeliveredAt = &at
		} else {
			d.NextAttemptAt = at.Add(time.Hour)
		}
		var ok2 bool
		update(t, s, func(tx store.Tx) error {
			var err error
			ok2, err = tx.CompleteAttempt(ctxOf(t), retentionOwner, &d,
				&store.DeliveryAttempt{At: at, StatusCode: 200, Node: retentionOwner})
			return err
		})
		if !ok2 {
			t.Fatalf("CompleteAttempt(delivery %d) wrote nothing", d.ID)
		}
	}
	// Leave the rest unclaimed.
	var rest []int64
	for id := range byID {
		rest = append(rest, id)
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctxOf(t), retentionOwner, rest) })
}

func attemptCount(t *testing.T, s store.Store, ds ...*store.Delivery) int {
	t.Helper()
	as, err := s.ListDeliveryAttempts(ctxOf(t), ids(ds...))
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

func wantGone(t *testing.T, s store.Store, ds ...*store.Delivery) {
	t.Helper()
	for _, d := range ds {
		_, err := s.GetDelivery(ctxOf(t), d.ID)
		wantCode(t, err, hub.CodeNotFound)
	}
	if n := attemptCount(t, s, ds...); n != 0 {
		t.Errorf("%d attempts of deleted deliveries %v are left", n, ids(ds...))
	}
}

func wantKept(t *testing.T, s store.Store, ds ...*store.Delivery) {
	t.Helper()
	for _, d := range ds {
		if _, err := s.GetDelivery(ctxOf(t), d.ID); err != nil {
			t.Errorf("delivery %d: %v, want kept", d.ID, err)
		}
	}
}

func deleteDelivered(t *testing.T, s store.Store, cutoff time.Time, limit int) (n, a int) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		var err error
		n, a, err = tx.DeleteDeliveredDeliveries(ctxOf(t), cutoff, limit)
		return err
	})
	return n, a
}

func deleteDead(t *testing.T, s store.Store, cutoff time.Time, limit int) (n, a int) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		var err error
		n, a, err = tx.DeleteDeadDeliveries(ctxOf(t), cutoff, limit)
		return err
	})
	return n, a
}

func deleteIdem(t *testing.T, s store.Store, cutoff time.Time, limit int) (n int) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteIdempotencyRecords(ctxOf(t), cutoff, limit)
		return err
	})
	return n
}

func putIdem(t *testing.T, s store.Store, key string, status int, at time.Time) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		r := &store.IdempotencyRecord{Scope: "partner:1", Key: key, RequestHash: "h", Owner: "o", CreatedAt: at}
		if _, err := tx.ClaimIdempotency(ctxOf(t), r, at, time.Hour); err != nil || status == 0 {
			return err
		}
		r.Status = status
		return tx.FinishIdempotency(ctxOf(t), r)
	})
}

// testRetentionDelivered: delivered deliveries strictly before the cutoff
// go with their attempts; the cutoff itself, later ones, pending (even with
// attempts) and dead ones stay.
func testRetentionDelivered(t *testing.T, s store.Store) {
	b := brand(t, s, "B")
	cut := base().Add(30 * 24 * time.Hour)
	ep := endpoint(t, s, b.ID, hub.EventOrderCreated)
	old, edge, late, pending, dead := newDelivery(b.ID, webhookTarget(1), 0, base()), newDelivery(b.ID, webhookTarget(2), 0, base()),
		newDelivery(b.ID, webhookTarget(3), 0, base()), newDelivery(b.ID, webhookTarget(4), 0, base()),
		newDelivery(b.ID, webhookTarget(ep.ID), 0, base())
	createDeliveries(t, s, old, edge, late, pending, dead)
	settle(t, s, store.DeliveryDelivered, cut.Add(-time.Microsecond), old)
	settle(t, s, store.DeliveryDelivered, cut, edge)
	settle(t, s, store.DeliveryDelivered, cut.Add(time.Microsecond), late)
	settle(t, s, store.DeliveryPending, base(), pending) // a failed attempt long ago, still pending
	update(t, s, func(tx store.Tx) error {
		return tx.SetWebhookEndpointDisabled(ctxOf(t), ep.ID, true, "test", base())
	})
	wantStatus(t, s, store.DeliveryDead, dead)

	if n, a := deleteDelivered(t, s, cut, 100); n != 1 || a != 1 {
		t.Fatalf("DeleteDeliveredDeliveries = %d deliveries, %d attempts; want 1, 1", n, a)
	}
	wantGone(t, s, old)
	wantKept(t, s, edge, late, pending, dead)
	if n := attemptCount(t, s, edge, late, pending); n != 3 {
		t.Errorf("attempts of kept deliveries = %d, want 3", n)
	}
	wantStatus(t, s, store.DeliveryPending, pending)
	if n, a := deleteDelivered(t, s, cut, 100); n != 0 || a != 0 {
		t.Fatalf("second DeleteDeliveredDeliveries = %d, %d; want nothing", n, a)
	}
	// Far in the future: every delivered one goes, pending and dead stay.
	if n, a := deleteDelivered(t, s, cut.Add(1000*time.Hour), 100); n != 2 || a != 2 {
		t.Fatalf("DeleteDeliveredDeliveries(later) = %d, %d; want 2, 2", n, a)
	}
	wantGone(t, s, edge, late)
	wantKept(t, s, pending, dead)

	// A replayed delivery is pending again: kept whatever its past.
	r := newDelivery(b.ID, webhookTarget(5), 0, base())
	createDeliveries(t, s, r)
	settle(t, s, store.DeliveryDelivered, base(), r)
	update(t, s, func(tx store.Tx) error { return tx.ReplayDelivery(ctxOf(t), r.ID, base()) })
	if n, _ := deleteDelivered(t, s, cut, 100); n != 0 {
		t.Fatalf("a replayed (pending) delivery was deleted")
	}
	wantKept(t, s, r)
}

// testRetentionDead: dead deliveries go by when they died (updated_at).
func testRetentionDead(t *testing.T, s store.Store) {
	b := brand(t, s, "B")
	cut := base().Add(90 * 24 * time.Hour)
	e1, e2, e3 := endpoint(t, s, b.ID), endpoint(t, s, b.ID), endpoint(t, s, b.ID)
	old, edge, late := newDelivery(b.ID, webhookTarget(e1.ID), 0, base()), newDelivery(b.ID, webhookTarget(e2.ID), 0, base()),
		newDelivery(b.ID, webhookTarget(e3.ID), 0, base())
	pending, delivered := newDelivery(b.ID, webhookTarget(1_000_001), 0, base()), newDelivery(b.ID, webhookTarget(1_000_002), 0, base())
	createDeliveries(t, s, old, edge, late, pending, delivered)
	settle(t, s, store.DeliveryPending, base(), old, pending) // an attempt each, still pending
	settle(t, s, store.DeliveryDelivered, base(), delivered)
	for _, k := range []struct {
		ep *store.WebhookEndpoint
		at time.Time
	}{{e1, cut.Add(-time.Microsecond)}, {e2, cut}, {e3, cut.Add(time.Microsecond)}} {
		update(t, s, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctxOf(t), k.ep.ID, true, "test", k.at) })
	}
	wantStatus(t, s, store.DeliveryDead, old, edge, late)

	if n, a := deleteDead(t, s, cut, 100); n != 1 || a != 1 {
		t.Fatalf("DeleteDeadDeliveries = %d deliveries, %d attempts; want 1, 1", n, a)
	}
	wantGone(t, s, old)
	wantKept(t, s, edge, late, pending, delivered)
	if n, a := deleteDead(t, s, cut, 100); n != 0 || a != 0 {
		t.Fatalf("second DeleteDeadDeliveries = %d, %d; want nothing", n, a)
	}
	if n, _ := deleteDead(t, s, cut.Add(time.Hour), 100); n != 2 {
		t.Fatalf("DeleteDeadDeliveries(later) = %d, want 2", n)
	}
	wantGone(t, s, edge, late)
	wantKept(t, s, pending, delivered)
	if n := attemptCount(t, s, pending, delivered); n != 2 {
		t.Errorf("attempts of kept deliveries = %d, want 2", n)
	}
}

// testRetentionIdempotency: records created strictly before the cutoff go,
// answered or still in progress.
func testRetentionIdempotency(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	cut := base().Add(48 * time.Hour)
	putIdem(t, s, "old-done", 201, cut.Add(-time.Microsecond))
	putIdem(t, s, "old-stuck", 0, cut.Add(-time.Hour))
	putIdem(t, s, "edge", 201, cut)
	putIdem(t, s, "late", 0, cut.Add(time.Microsecond))
	if n := deleteIdem(t, s, cut, 100); n != 2 {
		t.Fatalf("DeleteIdempotencyRecords = %d, want 2", n)
	}
	for _, k := range []string{"old-done", "old-stuck"} {
		_, err := s.GetIdempotency(ctx, "partner:1", k)
		wantCode(t, err, hub.CodeNotFound)
	}
	for _, k := range []string{"edge", "late"} {
		if _, err := s.GetIdempotency(ctx, "partner:1", k); err != nil {
			t.Errorf("record %s: %v, want kept", k, err)
		}
	}
	if n := deleteIdem(t, s, cut, 100); n != 0 {
		t.Fatalf("second DeleteIdempotencyRecords = %d, want 0", n)
	}
}

// retentionRows makes delivered (with an attempt each), dead and
// idempotency rows before cutoffs of base()+1h, plus pending ones.
func retentionRows(t *testing.T, s store.Store, delivered, dead, idem int) (pending []*store.Delivery) {
	t.Helper()
	b := brand(t, s, "B")
	var ds []*store.Delivery
	for i := range delivered {
		ds = append(ds, newDelivery(b.ID, webhookTarget(int64(100+i)), 0, base()))
	}
	createDeliveries(t, s, ds...)
	settle(t, s, store.DeliveryDelivered, base(), ds...)
	ep := endpoint(t, s, b.ID)
	for range dead {
		createDeliveries(t, s, newDelivery(b.ID, webhookTarget(ep.ID), 0, base()))
	}
	update(t, s, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctxOf(t), ep.ID, true, "test", base()) })
	for i := range idem {
		putIdem(t, s, "k"+string(rune('a'+i)), 200, base())
	}
	pending = []*store.Delivery{newDelivery(b.ID, webhookTarget(1), 0, base()), newDelivery(b.ID, webhookTarget(2), 0, base())}
	createDeliveries(t, s, pending...)
	return pending
}

func retentionCutoffs() store.RetentionCutoffs {
	c := base().Add(time.Hour)
	return store.RetentionCutoffs{Delivered: c, Dead: c, Idempotency: c}
}

// testRetentionBatches: one call deletes at most limit rows; Sweep loops
// batch after batch until everything before the cutoffs is gone.
func testRetentionBatches(t *testing.T, s store.Store) {
	pending := retentionRows(t, s, 7, 5, 5)
	c := retentionCutoffs()
	if n, a := deleteDelivered(t, s, c.Delivered, 3); n != 3 || a != 3 {
		t.Fatalf("DeleteDeliveredDeliveries(limit 3) = %d, %d; want 3, 3", n, a)
	}
	if n, _ := deleteDead(t, s, c.Dead, 2); n != 2 {
		t.Fatalf("DeleteDeadDeliveries(limit 2) = %d, want 2", n)
	}
	if n := deleteIdem(t, s, c.Idempotency, 4); n != 4 {
		t.Fatalf("DeleteIdempotencyRecords(limit 4) = %d, want 4", n)
	}
	got, err := store.Sweep(ctxOf(t), s, c, 2)
	want := store.Swept{Delivered: 4, Dead: 3, Attempts: 4, Idempotency: 1}
	if err != nil || got != want {
		t.Fatalf("Sweep = %+v, %v; want %+v", got, err, want)
	}
	if got, err := store.Sweep(ctxOf(t), s, c, 2); err != nil || got.Total() != 0 {
		t.Fatalf("second Sweep = %+v, %v; want nothing", got, err)
	}
	wantKept(t, s, pending...)
	left, err := s.ListDeliveries(ctxOf(t), store.DeliveryFilter{Limit: 100})
	if err != nil || len(left) != len(pending) {
		t.Fatalf("deliveries left = %v, %v; want only the pending %v", deliveryIDs(left), err, ids(pending...))
	}
	// Zero cutoffs delete nothing.
	if got, err := store.Sweep(ctxOf(t), s, store.RetentionCutoffs{}, 0); err != nil || got.Total() != 0 {
		t.Fatalf("Sweep(zero cutoffs) = %+v, %v", got, err)
	}
}

// testRetentionConcurrent: two nodes sweeping at once delete every row
// exactly once between them and fail nowhere.
func testRetentionConcurrent(t *testing.T, s store.Store) {
	pending := retentionRows(t, s, 12, 6, 9)
	c := retentionCutoffs()
	var wg sync.WaitGroup
	results := make([]store.Swept, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = store.Sweep(ctxOf(t), s, c, 2) })
	}
	wg.Wait()
	var sum store.Swept
	for i, r := range results {
		if errs[i] != nil {
			t.Fatalf("sweeper %d: %v", i, errs[i])
		}
		sum.Delivered += r.Delivered
		sum.Dead += r.Dead
		sum.Attempts += r.Attempts
		sum.Idempotency += r.Idempotency
	}
	if want := (store.Swept{Delivered: 12, Dead: 6, Attempts: 12, Idempotency: 9}); sum != want {
		t.Fatalf("both sweepers deleted %+v, want %+v", sum, want)
	}
	if got, err := store.Sweep(ctxOf(t), s, c, 2); err != nil || got.Total() != 0 {
		t.Fatalf("Sweep after both = %+v, %v; want nothing left", got, err)
	}
	wantKept(t, s, pending...)
}
