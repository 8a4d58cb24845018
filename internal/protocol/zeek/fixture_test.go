package zeek

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

var quiet = harness.Quiet()

// must fails the test on a setup error.
var must = testutil.Must

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
	*harness.Harness
	h *Handler

	brand, other *hub.Brand
	loc, loc2    *hub.Location
	otherLoc     *hub.Location
	a, b         *client // a on brand, b on other
	nextID       atomic.Int64
}

// testCatalog is the fixture's data, made anew for each fixture (tests
// change what they are given); the clients are made by newClient
// (each with an access token).
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand: hub.Brand{Name: "Circle K", Currency: "HKD", TaxRateBP: 1000, TaxIncluded: true},
		Locations: []hub.Location{
			{Code: "SGN-1", Name: "Circle K D1", Timezone: "Asia/Ho_Chi_Minh", RefID: "client-location-123"},
			{Code: "SGN-2", Name: "Circle K D3", Timezone: "Asia/Ho_Chi_Minh"},
		},
	}, {
		Brand:     hub.Brand{Name: "Other", Currency: "HKD"},
		Locations: []hub.Location{{Code: "O-1", Name: "Other 1", Timezone: "Asia/Hong_Kong", RefID: "other-location"}},
	}}}
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{Clock: time.Date(2026, 3, 22, 3, 0, 0, 0, time.UTC),
		Options: []service.Option{service.WithLogger(quiet), registry.Option()}, Data: testCatalog()})}
	f.brand, f.other = f.Brand(0), f.Brand(1)
	f.loc, f.loc2, f.otherLoc = f.Location(t, "SGN-1"), f.Location(t, "SGN-2"), f.Location(t, "O-1")
	f.a = f.newClient(f.brand.ID, nil, hub.PartnerSettings{Extra: map[string]any{"region": "SGN"}})
	f.b = f.newClient(f.other.ID, nil, hub.PartnerSettings{})
	f.h = New(f.Svc, Config{Log: quiet})
	f.Serve(harness.Mux(f.h.Routes), harness.ProtocolDoc(t, protocol.Registry{Protocol()}),
		testutil.AnyContentType("zeekGetAccessToken"), testutil.RefusesWith200("zeekBatchUpdateProduct"))
	return f
}

func (f *fixture) newClient(brandID int64, locs []int64, s hub.PartnerSettings) *client {
	f.T.Helper()
	p := &hub.Partner{BrandID: brandID, Protocol: hub.ChannelZeek, Name: "zeek client", LocationIDs: locs, Settings: s}
	issued, cb, err := f.Svc.CreatePartner(f.Ctx, p)
	must(f.T, err)
	c := &client{partner: p, clientID: issued.ClientID, clientSecret: issued.ClientSecret, callbackSecret: cb}
	tok, _, err := f.Svc.IssueAccessToken(f.Ctx, f.credential(issued.ClientID), DefaultTokenTTL)
	must(f.T, err)
	c.token = tok
	return c
}

func (f *fixture) credential(clientID string) *store.Credential {
	f.T.Helper()
	c, err := f.Store.CredentialByLookup(f.Ctx, store.CredClient, clientID)
	must(f.T, err)
	return c
}

// setSettings replaces a client's settings.
func (f *fixture) setSettings(c *client, s hub.PartnerSettings) {
	f.T.Helper()
	c.partner.Settings = s
	must(f.T, f.Svc.UpdatePartner(f.Ctx, c.partner))
}

type response = harness.Response

// requestID is a fresh KS-Client-Request-Id.
func (f *fixture) requestID() string {
	return "req-" + strconv.FormatInt(f.nextID.Add(1), 10)
}

// call sends a body as client c with the seed's headers (a fresh request
// id, en, SGN); extra header pairs override them.
func (f *fixture) call(c *client, path, body string, extra ...string) response {
	f.T.Helper()
	return f.Do(http.MethodPost, path, body, f.headers(c, extra)...)
}

// headers are the header pairs of call.
func (f *fixture) headers(c *client, extra []string) []string {
	hdr := []string{"Content-Type", "application/json;charset=UTF-8", "KS-Client-Request-Id", f.requestID(),
		"KS-Lang", "en", "KS-Region", "SGN"}
	if c != nil {
		hdr = append(hdr, "Authorization", "Bearer "+c.token)
	}
	return override(hdr, extra)
}

// refusal is a call refused with the seed's error envelope, as a table
// row: the status, the Content-Type, the code and message, and nothing
// written.
func (f *fixture) refusal(name string, c *client, path, body string, status int, code, msg string, extra ...string) testutil.Scenario {
	hdr := f.headers(c, extra)
	h := map[string]string{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	envelope, _ := json.Marshal(map[string]string{"error": code, "error_msg": msg})
	return testutil.Scenario{Name: name, Method: http.MethodPost, Path: path, Body: body, Header: h,
		Status: status, JSON: string(envelope), WantHeader: map[string]string{"Content-Type": contentType}, Unchanged: f.Rows}
}

// expect checks the status and the exact JSON body (when body is set).
func expect(t testing.TB, what string, r response, status int, body string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != contentType {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if body != "" {
		testutil.SameJSON(t, what, []byte(body), r.Body)
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
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("%s: %v in %s", what, err, r.Body)
	}
	if e.Error != code {
		t.Errorf("%s: error %#v, want %q (body %s)", what, e.Error, code, r.Body)
	}
	if e.ErrorMsg != msg {
		t.Errorf("%s: error_msg %q, want %q", what, e.ErrorMsg, msg)
	}
}

// override returns the header pairs of defaults with each pair of extra
// replacing the default of its name, or removing it when its value is
// empty.
func override(defaults, extra []string) []string {
	h := http.Header{}
	for i := 0; i+1 < len(defaults); i += 2 {
		h.Set(defaults[i], defaults[i+1])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			h.Del(extra[i])
			continue
		}
		h.Set(extra[i], extra[i+1])
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		out = append(out, k, h.Get(k))
	}
	return out
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
	f.T.Helper()
	r := f.call(c, PathCreate, body)
	if r.Status != http.StatusOK {
		f.T.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var out struct {
		Data struct {
			ProductID int64 `json:"product_id"`
		} `json:"data"`
	}
	must(f.T, json.Unmarshal(r.Body, &out))
	return out.Data.ProductID
}

func (f *fixture) product(id int64) *hub.Product {
	f.T.Helper()
	p, err := f.Store.GetProduct(f.Ctx, f.brand.ID, id)
	must(f.T, err)
	return p
}

// orders counts the stored orders of a brand.
func (f *fixture) orders(brandID int64) int {
	f.T.Helper()
	os, err := f.Store.ListOrders(f.Ctx, store.OrderFilter{BrandID: brandID, Limit: 1000})
	must(f.T, err)
	return len(os)
}

// place places an order of one line through the service.
func (f *fixture) place(ch hub.Channel, locationID int64, ref string, qty int) (*hub.Order, error) {
	f.T.Helper()
	res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: locationID, Channel: ch,
		Lines: []service.LineInput{{ProductRef: ref, Quantity: qty}}})
	if err != nil {
		return nil, err
	}
	return res.Order, nil
}

// registry is what the tests' service knows: this protocol (its inventory
// provider included) and the QR protocol some tests order through.
var registry = protocol.Registry{Protocol(), tableorder.Protocol()}
