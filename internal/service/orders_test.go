package service_test

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

func TestPlaceOrder(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		before := f.lastEventID()
		res, err := f.svc.PlaceOrder(f.ctx, service.PlaceOrderInput{
			BrandID: f.brand.ID, LocationID: f.locA.ID, Channel: hub.ChannelHub, Type: hub.OrderDineIn, Table: "7",
			Customer: hub.Customer{Name: "Kim"}, Notes: "window seat", Actor: "hub:test",
			Lines: []service.LineInput{
				{ProductRef: "SKU-COFFEE", Quantity: 2, Options: []service.OptionInput{{GroupID: 1, ValueID: 2}}, SpecialInstructions: "hot"},
				{ProductRef: "TEA", Quantity: 1},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Order
		if res.Replayed || o.ID <= 0 || len(o.Number) != 8 || len(o.PickupCode) != 4 || o.Status != hub.StatusNew ||
			o.PaymentStatus != hub.PaymentUnpaid || o.Currency != "KRW" || o.Version != 1 {
			t.Fatalf("order = %+v", o)
		}
		if len(o.Lines) != 2 {
			t.Fatalf("lines = %+v", o.Lines)
		}
		l0, l1 := o.Lines[0], o.Lines[1]
		if l0.ProductID != f.coffee.ID || l0.Quantity != 2 || l0.BasePrice != 4500 || l0.UnitPrice != 5000 || l0.TotalPrice != 10000 ||
			l0.SpecialInstructions != "hot" || len(l0.Modifiers) != 1 || l0.Modifiers[0].Name != "Large" || l0.Modifiers[0].UnitPrice != 500 {
			t.Fatalf("coffee line = %+v", l0)
		}
		if l1.ProductID != f.tea.ID || l1.UnitPrice != 3000 || l1.TotalPrice != 3000 {
			t.Fatalf("tea line = %+v", l1)
		}
		// 13000 subtotal, 10% tax on top, 5% service charge.
		want := hub.Fees{Subtotal: 13000, Tax: 1300, ServiceCharge: 650, Total: 14950}
		if o.Fees != want {
			t.Fatalf("fees = %+v, want %+v", o.Fees, want)
		}
		if !reflect.DeepEqual(o.StockTaken, []hub.StockNeed{{ProductID: f.coffee.ID, Quantity: 2}}) {
			t.Fatalf("stock taken = %+v (untracked tea takes nothing)", o.StockTaken)
		}

		// In the database: the order, stock, history and events.
		got, err := f.st.GetOrder(f.ctx, o.ID)
		if err != nil || got.Number != o.Number || got.Fees != want || len(got.Lines) != 2 || got.Table != "7" {
			t.Fatalf("stored order = %+v, %v", got, err)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 18)
		f.wantStock(f.locA.ID, f.tea.ID, -1)
		h, err := f.st.OrderHistory(f.ctx, o.ID)
		if err != nil || len(h) != 1 || h[0].Action != "create" || h[0].ToStatus != hub.StatusNew || h[0].Actor != "hub:test" {
			t.Fatalf("history = %+v, %v", h, err)
		}
		evs := f.eventsAfter(before)
		if !slices.Equal(eventTypes(evs), []hub.EventType{hub.EventOrderCreated, hub.EventStockChanged}) {
			t.Fatalf("events = %v", eventTypes(evs))
		}
		if evs[0].OrderID != o.ID || evs[0].BrandID != f.brand.ID || evs[0].LocationID != f.locA.ID {
			t.Fatalf("order.created = %+v", evs[0])
		}
		if d := payload(t, evs[0]); d["order"].(map[string]any)["number"] != o.Number {
			t.Fatalf("order.created payload = %s", evs[0].Payload)
		}
		if d := payload(t, evs[1]); d["product_id"] != float64(f.coffee.ID) || d["quantity"] != float64(18) {
			t.Fatalf("stock.changed payload = %s", evs[1].Payload)
		}
		// Found by its number within the brand.
		if found, err := f.svc.FindOrder(f.ctx, service.OrderScope{BrandID: f.brand.ID}, o.Number); err != nil || found.ID != o.ID {
			t.Fatalf("FindOrder = %v, %v", found, err)
		}
	})
}

// TestPlaceOrderRefused: a refused order leaves nothing behind — no order,
// no stock change, no event.
func TestPlaceOrderRefused(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		reject, _ := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{PricePolicy: hub.PriceReject})
		line := func(ref string, n int) []service.LineInput {
			return []service.LineInput{{ProductRef: ref, Quantity: n}}
		}
		base := func(lines []service.LineInput) service.PlaceOrderInput {
			return service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.locA.ID, Channel: hub.ChannelHub, Lines: lines}
		}
		cases := []struct {
			name   string
			in     service.PlaceOrderInput
			code   hub.Code
			reason hub.Reason
		}{
			{"unknown product", base(line("NOPE", 1)), hub.CodeNotFound, hub.ReasonUnknownProduct},
			{"another brand's product", base(line(fmt.Sprint(f.otherProduct.ID), 1)), hub.CodeNotFound, hub.ReasonUnknownProduct},
			{"sold out", base(line("SOLDOUT", 1)), hub.CodeConflict, hub.ReasonOutOfStock},
			{"not enough", base(line("COFFEE", 21)), hub.CodeConflict, hub.ReasonNotEnoughStock},
			{"unavailable", base(line("HIDDEN", 1)), hub.CodeConflict, hub.ReasonNotAvailable},
			{"combo item alone", base(line("BURGER", 1)), hub.CodeConflict, hub.ReasonNotIndividual},
			{"second line short after the first took stock", base([]service.LineInput{
				{ProductRef: "COFFEE", Quantity: 3}, {ProductRef: "TEA", Quantity: 1}, {ProductRef: "SOLDOUT", Quantity: 1}}),
				hub.CodeConflict, hub.ReasonOutOfStock},
			{"combo: one item short after the other was taken", base([]service.LineInput{{ProductRef: "COMBO", Quantity: 6,
				Combo: []service.ComboInput{{ComponentID: 1, ProductRef: "BURGER"}, {ComponentID: 2, ProductRef: "FRIES"}}}}),
				hub.CodeConflict, hub.ReasonNotEnoughStock},
			{"price mismatch", func() service.PlaceOrderInput {
				in := base([]service.LineInput{{ProductRef: "COFFEE", Quantity: 1, ClientUnitPrice: ptr[int64](4000)}})
				in.Partner, in.Channel = reject, hub.ChannelTableOrder
				return in
			}(), hub.CodeInvalid, hub.ReasonPriceMismatch},
			{"another brand's location", func() service.PlaceOrderInput {
				in := base(line("COFFEE", 1))
				in.LocationID = f.locX.ID
				return in
			}(), hub.CodeNotFound, hub.ReasonNone},
			{"unknown location", func() service.PlaceOrderInput {
				in := base(line("COFFEE", 1))
				in.LocationID = f.locX.ID + 100
				return in
			}(), hub.CodeNotFound, hub.ReasonNone},
			{"wrong currency", func() service.PlaceOrderInput {
				in := base(line("COFFEE", 1))
				in.Currency = "USD"
				return in
			}(), hub.CodeInvalid, hub.ReasonNone},
			{"no lines", base(nil), hub.CodeInvalid, hub.ReasonNone},
		}
		stockBefore := map[int64]int64{}
		for _, p := range []*hub.Product{f.coffee, f.soldOut, f.fries, f.burger, f.tea} {
			stockBefore[p.ID] = f.stock(f.locA.ID, p.ID)
		}
		events := f.lastEventID()
		for _, c := range cases {
			_, err := f.svc.PlaceOrder(f.ctx, c.in)
			if hub.ErrorCode(err) != c.code || hub.ErrorReason(err) != c.reason {
				t.Errorf("%s: %v (code %q reason %q), want %q %q", c.name, err, hub.ErrorCode(err), hub.ErrorReason(err), c.code, c.reason)
			}
		}
		if os := f.orders(store.OrderFilter{}); len(os) != 0 {
			t.Fatalf("refused orders stored: %d", len(os))
		}
		for id, q := range stockBefore {
			f.wantStock(f.locA.ID, id, q)
		}
		if evs := f.eventsAfter(events); len(evs) != 0 {
			t.Fatalf("refused orders wrote events: %v", eventTypes(evs))
		}
		// A dry run validates and stores nothing.
		in := f.coffeeOrder(2)
		in.DryRun = true
		if res, err := f.svc.PlaceOrder(f.ctx, in); err != nil || res.Order.Fees.Subtotal != 9000 {
			t.Fatalf("dry run = %+v, %v", res, err)
		}
		in.Lines[0].Quantity = 21
		_, err := f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonNotEnoughStock)
		if os := f.orders(store.OrderFilter{}); len(os) != 0 || f.stock(f.locA.ID, f.coffee.ID) != 20 {
			t.Fatal("a dry run stored something")
		}
	})
}

