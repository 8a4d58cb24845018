package server

import (
	"log/slog"
	"net/http"

	"orderhub/internal/hub"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/service"
)

// protocolRoutes registers the partner protocols, one package per seed.
func protocolRoutes(mux *http.ServeMux, cfg Config, svc *service.Service, log *slog.Logger) {
	omni.New(svc, omni.Config{RequireHTTPS: cfg.RequireHTTPS, TrustedProxies: cfg.TrustedProxies, Log: log}).Routes(mux)
	junglebook.New(svc, log).Routes(mux)
	tableorder.New(svc, tableorder.Config{Log: log}).Routes(mux)
	kakao.New(svc, kakao.Config{Log: log}).Routes(mux)
	zeek.New(svc, zeek.Config{Log: log}).Routes(mux)
	// Seed 003: the order_create callback, and the provider inventory check
	// before any channel's order is taken.
	if cfg.Delivery != nil {
		cfg.Delivery.Register(hub.ChannelZeek, zeek.OrderCreateCallback)
		// Seed 000: the bot's cook/complete notifications.
		cfg.Delivery.Register(hub.ChannelKakao, kakao.Formatter)
	}
	svc.SetInventoryChecker(zeek.NewInventoryChecker(svc.Store(), nil, log))
}
