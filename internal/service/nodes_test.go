package service_test

import (
	"fmt"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestTwoNodesLastUnits: 200 concurrent orders for the last 20 units,
// split between two services on two stores (two connection pools, as two
// orderhub nodes have) of one database: exactly 20 are sold.
func TestTwoNodesLastUnits(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		nodes := []*service.Service{f.svc, service.New(open(), service.WithClock(f.clock.Now))}
		const n = 200
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				in := f.coffeeOrder(1)
				in.ExternalRef = fmt.Sprint("race-", i)
				_, errs[i] = nodes[i%2].PlaceOrder(f.ctx, in)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case hub.ErrorCode(err) == hub.CodeConflict &&
				(hub.ErrorReason(err) == hub.ReasonOutOfStock || hub.ErrorReason(err) == hub.ReasonNotEnoughStock):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 20 {
			t.Fatalf("%d orders succeeded across two nodes, want 20", ok)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 0)
		if os := f.orders(store.OrderFilter{}); len(os) != 20 {
			t.Fatalf("%d orders stored, want 20", len(os))
		}
	})
}
