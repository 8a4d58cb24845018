package service

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Configuration cache.
//
// Every order reads the same few configuration rows (its brand, location,
// products, timeslots, the caller's partner and credential) and decodes
// their JSON documents; that was most of the CPU of an order. They change
// rarely, so each node keeps what it has read, tagged with the store's
// configuration version (store.Reader.ConfigVersion), which every unit
// that changes configuration moves when it commits, on any node. A call
// reads the version once (one primary-key read) and uses the cache only if
// it holds that version; a newer version empties it. So a change is seen
// by the next request on every node, with no notification to miss and no
// time to live.
//
// What the cache hands out is shared between requests: read-only. Stock is
// never cached (it changes with every order). Not-found answers are not
// cached (a credential or product created later must be found).

// maxCachedConfig bounds the entries of one version (products of many
// brands); past it, reads go to the store.
const maxCachedConfig = 50_000

// configCache holds the generation of the newest version read.
type configCache struct {
	gen atomic.Pointer[configGen]
}

// configGen is what has been read at one version.
type configGen struct {
	version int64
	mu      sync.RWMutex
	entries map[configKey]any
}

// configKey names an entry: a kind and an id or reference within a brand.
type configKey struct {
	kind  byte
	brand int64
	ref   string
}

const (
	keyBrand byte = iota
	keyLocation
	keyProductID
	keyProductRef
	keyProducts
	keyTimeslots
	keyPartner
	keyPartners
	keyCredential
)

// at returns the generation of version v, starting it if v is newer than
// the cache's; nil when v is older (a reader that started before a change
// committed reads the store).
func (c *configCache) at(v int64) *configGen {
	for {
		g := c.gen.Load()
		switch {
		case g != nil && g.version == v:
			return g
		case g != nil && g.version > v:
			return nil
		}
		next := &configGen{version: v, entries: map[configKey]any{}}
		if c.gen.CompareAndSwap(g, next) {
			return next
		}
	}
}

// Config is the configuration as of one version read: brands, locations,
// products, timeslots, partners and credentials, from this node's cache
// where it holds that version and from the store otherwise. What it
// returns is shared: read-only.
type Config struct {
	g *configGen
	r store.Reader
}

// Config reads the configuration version and returns the view at it.
// Within a context made by WithRequestScope the first view is kept and
// returned again: one request reads the version once and sees one
// configuration throughout (a request that changes configuration and then
// reads it back reads the store, not its view).
func (s *Service) Config(ctx context.Context) (*Config, error) {
	sc, _ := ctx.Value(scopeKey{}).(*requestScope)
	if sc != nil {
		if c := sc.cfg.Load(); c != nil {
			return c, nil
		}
	}
	v, err := s.store.ConfigVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &Config{g: s.config.at(v), r: s.store}
	if sc != nil {
		sc.cfg.Store(c)
	}
	return c, nil
}

type scopeKey struct{}

type requestScope struct{ cfg atomic.Pointer[Config] }

// WithRequestScope marks ctx as one request's, for Config.
func WithRequestScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &requestScope{})
}

// cached returns the entry at k, loading it with load on a miss.
func cached[T any](c *Config, k configKey, load func() (T, error)) (T, error) {
	if c.g == nil {
		return load()
	}
	c.g.mu.RLock()
	v, ok := c.g.entries[k]
	c.g.mu.RUnlock()
	if ok {
		return v.(T), nil
	}
	val, err := load()
	if err != nil {
		return val, err
	}
	c.g.mu.Lock()
	if len(c.g.entries) < maxCachedConfig {
		c.g.entries[k] = val
	}
	c.g.mu.Unlock()
	return val, nil
}

// Brand reads a brand.
func (c *Config) Brand(ctx context.Context, id int64) (*hub.Brand, error) {
	return cached(c, configKey{kind: keyBrand, brand: id}, func() (*hub.Brand, error) { return c.r.GetBrand(ctx, id) })
}

// Location reads a location.
func (c *Config) Location(ctx context.Context, id int64) (*hub.Location, error) {
	return cached(c, configKey{kind: keyLocation, brand: id}, func() (*hub.Location, error) { return c.r.GetLocation(ctx, id) })
}

// Product reads a product of a brand by hub id.
func (c *Config) Product(ctx context.Context, brandID, id int64) (*hub.Product, error) {
	return cached(c, configKey{kind: keyProductID, brand: brandID, ref: strconv.FormatInt(id, 10)}, func() (*hub.Product, error) {
		return c.r.GetProduct(ctx, brandID, id)
	})
}

// FindProduct finds a product of a brand by hub id, ref id or SKU
// (store.Reader.FindProduct).
func (c *Config) FindProduct(ctx context.Context, brandID int64, ref string) (*hub.Product, error) {
	return cached(c, configKey{kind: keyProductRef, brand: brandID, ref: ref}, func() (*hub.Product, error) {
		return c.r.FindProduct(ctx, brandID, ref)
	})
}

// Products lists every product of a brand, by id.
func (c *Config) Products(ctx context.Context, brandID int64) ([]hub.Product, error) {
	return cached(c, configKey{kind: keyProducts, brand: brandID}, func() ([]hub.Product, error) {
		return c.r.ListProducts(ctx, store.ProductFilter{BrandID: brandID})
	})
}

// Timeslots returns a brand's timeslots by id.
func (c *Config) Timeslots(ctx context.Context, brandID int64) (map[int64]hub.Timeslot, error) {
	return cached(c, configKey{kind: keyTimeslots, brand: brandID}, func() (map[int64]hub.Timeslot, error) {
		list, err := c.r.ListTimeslots(ctx, brandID)
		if err != nil {
			return nil, err
		}
		slots := make(map[int64]hub.Timeslot, len(list))
		for _, t := range list {
			slots[t.ID] = t
		}
		return slots, nil
	})
}

// Partner reads a partner.
func (c *Config) Partner(ctx context.Context, id int64) (*hub.Partner, error) {
	return cached(c, configKey{kind: keyPartner, brand: id}, func() (*hub.Partner, error) { return c.r.GetPartner(ctx, id) })
}

// Partners lists a brand's partners.
func (c *Config) Partners(ctx context.Context, brandID int64) ([]hub.Partner, error) {
	return cached(c, configKey{kind: keyPartners, brand: brandID}, func() ([]hub.Partner, error) {
		return c.r.ListPartners(ctx, brandID)
	})
}

// credential finds a credential by kind and lookup value. Revoking one
// moves the version; expiry is checked by the caller (Credential.Live).
func (c *Config) credential(ctx context.Context, kind store.CredentialKind, lookup string) (*store.Credential, error) {
	return cached(c, configKey{kind: keyCredential, ref: string(kind) + "\x00" + lookup}, func() (*store.Credential, error) {
		return c.r.CredentialByLookup(ctx, kind, lookup)
	})
}
