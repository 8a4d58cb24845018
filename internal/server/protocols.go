package server

import (
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/protocol/zeek"
)

// Protocols is the registry of the partner protocols orderhub serves, one
// package per seed (internal/protocol). Adding a protocol is its package
// and one line here; its order is the order of /openapi.json, /metrics and
// demo-credentials.json.
func Protocols() protocol.Registry {
	return protocol.Registry{
		kakao.Protocol(),
		omni.Protocol(),
		junglebook.Protocol(),
		zeek.Protocol(),
		tableorder.Protocol(),
	}
}

// protocolRoutes registers every protocol's routes and, when events are
// delivered, their callback formatters.
func protocolRoutes(mux protocol.Mux, cfg Config, d protocol.Deps) {
	for _, p := range cfg.Protocols {
		p.Routes(mux, d)
		if p.Formatter != nil && cfg.Delivery != nil {
			cfg.Delivery.Register(p.Channel, p.Formatter)
		}
	}
}
