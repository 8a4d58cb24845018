// Package storetest is the conformance suite every store.Store
// implementation must pass. The SQLite and PostgreSQL stores run it from
// their own tests:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, open) }
//
// open must return a fresh, empty, migrated store for each call; it is
// called once per subtest, so subtests never see each other's rows.
//
// This file holds Run and the fixtures every area shares; each area's
// tests live in a file of their own (catalog.go, stock.go, orders.go,
// events.go, partners.go, partnersecret.go, credentials.go, idempotency.go,
// units.go, locks.go, delivery.go, retention.go, balance.go, admins.go).
package storetest

import (
	"context"
	"errors"
	"fmt"
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
		{"DueOrders", testDueOrders},
		{"DueOrdersConcurrent", testDueOrdersConcurrent},
		{"ListOrders", testListOrders},
		{"History", testHistory},
		{"Events", testEvents},
		{"EventsLateCommit", testEventsLateCommit},
		{"Partners", testPartners},
		{"PartnerCallbackSecretRotation", testPartnerSecretRotation},
		{"Credentials", testCredentials},
		{"AdminSessions", testAdminSessions},
		{"LoginFailures", testLoginFailures},
		{"Admins", testAdmins},
		{"HubTokens", testHubTokens},
		{"Idempotency", testIdempotency},
		{"UpdateRollsBackOnError", testUpdateRollback},
		{"UpdateSeesOwnWrites", testUpdateOwnWrites},
		{"UpdateConcurrentMixed", testUpdateConcurrentMixed},
		{"UpdateConcurrentConstraintFailures", testUpdateConcurrentConstraint},
		{"UpdatePanic", testUpdatePanic},
		{"UpdateCancelledContext", testUpdateCancelled},
		{"LockProduct", testLockProduct},
		{"LockRows", testLockRows},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"ClaimEvents", testClaimEvents},
		{"ClaimEventsConcurrent", testClaimEventsConcurrent},
		{"ClaimEventsSkipLocked", testClaimEventsSkipLocked},
		{"FanOut", testFanOut},
		{"Deliveries", testDeliveries},
		{"DeliveryClashIsNoDuplicateOrder", testDeliveryClash},
		{"ListDeliveries", testListDeliveries},
		{"ClaimDeliveries", testClaimDeliveries},
		{"ClaimDeliveriesConcurrent", testClaimDeliveriesConcurrent},
		{"ClaimDeliveriesSkipLocked", testClaimDeliveriesSkipLocked},
		{"DeliveryAttempts", testDeliveryAttempts},
		{"DeadLetter", testDeadLetter},
		{"DeliveryBacklog", testDeliveryBacklog},
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
	return idsOf(os, func(o hub.Order) int64 { return o.ID })
}

// idsOf is the id of each of xs, in order (empty, not nil, for none).
func idsOf[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

var errRefused = errors.New("refused by fn")

func testDialect(t *testing.T, s store.Store) {
	if d := s.Dialect(); d == "" {
		t.Fatal("Dialect() is empty")
	}
}
