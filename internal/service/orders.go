package service

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// OptionInput selects an option value by the product's group and value ids.
type OptionInput struct {
	GroupID  int64
	ValueID  int64
	Quantity int
	Removed  bool
	// DisplayOnly and Tag: see hub.OptionChoice.
	DisplayOnly bool
	Tag         hub.ModifierTag
	Field       string
}

// ComboInput fills a combo slot with a product named by hub id, ref id or
// SKU.
type ComboInput struct {
	ComponentID int64
	ProductRef  string
	Quantity    int
	Options     []OptionInput
	Removed     bool
	DisplayOnly bool
	Tag         hub.ModifierTag
	Field       string
}

// LineInput is one line as a channel sent it, in canonical terms.
type LineInput struct {
	ProductRef          string
	Quantity            int
	Options             []OptionInput
	Combo               []ComboInput
	SpecialInstructions string
	// ClientUnitPrice is the unit price the channel claims (minor units),
	// checked against the catalog under the partner's price policy.
	ClientUnitPrice *int64
	// ExtraModifiers are channel nodes kept for display only (removed
	// defaults, notes); they never change the price.
	ExtraModifiers []hub.Modifier
	// Field is where the line came from ("cart.items[1]"), for errors.
	Field string
}

// PlaceOrderInput is everything needed to take an order.
type PlaceOrderInput struct {
	BrandID    int64
	LocationID int64
	// Partner is the calling partner (nil for the native API); its scope
	// and price policy apply.
	Partner *hub.Partner
	Channel hub.Channel
	// ExternalRef is the channel's own order id, unique per brand and
	// channel.
	ExternalRef string
	// ChannelRef is the id orderhub answers the channel with, when it is
	// not the number (Junglebook ordNo).
	ChannelRef string
	// IdempotencyKey makes retries safe: the same key and RequestHash
	// return the first order; the same key with another hash is a conflict.
	IdempotencyKey string
	RequestHash    string
	Type           hub.OrderType
	Table          string
	Customer       hub.Customer
	Delivery       *hub.Delivery
	Notes          string
	Lines          []LineInput
	DeliveryFee    int64
	Discount       int64
	// Currency, when the channel states one, must be the brand's.
	Currency      string
	PaymentMethod string
	ScheduledFor  *time.Time
	// SkipStock takes the order whatever the stock (Junglebook "opo"
	// purchase orders); stock is neither checked nor decremented.
	SkipStock bool
	// SkipInventoryCheck skips the provider inventory hook.
	SkipInventoryCheck bool
	// DryRun validates everything, stock included, and stores nothing.
	DryRun bool
	// PayFromBalance pays the order from the calling partner's cash
	// balance in the order's own unit of work (Junglebook settleKind "s").
	// A balance that does not cover the total leaves the order taken but
	// unpaid; PlaceOrderResult.Payment says which (see balance.go).
	PayFromBalance bool
	// FreeDeliveryFrom waives DeliveryFee when the goods total reaches it
	// (0: never).
	FreeDeliveryFrom int64
	Attributes       map[string]any
	Actor            string
}

// PlaceOrderResult is the stored order; Replayed says it was stored by an
// earlier request with the same idempotency key.
type PlaceOrderResult struct {
	Order    *hub.Order
	Replayed bool
	// Payment is the outcome of PayFromBalance (nil without it, on dry
	// runs and on replays).
	Payment *BalancePayment
}

// PlaceOrder validates an order against the catalog, availability and
// stock, and stores it with its stock decrements, history row and
// order.created event in one unit of work. A refused order changes nothing.
func (s *Service) PlaceOrder(ctx context.Context, in PlaceOrderInput) (*PlaceOrderResult, error) {
	res, err := s.placeOrder(ctx, in)
	switch {
	case in.DryRun:
	case err != nil:
		s.metrics.OrderRefused(err)
	case !res.Replayed:
		s.metrics.OrderPlaced(res.Order.Channel, res.Order.LocationID)
	}
	return res, err
}

