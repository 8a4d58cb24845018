package service

import (
	"context"
	"time"

	"orderhub/internal/auth"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// IssuedCredential is a credential as shown once, at creation. Only its
// hash is kept.
type IssuedCredential struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	APIKey       string `json:"api_key,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
}

// CreatePartner stores a partner and issues its first credential (an API
// key, or a client id and secret for OAuth2 protocols). Partners of
// protocols that are called back get a callback secret too. Secrets are
// returned once. The partner's protocol must be known (WithProtocols), and
// it checks the partner's settings and locations (Protocol.Settings,
// Protocol.OneLocation).
func (s *Service) CreatePartner(ctx context.Context, p *hub.Partner) (*IssuedCredential, string, error) {
	spec, err := s.protocol(p.Protocol)
	if err != nil {
		return nil, "", err
	}
	if err := p.Validate(); err != nil {
		return nil, "", err
	}
	if err := s.checkPartnerURLs(ctx, p); err != nil {
		return nil, "", err
	}
	var issued *IssuedCredential
	var callbackSecret string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.checkPartnerScope(ctx, tx, p); err != nil {
			return err
		}
		if err := tx.CreatePartner(ctx, p); err != nil {
			return err
		}
		var err error
		if issued, err = s.issueCredential(ctx, tx, p); err != nil {
			return err
		}
		if spec.CallbackSecret {
			callbackSecret = auth.NewSecret("ohcb_")
			return tx.SetPartnerCallbackSecret(ctx, p.ID, callbackSecret, s.Now())
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return issued, callbackSecret, nil
}

// checkPartnerScope checks, inside the unit that stores p, that its brand
// exists, that its locations are the brand's, and what its protocol asks.
func (s *Service) checkPartnerScope(ctx context.Context, tx store.Tx, p *hub.Partner) error {
	spec, err := s.protocol(p.Protocol)
	if err != nil {
		return err
	}
	brand, err := tx.GetBrand(ctx, p.BrandID)
	if err != nil {
		return hub.AsError(err).WithField("brand_id")
	}
	locs, err := tx.ListLocations(ctx, p.BrandID)
	if err != nil {
		return err
	}
	sc := PartnerScope{Partner: p, Brand: brand, Locations: locs}
	for _, lid := range p.LocationIDs {
		if !sc.BrandLocation(lid) {
			return hub.Invalid("location_ids", "location %d is not a location of brand %d", lid, p.BrandID)
		}
	}
	return s.checkProtocol(spec, sc)
}

// UpdatePartner stores changed settings or scope; protocol and brand stay.
// It replaces the whole partner: callers that change some fields use
// ModifyPartner.
func (s *Service) UpdatePartner(ctx context.Context, p *hub.Partner) error {
	if err := s.checkPartnerURLs(ctx, p); err != nil {
		return err
	}
	changed, err := s.modifyPartner(ctx, p.ID, func(stored *hub.Partner) error {
		if stored.BrandID != p.BrandID || stored.Protocol != p.Protocol {
			return hub.Invalid("protocol", "a partner's brand and protocol cannot change")
		}
		*stored = *p
		return nil
	})
	if err == nil {
		*p = *changed
	}
	return err
}

// ModifyPartner changes a partner in one unit of work, as ModifyBrand
// changes a brand: it reads the partner under a row lock, lets fn change
// it (a PATCH body decoded onto it), checks the result as CreatePartner
// does (settings 400 naming the field, locations of its brand, its
// protocol's rules) and writes it. Two concurrent changes apply one after
// the other and never lose each other's fields. Its brand and protocol
// cannot change; an error from fn is returned as is and nothing is
// written.
//
// Its outbound URLs are checked before the unit, on a draft (fn applied to
// the partner as read): the check may resolve a name, which must not hold
// the row lock (nor SQLite's one writer). Every URL of the partner written
// is then either one fn set, checked on the draft, or one kept from the
// stored partner, checked when it was saved.
func (s *Service) ModifyPartner(ctx context.Context, id int64, fn func(p *hub.Partner) error) (*hub.Partner, error) {
	draft, err := s.store.GetPartner(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(draft); err != nil {
		return nil, err
	}
	if err := s.checkPartnerURLs(ctx, draft); err != nil {
		return nil, err
	}
	return s.modifyPartner(ctx, id, fn)
}

func (s *Service) modifyPartner(ctx context.Context, id int64, fn func(p *hub.Partner) error) (*hub.Partner, error) {
	lock := func(tx store.Tx) (*hub.Partner, error) { return tx.LockPartner(ctx, id) }
	return modifyRow(ctx, s, lock, fn, func(before *hub.Partner) func(store.Tx, *hub.Partner) error {
		brandID, proto, created := before.BrandID, before.Protocol, before.CreatedAt
		return func(tx store.Tx, p *hub.Partner) error {
			if p.BrandID != brandID || p.Protocol != proto {
				return hub.Invalid("protocol", "a partner's brand and protocol cannot change")
			}
			p.ID, p.CreatedAt = id, created
			if err := p.Validate(); err != nil {
				return err
			}
			if err := s.checkPartnerScope(ctx, tx, p); err != nil {
				return err
			}
			return tx.UpdatePartner(ctx, p)
		}
	})
}

// IssueCredential adds a credential to a partner (key rotation: issue a
// new one, move the client over, revoke the old one).
func (s *Service) IssueCredential(ctx context.Context, partnerID int64) (*IssuedCredential, error) {
	var issued *IssuedCredential
	err := s.store.Update(ctx, func(tx store.Tx) error {
		p, err := tx.GetPartner(ctx, partnerID)
		if err != nil {
			return err
		}
		issued, err = s.issueCredential(ctx, tx, p)
		return err
	})
	return issued, err
}

func (s *Service) issueCredential(ctx context.Context, tx store.Tx, p *hub.Partner) (*IssuedCredential, error) {
	spec, err := s.protocol(p.Protocol)
	if err != nil {
		return nil, err
	}
	c := &store.Credential{PartnerID: p.ID, BrandID: p.BrandID, CreatedAt: s.Now()}
	out := &IssuedCredential{}
	if spec.Credential == store.CredClient {
		out.ClientID = auth.NewID("ohc_", 16)
		out.ClientSecret = auth.NewSecret("ohs_")
		c.Kind, c.Lookup, c.SecretHash, c.Hint = store.CredClient, out.ClientID, auth.Hash(out.ClientSecret), out.ClientID
	} else {
		prefix := spec.KeyPrefix
		if prefix == "" {
			prefix = "oh_"
		}
		out.APIKey = auth.NewSecret(prefix)
		c.Kind, c.Lookup, c.Hint = store.CredAPIKey, auth.Hash(out.APIKey), auth.Hint(out.APIKey)
	}
	if err := tx.CreateCredential(ctx, c); err != nil {
		return nil, err
	}
	out.ID, out.Kind = c.ID, string(c.Kind)
	return out, nil
}

// RevokeCredential revokes a partner's credential and every access token
// issued with it.
func (s *Service) RevokeCredential(ctx context.Context, partnerID, credentialID int64) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		creds, err := tx.ListCredentials(ctx, partnerID)
		if err != nil {
			return err
		}
		for _, c := range creds {
			if c.ID == credentialID {
				return tx.RevokeCredential(ctx, credentialID, s.Now())
			}
		}
		return hub.NotFound("credential %d not found", credentialID)
	})
}

// RotateCallbackSecret sets a new secret for signing callbacks to the
// partner and returns it (shown once). The replaced secret keeps signing
// for hub.SecretRotationGrace; previousExpiresAt is then, or nil when the
// partner had no secret before.
func (s *Service) RotateCallbackSecret(ctx context.Context, partnerID int64) (secret string, previousExpiresAt *time.Time, err error) {
	secret = auth.NewSecret("ohcb_")
	exp := s.Now().Add(hub.SecretRotationGrace).UTC().Truncate(time.Microsecond)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.PartnerCallbackSecret(ctx, partnerID)
		if err != nil {
			return err
		}
		if old != "" {
			previousExpiresAt = &exp
		}
		return tx.SetPartnerCallbackSecret(ctx, partnerID, secret, exp)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, previousExpiresAt, nil
}

// CreateHubToken issues a native API token; brandID 0 makes an operator
// token for every brand.
func (s *Service) CreateHubToken(ctx context.Context, brandID int64, label string) (string, error) {
	t, err := s.IssueHubToken(ctx, brandID, label)
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// HubToken is a native API token as listed: never the token or its hash.
// BrandID 0 is an operator token.
type HubToken struct {
	ID        int64      `json:"id"`
	BrandID   int64      `json:"brand_id"`
	Label     string     `json:"label"`
	Hint      string     `json:"hint"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// IssuedHubToken is a new hub token with the token itself, shown once.
type IssuedHubToken struct {
	HubToken
	Token string `json:"token"`
}

func hubTokenOf(c *store.Credential) HubToken {
	return HubToken{ID: c.ID, BrandID: c.BrandID, Label: c.Label, Hint: c.Hint, CreatedAt: c.CreatedAt, RevokedAt: c.RevokedAt}
}

// MaxHubTokenLabel bounds a hub token's label (in bytes).
const MaxHubTokenLabel = 200

// IssueHubToken issues a native API token for a brand (0: an operator
// token for every brand) and returns it with the token, shown once.
func (s *Service) IssueHubToken(ctx context.Context, brandID int64, label string) (*IssuedHubToken, error) {
	if brandID < 0 {
		return nil, hub.Invalid("brand_id", "must not be negative")
	}
	if len(label) > MaxHubTokenLabel {
		return nil, hub.Invalid("label", "must be at most %d bytes", MaxHubTokenLabel)
	}
	token := auth.NewSecret("ohh_")
	c := &store.Credential{Kind: store.CredHubToken, BrandID: brandID, Lookup: auth.Hash(token),
		Hint: auth.Hint(token), Label: label, CreatedAt: s.Now().Truncate(time.Microsecond)} // as stored, so the answer equals later lists
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if brandID != 0 {
			if _, err := tx.GetBrand(ctx, brandID); hub.ErrorCode(err) == hub.CodeNotFound {
				return hub.NotFound("brand %d not found", brandID).WithField("brand_id")
			} else if err != nil {
				return err
			}
		}
		return tx.CreateCredential(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return &IssuedHubToken{HubToken: hubTokenOf(c), Token: token}, nil
}

// ListHubTokens lists the hub tokens of a brand, revoked ones included, by
// id; brandID 0 (an operator) lists every hub token.
func (s *Service) ListHubTokens(ctx context.Context, brandID int64) ([]HubToken, error) {
	cs, err := s.store.ListHubTokens(ctx, brandID)
	if err != nil {
		return nil, err
	}
	out := make([]HubToken, 0, len(cs))
	for i := range cs {
		out = append(out, hubTokenOf(&cs[i]))
	}
	return out, nil
}

// RevokeHubToken revokes hub token id as seen by brandID (0: an operator,
// any token; otherwise only that brand's tokens, another's are not found).
// A token may revoke itself. The last live operator token is refused
// (conflict, reason last_operator_token): without it nobody could manage
// brands or tokens through the API; `orderhub token create` can always
// issue another. Revoking a revoked token changes nothing.
func (s *Service) RevokeHubToken(ctx context.Context, brandID, id int64) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		// Locked, so that two revocations at once (two nodes) cannot both
		// see the other's token as the one left.
		all, err := tx.LockHubTokens(ctx, 0)
		if err != nil {
			return err
		}
		var target *store.Credential
		liveOperators := 0
		for i := range all {
			c := &all[i]
			if c.ID == id {
				target = c
			}
			if c.BrandID == 0 && c.Live(s.Now()) {
				liveOperators++
			}
		}
		if target == nil || (brandID != 0 && target.BrandID != brandID) {
			return hub.NotFound("token %d not found", id)
		}
		if target.RevokedAt != nil {
			return nil
		}
		if target.BrandID == 0 && liveOperators <= 1 {
			return hub.Conflict(hub.ReasonLastOperatorToken,
				"token %d is the last live operator token; issue another first (orderhub token create) so that operators are not locked out", id)
		}
		return tx.RevokeCredential(ctx, id, s.Now())
	})
}

