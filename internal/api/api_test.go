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
	"orderhub/internal/testutil/harness"
)

type fixture struct {
	*harness.Harness
	operator string
	brandTok string // token of brand 1
	otherTok string // token of brand 2
	brand    *hub.Brand
	other    *hub.Brand
	loc      *hub.Location
	rice     *hub.Product
}

// testCatalog is the fixture's data: a KRW brand with a location, a
// product and a token, a USD brand with a token, an operator token.
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand:     hub.Brand{Name: "Hanok", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true},
		Locations: []hub.Location{{Code: "SEL", Name: "Seoul", Timezone: "Asia/Seoul"}},
		Products:  []harness.Product{{Ref: "P001", Name: hub.I18n{"en": "Rice bowl"}, Price: 9500, DeductStock: true}},
		Tokens:    []string{"brand"},
	}, {
		Brand:  hub.Brand{Name: "Other", Currency: "USD"},
		Tokens: []string{"other"},
	}}, OperatorToken: "op"}
}

// newFixture builds the fixture on st; opts are added to the service's
// (a clock, say).
func newFixture(t *testing.T, st store.Store, opts ...service.Option) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{
		Options: append([]service.Option{server.Protocols().Option()}, opts...), Data: testCatalog()})}
	f.brand, f.other, f.loc, f.rice = f.Brand(0), f.Brand(1), f.Location(t, "SEL"), f.Product(t, "P001")
	f.operator, f.brandTok, f.otherTok = f.Token(t, ""), f.Token(t, "brand"), f.Token(t, "other")
	f.Serve(server.Handler(server.Config{}, f.Svc, harness.Quiet()), serverDoc(t))
	return f
}

// serverDoc is the served API description (GET /openapi.json), which the
// fixture's traffic is checked against (testutil.ValidatingHandler).
func serverDoc(t *testing.T) []byte {
	t.Helper()
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// validated checks every request and answer of h against the served API
// description (testutil.ValidatingHandler).
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	return testutil.ValidatingHandler(t, serverDoc(t), h)
}

// do sends a request with a bearer token ("" for none) and returns the
// status, the decoded JSON body and the headers.
func (f *fixture) do(method, path, token, body string, headers ...string) (int, map[string]any, http.Header) {
	f.T.Helper()
	if token != "" {
		headers = append([]string{"Authorization", "Bearer " + token}, headers...)
	}
	r := f.Do(method, path, body, headers...)
	var m map[string]any
	if len(r.Body) > 0 {
		m = r.Object(f.T)
	}
	return r.Status, m, r.Header
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

// errorJSON is the native error envelope a scenario wants, with its field
// when there is one.
func errorJSON(code, field string) string {
	if field == "" {
		return fmt.Sprintf(`{"error": {"code": %q}}`, code)
	}
	return fmt.Sprintf(`{"error": {"code": %q, "details": {"field": %q}}}`, code, field)
}

func testAuth(t *testing.T, f *fixture) {
	f.Scenarios(t, []testutil.Scenario{
		{Name: "no token", Method: "GET", Path: "/hub/v1/brands", Status: 401, JSON: errorJSON("unauthorized", ""),
			WantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="orderhub"`}},
		{Name: "wrong token", Method: "GET", Path: "/hub/v1/brands", Token: "ohh_wrong", Status: 401, JSON: errorJSON("unauthorized", ""),
			WantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="orderhub", error="invalid_token"`}},
		{Name: "another scheme", Method: "GET", Path: "/hub/v1/brands", Header: map[string]string{"Authorization": "Basic " + f.brandTok},
			Status: 401, JSON: errorJSON("unauthorized", "")},
		// The scheme is case-insensitive (RFC 9110 §11.1).
		{Name: "scheme in lower case", Method: "GET", Path: "/hub/v1/brands", Header: map[string]string{"Authorization": "bearer " + f.brandTok},
			Status: 200, JSON: fmt.Sprintf(`{"data": [{"id": %d}]}`, f.brand.ID)},
		// A brand token sees its own brand only; others are not found.
		{Name: "brand token lists its brand", Method: "GET", Path: "/hub/v1/brands", Token: f.brandTok,
			Status: 200, JSON: fmt.Sprintf(`{"data": [{"id": %d, "name": "Hanok"}]}`, f.brand.ID)},
		{Name: "other brand's location", Method: "GET", Path: "/hub/v1/locations/" + itoa(f.loc.ID), Token: f.otherTok,
			Status: 404, JSON: errorJSON("not_found", "")},
		{Name: "other brand's product", Method: "GET", Path: "/hub/v1/products/" + itoa(f.rice.ID), Token: f.otherTok,
			Status: 404, JSON: errorJSON("not_found", "")},
		{Name: "brand token creating a brand", Method: "POST", Path: "/hub/v1/brands", Token: f.brandTok, Body: `{"name":"X","currency":"KRW"}`,
			Status: 403, JSON: errorJSON("forbidden", ""),
			After: func(t *testing.T, _ []byte) {
				if bs, err := f.Store.ListBrands(t.Context()); err != nil || len(bs) != 2 {
					t.Fatalf("%d brands stored, want 2 (%v)", len(bs), err)
				}
			}},
		// An operator must say which brand.
		{Name: "operator without brand_id", Method: "GET", Path: "/hub/v1/orders", Token: f.operator,
			Status: 400, JSON: errorJSON("invalid", "brand_id")},
	})
}

