package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/ratelimit"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// limitClock is the limiters' time: it never moves, so that the wait a
// refusal names is exact (rate 1/1000 s: 1000 seconds for the next token).
func limitClock() time.Time { return time.Unix(1_800_000_000, 0) }

// limitedWorld is the whole server over the demo data with tiny limits.
type limitedWorld struct {
	srv   *httptest.Server
	st    store.Store
	creds *demo.Credentials
}

func newLimitedWorld(t *testing.T, limits service.RateLimits) *limitedWorld {
	t.Helper()
	st := testutil.OpenSQLite(t)
	reg := Protocols()
	svc := service.New(st, service.WithOutbound(testutil.Outbound), reg.Option(), service.WithRateLimits(limits))
	creds, err := demo.Load(t.Context(), svc, "http://orderhub.test", reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(Config{Version: "test", Protocols: reg}, svc, quietLog()))
	t.Cleanup(srv.Close)
	return &limitedWorld{srv: srv, st: st, creds: creds}
}

type limitedAnswer struct {
	status     int
	retryAfter string
	body       string
}

func (w *limitedWorld) send(t *testing.T, method, path, body string, hdr ...string) limitedAnswer {
	t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return limitedAnswer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), body: string(b)}
}

var zeekHeaders = []string{"Content-Type", "application/json;charset=UTF-8", "KS-Client-Request-Id", "", "KS-Lang", "en", "KS-Region", "SGN"}

// zeekCall is a zeek call with a fresh KS-Client-Request-Id.
func (w *limitedWorld) zeekCall(t *testing.T, path, body string, n *int, extra ...string) limitedAnswer {
	*n++
	hdr := append([]string(nil), zeekHeaders...)
	hdr[3] = "rl-" + strings.Repeat("x", *n)
	return w.send(t, http.MethodPost, path, body, append(hdr, extra...)...)
}

// login gets an access token (zeek or QR) and fails the test otherwise.
func (w *limitedWorld) token(t *testing.T, a limitedAnswer, member string) string {
	t.Helper()
	var m map[string]any
	json.Unmarshal([]byte(a.body), &m)
	if data, ok := m["data"].(map[string]any); ok {
		m = data
	}
	tok, _ := m[member].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	return tok
}

