package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
)

// OrderProblems checks an order the way PlaceOrder does and writes
// nothing, but instead of stopping at the first problem it returns every
// one it finds, so that a protocol whose contract ranks its errors (the
// partner shop's table 001 → 208) can answer the highest-ranked one:
//
//   - a stored order with the same external ref (ReasonDuplicateOrder,
//     Details["order"]);
//   - no lines, or too many;
//   - per line, each rule on its own: unknown product; availability;
//     sold only in combos; supplier restriction; quantity (the first of
//     bundle size, minimum, maximum); options and combo choices (judged
//     apart from the quantity rules); the client's price; sold out;
//   - stock of every product the lines need, all lines together;
//   - the order total's range.
//
// Stock rules are skipped with SkipStock, as in PlaceOrder. Problems come
// in that order, lines in their order. The error is a failure to check
// (database, unknown location, the partner's scope), never a problem of
// the order.
func (s *Service) OrderProblems(ctx context.Context, in PlaceOrderInput) ([]*hub.Error, error) {
	var probs []*hub.Error
	// add records a problem; failures to check are returned instead.
	add := func(err error) error {
		e := hub.AsError(err)
		if e.Code == hub.CodeInternal || e.Code == hub.CodeUnavailable {
			return err
		}
		probs = append(probs, e)
		return nil
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	brand, err := cfg.Brand(ctx, in.BrandID)
	if err != nil {
		return nil, err
	}
	loc, err := cfg.Location(ctx, in.LocationID)
	if err != nil || loc.BrandID != brand.ID {
		return nil, hub.NotFound("location %d not found", in.LocationID).WithField("location_id")
	}
	if in.Partner != nil && !in.Partner.CanAccess(brand.ID, loc.ID) {
		return nil, &hub.Error{Code: hub.CodeForbidden, Field: "location_id", Message: "this credential may not order for this location"}
	}
	if ref := strings.TrimSpace(in.ExternalRef); ref != "" {
		o, err := s.store.FindOrderByExternalRef(ctx, brand.ID, in.Channel, ref)
		switch {
		case err == nil:
			probs = append(probs, hub.Conflict(hub.ReasonDuplicateOrder, "order %q already exists", ref).WithDetail("order", o))
		case hub.ErrorCode(err) != hub.CodeNotFound:
			return nil, err
		}
	}
	if len(in.Lines) == 0 {
		probs = append(probs, hub.Invalid("lines", "at least one line is required"))
	}
	if len(in.Lines) > hub.MaxLines {
		return append(probs, hub.Invalid("lines", "at most %d lines", hub.MaxLines)), nil
	}
	slots, err := cfg.Timeslots(ctx, brand.ID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	day := now.In(loc.Zone()).Format(time.DateOnly)
	policy := hub.PriceReject
	if in.Partner != nil && in.Partner.Settings.PricePolicy != "" {
		policy = in.Partner.Settings.PricePolicy
	}
	var lines []hub.OrderLine
	var needs []hub.StockNeed
	for i, li := range in.Lines {
		field := li.Field
		if field == "" {
			field = "lines[" + strconv.Itoa(i) + "]"
		}
		p, err := cfg.FindProduct(ctx, brand.ID, li.ProductRef)
		if err != nil {
			if hub.ErrorCode(err) != hub.CodeNotFound {
				return nil, err
			}
			probs = append(probs, hub.NotFound("product %q not found", li.ProductRef).WithField(field+".product").WithReason(hub.ReasonUnknownProduct))
			continue
		}
		if err := hub.CheckAvailable(p, loc, now, slots); err != nil {
			if err := add(hub.AsError(err).WithField(field + ".product")); err != nil {
				return nil, err
			}
		}
		if !p.IndividualSale {
			probs = append(probs, hub.Conflict(hub.ReasonNotIndividual, "%s is only sold in combos", p.Name.Get("en")).WithField(field+".product"))
		}
		if p.SupplierRestricted {
			probs = append(probs, hub.Conflict(hub.ReasonSupplierRestricted, "%s cannot be ordered by request of its supplier", p.Name.Get("en")).WithField(field+".product"))
		}
		if err := hub.CheckQuantity(p, li.Quantity, field+".quantity"); err != nil {
			probs = append(probs, hub.AsError(err))
		}
		// Options, combo choices and stock needs, judged on their own: a
		// copy without the quantity rules, at a quantity in range.
		free := *p
		free.BundleSize, free.MinQuantity, free.MaxQuantity = 0, 0, 0
		fl := li
		fl.Quantity = min(max(li.Quantity, 1), hub.MaxLineQuantity)
		req, err := s.lineRequest(ctx, cfg, brand, loc, &free, fl, field, now, slots)
		if err != nil {
			if err := add(err); err != nil {
				return nil, err
			}
			continue
		}
		line, lineNeeds, err := hub.BuildLine(req, day)
		if err != nil {
			if err := add(err); err != nil {
				return nil, err
			}
			continue
		}
		if li.ClientUnitPrice != nil && *li.ClientUnitPrice != line.UnitPrice && policy != hub.PriceAccept {
			probs = append(probs, hub.Invalid(field+".price", "price %s does not match the catalog price %s",
				hub.FormatAmount(*li.ClientUnitPrice, brand.Currency), hub.FormatAmount(line.UnitPrice, brand.Currency)).
				WithReason(hub.ReasonPriceMismatch))
		}
		if !in.SkipStock {
			if err := s.checkSoldOut(ctx, cfg, brand.ID, &line, field); err != nil {
				if err := add(err); err != nil {
					return nil, err
				}
			}
		}
		lines = append(lines, line)
		needs = append(needs, lineNeeds...)
	}
	if !in.SkipStock {
		for _, n := range mergeNeeds(needs) {
			left, err := s.store.GetStock(ctx, loc.ID, n.ProductID)
			if err != nil {
				return nil, err
			}
			if left != nil && *left < int64(n.Quantity) {
				if err := add(s.stockError(ctx, s.store, brand.ID, n, left)); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(lines) > 0 && len(lines) == len(in.Lines) {
		if _, err := hub.ComputeFees(brand, lines, in.DeliveryFee, in.Discount); err != nil {
			if err := add(err); err != nil {
				return nil, err
			}
		}
	}
	return probs, nil
}

// checkSoldOut refuses a line whose product, or a combo item chosen for
// it, is flagged sold out (ReasonOutOfStock, like a stock of zero, with
// Details["product_id"]).
func (s *Service) checkSoldOut(ctx context.Context, cfg *Config, brandID int64, line *hub.OrderLine, field string) error {
	ids := []int64{line.ProductID}
	for _, m := range line.Modifiers {
		if m.Kind == hub.ModifierCombo && !m.Removed && m.ProductID != 0 {
			ids = append(ids, m.ProductID)
		}
	}
	for _, id := range ids {
		p, err := cfg.Product(ctx, brandID, id)
		if err != nil {
			return err
		}
		if p.SoldOut {
			return hub.Conflict(hub.ReasonOutOfStock, "%s is sold out", p.Name.Get("en")).WithField(field).WithDetail("product_id", p.ID)
		}
	}
	return nil
}
