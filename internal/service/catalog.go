package service

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// CreateBrand validates and stores a new brand.
func (s *Service) CreateBrand(ctx context.Context, b *hub.Brand) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.CreateBrand(ctx, b) })
}

// UpdateBrand validates and stores a changed brand. The currency cannot
// change once orders or products exist in it; orderhub refuses any change of
// currency to keep stored amounts meaningful.
func (s *Service) UpdateBrand(ctx context.Context, b *hub.Brand) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.GetBrand(ctx, b.ID)
		if err != nil {
			return err
		}
		if old.Currency != b.Currency {
			return hub.Invalid("currency", "cannot be changed (amounts are stored in %s)", old.Currency)
		}
		b.CreatedAt = old.CreatedAt
		return tx.UpdateBrand(ctx, b)
	})
}

// ModifyBrand changes a brand in one unit of work: it reads the brand
// under a row lock, lets fn change it (a partial update, such as a PATCH
// body decoded onto it), validates the result and writes it. Two
// concurrent changes apply one after the other and never lose each
// other's fields; an error from fn is returned as is and nothing is
// written.
func (s *Service) ModifyBrand(ctx context.Context, id int64, fn func(b *hub.Brand) error) (*hub.Brand, error) {
	lock := func(tx store.Tx) (*hub.Brand, error) { return tx.LockBrand(ctx, id) }
	return modifyRow(ctx, s, lock, fn, func(before *hub.Brand) func(store.Tx, *hub.Brand) error {
		currency, created := before.Currency, before.CreatedAt
		return func(tx store.Tx, b *hub.Brand) error {
			b.ID, b.CreatedAt = id, created
			if err := b.Validate(); err != nil {
				return err
			}
			if b.Currency != currency {
				return hub.Invalid("currency", "cannot be changed (amounts are stored in %s)", currency)
			}
			return tx.UpdateBrand(ctx, b)
		}
	})
}

// ModifyLocation changes a location as ModifyBrand changes a brand; it
// cannot move to another brand.
func (s *Service) ModifyLocation(ctx context.Context, id int64, fn func(l *hub.Location) error) (*hub.Location, error) {
	lock := func(tx store.Tx) (*hub.Location, error) { return tx.LockLocation(ctx, id) }
	return modifyRow(ctx, s, lock, fn, func(before *hub.Location) func(store.Tx, *hub.Location) error {
		brandID, created := before.BrandID, before.CreatedAt
		controls := storeControls(before)
		return func(tx store.Tx, l *hub.Location) error {
			if l.BrandID != brandID {
				return hub.Invalid("brand_id", "a location cannot move to another brand")
			}
			if err := sameControls(controls, l); err != nil {
				return err
			}
			l.ID, l.CreatedAt = id, created
			if err := l.Validate(); err != nil {
				return err
			}
			return tx.UpdateLocation(ctx, l)
		}
	})
}

// CreateLocation validates and stores a new location of an existing brand.
// It starts online with nothing snoozed: those controls have their own
// calls (operations.go), each with its event.
func (s *Service) CreateLocation(ctx context.Context, l *hub.Location) error {
	if err := sameControls(storeControls(&hub.Location{}), l); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetBrand(ctx, l.BrandID); err != nil {
			return hub.AsError(err).WithField("brand_id")
		}
		return tx.CreateLocation(ctx, l)
	})
}

// SaveProduct creates (ID 0) or replaces a product after checking it and the
// references it makes: its locations and combo items must belong to its
// brand. It writes a product.updated event.
func (s *Service) SaveProduct(ctx context.Context, p *hub.Product) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error { return s.saveProduct(ctx, tx, p) })
}