func (s *Service) placeOrder(ctx context.Context, in PlaceOrderInput) (*PlaceOrderResult, error) {
	if res, err := s.findExisting(ctx, in); res != nil || err != nil {
		return res, err
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	o, needs, probs, err := s.checkOrder(ctx, cfg, in, false)
	if err != nil {
		return nil, err
	}
	if len(probs) > 0 {
		return nil, probs[0]
	}
	if s.inventory != nil && !in.SkipInventoryCheck {
		partners, err := cfg.Partners(ctx, o.BrandID)
		if err != nil {
			return nil, err
		}
		if err := s.inventory.CheckInventory(ctx, o, partners); err != nil {
			return nil, err
		}
	}
	if in.DryRun {
		return &PlaceOrderResult{Order: o}, nil // stock was checked (not taken) by checkOrder
	}
	for attempt := 0; ; attempt++ {
		var pay *BalancePayment
		err = s.store.Update(ctx, func(tx store.Tx) error {
			var err error
			pay, err = s.insertOrder(ctx, tx, o, in, needs)
			return err
		})
		if err == nil {
			if len(o.StockTaken) > 0 {
				s.stockChanged(o.LocationID)
			}
			if o.Status != hub.StatusNew {
				s.moved(o)
			}
			return &PlaceOrderResult{Order: o, Payment: pay}, nil
		}
		if hub.ErrorReason(err) != hub.ReasonDuplicateOrder || hub.ErrorCode(err) != hub.CodeConflict {
			return nil, err
		}
		// A unique index refused the row: a concurrent request with the
		// same external ref or idempotency key won, or the random number
		// collided. Answer as if we had seen the winner first.
		if res, ferr := s.findExisting(ctx, in); res != nil || ferr != nil {
			return res, ferr
		}
		if attempt >= 3 {
			return nil, hub.Internal(err, "could not allocate an order number")
		}
		o.Number = newOrderNumber()
	}
}

// ReplayOrder answers a repeat of an order request by its idempotency key
// alone: the stored order (Replayed), a conflict when the key was used
// for another request, or nil when the key is new. A door whose contract
// checks duplicates before placing (Junglebook's ranked problems) asks
// this first.
func (s *Service) ReplayOrder(ctx context.Context, in PlaceOrderInput) (*PlaceOrderResult, error) {
	if in.IdempotencyKey == "" {
		return nil, nil
	}
	in.ExternalRef = ""
	return s.findExisting(ctx, in)
}

// findExisting answers a retry (same idempotency key) or a duplicate
// (same external ref) from what is stored.
func (s *Service) findExisting(ctx context.Context, in PlaceOrderInput) (*PlaceOrderResult, error) {
	k := store.OrderKeys{BrandID: in.BrandID, Channel: in.Channel, ExternalRef: strings.TrimSpace(in.ExternalRef)}
	if in.IdempotencyKey != "" {
		k.PartnerID, k.IdempotencyKey = idempotencyPartner(in), idempotencyKey(in)
	}
	byKey, hash, byRef, err := s.store.FindOrderByKeys(ctx, k)
	switch {
	case err != nil:
		return nil, err
	case byKey != nil && hash == in.RequestHash:
		return &PlaceOrderResult{Order: byKey, Replayed: true}, nil
	case byKey != nil:
		return nil, hub.Conflict(hub.ReasonIdempotencyReuse, "idempotency key %q was used for a different order", in.IdempotencyKey).
			WithDetail("order", byKey)
	case byRef != nil:
		return nil, hub.Conflict(hub.ReasonDuplicateOrder, "order %q already exists", in.ExternalRef).WithDetail("order", byRef)
	}
	return nil, nil
}

// idempotencyPartner and idempotencyKey are what an order's idempotency key
// is stored under: unique per partner. Calls without a partner (the native
// API) all share partner id 0, so their keys are prefixed with the brand:
// otherwise a retry would not be recognised (it was looked up only with a
// partner) and one brand's key would clash with another's.
func idempotencyPartner(in PlaceOrderInput) int64 {
	if in.Partner != nil {
		return in.Partner.ID
	}
	return 0
}

func idempotencyKey(in PlaceOrderInput) string {
	if in.Partner != nil || in.IdempotencyKey == "" {
		return in.IdempotencyKey
	}
	return "brand:" + strconv.FormatInt(in.BrandID, 10) + ":" + in.IdempotencyKey
}

// lineRequest resolves a line's combo choices for hub.BuildLine, checking
// that each chosen combo item, and the item of each required slot that
// offers only one, may be ordered.
func (s *Service) lineRequest(ctx context.Context, cfg *Config, brand *hub.Brand, loc *hub.Location, p *hub.Product, li LineInput, field string,
	now time.Time, slots map[int64]hub.Timeslot) (hub.LineRequest, error) {
	req := hub.LineRequest{
		Product: p, Quantity: li.Quantity, SpecialInstructions: li.SpecialInstructions,
		ClientUnitPrice: li.ClientUnitPrice, Field: field, Options: optionChoices(li.Options),
	}
	if p.Type == hub.ProductCombo {
		req.ComboProducts = map[int64]*hub.Product{}
		for _, comp := range p.ComboComponents {
			for _, it := range comp.Items {
				cp, err := cfg.Product(ctx, brand.ID, it.ProductID)
				if err != nil {
					return hub.LineRequest{}, err
				}
				req.ComboProducts[cp.ID] = cp
			}
		}
		for j, ci := range li.Combo {
			cf := ci.Field
			if cf == "" {
				cf = field + ".combo[" + strconv.Itoa(j) + "]"
			}
			cp, err := cfg.FindProduct(ctx, brand.ID, ci.ProductRef)
			if err != nil {
				if hub.ErrorCode(err) == hub.CodeNotFound {
					return hub.LineRequest{}, hub.Invalid(cf, "combo item %q not found", ci.ProductRef).WithReason(hub.ReasonInvalidOption)
				}
				return hub.LineRequest{}, err
			}
			if !ci.Removed && !ci.DisplayOnly {
				if err := s.checkOrderable(cp, loc, now, slots, cf); err != nil {
					return hub.LineRequest{}, err
				}
			}
			req.Combo = append(req.Combo, hub.ComboChoice{
				ComponentID: ci.ComponentID, Product: cp, Quantity: ci.Quantity,
				Options: optionChoices(ci.Options), Removed: ci.Removed, DisplayOnly: ci.DisplayOnly, Tag: ci.Tag, Field: cf,
			})
		}
		// A required slot with a single item is filled with it when the
		// channel does not choose (hub.BuildLine): that item must be
		// orderable too, or the combo is not (a snoozed main makes its
		// set unavailable, as the menu shows it sold out).
		for _, comp := range p.ComboComponents {
			if !comp.Required || len(comp.Items) != 1 {
				continue
			}
			cp := req.ComboProducts[comp.Items[0].ProductID]
			if err := s.checkOrderable(cp, loc, now, slots, field); err != nil {
				e := hub.AsError(err)
				e.Message = p.Name.Get("en") + ": " + e.Message
				return hub.LineRequest{}, e
			}
		}
	}
	return req, nil
}

// checkOrderable applies availability and the supplier restriction.
func (s *Service) checkOrderable(p *hub.Product, loc *hub.Location, now time.Time, slots map[int64]hub.Timeslot, field string) error {
	if err := hub.CheckAvailable(p, loc, now, slots); err != nil {
		return hub.AsError(err).WithField(field + ".product")
	}
	if p.SupplierRestricted {
		return hub.Conflict(hub.ReasonSupplierRestricted, "%s cannot be ordered by request of its supplier", p.Name.Get("en")).WithField(field + ".product")
	}
	return nil
}

func optionChoices(in []OptionInput) []hub.OptionChoice {
	out := make([]hub.OptionChoice, len(in))
	for i, o := range in {
		out[i] = hub.OptionChoice{GroupID: o.GroupID, ValueID: o.ValueID, Quantity: o.Quantity, Removed: o.Removed,
			DisplayOnly: o.DisplayOnly, Tag: o.Tag, Field: o.Field}
	}
	return out
}

// mergeNeeds sums needs per product, ordered by product id so that every
// unit of work takes stock rows in the same order (no deadlocks between
// nodes).
func mergeNeeds(needs []hub.StockNeed) []hub.StockNeed {
	byProduct := map[int64]hub.StockNeed{}
	for _, n := range needs {
		m, ok := byProduct[n.ProductID]
		if ok {
			n.Quantity += m.Quantity
			n.Field = m.Field // report the first line that needed it
		}
		byProduct[n.ProductID] = n
	}
	merged := make([]hub.StockNeed, 0, len(byProduct))
	for _, n := range byProduct {
		merged = append(merged, n)
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].ProductID < merged[j].ProductID })
	return merged
}

