// Units of work (store.Update): rollback, own writes, concurrent units
// with failures, panics and cancelled contexts.

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testUpdateRollback(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := product(t, s, f.b1.ID, "A", "", 100)
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](5)) })
	custom := hub.Conflict(hub.ReasonOutOfStock, "custom")
	for _, want := range []error{errRefused, custom} {
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateBrand(ctx, &hub.Brand{Name: "Ghost", Currency: "KRW"}); err != nil {
				return err
			}
			if _, _, err := takeOne(ctx, tx, f.l1.ID, p.ID, 3); err != nil {
				return err
			}
			o := newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub)
			if err := tx.CreateOrder(ctx, o, nil, "", ""); err != nil {
				return err
			}
			if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "t"}); err != nil {
				return err
			}
			if err := tx.AddEvent(ctx, &store.Event{Type: hub.EventOrderCreated, BrandID: f.b1.ID, OrderID: o.ID, Payload: []byte("{}")}); err != nil {
				return err
			}
			if _, err := tx.ClaimIdempotency(ctx, &store.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", Owner: "o"}, time.Now(), time.Hour); err != nil {
				return err
			}
			return want
		})
		if err != want {
			t.Fatalf("Update returned %v, want fn's error %v as is", err, want)
		}
	}
	bs, _ := s.ListBrands(ctx)
	os, _ := s.ListOrders(ctx, store.OrderFilter{BrandID: f.b1.ID})
	evs, _ := s.ListEventsByID(ctx, 0, 100)
	_, ierr := s.GetIdempotency(ctx, "s", "k")
	if len(bs) != 2 || len(os) != 0 || len(evs) != 0 || hub.ErrorCode(ierr) != hub.CodeNotFound {
		t.Fatalf("a failed unit left writes behind: %d brands, %d orders, %d events, idempotency %v", len(bs), len(os), len(evs), ierr)
	}
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](5))
}

func testUpdateOwnWrites(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	update(t, s, func(tx store.Tx) error {
		b := &hub.Brand{Name: "Inside", Currency: "KRW"}
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		got, err := tx.GetBrand(ctx, b.ID)
		if err != nil || got.Name != "Inside" {
			return fmt.Errorf("own write not visible: %v, %v", got, err)
		}
		l := &hub.Location{BrandID: b.ID, Code: "C", Name: "c", Timezone: "UTC"}
		if err := tx.CreateLocation(ctx, l); err != nil {
			return err
		}
		p := &hub.Product{BrandID: b.ID, RefID: "R", Name: hub.I18n{"en": "r"}, Type: hub.ProductSingle}
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
		if err := tx.SetStock(ctx, l.ID, p.ID, ptr[int64](7)); err != nil {
			return err
		}
		if q, err := tx.GetStock(ctx, l.ID, p.ID); err != nil || q == nil || *q != 7 {
			return fmt.Errorf("own stock not visible: %v, %v", q, err)
		}
		if got, err := tx.FindProduct(ctx, b.ID, "R"); err != nil || got.ID != p.ID {
			return fmt.Errorf("FindProduct inside: %v, %v", got, err)
		}
		return nil
	})
	// Committed writes are visible to reads outside right away.
	bs, err := s.ListBrands(ctx)
	if err != nil || len(bs) != 1 || bs[0].Name != "Inside" {
		t.Fatalf("after commit: %+v, %v", bs, err)
	}
}

