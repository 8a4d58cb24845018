package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Rendered menus.
//
// A chatbot reads its store's menu far more often than the menu changes,
// and building one reads the whole catalog and stock of the location. So
// each node keeps every menu it has encoded (per location and variant:
// the protocol's language, say), with its ETag, and serves it again while
// nothing it shows can have changed:
//   - the configuration version is the same (catalog, availability,
//     partners: see Config);
//   - the location's stock has not changed: this node bumps a location's
//     generation when its own units change stock there, and a watcher of
//     the outbox (Watch) bumps it for the stock.changed events of every
//     node, as soon as they are dispatched;
//   - the minute has not turned (launch windows, timeslots and daily
//     special prices are judged at the instant; a menu is at most a minute
//     behind them), nor has a snooze of the location ended (Menu.Changes:
//     a product comes back on the second).
// Without a running watcher (tests, tools) nothing is cached.

// maxCachedMenus bounds the cache; past it, the oldest half is dropped.
const maxCachedMenus = 4096

type menuKey struct {
	location int64
	variant  string
}

type menuEntry struct {
	config     int64
	stock      uint64
	validUntil time.Time
	body       []byte
	etag       string
}

type menuCache struct {
	watching atomic.Bool
	mu       sync.Mutex
	entries  map[menuKey]*menuEntry
	// stock holds each location's stock generation (*atomic.Uint64).
	stock sync.Map
}

func (c *menuCache) gen(locationID int64) *atomic.Uint64 {
	if g, ok := c.stock.Load(locationID); ok {
		return g.(*atomic.Uint64)
	}
	g, _ := c.stock.LoadOrStore(locationID, new(atomic.Uint64))
	return g.(*atomic.Uint64)
}

// stockChanged marks what a location's menus show of its stock as stale.
func (s *Service) stockChanged(locationID int64) {
	if locationID != 0 {
		s.menus.gen(locationID).Add(1)
	}
}

// RenderedMenu is a location's menu encoded by render, with a strong ETag
// (of the encoding), from this node's cache while it is current. variant
// names what render depends on besides the menu (a language).
func (s *Service) RenderedMenu(ctx context.Context, brandID, locationID int64, variant string,
	render func(*Menu) ([]byte, error)) ([]byte, string, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	k := menuKey{locationID, variant}
	caching := s.menus.watching.Load() && cfg.g != nil
	var stockGen uint64
	if caching {
		stockGen = s.menus.gen(locationID).Load()
		s.menus.mu.Lock()
		e := s.menus.entries[k]
		s.menus.mu.Unlock()
		if e != nil && e.config == cfg.g.version && e.stock == stockGen && now.Before(e.validUntil) {
			return e.body, e.etag, nil
		}
	}
	m, err := s.menu(ctx, cfg, brandID, locationID)
	if err != nil {
		return nil, "", err
	}
	body, err := render(m)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	if caching {
		valid := now.Truncate(time.Minute).Add(time.Minute)
		if m.Changes != nil && m.Changes.Before(valid) {
			valid = *m.Changes
		}
		e := &menuEntry{config: cfg.g.version, stock: stockGen, validUntil: valid, body: body, etag: etag}
		s.menus.mu.Lock()
		if s.menus.entries == nil || len(s.menus.entries) >= maxCachedMenus {
			s.menus.entries = map[menuKey]*menuEntry{}
		}
		s.menus.entries[k] = e
		s.menus.mu.Unlock()
	}
	return body, etag, nil
}

// Watch follows the outbox on this node until ctx ends: each dispatched
// stock.changed event makes the menus of its location stale. It reads the
// events as soon as they are dispatched (store.TopicDispatched, on any
// node) and polls every poll as a fallback. While it runs, RenderedMenu
// caches. It returns when ctx ends.
func (s *Service) Watch(ctx context.Context, poll time.Duration) {
	woken, unsubscribe := s.store.Subscribe(store.TopicDispatched)
	defer unsubscribe()
	after, err := s.store.LastEventSeq(ctx)
	if err != nil {
		s.log.Error("menu cache off: cannot read the outbox", "error", err)
		return
	}
	s.menus.watching.Store(true)
	defer s.menus.watching.Store(false)
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for range 100 { // bounded: what is left waits for the next turn
			evs, err := s.store.ListEvents(ctx, after, 500)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("menu cache: reading the outbox failed; menus are not cached until it works", "error", err)
					s.menus.watching.Store(false)
				}
				break
			}
			s.menus.watching.Store(true)
			for _, e := range evs {
				after = e.Seq
				s.invalidate(ctx, &e)
			}
			if len(evs) < 500 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-woken:
		case <-t.C:
		}
	}
}

func (s *Service) invalidate(_ context.Context, e *store.Event) {
	// Catalog and availability changes move the configuration version,
	// which the cache checks; stock changes do not.
	if e.Type == hub.EventStockChanged {
		s.stockChanged(e.LocationID)
	}
}
