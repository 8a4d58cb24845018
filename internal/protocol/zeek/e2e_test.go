package zeek

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

// receiver is a client's callback endpoint that checks KS-Signature with
// the client's callback secret and records what it gets.
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server

	mu     sync.Mutex
	bodies [][]byte
	bad    int // requests with a wrong or stale signature
	// answers are given in turn; the last one repeats.
	answers []string
	calls   int
}

func newReceiver(t *testing.T, secret string, answers ...string) *receiver {
	rc := &receiver{t: t, secret: secret, answers: answers}
	if len(rc.answers) == 0 {
		rc.answers = []string{`{"status":"OK"}`}
	}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("KS-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	key, _ := delivery.SecretKey(rc.secret)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute ||
		r.Header.Get("KS-Signature") != delivery.SignKSHex(key, ts, b) || r.Header.Get("Content-Type") != "application/json" {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	ans := rc.answers[min(rc.calls, len(rc.answers)-1)]
	rc.calls++
	rc.bodies = append(rc.bodies, b)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, ans)
}

func (rc *receiver) received() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([][]byte(nil), rc.bodies...)
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startEngine runs a delivery engine with short waits and the zeek
// formatter, as internal/server registers it.
func startEngine(t *testing.T, st store.Store) *delivery.Engine {
	e := delivery.New(st, delivery.Config{Outbound: testutil.Outbound, Node: "zeek-test", PollInterval: 10 * time.Millisecond, Timeout: 2 * time.Second,
		Lease: 5 * time.Second, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Jitter: 0.01,
		RetryFor: time.Hour, Logger: quiet})
	e.Register(hub.ChannelZeek, OrderCreateCallback)
	e.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Stop(ctx)
	})
	return e
}

// TestCallbackDelivered: orders of any channel at the client's brand reach
// its callback URL, signed, in the seed's shape; the other brand's do not;
// an answer other than {"status":"OK"} is retried.
func TestCallbackDelivered(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ra := newReceiver(t, f.a.callbackSecret, `{"status":"FAIL"}`, `{"status":"OK"}`)
		rb := newReceiver(t, f.b.callbackSecret)
		f.setSettings(f.a, hub.PartnerSettings{CallbackURL: ra.srv.URL, Extra: map[string]any{"region": "SGN"}})
		f.setSettings(f.b, hub.PartnerSettings{CallbackURL: rb.srv.URL})
		id := f.create(f.a, f.productBody("cola", nil))
		startEngine(t, st)

		var placed []*hub.Order
		for _, ch := range []hub.Channel{hub.ChannelHub, hub.ChannelTableOrder, hub.ChannelKakao} {
			o, err := f.place(ch, f.loc.ID, "cola", 2)
			must(t, err)
			placed = append(placed, o)
		}
		otherProduct := &hub.Product{BrandID: f.other.ID, Name: hub.I18n{"en": "x"}, Price: 100, IndividualSale: true, Displayed: true,
			Launch: hub.Launch{Launched: true}}
		must(t, f.Svc.SaveProduct(f.Ctx, otherProduct))
		_, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.other.ID, LocationID: f.otherLoc.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: strconv.FormatInt(otherProduct.ID, 10), Quantity: 1}}})
		must(t, err)

		// The first callback is answered FAIL and must come again.
		waitFor(t, 30*time.Second, "three callbacks accepted", func() bool { return len(ra.received()) >= 4 })
		waitFor(t, 30*time.Second, "the other brand's callback", func() bool { return len(rb.received()) >= 1 })
		got := map[string]map[string]any{}
		for _, b := range ra.received() {
			var body struct {
				Event   string         `json:"event"`
				Payload map[string]any `json:"payload"`
			}
			must(t, json.Unmarshal(b, &body))
			if body.Event != "order_create" {
				t.Errorf("event %q", body.Event)
			}
			got[body.Payload["order_id"].(string)] = body.Payload
		}
		if len(got) != 3 {
			t.Fatalf("callbacks for %d orders, want 3: %v", len(got), got)
		}
		for _, o := range placed {
			p := got[o.Number]
			if p == nil {
				t.Fatalf("no callback for order %s", o.Number)
			}
			if p["store"].(map[string]any)["store_id"].(float64) != float64(f.brand.ID) ||
				p["location"].(map[string]any)["location_id"].(float64) != float64(f.loc.ID) {
				t.Errorf("store/location of %s: %v %v", o.Number, p["store"], p["location"])
			}
			if want := o.CreatedAt.In(time.FixedZone("", 7*3600)).Format(time.RFC3339); p["order_time"] != want {
				t.Errorf("order_time %v, want %s", p["order_time"], want)
			}
			prods := p["products"].([]any)
			line := prods[0].(map[string]any)
			if line["product_id"].(float64) != float64(id) || line["quantity"].(float64) != 2 ||
				line["price"].(map[string]any)["amount"] != "45.40" || line["price"].(map[string]any)["currency_code"] != "HKD" {
				t.Errorf("line %v", line)
			}
			if total := p["fee"].(map[string]any)["total"].(map[string]any)["amount"]; total != "90.80" {
				t.Errorf("total %v, want 90.80", total)
			}
		}
		if n := len(rb.received()); n != 1 {
			t.Errorf("other brand's receiver got %d callbacks, want 1", n)
		}
		if ra.bad != 0 || rb.bad != 0 {
			t.Errorf("badly signed requests: %d, %d", ra.bad, rb.bad)
		}
		// The deliveries are recorded as delivered.
		ds, err := st.ListDeliveries(f.Ctx, store.DeliveryFilter{Target: store.Target{Kind: store.TargetPartner, ID: f.a.partner.ID}, Limit: 10})
		must(t, err)
		if len(ds) != 3 {
			t.Fatalf("%d deliveries to the client, want 3", len(ds))
		}
		waitFor(t, 30*time.Second, "deliveries marked delivered", func() bool {
			ds, err := st.ListDeliveries(f.Ctx, store.DeliveryFilter{Target: store.Target{Kind: store.TargetPartner, ID: f.a.partner.ID}, Limit: 10})
			must(t, err)
			for _, d := range ds {
				if d.Status != store.DeliveryDelivered {
					return false
				}
			}
			return true
		})
	})
}

