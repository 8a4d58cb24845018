// Package storetest is the conformance suite every store.Store
// implementation must pass. The SQLite and PostgreSQL stores run it from
// their own tests:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, open) }
//
// open must return a fresh, empty, migrated store for each call; it is
// called once per subtest, so subtests never see each other's rows.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Dialect", testDialect},
		{"Brands", testBrands},
		{"Locations", testLocations},
		{"Products", testProducts},
		{"FindProductPrecedence", testFindProductPrecedence},
		{"Timeslots", testTimeslots},
		{"Stock", testStock},
		{"StockConcurrentTakes", testStockConcurrent},
		{"OrdersCreateAndFind", testOrdersFind},
		{"OrdersUniqueClashes", testOrderClashes},
		{"OrdersUpdateVersion", testOrderUpdate},
		{"OrdersLockSerialises", testOrderLock},
		{"ListOrders", testListOrders},
		{"History", testHistory},
		{"Events", testEvents},
		{"Partners", testPartners},
		{"PartnerCallbackSecretRotation", testPartnerSecretRotation},
		{"Credentials", testCredentials},
		{"HubTokens", testHubTokens},
		{"Idempotency", testIdempotency},
		{"UpdateRollsBackOnError", testUpdateRollback},
		{"UpdateSeesOwnWrites", testUpdateOwnWrites},
		{"UpdateConcurrentMixed", testUpdateConcurrentMixed},
		{"UpdateConcurrentConstraintFailures", testUpdateConcurrentConstraint},
		{"UpdatePanic", testUpdatePanic},
		{"UpdateCancelledContext", testUpdateCancelled},
		{"LockProduct", testLockProduct},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"ClaimEvents", testClaimEvents},
		{"ClaimEventsConcurrent", testClaimEventsConcurrent},
		{"ClaimEventsSkipLocked", testClaimEventsSkipLocked},
		{"FanOut", testFanOut},
		{"Deliveries", testDeliveries},
		{"ListDeliveries", testListDeliveries},
		{"ClaimDeliveries", testClaimDeliveries},
		{"ClaimDeliveriesConcurrent", testClaimDeliveriesConcurrent},
		{"ClaimDeliveriesSkipLocked", testClaimDeliveriesSkipLocked},
		{"DeliveryAttempts", testDeliveryAttempts},
		{"DeadLetter", testDeadLetter},
		{"DeliveryOrdering", testDeliveryOrdering},
		{"DeliveryOrderingConcurrent", testDeliveryOrderingConcurrent},
		{"RetentionDelivered", testRetentionDelivered},
		{"RetentionDead", testRetentionDead},
		{"RetentionIdempotency", testRetentionIdempotency},
		{"RetentionBatches", testRetentionBatches},
		{"RetentionConcurrent", testRetentionConcurrent},
		{"Balance", testBalance},
		{"BalanceEntries", testBalanceEntries},
		{"BalanceConcurrent", testBalanceConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.fn(t, s)
		})
	}
}

// ---- helpers ----

func ctxOf(t *testing.T) context.Context { return t.Context() }

