package omni_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

// TestSeedCurlOnServer runs the seed's four curl lines as written, "Expect:"
// included, with the real curl binary against the whole server (every
// surface and middleware on one handler, HTTPS, the demo data), as an
// integrator would: the host is the server's, the token the demo's Omni
// token, and FR9TL74P the number of an order placed first. Over plain HTTP
// the same server answers the seed's 403.
func TestSeedCurlOnServer(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("curl is required under CI=true: %v", err)
		}
		t.Skipf("curl not installed: %v", err)
	}
	seed, err := os.ReadFile(filepath.Join("testdata", "001_5f57ff6f4950ca12.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^\s*\$ (curl .*)$`).FindAllStringSubmatch(string(seed), -1)
	if len(lines) != 4 {
		t.Fatalf("%d curl lines in the seed, want 4", len(lines))
	}

	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound), service.WithLogger(quiet), server.Protocols().Option())
	creds, err := demo.Load(ctx, svc, "https://orderhub.test", server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	token := creds.Partner(hub.ChannelOmni).(omni.DemoCredentials).Token
	res, err := svc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: creds.BrandID,
		LocationID: creds.Partner(hub.ChannelTableOrder).(tableorder.DemoCredentials).LocationID,
		Channel:    hub.ChannelHub, Type: hub.OrderDineIn, Table: "A1", Notes: "No lettuce",
		Lines: []service.LineInput{{ProductRef: "P023", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	number := res.Order.Number

	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(testutil.ValidatingHandler(t, doc, server.Handler(server.Config{RequireHTTPS: true}, svc, quiet), testutil.AnyContentType()))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + filepath.Dir(curl) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "CURL_HOME=" + dir, "CURL_CA_BUNDLE=" + ca, "NO_PROXY=*", "no_proxy=*"}
	run := func(cmdline string) (int, http.Header, map[string]any) {
		t.Helper()
		cmd := exec.Command("sh", "-c", cmdline)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmdline, err, stderr.String())
		}
		r, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("curl output %q: %v", out, err)
		}
		defer r.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Fatalf("%s: body: %v", cmdline, err)
		}
		return r.StatusCode, r.Header, body
	}

	want := []struct {
		status     int
		orderState float64 // status of the order in a 200 answer
		pay        float64
		errorCode  string
	}{
		{200, 10, 1, ""},
		{200, 10, 2, ""},
		{200, 20, 2, ""},
		{400, 0, 0, "order_already_completed"},
	}
	for i, m := range lines {
		line := m[1]
		if !strings.Contains(line, `-H "Expect:"`) || !strings.Contains(line, "FR9TL74P") {
			t.Fatalf("curl line %d is %q", i, line)
		}
		line = strings.Replace(line, "https://orders.upnormal.co.id", srv.URL, 1)
		line = strings.Replace(line, "vE53k50FVtct50ll8iHBE6FgMRVCyJeF", token, 1)
		line = strings.Replace(line, "FR9TL74P", number, 1)
		status, hdr, body := run(line)
		for k, v := range map[string]string{"Content-Type": "application/json", "Vary": "Accept", "Allow": "POST, OPTIONS"} {
			if got := hdr.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("line %d: header %s = %q, want %q", i, k, got, v)
			}
		}
		w := want[i]
		if status != w.status {
			t.Fatalf("line %d: status %d, want %d: %v", i, status, w.status, body)
		}
		if w.status == 200 && (body["number"] != number || body["status"] != w.orderState || body["paymentStatus"] != w.pay ||
			body["storeName"] != "Hanok Kitchen" || body["tableNumber"] != "A1" || body["notes"] != "No lettuce" || body["delivery_info"] != nil) {
			t.Errorf("line %d: body %v", i, body)
		}
		if w.errorCode != "" && body["error_code"] != w.errorCode {
			t.Errorf("line %d: body %v", i, body)
		}
	}
	o, err := svc.FindOrder(ctx, service.OrderScope{BrandID: creds.BrandID}, number)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != hub.StatusCompleted || o.PaymentStatus != hub.PaymentPaid {
		t.Errorf("stored %v / %v", o.Status, o.PaymentStatus)
	}

	// The same server over plain HTTP: the seed's 403.
	plain := httptest.NewServer(testutil.ValidatingHandler(t, doc, server.Handler(server.Config{RequireHTTPS: true}, svc, quiet), testutil.AnyContentType()))
	t.Cleanup(plain.Close)
	line := strings.Replace(lines[0][1], "https://orders.upnormal.co.id", plain.URL, 1)
	status, _, body := run(strings.Replace(line, "vE53k50FVtct50ll8iHBE6FgMRVCyJeF", token, 1))
	if status != http.StatusForbidden || body["detail"] != "Please use https instead of http" || len(body) != 1 {
		t.Errorf("plain HTTP: %d %v", status, body)
	}
}
