package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

type fixture struct {
	t        *testing.T
	srv      *httptest.Server
	svc      *service.Service
	st       store.Store
	operator string
	brandTok string // token of brand 1
	otherTok string // token of brand 2
	brand    *hub.Brand
	other    *hub.Brand
	loc      *hub.Location
	rice     *hub.Product
}

// newFixture builds the fixture on st; opts are added to the service's
// (a clock, say).
func newFixture(t *testing.T, st store.Store, opts ...service.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	svc := service.New(st, append([]service.Option{service.WithOutbound(testutil.Outbound), server.Protocols().Option()}, opts...)...)
	f := &fixture{t: t, svc: svc, st: st}
	f.brand = &hub.Brand{Name: "Hanok", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	f.other = &hub.Brand{Name: "Other", Currency: "USD"}
	for _, b := range []*hub.Brand{f.brand, f.other} {
		if err := svc.CreateBrand(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "SEL", Name: "Seoul", Timezone: "Asia/Seoul"}
	if err := svc.CreateLocation(ctx, f.loc); err != nil {
		t.Fatal(err)
	}
	f.rice = &hub.Product{BrandID: f.brand.ID, RefID: "P001", Name: hub.I18n{"en": "Rice bowl"}, Price: 9500,
		IndividualSale: true, Displayed: true, DeductStock: true, Launch: hub.Launch{Launched: true}}
	if err := svc.SaveProduct(ctx, f.rice); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.operator, err = svc.CreateHubToken(ctx, 0, "op"); err != nil {
		t.Fatal(err)
	}
	if f.brandTok, err = svc.CreateHubToken(ctx, f.brand.ID, "brand"); err != nil {
		t.Fatal(err)
	}
	if f.otherTok, err = svc.CreateHubToken(ctx, f.other.ID, "other"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.srv = httptest.NewServer(validated(t, server.Handler(server.Config{}, svc, log)))
	t.Cleanup(f.srv.Close)
	return f
}

// validated checks every request and answer of h against the served API
// description (testutil.ValidatingHandler).
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	return testutil.ValidatingHandler(t, doc, h)
}

// do sends a request and returns the status and decoded JSON body.
func (f *fixture) do(method, path, token, body string, headers ...string) (int, map[string]any, http.Header) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			f.t.Fatalf("%s %s: body is not a JSON object: %s", method, path, raw)
		}
	}
	return res.StatusCode, m, res.Header
}

func errorOf(m map[string]any) (code, field string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	if d, ok := e["details"].(map[string]any); ok {
		field, _ = d["field"].(string)
	}
	return code, field
}

func TestAPI(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		t.Run("auth", func(t *testing.T) { testAuth(t, f) })
		t.Run("errors name the field", func(t *testing.T) { testBadInput(t, f) })
		t.Run("stock", func(t *testing.T) { testStock(t, f) })
		t.Run("orders", func(t *testing.T) { testOrders(t, f) })
		t.Run("idempotency", func(t *testing.T) { testIdempotency(t, f) })
		t.Run("partners", func(t *testing.T) { testPartners(t, f) })
		t.Run("events", func(t *testing.T) { testEvents(t, f) })
	})
}

func testAuth(t *testing.T, f *fixture) {
	status, body, hdr := f.do("GET", "/hub/v1/brands", "", "")
	if status != 401 || body["error"].(map[string]any)["code"] != "unauthorized" || hdr.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d %v", status, body)
	}
	if status, _, _ := f.do("GET", "/hub/v1/brands", "ohh_wrong", ""); status != 401 {
		t.Fatalf("wrong token: %d", status)
	}
	// A brand token sees its own brand only; others are not found.
	status, body, _ = f.do("GET", "/hub/v1/brands", f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 1 {
		t.Fatalf("brand token lists: %d %v", status, body)
	}
	if status, _, _ := f.do("GET", "/hub/v1/locations/"+itoa(f.loc.ID), f.otherTok, ""); status != 404 {
		t.Fatalf("other brand's location: %d, want 404", status)
	}
	if status, _, _ := f.do("GET", "/hub/v1/products/"+itoa(f.rice.ID), f.otherTok, ""); status != 404 {
		t.Fatalf("other brand's product: %d, want 404", status)
	}
	if status, _, _ := f.do("POST", "/hub/v1/brands", f.brandTok, `{"name":"X","currency":"KRW"}`); status != 403 {
		t.Fatalf("brand token creating a brand: %d, want 403", status)
	}
	// An operator must say which brand.
	status, body, _ = f.do("GET", "/hub/v1/orders", f.operator, "")
	if code, field := errorOf(body); status != 400 || code != "invalid" || field != "brand_id" {
		t.Fatalf("operator without brand_id: %d %v", status, body)
	}
}

