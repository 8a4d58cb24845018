package server

import (
	"log/slog"
	"net/http"

	"orderhub/internal/protocol/omni"
	"orderhub/internal/service"
)

// protocolRoutes registers the partner protocols, one package per seed.
func protocolRoutes(mux *http.ServeMux, cfg Config, svc *service.Service, log *slog.Logger) {
	omni.New(svc, omni.Config{RequireHTTPS: cfg.RequireHTTPS, TrustedProxies: cfg.TrustedProxies, Log: log}).Routes(mux)
}
