package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/metrics"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// scrape serves m's /metrics on an httptest server and scrapes it.
func scrape(t *testing.T, m *metrics.Metrics) (map[string]float64, map[string]string) {
	t.Helper()
	srv := httptest.NewServer(m.Handler("", nil))
	defer srv.Close()
	code, s, typ := testutil.Scrape(t, srv.URL, "")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	return s, typ
}

// series is the key testutil.ParseMetrics gives a series.
func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+strconv.Quote(labels[i+1]))
	}
	// Callers give labels in name order.
	return name + "{" + strings.Join(pairs, ",") + "}"
}

func value(t *testing.T, s map[string]float64, name string, labels ...string) float64 {
	t.Helper()
	v, ok := s[series(name, labels...)]
	if !ok {
		t.Fatalf("no series %s", series(name, labels...))
	}
	return v
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
	m.ObserveRequest("GET", "/hub/v1/orders/123", 200, 3*time.Millisecond, false)
	m.ObserveRequest("GET", "/hub/v1/orders/456", 200, 300*time.Millisecond, false)
	m.ObserveRequest("BREW", "/hub/v1/orders/789", 405, 20*time.Second, false)
	m.ObserveRequest("POST", "/no/such/path/42", 404, time.Millisecond, false)
	m.ObserveRequest("POST", "/order", 999, time.Millisecond, false)
	// A stream of an hour: counted, but not a latency.
	m.ObserveRequest("GET", "/ui/events", 200, time.Hour, true)
	m.OrderPlaced(hub.ChannelKakao, 7)
	m.OrderPlaced(hub.ChannelKakao, 7)
	m.OrderPlaced(hub.ChannelHub, 8)
	m.OrderPlaced(hub.Channel("made-up"), 7)
	m.OrderPlaced(hub.Channel("madeup"), 0) // well-formed, but no protocol's; no location
	m.OrderTransitioned(hub.StatusReady)
	m.OrderTransitioned(hub.Status(99))
	m.OrderRefused(hub.Conflict(hub.ReasonOutOfStock, "sold out"))
	m.OrderRefused(hub.Invalid("lines", "required"))
	m.OrderRefused(errors.New("boom"))
	m.OrderRefused(hub.Conflict(hub.Reason("brand new reason"), "x"))
	m.DeliveryAttempt(metrics.AttemptDelivered, 40*time.Millisecond)
	m.DeliveryAttempt(metrics.AttemptRetry, 2*time.Second)
	m.DeliveryAttempt(metrics.AttemptRetry, 2*time.Hour)
	m.DeliveryAttempt("exploded", -time.Second)
	m.SetDeliveryInFlight(func() int { return 3 })

	s, typ := scrape(t, m)
	for name, want := range map[string]string{
		"orderhub_http_requests_total": "counter", "orderhub_http_request_duration_seconds": "histogram",
		"orderhub_orders_placed_total": "counter", "orderhub_order_transitions_total": "counter",
		"orderhub_orders_refused_total": "counter", "orderhub_delivery_attempts_total": "counter",
		"orderhub_delivery_latency_seconds": "histogram", "orderhub_delivery_attempts_in_flight": "gauge",
		"orderhub_build_info": "gauge",
		// The standard collectors.
		"go_goroutines": "gauge", "go_gc_duration_seconds": "summary", "go_memstats_heap_alloc_bytes": "gauge",
		"process_start_time_seconds": "gauge", "process_resident_memory_bytes": "gauge", "process_open_fds": "gauge",
	} {
		if typ[name] != want {
			t.Errorf("TYPE of %s = %q, want %q", name, typ[name], want)
		}
	}
	// Without a source, the database's gauges are absent (not zero).
	for _, name := range []string{"orderhub_deliveries_pending", "orderhub_deliveries_dead", "orderhub_outbox_lag_seconds", "orderhub_db_connections_open"} {
		if _, ok := typ[name]; ok {
			t.Errorf("%s without a source", name)
		}
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"orderhub_http_requests_total", []string{"code", "200", "method", "GET", "surface", "hub"}, 2},
		{"orderhub_http_requests_total", []string{"code", "405", "method", "other", "surface", "hub"}, 1},
		{"orderhub_http_requests_total", []string{"code", "404", "method", "POST", "surface", "other"}, 1},
		{"orderhub_http_requests_total", []string{"code", "other", "method", "POST", "surface", "junglebook"}, 1},
		{"orderhub_http_requests_total", []string{"code", "200", "method", "GET", "surface", "ui"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"le", "0.005", "surface", "hub"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"le", "0.25", "surface", "hub"}, 1},
		{"orderhub_http_request_duration_seconds_bucket", []string{"le", "0.5", "surface", "hub"}, 2},
		{"orderhub_http_request_duration_seconds_bucket", []string{"le", "10", "surface", "hub"}, 2},
		{"orderhub_http_request_duration_seconds_bucket", []string{"le", "+Inf", "surface", "hub"}, 3},
		{"orderhub_http_request_duration_seconds_count", []string{"surface", "hub"}, 3},
		{"orderhub_http_request_duration_seconds_sum", []string{"surface", "hub"}, 20.303},
		{"orderhub_orders_placed_total", []string{"channel", "kakao", "location", "7"}, 2},
		{"orderhub_orders_placed_total", []string{"channel", "hub", "location", "8"}, 1},
		{"orderhub_orders_placed_total", []string{"channel", "other", "location", "7"}, 1},
		{"orderhub_orders_placed_total", []string{"channel", "other", "location", "other"}, 1},
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
		{"orderhub_delivery_latency_seconds_bucket", []string{"le", "0.05", "result", "delivered"}, 1},
		{"orderhub_delivery_latency_seconds_bucket", []string{"le", "1", "result", "retry"}, 0},
		{"orderhub_delivery_latency_seconds_bucket", []string{"le", "2.5", "result", "retry"}, 1},
		{"orderhub_delivery_latency_seconds_bucket", []string{"le", "3600", "result", "retry"}, 1},
		{"orderhub_delivery_latency_seconds_bucket", []string{"le", "14400", "result", "retry"}, 2},
		{"orderhub_delivery_latency_seconds_sum", []string{"result", "retry"}, 7202},
		{"orderhub_delivery_latency_seconds_sum", []string{"result", "other"}, 0}, // a clock step back counts as 0
		{"orderhub_delivery_attempts_in_flight", nil, 3},
		{"orderhub_build_info", []string{"version", `v1.2 "quoted" \ back` + "\nslash"}, 1},
	}
	for _, c := range checks {
		got := value(t, s, c.name, c.labels...)
		if d := got - c.want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The stream is not in the latency histogram of its surface.
	if _, ok := s[series("orderhub_http_request_duration_seconds_count", "surface", "ui")]; ok {
		t.Errorf("a stream was observed as a latency")
	}
	if v := value(t, s, "go_goroutines"); v < 1 {
		t.Errorf("goroutines = %v", v)
	}
	if v := value(t, s, "process_start_time_seconds"); v < float64(time.Now().Add(-24*time.Hour).Unix()) || v > float64(time.Now().Unix()+1) {
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
// at most surfaces × methods × codes series, and any number of locations
// at most MaxLocations values and "other".
func TestCardinalityBounded(t *testing.T) {
	m := metrics.New("test")
	for i := range 2000 {
		m.ObserveRequest([]string{"GET", "POST", "X" + strings.Repeat("Y", i%7)}[i%3], "/p/"+strings.Repeat("z", i), 200+i%3, time.Millisecond, false)
		m.ObserveRequest("GET", "/hub/v1/orders/"+strings.Repeat("9", i), 200, time.Millisecond, false)
	}
	for id := range int64(metrics.MaxLocations + 100) {
		m.OrderPlaced(hub.ChannelHub, id+1)
	}
	m.OrderPlaced(hub.ChannelHub, 1) // seen: still its own
	s, _ := scrape(t, m)
	requests, locations := 0, 0
	for k := range s {
		switch {
		case strings.HasPrefix(k, "orderhub_http_requests_total{"):
			requests++
		case strings.HasPrefix(k, "orderhub_orders_placed_total{"):
			locations++
		}
	}
	// other × {GET, POST, other} × {200, 201, 202} + hub × GET × 200
	if requests > 10 {
		t.Errorf("%d request series for 4000 distinct requests", requests)
	}
	if locations != metrics.MaxLocations+1 {
		t.Errorf("%d location series for %d locations, want %d", locations, metrics.MaxLocations+100, metrics.MaxLocations+1)
	}
	for series, want := range map[string]float64{
		`orderhub_orders_placed_total{channel="hub",location="1"}`:     2,
		`orderhub_orders_placed_total{channel="hub",location="500"}`:   1,
		`orderhub_orders_placed_total{channel="hub",location="other"}`: 100,
	} {
		if s[series] != want {
			t.Errorf("%s = %v, want %v", series, s[series], want)
		}
	}
}

// source is a store's figures, as the scrape-time collector reads them.
type source struct {
	backlog store.Backlog
	err     error
	calls   int
}

func (f *source) DeliveryBacklog(ctx context.Context) (store.Backlog, error) {
	f.calls++
	return f.backlog, f.err
}

func (f *source) PoolStats() []store.PoolStats {
	var read, write store.PoolStats
	read.Pool, read.MaxOpenConnections, read.OpenConnections, read.InUse, read.Idle = "read", 8, 3, 1, 2
	read.WaitCount, read.WaitDuration = 5, 1500*time.Millisecond
	write.Pool, write.MaxOpenConnections, write.OpenConnections, write.InUse = "write", 1, 1, 1
	return []store.PoolStats{read, write}
}

// TestSource: the database's gauges are read at each scrape; a failing
// backlog query leaves out its three families, and the rest is served.
func TestSource(t *testing.T) {
	m := metrics.New("test")
	oldest := time.Now().Add(-time.Hour)
	src := &source{backlog: store.Backlog{Pending: 12, Dead: 3, OldestUndispatched: &oldest}}
	m.SetSource(src)
	s, typ := scrape(t, m)
	for series, want := range map[string]float64{
		"orderhub_deliveries_pending":                  12,
		"orderhub_deliveries_dead":                     3,
		`orderhub_db_connections_max{pool="read"}`:     8,
		`orderhub_db_connections_open{pool="read"}`:    3,
		`orderhub_db_connections_in_use{pool="read"}`:  1,
		`orderhub_db_connections_idle{pool="read"}`:    2,
		`orderhub_db_waits_total{pool="read"}`:         5,
		`orderhub_db_wait_seconds_total{pool="read"}`:  1.5,
		`orderhub_db_connections_in_use{pool="write"}`: 1,
		`orderhub_db_connections_idle{pool="write"}`:   0,
		`orderhub_db_waits_total{pool="write"}`:        0,
	} {
		if got, ok := s[series]; (!ok && want != 0) || got != want {
			t.Errorf("%s = %v (%v), want %v", series, got, ok, want)
		}
	}
	if typ["orderhub_db_waits_total"] != "counter" || typ["orderhub_deliveries_pending"] != "gauge" || typ["orderhub_outbox_lag_seconds"] != "gauge" {
		t.Errorf("types: %v", typ)
	}
	// An hour old, give or take the test's own run.
	if lag := s["orderhub_outbox_lag_seconds"]; lag < 3600 || lag > 3600+600 {
		t.Errorf("outbox lag = %v, want about 3600", lag)
	}

	src.backlog = store.Backlog{}
	s, _ = scrape(t, m)
	if s["orderhub_outbox_lag_seconds"] != 0 || s["orderhub_deliveries_pending"] != 0 || src.calls != 2 {
		t.Errorf("empty backlog: lag %v, pending %v, %d queries", s["orderhub_outbox_lag_seconds"], s["orderhub_deliveries_pending"], src.calls)
	}

	src.err = errors.New("database unreachable")
	s, typ = scrape(t, m)
	for _, name := range []string{"orderhub_deliveries_pending", "orderhub_deliveries_dead", "orderhub_outbox_lag_seconds"} {
		if _, ok := typ[name]; ok {
			t.Errorf("%s served from a failed query", name)
		}
	}
	if s[`orderhub_db_connections_open{pool="read"}`] != 3 || typ["go_goroutines"] != "gauge" {
		t.Errorf("the rest of the scrape is missing: %v", typ)
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
	open := get(m.Handler("", nil), "")
	if open.Code != 200 || open.Header().Get("Content-Type") != metrics.ContentType || open.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("open: %d %q", open.Code, open.Header().Get("Content-Type"))
	}
	testutil.ParseMetrics(t, open.Body)
	h := m.Handler("s3cret", nil)
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
	m.ObserveRequest("GET", "/", 200, time.Millisecond, false)
	m.OrderPlaced(hub.ChannelHub, 1)
	m.OrderRefused(errors.New("x"))
	m.OrderTransitioned(hub.StatusReady)
	m.DeliveryAttempt("dead", time.Second)
	m.SetDeliveryInFlight(nil)
	m.SetSource(nil)
}

// TestPrivateRegistry: two registries in one process do not share series
// (nothing is registered globally).
func TestPrivateRegistry(t *testing.T) {
	a, b := metrics.New("a"), metrics.New("b")
	a.OrderPlaced(hub.ChannelHub, 1)
	if s, _ := scrape(t, b); len(s) == 0 || s[`orderhub_orders_placed_total{channel="hub",location="1"}`] != 0 {
		t.Errorf("b sees a's order")
	}
}

func TestConcurrent(t *testing.T) {
	m := metrics.New("test")
	srv := httptest.NewServer(m.Handler("", nil))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 200 {
				m.ObserveRequest("GET", "/hub/v1/x", 200, time.Millisecond, false)
				m.OrderPlaced(hub.ChannelHub, int64(i%3+1))
				if i%50 == 0 {
					testutil.Scrape(t, srv.URL, "")
				}
			}
		})
	}
	wg.Wait()
	s, _ := scrape(t, m)
	if v := value(t, s, "orderhub_http_requests_total", "code", "200", "method", "GET", "surface", "hub"); v != 1600 {
		t.Errorf("requests = %v, want 1600", v)
	}
	if v := s[`orderhub_orders_placed_total{channel="hub",location="1"}`]; v != 8*67 {
		t.Errorf("placed at location 1 = %v, want %d", v, 8*67)
	}
}

