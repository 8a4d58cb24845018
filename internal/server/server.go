// Package server assembles every surface of orderhub on one ServeMux and
// one port: the native API (/hub/v1), the partner protocols, the dashboard
// (/ui/), and the health endpoints. None of the paths collide (DESIGN.md §1).
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
	"orderhub/internal/service"
	"orderhub/internal/ui"
)

// Config is what the surfaces need from the command line.
type Config struct {
	// RequireHTTPS makes partner surfaces that demand HTTPS (Omni) refuse
	// plain HTTP.
	RequireHTTPS bool
	// TrustedProxies may set X-Forwarded-Proto.
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
}

// Handler returns the root handler with every route.
func Handler(cfg Config, svc *service.Service, log *slog.Logger) http.Handler {
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New(cfg.Version)
	}
	mux := http.NewServeMux()
	Routes(mux, cfg, svc, log)
	scoped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(service.WithRequestScope(r.Context())))
	})
	return httpx.Middleware(log, scoped, cfg.Metrics)
}

// Routes lists every surface.
func Routes(mux *http.ServeMux, cfg Config, svc *service.Service, log *slog.Logger) {
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
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	mux.Handle("GET /metrics", metricsHandler(cfg))
	api.New(svc, log).Routes(mux)
	ui.New(svc, ui.Config{Log: log, TrustedProxies: cfg.TrustedProxies, Shutdown: cfg.Shutdown}).Routes(mux)
	protocolRoutes(mux, cfg, svc, log)
}