// stockError describes a shortage in the terms the shop seed distinguishes:
// sold out (nothing left) or not enough.
func (s *Service) stockError(ctx context.Context, r store.Reader, brandID int64, n hub.StockNeed, left *int64) error {
	name := strconv.FormatInt(n.ProductID, 10)
	if p, err := r.GetProduct(ctx, brandID, n.ProductID); err == nil {
		name = p.Name.Get("en")
	}
	var have int64
	if left != nil {
		have = *left
	}
	e := hub.Conflict(hub.ReasonNotEnoughStock, "not enough stock of %s: %d left, %d needed", name, have, n.Quantity)
	if have == 0 {
		e = hub.Conflict(hub.ReasonOutOfStock, "%s is sold out", name)
	}
	return e.WithField(n.Field).WithDetail("product_id", n.ProductID).WithDetail("available", have)
}

func (s *Service) insertOrder(ctx context.Context, tx store.Tx, o *hub.Order, in PlaceOrderInput, needs []hub.StockNeed) (*BalancePayment, error) {
	left, short, err := tx.TakeStock(ctx, o.LocationID, needs)
	if err != nil {
		return nil, err
	}
	if short != nil {
		return nil, s.stockError(ctx, tx, o.BrandID, needOf(needs, short.ProductID), &short.Left)
	}
	o.StockTaken = nil
	for _, n := range needs {
		if _, tracked := left[n.ProductID]; tracked {
			o.StockTaken = append(o.StockTaken, hub.StockNeed{ProductID: n.ProductID, Quantity: n.Quantity})
		}
	}
	pay, err := s.debitForOrder(ctx, tx, o, in)
	if err != nil {
		return nil, err
	}
	doc, err := encodeOrder(o)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateOrder(ctx, o, doc, idempotencyKey(in), in.RequestHash); err != nil {
		return nil, err
	}
	actor := in.Actor
	if actor == "" {
		actor = string(in.Channel)
	}
	if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "create", ToStatus: hub.StatusNew, Actor: actor, CreatedAt: o.CreatedAt}); err != nil {
		return nil, err
	}
	orderJSON, err := withID(doc, o)
	if err != nil {
		return nil, err
	}
	evs, err := s.stockEvents(o.BrandID, o.LocationID, o.StockTaken, left)
	if err != nil {
		return nil, err
	}
	if err := tx.AddEvents(ctx, append([]*store.Event{s.orderEvent(hub.EventOrderCreated, o, orderJSON, "")}, evs...)); err != nil {
		return nil, err
	}
	if err := s.recordOrderPayment(ctx, tx, o, actor, pay); err != nil {
		return nil, err
	}
	if o.AutoAccepted(o.CreatedAt) {
		// Auto acceptance: the system confirms it in the same unit, so
		// that no one ever sees it new (its history and events say who).
		o.Version++
		if err := s.move(ctx, tx, o, TransitionInput{Action: hub.ActionConfirm, Actor: System, Note: "accepted automatically"}); err != nil {
			return nil, err
		}
	}
	return pay, nil
}