func (s *Service) saveProduct(ctx context.Context, tx store.Tx, p *hub.Product) error {
	if _, err := tx.GetBrand(ctx, p.BrandID); err != nil {
		return hub.AsError(err).WithField("brand_id")
	}
	for i, lid := range p.LocationIDs {
		l, err := tx.GetLocation(ctx, lid)
		if err != nil || l.BrandID != p.BrandID {
			return hub.Invalid("location_ids["+strconv.Itoa(i)+"]", "location %d is not a location of this brand", lid)
		}
	}
	for i, c := range p.ComboComponents {
		for j, it := range c.Items {
			if _, err := tx.GetProduct(ctx, p.BrandID, it.ProductID); err != nil {
				return hub.Invalid("combo_components["+strconv.Itoa(i)+"].items["+strconv.Itoa(j)+"].product_id",
					"product %d is not a product of this brand", it.ProductID)
			}
		}
	}
	if p.ID == 0 {
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
	} else {
		old, err := tx.GetProduct(ctx, p.BrandID, p.ID)
		if err != nil {
			return err
		}
		p.CreatedAt = old.CreatedAt
		if err := tx.UpdateProduct(ctx, p); err != nil {
			return err
		}
	}
	return s.addEvent(ctx, tx, hub.EventProductUpdated, p.BrandID, 0, 0, map[string]any{"product": p})
}

// SaveProducts saves several products, each in its own unit of work, and
// returns one error (or nil) per product: a bad row does not stop the
// others.
func (s *Service) SaveProducts(ctx context.Context, ps []*hub.Product) []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = s.SaveProduct(ctx, p)
	}
	return errs
}

// SetStock sets the quantity on hand of a product at a location (nil:
// untracked). Combos have no stock of their own: theirs is derived from
// their items, so setting it is refused.
func (s *Service) SetStock(ctx context.Context, brandID, locationID, productID int64, qty *int64) error {
	return s.setStocks(ctx, brandID, []StockLevel{{LocationID: locationID, ProductID: productID, Quantity: qty}}, nil)
}

// SetStocks sets many stock levels of a brand in one unit of work, each
// with its stock.changed event (a stock import): all of them or, when one
// is refused, none. A refusal names the level by its index
// ("levels[3].quantity").
func (s *Service) SetStocks(ctx context.Context, brandID int64, levels []StockLevel) error {
	return s.setStocks(ctx, brandID, levels, func(i int, field string) string {
		return "levels[" + strconv.Itoa(i) + "]." + field
	})
}