// update runs fn in one unit and fails the test on error.
func update(t *testing.T, s store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(ctxOf(t), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func wantCode(t *testing.T, err error, code hub.Code) {
	t.Helper()
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func wantReason(t *testing.T, err error, code hub.Code, reason hub.Reason) {
	t.Helper()
	wantCode(t, err, code)
	if got := hub.ErrorReason(err); got != reason {
		t.Fatalf("error = %v (reason %q), want reason %q", err, got, reason)
	}
}

func ptr[T any](v T) *T { return &v }

func brand(t *testing.T, s store.Store, name string) *hub.Brand {
	t.Helper()
	b := &hub.Brand{Name: name, Currency: "KRW", TaxRateBP: 1000}
	update(t, s, func(tx store.Tx) error { return tx.CreateBrand(ctxOf(t), b) })
	return b
}

func location(t *testing.T, s store.Store, brandID int64, code, ref string) *hub.Location {
	t.Helper()
	l := &hub.Location{BrandID: brandID, Code: code, Name: "Location " + code, Timezone: "Asia/Seoul", RefID: ref}
	update(t, s, func(tx store.Tx) error { return tx.CreateLocation(ctxOf(t), l) })
	return l
}

func product(t *testing.T, s store.Store, brandID int64, ref, sku string, price int64) *hub.Product {
	t.Helper()
	p := &hub.Product{BrandID: brandID, RefID: ref, SKU: sku, Name: hub.I18n{"en": "Product " + ref + sku}, Type: hub.ProductSingle,
		Price: price, DeductStock: true, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	update(t, s, func(tx store.Tx) error { return tx.CreateProduct(ctxOf(t), p) })
	return p
}

// fixture is two brands with a location each (orders need both).
type fixture struct {
	b1, b2 *hub.Brand
	l1, l2 *hub.Location // l1 of b1, l2 of b2
}

func newFixture(t *testing.T, s store.Store) fixture {
	b1, b2 := brand(t, s, "Brand One"), brand(t, s, "Brand Two")
	return fixture{b1: b1, b2: b2, l1: location(t, s, b1.ID, "L1", "ref-l1"), l2: location(t, s, b2.ID, "L2", "ref-l2")}
}

var orderSeq atomic.Int64

func newOrder(brandID, locationID int64, channel hub.Channel) *hub.Order {
	n := orderSeq.Add(1)
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &hub.Order{
		Number: fmt.Sprintf("N%07d", n), BrandID: brandID, LocationID: locationID, Channel: channel,
		Type: hub.OrderPickUp, Currency: "KRW", Status: hub.StatusNew, PaymentStatus: hub.PaymentUnpaid,
		Lines:     []hub.OrderLine{{ProductID: 7, Name: "Coffee", Quantity: 2, UnitPrice: 4500, BasePrice: 4500, TotalPrice: 9000}},
		Fees:      hub.Fees{Subtotal: 9000, Tax: 900, Total: 9900},
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
}

func createOrder(t *testing.T, s store.Store, o *hub.Order, key, hash string) *hub.Order {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return tx.CreateOrder(ctxOf(t), o, nil, key, hash) })
	if o.ID <= 0 {
		t.Fatalf("CreateOrder did not set a positive ID: %d", o.ID)
	}
	return o
}

func orderIDs(os []hub.Order) []int64 {
	ids := make([]int64, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	return ids
}

// ---- tests ----

func testDialect(t *testing.T, s store.Store) {
	if d := s.Dialect(); d == "" {
		t.Fatal("Dialect() is empty")
	}
}

func testBrands(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	if bs, err := s.ListBrands(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("ListBrands on an empty store = %v, %v", bs, err)
	}
	b := &hub.Brand{Name: "Cafe", Currency: "VND", TaxRateBP: 800, TaxIncluded: true, ServiceChargeBP: 500}
	update(t, s, func(tx store.Tx) error { return tx.CreateBrand(ctx, b) })
	if b.ID <= 0 || b.CreatedAt.IsZero() || b.UpdatedAt.IsZero() {
		t.Fatalf("CreateBrand did not set id and times: %+v", b)
	}
	got, err := s.GetBrand(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Fatalf("GetBrand = %+v, want %+v", got, b)
	}
	b2 := brand(t, s, "Second")
	b.Name, b.ServiceChargeBP = "Cafe Renamed", 0
	update(t, s, func(tx store.Tx) error { return tx.UpdateBrand(ctx, b) })
	got, _ = s.GetBrand(ctx, b.ID)
	if got.Name != "Cafe Renamed" || got.ServiceChargeBP != 0 || got.Currency != "VND" {
		t.Fatalf("after UpdateBrand: %+v", got)
	}
	bs, err := s.ListBrands(ctx)
	if err != nil || len(bs) != 2 || bs[0].ID != b.ID || bs[1].ID != b2.ID {
		t.Fatalf("ListBrands = %+v, %v", bs, err)
	}
	_, err = s.GetBrand(ctx, b2.ID+1000)
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateBrand(ctx, &hub.Brand{ID: b2.ID + 1000, Name: "x", Currency: "KRW"})
	})
	wantCode(t, err, hub.CodeNotFound)
}

func testLocations(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	l1 := location(t, s, b1.ID, "GN", "zeek-7")
	l2 := location(t, s, b1.ID, "HD", "")
	other := location(t, s, b2.ID, "GN", "zeek-7") // same code and ref, other brand: allowed
	if l1.ID <= 0 || l2.ID <= 0 || other.ID <= 0 || l1.CreatedAt.IsZero() {
		t.Fatalf("CreateLocation did not set ids: %+v %+v %+v", l1, l2, other)
	}
	got, err := s.GetLocation(ctx, l1.ID)
	if err != nil || !reflect.DeepEqual(got, l1) {
		t.Fatalf("GetLocation = %+v, %v; want %+v", got, err, l1)
	}
	ls, err := s.ListLocations(ctx, b1.ID)
	if err != nil || len(ls) != 2 || ls[0].ID != l1.ID || ls[1].ID != l2.ID {
		t.Fatalf("ListLocations = %+v, %v", ls, err)
	}
	for _, ref := range []string{strconv.FormatInt(l1.ID, 10), "GN", "zeek-7", " GN "} {
		got, err := s.FindLocation(ctx, b1.ID, ref)
		if err != nil || got.ID != l1.ID {
			t.Errorf("FindLocation(%q) = %+v, %v; want location %d", ref, got, err, l1.ID)
		}
	}
	// Another brand's id, and refs that exist only elsewhere, are not found.
	_, err = s.FindLocation(ctx, b1.ID, strconv.FormatInt(other.ID, 10))
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindLocation(ctx, b2.ID, "HD")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindLocation(ctx, b1.ID, "")
	wantCode(t, err, hub.CodeNotFound)
	if got, err := s.FindLocation(ctx, b2.ID, "GN"); err != nil || got.ID != other.ID {
		t.Fatalf("FindLocation(b2, GN) = %+v, %v", got, err)
	}
	// Codes are unique within a brand.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateLocation(ctx, &hub.Location{BrandID: b1.ID, Code: "GN", Name: "dup", Timezone: "UTC"})
	})
	wantCode(t, err, hub.CodeInvalid)
	l2.Code, l2.RefID = "HD2", "ref-hd"
	update(t, s, func(tx store.Tx) error { return tx.UpdateLocation(ctx, l2) })
	if got, err := s.FindLocation(ctx, b1.ID, "ref-hd"); err != nil || got.ID != l2.ID || got.Code != "HD2" {
		t.Fatalf("after UpdateLocation: %+v, %v", got, err)
	}
	l2.Code = "GN"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateLocation(ctx, l2) })
	wantCode(t, err, hub.CodeInvalid)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateLocation(ctx, &hub.Location{ID: other.ID + 100, BrandID: b1.ID, Code: "Z", Name: "z", Timezone: "UTC"})
	})
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.GetLocation(ctx, other.ID+100)
	wantCode(t, err, hub.CodeNotFound)
}

