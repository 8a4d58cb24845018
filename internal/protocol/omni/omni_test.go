package omni

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

const invalidToken = `{"detail": "Invalid token"}`

func TestAuth(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	kakao := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelKakao}
	kakaoKey, _, err := f.Svc.CreatePartner(f.Ctx, kakao)
	must(t, err)
	revoked, err := f.Svc.IssueCredential(f.Ctx, f.partner.ID)
	must(t, err)
	must(t, f.Svc.RevokeCredential(f.Ctx, f.partner.ID, revoked.ID))

	var table []testutil.Scenario
	for _, tc := range []struct {
		name string
		auth *string // nil: no Authorization header
	}{
		{"missing", nil},
		{"empty", ptr("")},
		{"scheme only", ptr("token")},
		{"scheme and space", ptr("token ")},
		{"bearer", ptr("Bearer " + f.key)},
		{"raw key", ptr(f.key)},
		{"wrong key", ptr("token oho_wrong")},
		{"revoked key", ptr("token " + revoked.APIKey)},
		{"another protocol's key", ptr("token " + kakaoKey.APIKey)},
	} {
		for _, call := range callNames {
			s := f.scenario(tc.name+" "+call, call, `{"order": "FR9TL74P"}`, http.StatusUnauthorized, invalidToken)
			delete(s.Header, "Authorization")
			if tc.auth != nil {
				s.Header["Authorization"] = *tc.auth
			}
			s.WantHeader["WWW-Authenticate"] = "Token"
			table = append(table, s)
		}
	}
	f.Scenarios(t, table)
	if n := f.history(f.order.ID); n != 1 {
		t.Errorf("refused calls wrote history: %d rows", n)
	}
	// The scheme is case-insensitive.
	r := f.Do(http.MethodPost, "/api/store/orders/confirm", `{"number": "FR9TL74P"}`, "Authorization", "Token "+f.key)
	expect(t, "Token scheme", r, http.StatusOK, "")

	// A disabled partner's key stops working.
	f.partner.Disabled = true
	must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
	expect(t, "disabled partner", f.post("paid", `{"order": "FR9TL74P"}`), http.StatusUnauthorized, invalidToken)
}

func TestScope(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	notFound := func(key string) string { return errBody(key, "invalid_order_number", "Order not found") }

	// Another brand's omni partner, with an order of its own numbered like
	// ours: it sees its own order only.
	other := &hub.Brand{Name: "Pizza Lord", Currency: "IDR"}
	must(t, f.Svc.CreateBrand(f.Ctx, other))
	otherLoc := &hub.Location{BrandID: other.ID, Code: "P1", Name: "Pizza Lord 1", Timezone: "Asia/Jakarta"}
	must(t, f.Svc.CreateLocation(f.Ctx, otherLoc))
	op := &hub.Partner{BrandID: other.ID, Protocol: hub.ChannelOmni}
	opKey, _, err := f.Svc.CreatePartner(f.Ctx, op)
	must(t, err)
	for i, call := range callNames {
		key := "order"
		if i == 0 {
			key = "number"
		}
		for _, ref := range []string{seedNumber, strconv.FormatInt(f.order.ID, 10)} {
			r := f.Do(http.MethodPost, "/api/store/orders/"+call, fmt.Sprintf(`{%q: %q}`, key, ref),
				"Authorization", "token "+opKey.APIKey)
			expect(t, "other brand "+call+" "+ref, r, http.StatusBadRequest, notFound(key))
		}
	}

	// A partner of the same brand limited to the other location.
	lp := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelOmni, LocationIDs: []int64{f.loc2.ID}}
	lpKey, _, err := f.Svc.CreatePartner(f.Ctx, lp)
	must(t, err)
	r := f.Do(http.MethodPost, "/api/store/orders/cancel", `{"order": "FR9TL74P"}`, "Authorization", "token "+lpKey.APIKey)
	expect(t, "other location", r, http.StatusBadRequest, notFound("order"))
	// ...but its own location's orders are fine.
	o := f.place(service.PlaceOrderInput{LocationID: f.loc2.ID})
	r = f.Do(http.MethodPost, "/api/store/orders/cancel", fmt.Sprintf(`{"order": %q}`, o.Number), "Authorization", "token "+lpKey.APIKey)
	expect(t, "own location", r, http.StatusOK, "")

	got, err := f.Store.GetOrder(f.Ctx, f.order.ID)
	must(t, err)
	if got.Status != hub.StatusNew || got.PaymentStatus != hub.PaymentUnpaid || f.history(f.order.ID) != 1 {
		t.Errorf("out-of-scope calls changed the order: %v/%v", got.Status, got.PaymentStatus)
	}
}