// TestCallbackFormatter: who gets a callback for what.
func TestCallbackFormatter(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	f.create(f.a, f.productBody("cola", nil))
	o, err := f.place(hub.ChannelHub, f.loc2.ID, "cola", 1)
	must(t, err)
	ev := orderEvent(t, f.Store, o.ID, hub.EventOrderCreated)
	p := *f.a.partner
	check := func(what string, p hub.Partner, ev *store.Event, want bool) {
		t.Helper()
		out, err := OrderCreateCallback(f.Ctx, f.Store, ev, &p)
		must(t, err)
		if (out != nil) != want {
			t.Errorf("%s: callback %v, want %v", what, out != nil, want)
		}
	}
	check("no callback_url", p, ev, false)
	p.Settings.CallbackURL = "http://127.0.0.1:9/cb"
	check("callback_url", p, ev, true)
	scoped := p
	scoped.LocationIDs = []int64{f.loc.ID}
	check("order outside the client's locations", scoped, ev, false)
	other := p
	other.BrandID = f.other.ID
	check("another brand's client", other, ev, false)
	disabled := p
	disabled.Protocol = hub.ChannelKakao
	check("another protocol", disabled, ev, false)
	_, err = f.Svc.Transition(f.Ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID}, OrderRef: o.Number,
		Action: hub.ActionConfirm, Actor: hub.Actor{Role: hub.RoleStore, Name: "test"}})
	must(t, err)
	check("order.confirmed", p, orderEvent(t, f.Store, o.ID, hub.EventOrderConfirmed), false)
	// Without the order in the payload, the stored order is read.
	bare := *ev
	bare.Payload = []byte(`{"version":1}`)
	check("payload without the order", p, &bare, true)
}

// provider is a client's CheckProviderInventory endpoint with a mode.
type provider struct {
	srv      *httptest.Server
	mu       sync.Mutex
	mode     string
	requests [][]byte
}

