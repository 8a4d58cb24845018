package omni

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/auth"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// The seed's token and the creation time of its example order.
const (
	seedToken   = "vE53k50FVtct50ll8iHBE6FgMRVCyJeF"
	seedCreated = 1564045835
	seedNumber  = "FR9TL74P"
)

// fixture is a brand "Burger God" (IDR, 10% tax on top), two locations, a
// product, an omni partner with its issued key and the seed's token, and
// the seed's order FR9TL74P (hub id 1), served over real HTTP.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	st      store.Store
	svc     *service.Service
	h       *Handler
	srv     *httptest.Server
	brand   *hub.Brand
	loc     *hub.Location
	loc2    *hub.Location
	product *hub.Product
	partner *hub.Partner
	key     string // the key service.CreatePartner issued
	order   *hub.Order
}

func newFixture(t *testing.T, st store.Store, cfg Config, useTLS bool) *fixture {
	t.Helper()
	if st == nil {
		st = testutil.OpenSQLite(t)
	}
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, st: st, svc: service.New(st, service.WithOutbound(testutil.Outbound), protocol.Registry{Protocol(), kakao.Protocol()}.Option())}
	f.brand = &hub.Brand{Name: "Burger God", Currency: "IDR", TaxRateBP: 1000}
	must(t, f.svc.CreateBrand(ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "SNP", Name: "Burger God Senopati", Timezone: "Asia/Jakarta"}
	must(t, f.svc.CreateLocation(ctx, f.loc))
	f.loc2 = &hub.Location{BrandID: f.brand.ID, Code: "KMG", Name: "Burger God Kemang", Timezone: "Asia/Jakarta"}
	must(t, f.svc.CreateLocation(ctx, f.loc2))
	f.product = &hub.Product{BrandID: f.brand.ID, Name: hub.I18n{"en": "God Burger"}, Price: 3636400,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	must(t, f.svc.SaveProduct(ctx, f.product))

	f.partner = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelOmni, Name: "Burger God POS"}
	issued, _, err := f.svc.CreatePartner(ctx, f.partner)
	must(t, err)
	f.key = issued.APIKey
	// The seed's token, so that its examples and curl lines run as written.
	must(t, st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAPIKey, PartnerID: f.partner.ID, BrandID: f.brand.ID,
			Lookup: auth.Hash(seedToken), Hint: auth.Hint(seedToken), Label: "seed token", CreatedAt: time.Now().UTC()})
	}))

	// FR9TL74P: total 36364, tax 3636, grand total 40000 IDR. Its tax is not
	// 10% of 36364 to the rupiah (the seed's figures come from a
	// tax-included price), so it is stored as is rather than placed.
	created := time.Unix(seedCreated, 0).UTC()
	f.order = &hub.Order{
		Number: seedNumber, BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelOmni, Type: hub.OrderDineIn,
		Table: "A1", PickupCode: "1234", Notes: "No lettuce",
		Customer: hub.Customer{ID: "1", Name: "user", Phone: "+628111111111"},
		Lines: []hub.OrderLine{{ProductID: f.product.ID, Name: "God Burger", Type: hub.ProductSingle, Quantity: 1,
			UnitPrice: 3636400, BasePrice: 3636400, TotalPrice: 3636400}},
		Currency: "IDR", Fees: hub.Fees{Subtotal: 3636400, Tax: 363600, Total: 4000000},
		Status: hub.StatusNew, PaymentStatus: hub.PaymentUnpaid, PaymentMethod: "cash",
		CreatedAt: created, UpdatedAt: created, Version: 1,
	}
	must(t, st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateOrder(ctx, f.order, nil, "", ""); err != nil {
			return err
		}
		return tx.AddHistory(ctx, &hub.OrderEvent{OrderID: f.order.ID, Action: "create", ToStatus: hub.StatusNew, Actor: "pos", CreatedAt: created})
	}))
	if f.order.ID != 1 {
		t.Fatalf("fixture order id = %d, want 1 (the seed's id)", f.order.ID)
	}

	f.h = New(f.svc, cfg)
	mux := http.NewServeMux()
	f.h.Routes(mux)
	if useTLS {
		f.srv = httptest.NewTLSServer(testutil.ValidatingHandler(t, openAPIDoc(t), mux, testutil.AnyContentType()))
	} else {
		f.srv = httptest.NewServer(testutil.ValidatingHandler(t, openAPIDoc(t), mux, testutil.AnyContentType()))
	}
	t.Cleanup(f.srv.Close)
	return f
}

