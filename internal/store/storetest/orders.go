// Orders: creation and lookup, unique clashes, versioned updates, row
// locks, listings and order history.

package storetest

import (
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testOrdersFind(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	o := newOrder(f.b1.ID, f.l1.ID, hub.ChannelJunglebook)
	o.PartnerID = 42
	o.ExternalRef, o.ChannelRef = "OA-100", "JB-555"
	o.Table, o.PickupCode, o.Notes = "T4", "1234", "no ice"
	o.Customer = hub.Customer{Name: "Kim", Phone: "010"}
	o.Attributes = map[string]any{"oaType": "opo"}
	o.StockTaken = []hub.StockNeed{{ProductID: 7, Quantity: 2}}
	createOrder(t, s, o, "idem-1", "hash-1")

	got, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("GetOrder =\n%+v\nwant\n%+v", got, o)
	}
	ids := func(os []hub.Order) []int64 {
		out := orderIDs(os)
		slices.Sort(out)
		return out
	}
	byRef := func(brand int64, ref string, byID bool) []int64 {
		t.Helper()
		os, err := s.FindOrdersByRef(ctx, brand, ref, byID)
		if err != nil {
			t.Fatalf("FindOrdersByRef(%q): %v", ref, err)
		}
		for _, g := range os {
			if g.ID == o.ID && !reflect.DeepEqual(&g, o) {
				t.Fatalf("FindOrdersByRef(%q) =\n%+v\nwant\n%+v", ref, g, o)
			}
		}
		return ids(os)
	}
	for _, ref := range []string{o.Number, "OA-100", "JB-555", " " + o.Number + " "} {
		if got := byRef(f.b1.ID, ref, false); !slices.Equal(got, []int64{o.ID}) {
			t.Errorf("FindOrdersByRef(%q) = %v, want [%d]", ref, got, o.ID)
		}
		// Never within another brand.
		if got := byRef(f.b2.ID, ref, true); len(got) != 0 {
			t.Errorf("FindOrdersByRef(other brand, %q) = %v", ref, got)
		}
	}
	// The hub id only when asked for.
	if got := byRef(f.b1.ID, strconv.FormatInt(o.ID, 10), false); len(got) != 0 {
		t.Errorf("by id without byID: %v", got)
	}
	if got := byRef(f.b1.ID, strconv.FormatInt(o.ID, 10), true); !slices.Equal(got, []int64{o.ID}) {
		t.Errorf("by id: %v", got)
	}
	for _, ref := range []string{"", "NOPE"} {
		if got := byRef(f.b1.ID, ref, true); len(got) != 0 {
			t.Errorf("FindOrdersByRef(%q) = %v", ref, got)
		}
	}
	_, err = s.GetOrder(ctx, o.ID+100)
	wantCode(t, err, hub.CodeNotFound)

	// Every order a reference could name, once each.
	o2 := newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder)
	o2.ExternalRef = o.Number
	createOrder(t, s, o2, "", "")
	o3 := newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder)
	o3.ChannelRef = "OA-100"
	createOrder(t, s, o3, "", "")
	o4 := newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub)
	o4.ExternalRef, o4.ChannelRef = "SAME", "SAME"
	createOrder(t, s, o4, "", "")
	if got := byRef(f.b1.ID, o.Number, false); !slices.Equal(got, []int64{o.ID, o2.ID}) {
		t.Fatalf("FindOrdersByRef(number) = %v, want %v", got, []int64{o.ID, o2.ID})
	}
	if got := byRef(f.b1.ID, "OA-100", false); !slices.Equal(got, []int64{o.ID, o3.ID}) {
		t.Fatalf("FindOrdersByRef(external ref) = %v, want %v", got, []int64{o.ID, o3.ID})
	}
	if got := byRef(f.b1.ID, "SAME", false); !slices.Equal(got, []int64{o4.ID}) {
		t.Fatalf("an order named twice by one ref: %v", got)
	}
}