func newProvider(t *testing.T) *provider {
	pv := &provider{mode: "in"}
	pv.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		pv.mu.Lock()
		pv.requests = append(pv.requests, b)
		mode := pv.mode
		pv.mu.Unlock()
		var req struct {
			Products []struct {
				ProductID int64 `json:"product_id"`
			} `json:"products"`
		}
		json.Unmarshal(b, &req)
		status := 1
		switch mode {
		case "out":
			status = 2
		case "slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		case "garbage":
			io.WriteString(w, `<html>oops</html>`)
			return
		case "500":
			http.Error(w, "down", http.StatusInternalServerError)
			return
		case "weird":
			io.WriteString(w, `{"products":[{"product_id":1,"inventory_status":9}]}`)
			return
		}
		out := []map[string]any{}
		for _, p := range req.Products {
			out = append(out, map[string]any{"product_id": p.ProductID, "inventory_status": status})
		}
		json.NewEncoder(w).Encode(map[string]any{"products": out})
	}))
	t.Cleanup(pv.srv.Close)
	return pv
}

func (pv *provider) set(mode string) {
	pv.mu.Lock()
	pv.mode = mode
	pv.mu.Unlock()
}

func (pv *provider) request(i int) []byte {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	return pv.requests[i]
}

func (pv *provider) count() int {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	return len(pv.requests)
}

// closedURL is a URL nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/inventory"
}