// TestRateLimitPerCredential: on every surface a credential over its rate
// is answered 429 with Retry-After in that surface's own envelope. The
// credential's burst is 2: for the partners that log in, the login is the
// first of the two.
func TestRateLimitPerCredential(t *testing.T) {
	limits := service.RateLimits{Credential: ratelimit.Limits{Rate: 0.001, Burst: 2, Now: limitClock}}
	for _, tc := range []struct {
		surface string
		// call makes one authenticated request (logging in first when the
		// surface does) and returns the answer of the request.
		calls func(t *testing.T, w *limitedWorld) []limitedAnswer
		body  string
	}{
		{"hub", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			call := func() limitedAnswer {
				return w.send(t, "GET", "/hub/v1/brands", "", "Authorization", "Bearer "+w.creds.Hub.Token)
			}
			return []limitedAnswer{call(), call(), call()}
		}, `{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"},
		{"kakao", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			c := w.creds.Partner(hub.ChannelKakao).(kakao.DemoCredentials)
			call := func() limitedAnswer {
				return w.send(t, "GET", "/api/v1/stores/"+c.StoreID+"/items", "", "Authorization", "Bearer "+c.APIKey)
			}
			return []limitedAnswer{call(), call(), call()}
		}, `{"error":"too many requests, slow down"}` + "\n"},
		{"omni", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			c := w.creds.Partner(hub.ChannelOmni).(omni.DemoCredentials)
			call := func() limitedAnswer {
				return w.send(t, "POST", "/api/store/orders/confirm", `{"number": "NOPE"}`, "Authorization", "token "+c.Token)
			}
			return []limitedAnswer{call(), call(), call()}
		}, `{"detail":"Request was throttled. Expected available in 1000 seconds."}` + "\n"},
		{"junglebook", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			c := w.creds.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials)
			call := func() limitedAnswer {
				return w.send(t, "POST", "/order/test", `{}`, "Authorization", c.APIKey, "Content-Type", "application/json")
			}
			return []limitedAnswer{call(), call(), call()}
		}, `{"orderResult":{"success":0,"errCode":"999","parameter":"","errMsg":"too many requests, slow down"},"payResult":{"successs":0,"payResultMsg":"did not even try because order failed","cashBalance":"0","payAmount":0}}` + "\n"},
		{"zeek", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			c := w.creds.Partner(hub.ChannelZeek).(zeek.DemoCredentials)
			n := 0
			login := w.zeekCall(t, zeek.PathToken, `{"client_id": "`+c.ClientID+`", "client_secret": "`+c.ClientSecret+`", "grant_type": "client_credentials"}`, &n)
			tok := w.token(t, login, "access_token")
			call := func() limitedAnswer {
				return w.zeekCall(t, zeek.PathStatusUpdate, `{}`, &n, "Authorization", "Bearer "+tok)
			}
			return []limitedAnswer{login, call(), call()}
		}, `{"error":"42901","error_msg":"Too many requests, please retry later"}` + "\n"},
		{"tableorder", func(t *testing.T, w *limitedWorld) []limitedAnswer {
			c := w.creds.Partner(hub.ChannelTableOrder).(tableorder.DemoCredentials)
			login := w.send(t, "POST", "/v1/auth/login", "grant_type=client_credentials&client_id="+c.ClientID+"&client_secret="+c.ClientSecret,
				"Content-Type", "application/x-www-form-urlencoded")
			tok := w.token(t, login, "access_token")
			call := func() limitedAnswer {
				return w.send(t, "POST", "/v1/items", `{}`, "Authorization", "Bearer "+tok, "Content-Type", "application/json")
			}
			return []limitedAnswer{login, call(), call()}
		}, `{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"},
	} {
		t.Run(tc.surface, func(t *testing.T) {
			w := newLimitedWorld(t, limits)
			got := tc.calls(t, w)
			for i, a := range got[:len(got)-1] {
				if a.status == http.StatusTooManyRequests {
					t.Fatalf("request %d of the burst of 2 refused: %s", i+1, a.body)
				}
			}
			last := got[len(got)-1]
			if last.status != http.StatusTooManyRequests || last.retryAfter != "1000" || last.body != tc.body {
				t.Errorf("over the limit: %d Retry-After %q %s\nwant 429 Retry-After \"1000\" %s", last.status, last.retryAfter, last.body, tc.body)
			}
		})
	}
}

// TestRateLimitPerAddress: calls without a valid credential, and logins,
// count against the client's address (burst 1 here): the second such call
// from 127.0.0.1 is 429 in the surface's envelope, whatever the first was.
func TestRateLimitPerAddress(t *testing.T) {
	limits := service.RateLimits{Address: ratelimit.Limits{Rate: 0.001, Burst: 1, Now: limitClock}}
	zeekN := 0
	for _, tc := range []struct {
		surface string
		call    func(t *testing.T, w *limitedWorld) limitedAnswer
		body    string
	}{
		{"hub without a token", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "GET", "/hub/v1/brands", "")
		}, `{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"},
		{"hub with a wrong token", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "GET", "/hub/v1/brands", "", "Authorization", "Bearer oh_wrong")
		}, `{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"},
		{"kakao", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "GET", "/api/v1/stores/1/items", "", "Authorization", "Bearer wrong")
		}, `{"error":"too many requests, slow down"}` + "\n"},
		{"omni", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "POST", "/api/store/orders/confirm", `{"number": "X"}`)
		}, `{"detail":"Request was throttled. Expected available in 1000 seconds."}` + "\n"},
		{"junglebook", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "POST", "/order", `{}`)
		}, `{"orderResult":{"success":0,"errCode":"999","parameter":"","errMsg":"too many requests, slow down"},"payResult":{"successs":0,"payResultMsg":"did not even try because order failed","cashBalance":"0","payAmount":0}}` + "\n"},
		{"zeek token", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.zeekCall(t, zeek.PathToken, `{"client_id": "nobody", "client_secret": "wrong"}`, &zeekN)
		}, `{"error":"42901","error_msg":"Too many requests, please retry later"}` + "\n"},
		{"zeek call", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.zeekCall(t, zeek.PathStatusUpdate, `{}`, &zeekN, "Authorization", "Bearer oht_wrong")
		}, `{"error":"42901","error_msg":"Too many requests, please retry later"}` + "\n"},
		{"tableorder login", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "POST", "/v1/auth/login", "grant_type=client_credentials&client_id=nobody&client_secret=wrong",
				"Content-Type", "application/x-www-form-urlencoded")
		}, `{"error":"slow_down","error_description":"too many requests, slow down"}` + "\n"},
		{"tableorder login without credentials", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "POST", "/v1/auth/login", "grant_type=client_credentials", "Content-Type", "application/x-www-form-urlencoded")
		}, `{"error":"slow_down","error_description":"too many requests, slow down"}` + "\n"},
		{"tableorder items", func(t *testing.T, w *limitedWorld) limitedAnswer {
			return w.send(t, "POST", "/v1/items", `{}`, "Content-Type", "application/json")
		}, `{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"},
	} {
		t.Run(tc.surface, func(t *testing.T) {
			w := newLimitedWorld(t, limits)
			if first := tc.call(t, w); first.status == http.StatusTooManyRequests {
				t.Fatalf("first call refused: %s", first.body)
			}
			a := tc.call(t, w)
			if a.status != http.StatusTooManyRequests || a.retryAfter != "1000" || a.body != tc.body {
				t.Errorf("second call: %d Retry-After %q %s\nwant 429 Retry-After \"1000\" %s", a.status, a.retryAfter, a.body, tc.body)
			}
			// A valid credential is not the address's: the hub token still
			// works from the same address.
			if ok := w.send(t, "GET", "/hub/v1/brands", "", "Authorization", "Bearer "+w.creds.Hub.Token); ok.status != 200 {
				t.Errorf("a valid token from a limited address: %d %s", ok.status, ok.body)
			}
		})
	}
}

// TestRateLimitedWritesNothing: an order over the credential's limit is
// refused before anything is stored: no order, no event.
func TestRateLimitedWritesNothing(t *testing.T) {
	w := newLimitedWorld(t, service.RateLimits{Credential: ratelimit.Limits{Rate: 0.001, Burst: 1, Now: limitClock}})
	ctx := t.Context()
	auth := []string{"Authorization", "Bearer " + w.creds.Hub.Token, "Content-Type", "application/json"}
	if a := w.send(t, "GET", "/hub/v1/brands", "", auth...); a.status != 200 {
		t.Fatalf("first call: %d %s", a.status, a.body)
	}
	orders, err := w.st.ListOrders(ctx, store.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	events, err := w.st.ListEventsByID(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	loc := w.creds.Partner(hub.ChannelKakao).(kakao.DemoCredentials).StoreID
	body := `{"brand_id": ` + jsonInt(w.creds.BrandID) + `, "location_id": ` + loc + `, "lines": [{"product_ref": "AMERICANO", "quantity": 1}]}`
	a := w.send(t, "POST", "/hub/v1/orders", body, append(auth, "Idempotency-Key", "rl-order-1")...)
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d %s", a.status, a.body)
	}
	orders2, _ := w.st.ListOrders(ctx, store.OrderFilter{})
	events2, _ := w.st.ListEventsByID(ctx, 0, 1000)
	if len(orders2) != len(orders) || len(events2) != len(events) {
		t.Errorf("a refused request wrote: orders %d → %d, events %d → %d", len(orders), len(orders2), len(events), len(events2))
	}
}
