// Package protocol is the registry of partner protocols: each protocol
// package (one per seed, in the directories below this one) describes
// itself once, in a Protocol value returned by its Protocol function, and
// every place that needs to know the protocols reads a Registry of them:
//
//   - the service (Registry.Option): channel, role, credential kind, key
//     prefix, callback secret, one-location binding, settings check and
//     inventory provider (service.Protocol, plain data and two hooks);
//   - the server (internal/server): routes, the delivery formatter, and the
//     protocol's part of /openapi.json (composed with the native document);
//   - /metrics (Registry.Surfaces): a surface per protocol, named by its
//     channel, from its path prefixes;
//   - the demo data (internal/demo): the demo partner and its entry in
//     demo-credentials.json;
//   - the OpenAPI checks of internal/server, which record every route the
//     registry registers and compare it with the document.
//
// Decisions:
//
//   - The list of protocols is explicit: server.Protocols() returns it, and
//     adding a protocol is its package plus one line there. No init()
//     registration: what is registered is visible in one place, tests build
//     a registry with one more (or fewer) protocol without touching global
//     state, and there is no import done for its side effect.
//   - This package imports service, delivery and hub; hub and service never
//     import it (nor any protocol package): the service gets plain
//     service.Protocol values through an option, and its configuration is
//     never changed after New (no routes function installs anything on it).
//   - The native API (channel "hub", /hub/v1), the dashboard (/ui) and the
//     health endpoints are not protocols: the server and metrics know them.
//     Check refuses a protocol that would take their names or paths.
package protocol

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/metrics"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Protocol describes one partner protocol.
type Protocol struct {
	// Service is what the service needs to know (channel, role,
	// credential kind, key prefix, callback secret, one location,
	// settings check, inventory provider).
	service.Protocol
	// PathPrefixes are the paths the protocol serves, each with every
	// path below it ("/api/v1.0" covers "/api/v1.0/auth/token"): its
	// /metrics surface, and the subtrees whose unknown paths it may answer
	// in its own envelope (a method-less "<prefix>/" pattern).
	PathPrefixes []string
	// Routes registers every route of the protocol on mux.
	Routes func(mux Mux, d Deps)
	// Formatter renders the protocol's callbacks for the delivery engine
	// (nil: orderhub calls none of its partners back).
	Formatter delivery.Formatter
	// Demo creates the protocol's demo partner (nil: none).
	Demo func(ctx context.Context, d *Demo) (*DemoPartner, error)
	// OpenAPI is the protocol's part of /openapi.json: a JSON object with
	// any of "tags", "paths", "webhooks" and "components", merged into
	// the native document (a name defined twice is an error).
	OpenAPI []byte
}

// Mux is where routes are registered: *http.ServeMux, or a wrapper that
// records the patterns (the OpenAPI checks).
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Deps is what a protocol's routes are built with.
type Deps struct {
	Service *service.Service
	// Log receives internal errors (never nil).
	Log *slog.Logger
	// RequireHTTPS makes surfaces that demand HTTPS refuse plain HTTP.
	RequireHTTPS bool
	// TrustedProxies may set X-Forwarded-Proto.
	TrustedProxies []netip.Prefix
}

// Demo is what a demo partner is made with (DESIGN.md §8): the demo brand
// and its locations, the first of which every demo partner may act on.
type Demo struct {
	Service   *service.Service
	Brand     *hub.Brand
	Locations []*hub.Location
}

// CreatePartner creates p (a partner of the demo brand) through the
// service, so that every rule applies, and returns its first credential and
// its callback secret ("" when its protocol has none).
func (d *Demo) CreatePartner(ctx context.Context, p *hub.Partner) (*service.IssuedCredential, string, error) {
	p.BrandID = d.Brand.ID
	c, secret, err := d.Service.CreatePartner(ctx, p)
	if err != nil {
		return nil, "", fmt.Errorf("demo partner %s: %w", p.Protocol, err)
	}
	return c, secret, nil
}

// Partner creates p like CreatePartner and returns the entry that entry
// makes of it, its credential and its callback secret.
func (d *Demo) Partner(ctx context.Context, p *hub.Partner, entry func(c *service.IssuedCredential, secret string) (*DemoPartner, error)) (*DemoPartner, error) {
	c, secret, err := d.CreatePartner(ctx, p)
	if err != nil {
		return nil, err
	}
	return entry(c, secret)
}

// DemoPartner is a protocol's entry in the demo credentials.
type DemoPartner struct {
	// Credentials is written under the protocol's channel in
	// demo-credentials.json (a struct with JSON tags).
	Credentials any
	// Summary is printed once at the start of a demo ("kakao api key:
	// ohk_... (store 1)").
	Summary string
}

// Registry is the list of protocols orderhub serves, in order (the order
// of /openapi.json, /metrics and demo-credentials.json).
type Registry []Protocol

// reserved are the names and paths that are orderhub's own.
var (
	reservedChannels = []string{string(hub.ChannelHub), "ui", "health", "other"}
	reservedPaths    = []string{"/hub", "/ui", "/healthz", "/readyz", "/metrics", "/openapi.json"}
)

