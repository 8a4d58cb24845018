package server

import (
	"net/http"

	"orderhub/internal/metrics"
)

// metricsHandler is GET /metrics (internal/metrics): open unless
// cfg.MetricsToken is set, so serve it on a private network or set one.
// The delivery engine's in-flight gauge is read at scrape time.
func metricsHandler(cfg Config) http.Handler {
	m := cfg.Metrics
	if m == nil {
		m = metrics.New(cfg.Version)
	}
	if cfg.Delivery != nil {
		m.SetDeliveryInFlight(cfg.Delivery.InFlight)
	}
	return m.Handler(cfg.MetricsToken)
}