func testBadInput(t *testing.T, f *fixture) {
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"malformed JSON", "POST", "/hub/v1/locations", `{"code":`, 400, "invalid", "body"},
		{"unknown field", "POST", "/hub/v1/locations", `{"code":"X","nmae":"x"}`, 400, "invalid", "nmae"},
		{"wrong type", "POST", "/hub/v1/locations", `{"code":5}`, 400, "invalid", "code"},
		{"missing name", "POST", "/hub/v1/locations", `{"code":"BSN","timezone":"Asia/Seoul"}`, 400, "invalid", "name"},
		{"bad zone", "POST", "/hub/v1/locations", `{"code":"BSN","name":"Busan","timezone":"Mars/Base"}`, 400, "invalid", "timezone"},
		{"duplicate code", "POST", "/hub/v1/locations", `{"code":"SEL","name":"Seoul 2","timezone":"Asia/Seoul"}`, 400, "invalid", "code"},
		{"bad currency", "PATCH", "/hub/v1/brands/" + itoa(f.brand.ID), `{"currency":"won"}`, 400, "invalid", "currency"},
		{"negative price", "POST", "/hub/v1/products", `{"name":{"en":"x"},"price":-1}`, 400, "invalid", "price"},
		{"no lines", "POST", "/hub/v1/orders", `{"location_id":` + itoa(f.loc.ID) + `,"lines":[]}`, 400, "invalid", "lines"},
		{"unknown product", "POST", "/hub/v1/orders", `{"location_id":` + itoa(f.loc.ID) + `,"lines":[{"product":"NOPE","quantity":1}]}`, 404, "not_found", "lines[0].product"},
		{"zero quantity", "POST", "/hub/v1/orders", `{"location_id":` + itoa(f.loc.ID) + `,"lines":[{"product":"P001","quantity":0}]}`, 400, "invalid", "lines[0].quantity"},
		{"price mismatch", "POST", "/hub/v1/orders", `{"location_id":` + itoa(f.loc.ID) + `,"lines":[{"product":"P001","quantity":1,"unit_price":1}]}`, 400, "invalid", "lines[0].price"},
		{"bad status filter", "GET", "/hub/v1/orders?status=eaten", "", 400, "invalid", "status"},
		{"bad limit", "GET", "/hub/v1/orders?limit=-1", "", 400, "invalid", "limit"},
		{"unknown action", "POST", "/hub/v1/orders/X/actions/eat", "", 404, "not_found", ""},
		{"unknown path", "GET", "/hub/v1/nothing", "", 404, "not_found", ""},
		{"wrong method", "DELETE", "/hub/v1/brands", "", 405, "method_not_allowed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := f.do(c.method, c.path, f.brandTok, c.body)
			code, field := errorOf(body)
			if status != c.status || code != c.code || field != c.field {
				t.Fatalf("got %d %s field %q, want %d %s field %q: %v", status, code, field, c.status, c.code, c.field, body)
			}
		})
	}
	if status, _, hdr := f.do("PUT", "/hub/v1/orders/X/history", f.brandTok, ""); status != 405 || hdr.Get("Allow") != "GET" {
		t.Fatalf("PUT on a GET-only path: %d Allow %q", status, hdr.Get("Allow"))
	}
	// Nothing of the refused orders was stored.
	os, err := f.st.ListOrders(context.Background(), store.OrderFilter{BrandID: f.brand.ID})
	if err != nil || len(os) != 0 {
		t.Fatalf("refused orders left %d rows (%v)", len(os), err)
	}
}