func TestPricePolicyAccept(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		p, _ := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{PricePolicy: hub.PriceAccept})
		in := f.coffeeOrder(1)
		in.Partner, in.Channel = p, hub.ChannelTableOrder
		in.Lines[0].ClientUnitPrice = ptr[int64](4000)
		o := f.place(in)
		// Flagged, charged at the catalog price.
		if !o.PriceFlagged || o.Lines[0].ClientUnitPrice == nil || *o.Lines[0].ClientUnitPrice != 4000 || o.Lines[0].UnitPrice != 4500 {
			t.Fatalf("order = %+v", o)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		p, _ := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{})
		in := f.coffeeOrder(1)
		in.Partner, in.Channel, in.IdempotencyKey, in.RequestHash = p, hub.ChannelTableOrder, "unique-1", "hash-1"
		first, err := f.svc.PlaceOrder(f.ctx, in)
		if err != nil || first.Replayed {
			t.Fatalf("first = %+v, %v", first, err)
		}
		again, err := f.svc.PlaceOrder(f.ctx, in)
		if err != nil || !again.Replayed || again.Order.ID != first.Order.ID || again.Order.Number != first.Order.Number {
			t.Fatalf("replay = %+v, %v", again, err)
		}
		in.RequestHash = "hash-2"
		_, err = f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonIdempotencyReuse)
		f.wantStock(f.locA.ID, f.coffee.ID, 19)
		if os := f.orders(store.OrderFilter{}); len(os) != 1 {
			t.Fatalf("%d orders stored, want 1", len(os))
		}

		// Concurrent retries of one request: one order, every caller gets it.
		in.IdempotencyKey, in.RequestHash = "unique-2", "hash-3"
		const n = 10
		results := make([]*service.PlaceOrderResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { results[i], errs[i] = f.svc.PlaceOrder(f.ctx, in) })
		}
		wg.Wait()
		fresh := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("retry %d: %v", i, errs[i])
			}
			if results[i].Order.ID != results[0].Order.ID {
				t.Fatalf("retry %d got order %d, retry 0 got %d", i, results[i].Order.ID, results[0].Order.ID)
			}
			if !results[i].Replayed {
				fresh++
			}
		}
		if fresh != 1 {
			t.Fatalf("%d callers were told they created the order, want 1", fresh)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 18)
	})
}

