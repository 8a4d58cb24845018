package service_test

import (
	"context"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// balFixture is a KRW brand (tax included) with one location, an
// untracked product at 1000, a tracked one, and a partner with a balance.
type balFixture struct {
	ctx     context.Context
	svc     *service.Service
	st      store.Store
	brand   *hub.Brand
	loc     *hub.Location
	item    *hub.Product // 1000, untracked
	stocked *hub.Product // 500, stock 3
	partner *hub.Partner
}

func newBalFixture(t *testing.T, st store.Store) *balFixture {
	t.Helper()
	ok := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &balFixture{ctx: t.Context(), svc: service.New(st, service.WithOutbound(testutil.Outbound), server.Protocols().Option()), st: st}
	f.brand = &hub.Brand{Name: "Shop", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	ok(f.svc.CreateBrand(f.ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "W", Name: "Warehouse", Timezone: "Asia/Seoul"}
	ok(f.svc.CreateLocation(f.ctx, f.loc))
	mk := func(ref string, price int64) *hub.Product {
		p := &hub.Product{BrandID: f.brand.ID, RefID: ref, Name: hub.I18n{"ko": ref}, Price: price, DeductStock: true,
			IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
		ok(f.svc.SaveProduct(f.ctx, p))
		return p
	}
	f.item, f.stocked = mk("ITEM", 1000), mk("STOCKED", 500)
	three := int64(3)
	ok(f.svc.SetStock(f.ctx, f.brand.ID, f.loc.ID, f.stocked.ID, &three))
	f.partner = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelJunglebook}
	_, _, err := f.svc.CreatePartner(f.ctx, f.partner)
	ok(err)
	return f
}

func (f *balFixture) input(ref string, lines ...service.LineInput) service.PlaceOrderInput {
	return service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Partner: f.partner, Channel: hub.ChannelJunglebook,
		ExternalRef: ref, Type: hub.OrderDelivery, Lines: lines, PayFromBalance: true}
}

// TestBalanceNeverOverdrawn: concurrent orders paid from one balance take
// exactly what it holds; the rest are taken unpaid.
func TestBalanceNeverOverdrawn(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newBalFixture(t, st)
		if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, 5000, "start"); err != nil {
			t.Fatal(err)
		}
		const n = 10
		var wg sync.WaitGroup
		results := make([]*service.PlaceOrderResult, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = f.svc.PlaceOrder(f.ctx, f.input("o-"+string(rune('a'+i)), service.LineInput{ProductRef: "ITEM", Quantity: 1}))
			}()
		}
		wg.Wait()
		paid := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if r.Payment == nil || r.Payment.Amount != 1000 {
				t.Fatalf("payment %+v", r.Payment)
			}
			if r.Payment.Paid != (r.Order.PaymentStatus == hub.PaymentPaid) {
				t.Fatalf("payment %+v but order %v", r.Payment, r.Order.PaymentStatus)
			}
			if r.Payment.Paid {
				paid++
			}
		}
		if paid != 5 {
			t.Fatalf("%d orders paid, want 5", paid)
		}
		bal, err := f.svc.Balance(f.ctx, f.partner.ID)
		if err != nil || bal != 0 {
			t.Fatalf("balance %d, %v; want 0", bal, err)
		}
		es, err := f.svc.BalanceEntries(f.ctx, f.partner.ID, 0, 100)
		if err != nil || len(es) != 6 {
			t.Fatalf("entries %+v, %v", es, err)
		}
		// The history is consistent: each entry's balance follows the last.
		run := int64(0)
		for i := len(es) - 1; i >= 0; i-- {
			run += es[i].Amount
			if es[i].BalanceAfter != run {
				t.Fatalf("entry %+v: running balance %d", es[i], run)
			}
		}
	})
}

