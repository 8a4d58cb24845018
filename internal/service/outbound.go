package service

import (
	"context"
	"net/http"

	"orderhub/internal/hub"
	"orderhub/internal/netguard"
)

// Outbound calls (DESIGN.md §10): the partners' callback, provider and bot
// URLs and the webhook endpoints are checked when they are saved, with the
// policy of WithOutbound (internal/netguard: no private targets unless
// AllowPrivate), and the provider inventory checks the service makes go
// through that policy's guarded client. The delivery engine dials through
// its own client of the same policy (delivery.Config.Outbound).

// WithOutbound sets the outbound-address policy (default: the zero
// Policy, which refuses private targets).
func WithOutbound(p netguard.Policy) Option { return func(s *Service) { s.outbound = p } }

// Outbound is the outbound-address policy.
func (s *Service) Outbound() netguard.Policy { return s.outbound }

// CheckOutboundURL is the save-time check of a URL orderhub will call,
// a hub.CodeInvalid naming field when it may not be called.
func (s *Service) CheckOutboundURL(ctx context.Context, field, raw string) error {
	return s.outbound.CheckURL(ctx, field, raw)
}

// checkPartnerURLs checks each of a partner's URLs.
func (s *Service) checkPartnerURLs(ctx context.Context, p *hub.Partner) error {
	for _, u := range p.OutboundURLs() {
		if err := s.CheckOutboundURL(ctx, u.Field, u.URL); err != nil {
			return err
		}
	}
	return nil
}

// outboundClient is the guarded client of the service's own calls.
func (s *Service) outboundClient() *http.Client {
	s.clientOnce.Do(func() { s.client = s.outbound.Client(nil) })
	return s.client
}
