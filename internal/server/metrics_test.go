package server

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/metrics"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// getMetrics scrapes /metrics: the status and, on 200, every series by
// name{label="value",...} with labels sorted by name.
func getMetrics(t *testing.T, url, token string) (int, map[string]float64) {
	t.Helper()
	code, s, _ := testutil.Scrape(t, url, token)
	return code, s
}

func send(t *testing.T, method, url string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestMetricsEndpoint(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		m := metrics.New("v-test", Protocols().Surfaces()...)
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithMetrics(m), Protocols().Option())
		srv := httptest.NewServer(Handler(Config{Version: "v-test", Metrics: m}, svc, quietLog()))
		t.Cleanup(srv.Close)

		if code := send(t, "GET", srv.URL+"/healthz"); code != 200 {
			t.Fatalf("healthz: %d", code)
		}
		send(t, "GET", srv.URL+"/hub/v1/orders/FR9TL74P") // 401: no token
		send(t, "GET", srv.URL+"/no/such/path/12345")
		send(t, "GET", srv.URL+"/wp-login.php?id=99")
		send(t, "POST", srv.URL+"/api/store/orders/confirm")

		code, s := getMetrics(t, srv.URL, "")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		for series, want := range map[string]float64{
			`orderhub_http_requests_total{code="200",method="GET",surface="health"}`:   1,
			`orderhub_http_requests_total{code="401",method="GET",surface="hub"}`:      1,
			`orderhub_http_requests_total{code="404",method="GET",surface="other"}`:    2,
			`orderhub_http_request_duration_seconds_count{surface="health"}`:           1,
			`orderhub_http_request_duration_seconds_bucket{le="+Inf",surface="hub"}`:   1,
			`orderhub_build_info{version="v-test"}`:                                    1,
			`orderhub_http_request_duration_seconds_bucket{le="+Inf",surface="other"}`: 2,
		} {
			if s[series] != want {
				t.Errorf("%s = %v, want %v", series, s[series], want)
			}
		}
		if s[`orderhub_http_requests_total{code="401",method="POST",surface="omni"}`]+
			s[`orderhub_http_requests_total{code="403",method="POST",surface="omni"}`] != 1 {
			t.Errorf("the Omni request is not counted under omni: %v", s)
		}
		// The store's gauges: nothing outstanding on an empty database.
		for series, want := range map[string]float64{
			"orderhub_deliveries_pending": 0, "orderhub_deliveries_dead": 0, "orderhub_outbox_lag_seconds": 0,
		} {
			if got, ok := s[series]; !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
			}
		}
		if _, ok := s[`orderhub_db_connections_open{pool="`+map[string]string{"sqlite": "read", "postgres": "main"}[st.Dialect()]+`"}`]; !ok {
			t.Errorf("no pool gauges for %s", st.Dialect())
		}
		for k := range s {
			if strings.Contains(k, "12345") || strings.Contains(k, "FR9TL74P") || strings.Contains(k, "wp-login") || strings.Contains(k, "/") {
				t.Errorf("a path or id in a label: %s", k)
			}
		}

		// An order placed and moved through the service.
		brand := &hub.Brand{Name: "Cafe", Currency: "KRW"}
		must(t, svc.CreateBrand(ctx, brand))
		loc := &hub.Location{BrandID: brand.ID, Code: "A", Name: "A", Timezone: "UTC"}
		must(t, svc.CreateLocation(ctx, loc))
		must(t, svc.SaveProduct(ctx, &hub.Product{BrandID: brand.ID, RefID: "TEA", Name: hub.I18n{"en": "Tea"}, Type: hub.ProductSingle,
			Price: 3000, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}))
		in := service.PlaceOrderInput{BrandID: brand.ID, LocationID: loc.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "TEA", Quantity: 1}}}
		res, err := svc.PlaceOrder(ctx, in)
		must(t, err)
		in.Lines[0].ProductRef = "NOPE"
		if _, err := svc.PlaceOrder(ctx, in); err == nil {
			t.Fatal("an unknown product was taken")
		}
		_, err = svc.Transition(ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: brand.ID}, OrderRef: res.Order.Number,
			Action: hub.ActionConfirm, Actor: hub.Actor{Role: hub.RoleStore, Name: "pos"}})
		must(t, err)

		_, s = getMetrics(t, srv.URL, "")
		for series, want := range map[string]float64{
			`orderhub_orders_placed_total{channel="hub",location="` + itoa(loc.ID) + `"}`: 1,
			`orderhub_orders_refused_total{reason="unknown_product"}`:                     1,
			`orderhub_order_transitions_total{to="confirmed"}`:                            1,
			`orderhub_order_transitions_total{to="completed"}`:                            0,
			`orderhub_http_requests_total{code="200",method="GET",surface="other"}`:       1, // the first scrape
		} {
			if s[series] != want {
				t.Errorf("%s = %v, want %v", series, s[series], want)
			}
		}
	})
}

