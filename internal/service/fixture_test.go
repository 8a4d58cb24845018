package service_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// clock is a settable clock for service.WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fx is a brand with two locations and a small catalog, and a second brand
// to check isolation:
//
//	coffee   4500, option group 1 (value 2 "Large" +500), stock 20 at A
//	tea      3000, untracked
//	soldout  2000, stock 0 at A
//	hidden   1000, not launched
//	fries    0 (combo item), stock 10 at A
//	burger   0 (combo item, not sold alone), stock 5 at A
//	combo    9000, slot 1 burger, slot 2 fries; no stock of its own
type fx struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	svc   *service.Service
	clock *clock

	brand, other                                                     *hub.Brand
	locA, locB, locX                                                 *hub.Location // locX belongs to other
	coffee, tea, soldOut, hidden, fries, burger, combo, otherProduct *hub.Product
}

func ptr[T any](v T) *T { return &v }

func newFx(t *testing.T, st store.Store) *fx {
	t.Helper()
	f := &fx{t: t, ctx: t.Context(), st: st, clock: &clock{now: time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)}}
	f.svc = service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now), server.Protocols().Option())
	f.brand = &hub.Brand{Name: "Cafe", Currency: "KRW", TaxRateBP: 1000, ServiceChargeBP: 500}
	f.other = &hub.Brand{Name: "Other", Currency: "KRW"}
	f.must(f.svc.CreateBrand(f.ctx, f.brand))
	f.must(f.svc.CreateBrand(f.ctx, f.other))
	f.locA = &hub.Location{BrandID: f.brand.ID, Code: "A", Name: "Gangnam", Timezone: "Asia/Seoul"}
	f.locB = &hub.Location{BrandID: f.brand.ID, Code: "B", Name: "Busan", Timezone: "Asia/Seoul"}
	f.locX = &hub.Location{BrandID: f.other.ID, Code: "X", Name: "Elsewhere", Timezone: "UTC"}
	for _, l := range []*hub.Location{f.locA, f.locB, f.locX} {
		f.must(f.svc.CreateLocation(f.ctx, l))
	}
	mk := func(brandID int64, ref string, price int64, mod func(p *hub.Product)) *hub.Product {
		p := &hub.Product{BrandID: brandID, RefID: ref, Name: hub.I18n{"en": ref}, Type: hub.ProductSingle, Price: price,
			DeductStock: true, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
		if mod != nil {
			mod(p)
		}
		f.must(f.svc.SaveProduct(f.ctx, p))
		return p
	}
	f.coffee = mk(f.brand.ID, "COFFEE", 4500, func(p *hub.Product) {
		p.SKU = "SKU-COFFEE"
		p.OptionGroups = []hub.OptionGroup{{ID: 1, Name: hub.I18n{"en": "Size"}, Max: 1,
			Values: []hub.OptionValue{{ID: 1, Name: hub.I18n{"en": "Regular"}}, {ID: 2, Name: hub.I18n{"en": "Large"}, Price: 500}}}}
	})
	f.tea = mk(f.brand.ID, "TEA", 3000, nil)
	f.soldOut = mk(f.brand.ID, "SOLDOUT", 2000, nil)
	f.hidden = mk(f.brand.ID, "HIDDEN", 1000, func(p *hub.Product) { p.Launch.Launched = false })
	f.fries = mk(f.brand.ID, "FRIES", 0, nil)
	f.burger = mk(f.brand.ID, "BURGER", 0, func(p *hub.Product) { p.IndividualSale = false })
	f.combo = mk(f.brand.ID, "COMBO", 9000, func(p *hub.Product) {
		p.Type = hub.ProductCombo
		p.ComboComponents = []hub.ComboComponent{
			{ID: 1, Name: hub.I18n{"en": "Main"}, SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: f.burger.ID}}},
			{ID: 2, Name: hub.I18n{"en": "Side"}, SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: f.fries.ID}}},
		}
	})
	f.otherProduct = mk(f.other.ID, "COFFEE", 4500, nil)
	f.setStock(f.locA.ID, f.coffee.ID, ptr[int64](20))
	f.setStock(f.locA.ID, f.soldOut.ID, ptr[int64](0))
	f.setStock(f.locA.ID, f.fries.ID, ptr[int64](10))
	f.setStock(f.locA.ID, f.burger.ID, ptr[int64](5))
	f.must(f.svc.SetStock(f.ctx, f.other.ID, f.locX.ID, f.otherProduct.ID, ptr[int64](20)))
	return f
}

