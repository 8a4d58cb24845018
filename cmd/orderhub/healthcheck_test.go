package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:80":     "http://127.0.0.1:80/healthz",
		"[::]:8080":      "http://[::1]:8080/healthz",
		"127.0.0.1:9090": "http://127.0.0.1:9090/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
	} {
		if got, err := healthURL(addr, false); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if got, _ := healthURL(":8443", true); got != "https://127.0.0.1:8443/healthz" {
		t.Errorf("with TLS: %q", got)
	}
	if _, err := healthURL("8080", false); err == nil {
		t.Error("an address without a port was taken")
	}
}

// TestHealthcheck: exit 0 on 200 from /healthz, 1 on anything else or
// nothing listening, over HTTP and HTTPS; ORDERHUB_ADDR is read as serve
// reads it, and the command line wins.
func TestHealthcheck(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	})
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(h)
	t.Cleanup(secure.Close)
	hostPort := func(s *httptest.Server) string {
		return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	}
	run := func(args ...string) int { return healthcheck(t.Context(), args, io.Discard, io.Discard) }

	if code := run("--addr", hostPort(plain)); code != 0 {
		t.Errorf("healthy: exit %d", code)
	}
	if code := run("--addr", hostPort(secure), "--tls-cert", "serve.crt"); code != 0 {
		t.Errorf("healthy over TLS: exit %d", code)
	}
	if code := run("--addr", hostPort(secure)); code != 1 {
		t.Errorf("plain HTTP to a TLS listener: exit %d", code)
	}
	t.Setenv("ORDERHUB_ADDR", hostPort(plain))
	if code := run(); code != 0 {
		t.Errorf("from ORDERHUB_ADDR: exit %d", code)
	}
	closed := httptest.NewServer(h)
	gone := hostPort(closed)
	closed.Close()
	if code := run("--addr", gone); code != 1 {
		t.Errorf("nothing listening: exit %d", code)
	}
	status.Store(http.StatusServiceUnavailable)
	if code := run(); code != 1 {
		t.Errorf("503: exit %d", code)
	}
	if code := run("--addr", "nonsense"); code != 2 {
		t.Errorf("bad --addr: exit %d", code)
	}
}