func TestHTTPS(t *testing.T) {
	const forbidden = `{"detail": "Please use https instead of http"}`
	local := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name   string
		cfg    Config
		tls    bool
		xfp    []string
		status int
	}{
		{"not required", Config{}, false, nil, 200},
		{"plain http", Config{RequireHTTPS: true}, false, nil, 403},
		{"tls", Config{RequireHTTPS: true}, true, nil, 200},
		{"forwarded, no trusted proxies", Config{RequireHTTPS: true}, false, []string{"https"}, 403},
		{"forwarded by an untrusted peer", Config{RequireHTTPS: true, TrustedProxies: elsewhere}, false, []string{"https"}, 403},
		{"forwarded by a trusted proxy", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"https"}, 200},
		{"forwarded, upper case", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"HTTPS"}, 200},
		{"trusted proxy saw http", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"http"}, 403},
		{"trusted proxy, no header", Config{RequireHTTPS: true, TrustedProxies: local}, false, nil, 403},
		{"list, last is ours", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"http, https"}, 200},
		{"list, spoofed first", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"https, http"}, 403},
		{"two headers, last counts", Config{RequireHTTPS: true, TrustedProxies: local}, false, []string{"https", "http"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil, tc.cfg, tc.tls)
			hdr := []string{"Authorization", "token " + f.key}
			for _, v := range tc.xfp {
				hdr = append(hdr, "X-Forwarded-Proto", v)
			}
			r := f.Do(http.MethodPost, "/api/store/orders/confirm", `{"number": "FR9TL74P"}`, hdr...)
			body := ""
			if tc.status == 403 {
				body = forbidden
			}
			expect(t, tc.name, r, tc.status, body)
			if tc.status == 403 {
				// Refused before anything else: no token needed, nothing changed.
				expect(t, tc.name+" without token", f.Do(http.MethodPost, "/api/store/orders/confirm", `{}`), 403, forbidden)
				expect(t, tc.name+" GET", f.Do(http.MethodGet, "/api/store/orders/paid", ""), 403, forbidden)
				if n := f.history(f.order.ID); n != 1 {
					t.Errorf("history rows %d", n)
				}
			}
		})
	}
}

func TestMethods(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	for i, call := range callNames {
		path := "/api/store/orders/" + call
		r := f.Do(http.MethodOptions, path, "")
		name := []string{"Confirm Order", "Paid Order", "Complete Order", "Cancel Order"}[i]
		if r.Status != 200 {
			t.Errorf("OPTIONS %s: %d", path, r.Status)
		}
		checkHeaders(t, "OPTIONS "+path, r.Header, seedHeaders)
		m, ok := testutil.DecodeJSON(t, r.Body).(map[string]any)
		if !ok || m["name"] != name || m["description"] == "" {
			t.Errorf("OPTIONS %s: %s", path, r.Body)
		}
		var table []testutil.Scenario
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			s := f.scenario(method+" "+path, call, `{"order": "FR9TL74P"}`, http.StatusMethodNotAllowed,
				fmt.Sprintf(`{"detail": "Method \"%s\" not allowed."}`, method))
			s.Method = method
			delete(s.Header, "Content-Type")
			table = append(table, s)
		}
		f.Scenarios(t, table)
		r = f.Do(http.MethodHead, path, "")
		if r.Status != http.StatusMethodNotAllowed || len(r.Body) != 0 {
			t.Errorf("HEAD %s: %d %q", path, r.Status, r.Body)
		}
		checkHeaders(t, "HEAD "+path, r.Header, seedHeaders)
	}
	if n := f.history(f.order.ID); n != 1 {
		t.Errorf("wrong methods wrote history: %d rows", n)
	}
}