func testBadInput(t *testing.T, f *fixture) {
	bad := func(name, method, path, body string, status int, code, field string) testutil.Scenario {
		return testutil.Scenario{Name: name, Method: method, Path: path, Token: f.brandTok, Body: body,
			Status: status, JSON: errorJSON(code, field)}
	}
	order := func(lines string) string { return `{"location_id":` + itoa(f.loc.ID) + `,"lines":` + lines + `}` }
	brand := "/hub/v1/brands/" + itoa(f.brand.ID)
	f.Scenarios(t, []testutil.Scenario{
		bad("malformed JSON", "POST", "/hub/v1/locations", `{"code":`, 400, "invalid", "body"),
		bad("unknown field", "POST", "/hub/v1/locations", `{"code":"X","nmae":"x"}`, 400, "invalid", "nmae"),
		bad("wrong type", "POST", "/hub/v1/locations", `{"code":5}`, 400, "invalid", "code"),
		bad("missing name", "POST", "/hub/v1/locations", `{"code":"BSN","timezone":"Asia/Seoul"}`, 400, "invalid", "name"),
		bad("bad zone", "POST", "/hub/v1/locations", `{"code":"BSN","name":"Busan","timezone":"Mars/Base"}`, 400, "invalid", "timezone"),
		bad("duplicate code", "POST", "/hub/v1/locations", `{"code":"SEL","name":"Seoul 2","timezone":"Asia/Seoul"}`, 400, "invalid", "code"),
		bad("bad currency", "PATCH", brand, `{"currency":"won"}`, 400, "invalid", "currency"),
		bad("another currency", "PATCH", brand, `{"currency":"USD"}`, 400, "invalid", "currency"),
		bad("negative price", "POST", "/hub/v1/products", `{"name":{"en":"x"},"price":-1}`, 400, "invalid", "price"),
		bad("no lines", "POST", "/hub/v1/orders", order(`[]`), 400, "invalid", "lines"),
		bad("unknown product", "POST", "/hub/v1/orders", order(`[{"product":"NOPE","quantity":1}]`), 404, "not_found", "lines[0].product"),
		bad("zero quantity", "POST", "/hub/v1/orders", order(`[{"product":"P001","quantity":0}]`), 400, "invalid", "lines[0].quantity"),
		bad("price mismatch", "POST", "/hub/v1/orders", order(`[{"product":"P001","quantity":1,"unit_price":1}]`), 400, "invalid", "lines[0].price"),
		bad("bad status filter", "GET", "/hub/v1/orders?status=eaten", "", 400, "invalid", "status"),
		bad("bad limit", "GET", "/hub/v1/orders?limit=-1", "", 400, "invalid", "limit"),
		bad("unknown action", "POST", "/hub/v1/orders/X/actions/eat", "", 404, "not_found", ""),
		bad("unknown path", "GET", "/hub/v1/nothing", "", 404, "not_found", ""),
		bad("wrong method", "DELETE", "/hub/v1/brands", "", 405, "method_not_allowed", ""),
		{Name: "PUT on a GET-only path", Method: "PUT", Path: "/hub/v1/orders/X/history", Token: f.brandTok,
			Status: 405, JSON: errorJSON("method_not_allowed", ""), WantHeader: map[string]string{"Allow": "GET"}},
		{Name: "the brand is unchanged", Method: "GET", Path: brand, Token: f.brandTok,
			Status: 200, JSON: `{"name": "Hanok", "currency": "KRW"}`,
			After: func(t *testing.T, _ []byte) {
				// Nothing of the refused orders and locations was stored.
				os, err := f.Store.ListOrders(t.Context(), store.OrderFilter{BrandID: f.brand.ID})
				if err != nil || len(os) != 0 {
					t.Fatalf("refused orders left %d rows (%v)", len(os), err)
				}
				if ls, err := f.Store.ListLocations(t.Context(), f.brand.ID); err != nil || len(ls) != 1 {
					t.Fatalf("refused locations left %d rows (%v)", len(ls), err)
				}
			}},
	})
}