// testUpdateConcurrentMixed runs many units at once, every other one failing
// after it wrote: exactly the successful ones are stored, and each caller
// hears its own outcome. On SQLite this exercises the group commit (units
// sharing a transaction, each in its own savepoint).
func testUpdateConcurrentMixed(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := product(t, s, f.b1.ID, "A", "", 100)
	update(t, s, func(tx store.Tx) error { return tx.SetStock(ctx, f.l1.ID, p.ID, ptr[int64](1000)) })
	const units = 50
	errs := make([]error, units)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range units {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				if err := tx.CreateBrand(ctx, &hub.Brand{Name: fmt.Sprintf("unit-%02d", i), Currency: "KRW"}); err != nil {
					return err
				}
				if _, _, err := takeOne(ctx, tx, f.l1.ID, p.ID, 1); err != nil {
					return err
				}
				if err := tx.AddEvent(ctx, &store.Event{Type: hub.EventStockChanged, BrandID: f.b1.ID, Payload: []byte(strconv.Itoa(i))}); err != nil {
					return err
				}
				if i%2 == 1 {
					return fmt.Errorf("unit %d: %w", i, errRefused)
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	var want []string
	for i, err := range errs {
		if i%2 == 1 {
			if !errors.Is(err, errRefused) {
				t.Errorf("unit %d returned %v, want its own error", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("unit %d: %v", i, err)
		}
		want = append(want, fmt.Sprintf("unit-%02d", i))
	}
	bs, err := s.ListBrands(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bs {
		if b.ID != f.b1.ID && b.ID != f.b2.ID {
			got = append(got, b.Name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("stored brands = %v\nwant %v", got, want)
	}
	wantStock(t, s, f.l1.ID, p.ID, ptr[int64](1000-units/2))
	evs, _ := s.ListEventsByID(ctx, 0, 1000)
	if len(evs) != units/2 {
		t.Fatalf("%d events stored, want %d", len(evs), units/2)
	}
	for _, e := range evs {
		if n, _ := strconv.Atoi(string(e.Payload)); n%2 == 1 {
			t.Fatalf("event of failed unit %d stored", n)
		}
	}
}

// testUpdateConcurrentConstraint is the same with failures raised by the
// database (unique violations) in the middle of a unit, after other writes.
func testUpdateConcurrentConstraint(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	taken := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "")
	const units = 30
	errs := make([]error, units)
	var wg sync.WaitGroup
	for i := range units {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx store.Tx) error {
				if err := tx.AddEvent(ctx, &store.Event{Type: hub.EventOrderCreated, BrandID: f.b1.ID, Payload: []byte(strconv.Itoa(i))}); err != nil {
					return err
				}
				o := newOrderNumbered(f, i)
				if i%3 == 0 {
					o.Number = taken.Number // clashes
				}
				if err := tx.CreateOrder(ctx, o, nil, "", ""); err != nil {
					return err
				}
				return tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "t"})
			})
		})
	}
	wg.Wait()
	okCount := 0
	for i, err := range errs {
		if i%3 == 0 {
			if hub.ErrorCode(err) != hub.CodeConflict || hub.ErrorReason(err) != hub.ReasonDuplicateOrder {
				t.Errorf("unit %d: %v, want duplicate conflict", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("unit %d: %v", i, err)
		}
		okCount++
	}
	os, _ := s.ListOrders(ctx, store.OrderFilter{BrandID: f.b1.ID, Limit: 500})
	evs, _ := s.ListEventsByID(ctx, 0, 1000)
	if len(os) != okCount+1 || len(evs) != okCount {
		t.Fatalf("%d orders and %d events stored, want %d and %d", len(os), len(evs), okCount+1, okCount)
	}
	for _, o := range os {
		if h, err := s.OrderHistory(ctx, o.ID); err != nil || (o.ID != taken.ID && len(h) != 1) {
			t.Fatalf("order %d history %v, %v", o.ID, h, err)
		}
	}
}

func newOrderNumbered(f fixture, i int) *hub.Order {
	o := newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub)
	o.Number = fmt.Sprintf("C%03d-%s", i, o.Number)
	return o
}

func testUpdatePanic(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateBrand(ctx, &hub.Brand{Name: "Doomed", Currency: "KRW"}); err != nil {
			return err
		}
		panic("boom")
	})
	if err == nil {
		t.Fatal("a panicking unit returned nil")
	}
	wantCode(t, err, hub.CodeInternal)
	if bs, _ := s.ListBrands(ctx); len(bs) != 0 {
		t.Fatalf("the panicking unit's write is stored: %+v", bs)
	}
	// The store still works.
	b := brand(t, s, "After")
	if got, err := s.GetBrand(ctx, b.ID); err != nil || got.Name != "After" {
		t.Fatalf("after a panic: %v, %v", got, err)
	}
}

func testUpdateCancelled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(ctxOf(t))
	cancel()
	called := false
	err := s.Update(ctx, func(tx store.Tx) error {
		called = true
		return tx.CreateBrand(ctx, &hub.Brand{Name: "Cancelled", Currency: "KRW"})
	})
	if err == nil {
		t.Fatalf("Update with a cancelled context returned nil (fn called: %v)", called)
	}
	if bs, _ := s.ListBrands(ctxOf(t)); len(bs) != 0 {
		t.Fatalf("a cancelled unit stored %+v", bs)
	}
}
