// Package server assembles every surface of orderhub on one ServeMux and
// one port: the native API (/hub/v1), the partner protocols, the dashboard
// (/ui/), and the health endpoints. None of the paths collide (DESIGN.md §1).
//
// The partner protocols are the registry's (internal/protocol): Protocols,
// in protocols.go, lists them, one line each, and Config.Protocols may
// replace the list (tests add a sixth). From it the server registers each
// protocol's routes and delivery formatter and composes /openapi.json: the
// native document (internal/api/openapi.json) merged with each protocol's
// own part. Check tells orderhub serve, before it starts, whether a
// registry can be served.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/delivery"
	"orderhub/internal/httpx"
	"orderhub/internal/metrics"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/ui"
)

// Config is what the surfaces need from the command line.
type Config struct {
	// RequireHTTPS makes partner surfaces that demand HTTPS (Omni) refuse
	// plain HTTP.
	RequireHTTPS bool
	// TrustedProxies may set X-Forwarded-Proto (HSTS, HTTPS-only
	// surfaces) and X-Forwarded-For (the client address of the
	// per-address rate limit).
	TrustedProxies []netip.Prefix
	Version        string
	// Delivery is the event delivery engine; protocols that send callbacks
	// register their formatters on it (Delivery.Register). Nil in tests
	// that do not deliver.
	Delivery *delivery.Engine
	// Shutdown is closed when the server begins to shut down; the
	// dashboard's live streams end then (http.Server.Shutdown does not
	// cancel running handlers). Nil: they end with their clients.
	Shutdown <-chan struct{}
	// Metrics is what GET /metrics reports; the request middleware records
	// into it. Nil: Handler makes one (request metrics only).
	Metrics *metrics.Metrics
	// MetricsToken, when set, is required as a Bearer token by /metrics.
	MetricsToken string
	// Protocols are the partner protocols served; nil: Protocols(). The
	// service must know the same ones (Protocols.Option), and so must
	// Metrics (metrics.New with Protocols.Surfaces).
	Protocols protocol.Registry
}

// Check reports what would keep a registry from being served: the
// registry's own problems (protocol.Registry.Check) and an API description
// its protocols' parts cannot be merged into. orderhub serve checks its
// registry before it starts.
func Check(reg protocol.Registry) error {
	if err := reg.Check(); err != nil {
		return err
	}
	_, err := composeOpenAPI(reg)
	return err
}

func (cfg *Config) defaults() {
	if cfg.Protocols == nil {
		cfg.Protocols = Protocols()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New(cfg.Version, cfg.Protocols.Surfaces()...)
	}
}

// Handler returns the root handler with every route.
func Handler(cfg Config, svc *service.Service, log *slog.Logger) http.Handler {
	cfg.defaults()
	mux := http.NewServeMux()
	Routes(mux, cfg, svc, log)
	scoped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// HSTS on every answer that came over HTTPS (served here, or a
		// trusted proxy's X-Forwarded-Proto): browsers then never try
		// plain HTTP again. The client's address is the per-address rate
		// limit's key (service.WithClientAddr).
		if httpx.IsHTTPS(r, cfg.TrustedProxies) {
			w.Header().Set("Strict-Transport-Security", httpx.HSTS)
		}
		ctx := service.WithRequestScope(r.Context())
		ctx = service.WithClientAddr(ctx, httpx.ClientAddr(r, cfg.TrustedProxies))
		mux.ServeHTTP(w, r.WithContext(ctx))
	})
	return httpx.Middleware(log, scoped, cfg.Metrics)
}

// Routes lists every surface: orderhub's own, then each protocol's.
func Routes(mux api.Mux, cfg Config, svc *service.Service, log *slog.Logger) {
	cfg.defaults()
	doc, err := composeOpenAPI(cfg.Protocols)
	if err != nil {
		// Check refuses such a registry at start; serve the native
		// document rather than nothing.
		log.Error("openapi.json: the protocols' parts do not merge; serving the native document", "error", err)
		doc = &openAPIDoc{body: api.OpenAPI(), etag: `"native"`}
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": cfg.Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := svc.Store().ListBrands(ctx); err != nil {
			log.ErrorContext(ctx, "readiness check failed", "error", err)
			httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": svc.Store().Dialect()})
	})
	mux.HandleFunc("GET /openapi.json", doc.serve)
	// The root is the store's screen: a person who opens the address lands
	// on the dashboard (its login when signed out).
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusFound)
	})
	mux.Handle("GET /metrics", metricsHandler(cfg, svc, log))
	api.New(svc, log).Routes(mux)
	ui.New(svc, ui.Config{Log: log, TrustedProxies: cfg.TrustedProxies, Shutdown: cfg.Shutdown}).Routes(mux)
	protocolRoutes(mux, cfg, protocol.Deps{Service: svc, Log: log, RequireHTTPS: cfg.RequireHTTPS, TrustedProxies: cfg.TrustedProxies})
}