func testOrderClashes(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	o := newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder)
	o.PartnerID, o.ExternalRef, o.ChannelRef = 5, "QR-1", "CH-1"
	createOrder(t, s, o, "key-1", "h")

	clash := func(name string, mutate func(c *hub.Order) (key string)) {
		t.Helper()
		c := newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder)
		c.PartnerID = 5
		key := mutate(c)
		err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateOrder(ctx, c, nil, key, "h2") })
		if hub.ErrorCode(err) != hub.CodeConflict || hub.ErrorReason(err) != hub.ReasonDuplicateOrder {
			t.Errorf("%s: CreateOrder = %v; want conflict %s", name, err, hub.ReasonDuplicateOrder)
		}
	}
	clash("same number", func(c *hub.Order) string { c.Number = o.Number; return "" })
	clash("same external ref", func(c *hub.Order) string { c.ExternalRef = "QR-1"; return "" })
	clash("same channel ref", func(c *hub.Order) string { c.ChannelRef = "CH-1"; return "" })
	clash("same idempotency key", func(c *hub.Order) string { return "key-1" })

	// The same values elsewhere are fine: number in another brand,
	// external ref on another channel, key of another partner.
	ok := func(name string, c *hub.Order, key string) {
		t.Helper()
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateOrder(ctx, c, nil, key, "h") }); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := newOrder(f.b2.ID, f.l2.ID, hub.ChannelTableOrder)
	c.Number, c.ExternalRef, c.ChannelRef, c.PartnerID = o.Number, "QR-1", "CH-1", 7
	ok("other brand", c, "key-1")
	c = newOrder(f.b1.ID, f.l1.ID, hub.ChannelZeek)
	c.ExternalRef, c.ChannelRef = "QR-1", "CH-1"
	ok("other channel", c, "")
	c = newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder)
	c.PartnerID = 6
	ok("other partner's key", c, "key-1")
	// Empty refs never clash.
	ok("empty refs 1", newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder), "")
	ok("empty refs 2", newOrder(f.b1.ID, f.l1.ID, hub.ChannelTableOrder), "")

	list, err := s.ListOrders(ctx, store.OrderFilter{BrandID: f.b1.ID})
	if err != nil || len(list) != 5 {
		t.Fatalf("ListOrders = %d orders, %v; want 5 (clashes stored nothing)", len(list), err)
	}
}

func testOrderUpdate(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	o := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "")
	var locked *hub.Order
	update(t, s, func(tx store.Tx) error {
		var err error
		if locked, err = tx.LockOrder(ctx, o.ID); err != nil {
			return err
		}
		locked.Status, locked.PaymentStatus, locked.ChannelRef = hub.StatusConfirmed, hub.PaymentPaid, "ANS-1"
		locked.Version++
		locked.UpdatedAt = locked.UpdatedAt.Add(time.Minute)
		return tx.UpdateOrder(ctx, locked, nil)
	})
	got, err := s.GetOrder(ctx, o.ID)
	if err != nil || got.Status != hub.StatusConfirmed || got.PaymentStatus != hub.PaymentPaid || got.Version != 2 ||
		got.ChannelRef != "ANS-1" || !got.UpdatedAt.Equal(locked.UpdatedAt) {
		t.Fatalf("after UpdateOrder: %+v, %v", got, err)
	}
	if os, err := s.FindOrdersByRef(ctx, f.b1.ID, "ANS-1", false); err != nil || len(os) != 1 || os[0].ID != o.ID {
		t.Fatalf("FindOrdersByRef by new channel ref: %v, %v", os, err)
	}
	// A stale version (written from version 1 again) is a conflict.
	stale := *o
	stale.Version = 2
	stale.Status = hub.StatusCancelled
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateOrder(ctx, &stale, nil) })
	wantCode(t, err, hub.CodeConflict)
	// Skipping a version is a conflict too.
	skip := *got
	skip.Version = 4
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateOrder(ctx, &skip, nil) })
	wantCode(t, err, hub.CodeConflict)
	if got, _ := s.GetOrder(ctx, o.ID); got.Status != hub.StatusConfirmed || got.Version != 2 {
		t.Fatalf("a refused update changed the order: %+v", got)
	}
	err = s.Update(ctx, func(tx store.Tx) error { _, err := tx.LockOrder(ctx, o.ID+100); return err })
	wantCode(t, err, hub.CodeNotFound)
}

