package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/metrics"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/protocoltest"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestSixthProtocol: a protocol is one package and one line. The kiosk of
// internal/protocol/protocoltest, appended to the registry and nothing
// else, serves its route, is a /metrics surface and a channel, is in
// /openapi.json (and passes its checks), has its settings checked, and
// gets a demo partner in demo-credentials.json.
func TestSixthProtocol(t *testing.T) {
	reg := append(Protocols(), protocoltest.Protocol()) // the one line
	if err := Check(reg); err != nil {
		t.Fatal(err)
	}
	t.Run("openapi matches the mux", func(t *testing.T) { checkOpenAPIMatchesMux(t, reg) })
	t.Run("openapi document", func(t *testing.T) { checkOpenAPIDocument(t, reg) })

	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		m := metrics.New("v-test", reg.Surfaces()...)
		svc := service.New(st, service.WithOutbound(testutil.Outbound), reg.Option(), service.WithMetrics(m))
		srv := httptest.NewServer(Handler(Config{Version: "v-test", Protocols: reg, Metrics: m}, svc, quietLog()))
		t.Cleanup(srv.Close)

		// The demo partner, written between tableorder and hub.
		creds, err := demo.Load(ctx, svc, srv.URL, reg)
		if err != nil {
			t.Fatal(err)
		}
		kiosk, ok := creds.Partner(protocoltest.Channel).(protocoltest.DemoCredentials)
		if !ok || !strings.HasPrefix(kiosk.APIKey, "ohx_") {
			t.Fatalf("kiosk demo partner: %+v", creds.Partner(protocoltest.Channel))
		}
		path, err := demo.Write(t.TempDir(), creds)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		if keys := memberNames(t, raw); !slices.Equal(keys, []string{"base_url", "currency", "admin",
			"kakao", "omni", "junglebook", "zeek", "tableorder", "kiosk", "hub"}) {
			t.Errorf("demo-credentials.json members: %v", keys)
		}
		if filepath.Base(path) != "demo-credentials.json" {
			t.Errorf("written to %s", path)
		}

		// Its route, with its demo key: an order of channel kiosk.
		status, body := call(t, "POST", srv.URL+"/kiosk/v1/orders", "Bearer "+kiosk.APIKey,
			`{"location_id": `+jsonInt(kiosk.LocationID)+`, "items": [{"product": "P011", "quantity": 2}]}`)
		if status != 201 || body["number"] == "" || body["total"] != float64(4000) {
			t.Fatalf("kiosk order: %d %v", status, body)
		}
		if status, body := call(t, "POST", srv.URL+"/kiosk/v1/orders", "Bearer nope", `{}`); status != 401 {
			t.Errorf("bad key: %d %v", status, body)
		}
		if status, body := call(t, "GET", srv.URL+"/kiosk/v2/anything", "", ""); status != 404 || body["message"] == nil {
			t.Errorf("unknown kiosk path: %d %v (want its own 404)", status, body)
		}
		number, _ := body["number"].(string)
		o, err := svc.FindOrder(ctx, service.OrderScope{BrandID: creds.BrandID}, number)
		if err != nil || o.Channel != protocoltest.Channel {
			t.Fatalf("the order: %+v %v", o, err)
		}

		// The native API knows the channel, and checks the settings.
		hubTok := "Bearer " + creds.Hub.Token
		if status, body := call(t, "GET", srv.URL+"/hub/v1/orders?channel=kiosk&brand_id="+jsonInt(creds.BrandID), hubTok, ""); status != 200 ||
			len(body["data"].([]any)) != 1 {
			t.Errorf("orders of channel kiosk: %d %v", status, body)
		}
		status, body = call(t, "POST", srv.URL+"/hub/v1/partners?brand_id="+jsonInt(creds.BrandID), hubTok,
			`{"brand_id": `+jsonInt(creds.BrandID)+`, "protocol": "kiosk", "settings": {"extra": {"kiosk_label": 7}}}`)
		if e, _ := body["error"].(map[string]any); status != 400 || e["details"].(map[string]any)["field"] != "settings.extra.kiosk_label" {
			t.Errorf("bad kiosk setting: %d %v", status, body)
		}

		// Its surface and its channel in /metrics.
		_, s := getMetrics(t, srv.URL, "")
		for series, want := range map[string]float64{
			`orderhub_http_requests_total{code="201",method="POST",surface="kiosk"}`:                     1,
			`orderhub_http_requests_total{code="401",method="POST",surface="kiosk"}`:                     1,
			`orderhub_http_requests_total{code="404",method="GET",surface="kiosk"}`:                      1,
			`orderhub_orders_placed_total{channel="kiosk",location="` + jsonInt(kiosk.LocationID) + `"}`: 1,
		} {
			if s[series] != want {
				t.Errorf("%s = %v, want %v", series, s[series], want)
			}
		}

		// Its part of /openapi.json, and the channel in the enum.
		status, raw = get(t, srv.URL+"/openapi.json")
		var doc struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]struct {
					Enum []any `json:"enum"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil || status != 200 {
			t.Fatalf("openapi.json: %d %v", status, err)
		}
		if doc.Paths["/kiosk/v1/orders"] == nil || !slices.Contains(doc.Components.Schemas["Channel"].Enum, any("kiosk")) {
			t.Errorf("openapi.json lacks the kiosk: paths %v, channels %v", len(doc.Paths), doc.Components.Schemas["Channel"].Enum)
		}
	})
}

// TestRegistry: the served registry is sound, and Check refuses what would
// break the server, the metrics or the service.
func TestRegistry(t *testing.T) {
	if err := Check(Protocols()); err != nil {
		t.Fatal(err)
	}
	with := func(change func(*protocol.Protocol)) protocol.Registry {
		p := protocoltest.Protocol()
		change(&p)
		return append(Protocols(), p)
	}
	for name, reg := range map[string]protocol.Registry{
		"twice":                append(Protocols(), Protocols()[0]),
		"hub":                  with(func(p *protocol.Protocol) { p.Channel = hub.ChannelHub }),
		"malformed channel":    with(func(p *protocol.Protocol) { p.Channel = "Kiosk" }),
		"no credential kind":   with(func(p *protocol.Protocol) { p.Credential = "" }),
		"access tokens":        with(func(p *protocol.Protocol) { p.Credential = store.CredAccessToken }),
		"no role":              with(func(p *protocol.Protocol) { p.Role = "" }),
		"no routes":            with(func(p *protocol.Protocol) { p.Routes = nil }),
		"shared key prefix":    with(func(p *protocol.Protocol) { p.KeyPrefix = "ohk_" }),
		"no path":              with(func(p *protocol.Protocol) { p.PathPrefixes = nil }),
		"path below another":   with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/api/v1.0/kiosk"} }),
		"path above another":   with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/api"} }),
		"the native API":       with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/hub/kiosk"} }),
		"openapi.json itself":  with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/openapi.json"} }),
		"trailing slash":       with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/kiosk/"} }),
		"wildcard":             with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/kiosk/{id}"} }),
		"a path twice":         with(func(p *protocol.Protocol) { p.PathPrefixes = []string{"/order"} }),
		"openapi path clash":   with(func(p *protocol.Protocol) { p.OpenAPI = []byte(`{"paths": {"/order": {"get": {}}}}`) }),
		"openapi schema clash": with(func(p *protocol.Protocol) { p.OpenAPI = []byte(`{"components": {"schemas": {"Order": {}}}}`) }),
		"openapi info":         with(func(p *protocol.Protocol) { p.OpenAPI = []byte(`{"info": {"title": "kiosk"}}`) }),
		"openapi not JSON":     with(func(p *protocol.Protocol) { p.OpenAPI = []byte(`{"paths": `) }),
	} {
		if err := Check(reg); err == nil {
			t.Errorf("%s: Check accepted the registry", name)
		}
	}
	// Every documented path of a protocol is its /metrics surface, so its
	// path prefixes cover its routes.
	m := metrics.New("test", Protocols().Surfaces()...)
	for _, p := range Protocols() {
		var part struct {
			Paths map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(p.OpenAPI, &part); err != nil || len(part.Paths) == 0 {
			t.Fatalf("%s: openapi.json has no paths: %v", p.Channel, err)
		}
		for path := range part.Paths {
			if got := m.Surface(fill(path)); got != string(p.Channel) {
				t.Errorf("%s: %s is surface %q", p.Channel, path, got)
			}
		}
	}
}

// memberNames lists a JSON object's members in order.
func memberNames(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v", err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// call sends a request and decodes a JSON object answer.
func call(t *testing.T, method, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %d %q", method, url, res.StatusCode, b)
		}
	}
	return res.StatusCode, out
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}
