package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/world"
)

// The auth matrix (issue 14): every route the server registers — read from
// the registration itself (server.Routes on a recording mux), the native
// API, each protocol of the registry, the dashboard and /metrics — is
// tried with no credential, a wrong one, another protocol's, a revoked one
// and another brand's, and each must be refused in that surface's own
// envelope. A route is either a row of the matrix or an exemption with its
// reason; a registered route that is neither fails the test, and so does a
// row or exemption for a route no longer registered. Each row also sends
// its request with the right credential (last, after every refusal), which
// must not be refused for its credential: the refusals are the
// credential's, not the request's.

// exemptions are the routes that need no credential, and why.
var exemptions = map[string]string{
	"GET /healthz":          "liveness probe: status and version only",
	"GET /readyz":           "readiness probe for load balancers",
	"GET /openapi.json":     "the public API description",
	"GET /{$}":              "redirects to the dashboard",
	"GET /ui/static/{name}": "the dashboard's stylesheet and script",
	"GET /ui/login":         "the dashboard's login page",
	"POST /ui/login":        "the dashboard's login (the admin's password is the credential)",
	"/api/v1.0/auth/token":  "Zeek's GetAccessToken: the client credentials in the body are the login",
	"POST /v1/auth/login":   "the QR client's token endpoint: the client credentials are the login",
}

// surface is how one surface authenticates and refuses.
type surface struct {
	name string
	// credential sets a credential on a request (the case's value).
	credential func(r *http.Request, value string)
	// refused checks a refusal of the case in the surface's envelope.
	refused func(t *testing.T, c string, rr *httptest.ResponseRecorder)
}

// row is one route of the matrix.
type row struct {
	surface *surface
	method  string // when the pattern has none: the method sent
	path    string // with {brand}, {loc}, {product}, ... placeholders
	body    string
	ctype   string
	// scoped: another brand's credential is not refused but answered
	// with its own brand's data only (lists without a brand named): the
	// answer must then not mention brand A.
	scoped bool
	// fallback: the route refuses every request (405 or 404 in the
	// envelope), whoever sends it; no control with the right credential.
	fallback bool
}

// cases are the five refusals.
var cases = []string{"none", "wrong", "other protocol", "revoked", "other brand"}

func decode(t *testing.T, c string, rr *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rr.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %d %q is not a JSON object: %v", c, rr.Code, rr.Body.Bytes(), err)
	}
	return m
}

func wantStatus(t *testing.T, c string, rr *httptest.ResponseRecorder, want ...int) {
	t.Helper()
	if !slices.Contains(want, rr.Code) {
		t.Fatalf("%s: status %d, want one of %v; body %s", c, rr.Code, want, rr.Body.Bytes())
	}
}

func wantString(t *testing.T, c string, m map[string]any, key string, allowed ...string) {
	t.Helper()
	s, ok := m[key].(string)
	if !ok || (len(allowed) > 0 && !slices.Contains(allowed, s)) {
		t.Fatalf("%s: %q is %#v, want a string among %v; body %v", c, key, m[key], allowed, m)
	}
}

// authStatus is the status a credential case is refused with: 401 for a
// credential that is not one, 403 or 404 for another brand's (which is
// a credential, for the wrong resources).
func authStatus(c string, brand ...int) []int {
	if c == "other brand" {
		return brand
	}
	return []int{http.StatusUnauthorized}
}

func bearer(r *http.Request, v string) {
	if v != "" {
		r.Header.Set("Authorization", "Bearer "+v)
	}
}

