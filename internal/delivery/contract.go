package delivery

import (
	"context"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// This file is the contract between the delivery engine and the protocol
// packages that send partner callbacks (the platform's order_create, the
// bot's cook/complete). A protocol package registers a Formatter for its
// protocol; the engine asks it, for every outbox event of a brand, what (if
// anything) to send to each partner of that protocol, stores the answer as
// a delivery row, and from then on owns retries, signing, ordering and the
// record of attempts. No protocol package sends HTTP itself.

// Signing names how a request is signed at each attempt (the timestamp is
// the attempt's, so a retry carries a fresh signature).
type Signing string

const (
	// SignStandardWebhooks adds webhook-id, webhook-timestamp and
	// webhook-signature: v1,<base64 HMAC-SHA256 over id.timestamp.body>
	// (Standard Webhooks), keyed with the target's secret(s).
	SignStandardWebhooks Signing = "standard-webhooks"
	// SignKS adds KS-Timestamp (Unix seconds) and KS-Signature (hex
	// HMAC-SHA256 over timestamp + "." + body), keyed with the partner's
	// callback secret (DESIGN.md §4, seed 003).
	SignKS Signing = "ks-hmac"
	// SignNone sends the request unsigned.
	SignNone Signing = "none"
)

// Acceptance names how an answer is judged a success.
type Acceptance string

const (
	// Accept2xx: any 2xx status.
	Accept2xx Acceptance = "2xx"
	// AcceptStatusOK: HTTP 200 with a JSON body {"status":"OK"} (seed 003's
	// callback contract).
	AcceptStatusOK Acceptance = "status-ok"
)

// Outbound is one request a formatter wants sent for an event.
type Outbound struct {
	URL         string // absolute http(s); a request without one is skipped and logged
	Method      string // default POST
	ContentType string // default application/json
	Body        []byte
	Signing     Signing    // default SignStandardWebhooks
	Acceptance  Acceptance // default Accept2xx
}

// Formatter renders an event for one partner of its protocol. It returns
// nil (and no error) when the partner does not want this event. It runs
// inside the fan-out transaction, so it must only read through r.
type Formatter func(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*Outbound, error)

// Wiring: internal/server builds one Engine and, for each protocol that
// sends callbacks, calls Engine.Register(protocol, formatter) with the
// protocol package's formatter, e.g. Register(hub.ChannelZeek,
// zeekHandler.Formatter).