func (f *fx) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fx) setStock(loc, prod int64, q *int64) {
	f.t.Helper()
	f.must(f.svc.SetStock(f.ctx, f.brand.ID, loc, prod, q))
}

// stock reads the stored quantity (-1: untracked).
func (f *fx) stock(loc, prod int64) int64 {
	f.t.Helper()
	q, err := f.st.GetStock(f.ctx, loc, prod)
	f.must(err)
	if q == nil {
		return -1
	}
	return *q
}

func (f *fx) wantStock(loc, prod, want int64) {
	f.t.Helper()
	if got := f.stock(loc, prod); got != want {
		f.t.Fatalf("stock of product %d at %d = %d, want %d", prod, loc, got, want)
	}
}

// partner creates a partner and returns it with its first credential.
func (f *fx) partner(proto hub.Channel, locs []int64, settings hub.PartnerSettings) (*hub.Partner, *service.IssuedCredential) {
	f.t.Helper()
	p := &hub.Partner{BrandID: f.brand.ID, Protocol: proto, Name: string(proto), LocationIDs: locs, Settings: settings}
	cred, _, err := f.svc.CreatePartner(f.ctx, p)
	f.must(err)
	return p, cred
}

// lastEventID is the id of the newest outbox event (0 if none).
func (f *fx) lastEventID() int64 {
	f.t.Helper()
	evs := f.eventsAfter(0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

func (f *fx) eventsAfter(id int64) []store.Event {
	f.t.Helper()
	var out []store.Event
	for {
		evs, err := f.st.ListEventsByID(f.ctx, id, 500)
		f.must(err)
		out = append(out, evs...)
		if len(evs) < 500 {
			return out
		}
		id = evs[len(evs)-1].ID
	}
}

func (f *fx) orders(filter store.OrderFilter) []hub.Order {
	f.t.Helper()
	if filter.BrandID == 0 {
		filter.BrandID = f.brand.ID
	}
	filter.Limit = 500
	os, err := f.st.ListOrders(f.ctx, filter)
	f.must(err)
	return os
}

func eventTypes(evs []store.Event) []hub.EventType {
	out := make([]hub.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// payload decodes an event's data object.
func payload(t *testing.T, e store.Event) map[string]any {
	t.Helper()
	var p struct {
		Version int            `json:"version"`
		Type    string         `json:"type"`
		Data    map[string]any `json:"data"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatalf("event %d payload: %v", e.ID, err)
	}
	if p.Version != 1 || p.Type != string(e.Type) {
		t.Fatalf("event %d envelope: %s", e.ID, e.Payload)
	}
	return p.Data
}

func wantErr(t *testing.T, err error, code hub.Code, reason hub.Reason) {
	t.Helper()
	if hub.ErrorCode(err) != code || hub.ErrorReason(err) != reason {
		t.Fatalf("error = %v (code %q, reason %q), want code %q reason %q", err, hub.ErrorCode(err), hub.ErrorReason(err), code, reason)
	}
}

var (
	storeActor    = hub.Actor{Role: hub.RoleStore, Name: "pos"}
	customerActor = hub.Actor{Role: hub.RoleCustomer, Name: "qr"}
)

func each(t *testing.T, fn func(t *testing.T, f *fx)) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) { fn(t, newFx(t, st)) })
}

// coffeeOrder is an order of n coffees at location A from the native
// channel.
func (f *fx) coffeeOrder(n int) service.PlaceOrderInput {
	return service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.locA.ID, Channel: hub.ChannelHub,
		Lines: []service.LineInput{{ProductRef: "COFFEE", Quantity: n}}}
}

func (f *fx) place(in service.PlaceOrderInput) *hub.Order {
	f.t.Helper()
	res, err := f.svc.PlaceOrder(f.ctx, in)
	f.must(err)
	return res.Order
}
