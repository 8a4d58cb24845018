package metrics_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) (map[string]Sample, map[string]string) {
	t.Helper()
	var b bytes.Buffer
	m.Write(&b)
	s, typ, err := Parse(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return s, typ
}

func value(t *testing.T, s map[string]Sample, name string, labels ...string) float64 {
	t.Helper()
	l := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	v, ok := s[key(name, l)]
	if !ok {
		t.Fatalf("no series %s", key(name, l))
	}
	return v.Value
}

// seeds are the protocol surfaces of the seeds, as their packages register
// them (internal/server checks the registry's against its routes).
var seeds = []metrics.Surface{
	{Name: "kakao", Prefixes: []string{"/api/v1/stores", "/api/v1/cancel", "/api/kakao"}},
	{Name: "omni", Prefixes: []string{"/api/store/orders"}},
	{Name: "junglebook", Prefixes: []string{"/order"}},
	{Name: "zeek", Prefixes: []string{"/api/v1.0"}},
	{Name: "tableorder", Prefixes: []string{"/v1"}},
}

func TestSurface(t *testing.T) {
	m := metrics.New("test", seeds...)
	bare := metrics.New("test")
	for path, want := range map[string]string{
		"/hub/v1/orders/FR9TL74P":             "hub",
		"/hub/v1/":                            "hub",
		"/api/store/orders/confirm":           "omni",
		"/order":                              "junglebook",
		"/order/test":                         "junglebook",
		"/orders":                             "other",
		"/api/v1.0/order/status/update":       "zeek",
		"/v1/items":                           "tableorder",
		"/v1/auth/login":                      "tableorder",
		"/api/v1/stores/1/orders":             "kakao",
		"/api/v1/cancel":                      "kakao",
		"/api/kakao/v1/order/cook":            "kakao",
		"/api/v1/other":                       "other",
		"/ui/":                                "ui",
		"/ui":                                 "ui",
		"/uix":                                "other",
		"/healthz":                            "health",
		"/readyz":                             "health",
		"/metrics":                            "other",
		"/openapi.json":                       "other",
		"/":                                   "other",
		"/wp-admin/../../etc/passwd":          "other",
		"/hubx":                               "other",
		"/" + strings.Repeat("a", 1000):       "other",
		"/api/store/ordersX":                  "other",
		"/api/v1.0":                           "zeek",
		"/something/\"quoted\"\nwith newline": "other",
	} {
		if got := m.Surface(path); got != want {
			t.Errorf("Surface(%q) = %q, want %q", path, got, want)
		}
		// Without the protocols, only orderhub's own surfaces.
		if want != "hub" && want != "ui" && want != "health" {
			want = "other"
		}
		if got := bare.Surface(path); got != want {
			t.Errorf("without protocols: Surface(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestExposition(t *testing.T) {
	m := metrics.New(`v1.2 "quoted" \ back`+"\nslash", seeds...)
	m.ObserveRequest("GET", "/hub/v1/orders/123", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "/hub/v1/orders/456", 200, 300*time.Millisecond)
	m.ObserveRequest("BREW", "/hub/v1/orders/789", 405, 20*time.Second)
	m.ObserveRequest("POST", "/no/such/path/42", 404, time.Millisecond)
	m.ObserveRequest("POST", "/order", 999, time.Millisecond)
	m.OrderPlaced(hub.ChannelKakao)
	m.OrderPlaced(hub.Channel("made-up"))
	m.OrderPlaced(hub.Channel("madeup")) // well-formed, but no protocol's
	m.OrderTransitioned(hub.StatusReady)
	m.OrderTransitioned(hub.Status(99))
	m.OrderRefused(hub.Conflict(hub.ReasonOutOfStock, "sold out"))
	m.OrderRefused(hub.Invalid("lines", "required"))
	m.OrderRefused(errors.New("boom"))
	m.OrderRefused(hub.Conflict(hub.Reason("brand new reason"), "x"))
	m.DeliveryAttempt(metrics.AttemptDelivered)
	m.DeliveryAttempt(metrics.AttemptRetry)
	m.DeliveryAttempt(metrics.AttemptRetry)
	m.DeliveryAttempt("exploded")
	m.SetDeliveryInFlight(func() int { return 3 })

	s, typ := scrape(t, m)
	for name, want := range map[string]string{
		"orderhub_http_requests_total": "counter", "orderhub_http_request_duration_seconds": "histogram",
		"orderhub_orders_placed_total": "counter", "orderhub_order_transitions_total": "counter",
		"orderhub_orders_refused_total": "counter", "orderhub_delivery_attempts_total": "counter",
		"orderhub_delivery_attempts_in_flight": "gauge", "orderhub_goroutines": "gauge",
		"process_start_time_seconds": "gauge", "orderhub_build_info": "gauge",
	} {
		if typ[name] != want {
			t.Errorf("TYPE of %s = %q, want %q", name, typ[name], want)
		}
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"orderhub_http_requests_total", []string{"surface", "hub", "method", "GET", "code", "200"}, 2},
		{"orderhub_http_requests_total", []string{"surface", "hub", "method", "other", "code", "405"}, 1},
		{"orderhub_http_requests_total", []string{"surface", "other", "method", "POST", "code", "404"}, 1},
		{"orderhub_http_requests_total", []string{"surface", "junglebook", "method", "POST", "code", "other"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"surface", "hub", "le", "0.005"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"surface", "hub", "le", "0.25"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"surface", "hub", "le", "0.5"}, 2},
		{"orderhub_http_request_duration_seconds_bucket", []string{"surface", "hub", "le", "10"}, 2},
		{"orderhub_http_request_duration_seconds_bucket", []string{"surface", "hub", "le", "+Inf"}, 3},
		{"orderhub_http_request_duration_seconds_count", []string{"surface", "hub"}, 3},
		{"orderhub_http_request_duration_seconds_sum", []string{"surface", "hub"}, 20.303},
		{"orderhub_orders_placed_total", []string{"channel", "kakao"}, 1},
		{"orderhub_orders_placed_total", []string{"channel", "zeek"}, 0},
		{"orderhub_orders_placed_total", []string{"channel", "other"}, 2},
		{"orderhub_order_transitions_total", []string{"to", "ready"}, 1},
		{"orderhub_order_transitions_total", []string{"to", "cancelled"}, 0},
		{"orderhub_order_transitions_total", []string{"to", "other"}, 1},
		{"orderhub_orders_refused_total", []string{"reason", "out_of_stock"}, 1},
		{"orderhub_orders_refused_total", []string{"reason", "invalid"}, 1},
		{"orderhub_orders_refused_total", []string{"reason", "internal"}, 1},
		{"orderhub_orders_refused_total", []string{"reason", "other"}, 1},
		{"orderhub_delivery_attempts_total", []string{"result", "delivered"}, 1},
		{"orderhub_delivery_attempts_total", []string{"result", "retry"}, 2},
		{"orderhub_delivery_attempts_total", []string{"result", "dead"}, 0},
		{"orderhub_delivery_attempts_total", []string{"result", "other"}, 1},
		{"orderhub_delivery_attempts_in_flight", nil, 3},
		{"orderhub_build_info", []string{"version", `v1.2 "quoted" \ back` + "\nslash"}, 1},
	}
	for _, c := range checks {
		got := value(t, s, c.name, c.labels...)
		if d := got - c.want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(t, s, "orderhub_goroutines"); v < 1 {
		t.Errorf("goroutines = %v", v)
	}
	if v := value(t, s, "process_start_time_seconds"); v < float64(time.Now().Add(-time.Hour).Unix()) || v > float64(time.Now().Unix()+1) {
		t.Errorf("start time = %v", v)
	}
	// Bounded labels: no raw path or id anywhere.
	for k := range s {
		if strings.Contains(k, "123") || strings.Contains(k, "/") || strings.Contains(k, "BREW") || strings.Contains(k, "made") || strings.Contains(k, "exploded") {
			t.Errorf("unbounded label value in %s", k)
		}
	}
}

// TestCardinalityBounded: any number of distinct paths and methods yields
// at most surfaces × methods × codes series.
func TestCardinalityBounded(t *testing.T) {
	m := metrics.New("test")
	for i := range 2000 {
		m.ObserveRequest([]string{"GET", "POST", "X" + strings.Repeat("Y", i%7)}[i%3], "/p/"+strings.Repeat("z", i), 200+i%3, time.Millisecond)
		m.ObserveRequest("GET", "/hub/v1/orders/"+strings.Repeat("9", i), 200, time.Millisecond)
	}
	s, _ := scrape(t, m)
	n := 0
	for _, x := range s {
		if x.Name == "orderhub_http_requests_total" {
			n++
		}
	}
	// other × {GET, POST, other} × {200, 201, 202} + hub × GET × 200
	if n > 10 {
		t.Errorf("%d request series for 4000 distinct requests", n)
	}
}

func TestHandlerToken(t *testing.T) {
	m := metrics.New("test")
	get := func(h http.Handler, auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	open := get(m.Handler(""), "")
	if open.Code != 200 || open.Header().Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("open: %d %q", open.Code, open.Header().Get("Content-Type"))
	}
	if _, _, err := Parse(open.Body.String()); err != nil {
		t.Fatal(err)
	}
	h := m.Handler("s3cret")
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Basic s3cret", "s3cret", "Bearer s3cret2", "Bearer s3cre"} {
		w := get(h, auth)
		if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" || strings.Contains(w.Body.String(), "orderhub_") {
			t.Errorf("Authorization %q: %d %q", auth, w.Code, w.Body.String())
		}
	}
	for _, auth := range []string{"Bearer s3cret", "bearer s3cret"} {
		if w := get(h, auth); w.Code != 200 || !strings.Contains(w.Body.String(), "orderhub_build_info") {
			t.Errorf("Authorization %q: %d", auth, w.Code)
		}
	}
}

// TestNilMetrics: a nil registry records nothing and does not panic.
func TestNilMetrics(t *testing.T) {
	var m *metrics.Metrics
	m.ObserveRequest("GET", "/", 200, time.Millisecond)
	m.OrderPlaced(hub.ChannelHub)
	m.OrderRefused(errors.New("x"))
	m.OrderTransitioned(hub.StatusReady)
	m.DeliveryAttempt("dead")
	m.SetDeliveryInFlight(nil)
}

func TestConcurrent(t *testing.T) {
	m := metrics.New("test")
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				m.ObserveRequest("GET", "/hub/v1/x", 200, time.Millisecond)
				m.OrderPlaced(hub.ChannelHub)
				var b bytes.Buffer
				m.Write(&b)
			}
		}()
	}
	for range 8 {
		<-done
	}
	s, _ := scrape(t, m)
	if v := value(t, s, "orderhub_http_requests_total", "surface", "hub", "method", "GET", "code", "200"); v != 1600 {
		t.Errorf("requests = %v, want 1600", v)
	}
}