// TestProviderInventory: in stock, out of stock, slow, unreachable,
// malformed; fail closed by default and open when configured; for orders
// of any channel, rendered in the ordering channel's own format.
func TestProviderInventory(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		pv := newProvider(t)
		f.create(f.a, f.productBody("cola", nil))
		settings := hub.PartnerSettings{ProviderURL: pv.srv.URL, InventoryTimeoutMS: 300, Extra: map[string]any{"region": "SGN"}}
		f.setSettings(f.a, settings)

		place := func(what string, wantCode hub.Code, wantReason hub.Reason) {
			t.Helper()
			before := f.orders(f.brand.ID)
			start := time.Now()
			_, err := f.place(hub.ChannelTableOrder, f.loc.ID, "cola", 1)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("%s: took %s", what, took)
			}
			if hub.ErrorCode(err) != wantCode || hub.ErrorReason(err) != wantReason {
				t.Fatalf("%s: error %v (code %q reason %q), want code %q reason %q", what, err, hub.ErrorCode(err), hub.ErrorReason(err), wantCode, wantReason)
			}
			want := before
			if wantCode == "" {
				want++
			}
			if n := f.orders(f.brand.ID); n != want {
				t.Errorf("%s: %d orders stored, want %d", what, n, want)
			}
		}
		place("in stock", "", "")
		var req struct {
			Store struct {
				StoreID int64 `json:"store_id"`
			} `json:"store"`
			Location struct {
				LocationID int64 `json:"location_id"`
			} `json:"location"`
			Schedule struct {
				Type         int     `json:"type"`
				DeliveryTime *string `json:"delivery_time"`
			} `json:"schedule"`
			Products []struct {
				ProductID    int64  `json:"product_id"`
				RefProductID string `json:"ref_product_id"`
				Quantity     int    `json:"quantity"`
			} `json:"products"`
		}
		first := pv.request(0)
		must(t, json.Unmarshal(first, &req))
		if req.Store.StoreID != f.brand.ID || req.Location.LocationID != f.loc.ID || req.Schedule.Type != 1 || req.Schedule.DeliveryTime != nil ||
			len(req.Products) != 1 || req.Products[0].RefProductID != "cola" || req.Products[0].Quantity != 1 {
			t.Errorf("provider request %s", first)
		}
		pv.set("out")
		place("out of stock", hub.CodeConflict, hub.ReasonInventoryRejected)
		pv.set("slow")
		place("slow provider", hub.CodeUnavailable, "")
		pv.set("garbage")
		place("not JSON", hub.CodeUnavailable, "")
		pv.set("weird")
		place("unknown inventory_status", hub.CodeUnavailable, "")
		pv.set("500")
		place("HTTP 500", hub.CodeUnavailable, "")

		// A location outside the client's scope is not its business.
		f.setSettings(f.a, hub.PartnerSettings{ProviderURL: pv.srv.URL, InventoryTimeoutMS: 300})
		f.a.partner.LocationIDs = []int64{f.loc2.ID}
		must(t, f.Svc.UpdatePartner(f.Ctx, f.a.partner))
		n := pv.count()
		place("other location", "", "")
		if pv.count() != n {
			t.Error("provider asked about a location outside the client's scope")
		}
		f.a.partner.LocationIDs = nil
		must(t, f.Svc.UpdatePartner(f.Ctx, f.a.partner))

		settings.ProviderURL = closedURL(t)
		f.setSettings(f.a, settings)
		place("closed port", hub.CodeUnavailable, "")

		settings.InventoryFailOpen = true
		f.setSettings(f.a, settings)
		place("closed port, fail open", "", "")
		settings.ProviderURL = pv.srv.URL
		f.setSettings(f.a, settings)
		pv.set("slow")
		place("slow, fail open", "", "")
		// Fail open never overrides an explicit "out of stock".
		pv.set("out")
		place("out of stock, fail open", hub.CodeConflict, hub.ReasonInventoryRejected)

		// Another brand's orders never reach this client's provider.
		n = pv.count()
		op := &hub.Product{BrandID: f.other.ID, Name: hub.I18n{"en": "x"}, Price: 100, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
		must(t, f.Svc.SaveProduct(f.Ctx, op))
		_, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.other.ID, LocationID: f.otherLoc.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: strconv.FormatInt(op.ID, 10), Quantity: 1}}})
		must(t, err)
		if pv.count() != n {
			t.Error("provider asked about another brand's order")
		}

		// The native API renders the refusal in its own envelope.
		tok, err := f.Svc.CreateHubToken(f.Ctx, f.brand.ID, "test")
		must(t, err)
		mux := http.NewServeMux()
		api.New(f.Svc, quiet).Routes(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		body := `{"brand_id":` + strconv.FormatInt(f.brand.ID, 10) + `,"location_id":` + strconv.FormatInt(f.loc.ID, 10) +
			`,"lines":[{"product":"cola","quantity":1}]}`
		r := harness.Do(t, srv, http.MethodPost, "/hub/v1/orders", body, "Authorization", "Bearer "+tok, "Content-Type", "application/json")
		if r.Status != http.StatusConflict {
			t.Errorf("native API: %d %s, want 409", r.Status, r.Body)
		}
		settings.InventoryFailOpen = false
		f.setSettings(f.a, settings)
		pv.set("slow")
		r = harness.Do(t, srv, http.MethodPost, "/hub/v1/orders", body, "Authorization", "Bearer "+tok, "Content-Type", "application/json")
		if r.Status != http.StatusServiceUnavailable {
			t.Errorf("native API, slow provider: %d %s, want 503", r.Status, r.Body)
		}
	})
}

// TestProviderDefaultTimeout: without InventoryTimeoutMS the check waits
// 3 s, no longer.
func TestProviderDefaultTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 3 s")
	}
	f := newFixture(t, testutil.OpenSQLite(t))
	pv := newProvider(t)
	f.create(f.a, f.productBody("cola", nil))
	f.setSettings(f.a, hub.PartnerSettings{ProviderURL: pv.srv.URL})
	pv.set("slow") // answers nothing for 5 s
	start := time.Now()
	_, err := f.place(hub.ChannelHub, f.loc.ID, "cola", 1)
	took := time.Since(start)
	if hub.ErrorCode(err) != hub.CodeUnavailable {
		t.Fatalf("error %v, want unavailable", err)
	}
	if took < service.DefaultInventoryTimeout-100*time.Millisecond || took > service.DefaultInventoryTimeout+2*time.Second {
		t.Errorf("took %s, want about %s", took, service.DefaultInventoryTimeout)
	}
}
