// Package protocoltest is a sixth partner protocol that exists for tests
// only: a self-order kiosk that places orders with an API key. It proves
// that a protocol is one package plus one line — registered with
// append(server.Protocols(), protocoltest.Protocol()), it serves its route,
// is a /metrics surface, is documented in /openapi.json (from this
// package's openapi.json), has its settings checked, and gets a demo
// partner in demo-credentials.json, without a change anywhere else.
//
//	POST /kiosk/v1/orders   {"location_id": N, "items": [{"product": "P001", "quantity": 1}]}
//	                        Authorization: Bearer <api key> → 201 {"number": "...", "total": N}
//
// Errors are {"message": "..."} with the status of the hub code; any other
// path under /kiosk answers 404 in that envelope. Its one setting is
// settings.extra.kiosk_label (a string).
package protocoltest

import (
	"context"
	_ "embed"
	"strconv"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Channel is the protocol's name.
const Channel hub.Channel = "kiosk"

// KeyLabel is its one extra setting: the kiosk's label, a string.
const KeyLabel = "kiosk_label"

//go:embed openapi.json
var openAPI []byte

// Protocol describes the kiosk to the registry.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol: service.Protocol{Channel: Channel, Role: hub.RoleCustomer, Credential: store.CredAPIKey, KeyPrefix: "ohx_",
			Settings: checkSettings},
		PathPrefixes: []string{"/kiosk"},
		Routes:       routes,
		Demo:         demoPartner,
		OpenAPI:      openAPI,
	}
}

func checkSettings(sc service.PartnerScope) error {
	if err := sc.Partner.Settings.ExtraKnown(KeyLabel); err != nil {
		return err
	}
	_, err := sc.Partner.Settings.ExtraString(KeyLabel)
	return err
}

// DemoCredentials is the kiosk entry of demo-credentials.json.
type DemoCredentials struct {
	PartnerID  string `json:"partner_id"`
	APIKey     string `json:"api_key"`
	LocationID int64  `json:"location_id"`
}

func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	loc := d.Locations[0].ID
	p := &hub.Partner{Protocol: Channel, Name: "Self-order kiosk", LocationIDs: []int64{loc},
		Settings: hub.PartnerSettings{Extra: map[string]any{KeyLabel: "Kiosk 1"}}}
	c, _, err := d.CreatePartner(ctx, p)
	if err != nil {
		return nil, err
	}
	return &protocol.DemoPartner{
		Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), APIKey: c.APIKey, LocationID: loc},
		Summary:     "kiosk api key: " + c.APIKey,
	}, nil
}
