package service

import (
	"context"
	"net/http"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/store"
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

// CreateWebhookEndpoint is delivery.CreateEndpoint behind the outbound
// check: every surface (/hub/v1, the counter screen) creates endpoints
// here, so a private target is refused with a hub.CodeInvalid naming
// "url" wherever it comes from. delivery.ValidateURL runs first so that
// its messages about the URL's form stand.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, brandID int64, rawURL string, types []string) (*store.WebhookEndpoint, string, error) {
	if err := s.checkEndpointURL(ctx, &rawURL); err != nil {
		return nil, "", err
	}
	return delivery.CreateEndpoint(ctx, s.store, brandID, rawURL, types)
}

// UpdateWebhookEndpoint is delivery.UpdateEndpoint behind the same check
// of a new URL.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, id int64, p delivery.EndpointPatch) (*store.WebhookEndpoint, error) {
	if err := s.checkEndpointURL(ctx, p.URL); err != nil {
		return nil, err
	}
	return delivery.UpdateEndpoint(ctx, s.store, id, p, s.Now())
}

// checkEndpointURL refuses an endpoint URL that may not be called (a
// private target, DESIGN.md §10); nil is no change.
func (s *Service) checkEndpointURL(ctx context.Context, raw *string) error {
	if raw == nil {
		return nil
	}
	u, err := delivery.ValidateURL(*raw)
	if err != nil {
		return err
	}
	return s.CheckOutboundURL(ctx, "url", u)
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