// needOf is the need of a product among needs.
func needOf(needs []hub.StockNeed, productID int64) hub.StockNeed {
	for _, n := range needs {
		if n.ProductID == productID {
			return n
		}
	}
	return hub.StockNeed{ProductID: productID}
}

// stockEvents are the stock.changed events of the products changed, with
// what each has left.
func (s *Service) stockEvents(brandID, locationID int64, changed []hub.StockNeed, left map[int64]int64) ([]*store.Event, error) {
	evs := make([]*store.Event, 0, len(changed))
	for _, n := range changed {
		q, ok := left[n.ProductID]
		e, err := s.event(hub.EventStockChanged, brandID, locationID, 0, map[string]any{
			"location_id": locationID, "product_id": n.ProductID, "quantity": ptrIf(q, ok),
		})
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, nil
}

func ptrIf(v int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &v
}

// OrderScope limits which orders a caller sees: a brand, and optionally the
// locations of a partner.
type OrderScope struct {
	BrandID int64
	Partner *hub.Partner
}

func (sc OrderScope) allows(o *hub.Order) bool {
	if o.BrandID != sc.BrandID {
		return false
	}
	return sc.Partner == nil || sc.Partner.CanAccess(o.BrandID, o.LocationID)
}

// door is the channel a scope's caller speaks: its partner's protocol, or
// the native API.
func (sc OrderScope) door() hub.Channel {
	if sc.Partner != nil {
		return sc.Partner.Protocol
	}
	return hub.ChannelHub
}

// FindOrder finds the order a caller names by ref (hub.ResolveOrderRef:
// its own channel's ids first, then the hub number; a bare integer is a
// hub id on /hub/v1 only; a reference that could mean two orders is an
// error naming both). Orders outside the scope are not candidates at all,
// and are reported as not found, never as forbidden, so that their
// existence does not leak.
func (s *Service) FindOrder(ctx context.Context, sc OrderScope, ref string) (*hub.Order, error) {
	door := sc.door()
	all, err := s.store.FindOrdersByRef(ctx, sc.BrandID, ref, door == hub.ChannelHub)
	if err != nil {
		return nil, err
	}
	visible := all[:0]
	for _, o := range all {
		if sc.allows(&o) {
			visible = append(visible, o)
		}
	}
	return hub.ResolveOrderRef(door, strings.TrimSpace(ref), visible)
}

// TransitionInput names an order and what to do with it.
type TransitionInput struct {
	Scope    OrderScope
	OrderRef string
	Action   hub.Action
	Actor    hub.Actor
	// AlsoMarkPaid records payment with the transition (Omni's complete:
	// "changes paymentStatus to 2").
	AlsoMarkPaid bool
	Note         string
	// Reason is why an order is cancelled (kept on the order: the channel
	// is told), e.g. hub.ReasonNotAccepted.
	Reason string
}

// System is the actor of what orderhub does by itself (auto acceptance,
// the acceptance deadline); it acts as the store.
var System = hub.Actor{Role: hub.RoleStore, Name: "system"}

// Transition moves an order through the lifecycle (DESIGN.md §3). The order
// row is locked for the unit, so concurrent actions on one order apply one
// after the other and the loser sees the new status. Cancelling gives back
// the stock the order took, and a payment taken from the partner's cash
// balance.
func (s *Service) Transition(ctx context.Context, in TransitionInput) (*hub.Order, error) {
	if in.Reason != "" && in.Action != hub.ActionCancel {
		return nil, hub.Invalid("reason", "applies to cancel only")
	}
	if err := hub.CheckReason(&in.Reason); err != nil {
		return nil, err
	}
	out, err := s.changeOrder(ctx, in.Scope, in.OrderRef, func(tx store.Tx, o *hub.Order) error {
		return s.move(ctx, tx, o, in)
	})
	if err == nil {
		s.moved(out)
	}
	return out, err
}

// moved tells what watches a committed transition.
func (s *Service) moved(o *hub.Order) {
	s.metrics.OrderTransitioned(o.Status)
	if o.Status == hub.StatusCancelled {
		s.stockChanged(o.LocationID)
	}
}

// move applies a lifecycle action to an order held in tx (its version and
// time stamped): the rule (hub.Transition), what a cancel gives back
// (stock, a balance payment), the estimate of an accepted order, the
// history row, the events and the order itself.
func (s *Service) move(ctx context.Context, tx store.Tx, o *hub.Order, in TransitionInput) error {
	to, err := hub.Transition(o.Status, in.Action, in.Actor)
	if err != nil {
		return err
	}
	from := o.Status
	o.Status = to
	paid := false
	if in.AlsoMarkPaid && o.PaymentStatus != hub.PaymentPaid {
		o.PaymentStatus = hub.PaymentPaid
		paid = true
	}
	var returned []hub.StockNeed
	var left map[int64]int64
	note := in.Note
	switch {
	case to == hub.StatusCancelled:
		var err error
		if left, err = tx.ReturnStock(ctx, o.LocationID, o.StockTaken); err != nil {
			return err
		}
		returned, o.StockTaken = o.StockTaken, nil
		refunded, err := s.refundToBalance(ctx, tx, o)
		if err != nil {
			return err
		}
		if refunded {
			note = strings.TrimSpace(note + " (payment refunded to the cash balance)")
		}
		o.CancelReason, o.CancelledBy = in.Reason, in.Actor.Name
	case from == hub.StatusNew:
		// Accepted: the estimate counts from now (a busy location's
		// extra minutes included).
		cfg, err := s.Config(ctx)
		if err != nil {
			return err
		}
		loc, err := cfg.Location(ctx, o.LocationID)
		if err != nil {
			return err
		}
		o.Accepted(loc, o.UpdatedAt)
	}
	if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: string(in.Action), FromStatus: from, ToStatus: to,
		Actor: in.Actor.Name, Note: note, CreatedAt: o.UpdatedAt}); err != nil {
		return err
	}
	doc, err := encodeOrder(o)
	if err != nil {
		return err
	}
	evs := []*store.Event{s.orderEvent(hub.StatusEvent(to), o, doc, from.String())}
	if paid {
		evs = append(evs, s.orderEvent(hub.EventOrderPaid, o, doc, ""))
	}
	stock, err := s.stockEvents(o.BrandID, o.LocationID, returned, left)
	if err != nil {
		return err
	}
	if err := tx.AddEvents(ctx, append(evs, stock...)); err != nil {
		return err
	}
	return tx.UpdateOrder(ctx, o, doc)
}

