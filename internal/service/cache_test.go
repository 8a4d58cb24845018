package service_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestConfigCacheAcrossNodes: node A has the catalog and a partner's
// credential cached; node B (another store on the same database) changes
// the price, disables the product and revokes the credential. A's very
// next request sees each change: the configuration version is read per
// request, so there is nothing to wait for.
func TestConfigCacheAcrossNodes(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		a := f.svc
		b := service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))
		_, cred := f.partner(hub.ChannelKakao, nil, hub.PartnerSettings{})

		// Warm A's cache.
		if _, err := a.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, cred.APIKey); err != nil {
			t.Fatal(err)
		}
		if o := f.place(f.coffeeOrder(1)); o.Lines[0].UnitPrice != 4500 {
			t.Fatalf("unit price %d", o.Lines[0].UnitPrice)
		}

		p, err := b.Store().GetProduct(f.ctx, f.brand.ID, f.coffee.ID)
		f.must(err)
		p.Price = 4700
		f.must(b.SaveProduct(f.ctx, p))
		if o := f.place(f.coffeeOrder(1)); o.Lines[0].UnitPrice != 4700 {
			t.Fatalf("after B's price change, A priced %d, want 4700", o.Lines[0].UnitPrice)
		}

		p.Launch.Launched = false
		f.must(b.SaveProduct(f.ctx, p))
		_, err = a.PlaceOrder(f.ctx, f.coffeeOrder(1))
		wantErr(t, err, hub.CodeConflict, hub.ReasonNotAvailable)

		// Revoked on B: refused on A at once.
		ps, err := b.Store().ListPartners(f.ctx, f.brand.ID)
		f.must(err)
		f.must(b.RevokeCredential(f.ctx, ps[0].ID, cred.ID))
		if _, err := a.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, cred.APIKey); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Fatalf("a key revoked on node B authenticates on node A: %v", err)
		}
	})
}

// TestConfigRequestScope: within one request scope the configuration is
// read once; a change by another request shows in the next scope.
func TestConfigRequestScope(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		ctx := service.WithRequestScope(f.ctx)
		c1, err := f.svc.Config(ctx)
		f.must(err)
		p, err := c1.Product(ctx, f.brand.ID, f.coffee.ID)
		f.must(err)
		changed := *p
		changed.Price = 100
		f.must(f.svc.SaveProduct(f.ctx, &changed))
		c2, err := f.svc.Config(ctx)
		f.must(err)
		if c2 != c1 {
			t.Fatal("a second Config in one request scope read the version again")
		}
		fresh, err := f.svc.Config(service.WithRequestScope(f.ctx))
		f.must(err)
		if got, _ := fresh.Product(f.ctx, f.brand.ID, f.coffee.ID); got.Price != 100 {
			t.Fatalf("a new scope sees price %d, want 100", got.Price)
		}
	})
}

// TestRenderedMenuCache: with the watcher running, a menu is rendered
// once and served again until the stock, the configuration or the minute
// changes — stock changed on another node included.
func TestRenderedMenuCache(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFx(t, open())
		b := service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now))
		var renders atomic.Int64
		render := func(m *service.Menu) ([]byte, error) {
			renders.Add(1)
			for _, it := range m.Items {
				if it.Product.ID == f.coffee.ID {
					return []byte(`{"coffee":` + itoa(it.Stock) + `}`), nil
				}
			}
			return []byte(`{}`), nil
		}
		get := func() string {
			t.Helper()
			body, etag, err := f.svc.RenderedMenu(f.ctx, f.brand.ID, f.locA.ID, "en", render)
			f.must(err)
			if etag == "" {
				t.Fatal("no ETag")
			}
			return string(body)
		}
		// No watcher: nothing is cached.
		get()
		get()
		if n := renders.Load(); n != 2 {
			t.Fatalf("without a watcher: %d renders, want 2", n)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan struct{})
		go func() { defer close(done); f.svc.Watch(ctx, 20*time.Millisecond) }()
		t.Cleanup(func() { cancel(); <-done })
		// Once the watcher runs, a second read is served from the cache.
		waitFor(t, func() bool { get(); renders.Store(0); get(); return renders.Load() == 0 })

		// Stock taken on this node: seen at once.
		f.place(f.coffeeOrder(2))
		if got := get(); got != `{"coffee":18}` {
			t.Fatalf("after an order: %s", got)
		}
		// Stock set on node B: seen once B's event is dispatched.
		f.must(b.SetStock(f.ctx, f.brand.ID, f.locA.ID, f.coffee.ID, ptr[int64](7)))
		testutil.DispatchAll(t, b.Store())
		waitFor(t, func() bool { return get() == `{"coffee":7}` })
		// A price change on B: the next read renders again.
		renders.Store(0)
		get()
		p, err := b.Store().GetProduct(f.ctx, f.brand.ID, f.tea.ID)
		f.must(err)
		p.Price++
		f.must(b.SaveProduct(f.ctx, p))
		get()
		if n := renders.Load(); n != 1 {
			t.Fatalf("after a catalog change on another node: %d renders, want 1", n)
		}
		// The minute turns: rendered again.
		get()
		f.clock.Advance(time.Minute)
		get()
		if n := renders.Load(); n != 2 {
			t.Fatalf("after a minute: %d renders, want 2", n)
		}
	})
}

func itoa(q *int64) string {
	if q == nil {
		return "null"
	}
	return strconv.FormatInt(*q, 10)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}
