package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"orderhub/internal/demo"
)

// TestServeGuardAndLimits runs the real binary with the defaults of a demo
// start (guard on, as --demo keeps it) and a small credential rate: the
// banner says how to lift the guard, a webhook endpoint on loopback is a
// 400 naming url and reaches nobody, and the hub token over its rate is
// 429 with Retry-After.
func TestServeGuardAndLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	var reached atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer rcv.Close()
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0",
		"--allow-private-targets=false", "--rate-limit", "0.001", "--rate-burst", "3")
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var creds demo.Credentials
	json.Unmarshal(raw, &creds)
	base := creds.BaseURL

	status, body, _ := call(t, "POST", base+"/hub/v1/webhook-endpoints?brand_id=1", creds.Hub.Token,
		`{"brand_id":1,"url":"`+rcv.URL+`/hook","event_types":["order.created"]}`)
	e, _ := body["error"].(map[string]any)
	if status != 400 || e["code"] != "invalid" || e["details"].(map[string]any)["field"] != "url" ||
		!strings.HasPrefix(e["message"].(string), "must not point at 127.0.0.1") {
		t.Fatalf("loopback endpoint: %d %v", status, body)
	}
	// The token's burst is 3: this call was the first.
	for i := 2; i <= 3; i++ {
		if status, body, _ := call(t, "GET", base+"/hub/v1/brands", creds.Hub.Token, ""); status != 200 {
			t.Fatalf("call %d: %d %v", i, status, body)
		}
	}
	status, body, hdr := call(t, "GET", base+"/hub/v1/brands", creds.Hub.Token, "")
	if status != 429 || hdr.Get("Retry-After") == "" || body["error"].(map[string]any)["code"] != "rate_limited" {
		t.Fatalf("over the limit: %d %v %v", status, body, hdr)
	}
	r.stop(t)
	if out := r.stdout.String(); !strings.Contains(out, "restart with --allow-private-targets") {
		t.Errorf("the banner does not say how to lift the guard:\n%s", out)
	}
	if reached.Load() != 0 {
		t.Errorf("the loopback receiver was reached %d times", reached.Load())
	}
}
