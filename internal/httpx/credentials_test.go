package httpx

import (
	"crypto/tls"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestCredentials(t *testing.T) {
	for _, c := range []struct {
		header, scheme, want string
		ok                   bool
	}{
		{"", "Bearer", "", false},
		{"Bearer abc", "Bearer", "abc", true},
		{"  bearer   abc  ", "Bearer", "abc", true},
		{"BEARER abc", "Bearer", "abc", true},
		{"Bearer", "Bearer", "", true},
		{"Bearer ", "Bearer", "", true},
		{"Basic abc", "Bearer", "", false},
		{"Bearerabc", "Bearer", "", false},
		{"abc", "Bearer", "", false},
		{"token ohk_1", "token", "ohk_1", true},
		{"Token ohk_1", "token", "ohk_1", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		if got, ok := Credentials(r, c.scheme); got != c.want || ok != c.ok {
			t.Errorf("Credentials(%q, %q) = %q, %v; want %q, %v", c.header, c.scheme, got, ok, c.want, c.ok)
		}
	}
}

func TestBasicCredentials(t *testing.T) {
	for _, c := range []struct {
		header, id, secret string
		sent, bad          bool
	}{
		{"", "", "", false, false},
		{"Bearer x", "", "", false, false},
		{"Basic b2hjXzE6b2hzXzI=", "ohc_1", "ohs_2", true, false},     // ohc_1:ohs_2
		{"basic b2hjXzE6b2hzJTNBMg==", "ohc_1", "ohs:2", true, false}, // ohc_1:ohs%3A2, form-unescaped
		{"Basic !!!", "", "", true, true},
		{"Basic b2hjXzE=", "", "", true, true},     // ohc_1 (no colon)
		{"Basic b2hjXzE6JXp6", "", "", true, true}, // ohc_1:%zz
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		id, secret, sent, err := BasicCredentials(r)
		if id != c.id || secret != c.secret || sent != c.sent || (err != nil) != c.bad {
			t.Errorf("BasicCredentials(%q) = %q, %q, %v, %v", c.header, id, secret, sent, err)
		}
	}
}

func TestIsHTTPS(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		name, remote string
		protos       []string
		tls          bool
		trusted      []netip.Prefix
		want         bool
	}{
		{"TLS", "192.0.2.1:5000", nil, true, nil, true},
		{"plain", "10.1.2.3:5000", nil, false, proxies, false},
		{"trusted proxy", "10.1.2.3:5000", []string{"https"}, false, proxies, true},
		{"trusted IPv6 proxy", "[::1]:5000", []string{"HTTPS"}, false, proxies, true},
		{"address without port", "10.1.2.3", []string{"https"}, false, proxies, true},
		{"untrusted peer", "192.0.2.1:5000", []string{"https"}, false, proxies, false},
		{"no trusted proxies", "10.1.2.3:5000", []string{"https"}, false, nil, false},
		{"last value counts", "10.1.2.3:5000", []string{"https", "http"}, false, proxies, false},
		{"last of a list counts", "10.1.2.3:5000", []string{"http, https"}, false, proxies, true},
		{"client's value before ours", "10.1.2.3:5000", []string{"https, http"}, false, proxies, false},
		{"bad peer", "nonsense", []string{"https"}, false, proxies, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		for _, p := range c.protos {
			r.Header.Add("X-Forwarded-Proto", p)
		}
		if got := IsHTTPS(r, c.trusted); got != c.want {
			t.Errorf("%s: IsHTTPS = %v, want %v", c.name, got, c.want)
		}
	}
}
