package service

import (
	"context"
	"net/netip"
	"strconv"

	"orderhub/internal/hub"
	"orderhub/internal/ratelimit"
	"orderhub/internal/store"
)

// Rate limits are a rule of authentication, so they live here, where
// every surface authenticates: each door's Authenticate* call is also its
// rate check, and each door renders the refusal (hub.CodeRateLimited, with
// RetryAfter) in its own envelope. A refused request has done nothing yet:
// it is refused before the replay layer and before any unit of work.
//
//   - A credential that authenticates takes a token from its own bucket
//     (RateLimits.Credential): a hub token, a partner's API key, an OAuth2
//     client (its access tokens share the client's bucket, so minting
//     tokens buys no rate).
//   - A call that does not authenticate (no credential, a wrong, revoked or
//     another protocol's one) takes a token from its client address's
//     bucket (RateLimits.Address) before it is answered 401; so does every
//     partner login (client credentials for a token), whether it succeeds
//     or not. IPv6 addresses share a bucket per /64 (what one host is
//     given).
//   - The address is the one the server put in the context
//     (WithClientAddr: the peer, or behind a trusted proxy its
//     X-Forwarded-For); without one (in-process calls) there is no
//     per-address limit.
//   - Limits are per node (internal/ratelimit).

// RateLimits are the limits of WithRateLimits; a zero Rate disables one.
type RateLimits struct {
	Credential ratelimit.Limits
	Address    ratelimit.Limits
}

type rateLimiters struct {
	credential *ratelimit.Limiter
	address    *ratelimit.Limiter
}

// WithRateLimits limits requests per credential and, for calls that do not
// authenticate and for logins, per client address.
func WithRateLimits(l RateLimits) Option {
	return func(s *Service) {
		s.limits = rateLimiters{credential: ratelimit.New(l.Credential), address: ratelimit.New(l.Address)}
	}
}

type clientAddrKey struct{}

// WithClientAddr records the client's address for the per-address limits.
func WithClientAddr(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, a)
}

// ClientAddr is the address WithClientAddr recorded (the zero Addr when
// none).
func ClientAddr(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(clientAddrKey{}).(netip.Addr)
	return a
}

// addressKey is the bucket of an address: itself for IPv4, its /64 for
// IPv6; "" when there is none.
func addressKey(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.Unmap().String()
}

// admitAddress takes a token from the caller's address bucket.
func (s *Service) admitAddress(ctx context.Context) error {
	key := addressKey(ClientAddr(ctx))
	if key == "" {
		return nil
	}
	if ok, wait := s.limits.address.Allow(key); !ok {
		return hub.RateLimited(wait)
	}
	return nil
}

// admitCredential takes a token from a credential's bucket; an access
// token counts against the client that minted it.
func (s *Service) admitCredential(c *store.Credential) error {
	id := c.ID
	if c.ParentID != 0 {
		id = c.ParentID
	}
	if ok, wait := s.limits.credential.Allow(strconv.FormatInt(id, 10)); !ok {
		return hub.RateLimited(wait)
	}
	return nil
}

// refused charges a call that did not authenticate to its address: err
// as it is, or the rate limit's refusal when the address is over it.
func (s *Service) refused(ctx context.Context, err error) error {
	if hub.ErrorCode(err) != hub.CodeUnauthorized {
		return err
	}
	if lerr := s.admitAddress(ctx); lerr != nil {
		return lerr
	}
	return err
}