func testProducts(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &hub.Product{
		BrandID: b1.ID, RefID: "P001", SKU: "SKU-1", Name: hub.I18n{"en": "Latte", "ko": "라떼", "zh-HK": "拿鐵"},
		Type: hub.ProductSingle, Price: 4500, SortOrder: 3, MaxQuantity: 10, Alcohol: false, DeductStock: true,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true, Start: &start},
		SpecialPrices: []hub.DatedPrice{{Price: 4000, StartDate: "2026-01-01", EndDate: "2026-01-31"}},
		OptionGroups: []hub.OptionGroup{{ID: 1, Name: hub.I18n{"en": "Size"}, Required: true, Max: 1,
			Values: []hub.OptionValue{{ID: 1, Name: hub.I18n{"en": "Regular"}}, {ID: 2, Name: hub.I18n{"en": "Large"}, Price: 500}}}},
		LocationIDs: nil, TimeslotIDs: []int64{1}, Attributes: map[string]any{"origin": "KR"},
	}
	update(t, s, func(tx store.Tx) error { return tx.CreateProduct(ctx, p) })
	if p.ID <= 0 || p.CreatedAt.IsZero() {
		t.Fatalf("CreateProduct did not set id/time: %+v", p)
	}
	got, err := s.GetProduct(ctx, b1.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("GetProduct =\n%+v\nwant\n%+v", got, p)
	}
	// A product is only visible within its brand.
	_, err = s.GetProduct(ctx, b2.ID, p.ID)
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b2.ID, strconv.FormatInt(p.ID, 10))
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b2.ID, "P001")
	wantCode(t, err, hub.CodeNotFound)
	for _, ref := range []string{strconv.FormatInt(p.ID, 10), "P001", "SKU-1", " P001 "} {
		got, err := s.FindProduct(ctx, b1.ID, ref)
		if err != nil || got.ID != p.ID {
			t.Errorf("FindProduct(%q) = %v, %v; want %d", ref, got, err, p.ID)
		}
	}
	_, err = s.FindProduct(ctx, b1.ID, "")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b1.ID, "nope")
	wantCode(t, err, hub.CodeNotFound)

	// Ref ids are unique within a brand (empty ones are not), not across.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateProduct(ctx, &hub.Product{BrandID: b1.ID, RefID: "P001", Name: hub.I18n{"en": "dup"}, Type: hub.ProductSingle})
	})
	wantCode(t, err, hub.CodeInvalid)
	product(t, s, b2.ID, "P001", "", 100)
	q1 := product(t, s, b1.ID, "", "", 100)
	q2 := product(t, s, b1.ID, "", "", 200)

	// Update replaces the document; an update naming another brand fails.
	p.Price, p.RefID, p.SKU = 5000, "P001-B", "SKU-2"
	update(t, s, func(tx store.Tx) error { return tx.UpdateProduct(ctx, p) })
	if got, err := s.FindProduct(ctx, b1.ID, "P001-B"); err != nil || got.Price != 5000 || got.SKU != "SKU-2" {
		t.Fatalf("after UpdateProduct: %+v, %v", got, err)
	}
	if _, err := s.FindProduct(ctx, b1.ID, "P001"); hub.ErrorCode(err) != hub.CodeNotFound {
		t.Fatalf("old ref still found: %v", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		cp := *p
		cp.BrandID = b2.ID
		return tx.UpdateProduct(ctx, &cp)
	})
	wantCode(t, err, hub.CodeNotFound)
	q2.RefID = "P001-B"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateProduct(ctx, q2) })
	wantCode(t, err, hub.CodeInvalid)

	// Listing pages by id.
	all, err := s.ListProducts(ctx, store.ProductFilter{BrandID: b1.ID})
	if err != nil || !slices.Equal(productIDs(all), []int64{p.ID, q1.ID, q2.ID}) {
		t.Fatalf("ListProducts = %v, %v", productIDs(all), err)
	}
	page, err := s.ListProducts(ctx, store.ProductFilter{BrandID: b1.ID, AfterID: p.ID, Limit: 1})
	if err != nil || !slices.Equal(productIDs(page), []int64{q1.ID}) {
		t.Fatalf("ListProducts page = %v, %v", productIDs(page), err)
	}
}