var (
	native = &surface{name: "hub", credential: bearer, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, authStatus(c, 403, 404)...)
		e, _ := decode(t, c, rr)["error"].(map[string]any)
		if e == nil {
			t.Fatalf("%s: no error object: %s", c, rr.Body.Bytes())
		}
		wantString(t, c, e, "code", map[bool][]string{true: {"forbidden", "not_found"}, false: {"unauthorized"}}[c == "other brand"]...)
		wantString(t, c, e, "message")
		if c != "other brand" && !strings.HasPrefix(rr.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("%s: WWW-Authenticate %q", c, rr.Header().Get("WWW-Authenticate"))
		}
	}}
	kakaoSurface = &surface{name: "kakao", credential: bearer, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, authStatus(c, 404)...)
		m := decode(t, c, rr)
		wantString(t, c, m, "error", map[bool][]string{true: {"store not found", "order not found"}, false: {"invalid api key"}}[c == "other brand"]...)
		if len(m) != 1 {
			t.Fatalf("%s: kakao's envelope is {\"error\"} alone: %v", c, m)
		}
	}}
	omniSurface = &surface{name: "omni", credential: func(r *http.Request, v string) {
		if v != "" {
			r.Header.Set("Authorization", "token "+v)
		}
	}, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		m := decode(t, c, rr)
		if c == "other brand" {
			// Omni answers an order it cannot see as the seed's
			// invalid order number (400).
			wantStatus(t, c, rr, 400)
			wantString(t, c, m, "error_code", "invalid_order_number")
			wantString(t, c, m, "error_message")
			return
		}
		wantStatus(t, c, rr, 401)
		wantString(t, c, m, "detail", "Invalid token")
		if rr.Header().Get("WWW-Authenticate") != "Token" {
			t.Fatalf("%s: WWW-Authenticate %q", c, rr.Header().Get("WWW-Authenticate"))
		}
	}}
	junglebookSurface = &surface{name: "junglebook", credential: func(r *http.Request, v string) {
		if v != "" {
			r.Header.Set("Authorization", v)
		}
	}, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		res, _ := decode(t, c, rr)["orderResult"].(map[string]any)
		if res == nil {
			t.Fatalf("%s: no orderResult: %s", c, rr.Body.Bytes())
		}
		switch c {
		case "none":
			wantStatus(t, c, rr, 401)
			wantString(t, c, res, "errCode", "001")
		case "other brand":
			// Business failures are HTTP 200: the other shop's
			// catalog has no such goods.
			wantStatus(t, c, rr, 200)
			wantString(t, c, res, "errCode", "201")
		default:
			wantStatus(t, c, rr, 401)
			wantString(t, c, res, "errCode", "002")
		}
		if res["success"] == "1" {
			t.Fatalf("%s: taken: %v", c, res)
		}
	}}
	zeekSurface = &surface{name: "zeek", credential: func(r *http.Request, v string) {
		bearer(r, v)
		r.Header.Set("KS-Client-Request-Id", world.Unique("matrix-"))
		r.Header.Set("KS-Lang", "en")
	}, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		m := decode(t, c, rr)
		if c == "other brand" {
			wantStatus(t, c, rr, 404)
			wantString(t, c, m, "error", "40401")
		} else {
			wantStatus(t, c, rr, 401)
			wantString(t, c, m, "error", "40101")
		}
		wantString(t, c, m, "error_msg")
	}}
	qrSurface = &surface{name: "tableorder", credential: bearer, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, authStatus(c, 404)...)
		e, _ := decode(t, c, rr)["error"].(map[string]any)
		if e == nil {
			t.Fatalf("%s: no error object: %s", c, rr.Body.Bytes())
		}
		wantString(t, c, e, "code", map[bool][]string{true: {"unknown_product"}, false: {"invalid_token"}}[c == "other brand"]...)
		wantString(t, c, e, "message")
	}}
	uiSurface = &surface{name: "ui", credential: func(r *http.Request, v string) {
		if strings.HasPrefix(v, "session:") {
			r.AddCookie(&http.Cookie{Name: "orderhub_session", Value: strings.TrimPrefix(v, "session:")})
		} else {
			bearer(r, v)
		}
	}, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		// The dashboard's refusal is its login page.
		wantStatus(t, c, rr, http.StatusSeeOther)
		if rr.Header().Get("Location") != "/ui/login" {
			t.Fatalf("%s: redirected to %q", c, rr.Header().Get("Location"))
		}
	}}
	metricsSurface = &surface{name: "metrics", credential: bearer, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, 401)
		if rr.Header().Get("WWW-Authenticate") != `Bearer realm="metrics"` || strings.TrimSpace(rr.Body.String()) != "unauthorized" {
			t.Fatalf("%s: %q %q", c, rr.Header().Get("WWW-Authenticate"), rr.Body.String())
		}
	}}
)

// surface405 is a fallback that answers any other method of a protocol
// path with 405 in the protocol's envelope, whoever sends it.
func surface405(s *surface, check func(t *testing.T, c string, m map[string]any)) *surface {
	return &surface{name: s.name, credential: s.credential, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, http.StatusMethodNotAllowed)
		if rr.Header().Get("Allow") == "" {
			t.Fatalf("%s: 405 without Allow", c)
		}
		check(t, c, decode(t, c, rr))
	}}
}

func nested(m map[string]any, k string) map[string]any { v, _ := m[k].(map[string]any); return v }

var (
	kakao405 = surface405(kakaoSurface, func(t *testing.T, c string, m map[string]any) { wantString(t, c, m, "error") })
	omni405  = surface405(omniSurface, func(t *testing.T, c string, m map[string]any) {
		wantString(t, c, m, "detail", `Method "PUT" not allowed.`)
	})
	jb405 = surface405(junglebookSurface, func(t *testing.T, c string, m map[string]any) {
		wantString(t, c, nested(m, "orderResult"), "errCode", "999")
	})
	zeek405 = surface405(zeekSurface, func(t *testing.T, c string, m map[string]any) { wantString(t, c, m, "error", "40501") })
	qr405   = surface405(qrSurface, func(t *testing.T, c string, m map[string]any) {
		wantString(t, c, nested(m, "error"), "code", "method_not_allowed")
	})
	qrLogin405 = surface405(qrSurface, func(t *testing.T, c string, m map[string]any) {
		wantString(t, c, m, "error", "invalid_request")
	})
	native404 = &surface{name: "hub", credential: bearer, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, 404)
		wantString(t, c, nested(decode(t, c, rr), "error"), "code", "not_found")
	}}
	jb404 = &surface{name: "junglebook", credential: junglebookSurface.credential, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, 404)
		wantString(t, c, nested(decode(t, c, rr), "orderResult"), "errCode", "999")
	}}
	zeek404 = &surface{name: "zeek", credential: zeekSurface.credential, refused: func(t *testing.T, c string, rr *httptest.ResponseRecorder) {
		wantStatus(t, c, rr, 404)
		wantString(t, c, decode(t, c, rr), "error", "40401")
	}}
)

