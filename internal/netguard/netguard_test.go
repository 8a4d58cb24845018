package netguard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"orderhub/internal/hub"
)

func TestBlocked(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		reason string // "" = a target
	}{
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", `a "this network" address`},
		{"127.0.0.1", "a loopback address"},
		{"127.255.0.9", "a loopback address"},
		{"10.0.0.1", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "the cloud metadata address"},
		{"169.254.1.1", "a link-local address"},
		{"100.64.0.1", "a carrier-grade NAT (shared) address"},
		{"100.127.255.255", "a carrier-grade NAT (shared) address"},
		{"100.128.0.1", ""},
		{"224.0.0.1", "a multicast address"},
		{"239.1.1.1", "a multicast address"},
		{"255.255.255.255", "the broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"198.18.0.1", "a benchmarking address"},
		{"192.0.0.8", "an IETF protocol address"},
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"::", "an unspecified address"},
		{"::1", "a loopback address"},
		{"fc00::1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"fe80::1", "a link-local address"},
		{"ff02::1", "a multicast address"},
		{"2606:4700::1111", ""},
		// IPv4-mapped and NAT64 forms are judged by the address inside.
		{"::ffff:127.0.0.1", "a loopback address"},
		{"::ffff:10.1.2.3", "a private address"},
		{"::ffff:169.254.169.254", "the cloud metadata address"},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::7f00:1", "a loopback address"},
		{"64:ff9b::a9fe:a9fe", "the cloud metadata address"},
		{"64:ff9b::808:808", ""},
	} {
		if got := Blocked(netip.MustParseAddr(tc.addr)); got != tc.reason {
			t.Errorf("Blocked(%s) = %q, want %q", tc.addr, got, tc.reason)
		}
	}
}

func TestClientRefusesLoopbackAtDial(t *testing.T) {
	var reached atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer srv.Close()

	_, err := Policy{}.Client(nil).Get(srv.URL)
	if !IsBlocked(err) {
		t.Fatalf("guarded client: err = %v, want a BlockedError", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1 refused: a loopback address") {
		t.Errorf("error does not say what was refused: %v", err)
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}
	// A name that resolves to loopback is refused the same way: the
	// dialer sees the resolved address.
	_, err = Policy{}.Client(nil).Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if !IsBlocked(err) {
		t.Fatalf("localhost: err = %v, want a BlockedError", err)
	}

	resp, err := Policy{AllowPrivate: true}.Client(nil).Get(srv.URL)
	if err != nil {
		t.Fatalf("allow-private client: %v", err)
	}
	resp.Body.Close()
	if n := reached.Load(); n != 1 {
		t.Fatalf("allow-private: %d requests reached the server, want 1", n)
	}
}

func TestRedirectToLoopbackRefused(t *testing.T) {
	// The first hop is allowed here (AllowPrivate is off only for the
	// redirect check itself, as for a public receiver that redirects).
	var reached atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal", http.StatusFound)
	}))
	defer redirect.Close()

	c := Policy{AllowPrivate: true}.Client(nil)
	c.CheckRedirect = Policy{}.CheckRedirect
	_, err := c.Get(redirect.URL)
	if !IsBlocked(err) {
		t.Fatalf("redirect to loopback: err = %v, want a BlockedError", err)
	}
	if reached.Load() != 0 {
		t.Fatal("the redirect target was reached")
	}
	// With the guard lifted, a redirect is still not followed: the 3xx is
	// the answer.
	resp, err := Policy{AllowPrivate: true}.Client(nil).Get(redirect.URL)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("allow-private redirect: %v %v, want the 302 itself", resp, err)
	}
	resp.Body.Close()
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		url, msg string // msg "" = accepted
	}{
		{"https://hooks.example.com/orderhub", ""},
		{"http://93.184.216.34:8080/x", ""},
		{"ftp://example.com/x", "must be an absolute http(s) URL"},
		{"/relative", "must be an absolute http(s) URL"},
		{"http://127.0.0.1:9000/hook", "must not point at 127.0.0.1 (a loopback address)"},
		{"http://[::1]/hook", "must not point at ::1 (a loopback address)"},
		{"http://[::ffff:10.0.0.5]/hook", "must not point at 10.0.0.5 (a private address)"},
		{"http://169.254.169.254/latest/meta-data/", "must not point at 169.254.169.254 (the cloud metadata address)"},
		{"http://192.168.0.10/", "must not point at 192.168.0.10 (a private address)"},
		{"http://localhost:8080/", "must not point at localhost: it resolves only to private addresses"},
	} {
		err := Policy{}.CheckURL(ctx, "settings.callback_url", tc.url)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%s: %v, want accepted", tc.url, err)
			}
			continue
		}
		var he *hub.Error
		if !errors.As(err, &he) || he.Code != hub.CodeInvalid || he.Field != "settings.callback_url" || !strings.HasPrefix(he.Message, tc.msg) {
			t.Errorf("%s: %#v, want invalid settings.callback_url %q", tc.url, err, tc.msg)
		}
	}
	if err := (Policy{AllowPrivate: true}).CheckURL(ctx, "url", "http://127.0.0.1/"); err != nil {
		t.Errorf("allow-private: %v", err)
	}
	if err := (Policy{AllowPrivate: true}).CheckURL(ctx, "url", "gopher://127.0.0.1/"); err == nil {
		t.Error("allow-private accepted a gopher URL")
	}
}