func TestBody(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	type tc struct {
		call, body string
		status     int
		want       string
	}
	var cases []tc
	for i, call := range callNames {
		doc := "order"
		if i == 0 {
			doc = "number"
		}
		cases = append(cases,
			tc{call, ``, 400, errBody(doc, "required", "This field is required.")},
			tc{call, `{}`, 400, errBody(doc, "required", "This field is required.")},
			tc{call, `{"numbr": "FR9TL74P"}`, 400, errBody(doc, "required", "This field is required.")},
			tc{call, `{"order": null}`, 400, errBody("order", "null", "This field may not be null.")},
			tc{call, `{"number": "  "}`, 400, errBody("number", "blank", "This field may not be blank.")},
			tc{call, `{"order": {"number": "FR9TL74P"}}`, 400, errBody("order", "invalid", "Not a valid string.")},
			tc{call, `{"number": ["FR9TL74P"]}`, 400, errBody("number", "invalid", "Not a valid string.")},
			tc{call, `{"order": true}`, 400, errBody("order", "invalid", "Not a valid string.")},
			tc{call, `{"order": "NOPE"}`, 400, errBody("order", "invalid_order_number", "Order not found")},
			tc{call, `{"number": "NOPE"}`, 400, errBody("number", "invalid_order_number", "Order not found")},
			tc{call, `{"order": 999}`, 400, errBody("order", "invalid_order_number", "Order not found")},
		)
		for _, bad := range []string{`{"number":`, `{"number": "FR9TL74P"`, `not json`, `[]`, `"FR9TL74P"`, `null`, `42`,
			`{"number": "FR9TL74P"} {}`, `{"number": "FR9TL74P"} x`} {
			cases = append(cases, tc{call, bad, 400, ""})
		}
	}
	var table []testutil.Scenario
	for _, c := range cases {
		s := f.scenario(c.call+" "+c.body, c.call, c.body, c.status, c.want)
		if c.want == "" {
			s.After = func(t *testing.T, body []byte) {
				m, ok := testutil.DecodeJSON(t, body).(map[string]any)
				errs, _ := m["errors"].(map[string]any)
				if !ok || m["error_code"] != "parse_error" || errs["non_field_errors"] != m["error_message"] || len(errs) != 1 {
					t.Errorf("%s %q: %s", c.call, c.body, body)
				}
			}
		}
		table = append(table, s)
	}
	f.Scenarios(t, table)
	if n := f.history(f.order.ID); n != 1 {
		t.Fatalf("bad bodies wrote history: %d rows", n)
	}

	// Either key works on every call, and errors name the key used.
	expect(t, "confirm by order", f.post("confirm", `{"order": "FR9TL74P"}`), 200, "")
	expect(t, "paid by number", f.post("paid", `{"number": "FR9TL74P"}`), 200, "")
	expect(t, "paid by number again", f.post("paid", `{"number": "FR9TL74P"}`), 400, errBody("number", "already_paid", "Order already paid"))
	expect(t, "confirm by order again", f.post("confirm", `{"order": "FR9TL74P"}`), 400, errBody("order", "invalid_status", "Order has been confirmed"))
	// When both are sent, the call's documented key wins.
	expect(t, "both keys", f.post("confirm", `{"number": "FR9TL74P", "order": "NOPE"}`), 400,
		errBody("number", "invalid_status", "Order has been confirmed"))
	expect(t, "both keys, other call", f.post("paid", `{"number": "FR9TL74P", "order": "NOPE"}`), 400,
		errBody("order", "invalid_order_number", "Order not found"))
	// A hub id names an order on /hub/v1 only (DESIGN.md §10); the number
	// and the order's other references do here.
	expect(t, "hub id", f.post("complete", `{"order": 1}`), 400, errBody("order", "invalid_order_number", "Order not found"))
	expect(t, "by number", f.post("complete", `{"order": "FR9TL74P"}`), 200, "")
	o := f.place(service.PlaceOrderInput{Channel: hub.ChannelTableOrder, ExternalRef: "QR-778"})
	expect(t, "channel id", f.post("cancel", `{"order": "QR-778"}`), 200, "")
	if got, _ := f.Store.GetOrder(f.Ctx, o.ID); got.Status != hub.StatusCancelled {
		t.Errorf("order by channel id: %v", got.Status)
	}
	// Unknown fields are ignored; the content type is not enforced.
	p := f.place(service.PlaceOrderInput{})
	r := f.Do(http.MethodPost, "/api/store/orders/confirm", fmt.Sprintf(`{"number": %q, "note": "x"}`, p.Number),
		"Authorization", "token "+f.key, "Content-Type", "text/plain")
	expect(t, "text/plain", r, 200, "")

	// A body over the limit.
	big := `{"number": "` + strings.Repeat("A", 1<<20) + `"}`
	r = f.post("confirm", big)
	if want := `{"detail":"Request body too large: request body exceeds 1048576 bytes."}` + "\n"; r.Status != 413 || string(r.Body) != want {
		t.Errorf("large body: %d %s, want 413 %s", r.Status, r.Body, want)
	}
}

