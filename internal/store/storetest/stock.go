// Stock: setting, taking and returning quantities, alone and from many
// goroutines at once.

package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func getStock(t *testing.T, r store.Reader, loc, prod int64) *int64 {
	t.Helper()
	q, err := r.GetStock(ctxOf(t), loc, prod)
	if err != nil {
		t.Fatalf("GetStock: %v", err)
	}
	return q
}

func wantStock(t *testing.T, r store.Reader, loc, prod int64, want *int64) {
	t.Helper()
	got := getStock(t, r, loc, prod)
	if (got == nil) != (want == nil) || (got != nil && *got != *want) {
		t.Fatalf("stock of %d at %d = %s, want %s", prod, loc, fmtQty(got), fmtQty(want))
	}
}

func fmtQty(q *int64) string {
	if q == nil {
		return "untracked"
	}
	return strconv.FormatInt(*q, 10)
}

// takeOne takes n of one product: whether it took them, and what is left
// (nil: untracked, nothing taken and nothing needed).
func takeOne(ctx context.Context, tx store.Tx, loc, prod, n int64) (bool, *int64, error) {
	left, short, err := tx.TakeStock(ctx, loc, []hub.StockNeed{{ProductID: prod, Quantity: int(n)}})
	switch {
	case err != nil:
		return false, nil, err
	case short != nil:
		return false, &short.Left, nil
	}
	if q, ok := left[prod]; ok {
		return true, &q, nil
	}
	return false, nil, nil
}

func giveBack(ctx context.Context, tx store.Tx, loc, prod, n int64) error {
	_, err := tx.ReturnStock(ctx, loc, []hub.StockNeed{{ProductID: prod, Quantity: int(n)}})
	return err
}

func take(t *testing.T, s store.Store, loc, prod, n int64) (bool, *int64) {
	t.Helper()
	var ok bool
	var left *int64
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, left, err = takeOne(ctxOf(t), tx, loc, prod, n)
		return err
	})
	return ok, left
}