// TestBalancePaymentRollsBack: when the order fails after the debit (its
// stock ran out), the debit is undone with it.
func TestBalancePaymentRollsBack(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newBalFixture(t, st)
		if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, 10000, ""); err != nil {
			t.Fatal(err)
		}
		in := f.input("big", service.LineInput{ProductRef: "STOCKED", Quantity: 4})
		if _, err := f.svc.PlaceOrder(f.ctx, in); hub.ErrorReason(err) != hub.ReasonNotEnoughStock {
			t.Fatalf("err = %v, want not enough stock", err)
		}
		res, err := f.svc.PlaceOrder(f.ctx, f.input("ok", service.LineInput{ProductRef: "STOCKED", Quantity: 3}))
		if err != nil || !res.Payment.Paid || res.Payment.Balance != 8500 {
			t.Fatalf("%+v, %v", res, err)
		}
		// A duplicate external ref fails at the order row, after the debit.
		if _, err := f.svc.PlaceOrder(f.ctx, f.input("ok", service.LineInput{ProductRef: "ITEM", Quantity: 1})); hub.ErrorReason(err) != hub.ReasonDuplicateOrder {
			t.Fatalf("err = %v", err)
		}
		if bal, _ := f.svc.Balance(f.ctx, f.partner.ID); bal != 8500 {
			t.Fatalf("balance %d, want 8500", bal)
		}
		// Dry runs never debit.
		dry := f.input("dry", service.LineInput{ProductRef: "ITEM", Quantity: 1})
		dry.DryRun = true
		if res, err := f.svc.PlaceOrder(f.ctx, dry); err != nil || res.Payment != nil {
			t.Fatalf("%+v, %v", res, err)
		}
		if bal, _ := f.svc.Balance(f.ctx, f.partner.ID); bal != 8500 {
			t.Fatalf("balance %d after a dry run", bal)
		}
	})
}

func TestTopUpBalance(t *testing.T) {
	f := newBalFixture(t, testutil.OpenSQLite(t))
	for _, amt := range []int64{0, -1, hub.MaxAmount + 1} {
		if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, amt, ""); hub.ErrorCode(err) != hub.CodeInvalid {
			t.Fatalf("amount %d: %v", amt, err)
		}
	}
	if _, err := f.svc.TopUpBalance(f.ctx, 9999, 10, ""); hub.ErrorCode(err) != hub.CodeNotFound {
		t.Fatalf("unknown partner: %v", err)
	}
	if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, hub.MaxAmount, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, 1, ""); hub.ErrorCode(err) != hub.CodeInvalid {
		t.Fatalf("overflow: %v", err)
	}
}

