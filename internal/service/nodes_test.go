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
		nodes := []*service.Service{f.svc, service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))}
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

// TestTwoNodesModify: PATCH-style changes of one product from two nodes
// at once (each adds its own name): under the row lock they apply one
// after the other, and none is lost.
func TestTwoNodesModify(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		nodes := []*service.Service{f.svc, service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))}
		const n = 20
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				_, errs[i] = nodes[i%2].ModifyProduct(f.ctx, f.brand.ID, f.tea.ID, func(p *hub.Product) error {
					p.Name[fmt.Sprintf("x-%02d", i)] = "name"
					return nil
				})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
		p, err := f.st.GetProduct(f.ctx, f.brand.ID, f.tea.ID)
		f.must(err)
		if len(p.Name) != n+1 {
			t.Fatalf("%d names after %d concurrent changes, want %d: %v", len(p.Name), n, n+1, p.Name)
		}
	})
}

// TestTwoNodesRevokeOperators: two nodes revoke the only two operator
// tokens at once: exactly one revocation succeeds, and one operator token
// is left live.
func TestTwoNodesRevokeOperators(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		nodes := []*service.Service{f.svc, service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))}
		for round := range 5 {
			var ids []int64
			for range 2 {
				if _, err := f.svc.CreateHubToken(f.ctx, 0, fmt.Sprint("op-", round)); err != nil {
					t.Fatal(err)
				}
			}
			all, err := f.st.ListHubTokens(f.ctx, 0)
			f.must(err)
			for _, c := range all {
				if c.RevokedAt == nil {
					ids = append(ids, c.ID)
				}
			}
			// Revoke all but two first, then race for those two.
			for _, id := range ids[:len(ids)-2] {
				f.must(f.svc.RevokeHubToken(f.ctx, 0, id))
			}
			race := ids[len(ids)-2:]
			errs := make([]error, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 2 {
				wg.Go(func() { <-start; errs[i] = nodes[i].RevokeHubToken(f.ctx, 0, race[i]) })
			}
			close(start)
			wg.Wait()
			refused := 0
			for _, err := range errs {
				switch {
				case err == nil:
				case hub.ErrorReason(err) == hub.ReasonLastOperatorToken:
					refused++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			all, err = f.st.ListHubTokens(f.ctx, 0)
			f.must(err)
			live := 0
			for _, c := range all {
				if c.RevokedAt == nil {
					live++
				}
			}
			if refused != 1 || live != 1 {
				t.Fatalf("round %d: %d refused, %d operator tokens live; want 1 and 1", round, refused, live)
			}
		}
	})
}