func TestDuplicateExternalRef(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		p, _ := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{})
		in := f.coffeeOrder(1)
		in.Partner, in.Channel, in.ExternalRef = p, hub.ChannelTableOrder, "QR-1001"
		first := f.place(in)
		_, err := f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonDuplicateOrder)
		existing, ok := hub.AsError(err).Details["order"].(*hub.Order)
		if !ok || existing.ID != first.ID {
			t.Fatalf("details = %+v, want the existing order %d", hub.AsError(err).Details, first.ID)
		}
		// The same ref on another channel is another order.
		in.Channel, in.Partner = hub.ChannelHub, nil
		f.place(in)
		f.wantStock(f.locA.ID, f.coffee.ID, 18)

		// Concurrent duplicates: exactly one order.
		in = f.coffeeOrder(1)
		in.Partner, in.Channel, in.ExternalRef = p, hub.ChannelTableOrder, "QR-2002"
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = f.svc.PlaceOrder(f.ctx, in) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case hub.ErrorCode(err) == hub.CodeConflict && hub.ErrorReason(err) == hub.ReasonDuplicateOrder:
				if o, ok := hub.AsError(err).Details["order"].(*hub.Order); !ok || o.ExternalRef != "QR-2002" {
					t.Errorf("duplicate without the existing order: %+v", hub.AsError(err).Details)
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent duplicates succeeded, want 1", won, n)
		}
		if os := f.orders(store.OrderFilter{Channel: hub.ChannelTableOrder}); len(os) != 2 {
			t.Fatalf("%d table orders stored, want 2", len(os))
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 17)
	})
}

// TestConcurrentLastUnits: 200 goroutines each order 1 of 20 units.
// Exactly 20 succeed, on every database.
func TestConcurrentLastUnits(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		const n = 200
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				in := f.coffeeOrder(1)
				in.ExternalRef = fmt.Sprint("race-", i)
				_, errs[i] = f.svc.PlaceOrder(f.ctx, in)
			})
		}
		close(start)
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case hub.ErrorCode(err) == hub.CodeConflict &&
				(hub.ErrorReason(err) == hub.ReasonOutOfStock || hub.ErrorReason(err) == hub.ReasonNotEnoughStock):
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 20 || refused != n-20 {
			t.Fatalf("%d succeeded, %d refused; want 20 and %d", ok, refused, n-20)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 0)
		if os := f.orders(store.OrderFilter{}); len(os) != 20 {
			t.Fatalf("%d orders stored, want 20", len(os))
		}
		created := 0
		for _, e := range f.eventsAfter(0) {
			if e.Type == hub.EventOrderCreated {
				created++
			}
		}
		if created != 20 {
			t.Fatalf("%d order.created events, want 20", created)
		}
	})
}