func productIDs(ps []hub.Product) []int64 {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// testFindProductPrecedence checks DESIGN.md §2: hub id, then ref id, then
// SKU.
func testFindProductPrecedence(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b := brand(t, s, "One")
	x := product(t, s, b.ID, "", "", 100)
	idRef := strconv.FormatInt(x.ID, 10)
	y := product(t, s, b.ID, idRef, "", 200) // ref id that looks like x's id
	z := product(t, s, b.ID, "Z1", "", 300)
	w := product(t, s, b.ID, "", "Z1", 400) // SKU equal to z's ref id
	v := product(t, s, b.ID, "", "ONLY-SKU", 500)
	for ref, want := range map[string]int64{idRef: x.ID, "Z1": z.ID, "ONLY-SKU": v.ID, strconv.FormatInt(w.ID, 10): w.ID} {
		got, err := s.FindProduct(ctx, b.ID, ref)
		if err != nil || got.ID != want {
			t.Errorf("FindProduct(%q) = %v, %v; want product %d", ref, got, err, want)
		}
	}
	_ = y
}

func testTimeslots(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	lunch := &hub.Timeslot{ID: 2, BrandID: b1.ID, Name: "Lunch", Start: "11:00", End: "14:00", Weekdays: []int{1, 2, 3}}
	breakfast := &hub.Timeslot{ID: 1, BrandID: b1.ID, Name: "Breakfast", Start: "07:00", End: "10:00"}
	otherBrand := &hub.Timeslot{ID: 1, BrandID: b2.ID, Name: "Late", Start: "22:00", End: "02:00"}
	update(t, s, func(tx store.Tx) error {
		for _, ts := range []*hub.Timeslot{lunch, breakfast, otherBrand} {
			if err := tx.PutTimeslot(ctx, ts); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.ListTimeslots(ctx, b1.ID)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], *breakfast) || !reflect.DeepEqual(got[1], *lunch) {
		t.Fatalf("ListTimeslots = %+v, %v", got, err)
	}
	// Put with the same id replaces.
	lunch.End = "15:00"
	update(t, s, func(tx store.Tx) error { return tx.PutTimeslot(ctx, lunch) })
	got, _ = s.ListTimeslots(ctx, b1.ID)
	if len(got) != 2 || got[1].End != "15:00" {
		t.Fatalf("after upsert: %+v", got)
	}
	got, _ = s.ListTimeslots(ctx, b2.ID)
	if len(got) != 1 || got[0].Name != "Late" {
		t.Fatalf("other brand's timeslots: %+v", got)
	}
}

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
		out := []int64{}
		for _, o := range os {
			out = append(out, o.ID)
		}
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

func testEvents(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	if got, err := s.ListEvents(ctx, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("ListEvents on empty store = %v, %v", got, err)
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 0 {
		t.Fatalf("LastEventSeq on empty store = %d, %v", last, err)
	}
	var evs []*store.Event
	for i := range 5 {
		evs = append(evs, &store.Event{Type: hub.EventOrderCreated, BrandID: 1, LocationID: 2, OrderID: int64(i + 1),
			Payload: []byte(fmt.Sprintf(`{"version":1,"n":%d,"text":"주문"}`, i))})
	}
	evs[4].CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	evs[4].Type = hub.EventStockChanged
	update(t, s, func(tx store.Tx) error {
		for _, e := range evs {
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	for i, e := range evs {
		if e.ID <= 0 || (i > 0 && e.ID <= evs[i-1].ID) || e.CreatedAt.IsZero() || e.Seq != 0 {
			t.Fatalf("AddEvent %d: id %d, created %v, seq %d", i, e.ID, e.CreatedAt, e.Seq)
		}
	}
	// Readers see events once dispatched, in dispatch order: the sequence,
	// not the id, orders them.
	if got, err := s.ListEvents(ctx, 0, 100); err != nil || len(got) != 0 {
		t.Fatalf("undispatched events are listed: %d, %v", len(got), err)
	}
	order := []*store.Event{evs[2], evs[0], evs[1], evs[3], evs[4]}
	at := base()
	update(t, s, func(tx store.Tx) error { return tx.MarkEventsDispatched(ctx, []int64{evs[2].ID, evs[0].ID}, at) })
	update(t, s, func(tx store.Tx) error {
		return tx.MarkEventsDispatched(ctx, []int64{evs[1].ID, evs[3].ID, evs[4].ID}, at)
	})
	for i, e := range order {
		e.Seq = int64(i + 1)
	}
	all, err := s.ListEvents(ctx, 0, 100)
	if err != nil || len(all) != 5 {
		t.Fatalf("ListEvents = %d, %v", len(all), err)
	}
	for i := range all {
		if !reflect.DeepEqual(all[i], *order[i]) {
			t.Fatalf("event %d = %+v\nwant %+v", i, all[i], *order[i])
		}
	}
	got, err := s.ListEvents(ctx, 2, 2)
	if err != nil || len(got) != 2 || got[0].ID != evs[1].ID || got[1].ID != evs[3].ID {
		t.Fatalf("ListEvents(after seq 2, 2) = %+v, %v", got, err)
	}
	if got, err := s.ListEvents(ctx, 5, 10); err != nil || len(got) != 0 {
		t.Fatalf("ListEvents after the last = %v, %v", got, err)
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 5 {
		t.Fatalf("LastEventSeq = %d, %v; want 5", last, err)
	}
	// One brand's events only, in seq order, after a cursor.
	other := &store.Event{Type: hub.EventOrderCreated, BrandID: 2, OrderID: 9, Payload: []byte(`{}`)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.AddEvent(ctx, other); err != nil {
			return err
		}
		return tx.MarkEventsDispatched(ctx, []int64{other.ID}, at)
	})
	if got, err := s.ListBrandEvents(ctx, 2, 0, 10); err != nil || len(got) != 1 || got[0].ID != other.ID || got[0].Seq != 6 {
		t.Fatalf("ListBrandEvents(2) = %+v, %v", got, err)
	}
	if got, err := s.ListBrandEvents(ctx, 1, 3, 10); err != nil || len(got) != 2 || got[0].ID != evs[3].ID || got[1].ID != evs[4].ID {
		t.Fatalf("ListBrandEvents(1, after seq 3) = %+v, %v", got, err)
	}
	if got, err := s.ListBrandEvents(ctx, 1, 0, 2); err != nil || len(got) != 2 || got[1].ID != evs[0].ID {
		t.Fatalf("ListBrandEvents(1, limit 2) = %+v, %v", got, err)
	}
	// Events written by a failed unit are not there.
	var lost store.Event
	err = s.Update(ctx, func(tx store.Tx) error {
		lost = store.Event{Type: hub.EventOrderPaid, BrandID: 1, Payload: []byte(`{}`)}
		if err := tx.AddEvent(ctx, &lost); err != nil {
			return err
		}
		if err := tx.MarkEventsDispatched(ctx, []int64{lost.ID}, at); err != nil {
			return err
		}
		return errors.New("refused")
	})
	if err == nil {
		t.Fatal("failing unit returned nil")
	}
	if got, _ := s.ListEvents(ctx, 0, 100); len(got) != 6 {
		t.Fatalf("a rolled-back event is visible: %d events, want 6", len(got))
	}
	if last, err := s.LastEventSeq(ctx); err != nil || last != 6 {
		t.Fatalf("LastEventSeq after a rolled-back dispatch = %d, %v; want 6", last, err)
	}
}

func testPartners(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := &hub.Partner{BrandID: f.b1.ID, Protocol: hub.ChannelZeek, Name: "Zeek", LocationIDs: []int64{f.l1.ID},
		Settings: hub.PartnerSettings{CallbackURL: "https://example.com/cb", PricePolicy: hub.PriceAccept, InventoryTimeoutMS: 1500,
			Extra: map[string]any{"status_codes": map[string]any{"5": "completed"}}}}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p) })
	if p.ID <= 0 || p.CreatedAt.IsZero() {
		t.Fatalf("CreatePartner: %+v", p)
	}
	got, err := s.GetPartner(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("GetPartner =\n%+v, %v\nwant\n%+v", got, err, p)
	}
	p2 := &hub.Partner{BrandID: f.b2.ID, Protocol: hub.ChannelOmni, Name: "POS"}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p2) })
	if ps, err := s.ListPartners(ctx, f.b1.ID); err != nil || len(ps) != 1 || ps[0].ID != p.ID {
		t.Fatalf("ListPartners(b1) = %+v, %v", ps, err)
	}
	if ps, err := s.ListPartners(ctx, 0); err != nil || len(ps) != 2 {
		t.Fatalf("ListPartners(all) = %+v, %v", ps, err)
	}
	p.Disabled, p.LocationIDs, p.Settings.CallbackURL = true, nil, ""
	update(t, s, func(tx store.Tx) error { return tx.UpdatePartner(ctx, p) })
	got, _ = s.GetPartner(ctx, p.ID)
	if !got.Disabled || got.LocationIDs != nil || got.Settings.CallbackURL != "" || got.Protocol != hub.ChannelZeek {
		t.Fatalf("after UpdatePartner: %+v", got)
	}

	if sec, err := s.PartnerCallbackSecret(ctx, p.ID); err != nil || sec != "" {
		t.Fatalf("PartnerCallbackSecret before set = %q, %v", sec, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p.ID, "ohcb_secret", time.Now()) })
	if sec, err := s.PartnerCallbackSecret(ctx, p.ID); err != nil || sec != "ohcb_secret" {
		t.Fatalf("PartnerCallbackSecret = %q, %v", sec, err)
	}
	// The secret is not part of the partner document.
	update(t, s, func(tx store.Tx) error { return tx.UpdatePartner(ctx, p) })
	if sec, _ := s.PartnerCallbackSecret(ctx, p.ID); sec != "ohcb_secret" {
		t.Fatalf("UpdatePartner cleared the callback secret: %q", sec)
	}
	if sec, _ := s.PartnerCallbackSecret(ctx, p2.ID); sec != "" {
		t.Fatalf("another partner's secret = %q", sec)
	}

	_, err = s.GetPartner(ctx, p2.ID+100)
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.PartnerCallbackSecret(ctx, p2.ID+100)
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p2.ID+100, "x", time.Now()) })
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdatePartner(ctx, &hub.Partner{ID: p2.ID + 100, BrandID: f.b1.ID, Protocol: hub.ChannelOmni})
	})
	wantCode(t, err, hub.CodeNotFound)
}