func (s *Service) setStocks(ctx context.Context, brandID int64, levels []StockLevel, at func(i int, field string) string) error {
	if at == nil {
		at = func(_ int, field string) string { return field }
	}
	for i, lv := range levels {
		if q := lv.Quantity; q != nil && (*q < 0 || *q > hub.MaxStock) {
			return hub.Invalid(at(i, "quantity"), "must be between 0 and %d", hub.MaxStock)
		}
	}
	defer func() {
		for _, lv := range levels {
			s.stockChanged(lv.LocationID)
		}
	}()
	return s.store.Update(ctx, func(tx store.Tx) error {
		for i, lv := range levels {
			l, err := tx.GetLocation(ctx, lv.LocationID)
			if (err == nil && l.BrandID != brandID) || hub.ErrorCode(err) == hub.CodeNotFound {
				return hub.NotFound("location %d not found", lv.LocationID).WithField(at(i, "location_id"))
			}
			if err != nil {
				return err
			}
			p, err := tx.GetProduct(ctx, brandID, lv.ProductID)
			if err != nil {
				if hub.ErrorCode(err) == hub.CodeNotFound {
					return hub.AsError(err).WithField(at(i, "product_id"))
				}
				return err
			}
			if p.Type == hub.ProductCombo && lv.Quantity != nil {
				return hub.Invalid(at(i, "quantity"), "a combo's stock is derived from its items; set theirs")
			}
			if err := tx.SetStock(ctx, lv.LocationID, lv.ProductID, lv.Quantity); err != nil {
				return err
			}
			if err := s.addEvent(ctx, tx, hub.EventStockChanged, brandID, lv.LocationID, 0, map[string]any{
				"location_id": lv.LocationID, "product_id": lv.ProductID, "quantity": lv.Quantity,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// StockLevel is a product's stock at a location; Quantity nil means
// untracked (unlimited).
type StockLevel struct {
	LocationID int64  `json:"location_id"`
	ProductID  int64  `json:"product_id"`
	Quantity   *int64 `json:"quantity"`
	// Derived is true for combos, whose stock is what their items allow.
	Derived bool `json:"derived,omitempty"`
}

// Stock reads a product's stock at a location. A combo's stock is derived
// from its items: for each required slot the most any one of its items
// allows, and the combo the least over its slots (untracked slots do not
// limit).
func (s *Service) Stock(ctx context.Context, brandID, locationID, productID int64) (*StockLevel, error) {
	l, err := s.store.GetLocation(ctx, locationID)
	if err != nil || l.BrandID != brandID {
		return nil, hub.NotFound("location %d not found", locationID)
	}
	p, err := s.store.GetProduct(ctx, brandID, productID)
	if err != nil {
		return nil, err
	}
	lvl := &StockLevel{LocationID: locationID, ProductID: productID}
	if p.Type != hub.ProductCombo {
		lvl.Quantity, err = s.store.GetStock(ctx, locationID, productID)
		return lvl, err
	}
	lvl.Derived = true
	for _, comp := range p.ComboComponents {
		if !comp.Required {
			continue
		}
		capacity, err := s.slotCapacity(ctx, brandID, locationID, comp)
		if err != nil {
			return nil, err
		}
		if capacity != nil && (lvl.Quantity == nil || *capacity < *lvl.Quantity) {
			lvl.Quantity = capacity
		}
	}
	return lvl, nil
}

// slotCapacity is how many combos one slot allows: the most any of its
// items allows; nil (unlimited) if any item is untracked.
func (s *Service) slotCapacity(ctx context.Context, brandID, locationID int64, comp hub.ComboComponent) (*int64, error) {
	need := int64(comp.SelectQuantity)
	if need < 1 {
		need = 1
	}
	var best *int64
	for _, it := range comp.Items {
		item, err := s.store.GetProduct(ctx, brandID, it.ProductID)
		if err != nil {
			return nil, err
		}
		if !item.DeductStock {
			return nil, nil
		}
		q, err := s.store.GetStock(ctx, locationID, it.ProductID)
		if err != nil {
			return nil, err
		}
		if q == nil {
			return nil, nil
		}
		if v := *q / need; best == nil || v > *best {
			best = &v
		}
	}
	return best, nil
}

// PutTimeslot creates or replaces a timeslot of a brand.
func (s *Service) PutTimeslot(ctx context.Context, t *hub.Timeslot) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetBrand(ctx, t.BrandID); err != nil {
			return err
		}
		return tx.PutTimeslot(ctx, t)
	})
}

// storeControls are a location's status and snoozes as written (JSON:
// times compare as written, not by their time.Location pointers).
func storeControls(l *hub.Location) [2][]byte {
	st, _ := json.Marshal(l.Status)
	sn, _ := json.Marshal(l.Snoozes)
	return [2][]byte{st, sn}
}

// sameControls refuses a location write that changes its status or
// snoozes: those change through SetLocationStatus and Snooze, which
// validate them and write their events. Preparation time and acceptance
// are settings, written with the location.
func sameControls(before [2][]byte, l *hub.Location) error {
	after := storeControls(l)
	if !bytes.Equal(before[0], after[0]) {
		return hub.Invalid("status", "is set through the location's status (PUT /hub/v1/locations/{id}/status)")
	}
	if !bytes.Equal(before[1], after[1]) {
		return hub.Invalid("snoozes", "change through snooze and unsnooze (POST /hub/v1/locations/{id}/snooze)")
	}
	return nil
}
