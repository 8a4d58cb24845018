package service

import (
	"context"
	"sort"
	"time"

	"orderhub/internal/hub"
)

// Menu is a location's catalog as an ordering channel shows it at one
// instant: only what may be ordered there now, with today's prices and
// stock.
type Menu struct {
	Brand    *hub.Brand
	Location *hub.Location
	At       time.Time
	Items    []MenuItem
	// Changes is the next instant the menu changes by itself (a snooze or
	// the location's status ends), nil when none is set; a cached menu is served until then at
	// the latest.
	Changes *time.Time
}

// MenuItem is one orderable product.
type MenuItem struct {
	Product *hub.Product
	// Price is the unit price of one unit today (special prices applied).
	Price int64
	// Stock is what is on hand; nil is unlimited (untracked, or a product
	// that does not deduct stock). A combo's is derived from its items.
	Stock *int64
	// SoldOut: flagged sold out, no stock left, snoozed at the location,
	// or (combos) a required slot with nothing left to choose.
	SoldOut bool
	// AvailableAt is when a snoozed product comes back (nil: not snoozed,
	// or snoozed until unsnoozed).
	AvailableAt *time.Time
	// Components are a combo's slots with their items' state.
	Components []MenuComponent
}

// MenuComponent is a combo slot.
type MenuComponent struct {
	Component hub.ComboComponent
	Items     []MenuComboItem
}

// MenuComboItem is a product that may fill a combo slot; Price is the
// adjustment of the combo price.
type MenuComboItem struct {
	Product *hub.Product
	Price   int64
	Stock   *int64
	SoldOut bool
	// AvailableAt is when a snoozed item comes back, as on MenuItem.
	AvailableAt *time.Time
}

// Menu lists what the location sells now: products of its brand that are
// sold individually, available at this instant (hub.CheckAvailable: launch
// window, displayed, sold at the location, timeslots) and not restricted by
// their supplier, ordered by sort order then id. Sold-out products stay on
// the menu, flagged, so that a channel can show them greyed out; so do
// products the location has snoozed, with when they come back.
func (s *Service) Menu(ctx context.Context, brandID, locationID int64) (*Menu, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	return s.menu(ctx, cfg, brandID, locationID)
}

func (s *Service) menu(ctx context.Context, cfg *Config, brandID, locationID int64) (*Menu, error) {
	brand, err := cfg.Brand(ctx, brandID)
	if err != nil {
		return nil, err
	}
	loc, err := cfg.Location(ctx, locationID)
	if err != nil || loc.BrandID != brandID {
		return nil, hub.NotFound("location %d not found", locationID)
	}
	products, err := cfg.Products(ctx, brandID)
	if err != nil {
		return nil, err
	}
	slots, err := cfg.Timeslots(ctx, brandID)
	if err != nil {
		return nil, err
	}
	stock, err := s.store.ListStock(ctx, locationID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*hub.Product, len(products))
	for i := range products {
		byID[products[i].ID] = &products[i]
	}
	now := s.Now()
	day := now.In(loc.Zone()).Format(time.DateOnly)
	onSale := func(p *hub.Product) bool {
		return hub.CheckOnSale(p, loc, now, slots) == nil && !p.SupplierRestricted
	}
	m := &Menu{Brand: brand, Location: loc, At: now}
	ends := []*time.Time{loc.Status.Until}
	for _, sn := range loc.Snoozes {
		ends = append(ends, sn.Until)
	}
	for _, t := range ends {
		if t != nil && t.After(now) && (m.Changes == nil || t.Before(*m.Changes)) {
			m.Changes = t
		}
	}
	for i := range products {
		p := &products[i]
		if !p.IndividualSale || !onSale(p) {
			continue
		}
		it := MenuItem{Product: p, Price: p.UnitPrice(1, day)}
		sn, snoozed := loc.SnoozeAt(p.ID, now)
		if snoozed {
			it.AvailableAt = sn.Until
		}
		if p.Type != hub.ProductCombo {
			it.Stock = singleStock(p, stock)
			it.SoldOut = p.SoldOut || snoozed || (it.Stock != nil && *it.Stock < 1)
			m.Items = append(m.Items, it)
			continue
		}
		lvl, err := s.Stock(ctx, brandID, locationID, p.ID)
		if err != nil {
			return nil, err
		}
		it.Stock = lvl.Quantity
		otherwiseOut := p.SoldOut || (it.Stock != nil && *it.Stock < 1)
		it.SoldOut = otherwiseOut || snoozed
		// back is when the combo comes back if only snoozes with an end
		// hold it: the latest of its own snooze's end and, for each
		// required slot with nothing left, the first of its items' ends.
		back, known := it.AvailableAt, !otherwiseOut && (!snoozed || it.AvailableAt != nil)
		for _, comp := range p.ComboComponents {
			mc := MenuComponent{Component: comp}
			left := 0
			var slotBack *time.Time
			for _, ci := range comp.Items {
				cp := byID[ci.ProductID]
				if cp == nil {
					continue
				}
				mi := MenuComboItem{Product: cp, Price: ci.Price, Stock: singleStock(cp, stock)}
				itemOut := cp.SoldOut || !onSale(cp) || (mi.Stock != nil && *mi.Stock < 1)
				sn, itemSnoozed := loc.SnoozeAt(cp.ID, now)
				if itemSnoozed {
					mi.AvailableAt = sn.Until
				}
				mi.SoldOut = itemOut || itemSnoozed
				if !mi.SoldOut {
					left++
				}
				if !itemOut && mi.AvailableAt != nil && (slotBack == nil || mi.AvailableAt.Before(*slotBack)) {
					slotBack = mi.AvailableAt
				}
				mc.Items = append(mc.Items, mi)
			}
			if comp.Required && left == 0 {
				it.SoldOut = true
				if slotBack == nil {
					known = false
				} else if back == nil || slotBack.After(*back) {
					back = slotBack
				}
			}
			it.Components = append(it.Components, mc)
		}
		it.AvailableAt = nil
		if it.SoldOut && known {
			it.AvailableAt = back
		}
		m.Items = append(m.Items, it)
	}
	sort.SliceStable(m.Items, func(i, j int) bool {
		a, b := m.Items[i].Product, m.Items[j].Product
		if a.SortOrder != b.SortOrder {
			return a.SortOrder < b.SortOrder
		}
		return a.ID < b.ID
	})
	return m, nil
}

// singleStock is a single product's stock on hand from a location's stock
// map; nil when it does not deduct stock or is untracked.
func singleStock(p *hub.Product, stock map[int64]int64) *int64 {
	if !p.DeductStock {
		return nil
	}
	q, ok := stock[p.ID]
	if !ok {
		return nil
	}
	return &q
}