func TestInternalErrorIsNotLeaked(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	var logs bytes.Buffer
	f.h.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.Store.Close()
	r := f.post("confirm", `{"number": "FR9TL74P"}`)
	expect(t, "closed store", r, http.StatusInternalServerError, `{"detail": "A server error occurred."}`)
	if !strings.Contains(logs.String(), "omni: internal error") || !strings.Contains(logs.String(), "call=confirm") {
		t.Errorf("no log line: %q", logs.String())
	}
	if strings.Contains(string(r.Body), "sql") || strings.Contains(string(r.Body), "database") {
		t.Errorf("body leaks: %s", r.Body)
	}
}

// TestAnyChannel renders orders that came in through every channel.
func TestAnyChannel(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	for _, tc := range []struct {
		channel hub.Channel
		code    int
		method  string
		payCode int
	}{
		{hub.ChannelKakao, 1, "kakaopay", 3},
		{hub.ChannelZeek, 1, "paypal", 3},
		{hub.ChannelHub, 2, "Credit-Card", 2},
		{hub.ChannelJunglebook, 4, "bank_transfer", 4},
		{hub.ChannelTableOrder, 4, "", 0},
		{hub.ChannelOmni, 2, "voucher", 5},
	} {
		o := f.place(service.PlaceOrderInput{
			Channel: tc.channel, Type: hub.OrderDelivery, PaymentMethod: tc.method, DeliveryFee: 1500000,
			Customer: hub.Customer{ID: "kakao-8f2", Name: "김민수", Phone: "010-1234-5678"},
			Delivery: &hub.Delivery{ReceiverName: "Kim", Phone: "02-123-4567", Mobile: "010-1234-5678", ZipCode: "12190",
				Address: "Jl. Senopati 10", Address2: "Lt. 2", Memo: "Ring twice"},
		})
		r := f.post("confirm", fmt.Sprintf(`{"number": %q}`, o.Number))
		want := fmt.Sprintf(`{
			"id": %d, "number": %q, "total": 36364.0, "tax": 3636.4, "serviceCharge": 0.0, "grandTotal": 55000.4,
			"tableNumber": "", "channel": %d, "notes": "", "status": 10, "deliveryStatus": 10, "statusText": "Confirmed",
			"storeName": "Burger God", "userID": 0, "created": %d, "paymentMethod": %d, "paymentStatus": 1,
			"user": {"id": 0, "name": "김민수", "phone": "010-1234-5678"},
			"delivery_info": {"receiver_name": "Kim", "phone": "02-123-4567", "mobile": "010-1234-5678", "zip_code": "12190",
				"address": "Jl. Senopati 10", "address2": "Lt. 2", "memo": "Ring twice", "delivery_fee": 15000.0}}`,
			o.ID, o.Number, tc.code, o.CreatedAt.Unix(), tc.payCode)
		expect(t, string(tc.channel), r, 200, want)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	send := func(body string) response {
		return f.Do(http.MethodPost, "/api/store/orders/paid", body,
			"Content-Type", "application/json", "Authorization", "token "+f.key, "Idempotency-Key", "k-1")
	}
	first := send(`{"order": "FR9TL74P"}`)
	expect(t, "first", first, 200, "")
	again := send(`{"order": "FR9TL74P"}`)
	expect(t, "replay", again, 200, string(first.Body))
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay not marked: %v", again.Header)
	}
	if n := f.history(f.order.ID); n != 2 {
		t.Errorf("history rows %d, want 2 (create, pay)", n)
	}
	msg := "Idempotency-Key was already used for a different request"
	expect(t, "other body", send(`{"number": "FR9TL74P"}`), http.StatusUnprocessableEntity,
		errBody("non_field_errors", "idempotency_key_reused", msg))
	// Without the key, the same call is refused as usual.
	expect(t, "no key", f.post("paid", `{"order": "FR9TL74P"}`), 400, errBody("order", "already_paid", "Order already paid"))
}

