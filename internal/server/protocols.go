package server

import (
	"log/slog"
	"net/http"

	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/service"
)

// protocolRoutes registers the partner protocols, one package per seed.
func protocolRoutes(mux *http.ServeMux, cfg Config, svc *service.Service, log *slog.Logger) {
	omni.New(svc, omni.Config{RequireHTTPS: cfg.RequireHTTPS, TrustedProxies: cfg.TrustedProxies, Log: log}).Routes(mux)
	junglebook.New(svc, log).Routes(mux)
	tableorder.New(svc, tableorder.Config{Log: log}).Routes(mux)
	kakao.New(svc, kakao.Config{Log: log}).Routes(mux)
}
