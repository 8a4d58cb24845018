// Package netguard keeps orderhub's outbound calls (webhook deliveries,
// partner callbacks and bot notifications, provider inventory checks) off
// private addresses (DESIGN.md §10): a URL a brand token may save must not
// reach the host's loopback, the cloud metadata service or the internal
// network (SSRF).
//
// Decisions:
//
//   - The check is at dial time, on the address actually dialled: the
//     dialer's Control function sees the IP after DNS resolution, so a name
//     that resolves to 127.0.0.1 (or is rebound to it after the URL was
//     saved) is refused as a literal one is. Every redirect's target is
//     dialled through the same dialer; CheckRedirect refuses one to a
//     blocked literal address before it is even tried.
//   - URLs are also checked when saved (CheckURL), so that the mistake is a
//     400 naming the field rather than failed deliveries later: http or
//     https only; a literal blocked address, or a host whose every address
//     is blocked, is refused. A host that does not resolve now is accepted
//     (it may resolve later; the dial is guarded anyway).
//   - Blocked: unspecified, "this network" 0/8, loopback, private (RFC 1918,
//     ULA fc00::/7), link-local (169.254/16 with the metadata address
//     169.254.169.254, fe80::/10), multicast, CGNAT 100.64/10, the IETF,
//     benchmarking and reserved v4 ranges and broadcast; IPv4-mapped and
//     NAT64 (64:ff9b::/96) forms are judged by the IPv4 address inside.
//   - Policy{AllowPrivate: true} (orderhub serve --allow-private-targets)
//     lifts the guard for a local receiver; tests set it. The zero Policy
//     guards.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"orderhub/internal/hub"
)

// Policy is the outbound-address rule; the zero Policy refuses private
// targets.
type Policy struct {
	// AllowPrivate lets calls reach any address.
	AllowPrivate bool
}

var blockedV4 = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT (shared) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Blocked says why a is not a target ("" when it is one).
func Blocked(a netip.Addr) string {
	if !a.IsValid() {
		return "not an IP address"
	}
	a = a.Unmap()
	if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a == netip.AddrFrom4([4]byte{169, 254, 169, 254}):
		return "the cloud metadata address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return "a multicast address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	if a.Is4() {
		for _, b := range blockedV4 {
			if b.prefix.Contains(a) {
				return b.reason
			}
		}
	}
	return ""
}

// BlockedError is a refused target.
type BlockedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("outbound call to %s refused: %s (private targets are off; orderhub serve --allow-private-targets lifts it)", e.Addr, e.Reason)
}

// check refuses a blocked address.
func (p Policy) check(a netip.Addr) error {
	if p.AllowPrivate {
		return nil
	}
	if reason := Blocked(a); reason != "" {
		return &BlockedError{Addr: a.Unmap(), Reason: reason}
	}
	return nil
}

// Control is a net.Dialer Control function: it runs after DNS resolution,
// with the IP about to be dialled.
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Reason: "not an IP address: " + address}
	}
	return p.check(ap.Addr())
}

// Client is an HTTP client whose every connection goes through the guarded
// dialer; it follows no redirect (a 3xx is the answer), and a redirect to a
// blocked literal address is an error. configure, when not nil, adjusts the
// transport (a clone of http.DefaultTransport).
func (p Policy) Client(configure func(*http.Transport)) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
	tr.DialContext = d.DialContext
	// A proxy would dial the target on our behalf, past the guard.
	if !p.AllowPrivate {
		tr.Proxy = nil
	}
	if configure != nil {
		configure(tr)
	}
	return &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect}
}

// CheckRedirect is the client's redirect policy: a redirect to a blocked
// literal address is an error; any other redirect is not followed (the
// 3xx is the answer).
func (p Policy) CheckRedirect(req *http.Request, _ []*http.Request) error {
	if a, err := netip.ParseAddr(req.URL.Hostname()); err == nil {
		if err := p.check(a); err != nil {
			return err
		}
	}
	return http.ErrUseLastResponse
}

// resolveTimeout bounds CheckURL's DNS lookup.
const resolveTimeout = 2 * time.Second

// CheckURL is the save-time check of an outbound URL in field: an absolute
// http(s) URL whose host is not a blocked literal address and does not
// resolve only to blocked ones. The error is a hub.CodeInvalid naming
// field.
func (p Policy) CheckURL(ctx context.Context, field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return hub.Invalid(field, "must be an absolute http(s) URL")
	}
	if p.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.check(a); err != nil {
			return hub.Invalid(field, "must not point at %s (%s)", a.Unmap(), Blocked(a))
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil // not resolvable now: the dial is guarded
	}
	for _, a := range addrs {
		if p.check(a) == nil {
			return nil
		}
	}
	return hub.Invalid(field, "must not point at %s: it resolves only to private addresses (%s is %s)", host, addrs[0].Unmap(), Blocked(addrs[0]))
}

// IsBlocked reports whether err is (or wraps) a refused target.
func IsBlocked(err error) bool {
	var be *BlockedError
	return errors.As(err, &be)
}