// hubJSON is a native row with a JSON body naming brand A.
func hubJSON(path, body string) row {
	return row{surface: native, path: path, body: body, ctype: "application/json"}
}

func hubGet(path string) row { return row{surface: native, path: path} }

// uiForm is a dashboard form post (the session's CSRF token added).
func uiForm(path, form string) row {
	if form != "" {
		form += "&"
	}
	return row{surface: uiSurface, path: path, body: form + "csrf={csrf}", ctype: "application/x-www-form-urlencoded"}
}

const (
	qA        = "?brand_id={brand}"
	orderBody = `{"brand_id": {brand}, "location_id": {loc}, "lines": [{"product": "P004", "quantity": 1}]}`
)

// matrix has a row per registered route (exemptions aside).
var matrix = map[string]row{
	"GET /metrics": {surface: metricsSurface},

	"GET /hub/v1/brands":                                      {surface: native, path: "/hub/v1/brands", scoped: true},
	"POST /hub/v1/brands":                                     hubJSON("/hub/v1/brands", `{"name": "Matrix", "currency": "KRW"}`),
	"GET /hub/v1/brands/{id}":                                 hubGet("/hub/v1/brands/{brand}"),
	"PATCH /hub/v1/brands/{id}":                               hubJSON("/hub/v1/brands/{brand}", `{"name": "Hanok Kitchen"}`),
	"GET /hub/v1/locations":                                   hubGet("/hub/v1/locations" + qA),
	"POST /hub/v1/locations":                                  hubJSON("/hub/v1/locations", `{"brand_id": {brand}, "code": "MTX", "name": "Matrix", "timezone": "Asia/Seoul"}`),
	"GET /hub/v1/locations/{id}":                              hubGet("/hub/v1/locations/{loc}"),
	"PATCH /hub/v1/locations/{id}":                            hubJSON("/hub/v1/locations/{loc}", `{"name": "Gangnam"}`),
	"GET /hub/v1/locations/{id}/stock":                        hubGet("/hub/v1/locations/{loc}/stock"),
	"GET /hub/v1/locations/{id}/stock/{productId}":            hubGet("/hub/v1/locations/{loc}/stock/{product}"),
	"PUT /hub/v1/locations/{id}/stock/{productId}":            hubJSON("/hub/v1/locations/{loc}/stock/{product}", `{"quantity": 40}`),
	"POST /hub/v1/locations/{id}/snooze":                      hubJSON("/hub/v1/locations/{loc}/snooze", `{"products": ["P005"], "until": null}`),
	"POST /hub/v1/locations/{id}/unsnooze":                    hubJSON("/hub/v1/locations/{loc}/unsnooze", `{"products": ["P005"]}`),
	"GET /hub/v1/locations/{id}/snoozes":                      hubGet("/hub/v1/locations/{loc}/snoozes"),
	"GET /hub/v1/locations/{id}/status":                       hubGet("/hub/v1/locations/{loc}/status"),
	"PUT /hub/v1/locations/{id}/status":                       hubJSON("/hub/v1/locations/{loc}/status", `{"mode": "online"}`),
	"GET /hub/v1/products":                                    hubGet("/hub/v1/products" + qA),
	"POST /hub/v1/products":                                   hubJSON("/hub/v1/products", `{"brand_id": {brand}, "ref_id": "MTX1", "name": {"en": "Matrix"}, "type": 1, "price": 1000}`),
	"GET /hub/v1/products/{id}":                               hubGet("/hub/v1/products/{product}" + qA),
	"PUT /hub/v1/products/{id}":                               hubJSON("/hub/v1/products/{product}"+qA, `{"brand_id": {brand}, "ref_id": "P004", "name": {"en": "Soybean paste stew"}, "type": 1, "price": 8000}`),
	"PATCH /hub/v1/products/{id}":                             hubJSON("/hub/v1/products/{product}"+qA, `{"price": 8000}`),
	"GET /hub/v1/timeslots":                                   hubGet("/hub/v1/timeslots" + qA),
	"PUT /hub/v1/timeslots/{id}":                              hubJSON("/hub/v1/timeslots/1"+qA, `{"brand_id": {brand}, "name": "Breakfast", "start": "06:00", "end": "10:30"}`),
	"GET /hub/v1/orders":                                      hubGet("/hub/v1/orders" + qA),
	"POST /hub/v1/orders":                                     hubJSON("/hub/v1/orders", orderBody),
	"GET /hub/v1/orders/{ref}":                                hubGet("/hub/v1/orders/{order}" + qA),
	"GET /hub/v1/orders/{ref}/history":                        hubGet("/hub/v1/orders/{order}/history" + qA),
	"POST /hub/v1/orders/{ref}/actions/{action}":              hubJSON("/hub/v1/orders/{order}/actions/confirm"+qA, `{}`),
	"POST /hub/v1/orders/{ref}/payment":                       hubJSON("/hub/v1/orders/{order}/payment"+qA, `{"method": "cash"}`),
	"GET /hub/v1/partners":                                    hubGet("/hub/v1/partners" + qA),
	"POST /hub/v1/partners":                                   hubJSON("/hub/v1/partners", `{"brand_id": {brand}, "protocol": "omni", "name": "Matrix POS"}`),
	"GET /hub/v1/partners/{id}":                               hubGet("/hub/v1/partners/{partner}"),
	"PATCH /hub/v1/partners/{id}":                             hubJSON("/hub/v1/partners/{partner}", `{"name": "Store POS (Omni)"}`),
	"GET /hub/v1/partners/{id}/credentials":                   hubGet("/hub/v1/partners/{partner}/credentials"),
	"POST /hub/v1/partners/{id}/credentials":                  hubJSON("/hub/v1/partners/{spare}/credentials", `{}`),
	"DELETE /hub/v1/partners/{id}/credentials/{credentialId}": hubGet("/hub/v1/partners/{spare}/credentials/{sparecred}"),
	"POST /hub/v1/partners/{id}/callback-secret":              hubJSON("/hub/v1/partners/{spare}/callback-secret", `{}`),
	"GET /hub/v1/partners/{id}/balance":                       hubGet("/hub/v1/partners/{shop}/balance"),
	"POST /hub/v1/partners/{id}/balance/top-ups":              hubJSON("/hub/v1/partners/{shop}/balance/top-ups", `{"amount": 1000, "note": "matrix"}`),
	"GET /hub/v1/partners/{id}/balance/entries":               hubGet("/hub/v1/partners/{shop}/balance/entries"),
	"GET /hub/v1/tokens":                                      {surface: native, path: "/hub/v1/tokens", scoped: true},
	"POST /hub/v1/tokens":                                     hubJSON("/hub/v1/tokens", `{"brand_id": {brand}, "label": "matrix"}`),
	"DELETE /hub/v1/tokens/{id}":                              hubGet("/hub/v1/tokens/{sparetoken}" + qA),
	"GET /hub/v1/events":                                      hubGet("/hub/v1/events" + qA),
	"GET /hub/v1/webhook-endpoints":                           hubGet("/hub/v1/webhook-endpoints" + qA),
	"POST /hub/v1/webhook-endpoints":                          hubJSON("/hub/v1/webhook-endpoints", `{"brand_id": {brand}, "url": "https://hooks.example/matrix", "event_types": ["order.created"]}`),
	"GET /hub/v1/webhook-endpoints/{id}":                      hubGet("/hub/v1/webhook-endpoints/{endpoint}"),
	"PATCH /hub/v1/webhook-endpoints/{id}":                    hubJSON("/hub/v1/webhook-endpoints/{endpoint}", `{"event_types": ["order.created"]}`),
	"DELETE /hub/v1/webhook-endpoints/{id}":                   hubGet("/hub/v1/webhook-endpoints/{spareendpoint}"),
	"POST /hub/v1/webhook-endpoints/{id}/rotate-secret":       hubJSON("/hub/v1/webhook-endpoints/{endpoint}/rotate-secret", `{}`),
	"POST /hub/v1/webhook-endpoints/{id}/test":                hubJSON("/hub/v1/webhook-endpoints/{endpoint}/test", `{}`),
	"GET /hub/v1/webhook-endpoints/{id}/deliveries":           hubGet("/hub/v1/webhook-endpoints/{endpoint}/deliveries"),
	"POST /hub/v1/webhook-endpoints/{id}/replay-dead":         hubJSON("/hub/v1/webhook-endpoints/{endpoint}/replay-dead", `{}`),
	"GET /hub/v1/deliveries":                                  hubGet("/hub/v1/deliveries" + qA),
	"GET /hub/v1/deliveries/{id}":                             hubGet("/hub/v1/deliveries/{delivery}"),
	"POST /hub/v1/deliveries/{id}/replay":                     hubJSON("/hub/v1/deliveries/{delivery}/replay", `{}`),
	"/hub/v1/":                                                {surface: native404, method: "GET", path: "/hub/v1/no-such-thing", fallback: true},

	"POST /ui/logout":                                        {surface: uiSurface, path: "/ui/logout", body: "csrf={csrf}", ctype: "application/x-www-form-urlencoded"},
	"GET /ui/":                                               {surface: uiSurface, path: "/ui/"},
	"GET /ui/orders/{id}":                                    {surface: uiSurface, path: "/ui/orders/{orderid}"},
	"POST /ui/orders/{id}/actions/{action}":                  {surface: uiSurface, path: "/ui/orders/{orderid}/actions/confirm", body: "csrf={csrf}", ctype: "application/x-www-form-urlencoded"},
	"GET /ui/events":                                         {surface: uiSurface, path: "/ui/events"},
	"GET /ui/catalog":                                        {surface: uiSurface, path: "/ui/catalog?location={loc}"},
	"POST /ui/locations/{id}/status":                         uiForm("/ui/locations/{loc}/status", "mode=online"),
	"POST /ui/locations/{id}/accept":                         uiForm("/ui/locations/{loc}/accept", "mode=manual"),
	"POST /ui/locations/{id}/products/{product}/stock":       uiForm("/ui/locations/{loc}/products/{product}/stock", "quantity=40"),
	"POST /ui/locations/{id}/products/{product}/snooze":      uiForm("/ui/locations/{loc}/products/{product}/snooze", "for=30m"),
	"POST /ui/locations/{id}/products/{product}/unsnooze":    uiForm("/ui/locations/{loc}/products/{product}/unsnooze", ""),
	"GET /ui/partners":                                       {surface: uiSurface, path: "/ui/partners?brand={brand}"},
	"POST /ui/partners":                                      uiForm("/ui/partners", "brand={brand}&protocol=omni&name=Matrix"),
	"POST /ui/partners/{id}/settings":                        uiForm("/ui/partners/{spare}/settings", "bot_url="),
	"POST /ui/partners/{id}/rotate":                          uiForm("/ui/partners/{spare}/rotate", ""),
	"POST /ui/partners/{id}/rotate-callback-secret":          uiForm("/ui/partners/{spare}/rotate-callback-secret", ""),
	"POST /ui/partners/{id}/credentials/{credential}/revoke": uiForm("/ui/partners/{spare}/credentials/{sparecred}/revoke", ""),
	"POST /ui/partners/{id}/balance":                         uiForm("/ui/partners/{shop}/balance", "amount=1000&note=matrix"),
	"POST /ui/partners/{id}/replay-dead":                     uiForm("/ui/partners/{spare}/replay-dead", ""),
	"GET /ui/webhooks":                                       {surface: uiSurface, path: "/ui/webhooks?brand={brand}"},
	"POST /ui/webhooks":                                      uiForm("/ui/webhooks", "brand={brand}&url=https%3A%2F%2Fhooks.example%2Fui&event_type=order.created"),
	"POST /ui/webhooks/{id}/test":                            uiForm("/ui/webhooks/{endpoint}/test", ""),
	"POST /ui/webhooks/{id}/replay-dead":                     uiForm("/ui/webhooks/{endpoint}/replay-dead", ""),
	"POST /ui/deliveries/{id}/replay":                        uiForm("/ui/deliveries/{delivery}/replay", ""),

	"GET /api/v1/stores/{storeId}/items":                         {surface: kakaoSurface, path: "/api/v1/stores/{loc}/items"},
	"/api/v1/stores/{storeId}/items":                             {surface: kakao405, method: "PUT", path: "/api/v1/stores/{loc}/items", fallback: true},
	"POST /api/v1/stores/{storeId}/orders":                       {surface: kakaoSurface, path: "/api/v1/stores/{loc}/orders", body: `{"botOrderId": "matrix-1", "items": [{"id": "P004", "quantity": 1}]}`, ctype: "application/json"},
	"/api/v1/stores/{storeId}/orders":                            {surface: kakao405, method: "PUT", path: "/api/v1/stores/{loc}/orders", fallback: true},
	"GET /api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}": {surface: kakaoSurface, path: "/api/v1/stores/{loc}/orders/{kakaoorder}/numbs/{kakaonumb}"},
	"/api/v1/stores/{storeId}/orders/{orderId}/numbs/{numb}":     {surface: kakao405, method: "PUT", path: "/api/v1/stores/{loc}/orders/{kakaoorder}/numbs/{kakaonumb}", fallback: true},
	"DELETE /api/v1/cancel":                                      {surface: kakaoSurface, path: "/api/v1/cancel?storeId={loc}&orderId={kakaoorder}&numb={kakaonumb}"},
	"/api/v1/cancel":                                             {surface: kakao405, method: "PUT", path: "/api/v1/cancel", fallback: true},
	"POST /api/kakao/v1/order/cook":                              {surface: kakaoSurface, path: "/api/kakao/v1/order/cook?storeId={loc}", body: `{"orderId": "{order}"}`, ctype: "application/json"},
	"/api/kakao/v1/order/cook":                                   {surface: kakao405, method: "PUT", path: "/api/kakao/v1/order/cook", fallback: true},
	"POST /api/kakao/v1/order/complete":                          {surface: kakaoSurface, path: "/api/kakao/v1/order/complete?storeId={loc}", body: `{"orderId": "{order}"}`, ctype: "application/json"},
	"/api/kakao/v1/order/complete":                               {surface: kakao405, method: "PUT", path: "/api/kakao/v1/order/complete", fallback: true},

	"/api/store/orders/confirm":  {surface: omniSurface, method: "POST", path: "/api/store/orders/confirm", body: `{"number": "{order}"}`, ctype: "application/json"},
	"/api/store/orders/paid":     {surface: omniSurface, method: "POST", path: "/api/store/orders/paid", body: `{"number": "{order}"}`, ctype: "application/json"},
	"/api/store/orders/complete": {surface: omniSurface, method: "POST", path: "/api/store/orders/complete", body: `{"number": "{order}"}`, ctype: "application/json"},
	"/api/store/orders/cancel":   {surface: omniSurface, method: "POST", path: "/api/store/orders/cancel", body: `{"number": "{cancelorder}"}`, ctype: "application/json"},

	"/order":      {surface: junglebookSurface, method: "POST", path: "/order", body: jbBody, ctype: "application/json"},
	"/order/test": {surface: junglebookSurface, method: "POST", path: "/order/test", body: jbBody, ctype: "application/json"},
	"/order/":     {surface: jb404, method: "POST", path: "/order/nothing", fallback: true},

	"/api/v1.0/product/product/create":       {surface: zeekSurface, method: "POST", path: "/api/v1.0/product/product/create", body: zeekCreate, ctype: "application/json"},
	"/api/v1.0/product/product/batch_update": {surface: zeekSurface, method: "POST", path: "/api/v1.0/product/product/batch_update", body: zeekBatch, ctype: "application/json"},
	"/api/v1.0/order/status/update":          {surface: zeekSurface, method: "POST", path: "/api/v1.0/order/status/update", body: `{"order_id": "{order}", "status": 5}`, ctype: "application/json"},
	"/api/v1.0/":                             {surface: zeek404, method: "POST", path: "/api/v1.0/nothing", fallback: true},

	"POST /v1/items": {surface: qrSurface, path: "/v1/items", body: qrBody, ctype: "application/json"},
	"/v1/items":      {surface: qr405, method: "PUT", path: "/v1/items", fallback: true},
	"/v1/auth/login": {surface: qrLogin405, method: "PUT", path: "/v1/auth/login", fallback: true},
}

