package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"203.0.113.9:5000", nil, "203.0.113.9"},
		// An untrusted peer's X-Forwarded-For is ignored: it cannot choose
		// its own bucket.
		{"203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"10.0.0.2:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		// The left part is the client's to write; the right-most address
		// that is not a trusted proxy counts.
		{"10.0.0.2:5000", []string{"1.2.3.4, 198.51.100.1, 10.0.0.7"}, "198.51.100.1"},
		{"10.0.0.2:5000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.2:5000", []string{"garbage, 10.0.0.7"}, "10.0.0.7"},
		{"10.0.0.2:5000", nil, "10.0.0.2"},
		{"[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"[::ffff:10.0.0.2]:5000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientAddr(r, proxies).String(); got != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
