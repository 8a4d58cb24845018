package httpx

import (
	"net/http"
	"net/netip"
	"strings"
)

// The client's address and scheme behind proxies. Only a peer inside the
// trusted prefixes (--trusted-proxies) is believed when it says, with
// X-Forwarded-For and X-Forwarded-Proto, who the client is and how it
// came; anyone else's headers are ignored, so that a caller cannot choose
// its own rate-limit bucket or claim HTTPS.

// HSTS is the Strict-Transport-Security value sent on HTTPS answers: one
// year, the value browsers' preload lists ask for at least.
const HSTS = "max-age=31536000"

// Trusted reports whether addr is inside one of the prefixes.
func Trusted(addr netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// PeerAddr is the address of the TCP peer (RemoteAddr), unmapped.
func PeerAddr(r *http.Request) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// ClientAddr is the address of the client: the peer, or, when the peer is
// a trusted proxy, the right-most X-Forwarded-For address that is not
// itself a trusted proxy (the left part of the header is the client's to
// write and is never believed). The zero Addr when nothing parses.
func ClientAddr(r *http.Request, proxies []netip.Prefix) netip.Addr {
	peer, ok := PeerAddr(r)
	if !ok || !Trusted(peer, proxies) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return peer // a hop we cannot read: stop at the last one we trust
			}
			a = a.Unmap()
			if !Trusted(a, proxies) {
				return a
			}
			peer = a
		}
	}
	return peer
}

// IsHTTPS reports whether the request came over TLS: served here, or, from
// a trusted proxy, X-Forwarded-Proto https (with several values the last
// one counts, the one our proxy set).
func IsHTTPS(r *http.Request, proxies []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	protos := r.Header.Values("X-Forwarded-Proto")
	if len(protos) == 0 || len(proxies) == 0 {
		return false
	}
	if peer, ok := PeerAddr(r); !ok || !Trusted(peer, proxies) {
		return false
	}
	last := protos[len(protos)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}