// testOrderLock runs many read-modify-write units on one order at once:
// LockOrder must make them apply one after the other, so none hits a
// version conflict and every increment lands.
func testOrderLock(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	o := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "")
	const workers = 16
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			err := s.Update(ctx, func(tx store.Tx) error {
				cur, err := tx.LockOrder(ctx, o.ID)
				if err != nil {
					return err
				}
				cur.Version++
				cur.Notes += "x"
				return tx.UpdateOrder(ctx, cur, nil)
			})
			if err != nil {
				t.Errorf("locked update: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetOrder(ctx, o.ID)
	if err != nil || got.Version != 1+workers || len(got.Notes) != workers {
		t.Fatalf("after %d locked updates: version %d, notes %q, %v", workers, got.Version, got.Notes, err)
	}
}

func testListOrders(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	lB := location(t, s, f.b1.ID, "LB", "")
	mk := func(loc int64, ch hub.Channel, st hub.Status) *hub.Order {
		o := newOrder(f.b1.ID, loc, ch)
		o.Status = st
		return createOrder(t, s, o, "", "")
	}
	o1 := mk(f.l1.ID, hub.ChannelZeek, hub.StatusNew)
	o2 := mk(lB.ID, hub.ChannelZeek, hub.StatusConfirmed)
	o3 := mk(f.l1.ID, hub.ChannelKakao, hub.StatusConfirmed)
	o4 := mk(lB.ID, hub.ChannelKakao, hub.StatusNew)
	o5 := mk(f.l1.ID, hub.ChannelZeek, hub.StatusCompleted)
	createOrder(t, s, newOrder(f.b2.ID, f.l2.ID, hub.ChannelZeek), "", "") // another brand

	cases := []struct {
		name string
		f    store.OrderFilter
		want []*hub.Order
	}{
		{"all, newest first", store.OrderFilter{}, []*hub.Order{o5, o4, o3, o2, o1}},
		{"status", store.OrderFilter{Status: hub.StatusConfirmed}, []*hub.Order{o3, o2}},
		{"channel", store.OrderFilter{Channel: hub.ChannelKakao}, []*hub.Order{o4, o3}},
		{"location", store.OrderFilter{LocationID: lB.ID}, []*hub.Order{o4, o2}},
		{"location ids", store.OrderFilter{LocationIDs: []int64{lB.ID}}, []*hub.Order{o4, o2}},
		{"location ids, two", store.OrderFilter{LocationIDs: []int64{lB.ID, f.l1.ID}}, []*hub.Order{o5, o4, o3, o2, o1}},
		{"location ids of another brand", store.OrderFilter{LocationIDs: []int64{f.l2.ID}}, nil},
		{"combined", store.OrderFilter{Channel: hub.ChannelZeek, Status: hub.StatusNew, LocationIDs: []int64{f.l1.ID}}, []*hub.Order{o1}},
		{"page 1", store.OrderFilter{Limit: 2}, []*hub.Order{o5, o4}},
		{"page 2", store.OrderFilter{Limit: 2, BeforeID: o4.ID}, []*hub.Order{o3, o2}},
		{"page 3", store.OrderFilter{Limit: 2, BeforeID: o2.ID}, []*hub.Order{o1}},
		{"page with filter", store.OrderFilter{Limit: 1, BeforeID: o5.ID, Channel: hub.ChannelZeek}, []*hub.Order{o2}},
	}
	for _, c := range cases {
		c.f.BrandID = f.b1.ID
		got, err := s.ListOrders(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := make([]int64, len(c.want))
		for i, o := range c.want {
			want[i] = o.ID
		}
		if !slices.Equal(orderIDs(got), want) {
			t.Errorf("%s: ListOrders = %v, want %v", c.name, orderIDs(got), want)
		}
	}
	if got, err := s.ListOrders(ctx, store.OrderFilter{BrandID: f.b2.ID}); err != nil || len(got) != 1 {
		t.Fatalf("other brand: %v, %v", orderIDs(got), err)
	}
}

func testHistory(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	o := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "")
	other := createOrder(t, s, newOrder(f.b1.ID, f.l1.ID, hub.ChannelHub), "", "")
	at := time.Date(2026, 3, 1, 12, 0, 0, 123000, time.UTC)
	e1 := &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "partner:1", CreatedAt: at}
	e2 := &hub.OrderEvent{OrderID: o.ID, Action: "confirm", FromStatus: hub.StatusNew, ToStatus: hub.StatusConfirmed, Actor: "hub", Note: "ok"}
	update(t, s, func(tx store.Tx) error {
		for _, e := range []*hub.OrderEvent{e1, e2, {OrderID: other.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "x"}} {
			if err := tx.AddHistory(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if e1.ID <= 0 || e2.ID <= e1.ID || e2.CreatedAt.IsZero() {
		t.Fatalf("AddHistory ids/times: %+v %+v", e1, e2)
	}
	got, err := s.OrderHistory(ctx, o.ID)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], *e1) || !reflect.DeepEqual(got[1], *e2) {
		t.Fatalf("OrderHistory = %+v, %v\nwant %+v, %+v", got, err, *e1, *e2)
	}
	if got, err := s.OrderHistory(ctx, o.ID+1000); err != nil || len(got) != 0 {
		t.Fatalf("OrderHistory(unknown) = %v, %v", got, err)
	}
}
