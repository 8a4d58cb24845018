package hub

import (
	"net/url"
	"strings"
	"time"
)

// SecretRotationGrace is how long a replaced signing secret (a webhook
// endpoint's or a partner's callback secret) keeps signing beside the new
// one, so that receivers can switch without losing a callback.
const SecretRotationGrace = 24 * time.Hour

// PricePolicy says what happens when a channel's price differs from the
// catalog: reject the order (default) or accept it and flag it.
type PricePolicy string

const (
	PriceReject PricePolicy = "reject"
	PriceAccept PricePolicy = "accept"
)

// Partner is one party that calls orderhub or is called by it, speaking one
// protocol, bound to one brand and the locations it may touch. Every
// credential belongs to a partner, so no credential reaches beyond them.
type Partner struct {
	ID       int64   `json:"id"`
	BrandID  int64   `json:"brand_id"`
	Protocol Channel `json:"protocol"`
	Name     string  `json:"name"`
	// LocationIDs are the locations it may act on; empty means all of the
	// brand's.
	LocationIDs []int64         `json:"location_ids"`
	Settings    PartnerSettings `json:"settings"`
	Disabled    bool            `json:"disabled"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// PartnerSettings are the per-partner knobs of DESIGN.md §1.
type PartnerSettings struct {
	CallbackURL       string      `json:"callback_url,omitempty"`
	ProviderURL       string      `json:"provider_url,omitempty"`
	BotURL            string      `json:"bot_url,omitempty"`
	PricePolicy       PricePolicy `json:"price_policy,omitempty"`
	InventoryFailOpen bool        `json:"inventory_fail_open,omitempty"`
	// InventoryTimeoutMS bounds the provider inventory check (default 3000).
	InventoryTimeoutMS int `json:"inventory_timeout_ms,omitempty"`
	// Extra holds protocol-specific settings (delivery fee, logistics
	// centre, status code table).
	Extra map[string]any `json:"extra,omitempty"`
}

// Validate checks a partner before it is stored.
func (p *Partner) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.BrandID <= 0 {
		return Invalid("brand_id", "is required")
	}
	if !ValidChannel(p.Protocol) {
		return Invalid("protocol", "must be one of kakao, omni, junglebook, zeek, tableorder, hub")
	}
	if p.Name == "" {
		p.Name = string(p.Protocol)
	}
	for _, u := range []struct{ field, v string }{
		{"settings.callback_url", p.Settings.CallbackURL},
		{"settings.provider_url", p.Settings.ProviderURL},
		{"settings.bot_url", p.Settings.BotURL},
	} {
		if u.v == "" {
			continue
		}
		pu, err := url.Parse(u.v)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return Invalid(u.field, "must be an absolute http(s) URL")
		}
	}
	switch p.Settings.PricePolicy {
	case "":
		p.Settings.PricePolicy = PriceReject
	case PriceReject, PriceAccept:
	default:
		return Invalid("settings.price_policy", "must be reject or accept")
	}
	if p.Settings.InventoryTimeoutMS < 0 || p.Settings.InventoryTimeoutMS > 60000 {
		return Invalid("settings.inventory_timeout_ms", "must be between 0 and 60000")
	}
	return nil
}

// CanAccess reports whether the partner may act on a location of a brand.
func (p *Partner) CanAccess(brandID, locationID int64) bool {
	if p.Disabled || p.BrandID != brandID {
		return false
	}
	if len(p.LocationIDs) == 0 || locationID == 0 {
		return true
	}
	for _, id := range p.LocationIDs {
		if id == locationID {
			return true
		}
	}
	return false
}

// CanEditProduct reports whether the partner may change a product: the
// product must be of its brand and, for a partner bound to some locations,
// sold only within them. A product sold at every location (LocationIDs
// nil) is sold at each of brandLocations, the brand's location ids.
func (p *Partner) CanEditProduct(prod *Product, brandLocations []int64) bool {
	if !p.CanAccess(prod.BrandID, 0) {
		return false
	}
	if len(p.LocationIDs) == 0 {
		return true
	}
	locs := prod.LocationIDs
	if locs == nil {
		locs = brandLocations
	}
	for _, id := range locs {
		if !p.CanAccess(prod.BrandID, id) {
			return false
		}
	}
	return true
}

// Role is the part a partner plays on orders: the POS is the store, the
// ordering channels are customers. The platform client acts as the store for
// status updates (its POS reports pickups).
func (p *Partner) Role() Role {
	switch p.Protocol {
	case ChannelOmni, ChannelHub, ChannelZeek:
		return RoleStore
	}
	return RoleCustomer
}