const (
	jbBody = `{"oaType": "api", "oaOrderNo": "matrix-jb", "nameReceiver": "정글북", "phoneReceiver": "010-1234-5678",
		"mobileReceiver": "010-1234-5678", "zipCode": "12345", "address": "서울", "address2": "1", "settleKind": "a",
		"bankSender": "정글북", "doubleCheck": "1", "orderItem": [{"goodsNo": {product}, "ea": 1}]}`
	zeekCreate = `{"ref_product_id": "MTX-Z1", "sku": "MTX-Z1", "name": {"en": "Matrix"}, "type": 1, "store": {"store_id": {brand}},
		"price": {"currency_code": "KRW", "amount": "1000"}}`
	zeekBatch = `{"store": {"store_id": {brand}}, "products": [{"product_id": {product}, "price": {"currency_code": "KRW", "amount": "8000"}}]}`
	qrBody    = `{"id": "MATRIX-QR-1", "type": "DINE_IN", "cart": {"items": [{"id": "P004", "title": "x", "quantity": 1,
		"price": {"unit_price": {"amount": 8000, "currency_code": "KRW"}, "total_price": {"amount": 8000, "currency_code": "KRW"}}}]}}`
)

// recorder records every pattern registered on it.
type recorder struct {
	*http.ServeMux
	patterns []string
}