// TestAmbiguousReference (DESIGN.md §10): a reference that names two
// orders is refused with both named, never resolved to one of them
// silently; an order named by another of its ids is answered with the
// reference the POS sent.
func TestAmbiguousReference(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	hubOrder := f.place(service.PlaceOrderInput{Channel: hub.ChannelHub, ExternalRef: "FR9-EXT"})
	qr := f.place(service.PlaceOrderInput{Channel: hub.ChannelTableOrder, ExternalRef: hubOrder.Number})
	r := f.post("confirm", `{"number": "`+hubOrder.Number+`"}`)
	if r.Status != 400 || !strings.Contains(string(r.Body), `"error_code":"ambiguous_reference"`) ||
		!strings.Contains(string(r.Body), hubOrder.Number+" (hub)") || !strings.Contains(string(r.Body), qr.Number+" (tableorder)") {
		t.Fatalf("a hub number equal to a QR id: %d %s", r.Status, r.Body)
	}
	// Two channels' ids alike.
	qr2 := f.place(service.PlaceOrderInput{Channel: hub.ChannelTableOrder, ExternalRef: "FR9-EXT"})
	r = f.post("confirm", `{"number": "FR9-EXT"}`)
	if r.Status != 400 || !strings.Contains(string(r.Body), hubOrder.Number) || !strings.Contains(string(r.Body), qr2.Number) {
		t.Fatalf("two channels' ids alike: %d %s", r.Status, r.Body)
	}
	for _, o := range []*hub.Order{hubOrder, qr, qr2} {
		if got, _ := f.Store.GetOrder(f.Ctx, o.ID); got.Status != hub.StatusNew {
			t.Fatalf("order %s moved to %v by an ambiguous reference", o.Number, got.Status)
		}
	}
	// Named by its own number, each is found; the answer echoes the
	// reference sent.
	r = f.post("confirm", `{"number": "`+qr.Number+`"}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"number":"`+qr.Number+`"`) {
		t.Fatalf("by its number: %d %s", r.Status, r.Body)
	}
	only := f.place(service.PlaceOrderInput{Channel: hub.ChannelTableOrder, ExternalRef: "QR-ONLY"})
	r = f.post("confirm", `{"number": "QR-ONLY"}`)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"number":"QR-ONLY"`) || strings.Contains(string(r.Body), only.Number) {
		t.Fatalf("by its channel id, the answer must echo it: %d %s", r.Status, r.Body)
	}
}
