package service

import (
	"slices"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Protocol is what the service knows of a partner protocol: plain data and
// two hooks, handed to New by the registry of protocols (internal/protocol,
// which adds what only the server needs: routes, formatter, demo partner,
// documentation). The service never imports a protocol package; it reads
// these instead, so that a protocol is added without editing it.
type Protocol struct {
	// Channel names the protocol (hub.Partner.Protocol) and the channel
	// of the orders it takes.
	Channel hub.Channel
	// Role is the part its partners play on orders: hub.RoleStore for a
	// store POS or a platform client that reports for the store,
	// hub.RoleCustomer for an ordering channel (Actor). A protocol serving
	// both sides names the role per route (hub.CredentialRole).
	Role hub.Role
	// Credential is what its partners authenticate with: store.CredAPIKey
	// (a static key) or store.CredClient (OAuth2 client credentials).
	Credential store.CredentialKind
	// KeyPrefix starts its API keys ("ohk_"), so that a leaked key is
	// recognisable; "oh_" when empty.
	KeyPrefix string
	// CallbackSecret gives each new partner a callback signing secret
	// (for protocols orderhub calls back).
	CallbackSecret bool
	// OneLocation binds each partner to exactly one location (seed 004: a
	// QR credential orders for the one location of its tables); a partner
	// with none or several is refused when saved (hub.Partner.SoleLocation).
	OneLocation bool
	// Settings checks a partner's settings of this protocol (in particular
	// its Extra keys) whenever the partner is created or changed; its
	// error names the field ("settings.extra.delivery_fee"). Nil: the
	// protocol has no extra settings, and any key is refused.
	Settings func(PartnerScope) error
	// CredentialRole reads, from a partner's settings, the role its
	// credential may act in (hub.CredentialRole), for a protocol whose
	// routes serve both sides (seed 000's kakao_role); an error means the
	// stored setting is unreadable and the credential may do nothing. Nil:
	// every partner acts only in Role. ActAs applies it.
	CredentialRole func(hub.PartnerSettings) (hub.CredentialRole, error)
	// Inventory is the wire half of a provider inventory check (nil:
	// none): every order of any channel asks the partners of this protocol
	// that have a provider_url, under InventoryPolicy.
	Inventory InventoryProvider
}

// PartnerScope is what a protocol's settings check is given: the partner as
// it is about to be stored, its brand, and the brand's locations.
type PartnerScope struct {
	Partner   *hub.Partner
	Brand     *hub.Brand
	Locations []hub.Location
}

// BrandLocation reports whether id is a location of the brand.
func (sc PartnerScope) BrandLocation(id int64) bool {
	for _, l := range sc.Locations {
		if l.ID == id {
			return true
		}
	}
	return false
}

// Reaches reports whether id is a location of the brand within the
// partner's scope: one of its locations, or any of the brand's when it
// names none.
func (sc PartnerScope) Reaches(id int64) bool {
	if !sc.BrandLocation(id) {
		return false
	}
	return len(sc.Partner.LocationIDs) == 0 || slices.Contains(sc.Partner.LocationIDs, id)
}

// hubProtocol is the native channel as a partner protocol: a key-holding
// partner acting as the store, with no settings of its own.
var hubProtocol = Protocol{Channel: hub.ChannelHub, Role: hub.RoleStore, Credential: store.CredAPIKey}

// WithProtocols makes the partner protocols known: partners may be created
// with them, their settings are checked by them, and their inventory
// providers are asked before orders are taken (InventoryPolicy, unless
// WithInventoryChecker installs another check). The native channel "hub"
// is always known. A later protocol of the same channel replaces an
// earlier one.
func WithProtocols(ps ...Protocol) Option {
	return func(s *Service) {
		for _, p := range ps {
			if p.Channel == hub.ChannelHub {
				continue
			}
			if _, dup := s.protocols[p.Channel]; !dup {
				s.channels = append(s.channels, p.Channel)
			}
			s.protocols[p.Channel] = p
		}
	}
}

// KnownChannel reports whether c is "hub" or a protocol given to New.
func (s *Service) KnownChannel(c hub.Channel) bool {
	_, ok := s.protocols[c]
	return ok
}

// Channels lists the known channels: the protocols in the order given to
// New, then "hub".
func (s *Service) Channels() []hub.Channel {
	return append(append([]hub.Channel(nil), s.channels...), hub.ChannelHub)
}

// protocol returns a partner protocol's description; an unknown one is
// invalid input naming the known ones.
func (s *Service) protocol(c hub.Channel) (*Protocol, error) {
	if p, ok := s.protocols[c]; ok {
		return &p, nil
	}
	names := make([]string, 0, len(s.protocols))
	for _, k := range s.Channels() {
		names = append(names, string(k))
	}
	return nil, hub.Invalid("protocol", "must be one of %s", strings.Join(names, ", "))
}

// Actor is a partner acting in its protocol's role, named "partner:<id>"
// in the order history. A partner of an unknown protocol acts as the
// customer, the role with the fewer rights.
func (s *Service) Actor(p *hub.Partner) hub.Actor {
	role := hub.RoleCustomer
	if spec, ok := s.protocols[p.Protocol]; ok && spec.Role != "" {
		role = spec.Role
	}
	return hub.Actor{Role: role, Name: PartnerActor(p)}
}

// ActAs is the actor of a partner acting as role on a route of its
// protocol, when its credential may (hub.CredentialRole.Authorize; the role
// is the protocol's CredentialRole hook's reading of the partner's
// settings, or its one Role); otherwise a CodeForbidden with
// hub.ReasonCredentialRole. A partner of an unknown protocol may do
// nothing. The rule is here, not in the protocol packages: a route only
// names the role it acts in.
func (s *Service) ActAs(p *hub.Partner, role hub.Role) (hub.Actor, error) {
	var cred hub.CredentialRole
	if spec, ok := s.protocols[p.Protocol]; ok {
		if spec.CredentialRole == nil {
			cred = hub.CredentialRoleOf(spec.Role)
		} else if r, err := spec.CredentialRole(p.Settings); err == nil {
			cred = r
		}
	}
	if err := cred.Authorize(role); err != nil {
		return hub.Actor{}, err
	}
	return hub.Actor{Role: role, Name: PartnerActor(p)}, nil
}

// PartnerActor is the actor name of a partner in history rows and events.
func PartnerActor(p *hub.Partner) string { return hub.PartnerActor(p.ID) }

// checkProtocol applies the partner's protocol to a partner about to be
// stored: its location binding and its settings check.
func (s *Service) checkProtocol(spec *Protocol, sc PartnerScope) error {
	if spec.OneLocation && len(sc.Partner.LocationIDs) != 1 {
		return hub.Invalid("location_ids", "a %s partner is bound to exactly one location", spec.Channel)
	}
	if spec.Settings == nil {
		return sc.Partner.Settings.ExtraKnown()
	}
	return spec.Settings(sc)
}