var metricName = regexp.MustCompile(`\borderhub_[a-z_]*[a-z](_\*)?`)

// TestFamiliesDocumented: every orderhub_ family is in the table of
// docs/operations.md, and every orderhub_ name the guide and the README
// mention (PromQL examples included) is a family or one of its series.
func TestFamiliesDocumented(t *testing.T) {
	m := metrics.New("test", seeds...)
	m.ObserveRequest("GET", "/hub/v1/orders", 200, time.Millisecond, false)
	m.OrderPlaced(hub.ChannelHub, 1)
	m.OrderRefused(errors.New("x"))
	m.DeliveryAttempt(metrics.AttemptDelivered, time.Second)
	m.SetSource(&source{})
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]bool{}
	for _, f := range fams {
		families[f.GetName()] = true
	}
	guide, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name := range families {
		if !strings.HasPrefix(name, "orderhub_") {
			continue
		}
		n++
		if !strings.Contains(string(guide), "| `"+name+"` |") {
			t.Errorf("%s is not in the table of docs/operations.md", name)
		}
	}
	if n < 17 {
		t.Errorf("only %d orderhub_ families gathered", n)
	}
	for doc, text := range map[string][]byte{"docs/operations.md": guide, "README.md": readme} {
	mentions:
		for _, name := range metricName.FindAllString(string(text), -1) {
			if prefix, ok := strings.CutSuffix(name, "*"); ok { // a group: orderhub_http_*
				for f := range families {
					if strings.HasPrefix(f, prefix) {
						continue mentions
					}
				}
				t.Errorf("%s mentions %s, but no family starts so", doc, name)
				continue
			}
			base := name
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if b, ok := strings.CutSuffix(name, suffix); ok && families[b] {
					base = b
				}
			}
			if !families[base] && name != "orderhub_session" { // the dashboard's cookie
				t.Errorf("%s mentions %s, which /metrics does not serve", doc, name)
			}
		}
	}
}
