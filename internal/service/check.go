package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// One validation path (DESIGN.md §10). checkOrder is every rule an order
// must pass, in one order, and both PlaceOrder and OrderProblems run it:
// "first problem" (PlaceOrder: the first problem is the error) and "all
// problems" (OrderProblems: a protocol whose contract ranks its errors,
// like the partner shop's table 001 → 208, answers the highest-ranked one)
// are two modes of it, so the two can never disagree on what is valid.
//
// The rules, in the order problems are reported:
//
//   - the channel, the order type, the currency (the brand's), a repeated
//     external ref (in the all-problems mode; PlaceOrder has answered a
//     repeat before it checks);
//   - no lines, or too many;
//   - per line, each rule on its own: unknown product; availability (and
//     the supplier restriction); sold only in combos; quantity (the first
//     of bundle size, minimum, maximum); options and combo choices (judged
//     apart from the quantity rules); the client's price (under the
//     partner's price policy); sold out;
//   - the order's free texts (lengths, UTF-8);
//   - stock of every product the lines need, all lines together (in the
//     all-problems mode and on dry runs; placing takes the stock in its own
//     unit, which is the check that counts);
//   - the order total's range, after the delivery fee (waived from the
//     free-delivery threshold) and the discount.
//
// Stock rules are skipped with SkipStock. What is not a problem of the
// order — an unknown location, the partner's scope, a database failure —
// is the error, in both modes.
func (s *Service) checkOrder(ctx context.Context, cfg *Config, in PlaceOrderInput, all bool) (*hub.Order, []hub.StockNeed, []*hub.Error, error) {
	var probs []*hub.Error
	// add records a problem and says whether to stop (the first-problem
	// mode stops at the first); a failure to check is returned instead.
	var failed error
	add := func(err error) bool {
		e := hub.AsError(err)
		if e.Code == hub.CodeInternal || e.Code == hub.CodeUnavailable {
			failed = err
			return true
		}
		probs = append(probs, e)
		return !all
	}
	done := func() (*hub.Order, []hub.StockNeed, []*hub.Error, error) {
		return nil, nil, probs, failed
	}
	brand, err := cfg.Brand(ctx, in.BrandID)
	if err != nil {
		return nil, nil, nil, err
	}
	loc, err := cfg.Location(ctx, in.LocationID)
	if err != nil || loc.BrandID != brand.ID {
		return nil, nil, nil, hub.NotFound("location %d not found", in.LocationID).WithField("location_id")
	}
	if in.Partner != nil && !in.Partner.CanAccess(brand.ID, loc.ID) {
		return nil, nil, nil, &hub.Error{Code: hub.CodeForbidden, Field: "location_id", Message: "this credential may not order for this location"}
	}
	// A paused location takes no order at all: not a problem of the
	// order, the answer (each door has its own envelope for it).
	if err := hub.CheckOpen(loc, s.Now()); err != nil {
		return nil, nil, nil, err
	}
	if !hub.ValidChannel(in.Channel) && add(hub.Invalid("channel", "unknown channel %q", in.Channel)) {
		return done()
	}
	if in.Type == "" {
		in.Type = hub.OrderPickUp
	}
	if _, ok := hub.ParseOrderType(string(in.Type)); !ok && add(hub.Invalid("type", "must be dine_in, pick_up or delivery")) {
		return done()
	}
	if in.Currency != "" && !strings.EqualFold(in.Currency, brand.Currency) &&
		add(hub.Invalid("currency", "must be %s, the brand's currency", brand.Currency)) {
		return done()
	}
	ref := strings.TrimSpace(in.ExternalRef)
	if all && ref != "" {
		_, _, dup, err := s.store.FindOrderByKeys(ctx, store.OrderKeys{BrandID: in.BrandID, Channel: in.Channel, ExternalRef: ref})
		if err != nil {
			return nil, nil, nil, err
		}
		if dup != nil && add(hub.Conflict(hub.ReasonDuplicateOrder, "order %q already exists", ref).WithDetail("order", dup)) {
			return done()
		}
	}
	if len(in.Lines) == 0 && add(hub.Invalid("lines", "at least one line is required")) {
		return done()
	}
	if len(in.Lines) > hub.MaxLines {
		add(hub.Invalid("lines", "at most %d lines", hub.MaxLines))
		return done()
	}
	slots, err := cfg.Timeslots(ctx, brand.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.Now()
	day := now.In(loc.Zone()).Format(time.DateOnly)
	policy := hub.PriceReject
	if in.Partner != nil && in.Partner.Settings.PricePolicy != "" {
		policy = in.Partner.Settings.PricePolicy
	}
	o := &hub.Order{
		Number: newOrderNumber(), BrandID: brand.ID, LocationID: loc.ID, Channel: in.Channel,
		ExternalRef: ref, ChannelRef: in.ChannelRef, Type: in.Type,
		Table: in.Table, PickupCode: newPickupCode(), Customer: in.Customer, Delivery: in.Delivery,
		Notes: in.Notes, Currency: brand.Currency, Status: hub.StatusNew, PaymentStatus: hub.PaymentUnpaid,
		PaymentMethod: in.PaymentMethod, ScheduledFor: in.ScheduledFor, Attributes: in.Attributes,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if in.Partner != nil {
		o.PartnerID = in.Partner.ID
	}
	if in.ScheduledFor != nil {
		if err := hub.ValidateSchedule(*in.ScheduledFor, now); err != nil && add(err) {
			return done()
		}
	}
	o.SetAcceptance(loc, now)
	var needs []hub.StockNeed
	for i, li := range in.Lines {
		field := li.Field
		if field == "" {
			field = "lines[" + strconv.Itoa(i) + "]"
		}
		p, err := cfg.FindProduct(ctx, brand.ID, li.ProductRef)
		if err != nil {
			if hub.ErrorCode(err) != hub.CodeNotFound {
				return nil, nil, nil, err
			}
			if add(hub.NotFound("product %q not found", li.ProductRef).WithField(field + ".product").WithReason(hub.ReasonUnknownProduct)) {
				return done()
			}
			continue
		}
		if err := hub.CheckAvailable(p, loc, now, slots); err != nil && add(hub.AsError(err).WithField(field+".product")) {
			return done()
		}
		if !p.IndividualSale && add(hub.Conflict(hub.ReasonNotIndividual, "%s is only sold in combos", p.Name.Get("en")).WithField(field+".product")) {
			return done()
		}
		if p.SupplierRestricted && add(hub.Conflict(hub.ReasonSupplierRestricted, "%s cannot be ordered by request of its supplier",
			p.Name.Get("en")).WithField(field+".product")) {
			return done()
		}
		if err := hub.CheckQuantity(p, li.Quantity, field+".quantity"); err != nil && add(err) {
			return done()
		}
		// Options, combo choices and stock needs, judged on their own: a
		// copy without the quantity rules, at a quantity in range.
		free := *p
		free.BundleSize, free.MinQuantity, free.MaxQuantity = 0, 0, 0
		fl := li
		fl.Quantity = min(max(li.Quantity, 1), hub.MaxLineQuantity)
		req, err := s.lineRequest(ctx, cfg, brand, loc, &free, fl, field, now, slots)
		if err != nil {
			if add(err) {
				return done()
			}
			continue
		}
		line, lineNeeds, err := hub.BuildLine(req, day)
		if err != nil {
			if add(err) {
				return done()
			}
			continue
		}
		line.Modifiers = append(line.Modifiers, li.ExtraModifiers...)
		if li.ClientUnitPrice != nil && *li.ClientUnitPrice != line.UnitPrice {
			if policy != hub.PriceAccept {
				if add(hub.Invalid(field+".price", "price %s does not match the catalog price %s",
					hub.FormatAmount(*li.ClientUnitPrice, brand.Currency), hub.FormatAmount(line.UnitPrice, brand.Currency)).
					WithReason(hub.ReasonPriceMismatch)) {
					return done()
				}
			} else {
				cp := *li.ClientUnitPrice
				line.ClientUnitPrice = &cp
				o.PriceFlagged = true
			}
		}
		if !in.SkipStock {
			if err := s.checkSoldOut(ctx, cfg, brand.ID, &line, field); err != nil && add(err) {
				return done()
			}
		}
		o.Lines = append(o.Lines, line)
		needs = append(needs, lineNeeds...)
	}
	if err := o.CheckTexts(); err != nil && add(err) {
		return done()
	}
	if in.SkipStock {
		needs = nil
	}
	needs = mergeNeeds(needs)
	if all || in.DryRun {
		for _, n := range needs {
			left, err := s.store.GetStock(ctx, loc.ID, n.ProductID)
			if err != nil {
				return nil, nil, nil, err
			}
			if left != nil && *left < int64(n.Quantity) && add(s.stockError(ctx, s.store, brand.ID, n, left)) {
				return done()
			}
		}
	}
	if len(o.Lines) > 0 && len(o.Lines) == len(in.Lines) {
		fee := in.DeliveryFee
		if fees, err := hub.ComputeFees(brand, o.Lines, fee, in.Discount); err == nil && in.FreeDeliveryFrom > 0 &&
			hub.DeliveryFeeFor(fees.Subtotal, fee, in.FreeDeliveryFrom) == 0 {
			fee = 0
		}
		if o.Fees, err = hub.ComputeFees(brand, o.Lines, fee, in.Discount); err != nil && add(err) {
			return done()
		}
	}
	if len(probs) > 0 || failed != nil {
		return done()
	}
	return o, needs, nil, nil
}
