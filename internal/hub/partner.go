package hub

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
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
	// centre, status code table). Each protocol reads its keys, typed,
	// with the Extra* methods; the service has the protocol check them
	// whenever a partner is created or changed, so a key that is not the
	// protocol's, or a value of the wrong type, is a 400 then and never a
	// failure at order time.
	Extra map[string]any `json:"extra,omitempty"`
}

// NamedURL is a URL orderhub calls and the input field it was set in.
type NamedURL struct{ Field, URL string }

// OutboundURLs are the partner's URLs that orderhub calls (the set ones):
// checked for form here and for their target by the service
// (internal/netguard) before they are stored.
func (p *Partner) OutboundURLs() []NamedURL {
	var out []NamedURL
	for _, u := range []NamedURL{
		{"settings.callback_url", p.Settings.CallbackURL},
		{"settings.provider_url", p.Settings.ProviderURL},
		{"settings.bot_url", p.Settings.BotURL},
	} {
		if u.URL != "" {
			out = append(out, u)
		}
	}
	return out
}

// Validate checks what a partner of any protocol must satisfy before it is
// stored. Whether its protocol exists, and what the protocol asks of its
// settings and locations, the service checks with the protocol registry.
func (p *Partner) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.BrandID <= 0 {
		return Invalid("brand_id", "is required")
	}
	if !ValidChannel(p.Protocol) {
		return Invalid("protocol", "must be a protocol name")
	}
	if p.Name == "" {
		p.Name = string(p.Protocol)
	}
	if err := checkText("name", p.Name, MaxShortText); err != nil {
		return err
	}
	for _, u := range p.OutboundURLs() {
		pu, err := url.Parse(u.URL)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return Invalid(u.Field, "must be an absolute http(s) URL")
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

// SoleLocation is the one location a partner bound to a single location
// acts on (seed 004: a QR credential orders for one table's location). A
// partner bound to none (every location) or to several is forbidden: it
// cannot say where its orders go.
func (p *Partner) SoleLocation() (int64, error) {
	if len(p.LocationIDs) != 1 {
		return 0, &Error{Code: CodeForbidden, Message: "this credential is not bound to exactly one location"}
	}
	return p.LocationIDs[0], nil
}

// CredentialRole is the side of an order a partner's credentials may act
// on, for a protocol whose routes serve both sides (seed 000 serves the
// chatbot, which orders as the customer, and the POS, which moves orders
// as the store). A protocol maps its own setting onto it (kakao_role
// "bot", "pos", "both") and each route names the Role it acts in; the
// partner may call the route only when its CredentialRole allows that role.
type CredentialRole string

const (
	// CredentialBoth acts in either role (one partner serving both sides).
	CredentialBoth CredentialRole = "both"
	// CredentialCustomer acts only as the customer: places, reads and
	// cancels its orders.
	CredentialCustomer CredentialRole = "customer"
	// CredentialStore acts only as the store: moves orders forward.
	CredentialStore CredentialRole = "store"
)

// Valid reports whether c is one of the credential roles.
func (c CredentialRole) Valid() bool {
	return c == CredentialBoth || c == CredentialCustomer || c == CredentialStore
}

// Allows reports whether a credential of role c may act as r. Anything but
// a valid role allows nothing (fail closed).
func (c CredentialRole) Allows(r Role) bool {
	switch c {
	case CredentialBoth:
		return r == RoleStore || r == RoleCustomer
	case CredentialCustomer:
		return r == RoleCustomer
	case CredentialStore:
		return r == RoleStore
	}
	return false
}

// Authorize lets a credential of role c act as r, or says why not: a
// CodeForbidden with ReasonCredentialRole, whose Details carry the
// credential's role ("credential_role", a CredentialRole, "" when its
// stored setting is unreadable) and the role asked for ("role", a Role),
// so that each protocol words the refusal in its own terms.
func (c CredentialRole) Authorize(r Role) error {
	if c.Allows(r) {
		return nil
	}
	msg := "this credential may not act as the " + string(r)
	if !c.Valid() {
		msg = "this credential's role is unreadable; it may do nothing"
	}
	return &Error{Code: CodeForbidden, Reason: ReasonCredentialRole, Message: msg,
		Details: map[string]any{"credential_role": c, "role": r}}
}

// CredentialRoleOf is the credential role a partner of a protocol whose
// partners all act in one role has: CredentialStore for RoleStore,
// CredentialCustomer for RoleCustomer.
func CredentialRoleOf(r Role) CredentialRole {
	switch r {
	case RoleStore:
		return CredentialStore
	case RoleCustomer:
		return CredentialCustomer
	}
	return ""
}

// ShortOfMinimum is what a subtotal lacks to reach a minimum purchase: the
// minimum less the subtotal, never below zero (the platform callback's
// difference_to_minimum, seed 003).
func ShortOfMinimum(minimum, subtotal int64) int64 {
	if d := minimum - subtotal; d > 0 {
		return d
	}
	return 0
}

// ExtraField is the input name of an extra setting ("settings.extra.<key>"),
// the field its errors carry.
func ExtraField(key string) string { return "settings.extra." + key }

// ExtraKnown refuses every key of Extra outside known, naming the first (in
// sorted order) and listing the protocol's keys.
func (s PartnerSettings) ExtraKnown(known ...string) error {
	var unknown []string
	for k := range s.Extra {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	if len(known) == 0 {
		return Invalid(ExtraField(unknown[0]), "is not a setting of this protocol (it has no extra settings)")
	}
	return Invalid(ExtraField(unknown[0]), "is not a setting of this protocol (known: %s)", strings.Join(known, ", "))
}

// ExtraAmount reads a non-negative integer setting of at most MaxAmount: a
// JSON number, a Go integer, or a string of digits; 0 when absent or null.
func (s PartnerSettings) ExtraAmount(key string) (int64, error) {
	return s.ExtraAmountUpTo(key, MaxAmount)
}

// ExtraAmountUpTo is ExtraAmount with a lower bound than MaxAmount (a fee
// added to every order is at most MaxFee).
func (s PartnerSettings) ExtraAmountUpTo(key string, max int64) (int64, error) {
	v, ok := s.Extra[key]
	if !ok || v == nil {
		return 0, nil
	}
	bad := Invalid(ExtraField(key), "must be a non-negative integer of at most %d", max)
	var n int64
	switch t := v.(type) {
	case float64:
		if t < 0 || t != math.Trunc(t) || t > float64(max) {
			return 0, bad
		}
		n = int64(t)
	case int:
		n = int64(t)
	case int64:
		n = t
	case json.Number:
		var err error
		if n, err = t.Int64(); err != nil {
			return 0, bad
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(t), 10, 64); err != nil {
			return 0, bad
		}
	default:
		return 0, bad
	}
	if n < 0 || n > max {
		return 0, bad
	}
	return n, nil
}

// ExtraString reads a string setting, trimmed; "" when absent or null.
func (s PartnerSettings) ExtraString(key string) (string, error) {
	v, ok := s.Extra[key]
	if !ok || v == nil {
		return "", nil
	}
	t, ok := v.(string)
	if !ok {
		return "", Invalid(ExtraField(key), "must be a string")
	}
	return strings.TrimSpace(t), nil
}

// ExtraObject decodes an object setting into out (strictly: a member out
// has not is refused); false when absent or null.
func (s PartnerSettings) ExtraObject(key string, out any) (bool, error) {
	v, ok := s.Extra[key]
	if !ok || v == nil {
		return false, nil
	}
	if _, ok := v.(map[string]any); !ok {
		return false, Invalid(ExtraField(key), "must be an object")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false, Invalid(ExtraField(key), "must be an object")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return false, Invalid(ExtraField(key), "is not a valid object: %s", jsonProblem(err))
	}
	return true, nil
}

// jsonProblem names what encoding/json refused, without Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field + " has the wrong type"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown member " + f
	}
	return "malformed"
}
