package server

import (
	"log/slog"
	"net/http"

	"orderhub/internal/service"
)

// metricsHandler is GET /metrics (internal/metrics): open unless
// cfg.MetricsToken is set, so serve it on a private network or set one.
// The delivery engine's in-flight gauge, the delivery backlog, the outbox
// lag and the connection pools are read at scrape time.
func metricsHandler(cfg Config, svc *service.Service, log *slog.Logger) http.Handler {
	m := cfg.Metrics
	if cfg.Delivery != nil {
		m.SetDeliveryInFlight(cfg.Delivery.InFlight)
	}
	m.SetSource(svc.Store())
	return m.Handler(cfg.MetricsToken, log)
}