func TestComboTakesItemStock(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		lvl, err := f.svc.Stock(f.ctx, f.brand.ID, f.locA.ID, f.combo.ID)
		if err != nil || !lvl.Derived || lvl.Quantity == nil || *lvl.Quantity != 5 {
			t.Fatalf("combo stock = %+v, %v; want derived 5 (burger 5, fries 10)", lvl, err)
		}
		// Choices given explicitly, and none (the single-item slots fill
		// themselves).
		explicit := service.LineInput{ProductRef: "COMBO", Quantity: 2,
			Combo: []service.ComboInput{{ComponentID: 1, ProductRef: "BURGER"}, {ComponentID: 2, ProductRef: fmt.Sprint(f.fries.ID)}}}
		o := f.place(service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.locA.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{explicit, {ProductRef: "COMBO", Quantity: 1}}})
		if o.Fees.Subtotal != 27000 {
			t.Fatalf("subtotal = %d, want 3 × 9000", o.Fees.Subtotal)
		}
		want := []hub.StockNeed{{ProductID: f.fries.ID, Quantity: 3}, {ProductID: f.burger.ID, Quantity: 3}}
		if !reflect.DeepEqual(o.StockTaken, want) {
			t.Fatalf("stock taken = %+v, want %+v", o.StockTaken, want)
		}
		f.wantStock(f.locA.ID, f.burger.ID, 2)
		f.wantStock(f.locA.ID, f.fries.ID, 7)
		f.wantStock(f.locA.ID, f.combo.ID, -1)
		lvl, err = f.svc.Stock(f.ctx, f.brand.ID, f.locA.ID, f.combo.ID)
		if err != nil || lvl.Quantity == nil || *lvl.Quantity != 2 {
			t.Fatalf("combo stock after = %+v, %v; want 2", lvl, err)
		}
		// A combo's stock cannot be set; an untracked item stops limiting.
		err = f.svc.SetStock(f.ctx, f.brand.ID, f.locA.ID, f.combo.ID, ptr[int64](50))
		wantErr(t, err, hub.CodeInvalid, hub.ReasonNone)
		f.setStock(f.locA.ID, f.burger.ID, nil)
		lvl, _ = f.svc.Stock(f.ctx, f.brand.ID, f.locA.ID, f.combo.ID)
		if lvl.Quantity == nil || *lvl.Quantity != 7 {
			t.Fatalf("combo stock with untracked burger = %+v, want 7 (fries)", lvl)
		}
		f.setStock(f.locA.ID, f.fries.ID, nil)
		lvl, _ = f.svc.Stock(f.ctx, f.brand.ID, f.locA.ID, f.combo.ID)
		if lvl.Quantity != nil {
			t.Fatalf("combo stock with untracked items = %d, want untracked", *lvl.Quantity)
		}
		// Cancelling gives the items back.
		f.setStock(f.locA.ID, f.burger.ID, ptr[int64](1))
		f.setStock(f.locA.ID, f.fries.ID, ptr[int64](1))
		if _, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID},
			OrderRef: o.Number, Action: hub.ActionCancel, Actor: storeActor}); err != nil {
			t.Fatal(err)
		}
		f.wantStock(f.locA.ID, f.burger.ID, 4)
		f.wantStock(f.locA.ID, f.fries.ID, 4)
		// Plain products: not derived.
		if lvl, err := f.svc.Stock(f.ctx, f.brand.ID, f.locA.ID, f.coffee.ID); err != nil || lvl.Derived || *lvl.Quantity != 20 {
			t.Fatalf("coffee stock = %+v, %v", lvl, err)
		}
		_, err = f.svc.Stock(f.ctx, f.brand.ID, f.locX.ID, f.coffee.ID)
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
	})
}

// TestIdempotencyKeyWithoutPartner: the native API has no partner; its
// idempotency keys must replay too, and never across brands.
func TestIdempotencyKeyWithoutPartner(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		in := f.coffeeOrder(1)
		in.IdempotencyKey, in.RequestHash = "native-1", "h"
		first, err := f.svc.PlaceOrder(f.ctx, in)
		if err != nil || first.Replayed {
			t.Fatalf("first = %+v, %v", first, err)
		}
		again, err := f.svc.PlaceOrder(f.ctx, in)
		if err != nil || !again.Replayed || again.Order.ID != first.Order.ID {
			t.Fatalf("replay = %+v, %v", again, err)
		}
		in.RequestHash = "other"
		_, err = f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonIdempotencyReuse)
		// The same key from another brand is not answered with this
		// brand's order.
		x := service.PlaceOrderInput{BrandID: f.other.ID, LocationID: f.locX.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "COFFEE", Quantity: 1}}, IdempotencyKey: "native-1", RequestHash: "h"}
		res, err := f.svc.PlaceOrder(f.ctx, x)
		if err == nil && res.Order.BrandID != f.other.ID {
			t.Fatalf("another brand was answered with order %+v", res.Order)
		}
		if err != nil {
			if d := hub.AsError(err).Details; d["order"] != nil {
				t.Fatalf("another brand's order leaked in details: %v", d)
			}
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 19)
	})
}