// TestOrderProblems lists every problem; SkipStock skips stock and the
// sold-out flag, as PlaceOrder does.
func TestOrderProblems(t *testing.T) {
	f := newBalFixture(t, testutil.OpenSQLite(t))
	f.item.SoldOut, f.item.BundleSize, f.item.SupplierRestricted = true, 2, true
	if err := f.svc.SaveProduct(f.ctx, f.item); err != nil {
		t.Fatal(err)
	}
	in := f.input("p", service.LineInput{ProductRef: "ITEM", Quantity: 1, Field: "l0"},
		service.LineInput{ProductRef: "NOPE", Quantity: 1, Field: "l1"},
		service.LineInput{ProductRef: "STOCKED", Quantity: 5, Field: "l2"})
	probs, err := f.svc.OrderProblems(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []hub.Reason
	for _, p := range probs {
		reasons = append(reasons, p.Reason)
	}
	want := []hub.Reason{hub.ReasonSupplierRestricted, hub.ReasonBundleSize, hub.ReasonOutOfStock, hub.ReasonUnknownProduct, hub.ReasonNotEnoughStock}
	if len(reasons) != len(want) {
		t.Fatalf("reasons %v, want %v", reasons, want)
	}
	for i := range want {
		if reasons[i] != want[i] {
			t.Fatalf("reasons %v, want %v", reasons, want)
		}
	}
	in.SkipStock = true
	probs, _ = f.svc.OrderProblems(f.ctx, in)
	if len(probs) != 3 {
		t.Fatalf("with SkipStock: %v", probs)
	}
	// PlaceOrder refuses the sold-out flag unless stock is skipped.
	one := f.input("q", service.LineInput{ProductRef: "ITEM", Quantity: 2})
	f.item.SupplierRestricted = false
	if err := f.svc.SaveProduct(f.ctx, f.item); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PlaceOrder(f.ctx, one); hub.ErrorReason(err) != hub.ReasonOutOfStock {
		t.Fatalf("sold out: %v", err)
	}
	one.SkipStock = true
	if _, err := f.svc.PlaceOrder(f.ctx, one); err != nil {
		t.Fatal(err)
	}
}

// TestFreeDeliveryFrom waives the fee from the threshold on.
func TestFreeDeliveryFrom(t *testing.T) {
	f := newBalFixture(t, testutil.OpenSQLite(t))
	for _, c := range []struct {
		qty       int
		fee       int64
		wantTotal int64
	}{{2, 2500, 4500}, {3, 0, 3000}, {4, 0, 4000}} {
		in := f.input("", service.LineInput{ProductRef: "ITEM", Quantity: c.qty})
		in.DryRun, in.DeliveryFee, in.FreeDeliveryFrom = true, 2500, 3000
		res, err := f.svc.PlaceOrder(f.ctx, in)
		if err != nil || res.Order.Fees.DeliveryFee != c.fee || res.Order.Fees.Total != c.wantTotal {
			t.Fatalf("qty %d: %+v, %v", c.qty, res.Order.Fees, err)
		}
	}
}

// TestCancelRefundsBalance: cancelling an order paid from the cash balance
// gives the money back in the same unit (balance, history entry, order
// marked refunded); an unpaid order and a second cancel give nothing.
func TestCancelRefundsBalance(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newBalFixture(t, st)
		if _, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, 2500, "start"); err != nil {
			t.Fatal(err)
		}
		paid, err := f.svc.PlaceOrder(f.ctx, f.input("r-1", service.LineInput{ProductRef: "ITEM", Quantity: 2}))
		if err != nil || !paid.Payment.Paid {
			t.Fatalf("paid order: %+v %v", paid, err)
		}
		unpaid, err := f.svc.PlaceOrder(f.ctx, f.input("r-2", service.LineInput{ProductRef: "ITEM", Quantity: 1}))
		if err != nil || unpaid.Payment.Paid {
			t.Fatalf("unpaid order: %+v %v", unpaid, err)
		}
		actor := hub.Actor{Role: hub.RoleStore, Name: "test"}
		scope := service.OrderScope{BrandID: f.brand.ID}
		o, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: scope, OrderRef: paid.Order.Number, Action: hub.ActionCancel, Actor: actor})
		if err != nil || o.PaymentStatus != hub.PaymentRefunded {
			t.Fatalf("cancel paid: %+v %v", o, err)
		}
		if _, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: scope, OrderRef: unpaid.Order.Number, Action: hub.ActionCancel, Actor: actor}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: scope, OrderRef: paid.Order.Number, Action: hub.ActionCancel, Actor: actor}); hub.ErrorReason(err) != hub.ReasonAlreadyCancelled {
			t.Fatalf("second cancel: %v", err)
		}
		if b, _ := f.svc.Balance(f.ctx, f.partner.ID); b != 2500 {
			t.Fatalf("balance after refund %d, want 2500", b)
		}
		entries, _ := f.svc.BalanceEntries(f.ctx, f.partner.ID, 0, 10)
		if len(entries) != 3 || entries[0].Kind != "order_refund" || entries[0].Amount != 2000 || entries[0].BalanceAfter != 2500 ||
			entries[0].OrderID != paid.Order.ID {
			t.Fatalf("entries %+v", entries)
		}
		hist, _ := st.OrderHistory(f.ctx, paid.Order.ID)
		if last := hist[len(hist)-1]; last.Action != "cancel" || last.Note != "(payment refunded to the cash balance)" {
			t.Fatalf("history %+v", hist)
		}
		if got, _ := st.GetOrder(f.ctx, unpaid.Order.ID); got.PaymentStatus != hub.PaymentUnpaid {
			t.Fatalf("unpaid order after cancel: %v", got.PaymentStatus)
		}
	})
}
