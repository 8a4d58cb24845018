package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a zeek partner with its issued credentials.
type client struct {
	partner        *hub.Partner
	clientID       string
	clientSecret   string
	callbackSecret string
	token          string
}

// fixture is brand "Circle K" (HKD, 10% VAT included) with two locations
// (the first with RefID "client-location-123"), brand "Other" with one,
// a zeek client on each, served over real HTTP with a settable clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	clock *testutil.Clock
	svc   *service.Service
	h     *Handler
	srv   *httptest.Server

	brand, other *hub.Brand
	loc, loc2    *hub.Location
	otherLoc     *hub.Location
	a, b         *client // a on brand, b on other
	nextID       atomic.Int64
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, st: st, clock: testutil.NewClock(time.Date(2026, 3, 22, 3, 0, 0, 0, time.UTC))}
	f.svc = service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now), service.WithLogger(quiet), registry.Option())
	f.brand = &hub.Brand{Name: "Circle K", Currency: "HKD", TaxRateBP: 1000, TaxIncluded: true}
	must(t, f.svc.CreateBrand(ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "SGN-1", Name: "Circle K D1", Timezone: "Asia/Ho_Chi_Minh", RefID: "client-location-123"}
	must(t, f.svc.CreateLocation(ctx, f.loc))
	f.loc2 = &hub.Location{BrandID: f.brand.ID, Code: "SGN-2", Name: "Circle K D3", Timezone: "Asia/Ho_Chi_Minh"}
	must(t, f.svc.CreateLocation(ctx, f.loc2))
	f.other = &hub.Brand{Name: "Other", Currency: "HKD"}
	must(t, f.svc.CreateBrand(ctx, f.other))
	f.otherLoc = &hub.Location{BrandID: f.other.ID, Code: "O-1", Name: "Other 1", Timezone: "Asia/Hong_Kong", RefID: "other-location"}
	must(t, f.svc.CreateLocation(ctx, f.otherLoc))
	f.a = f.newClient(f.brand.ID, nil, hub.PartnerSettings{Extra: map[string]any{"region": "SGN"}})
	f.b = f.newClient(f.other.ID, nil, hub.PartnerSettings{})
	f.h = New(f.svc, Config{Log: quiet})
	mux := http.NewServeMux()
	f.h.Routes(mux)
	f.srv = httptest.NewServer(testutil.ValidatingHandler(t, openAPIDoc(t), mux, testutil.AnyContentType("zeekGetAccessToken"), testutil.RefusesWith200("zeekBatchUpdateProduct")))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) newClient(brandID int64, locs []int64, s hub.PartnerSettings) *client {
	f.t.Helper()
	p := &hub.Partner{BrandID: brandID, Protocol: hub.ChannelZeek, Name: "zeek client", LocationIDs: locs, Settings: s}
	issued, cb, err := f.svc.CreatePartner(f.ctx, p)
	must(f.t, err)
	c := &client{partner: p, clientID: issued.ClientID, clientSecret: issued.ClientSecret, callbackSecret: cb}
	tok, _, err := f.svc.IssueAccessToken(f.ctx, f.credential(issued.ClientID), DefaultTokenTTL)
	must(f.t, err)
	c.token = tok
	return c
}

func (f *fixture) credential(clientID string) *store.Credential {
	f.t.Helper()
	c, err := f.st.CredentialByLookup(f.ctx, store.CredClient, clientID)
	must(f.t, err)
	return c
}

// setSettings replaces a client's settings.
func (f *fixture) setSettings(c *client, s hub.PartnerSettings) {
	f.t.Helper()
	c.partner.Settings = s
	must(f.t, f.svc.UpdatePartner(f.ctx, c.partner))
}

// response is an answer as received.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	v, ok := decode(t, r.body).(map[string]any)
	if !ok {
		t.Fatalf("answer is not an object: %s", r.body)
	}
	return v
}

// do sends a request; hdr holds header pairs (a pair with an empty value
// removes a default header).
func (f *fixture) do(method, path, body string, hdr ...string) response {
	f.t.Helper()
	return doHTTP(f.t, f.srv, method, path, body, hdr...)
}