// Check reports the first thing that makes the registry unusable: a
// channel that is malformed, reserved or taken twice; a key prefix taken
// twice; a credential kind other than an API key or a client; no routes; a
// path prefix that is not a clean absolute path, or that lies within
// another protocol's or orderhub's own paths.
func (r Registry) Check() error {
	channels := map[hub.Channel]bool{}
	prefixes := map[string]hub.Channel{}
	var paths []string
	owner := map[string]hub.Channel{}
	for i := range r {
		p := &r[i]
		c := p.Channel
		switch {
		case !hub.ValidChannel(c):
			return fmt.Errorf("protocol %d: channel %q is not a channel name", i, c)
		case slices.Contains(reservedChannels, string(c)):
			return fmt.Errorf("protocol %s: the channel name is orderhub's own", c)
		case channels[c]:
			return fmt.Errorf("protocol %s is registered twice", c)
		case p.Credential != store.CredAPIKey && p.Credential != store.CredClient:
			return fmt.Errorf("protocol %s: credential kind %q is neither %q nor %q", c, p.Credential, store.CredAPIKey, store.CredClient)
		case p.Role != hub.RoleStore && p.Role != hub.RoleCustomer:
			return fmt.Errorf("protocol %s: role %q is neither %q nor %q", c, p.Role, hub.RoleStore, hub.RoleCustomer)
		case p.Routes == nil:
			return fmt.Errorf("protocol %s has no routes", c)
		}
		channels[c] = true
		if p.Credential == store.CredAPIKey && p.KeyPrefix != "" {
			if other, dup := prefixes[p.KeyPrefix]; dup {
				return fmt.Errorf("protocols %s and %s share the key prefix %q", other, c, p.KeyPrefix)
			}
			prefixes[p.KeyPrefix] = c
		}
		if len(p.PathPrefixes) == 0 {
			return fmt.Errorf("protocol %s has no path prefixes", c)
		}
		for _, pp := range p.PathPrefixes {
			if !strings.HasPrefix(pp, "/") || strings.HasSuffix(pp, "/") || strings.ContainsAny(pp, "{}* ") || strings.Contains(pp, "//") {
				return fmt.Errorf("protocol %s: path prefix %q must be an absolute path without a trailing slash or wildcards", c, pp)
			}
			if other, dup := owner[pp]; dup {
				return fmt.Errorf("protocols %s and %s share the path prefix %q", other, c, pp)
			}
			paths = append(paths, pp)
			owner[pp] = c
		}
	}
	all := append(slices.Clone(reservedPaths), paths...)
	for _, a := range paths {
		for _, b := range all {
			if a != b && (under(a, b) || under(b, a)) {
				return fmt.Errorf("protocol %s: path prefix %q overlaps %q", owner[a], a, b)
			}
		}
		if slices.Contains(reservedPaths, a) {
			return fmt.Errorf("protocol %s: path prefix %q is orderhub's own", owner[a], a)
		}
	}
	return nil
}

// under reports whether path is prefix or lies below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// Lookup returns the protocol of a channel.
func (r Registry) Lookup(c hub.Channel) (*Protocol, bool) {
	for i := range r {
		if r[i].Channel == c {
			return &r[i], true
		}
	}
	return nil, false
}

// Service returns what the service needs of each protocol.
func (r Registry) Service() []service.Protocol {
	out := make([]service.Protocol, len(r))
	for i := range r {
		out[i] = r[i].Protocol
	}
	return out
}

// Option is service.WithProtocols of the registry's protocols.
func (r Registry) Option() service.Option { return service.WithProtocols(r.Service()...) }

// Surfaces returns the /metrics surface of each protocol: its channel's
// name over its path prefixes.
func (r Registry) Surfaces() []metrics.Surface {
	out := make([]metrics.Surface, len(r))
	for i := range r {
		out[i] = metrics.Surface{Name: string(r[i].Channel), Prefixes: r[i].PathPrefixes}
	}
	return out
}

// Core is what every protocol's handler holds: the service, a logger
// tagged with the protocol's channel, and the replay layer over the
// service's store (DESIGN.md §10). A protocol's Handler embeds it.
type Core struct {
	Svc    *service.Service
	Log    *slog.Logger
	Replay *httpx.Replay
}

// NewCore builds the Core of a protocol's handler; log nil means
// slog.Default().
func NewCore(svc *service.Service, log *slog.Logger, channel hub.Channel) Core {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("protocol", string(channel))
	return Core{Svc: svc, Log: log, Replay: httpx.NewReplay(svc.Store(), log)}
}

// TokenCore is the Core of a handler that issues access tokens (the OAuth2
// client credentials protocols), with the tokens' lifetime.
type TokenCore struct {
	Core
	// TokenTTL is how long an access token the handler issues lives.
	TokenTTL time.Duration
}

// NewTokenCore is NewCore with the tokens' lifetime: ttl, or the
// protocol's default def when ttl is zero or less.
func NewTokenCore(svc *service.Service, log *slog.Logger, channel hub.Channel, ttl, def time.Duration) TokenCore {
	if ttl <= 0 {
		ttl = def
	}
	return TokenCore{Core: NewCore(svc, log, channel), TokenTTL: ttl}
}

// ReplayScope is the replay layer's scope of a partner's requests: a key
// replays only for the partner that sent it, whichever of its credentials
// it came with.
func ReplayScope(p *hub.Partner) string {
	return "partner:" + strconv.FormatInt(p.ID, 10)
}