var errUnauthorized = &hub.Error{Code: hub.CodeUnauthorized, Message: "invalid credentials"}

// partnerFor loads a credential's partner and checks that it is live and
// speaks the expected protocol.
func (s *Service) partnerFor(ctx context.Context, cfg *Config, c *store.Credential, protocol hub.Channel) (*hub.Partner, error) {
	if !c.Live(s.Now()) || c.PartnerID == 0 {
		return nil, errUnauthorized
	}
	p, err := cfg.Partner(ctx, c.PartnerID)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			return nil, errUnauthorized
		}
		return nil, err
	}
	if p.Disabled || p.Protocol != protocol {
		return nil, errUnauthorized
	}
	return p, nil
}

// lookup finds a credential, turning not-found into unauthorized, and
// returns the configuration it was found in (for the partner).
func (s *Service) lookup(ctx context.Context, kind store.CredentialKind, lookup string) (*store.Credential, *Config, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := cfg.credential(ctx, kind, lookup)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			return nil, nil, errUnauthorized
		}
		return nil, nil, err
	}
	return c, cfg, nil
}

// AuthenticateAPIKey returns the partner a static key belongs to, if it is
// live and of the protocol. The key is looked up by its hash, so the stored
// value never equals the secret. It is also the rate check (ratelimit.go):
// an empty or refused key counts against the caller's address, a live one
// against itself.
func (s *Service) AuthenticateAPIKey(ctx context.Context, protocol hub.Channel, key string) (*hub.Partner, error) {
	return s.authenticateSecret(ctx, store.CredAPIKey, protocol, key)
}