func testStock(t *testing.T, f *fixture) {
	path := "/hub/v1/locations/" + itoa(f.loc.ID) + "/stock/" + itoa(f.rice.ID)
	status, body, _ := f.do("GET", path, f.brandTok, "")
	if status != 200 || body["quantity"] != nil {
		t.Fatalf("untracked: %d %v", status, body)
	}
	for _, c := range []struct {
		body   string
		status int
		want   any
	}{
		{`{"quantity": 3}`, 200, float64(3)},
		{`{"quantity": null}`, 200, nil},
		{`{"quantity": 2}`, 200, float64(2)},
		{`{"quantity": -1}`, 400, nil},
		{`{}`, 400, nil},
		{`{"quantity": "3"}`, 400, nil},
		// A quantity a cancel could overflow (it was taken, and then the
		// order could never be cancelled) names the field.
		{`{"quantity": 9223372036854775807}`, 400, nil},
		{`{"quantity": 1000000001}`, 400, nil},
		{`{"quantity": 1000000000}`, 200, float64(1000000000)},
		{`{"quantity": 2}`, 200, float64(2)},
	} {
		status, body, _ := f.do("PUT", path, f.brandTok, c.body)
		if status != c.status || (status == 200 && body["quantity"] != c.want) {
			t.Fatalf("PUT %s: %d %v", c.body, status, body)
		}
		if _, field := errorOf(body); status == 400 && strings.Contains(c.body, "00") && field != "quantity" {
			t.Fatalf("PUT %s: the error names %q, want quantity", c.body, field)
		}
	}
	status, body, _ = f.do("GET", path, f.brandTok, "")
	if status != 200 || body["quantity"] != float64(2) {
		t.Fatalf("after PUTs: %d %v", status, body)
	}
}