func testCredentials(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	exp := now.Add(time.Hour)
	key := &store.Credential{PartnerID: 1, BrandID: 9, Kind: store.CredAPIKey, Lookup: "hash-of-key", Hint: "ohk_abc…", Label: "main"}
	client := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredClient, Lookup: "ohc_client", SecretHash: "hash-of-secret"}
	otherClient := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredClient, Lookup: "ohc_other", SecretHash: "h"}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{key, client, otherClient} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	tok1 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-1", ParentID: client.ID, ExpiresAt: &exp}
	tok2 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-2", ParentID: client.ID, ExpiresAt: &exp}
	tok3 := &store.Credential{PartnerID: 2, BrandID: 9, Kind: store.CredAccessToken, Lookup: "tok-3", ParentID: otherClient.ID, ExpiresAt: &exp}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{tok1, tok2, tok3} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.CredentialByLookup(ctx, store.CredAPIKey, "hash-of-key")
	if err != nil || !reflect.DeepEqual(got, key) {
		t.Fatalf("CredentialByLookup = %+v, %v\nwant %+v", got, err, key)
	}
	if !got.Live(now) {
		t.Fatal("a fresh key is not live")
	}
	got, err = s.CredentialByLookup(ctx, store.CredAccessToken, "tok-1")
	if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.ParentID != client.ID {
		t.Fatalf("token = %+v, %v", got, err)
	}
	if !got.Live(now) || got.Live(exp) || got.Live(exp.Add(time.Second)) {
		t.Fatal("Live must be true before expiry and false from it on")
	}
	// Lookups are per kind.
	_, err = s.CredentialByLookup(ctx, store.CredClient, "hash-of-key")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.CredentialByLookup(ctx, store.CredAPIKey, "nope")
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAPIKey, Lookup: "hash-of-key"})
	})
	wantCode(t, err, hub.CodeConflict)
	update(t, s, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredHubToken, Lookup: "hash-of-key"})
	})

	// Access tokens are not listed with the partner's credentials.
	list, err := s.ListCredentials(ctx, 2)
	if err != nil || len(list) != 2 || list[0].ID != client.ID || list[1].ID != otherClient.ID {
		t.Fatalf("ListCredentials = %+v, %v", list, err)
	}

	// Revoking a client revokes the tokens issued for it, and only those.
	revokedAt := now.Add(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.RevokeCredential(ctx, client.ID, revokedAt) })
	for _, c := range []struct {
		kind    store.CredentialKind
		lookup  string
		revoked bool
	}{
		{store.CredClient, "ohc_client", true}, {store.CredAccessToken, "tok-1", true}, {store.CredAccessToken, "tok-2", true},
		{store.CredClient, "ohc_other", false}, {store.CredAccessToken, "tok-3", false}, {store.CredAPIKey, "hash-of-key", false},
	} {
		got, err := s.CredentialByLookup(ctx, c.kind, c.lookup)
		if err != nil {
			t.Fatalf("%s: %v", c.lookup, err)
		}
		if (got.RevokedAt != nil) != c.revoked {
			t.Errorf("%s: revoked_at = %v, want revoked %v", c.lookup, got.RevokedAt, c.revoked)
		}
		if c.revoked && (!got.RevokedAt.Equal(revokedAt) || got.Live(now)) {
			t.Errorf("%s: revoked at %v, live %v", c.lookup, got.RevokedAt, got.Live(now))
		}
	}
	// Revoking again keeps the first time; an unknown id is not found.
	update(t, s, func(tx store.Tx) error { return tx.RevokeCredential(ctx, client.ID, revokedAt.Add(time.Hour)) })
	if got, _ := s.CredentialByLookup(ctx, store.CredClient, "ohc_client"); !got.RevokedAt.Equal(revokedAt) {
		t.Fatalf("second revoke moved revoked_at to %v", got.RevokedAt)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.RevokeCredential(ctx, tok3.ID+100, now) })
	wantCode(t, err, hub.CodeNotFound)
}