func TestMetricsToken(t *testing.T) {
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound))
	srv := httptest.NewServer(Handler(Config{Version: "test", MetricsToken: "s3cret"}, svc, quietLog()))
	t.Cleanup(srv.Close)
	if code, _ := getMetrics(t, srv.URL, ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := getMetrics(t, srv.URL, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	code, s := getMetrics(t, srv.URL, "s3cret")
	if code != http.StatusOK {
		t.Fatalf("right token: %d", code)
	}
	// Without Config.Metrics, Handler makes its own: requests still count.
	if s[`orderhub_http_requests_total{code="401",method="GET",surface="other"}`] != 2 {
		t.Errorf("refused scrapes are not counted: %v", s)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMetricsDeliveryGauges: the backlog gauges are the database's: an
// event an hour old not yet fanned out is an hour of outbox lag; fanned
// out to an endpoint that refuses it, it is a pending delivery, then a
// dead one, with its attempt and its latency counted.
func TestMetricsDeliveryGauges(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		m := metrics.New("v-test", Protocols().Surfaces()...)
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithMetrics(m), Protocols().Option())
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusBadRequest) // final: dead at once
		}))
		t.Cleanup(receiver.Close)
		engine := delivery.New(st, delivery.Config{Outbound: testutil.Outbound, PollInterval: 10 * time.Millisecond, Logger: quietLog(), Metrics: m})
		srv := httptest.NewServer(Handler(Config{Version: "v-test", Metrics: m, Delivery: engine}, svc, quietLog()))
		t.Cleanup(srv.Close)

		brand := &hub.Brand{Name: "Cafe", Currency: "KRW"}
		must(t, svc.CreateBrand(ctx, brand))
		if _, _, err := delivery.CreateEndpoint(ctx, st, brand.ID, receiver.URL, []string{string(hub.EventOrderCreated)}); err != nil {
			t.Fatal(err)
		}
		hourAgo := time.Now().Add(-time.Hour)
		must(t, st.Update(ctx, func(tx store.Tx) error {
			return tx.AddEvent(ctx, &store.Event{Type: hub.EventOrderCreated, BrandID: brand.ID, OrderID: 1,
				Payload: []byte(`{"version":1}`), CreatedAt: hourAgo})
		}))
		_, s := getMetrics(t, srv.URL, "")
		// An hour, give or take the test's own run.
		if lag := s["orderhub_outbox_lag_seconds"]; lag < 3600 || lag > 3600+600 {
			t.Errorf("outbox lag = %v, want about 3600", lag)
		}

		if n, err := engine.DispatchOnce(ctx); err != nil || n != 1 {
			t.Fatalf("DispatchOnce: %d, %v", n, err)
		}
		_, s = getMetrics(t, srv.URL, "")
		for series, want := range map[string]float64{
			"orderhub_deliveries_pending": 1, "orderhub_deliveries_dead": 0, "orderhub_outbox_lag_seconds": 0,
		} {
			if s[series] != want {
				t.Errorf("fanned out: %s = %v, want %v", series, s[series], want)
			}
		}

		engine.Start(ctx)
		waitUntil(t, 30*time.Second, func() bool {
			b, err := st.DeliveryBacklog(ctx)
			return err == nil && b.Dead == 1
		})
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		must(t, engine.Stop(stop))
		_, s = getMetrics(t, srv.URL, "")
		for series, want := range map[string]float64{
			"orderhub_deliveries_pending":                                       0,
			"orderhub_deliveries_dead":                                          1,
			`orderhub_delivery_attempts_total{result="dead"}`:                   1,
			`orderhub_delivery_attempts_total{result="delivered"}`:              0,
			`orderhub_delivery_latency_seconds_count{result="dead"}`:            1,
			`orderhub_delivery_latency_seconds_bucket{le="+Inf",result="dead"}`: 1,
			"orderhub_delivery_attempts_in_flight":                              0,
		} {
			if got, ok := s[series]; !ok || got != want {
				t.Errorf("dead: %s = %v (present %v), want %v", series, got, ok, want)
			}
		}
	})
}