// authenticateSecret is the partner of a live credential of the kind whose
// secret is this (looked up by its hash), and the rate check: a refusal
// counts against the caller's address, a live credential against itself.
func (s *Service) authenticateSecret(ctx context.Context, kind store.CredentialKind, protocol hub.Channel, secret string) (*hub.Partner, error) {
	p, c, err := s.partnerOfSecret(ctx, kind, protocol, secret)
	if err != nil {
		return nil, s.refused(ctx, err)
	}
	if err := s.admitCredential(c); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Service) partnerOfSecret(ctx context.Context, kind store.CredentialKind, protocol hub.Channel, secret string) (*hub.Partner, *store.Credential, error) {
	if secret == "" {
		return nil, nil, errUnauthorized
	}
	c, cfg, err := s.lookup(ctx, kind, auth.Hash(secret))
	if err != nil {
		return nil, nil, err
	}
	p, err := s.partnerFor(ctx, cfg, c, protocol)
	return p, c, err
}

// AuthenticateClient checks OAuth2 client credentials (constant-time on the
// secret hash) and returns the partner and the credential. It is a login:
// every call counts against the caller's address first, and a client
// that authenticates against its own bucket too.
func (s *Service) AuthenticateClient(ctx context.Context, protocol hub.Channel, clientID, secret string) (*hub.Partner, *store.Credential, error) {
	if err := s.admitAddress(ctx); err != nil {
		return nil, nil, err
	}
	p, c, err := s.authenticateClient(ctx, protocol, clientID, secret)
	if err != nil {
		return nil, nil, err
	}
	if err := s.admitCredential(c); err != nil {
		return nil, nil, err
	}
	return p, c, nil
}