// testHubTokens: ListHubTokens lists hub tokens only, of one brand or, for
// brand 0, of every brand, revoked ones included, by id.
func testHubTokens(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	op := &store.Credential{Kind: store.CredHubToken, Lookup: "hub-op", Hint: "ohh_op…", Label: "op"}
	b1 := &store.Credential{Kind: store.CredHubToken, BrandID: 1, Lookup: "hub-b1", Hint: "ohh_b1…", Label: "pos"}
	b2 := &store.Credential{Kind: store.CredHubToken, BrandID: 2, Lookup: "hub-b2"}
	b1b := &store.Credential{Kind: store.CredHubToken, BrandID: 1, Lookup: "hub-b1b"}
	key := &store.Credential{PartnerID: 7, BrandID: 1, Kind: store.CredAPIKey, Lookup: "key-b1"}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{op, b1, b2, key, b1b} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return tx.RevokeCredential(ctx, b1b.ID, time.Now())
	})
	ids := func(cs []store.Credential) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, c := range []struct {
		brand int64
		want  []int64
	}{{0, []int64{op.ID, b1.ID, b2.ID, b1b.ID}}, {1, []int64{b1.ID, b1b.ID}}, {2, []int64{b2.ID}}, {3, nil}} {
		got, err := s.ListHubTokens(ctx, c.brand)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("ListHubTokens(%d) = %v, want %v", c.brand, ids(got), c.want)
		}
		for _, g := range got {
			if g.Kind != store.CredHubToken || (g.ID == b1b.ID) != (g.RevokedAt != nil) {
				t.Errorf("ListHubTokens(%d): %+v", c.brand, g)
			}
			if g.ID == b1.ID && (g.Label != "pos" || g.Hint != "ohh_b1…" || g.BrandID != 1 || g.CreatedAt.IsZero()) {
				t.Errorf("ListHubTokens(%d): %+v", c.brand, g)
			}
		}
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	now := base()
	ttl := 24 * time.Hour
	_, err := s.GetIdempotency(ctx, "partner:1", "k1")
	wantCode(t, err, hub.CodeNotFound)
	lease := func(d time.Duration) *time.Time { u := now.Add(d); return &u }
	claim := func(r store.IdempotencyRecord, at time.Time) *store.IdempotencyRecord {
		t.Helper()
		var held *store.IdempotencyRecord
		update(t, s, func(tx store.Tx) error {
			var err error
			held, err = tx.ClaimIdempotency(ctx, &r, at, ttl)
			return err
		})
		return held
	}
	get := func(scope, key string) *store.IdempotencyRecord {
		t.Helper()
		r, err := s.GetIdempotency(ctx, scope, key)
		if err != nil {
			t.Fatalf("GetIdempotency(%s, %s): %v", scope, key, err)
		}
		return r
	}
	// The first attempt claims the key.
	a := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "a", LeaseUntil: lease(time.Minute)}
	if held := claim(a, now); held != nil {
		t.Fatalf("first claim found %+v", held)
	}
	if got := get("partner:1", "k1"); got.Status != 0 || got.RequestHash != "h1" || got.Owner != "a" ||
		!got.LeaseUntil.Equal(*a.LeaseUntil) || !got.CreatedAt.Equal(now) || len(got.Body) != 0 {
		t.Fatalf("in-progress record = %+v", got)
	}
	// A concurrent attempt, same request or not, finds it held while the
	// lease lives.
	for _, h := range []string{"h1", "h2"} {
		b := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: h, Owner: "b", LeaseUntil: lease(2 * time.Minute)}
		if held := claim(b, now.Add(30*time.Second)); held == nil || held.Owner != "a" {
			t.Fatalf("claim of a held key (%s) = %+v", h, held)
		}
	}
	// Same key in another scope is independent.
	if held := claim(store.IdempotencyRecord{Scope: "partner:2", Key: "k1", RequestHash: "other", Owner: "c"}, now); held != nil {
		t.Fatalf("another scope: %+v", held)
	}
	// Renewed, the lease outlives its first end; only by its owner.
	update(t, s, func(tx store.Tx) error {
		return tx.RenewIdempotency(ctx, "partner:1", "k1", "a", now.Add(3*time.Minute))
	})
	update(t, s, func(tx store.Tx) error { return tx.RenewIdempotency(ctx, "partner:1", "k1", "z", now.Add(time.Hour)) })
	if got := get("partner:1", "k1"); !got.LeaseUntil.Equal(now.Add(3 * time.Minute)) {
		t.Fatalf("renewed lease = %v", got.LeaseUntil)
	}
	b := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "b", LeaseUntil: lease(5 * time.Minute)}
	if held := claim(b, now.Add(2*time.Minute)); held == nil {
		t.Fatal("a renewed lease was taken over")
	}
	// Past the lease: another request is still refused (it is not a
	// retry of the same one), the same request takes the key over.
	late := now.Add(3*time.Minute + time.Microsecond)
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h2", Owner: "x"}, late); held == nil || held.Owner != "a" {
		t.Fatalf("another request took an abandoned key over: %+v", held)
	}
	if held := claim(b, late); held != nil {
		t.Fatalf("the same request could not take an abandoned key over: %+v", held)
	}
	if got := get("partner:1", "k1"); got.Owner != "b" || !got.LeaseUntil.Equal(*b.LeaseUntil) {
		t.Fatalf("taken over: %+v", got)
	}
	// The loser can no longer finish, renew or release it; the owner
	// finishes it, and then it is held for good.
	body := []byte("{\"ok\":true,\"bytes\":\"\x00\xff\"}")
	update(t, s, func(tx store.Tx) error {
		return tx.FinishIdempotency(ctx, &store.IdempotencyRecord{Scope: "partner:1", Key: "k1", Owner: "a", Status: 500})
	})
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "partner:1", "k1", "a") })
	if got := get("partner:1", "k1"); got.Status != 0 || got.Owner != "b" {
		t.Fatalf("the old owner changed the record: %+v", got)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.FinishIdempotency(ctx, &store.IdempotencyRecord{Scope: "partner:1", Key: "k1", Owner: "b", Status: 201,
			ContentType: "application/json", Body: body})
	})
	got := get("partner:1", "k1")
	if got.Status != 201 || got.ContentType != "application/json" || string(got.Body) != string(body) || got.RequestHash != "h1" || got.LeaseUntil != nil {
		t.Fatalf("finished record = %+v", got)
	}
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "d"}, late.Add(time.Hour)); held == nil || held.Status != 201 {
		t.Fatalf("a finished key was claimed again: %+v", held)
	}
	// Released (a failed attempt gives its key back), it starts afresh.
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "partner:2", "k1", "c") })
	_, err = s.GetIdempotency(ctx, "partner:2", "k1")
	wantCode(t, err, hub.CodeNotFound)
	if held := claim(store.IdempotencyRecord{Scope: "partner:2", Key: "k1", RequestHash: "h9", Owner: "e"}, now); held != nil {
		t.Fatalf("after a release: %+v", held)
	}
	// Past the replay window a finished record no longer holds its key.
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h7", Owner: "f"}, now.Add(ttl+time.Hour)); held != nil {
		t.Fatalf("an expired record still holds its key: %+v", held)
	}
	if got := get("partner:1", "k1"); got.Status != 0 || got.RequestHash != "h7" || got.Owner != "f" || len(got.Body) != 0 {
		t.Fatalf("claimed after expiry: %+v", got)
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "nope", "nope", "nope") })
}

var errRefused = errors.New("refused by fn")

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