// forEachDB runs fn per configured database (SQLite always, PostgreSQL when
// ORDERHUB_TEST_DATABASE_URL is set); open gives a fresh, empty store.
func forEachDB(t *testing.T, fn func(t *testing.T, open func(*testing.T) store.Store)) {
	stores := testutil.Stores(t)
	for _, name := range []string{"sqlite", "postgres"} {
		if open, ok := stores[name]; ok {
			t.Run(name, func(t *testing.T) { fn(t, open) })
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is an answer as received.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; hdr holds header pairs.
func (f *fixture) do(method, path, body string, hdr ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	must(f.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := f.srv.Client().Do(req)
	must(f.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(f.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// post sends a JSON body with the partner's issued key.
func (f *fixture) post(call, body string) response {
	f.t.Helper()
	return f.do(http.MethodPost, "/api/store/orders/"+call, body,
		"Content-Type", "application/json", "Authorization", "token "+f.key)
}

// place takes an order through the service, as an ordering channel would.
func (f *fixture) place(in service.PlaceOrderInput) *hub.Order {
	f.t.Helper()
	in.BrandID = f.brand.ID
	if in.LocationID == 0 {
		in.LocationID = f.loc.ID
	}
	if in.Channel == "" {
		in.Channel = hub.ChannelTableOrder
	}
	if len(in.Lines) == 0 {
		in.Lines = []service.LineInput{{ProductRef: strconv.FormatInt(f.product.ID, 10), Quantity: 1}}
	}
	res, err := f.svc.PlaceOrder(f.ctx, in)
	must(f.t, err)
	return res.Order
}

var storeActor = hub.Actor{Role: hub.RoleStore, Name: "test"}

// driveTo moves an order to a status (and payment) through the service.
func (f *fixture) driveTo(o *hub.Order, s hub.Status, paid bool) {
	f.t.Helper()
	scope := service.OrderScope{BrandID: o.BrandID}
	if paid {
		_, err := f.svc.MarkPaid(f.ctx, service.MarkPaidInput{Scope: scope, OrderRef: o.Number, Actor: storeActor})
		must(f.t, err)
	}
	var path []hub.Action
	switch s {
	case hub.StatusConfirmed:
		path = []hub.Action{hub.ActionConfirm}
	case hub.StatusPreparing:
		path = []hub.Action{hub.ActionConfirm, hub.ActionPrepare}
	case hub.StatusReady:
		path = []hub.Action{hub.ActionConfirm, hub.ActionPrepare, hub.ActionReady}
	case hub.StatusCompleted:
		path = []hub.Action{hub.ActionConfirm, hub.ActionComplete}
	case hub.StatusCancelled:
		path = []hub.Action{hub.ActionCancel}
	}
	for _, a := range path {
		_, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: scope, OrderRef: o.Number, Action: a, Actor: storeActor})
		must(f.t, err)
	}
	got, err := f.st.GetOrder(f.ctx, o.ID)
	must(f.t, err)
	want := hub.PaymentUnpaid
	if paid {
		want = hub.PaymentPaid
	}
	if got.Status != s || got.PaymentStatus != want {
		f.t.Fatalf("driveTo: order is %v/%v, want %v/%v", got.Status, got.PaymentStatus, s, want)
	}
}

// lastEventID is the id of the newest outbox event.
func (f *fixture) lastEventID() int64 {
	f.t.Helper()
	var last int64
	for {
		evs, err := f.st.ListEventsByID(f.ctx, last, 1000)
		must(f.t, err)
		if len(evs) == 0 {
			return last
		}
		last = evs[len(evs)-1].ID
	}
}

// eventsSince lists the types of the events of an order after an id.
func (f *fixture) eventsSince(after, orderID int64) []string {
	f.t.Helper()
	var out []string
	for {
		evs, err := f.st.ListEventsByID(f.ctx, after, 1000)
		must(f.t, err)
		if len(evs) == 0 {
			return out
		}
		for _, e := range evs {
			if e.OrderID == orderID {
				out = append(out, string(e.Type))
			}
		}
		after = evs[len(evs)-1].ID
	}
}

func (f *fixture) history(orderID int64) int {
	f.t.Helper()
	h, err := f.st.OrderHistory(f.ctx, orderID)
	must(f.t, err)
	return len(h)
}

// decode parses JSON keeping numbers as their literal text, so that
// 36364.0 and 36364 would differ, and types are compared exactly.
func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after JSON %q", b)
	}
	return v
}

// diff lists the differences between two decoded JSON values.
func diff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T %v", path, got, got)}
		}
		var out []string
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: unexpected (%v)", path, k, gv))
			default:
				out = append(out, diff(path+"."+k, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) || !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %T %v, got %T %v", path, want, want, got, got)}
	}
	return nil
}

// sameJSON fails the test unless the two bodies are the same JSON.
func sameJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if d := diff("$", decode(t, want), decode(t, got)); len(d) > 0 {
		t.Errorf("%s: body differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), want, got)
	}
}

// seedHeaders are the headers every answer carries.
var seedHeaders = map[string]string{"Content-Type": "application/json", "Vary": "Accept", "Allow": "POST, OPTIONS"}

func checkHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: header %s = %q, want %q", what, k, got, v)
		}
	}
}

// expect checks status, the seed's headers and the exact JSON body.
func expect(t *testing.T, what string, r response, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
	}
	checkHeaders(t, what, r.header, seedHeaders)
	if body != "" {
		sameJSON(t, what, []byte(body), r.body)
	}
}

// errBody is the seed's error envelope.
func errBody(key, code, msg string) string {
	b, _ := json.Marshal(map[string]any{"error_message": msg, "error_code": code, "errors": map[string]string{key: msg}})
	return string(b)
}

// openAPIDoc is the API description with this protocol in it, which the
// fixture's traffic is checked against (testutil.ValidatingHandler).
func openAPIDoc(t *testing.T) []byte {
	t.Helper()
	doc, err := protocol.ComposeOpenAPI(api.OpenAPI(), protocol.Registry{Protocol()})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