// MarkPaidInput names an order and how it was paid.
type MarkPaidInput struct {
	Scope    OrderScope
	OrderRef string
	Actor    hub.Actor
	Method   string
}

// MarkPaid records payment: refused twice and on cancelled orders.
func (s *Service) MarkPaid(ctx context.Context, in MarkPaidInput) (*hub.Order, error) {
	return s.changeOrder(ctx, in.Scope, in.OrderRef, func(tx store.Tx, o *hub.Order) error {
		if err := hub.CanMarkPaid(o); err != nil {
			return err
		}
		o.PaymentStatus = hub.PaymentPaid
		if in.Method != "" {
			o.PaymentMethod = in.Method
		}
		if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "pay", FromStatus: o.Status, ToStatus: o.Status,
			Actor: in.Actor.Name, CreatedAt: o.UpdatedAt}); err != nil {
			return err
		}
		doc, err := encodeOrder(o)
		if err != nil {
			return err
		}
		if err := tx.AddEvent(ctx, s.orderEvent(hub.EventOrderPaid, o, doc, "")); err != nil {
			return err
		}
		return tx.UpdateOrder(ctx, o, doc)
	})
}

// changeOrder is the one way an existing order changes: it finds the order
// in the caller's scope, locks its row for one unit of work (so concurrent
// changes apply one after the other and each sees the other's result),
// stamps the new version and time, and lets change apply its rule and
// write its history row, its events and the order (tx.UpdateOrder, with
// the encoding its events share). Any error undoes it all.
func (s *Service) changeOrder(ctx context.Context, scope OrderScope, ref string, change func(tx store.Tx, o *hub.Order) error) (*hub.Order, error) {
	found, err := s.FindOrder(ctx, scope, ref)
	if err != nil {
		return nil, err
	}
	var out *hub.Order
	err = s.store.Update(ctx, func(tx store.Tx) error {
		// The order as found serves if it has not changed since: the
		// unit then reads its version only (on SQLite's single writer,
		// decoding the order again was a third of a transition's time).
		v, err := tx.LockOrderVersion(ctx, found.ID)
		if err != nil {
			return err
		}
		var o *hub.Order
		if v == found.Version {
			c := *found // the change reassigns fields; it never writes into found's slices
			o = &c
		} else if o, err = tx.LockOrder(ctx, found.ID); err != nil {
			return err
		}
		o.UpdatedAt = s.Now()
		o.Version++
		if err := change(tx, o); err != nil {
			return err
		}
		out = o
		return nil
	})
	return out, err
}

// ErrNotFound reports whether err is a not-found error.
func ErrNotFound(err error) bool {
	var e *hub.Error
	return errors.As(err, &e) && e.Code == hub.CodeNotFound
}
