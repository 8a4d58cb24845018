package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"orderhub/internal/demo"
)

// buildBinary compiles orderhub once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "orderhub")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

type running struct {
	cmd    *exec.Cmd
	stdout *strings.Builder
	logs   *safeBuffer
	done   chan error
}

// safeBuffer collects log lines from the reader goroutine.
type safeBuffer struct {
	ch chan string
}

// start runs "orderhub serve" and waits until it listens. Its receivers
// are httptest servers on loopback, so it starts with
// --allow-private-targets (args, later on the line, may say
// --allow-private-targets=false).
func start(t *testing.T, bin string, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--allow-private-targets"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out := &strings.Builder{}
	cmd.Stdout = out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, stdout: out, logs: &safeBuffer{ch: make(chan string, 1000)}, done: make(chan error, 1)}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			line := sc.Text()
			select {
			case r.logs.ch <- line:
			default:
			}
			if !once && strings.Contains(line, "orderhub listening") {
				once = true
				close(listening)
			}
		}
		r.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	select {
	case <-listening:
	case err := <-r.done:
		t.Fatalf("orderhub exited before listening: %v\nstdout: %s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatal("orderhub did not start within 30s")
	}
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("orderhub exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("orderhub did not stop within 20s of SIGTERM")
	}
}

func call(t *testing.T, method, url, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("X-Request-Id", "e2e-test-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m, res.Header
}

// TestServeDemo runs the real binary: --demo on a fresh data directory
// writes demo-credentials.json in DESIGN.md §8's shape, serves the demo
// brand, takes an order end to end, stops gracefully on SIGTERM, and a
// second start keeps the data and does not overwrite the credentials.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0")

	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(data, "demo-credentials.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("demo-credentials.json mode %v, want 0600", fi.Mode().Perm())
	}
	// Exactly the documented keys, no more, no fewer.
	var shape map[string]map[string]any
	var top map[string]any
	json.Unmarshal(raw, &top)
	want := map[string][]string{
		"admin":      {"username", "password"},
		"kakao":      {"partner_id", "api_key", "callback_secret", "store_id"},
		"omni":       {"partner_id", "token"},
		"junglebook": {"partner_id", "api_key"},
		"zeek":       {"partner_id", "client_id", "client_secret", "callback_secret", "store_id", "location_ids"},
		"tableorder": {"partner_id", "client_id", "client_secret", "location_id"},
		"hub":        {"token"},
	}
	if len(top) != len(want)+2 || top["currency"] != "KRW" || !strings.HasPrefix(top["base_url"].(string), "http://127.0.0.1:") {
		t.Fatalf("top level: %v", top)
	}
	delete(top, "currency")
	delete(top, "base_url")
	b, _ := json.Marshal(top)
	json.Unmarshal(b, &shape)
	for k, keys := range want {
		if len(shape[k]) != len(keys) {
			t.Errorf("%s has %d keys, want %v", k, len(shape[k]), keys)
		}
		for _, key := range keys {
			if v, ok := shape[k][key]; !ok || v == "" || v == float64(0) {
				t.Errorf("%s.%s missing or empty", k, key)
			}
		}
	}
	var creds demo.Credentials
	json.Unmarshal(raw, &creds)
	if _, ok := shape["zeek"]["store_id"].(float64); !ok {
		t.Errorf("zeek.store_id must be a JSON number")
	}
	if _, ok := shape["kakao"]["store_id"].(string); !ok {
		t.Errorf("kakao.store_id must be a string")
	}
	base := creds.BaseURL

	status, body, hdr := call(t, "GET", base+"/healthz", "", "")
	if status != 200 || body["status"] != "ok" || hdr.Get("X-Request-Id") != "e2e-test-1" {
		t.Fatalf("healthz: %d %v %v", status, body, hdr)
	}
	// The root sends a person to the dashboard (whose address the first
	// start printed with the admin login: checked below).
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := noRedirect.Get(base + "/"); err != nil || res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/ui/" {
		t.Fatalf("GET /: %v %v", res, err)
	}
	if status, body, _ := call(t, "GET", base+"/readyz", "", ""); status != 200 || body["database"] != "sqlite" {
		t.Fatalf("readyz: %d %v", status, body)
	}
	status, body, _ = call(t, "GET", base+"/hub/v1/products?brand_id=1&limit=500", creds.Hub.Token, "")
	if status != 200 || len(body["data"].([]any)) < 25 {
		t.Fatalf("products: %d %d", status, len(body["data"].([]any)))
	}
	status, body, _ = call(t, "POST", base+"/hub/v1/orders", creds.Hub.Token,
		`{"brand_id":1,"location_id":1,"lines":[{"product":"P001","quantity":1,"options":[{"group_id":1,"value_id":3}]},{"product":"C001","quantity":1,"combo":[{"component_id":1,"product":"P001","options":[{"group_id":1,"value_id":1}]},{"product":"P011"}]}]}`)
	if status != 201 || body["fees"].(map[string]any)["total"] != float64(10000+12000) {
		t.Fatalf("order: %d %v", status, body)
	}
	number := body["number"].(string)
	if status, _, _ := call(t, "POST", base+"/hub/v1/orders/"+number+"/actions/confirm?brand_id=1", creds.Hub.Token, ""); status != 200 {
		t.Fatalf("confirm: %d", status)
	}
	// The combo took its items' stock: P001 40 → 38 (one alone, one in the set).
	status, body, _ = call(t, "GET", base+"/hub/v1/locations/1/stock/1?brand_id=1", creds.Hub.Token, "")
	if status != 200 || body["quantity"] != float64(38) {
		t.Fatalf("stock: %d %v", status, body)
	}
	r.stop(t)
	// stdout is complete once the process has been waited for.
	if !strings.Contains(r.stdout.String(), creds.Hub.Token) {
		t.Errorf("credentials were not printed")
	}
	if out := r.stdout.String(); !strings.Contains(out, "dashboard: "+base+"/ui/") || !strings.Contains(out, creds.Admin.Password) {
		t.Errorf("the first start does not print the dashboard and its login:\n%s", out)
	}

	// The printed example names the brand, as an operator token must.
	if !strings.Contains(r.stdout.String(), "/hub/v1/products'") {
		t.Errorf("the printed curl example does not name the brand:\n%s", r.stdout.String())
	}

	// A request log line per request, carrying the request id.
	found := false
	for len(r.logs.ch) > 0 {
		if l := <-r.logs.ch; strings.Contains(l, "msg=request") && strings.Contains(l, "request_id=e2e-test-1") {
			found = true
		}
	}
	if !found {
		t.Error("no request log line with the request id")
	}

	// Second start: data kept, credentials file untouched.
	r2 := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0", "--log-format", "json")
	raw2, _ := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if string(raw2) != string(raw) {
		t.Error("second --demo start rewrote demo-credentials.json")
	}
	r2.stop(t)
}

func TestCommands(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "orderhub ") {
		t.Fatalf("version: %v %s", err, out)
	}
	data := t.TempDir()
	out, err = exec.Command(bin, "migrate", "--data", data).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "applied ") || strings.HasPrefix(string(out), "applied 0 ") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	out, err = exec.Command(bin, "migrate", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "applied 0 migration(s)") {
		t.Fatalf("migrate again: %v %s", err, out)
	}
	if err := exec.Command(bin, "bogus").Run(); err == nil {
		t.Fatal("unknown command must fail")
	}
	if err := exec.Command(bin, "serve", "--log-format", "xml").Run(); err == nil {
		t.Fatal("bad flag value must fail")
	}
}
