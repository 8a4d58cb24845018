package server

import (
	"net/http"
)

// metricsHandler is GET /metrics (internal/metrics): open unless
// cfg.MetricsToken is set, so serve it on a private network or set one.
// The delivery engine's in-flight gauge is read at scrape time.
func metricsHandler(cfg Config) http.Handler {
	m := cfg.Metrics
	if cfg.Delivery != nil {
		m.SetDeliveryInFlight(cfg.Delivery.InFlight)
	}
	return m.Handler(cfg.MetricsToken)
}