func testOrders(t *testing.T, f *fixture) {
	order := `{"location_id":` + itoa(f.loc.ID) + `,"type":"PICK_UP","lines":[{"product":"P001","quantity":2}]}`
	status, body, _ := f.do("POST", "/hub/v1/orders", f.brandTok, order)
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	number := body["number"].(string)
	fees := body["fees"].(map[string]any)
	if body["status_name"] != "new" || fees["total"] != float64(19000) || fees["tax"] != float64(1727) || body["currency"] != "KRW" {
		t.Fatalf("create body: %v", body)
	}
	// Stock 2 → 0: the next order is refused and changes nothing.
	status, body, _ = f.do("POST", "/hub/v1/orders", f.brandTok, order)
	if code, _ := errorOf(body); status != 409 || code != "conflict" {
		t.Fatalf("sold out: %d %v", status, body)
	}
	for _, step := range []struct {
		action string
		status int
		name   string
	}{
		{"confirm", 200, "confirmed"},
		{"confirm", 409, ""},
		{"prepare", 200, "preparing"},
		{"ready", 200, "ready"},
		{"complete", 200, "completed"},
		{"cancel", 409, ""},
	} {
		status, body, _ := f.do("POST", "/hub/v1/orders/"+number+"/actions/"+step.action, f.brandTok, "")
		if status != step.status || (status == 200 && body["status_name"] != step.name) {
			t.Fatalf("%s: %d %v", step.action, status, body)
		}
	}
	status, body, _ = f.do("GET", "/hub/v1/orders/"+number+"/history", f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 5 {
		t.Fatalf("history: %d %v", status, body)
	}
	status, body, _ = f.do("POST", "/hub/v1/orders/"+number+"/payment", f.brandTok, `{"method":"card"}`)
	if status != 200 || body["payment_status_name"] != "paid" {
		t.Fatalf("pay: %d %v", status, body)
	}
	status, body, _ = f.do("POST", "/hub/v1/orders/"+number+"/payment", f.brandTok, "")
	if status != 409 || body["error"].(map[string]any)["details"].(map[string]any)["reason"] != "already_paid" {
		t.Fatalf("pay twice: %d %v", status, body)
	}
	// The other brand cannot see it.
	if status, _, _ := f.do("GET", "/hub/v1/orders/"+number, f.otherTok, ""); status != 404 {
		t.Fatalf("other brand reads order: %d", status)
	}
	// Filters and paging.
	status, body, _ = f.do("GET", "/hub/v1/orders?status=completed&channel=hub&location_id="+itoa(f.loc.ID), f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 1 || body["next_cursor"] != nil {
		t.Fatalf("list: %d %v", status, body)
	}
	status, body, _ = f.do("GET", "/hub/v1/orders?status=new", f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 0 {
		t.Fatalf("list new: %d %v", status, body)
	}
}

func testIdempotency(t *testing.T, f *fixture) {
	path := "/hub/v1/locations"
	first := `{"code":"IDEM","name":"Idem","timezone":"Asia/Seoul"}`
	s1, b1, _ := f.do("POST", path, f.brandTok, first, "Idempotency-Key", "loc-1")
	s2, b2, h2 := f.do("POST", path, f.brandTok, first, "Idempotency-Key", "loc-1")
	if s1 != 201 || s2 != 201 || b1["id"] != b2["id"] || h2.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v / %d %v", s1, b1, s2, b2)
	}
	s3, b3, _ := f.do("POST", path, f.brandTok, `{"code":"IDEM2","name":"Idem","timezone":"Asia/Seoul"}`, "Idempotency-Key", "loc-1")
	if code, _ := errorOf(b3); s3 != 422 || code != "conflict" {
		t.Fatalf("reuse with another body: %d %v", s3, b3)
	}
	// Another credential's key space is its own.
	s4, _, h4 := f.do("POST", path, f.operator, `{"brand_id":`+itoa(f.brand.ID)+`,"code":"IDEM3","name":"Idem","timezone":"Asia/Seoul"}`, "Idempotency-Key", "loc-1")
	if s4 != 201 || h4.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other credential, same key: %d", s4)
	}
	ls, _ := f.st.ListLocations(context.Background(), f.brand.ID)
	if len(ls) != 3 {
		t.Fatalf("locations: %d, want 3 (SEL, IDEM, IDEM3)", len(ls))
	}
	// An answer that shows a secret once is not kept for replays: the same
	// key again is 409, and no second partner (no second key) is made.
	body := `{"protocol":"omni","name":"POS idem"}`
	s5, b5, h5 := f.do("POST", "/hub/v1/partners", f.brandTok, body, "Idempotency-Key", "partner-1")
	if s5 != 201 || h5.Get("Cache-Control") != "no-store" || b5["credential"] == nil {
		t.Fatalf("create partner: %d %v", s5, b5)
	}
	s6, b6, _ := f.do("POST", "/hub/v1/partners", f.brandTok, body, "Idempotency-Key", "partner-1")
	if code, _ := errorOf(b6); s6 != 409 || code != "conflict" || strings.Contains(mustJSON(b6), "oho_") {
		t.Fatalf("replay of a secret-bearing answer: %d %v", s6, b6)
	}
	ps, _ := f.st.ListPartners(context.Background(), f.brand.ID)
	n := 0
	for _, p := range ps {
		if p.Name == "POS idem" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d partners named POS idem, want 1", n)
	}
}

func testPartners(t *testing.T, f *fixture) {
	status, body, _ := f.do("POST", "/hub/v1/partners", f.brandTok,
		`{"protocol":"zeek","name":"Zeek","location_ids":[`+itoa(f.loc.ID)+`],"settings":{"callback_url":"https://example.test/cb","price_policy":"accept"}}`)
	if status != 201 {
		t.Fatalf("create partner: %d %v", status, body)
	}
	cred := body["credential"].(map[string]any)
	if !strings.HasPrefix(cred["client_id"].(string), "ohc_") || !strings.HasPrefix(cred["client_secret"].(string), "ohs_") ||
		!strings.HasPrefix(body["callback_secret"].(string), "ohcb_") {
		t.Fatalf("issued: %v", body)
	}
	id := itoa(int64(body["id"].(float64)))
	status, body, _ = f.do("GET", "/hub/v1/partners/"+id, f.brandTok, "")
	if status != 200 || body["credential"] != nil || body["callback_secret"] != nil {
		t.Fatalf("secrets must not be shown again: %v", body)
	}
	status, body, _ = f.do("GET", "/hub/v1/partners/"+id+"/credentials", f.brandTok, "")
	creds := body["data"].([]any)
	if status != 200 || len(creds) != 1 || strings.Contains(mustJSON(body), "ohs_") {
		t.Fatalf("credentials list: %v", body)
	}
	for _, c := range []struct{ body, field string }{
		{`{"settings":{"callback_url":"ftp://x"}}`, "settings.callback_url"},
		{`{"settings":{"price_policy":"maybe"}}`, "settings.price_policy"},
		{`{"protocol":"omni"}`, "protocol"},
		{`{"location_ids":[999]}`, "location_ids"},
	} {
		status, body, _ := f.do("PATCH", "/hub/v1/partners/"+id, f.brandTok, c.body)
		if _, field := errorOf(body); status != 400 || field != c.field {
			t.Fatalf("PATCH %s: %d %v", c.body, status, body)
		}
	}
	credID := itoa(int64(creds[0].(map[string]any)["id"].(float64)))
	if status, _, _ := f.do("DELETE", "/hub/v1/partners/"+id+"/credentials/"+credID, f.brandTok, ""); status != 204 {
		t.Fatalf("revoke: %d", status)
	}
	if status, _, _ := f.do("GET", "/hub/v1/partners/"+id, f.otherTok, ""); status != 404 {
		t.Fatalf("other brand reads partner: %d", status)
	}
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// testEvents pages through a brand's outbox: only its own events, oldest
// first, cursor by cursor, and another brand's token sees none of them.
func testEvents(t *testing.T, f *fixture) {
	testutil.DispatchAll(t, f.st)
	var ids []float64
	cursor := ""
	for range 100 {
		status, body, _ := f.do("GET", "/hub/v1/events?limit=3"+cursor, f.brandTok, "")
		if status != 200 {
			t.Fatalf("events: %d %v", status, body)
		}
		for _, e := range body["data"].([]any) {
			ev := e.(map[string]any)
			if len(ids) > 0 && ev["id"].(float64) <= ids[len(ids)-1] {
				t.Fatalf("events out of order: %v after %v", ev["id"], ids[len(ids)-1])
			}
			ids = append(ids, ev["id"].(float64))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	all, err := f.st.ListBrandEvents(context.Background(), f.brand.ID, 0, 1000)
	if err != nil || len(all) == 0 || len(ids) != len(all) {
		t.Fatalf("paged %d events, the brand has %d (%v)", len(ids), len(all), err)
	}
	status, body, _ := f.do("GET", "/hub/v1/events", f.otherTok, "")
	if status != 200 || len(body["data"].([]any)) != 0 {
		t.Fatalf("other brand's events: %d %v", status, body)
	}
}

// TestOrdersPageOf500: limit=500 returns up to 500 orders (it returned 50:
// the API asked the store for 501, which the store took for nonsense) and
// a cursor only when there are more.
func TestOrdersPageOf500(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	ctx := context.Background()
	err := f.st.Update(ctx, func(tx store.Tx) error {
		now := time.Now().UTC()
		for i := range 501 {
			o := &hub.Order{Number: fmt.Sprintf("PAGE%04d", i), BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelHub,
				Type: hub.OrderPickUp, Currency: "KRW", Status: hub.StatusNew, PaymentStatus: hub.PaymentUnpaid, Version: 1,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateOrder(ctx, o, nil, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	status, body, _ := f.do("GET", "/hub/v1/orders?limit=500", f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 500 || body["next_cursor"] == nil {
		t.Fatalf("limit=500 of 501: %d, %d orders, next %v", status, len(body["data"].([]any)), body["next_cursor"])
	}
	status, body, _ = f.do("GET", "/hub/v1/orders?limit=500&cursor="+body["next_cursor"].(string), f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 1 || body["next_cursor"] != nil {
		t.Fatalf("the second page: %d, %d orders, next %v", status, len(body["data"].([]any)), body["next_cursor"])
	}
	if status, body, _ := f.do("GET", "/hub/v1/orders?limit=501", f.brandTok, ""); status != 400 {
		t.Fatalf("limit=501: %d %v", status, body)
	}
}

// TestConcurrentPatch: PATCHes of one product from two nodes at once, each
// adding its own name, all survive (they used to read outside their unit
// and write the whole document back).
func TestConcurrentPatch(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFixture(t, open())
		other := service.New(open(), service.WithOutbound(testutil.Outbound))
		srv2 := httptest.NewServer(server.Handler(server.Config{}, other, slog.New(slog.NewTextHandler(io.Discard, nil))))
		t.Cleanup(srv2.Close)
		bases := []string{f.srv.URL, srv2.URL}
		const n = 16
		var wg sync.WaitGroup
		start := make(chan struct{})
		codes := make([]int, n)
		send := func(i int, path, body string) {
			req, _ := http.NewRequest("PATCH", bases[i%2]+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+f.brandTok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes[i] = res.StatusCode
		}
		for i := range n {
			wg.Go(func() {
				<-start
				send(i, "/hub/v1/products/"+strconv.FormatInt(f.rice.ID, 10), fmt.Sprintf(`{"name": {"x-%02d": "v"}}`, i))
			})
		}
		close(start)
		wg.Wait()
		for i, c := range codes {
			if c != 200 {
				t.Fatalf("PATCH %d: %d", i, c)
			}
		}
		p, err := f.st.GetProduct(context.Background(), f.brand.ID, f.rice.ID)
		if err != nil || len(p.Name) != n+1 {
			t.Fatalf("%d names after %d concurrent PATCHes, want %d: %v %v", len(p.Name), n, n+1, p.Name, err)
		}
	})
}