func testStock(t *testing.T, f *fixture) {
	path := "/hub/v1/locations/" + itoa(f.loc.ID) + "/stock/" + itoa(f.rice.ID)
	put := func(name, body string, status int, want string) testutil.Scenario {
		return testutil.Scenario{Name: name, Method: "PUT", Path: path, Token: f.brandTok, Body: body, Status: status, JSON: want}
	}
	quantity := func(q string) string { return `{"quantity": ` + q + `}` }
	f.Scenarios(t, []testutil.Scenario{
		{Name: "untracked", Method: "GET", Path: path, Token: f.brandTok, Status: 200, JSON: quantity("null")},
		put("tracked", `{"quantity": 3}`, 200, quantity("3")),
		put("untracked again", `{"quantity": null}`, 200, quantity("null")),
		put("two", `{"quantity": 2}`, 200, quantity("2")),
		put("negative", `{"quantity": -1}`, 400, errorJSON("invalid", "quantity")),
		put("missing", `{}`, 400, errorJSON("invalid", "quantity")),
		put("a string", `{"quantity": "3"}`, 400, errorJSON("invalid", "quantity")),
		// A quantity a cancel could overflow (it was taken, and then the
		// order could never be cancelled) names the field.
		put("the largest int64", `{"quantity": 9223372036854775807}`, 400, errorJSON("invalid", "quantity")),
		put("above the bound", `{"quantity": 1000000001}`, 400, errorJSON("invalid", "quantity")),
		put("the bound", `{"quantity": 1000000000}`, 200, quantity("1000000000")),
		put("two again", `{"quantity": 2}`, 200, quantity("2")),
		{Name: "after the PUTs", Method: "GET", Path: path, Token: f.brandTok, Status: 200, JSON: quantity("2"),
			After: func(t *testing.T, _ []byte) {
				q, err := f.Store.GetStock(t.Context(), f.loc.ID, f.rice.ID)
				if err != nil || q == nil || *q != 2 {
					t.Fatalf("stored stock %v, %v; want 2", q, err)
				}
			}},
	})
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
	ls, _ := f.Store.ListLocations(context.Background(), f.brand.ID)
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
	ps, _ := f.Store.ListPartners(context.Background(), f.brand.ID)
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
	testutil.DispatchAll(t, f.Store)
	var ids []float64
	cursor := ""
	for range 100 {
		status, body, _ := f.do("GET", "/hub/v1/events?limit=3"+cursor, f.brandTok, "")
		if status != 200 {
			t.Fatalf("events: %d %v", status, body)
		}
		data := body["data"].([]any)
		for _, e := range data {
			ev := e.(map[string]any)
			if len(ids) > 0 && ev["id"].(float64) <= ids[len(ids)-1] {
				t.Fatalf("events out of order: %v after %v", ev["id"], ids[len(ids)-1])
			}
			ids = append(ids, ev["id"].(float64))
		}
		// Every page with events, the last partial one too, says where to
		// go on (the last event's seq); an empty page says nothing.
		next, _ := body["next_cursor"].(string)
		if len(data) > 0 && next != fmt.Sprint(data[len(data)-1].(map[string]any)["seq"]) {
			t.Fatalf("page of %d events: next_cursor %q, want the last seq", len(data), next)
		}
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	all, err := f.Store.ListBrandEvents(context.Background(), f.brand.ID, 0, 1000)
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
	err := f.Store.Update(ctx, func(tx store.Tx) error {
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
		const n = 16
		bodies := make([]string, n)
		for i := range n {
			bodies[i] = fmt.Sprintf(`{"name": {"x-%02d": "v"}}`, i)
		}
		patchAtOnce(t, []string{f.Srv.URL, srv2.URL}, f.brandTok, "/hub/v1/products/"+strconv.FormatInt(f.rice.ID, 10), bodies)
		p, err := f.Store.GetProduct(context.Background(), f.brand.ID, f.rice.ID)
		if err != nil || len(p.Name) != n+1 {
			t.Fatalf("%d names after %d concurrent PATCHes, want %d: %v %v", len(p.Name), n, n+1, p.Name, err)
		}
	})
}

// TestConcurrentPartnerPatch: in each round four PATCHes of one partner,
// each of another field, go to two nodes at once, and then four of its
// brand; every field holds its round's value after the round (PATCH used to read the partner outside
// its unit and write the whole document back, so one PATCH undid
// another's field).
func TestConcurrentPartnerPatch(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFixture(t, open())
		other := service.New(open(), server.Protocols().Option())
		srv2 := httptest.NewServer(server.Handler(server.Config{}, other, slog.New(slog.NewTextHandler(io.Discard, nil))))
		t.Cleanup(srv2.Close)
		pr := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelOmni, Name: "POS"}
		if _, _, err := f.Svc.CreatePartner(context.Background(), pr); err != nil {
			t.Fatal(err)
		}
		path := "/hub/v1/partners/" + itoa(pr.ID)
		bases := []string{f.Srv.URL, srv2.URL}
		for round := range 8 {
			bodies := []string{
				fmt.Sprintf(`{"name": "POS %d"}`, round),
				fmt.Sprintf(`{"settings": {"callback_url": "https://pos.example/%d"}}`, round),
				fmt.Sprintf(`{"settings": {"inventory_timeout_ms": %d}}`, 1000+round),
				fmt.Sprintf(`{"location_ids": [%d], "disabled": %t}`, f.loc.ID, round%2 == 1),
			}
			patchAtOnce(t, bases, f.brandTok, path, bodies)
			got, err := f.Store.GetPartner(context.Background(), pr.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != fmt.Sprintf("POS %d", round) || got.Settings.CallbackURL != fmt.Sprintf("https://pos.example/%d", round) ||
				got.Settings.InventoryTimeoutMS != 1000+round || len(got.LocationIDs) != 1 || got.Disabled != (round%2 == 1) {
				t.Fatalf("round %d: a concurrent PATCH was lost: %+v", round, got)
			}
			// The brand's fields likewise.
			patchAtOnce(t, bases, f.brandTok, "/hub/v1/brands/"+itoa(f.brand.ID), []string{
				fmt.Sprintf(`{"name": "Hanok %d"}`, round),
				fmt.Sprintf(`{"tax_rate_bp": %d}`, 100+round),
				fmt.Sprintf(`{"service_charge_bp": %d}`, 200+round),
				fmt.Sprintf(`{"tax_included": %t}`, round%2 == 1),
			})
			b, err := f.Store.GetBrand(context.Background(), f.brand.ID)
			if err != nil {
				t.Fatal(err)
			}
			if b.Name != fmt.Sprintf("Hanok %d", round) || b.TaxRateBP != int64(100+round) || b.ServiceChargeBP != int64(200+round) ||
				b.TaxIncluded != (round%2 == 1) {
				t.Fatalf("round %d: a concurrent brand PATCH was lost: %+v", round, b)
			}
		}
	})
}

// patchAtOnce sends one PATCH of path per body, all at once, spread over
// the servers at bases (two nodes), and fails the test unless every one
// answers 200.
func patchAtOnce(t *testing.T, bases []string, token, path string, bodies []string) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	codes := make([]int, len(bodies))
	for i, body := range bodies {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("PATCH", bases[i%len(bases)]+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("PATCH %s %s: %d, want 200", path, bodies[i], c)
		}
	}
}
