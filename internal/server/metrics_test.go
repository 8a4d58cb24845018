package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/metrics"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// sampleLine is one line of the text format as /metrics writes it: HELP,
// TYPE, or name{label="value",...} value, with only \\, \" and \n escapes.
var sampleLine = regexp.MustCompile(`^(# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram)|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? ([-+]?[0-9.eE+-]+|\+Inf|-Inf|NaN))$`)

func getMetrics(t *testing.T, url, token string) (int, map[string]float64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); ct != metrics.ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if !sampleLine.MatchString(line) {
			t.Errorf("not a line of the text format: %q", line)
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Errorf("%q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return res.StatusCode, out
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
			`orderhub_http_requests_total{surface="health",method="GET",code="200"}`:   1,
			`orderhub_http_requests_total{surface="hub",method="GET",code="401"}`:      1,
			`orderhub_http_requests_total{surface="other",method="GET",code="404"}`:    2,
			`orderhub_http_request_duration_seconds_count{surface="health"}`:           1,
			`orderhub_http_request_duration_seconds_bucket{surface="hub",le="+Inf"}`:   1,
			`orderhub_orders_placed_total{channel="hub"}`:                              0,
			`orderhub_build_info{version="v-test"}`:                                    1,
			`orderhub_http_request_duration_seconds_bucket{surface="other",le="+Inf"}`: 2,
		} {
			if s[series] != want {
				t.Errorf("%s = %v, want %v", series, s[series], want)
			}
		}
		if s[`orderhub_http_requests_total{surface="omni",method="POST",code="401"}`]+
			s[`orderhub_http_requests_total{surface="omni",method="POST",code="403"}`] != 1 {
			t.Errorf("the Omni request is not counted under omni: %v", s)
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
			`orderhub_orders_placed_total{channel="hub"}`:                           1,
			`orderhub_orders_refused_total{reason="unknown_product"}`:               1,
			`orderhub_order_transitions_total{to="confirmed"}`:                      1,
			`orderhub_order_transitions_total{to="completed"}`:                      0,
			`orderhub_http_requests_total{surface="other",method="GET",code="200"}`: 1, // the first scrape
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
	if s[`orderhub_http_requests_total{surface="other",method="GET",code="401"}`] != 2 {
		t.Errorf("refused scrapes are not counted: %v", s)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