// TestMetricsStreamNotTimed: the dashboard's live view (server-sent
// events) is counted when it ends but is not a request latency; the
// board's page, the same surface, is both.
func TestMetricsStreamNotTimed(t *testing.T) {
	st := testutil.OpenSQLite(t)
	ctx := t.Context()
	m := metrics.New("v-test", Protocols().Surfaces()...)
	svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithMetrics(m), Protocols().Option())
	srv := httptest.NewServer(Handler(Config{Version: "v-test", Metrics: m}, svc, quietLog()))
	t.Cleanup(srv.Close)
	creds, err := demo.Load(ctx, svc, srv.URL, Protocols())
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := readAll(t, c, "GET", srv.URL+"/ui/login", nil)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form)
	if csrf == nil {
		t.Fatalf("no CSRF field in the login form")
	}
	res, err := c.PostForm(srv.URL+"/ui/login", url.Values{"csrf": {csrf[1]}, "username": {creds.Admin.Username}, "password": {creds.Admin.Password}})
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	readAll(t, c, "GET", srv.URL+"/ui/", nil)

	_, before := getMetrics(t, srv.URL, "")
	uiGets := `orderhub_http_requests_total{code="200",method="GET",surface="ui"}`
	uiTimed := `orderhub_http_request_duration_seconds_count{surface="ui"}`
	if before[uiGets] != 2 || before[uiTimed] != 3 { // the login form and the board, and the login POST
		t.Fatalf("before the stream: %v GETs answered 200, %v timed", before[uiGets], before[uiTimed])
	}

	// Open the stream, read its first event, and leave.
	sctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, "GET", srv.URL+"/ui/events", nil)
	res, err = c.Do(req)
	must(t, err)
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("live view: %d %q", res.StatusCode, ct)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "retry" {
		t.Fatalf("live view's first bytes: %q %v", buf, err)
	}
	cancel()
	res.Body.Close()

	// The stream is counted once its handler returns.
	var after map[string]float64
	waitUntil(t, 10*time.Second, func() bool {
		_, after = getMetrics(t, srv.URL, "")
		return after[uiGets] == 3
	})
	if after[uiTimed] != before[uiTimed] {
		t.Errorf("the stream was timed: %v ui requests observed, %v before", after[uiTimed], before[uiTimed])
	}
	if after[`orderhub_http_request_duration_seconds_bucket{le="+Inf",surface="ui"}`] != before[uiTimed] {
		t.Errorf("the stream is in a bucket")
	}
}

func readAll(t *testing.T, c *http.Client, method, url string, body io.Reader) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	res, err := c.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", method, url, res.StatusCode)
	}
	return string(b)
}
