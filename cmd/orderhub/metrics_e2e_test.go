package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/internal/testutil"
)

// TestServeMetricsAndHealthcheck runs the real binary: /metrics behind
// --metrics-token with the Go and process collectors and the database's
// gauges, and `orderhub healthcheck` finding the server through
// ORDERHUB_ADDR as the container image runs it.
func TestServeMetricsAndHealthcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data, "ORDERHUB_METRICS_TOKEN=e2e-metrics"}, "--demo", "--addr", "127.0.0.1:0")
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var creds struct {
		BaseURL string `json:"base_url"`
	}
	json.Unmarshal(raw, &creds)

	if code, _, _ := testutil.Scrape(t, creds.BaseURL, ""); code != 401 {
		t.Errorf("/metrics without the token: %d, want 401", code)
	}
	code, s, typ := testutil.Scrape(t, creds.BaseURL, "e2e-metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	// The scrape refused above is the one request so far.
	for series, want := range map[string]float64{
		`orderhub_build_info{version="dev"}`:                                       1,
		`orderhub_http_requests_total{code="401",method="GET",surface="other"}`:    1,
		`orderhub_http_request_duration_seconds_count{surface="other"}`:            1,
		`orderhub_http_request_duration_seconds_bucket{le="+Inf",surface="other"}`: 1,
		`orderhub_order_transitions_total{to="confirmed"}`:                         0,
		`orderhub_delivery_attempts_total{result="dead"}`:                          0,
		`orderhub_delivery_attempts_in_flight`:                                     0,
		"orderhub_deliveries_dead":                                                 0,
		`orderhub_db_connections_max{pool="write"}`:                                1,
		`orderhub_db_connections_open{pool="write"}`:                               1,
		`orderhub_db_connections_in_use{pool="write"}`:                             1,
	} {
		if got, ok := s[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	// Figures that depend on the demo's load and the machine: present.
	for _, series := range []string{"orderhub_deliveries_pending", "orderhub_outbox_lag_seconds",
		`orderhub_db_connections_open{pool="read"}`, `orderhub_db_waits_total{pool="read"}`, `orderhub_db_wait_seconds_total{pool="read"}`} {
		if _, ok := s[series]; !ok {
			t.Errorf("no %s", series)
		}
	}
	if s["go_goroutines"] < 5 || s["process_start_time_seconds"] < 1e9 || s[`orderhub_db_connections_max{pool="read"}`] < 1 {
		t.Errorf("collectors: goroutines %v, start %v, read pool max %v", s["go_goroutines"], s["process_start_time_seconds"], s[`orderhub_db_connections_max{pool="read"}`])
	}
	for _, name := range []string{"go_gc_duration_seconds", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if typ[name] == "" {
			t.Errorf("no %s", name)
		}
	}

	addr := strings.TrimPrefix(creds.BaseURL, "http://")
	check := func(env ...string) int {
		cmd := exec.Command(bin, "healthcheck")
		cmd.Env = append(os.Environ(), env...)
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	if code := check("ORDERHUB_ADDR=" + addr); code != 0 {
		t.Errorf("healthcheck of a serving orderhub: exit %d", code)
	}
	r.stop(t)
	if code := check("ORDERHUB_ADDR=" + addr); code != 1 {
		t.Errorf("healthcheck of a stopped orderhub: exit %d", code)
	}
}