func doHTTP(t testing.TB, srv *httptest.Server, method, path, body string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	must(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// requestID is a fresh KS-Client-Request-Id.
func (f *fixture) requestID() string {
	return "req-" + strconv.FormatInt(f.nextID.Add(1), 10)
}

// call sends a body as client c with the seed's headers (a fresh request
// id, en, SGN); extra header pairs override them.
func (f *fixture) call(c *client, path, body string, extra ...string) response {
	f.t.Helper()
	hdr := []string{"Content-Type", "application/json;charset=UTF-8", "KS-Client-Request-Id", f.requestID(),
		"KS-Lang", "en", "KS-Region", "SGN"}
	if c != nil {
		hdr = append(hdr, "Authorization", "Bearer "+c.token)
	}
	return f.do(http.MethodPost, path, body, append(hdr, extra...)...)
}

// expect checks the status and the exact JSON body (when body is set).
func expect(t testing.TB, what string, r response, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != contentType {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if body != "" {
		sameJSON(t, what, []byte(body), r.body)
	}
}

// expectError checks a seed error envelope: its code and its message.
func expectError(t testing.TB, what string, r response, status int, code, msg string) {
	t.Helper()
	expect(t, what, r, status, "")
	var e struct {
		Error    any    `json:"error"`
		ErrorMsg string `json:"error_msg"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("%s: %v in %s", what, err, r.body)
	}
	if e.Error != code {
		t.Errorf("%s: error %#v, want %q (body %s)", what, e.Error, code, r.body)
	}
	if e.ErrorMsg != msg {
		t.Errorf("%s: error_msg %q, want %q", what, e.ErrorMsg, msg)
	}
}

// decode parses JSON keeping numbers as their literal text, so that
// types and values are compared exactly.
func decode(t testing.TB, b []byte) any {
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

// diff lists the differences between two decoded JSON values. With
// shapeOnly, leaves are compared by JSON type only.
func diff(path string, want, got any, shapeOnly bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T %v", path, got, got)}
		}
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
		var out []string
		for _, k := range sorted {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: unexpected (%v)", path, k, gv))
			default:
				out = append(out, diff(path+"."+k, wv, gv, shapeOnly)...)
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
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], shapeOnly)...)
		}
		return out
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		return []string{fmt.Sprintf("%s: want %T %v, got %T %v", path, want, want, got, got)}
	}
	if !shapeOnly && !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
	return nil
}

// sameJSON fails the test unless the two bodies are the same JSON.
func sameJSON(t testing.TB, what string, want, got []byte) {
	t.Helper()
	if d := diff("$", decode(t, want), decode(t, got), false); len(d) > 0 {
		t.Errorf("%s: body differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), want, got)
	}
}

// sameShape fails the test unless the two bodies have the same members at
// every level, with the same JSON types.
func sameShape(t testing.TB, what string, want, got []byte) {
	t.Helper()
	if d := diff("$", decode(t, want), decode(t, got), true); len(d) > 0 {
		t.Errorf("%s: shape differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), want, got)
	}
}

// product is a minimal valid create body for client c's brand.
func (f *fixture) productBody(ref string, extra map[string]any) string {
	m := map[string]any{
		"ref_product_id":  ref,
		"name":            map[string]any{"en": "Item " + ref, "vi": "Món " + ref},
		"type":            1,
		"store":           map[string]any{"store_id": f.brand.ID},
		"locations":       []any{map[string]any{"location_id": f.loc.ID}, map[string]any{"location_id": f.loc2.ID}},
		"sku":             "sku-" + ref,
		"model":           "model-" + ref,
		"price":           map[string]any{"amount": "45.40"},
		"is_deduct_stock": 0, "is_individual_sale": 1, "is_alcohol": 0,
		"launch":            map[string]any{"status": 1},
		"timeslots":         []any{},
		"payment_methods":   []any{map[string]any{"key": "cash"}},
		"purchase_quantity": map[string]any{"minimum": 0, "maximum": 10},
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// create creates a product through the API and returns its id.
func (f *fixture) create(c *client, body string) int64 {
	f.t.Helper()
	r := f.call(c, PathCreate, body)
	if r.status != http.StatusOK {
		f.t.Fatalf("create: %d %s", r.status, r.body)
	}
	var out struct {
		Data struct {
			ProductID int64 `json:"product_id"`
		} `json:"data"`
	}
	must(f.t, json.Unmarshal(r.body, &out))
	return out.Data.ProductID
}

func (f *fixture) product(id int64) *hub.Product {
	f.t.Helper()
	p, err := f.st.GetProduct(f.ctx, f.brand.ID, id)
	must(f.t, err)
	return p
}

// orders counts the stored orders of a brand.
func (f *fixture) orders(brandID int64) int {
	f.t.Helper()
	os, err := f.st.ListOrders(f.ctx, store.OrderFilter{BrandID: brandID, Limit: 1000})
	must(f.t, err)
	return len(os)
}

// place places an order of one line through the service.
func (f *fixture) place(ch hub.Channel, locationID int64, ref string, qty int) (*hub.Order, error) {
	f.t.Helper()
	res, err := f.svc.PlaceOrder(f.ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: locationID, Channel: ch,
		Lines: []service.LineInput{{ProductRef: ref, Quantity: qty}}})
	if err != nil {
		return nil, err
	}
	return res.Order, nil
}

// registry is what the tests' service knows: this protocol (its inventory
// provider included) and the QR protocol some tests order through.
var registry = protocol.Registry{Protocol(), tableorder.Protocol()}

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