func testStock(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := product(t, s, f.b1.ID, "A", "", 100)
	u := product(t, s, f.b1.ID, "U", "", 100)

	// No row: untracked.
	wantStock(t, s, f.l1.ID, p.ID, nil)
	if ok, left := take(t, s, f.l1.ID, p.ID, 1); ok || left != nil {
		t.Fatalf("TakeStock without a row = %v, %s; want false, untracked", ok, fmtQty(left))
	}
	// Explicitly untracked (nil).
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, u.ID, nil) })
	wantStock(t, s, f.l1.ID, u.ID, nil)
	if ok, left := take(t, s, f.l1.ID, u.ID, 5); ok || left != nil {
		t.Fatalf("TakeStock untracked = %v, %s", ok, fmtQty(left))
	}
	update(t, s, func(tx store.Tx) error { return giveBack(ctx, tx, f.l1.ID, u.ID, 3) })
	wantStock(t, s, f.l1.ID, u.ID, nil)

	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](3)) })
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](3))
	if ls, err := s.ListStock(ctx, f.l1.ID); err != nil || !reflect.DeepEqual(ls, map[int64]int64{p.ID: 3}) {
		t.Fatalf("ListStock = %v, %v (untracked must be left out)", ls, err)
	}
	if ok, left := take(t, s, f.l1.ID, p.ID, 2); !ok || left == nil || *left != 1 {
		t.Fatalf("TakeStock 2 of 3 = %v, %s", ok, fmtQty(left))
	}
	if ok, left := take(t, s, f.l1.ID, p.ID, 2); ok || left == nil || *left != 1 {
		t.Fatalf("TakeStock 2 of 1 = %v, %s; want false, 1", ok, fmtQty(left))
	}
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](1))
	if ok, left := take(t, s, f.l1.ID, p.ID, 1); !ok || left == nil || *left != 0 {
		t.Fatalf("TakeStock 1 of 1 = %v, %s", ok, fmtQty(left))
	}
	if ok, left := take(t, s, f.l1.ID, p.ID, 1); ok || left == nil || *left != 0 {
		t.Fatalf("TakeStock 1 of 0 = %v, %s; want false, 0", ok, fmtQty(left))
	}
	// Stock is per location.
	wantStock(t, s, f.l2.ID, p.ID, nil)

	// Several products at once: the untracked one needs nothing, each
	// tracked one reports what is left; a need repeated is summed.
	q := product(t, s, f.b1.ID, "Q", "", 100)
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l2.ID, p.ID, ptr[int64](5)) })
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l2.ID, q.ID, ptr[int64](2)) })
	var left map[int64]int64
	update(t, s, func(tx store.Tx) error {
		var short *store.Shortage
		var err error
		left, short, err = tx.TakeStock(ctx, f.l2.ID, []hub.StockNeed{{ProductID: u.ID, Quantity: 9},
			{ProductID: p.ID, Quantity: 2}, {ProductID: q.ID, Quantity: 1}, {ProductID: p.ID, Quantity: 1}})
		if short != nil {
			return fmt.Errorf("short: %+v", short)
		}
		return err
	})
	if !reflect.DeepEqual(left, map[int64]int64{p.ID: 2, q.ID: 1}) {
		t.Fatalf("TakeStock of three products left %v, want %v", left, map[int64]int64{p.ID: 2, q.ID: 1})
	}
	// One short: it is named with what it has, and failing the unit
	// undoes the others.
	err := s.Update(ctx, func(tx store.Tx) error {
		_, short, err := tx.TakeStock(ctx, f.l2.ID, []hub.StockNeed{{ProductID: p.ID, Quantity: 1}, {ProductID: q.ID, Quantity: 2}})
		if err != nil {
			return err
		}
		if short == nil || *short != (store.Shortage{ProductID: q.ID, Left: 1}) {
			return fmt.Errorf("short = %+v, want product %d with 1", short, q.ID)
		}
		return hub.Conflict(hub.ReasonNotEnoughStock, "short")
	})
	wantCode(t, err, hub.CodeConflict)
	wantStock(t, s, f.l2.ID, p.ID, ptr[int64](2))
	wantStock(t, s, f.l2.ID, q.ID, ptr[int64](1))
	var back map[int64]int64
	update(t, s, func(tx store.Tx) error {
		var err error
		back, err = tx.ReturnStock(ctx, f.l2.ID, []hub.StockNeed{{ProductID: p.ID, Quantity: 3}, {ProductID: u.ID, Quantity: 1}})
		return err
	})
	if !reflect.DeepEqual(back, map[int64]int64{p.ID: 5}) {
		t.Fatalf("ReturnStock left %v, want %v", back, map[int64]int64{p.ID: 5})
	}

	// Nonsense quantities are refused and change nothing.
	err = s.Update(ctx, func(tx store.Tx) error { _, _, err := takeOne(ctx, tx, f.l1.ID, p.ID, 0); return err })
	wantCode(t, err, hub.CodeInvalid)
	err = s.Update(ctx, func(tx store.Tx) error { _, _, err := takeOne(ctx, tx, f.l1.ID, p.ID, -2); return err })
	wantCode(t, err, hub.CodeInvalid)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](-1)) })
	wantCode(t, err, hub.CodeInvalid)
	update(t, s, func(tx store.Tx) error { return giveBack(ctx, tx, f.l1.ID, p.ID, -5) }) // a no-op
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](0))

	update(t, s, func(tx store.Tx) error { return giveBack(ctx, tx, f.l1.ID, p.ID, 4) })
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](4))
	// Setting overwrites; nil makes it untracked again.
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](10)) })
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](10))
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, nil) })
	wantStock(t, s, f.l1.ID, p.ID, nil)
	if ls, err := s.ListStock(ctx, f.l1.ID); err != nil || len(ls) != 0 {
		t.Fatalf("ListStock = %v, %v; want empty", ls, err)
	}
}

// testStockConcurrent takes from one row from many goroutines: exactly the
// stock on hand is taken, never more.
func testStockConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := product(t, s, f.b1.ID, "A", "", 100)
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](10)) })
	const workers = 40
	var mu sync.Mutex
	taken, refused := 0, 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var ok bool
			err := s.Update(ctx, func(tx store.Tx) error {
				var err error
				ok, _, err = takeOne(ctx, tx, f.l1.ID, p.ID, 1)
				return err
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("Update: %v", err)
			case ok:
				taken++
			default:
				refused++
			}
		})
	}
	wg.Wait()
	if taken != 10 || refused != workers-10 {
		t.Fatalf("taken %d, refused %d; want 10 and %d", taken, refused, workers-10)
	}
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](0))
}