func (s *Service) authenticateClient(ctx context.Context, protocol hub.Channel, clientID, secret string) (*hub.Partner, *store.Credential, error) {
	if clientID == "" || secret == "" {
		return nil, nil, errUnauthorized
	}
	c, cfg, err := s.lookup(ctx, store.CredClient, clientID)
	if err != nil {
		return nil, nil, err
	}
	if !auth.CheckHash(secret, c.SecretHash) {
		return nil, nil, errUnauthorized
	}
	p, err := s.partnerFor(ctx, cfg, c, protocol)
	return p, c, err
}

// IssueAccessToken issues a bearer token for a client credential, valid for
// ttl; revoking the client revokes it.
func (s *Service) IssueAccessToken(ctx context.Context, client *store.Credential, ttl time.Duration) (string, time.Time, error) {
	token := auth.NewSecret("oht_")
	exp := s.Now().Add(ttl)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAccessToken, PartnerID: client.PartnerID, BrandID: client.BrandID,
			Lookup: auth.Hash(token), ParentID: client.ID, ExpiresAt: &exp, CreatedAt: s.Now()})
	})
	return token, exp, err
}

// AuthenticateAccessToken returns the partner of a live bearer token (and
// is its rate check, counted against the client that minted it).
func (s *Service) AuthenticateAccessToken(ctx context.Context, protocol hub.Channel, token string) (*hub.Partner, error) {
	return s.authenticateSecret(ctx, store.CredAccessToken, protocol, token)
}

// HubPrincipal is who calls the native API: an operator (BrandID 0) or a
// brand's own token.
type HubPrincipal struct {
	CredentialID int64
	BrandID      int64
}

// CanBrand reports whether the principal may act on a brand.
func (p *HubPrincipal) CanBrand(brandID int64) bool { return p.BrandID == 0 || p.BrandID == brandID }

// AuthenticateHubToken checks a native API token (and is its rate check).
func (s *Service) AuthenticateHubToken(ctx context.Context, token string) (*HubPrincipal, error) {
	c, err := s.authenticateHubToken(ctx, token)
	if err != nil {
		return nil, s.refused(ctx, err)
	}
	if err := s.admitCredential(c); err != nil {
		return nil, err
	}
	return &HubPrincipal{CredentialID: c.ID, BrandID: c.BrandID}, nil
}

func (s *Service) authenticateHubToken(ctx context.Context, token string) (*store.Credential, error) {
	if token == "" {
		return nil, errUnauthorized
	}
	c, _, err := s.lookup(ctx, store.CredHubToken, auth.Hash(token))
	if err != nil {
		return nil, err
	}
	if !c.Live(s.Now()) {
		return nil, errUnauthorized
	}
	return c, nil
}
