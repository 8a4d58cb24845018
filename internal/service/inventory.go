package service

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/hub"
)

// DefaultInventoryTimeout bounds a provider inventory check when the
// partner sets no Settings.InventoryTimeoutMS (DESIGN.md §4: 3 s).
const DefaultInventoryTimeout = 3 * time.Second

// InventoryProvider is the wire half of a provider inventory check (seed
// 003's CheckProviderInventory): it sends q.Order to q.Partner's provider
// (Settings.ProviderURL), signed with q.Secret when there is one, within
// ctx's deadline, and answers the product ids the provider reports out of
// stock. Anything but a well-formed answer — no answer, a refused
// connection, another HTTP status, a malformed body — is an error; what an
// error means is InventoryPolicy's to decide.
type InventoryProvider interface {
	AskInventory(ctx context.Context, q InventoryQuery) (outOfStock []int64, err error)
}

// InventoryQuery is one question to one partner's provider.
type InventoryQuery struct {
	Partner *hub.Partner
	Order   *hub.Order
	// Secret is the partner's callback signing secret ("" when it has
	// none).
	Secret string
	// Client is the client to ask with: the service's guarded one
	// (WithOutbound).
	Client *http.Client
}

// InventoryPolicy is the pre-order inventory check (an InventoryChecker):
// before an order of any channel is taken at a location of a brand, every
// enabled partner of that brand whose protocol has an InventoryProvider,
// that has a provider_url and whose scope includes the location, is asked
// whether the order's lines are in stock.
//
//   - a product answered out of stock rejects the order: a conflict with
//     reason hub.ReasonInventoryRejected naming the order's line, which each
//     channel renders in its own format;
//   - no well-formed answer within the partner's InventoryTimeoutMS
//     (DefaultInventoryTimeout when unset) fails closed (hub.CodeUnavailable)
//     unless the partner's InventoryFailOpen is set, when the order goes
//     ahead (and a warning is logged);
//   - a caller that went away is unavailable too, whatever the partner's
//     setting: no order is taken for nobody.
//
// Products missing from an answer, or answered with ids the order does
// not have, count as in stock (the provider decides what it knows).
type InventoryPolicy struct {
	providers map[hub.Channel]InventoryProvider
	secret    func(ctx context.Context, partnerID int64) (string, error)
	log       *slog.Logger
	client    func() *http.Client
}

// newInventoryPolicy is the policy over the protocols' providers; nil when
// no protocol has one.
func newInventoryPolicy(s *Service) *InventoryPolicy {
	providers := map[hub.Channel]InventoryProvider{}
	for c, p := range s.protocols {
		if p.Inventory != nil {
			providers[c] = p.Inventory
		}
	}
	if len(providers) == 0 {
		return nil
	}
	return &InventoryPolicy{providers: providers, secret: s.store.PartnerCallbackSecret,
		log: s.log.With("component", "inventory"), client: s.outboundClient}
}

// CheckInventory implements InventoryChecker.
func (c *InventoryPolicy) CheckInventory(ctx context.Context, o *hub.Order, partners []hub.Partner) error {
	for i := range partners {
		p := &partners[i]
		provider := c.providers[p.Protocol]
		if provider == nil || p.Disabled || p.Settings.ProviderURL == "" || !p.CanAccess(o.BrandID, o.LocationID) {
			continue
		}
		if err := c.check(ctx, provider, p, o); err != nil {
			return err
		}
	}
	return nil
}

// check asks one partner's provider and applies the policy to the answer.
func (c *InventoryPolicy) check(ctx context.Context, provider InventoryProvider, p *hub.Partner, o *hub.Order) error {
	timeout := DefaultInventoryTimeout
	if p.Settings.InventoryTimeoutMS > 0 {
		timeout = time.Duration(p.Settings.InventoryTimeoutMS) * time.Millisecond
	}
	out, err := c.ask(ctx, provider, p, o, timeout)
	if err == nil {
		if len(out) > 0 {
			return inventoryRejected(o, out[0])
		}
		return nil
	}
	if ctx.Err() != nil {
		// The caller gave up (its client went away): not the provider's
		// fault, and no order is taken.
		return &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled", Err: ctx.Err()}
	}
	attrs := []any{"partner", p.ID, "protocol", p.Protocol, "brand", o.BrandID, "location", o.LocationID, "error", err}
	if p.Settings.InventoryFailOpen {
		c.log.WarnContext(ctx, "provider inventory check failed; taking the order (fail open)", attrs...)
		return nil
	}
	c.log.WarnContext(ctx, "provider inventory check failed; refusing the order (fail closed)", attrs...)
	return &hub.Error{Code: hub.CodeUnavailable,
		Message: "the inventory provider could not confirm stock; try again later", Err: err}
}

func (c *InventoryPolicy) ask(ctx context.Context, provider InventoryProvider, p *hub.Partner, o *hub.Order, timeout time.Duration) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	secret, err := c.secret(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return provider.AskInventory(ctx, InventoryQuery{Partner: p, Order: o, Secret: secret, Client: c.client()})
}

// inventoryRejected is the refusal for a product a provider has not got.
func inventoryRejected(o *hub.Order, productID int64) error {
	name := strconv.FormatInt(productID, 10)
	field := ""
	for i, l := range o.Lines {
		if l.ProductID == productID {
			name, field = l.Name, "lines["+strconv.Itoa(i)+"].product"
			break
		}
	}
	return hub.Conflict(hub.ReasonInventoryRejected, "%s is out of stock", name).
		WithField(field).WithDetail("product_id", productID)
}