func (m *recorder) Handle(p string, h http.Handler) {
	m.patterns = append(m.patterns, p)
	m.ServeMux.Handle(p, h)
}

func (m *recorder) HandleFunc(p string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, p)
	m.ServeMux.HandleFunc(p, h)
}

// registered is every pattern server.Routes registers for the world.
func registered(w *world.World) []string {
	rec := &recorder{ServeMux: http.NewServeMux()}
	server.Routes(rec, server.Config{Version: "matrix", Protocols: w.Registry, MetricsToken: world.MetricsToken}, w.Service, world.Quiet())
	return rec.patterns
}

// coverage lists what is wrong with the matrix for the registered
// patterns: a route with neither a row nor an exemption (or both), and a
// row or exemption of a route not registered.
func coverage(patterns []string, rows map[string]row, exempt map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range patterns {
		seen[p] = true
		_, isRow := rows[p]
		_, isExempt := exempt[p]
		switch {
		case isRow && isExempt:
			out = append(out, fmt.Sprintf("route %q is both a row and an exemption", p))
		case !isRow && !isExempt:
			out = append(out, fmt.Sprintf("route %q has no row in the auth matrix (internal/server/authmatrix_test.go) and no exemption", p))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(rows)) {
		if !seen[p] {
			out = append(out, fmt.Sprintf("the auth matrix has a row for %q, which is not registered", p))
		}
	}
	for _, p := range slices.Sorted(maps.Keys(exempt)) {
		if !seen[p] {
			out = append(out, fmt.Sprintf("exemption %q names a route that is not registered", p))
		}
	}
	return out
}

// TestAuthMatrixCoverage: the routes come from the registration (every
// surface's), and a route added without a row, or a row left for a route
// removed, is reported.
func TestAuthMatrixCoverage(t *testing.T) {
	w := world.Open(t)
	patterns := registered(w)
	if len(patterns) < 80 {
		t.Fatalf("only %d routes recorded: the recorder misses registrations", len(patterns))
	}
	if got := coverage(append(slices.Clone(patterns), "POST /hub/v1/new-thing"), matrix, exemptions); len(got) != 1 ||
		!strings.Contains(got[0], `"POST /hub/v1/new-thing" has no row`) {
		t.Errorf("a new route without a row: %v", got)
	}
	removed := slices.DeleteFunc(slices.Clone(patterns), func(p string) bool { return p == "POST /v1/items" || p == "GET /healthz" })
	if got := coverage(removed, matrix, exemptions); len(got) != 2 {
		t.Errorf("a row and an exemption of removed routes: %v", got)
	}
}

// fill replaces the placeholders of a row's path and body.
func fill(s string, vals map[string]string) string {
	for k, v := range vals {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func TestAuthMatrix(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := world.New(t, st)
		for _, problem := range coverage(registered(w), matrix, exemptions) {
			t.Error(problem)
		}
		vals, creds := setupMatrix(t, w)
		rows := slices.Sorted(maps.Keys(matrix))
		for _, pattern := range rows {
			r := matrix[pattern]
			t.Run(strings.ReplaceAll(pattern, "/", "_"), func(t *testing.T) {
				for _, c := range cases {
					rr := send(w, pattern, r, vals, creds[r.surface.name][c])
					if r.scoped && c == "other brand" && !r.fallback {
						// Brand B's own, nothing of brand A's.
						if rr.Code != 200 || strings.Contains(rr.Body.String(), "Hanok Kitchen") ||
							strings.Contains(rr.Body.String(), `"brand_id":`+vals["brand"]+`,`) {
							t.Fatalf("%s: another brand's list: %d %s", c, rr.Code, rr.Body.Bytes())
						}
						continue
					}
					r.surface.refused(t, c, rr)
				}
			})
		}
		// The controls: the right credential is not refused as one. The
		// dashboard's logout goes last (it ends the session the others
		// use); its answer is the login page, and the session is gone.
		rows = append(slices.DeleteFunc(rows, func(p string) bool { return p == "POST /ui/logout" }), "POST /ui/logout")
		for _, pattern := range rows {
			r := matrix[pattern]
			if r.fallback {
				continue
			}
			own := creds[r.surface.name]["own"]
			rr := send(w, pattern, r, vals, own)
			loginRedirect := rr.Code == http.StatusSeeOther && rr.Header().Get("Location") == "/ui/login"
			if pattern == "POST /ui/logout" {
				if !loginRedirect {
					t.Errorf("logout: %d %q", rr.Code, rr.Header().Get("Location"))
				}
				uiSurface.refused(t, "after logout", send(w, "GET /ui/", matrix["GET /ui/"], vals, own))
				continue
			}
			if rr.Code == 401 || rr.Code == 403 || loginRedirect || rr.Code >= 500 {
				t.Errorf("%s with its own credential: %d %s", pattern, rr.Code, rr.Body.Bytes())
			}
		}
	})
}

func send(w *world.World, pattern string, r row, vals map[string]string, cred string) *httptest.ResponseRecorder {
	method := r.method
	if m, _, ok := strings.Cut(pattern, " "); ok {
		method = m
	}
	path := r.path
	if path == "" {
		_, path, _ = strings.Cut(pattern, " ")
	}
	req := world.Request(method, fill(path, vals), fill(r.body, vals))
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	r.surface.credential(req, cred)
	if strings.HasPrefix(path, "/ui/events") {
		// The live view streams until its client leaves: this client
		// leaves at the first flush, so an admitted request answers
		// its headers and ends.
		ctx, cancel := context.WithCancel(req.Context())
		defer cancel()
		rr := &leaveOnFlush{ResponseRecorder: httptest.NewRecorder(), leave: cancel}
		w.Handler.ServeHTTP(rr, req.WithContext(ctx))
		return rr.ResponseRecorder
	}
	return w.Do(req)
}

// leaveOnFlush is a client that hangs up once the first bytes of a stream
// are flushed to it.
type leaveOnFlush struct {
	*httptest.ResponseRecorder
	leave func()
}

func (l *leaveOnFlush) Flush() {
	l.ResponseRecorder.Flush()
	l.leave()
}

// setupMatrix makes brand A's resources the rows name and the credentials
// of every case, per surface.
func setupMatrix(t *testing.T, w *world.World) (map[string]string, map[string]map[string]string) {
	ctx := t.Context()
	itoa := func(v int64) string { return strconv.FormatInt(v, 10) }
	p004, err := w.Store.FindProduct(ctx, w.A.BrandID, "P004")
	if err != nil {
		t.Fatal(err)
	}
	order := w.PlaceHubOrder(t, "matrix-order", "P004")
	cancelOrder := w.PlaceHubOrder(t, "matrix-cancel", "P004")
	o, err := w.Service.FindOrder(ctx, service.OrderScope{BrandID: w.A.BrandID}, order)
	if err != nil {
		t.Fatal(err)
	}
	tok := w.A.Hub.Token
	api := func(method, path, body string) map[string]any {
		rr := w.Do(world.Request(method, path, body, "Authorization", "Bearer "+tok, "Content-Type", "application/json"))
		if rr.Code/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, rr.Code, rr.Body.Bytes())
		}
		var m map[string]any
		json.Unmarshal(rr.Body.Bytes(), &m)
		return m
	}
	num := func(m map[string]any, k string) string { return fmt.Sprint(m[k]) }
	brand := itoa(w.A.BrandID)
	endpoint := api("POST", "/hub/v1/webhook-endpoints", `{"brand_id": `+brand+`, "url": "https://hooks.example/a", "event_types": ["order.created"]}`)
	spareEndpoint := api("POST", "/hub/v1/webhook-endpoints", `{"brand_id": `+brand+`, "url": "https://hooks.example/b", "event_types": ["order.created"]}`)
	spare := api("POST", "/hub/v1/partners", `{"brand_id": `+brand+`, "protocol": "kakao", "name": "spare"}`)
	spareCred := spare["credential"].(map[string]any)
	spareToken := api("POST", "/hub/v1/tokens", `{"brand_id": `+brand+`, "label": "spare"}`)
	kakaoCreds := w.Partner(hub.ChannelKakao, false)
	bot := w.Do(world.Request("POST", "/api/v1/stores/"+itoa(w.ALocations[0])+"/orders",
		`{"botOrderId": "matrix-bot", "items": [{"id": "P006", "quantity": 1}]}`, "Authorization", "Bearer "+world.Key(t, kakaoCreds),
		"Content-Type", "application/json"))
	var botOrder map[string]any
	if err := json.Unmarshal(bot.Body.Bytes(), &botOrder); err != nil || bot.Code != 201 {
		t.Fatalf("bot order: %d %s", bot.Code, bot.Body.Bytes())
	}
	session, csrf := w.UISession(t)
	revokedSession, revokedCSRF := w.UISession(t)
	logout := world.Request("POST", "/ui/logout", "csrf="+revokedCSRF, "Content-Type", "application/x-www-form-urlencoded")
	logout.AddCookie(&http.Cookie{Name: "orderhub_session", Value: revokedSession})
	if rr := w.Do(logout); rr.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rr.Code)
	}
	vals := map[string]string{
		"brand": brand, "loc": itoa(w.ALocations[0]), "product": itoa(p004.ID), "order": order, "orderid": itoa(o.ID), "cancelorder": cancelOrder,
		"spare": num(spare, "id"), "sparecred": num(spareCred, "id"), "sparetoken": num(spareToken, "id"),
		"endpoint": num(endpoint, "id"), "spareendpoint": num(spareEndpoint, "id"), "delivery": "1",
		"shop":       itoa(world.PartnerID(t, w.Partner(hub.ChannelJunglebook, false))),
		"kakaoorder": fmt.Sprint(botOrder["orderId"]), "kakaonumb": fmt.Sprint(botOrder["numb"]), "csrf": csrf,
	}
	vals["partner"] = itoa(world.PartnerID(t, w.Partner(hub.ChannelOmni, false)))

	key := func(ch hub.Channel, b bool) string { return world.Key(t, w.Partner(ch, b)) }
	wrong := func(k string) string { return k[:len(k)-4] + "XXXX" }
	zeekTok, qrTok := w.ZeekToken(t, w.Partner(hub.ChannelZeek, false)), w.QRToken(t, w.Partner(hub.ChannelTableOrder, false))
	zeekB, qrB := w.ZeekToken(t, w.Partner(hub.ChannelZeek, true)), w.QRToken(t, w.Partner(hub.ChannelTableOrder, true))
	apiKeyCases := func(ch hub.Channel, other string) map[string]string {
		return map[string]string{"none": "", "wrong": wrong(key(ch, false)), "other protocol": other,
			"revoked": world.Key(t, w.Revoked[ch]), "other brand": key(ch, true), "own": key(ch, false)}
	}
	creds := map[string]map[string]string{
		"hub": {"none": "", "wrong": wrong(tok), "other protocol": key(hub.ChannelKakao, false), "revoked": w.RevokedHub,
			"other brand": w.B.Hub.Token, "own": tok},
		"kakao":      apiKeyCases(hub.ChannelKakao, key(hub.ChannelOmni, false)),
		"omni":       apiKeyCases(hub.ChannelOmni, key(hub.ChannelKakao, false)),
		"junglebook": apiKeyCases(hub.ChannelJunglebook, key(hub.ChannelKakao, false)),
		"zeek": {"none": "", "wrong": wrong(zeekTok), "other protocol": qrTok, "revoked": w.RevokedTokens[hub.ChannelZeek],
			"other brand": zeekB, "own": zeekTok},
		"tableorder": {"none": "", "wrong": wrong(qrTok), "other protocol": zeekTok, "revoked": w.RevokedTokens[hub.ChannelTableOrder],
			"other brand": qrB, "own": qrTok},
		// The dashboard has one admin over every brand: "another
		// brand's" credential is brand B's hub token, which is not a
		// dashboard credential.
		"ui": {"none": "", "wrong": "session:" + wrong(session), "other protocol": key(hub.ChannelKakao, false),
			"revoked": "session:" + revokedSession, "other brand": w.B.Hub.Token, "own": "session:" + session},
		// /metrics has one token, not a brand's: the other cases are
		// credentials of every other kind.
		"metrics": {"none": "", "wrong": wrong(world.MetricsToken), "other protocol": key(hub.ChannelKakao, false),
			"revoked": w.RevokedHub, "other brand": w.B.Hub.Token, "own": world.MetricsToken},
	}
	return vals, creds
}
