package service

import (
	"context"
	"sort"
	"strconv"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Store operations (DESIGN.md §9, hub/operations.go). Each change is one
// unit of work on the location (under its row lock) with its event; the
// location's document carries the controls, so every door on every node
// sees them at its next request (the configuration version).

// SnoozeInput names products of a location to take off (or put back on)
// its menu.
type SnoozeInput struct {
	BrandID    int64
	LocationID int64
	// Products are hub ids, ref ids or SKUs (store.FindProduct's order).
	Products []string
	// Until ends the snooze (nil: until unsnoozed).
	Until  *time.Time
	Reason string
	Actor  string
}

// SnoozeResult is what a snooze changed.
type SnoozeResult struct {
	Location *hub.Location
	Products []*hub.Product
}

// Snooze takes products off a location's menu, until in.Until. Every
// product must be the brand's (the first unknown one is named); a refused
// snooze writes nothing.
func (s *Service) Snooze(ctx context.Context, in SnoozeInput) (*SnoozeResult, error) {
	return s.snooze(ctx, in, true)
}

// Unsnooze puts products back on a location's menu.
func (s *Service) Unsnooze(ctx context.Context, in SnoozeInput) (*SnoozeResult, error) {
	return s.snooze(ctx, in, false)
}

func (s *Service) snooze(ctx context.Context, in SnoozeInput, on bool) (*SnoozeResult, error) {
	now := s.Now()
	if len(in.Products) == 0 {
		return nil, hub.Invalid("products", "name at least one product")
	}
	if len(in.Products) > hub.MaxLines {
		return nil, hub.Invalid("products", "at most %d products at once", hub.MaxLines)
	}
	sn := hub.Snooze{Until: in.Until, Reason: in.Reason, Since: now}
	if on {
		if err := hub.ValidateSnooze(&sn, now); err != nil {
			return nil, err
		}
	}
	var out SnoozeResult
	err := s.store.Update(ctx, func(tx store.Tx) error {
		l, err := s.lockLocation(ctx, tx, in.BrandID, in.LocationID)
		if err != nil {
			return err
		}
		out = SnoozeResult{Location: l}
		ids := make([]int64, 0, len(in.Products))
		for i, ref := range in.Products {
			p, err := tx.FindProduct(ctx, in.BrandID, ref)
			if err != nil {
				if hub.ErrorCode(err) == hub.CodeNotFound {
					return hub.NotFound("product %q not found", ref).WithField("products[" + strconv.Itoa(i) + "]").WithReason(hub.ReasonUnknownProduct)
				}
				return err
			}
			out.Products = append(out.Products, p)
			ids = append(ids, p.ID)
		}
		if l.Snoozes == nil {
			l.Snoozes = map[int64]hub.Snooze{}
		}
		for id, sn := range l.Snoozes {
			if sn.Until != nil && !now.Before(*sn.Until) {
				delete(l.Snoozes, id) // ended: tidied on the next write, never swept
			}
		}
		// The event names each product once, and an unsnooze only those
		// it put back: unsnoozing what is not snoozed changes nothing.
		changed := make([]int64, 0, len(ids))
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if on {
				l.Snoozes[id] = sn
			} else if _, snoozed := l.Snoozes[id]; snoozed {
				delete(l.Snoozes, id)
			} else {
				continue
			}
			changed = append(changed, id)
		}
		ids = changed
		if len(l.Snoozes) == 0 {
			l.Snoozes = nil
		}
		if err := tx.UpdateLocation(ctx, l); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		typ, data := hub.EventProductUnsnoozed, map[string]any{"location_id": l.ID, "products": ids, "actor": in.Actor}
		if on {
			typ = hub.EventProductSnoozed
			data["until"], data["reason"] = sn.Until, sn.Reason
		}
		return s.addEvent(ctx, tx, typ, l.BrandID, l.ID, 0, data)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SnoozedProduct is a product snoozed at a location, as /hub/v1 and the
// CLI show it.
type SnoozedProduct struct {
	ProductID int64      `json:"product_id"`
	RefID     string     `json:"ref_id,omitempty"`
	SKU       string     `json:"sku,omitempty"`
	Name      string     `json:"name"`
	Until     *time.Time `json:"until"`
	Reason    string     `json:"reason,omitempty"`
	Since     time.Time  `json:"since"`
}

// SnoozedProducts lists the location's snoozes in force now, by product id
// (a product deleted since keeps its id, with no name).
func (s *Service) SnoozedProducts(ctx context.Context, l *hub.Location) ([]SnoozedProduct, error) {
	now := s.Now()
	out := []SnoozedProduct{}
	for id := range l.Snoozes {
		sn, on := l.SnoozeAt(id, now)
		if !on {
			continue
		}
		sp := SnoozedProduct{ProductID: id, Until: sn.Until, Reason: sn.Reason, Since: sn.Since}
		if pr, err := s.store.GetProduct(ctx, l.BrandID, id); err == nil {
			sp.RefID, sp.SKU, sp.Name = pr.RefID, pr.SKU, pr.Name.Get("en")
		} else if hub.ErrorCode(err) != hub.CodeNotFound {
			return nil, err
		}
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ProductID < out[j].ProductID })
	return out, nil
}

// StatusInput sets a location's mode (online, busy with extra minutes,
// paused), until when and why.
type StatusInput struct {
	BrandID    int64
	LocationID int64
	Status     hub.LocationStatus
	// Actor names who changed it, in the event.
	Actor string
}

// SetLocationStatus sets a location's status with a
// location.status_changed event. Paused refuses new orders at every door;
// busy makes their estimates longer; past Until the location is online
// again.
func (s *Service) SetLocationStatus(ctx context.Context, in StatusInput) (*hub.Location, error) {
	now := s.Now()
	st := in.Status
	if err := hub.ValidateStatus(&st, now); err != nil {
		return nil, err
	}
	st.Since = &now
	var out *hub.Location
	err := s.store.Update(ctx, func(tx store.Tx) error {
		l, err := s.lockLocation(ctx, tx, in.BrandID, in.LocationID)
		if err != nil {
			return err
		}
		from := l.StatusAt(now)
		l.Status = st
		if st.Mode == hub.ModeOnline {
			l.Status = hub.LocationStatus{Mode: hub.ModeOnline, Since: &now}
		}
		if err := tx.UpdateLocation(ctx, l); err != nil {
			return err
		}
		out = l
		return s.addEvent(ctx, tx, hub.EventLocationStatusChanged, l.BrandID, l.ID, 0, map[string]any{
			"location_id": l.ID, "status": l.Status, "from": from.Mode, "actor": in.Actor,
		})
	})
	return out, err
}

// lockLocation reads a location of the brand under its row lock (another
// brand's is not found).
func (s *Service) lockLocation(ctx context.Context, tx store.Tx, brandID, locationID int64) (*hub.Location, error) {
	l, err := tx.LockLocation(ctx, locationID)
	if (err == nil && l.BrandID != brandID) || hub.ErrorCode(err) == hub.CodeNotFound {
		return nil, hub.NotFound("location %d not found", locationID).WithField("location_id")
	}
	return l, err
}
