package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// orderView is an order as the native API shows it: the canonical record
// plus readable status names.
type orderView struct {
	*hub.Order
	StatusName        string `json:"status_name"`
	PaymentStatusName string `json:"payment_status_name"`
	// Scheduled: the order waits for its time (its acceptance has not
	// started), so it is shown apart from the orders to make now.
	Scheduled bool `json:"scheduled"`
}

func (h *Handler) viewOrder(o *hub.Order) orderView {
	return orderView{Order: o, StatusName: o.Status.String(), PaymentStatusName: o.PaymentStatus.String(),
		Scheduled: o.Scheduled(h.svc.Now())}
}

// ref is a product named by hub id or PLU, as a JSON string or number.
type ref = httpx.IDString

type optionRequest struct {
	GroupID  int64 `json:"group_id"`
	ValueID  int64 `json:"value_id"`
	Quantity int   `json:"quantity"`
}

type comboRequest struct {
	ComponentID int64           `json:"component_id"`
	Product     ref             `json:"product"`
	Quantity    int             `json:"quantity"`
	Options     []optionRequest `json:"options"`
}

type lineRequest struct {
	Product             ref             `json:"product"`
	Quantity            int             `json:"quantity"`
	Options             []optionRequest `json:"options"`
	Combo               []comboRequest  `json:"combo"`
	SpecialInstructions string          `json:"special_instructions"`
	UnitPrice           *int64          `json:"unit_price"`
}

type orderRequest struct {
	BrandID       int64         `json:"brand_id"`
	LocationID    int64         `json:"location_id"`
	ExternalRef   string        `json:"external_ref"`
	Type          string        `json:"type"`
	Table         string        `json:"table"`
	Customer      hub.Customer  `json:"customer"`
	Delivery      *hub.Delivery `json:"delivery"`
	Notes         string        `json:"notes"`
	Lines         []lineRequest `json:"lines"`
	DeliveryFee   int64         `json:"delivery_fee"`
	Discount      int64         `json:"discount"`
	Currency      string        `json:"currency"`
	PaymentMethod string        `json:"payment_method"`
	// ScheduledFor is an order for later (hub.ValidateSchedule).
	ScheduledFor *scheduleTime `json:"scheduled_for"`
}

func options(in []optionRequest, field string) []service.OptionInput {
	out := make([]service.OptionInput, len(in))
	for i, o := range in {
		out[i] = service.OptionInput{GroupID: o.GroupID, ValueID: o.ValueID, Quantity: o.Quantity,
			Field: field + "[" + strconv.Itoa(i) + "]"}
	}
	return out
}

func (h *Handler) createOrder(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	ticket, conflict := h.replay.Ticket(r, nil, scopeOf(p), httpx.Key(r))
	if conflict != 0 {
		h.idempotencyConflict(w, r, conflict)
		return nil
	}
	var req orderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	brandID, err := h.actingBrand(r, p, req.BrandID)
	if err != nil {
		return err
	}
	if req.LocationID <= 0 {
		return hub.Invalid("location_id", "is required")
	}
	in := service.PlaceOrderInput{
		BrandID: brandID, LocationID: req.LocationID, Channel: hub.ChannelHub, ExternalRef: req.ExternalRef,
		Table: req.Table, Customer: req.Customer, Delivery: req.Delivery, Notes: req.Notes,
		DeliveryFee: req.DeliveryFee, Discount: req.Discount, Currency: req.Currency, PaymentMethod: req.PaymentMethod,
		Actor:          "hub:credential " + strconv.FormatInt(p.CredentialID, 10),
		IdempotencyKey: ticket.Key, RequestHash: ticket.Hash, ScheduledFor: req.ScheduledFor.ptr(),
	}
	if req.Type != "" {
		t, ok := hub.ParseOrderType(req.Type)
		if !ok {
			return hub.Invalid("type", "must be dine_in, pick_up or delivery")
		}
		in.Type = t
	}
	for i, l := range req.Lines {
		f := "lines[" + strconv.Itoa(i) + "]"
		if l.Product == "" {
			return hub.Invalid(f+".product", "is required")
		}
		li := service.LineInput{ProductRef: string(l.Product), Quantity: l.Quantity, SpecialInstructions: l.SpecialInstructions,
			ClientUnitPrice: l.UnitPrice, Options: options(l.Options, f+".options"), Field: f}
		for j, c := range l.Combo {
			cf := f + ".combo[" + strconv.Itoa(j) + "]"
			li.Combo = append(li.Combo, service.ComboInput{ComponentID: c.ComponentID, ProductRef: string(c.Product),
				Quantity: c.Quantity, Options: options(c.Options, cf+".options"), Field: cf})
		}
		in.Lines = append(in.Lines, li)
	}
	res, err := h.svc.PlaceOrder(r.Context(), in)
	if c := httpx.ConflictOf(err); c != 0 {
		h.idempotencyConflict(w, r, c)
		return nil
	}
	if err != nil {
		return err
	}
	httpx.MarkReplayed(w, res.Replayed)
	return created(w, h.viewOrder(res.Order))
}

func (h *Handler) listOrders(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	brandID, err := h.actingBrand(r, p, 0)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.OrderFilter{BrandID: brandID}
	if s := q.Get("status"); s != "" {
		st, ok := hub.ParseStatus(s)
		if !ok {
			if n, err := strconv.Atoi(s); err == nil && hub.Status(n).String() != "unknown" {
				st, ok = hub.Status(n), true
			}
		}
		if !ok {
			return hub.Invalid("status", "must be one of new, confirmed, preparing, ready, completed, cancelled")
		}
		f.Status = st
	}
	if c := q.Get("channel"); c != "" {
		if !h.svc.KnownChannel(hub.Channel(c)) {
			return hub.Invalid("channel", "unknown channel %q", c)
		}
		f.Channel = hub.Channel(c)
	}
	if f.LocationID, err = queryInt(r, "location_id"); err != nil {
		return err
	}
	var limit int
	if f.BeforeID, limit, err = queryPage(r); err != nil {
		return err
	}
	f.Limit = limit + 1
	os, err := h.svc.Store().ListOrders(r.Context(), f)
	if err != nil {
		return err
	}
	res := page[orderView]{Data: []orderView{}}
	for i := range os {
		if i == limit {
			res.NextCursor = cursorAt(os[i-1].ID)
			break
		}
		res.Data = append(res.Data, h.viewOrder(&os[i]))
	}
	return ok(w, res)
}

func (h *Handler) order(r *http.Request, p *service.HubPrincipal) (*hub.Order, error) {
	scope, err := h.orderScope(r, p)
	if err != nil {
		return nil, err
	}
	return h.svc.FindOrder(r.Context(), scope, r.PathValue("ref"))
}

func (h *Handler) orderHistory(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, o *hub.Order) error {
	hist, err := h.svc.Store().OrderHistory(r.Context(), o.ID)
	if err != nil {
		return err
	}
	return ok(w, page[hub.OrderEvent]{Data: hist})
}

func (h *Handler) actor(p *service.HubPrincipal) hub.Actor {
	return hub.Actor{Role: hub.RoleStore, Name: "hub:credential " + strconv.FormatInt(p.CredentialID, 10)}
}

func (h *Handler) orderAction(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	scope, err := h.orderScope(r, p)
	if err != nil {
		return err
	}
	action, ok := hub.ParseAction(r.PathValue("action"))
	if !ok {
		return hub.NotFound("unknown action %q: use confirm, prepare, ready, complete or cancel", r.PathValue("action"))
	}
	var body struct {
		Note   string `json:"note"`
		Reason string `json:"reason"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return err
	}
	o, err := h.svc.Transition(r.Context(), service.TransitionInput{
		Scope: scope, OrderRef: r.PathValue("ref"), Action: action,
		Actor: h.actor(p), Note: strings.TrimSpace(body.Note), Reason: body.Reason,
	})
	if err != nil {
		return err
	}
	return h.okOrder(w, o)
}

func (h *Handler) okOrder(w http.ResponseWriter, o *hub.Order) error { return ok(w, h.viewOrder(o)) }

func (h *Handler) orderPayment(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	scope, err := h.orderScope(r, p)
	if err != nil {
		return err
	}
	var body struct {
		Method string `json:"method"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return err
	}
	o, err := h.svc.MarkPaid(r.Context(), service.MarkPaidInput{
		Scope: scope, OrderRef: r.PathValue("ref"), Actor: h.actor(p), Method: body.Method,
	})
	if err != nil {
		return err
	}
	return h.okOrder(w, o)
}

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	brandID, after, limit, err := h.brandPage(r, p)
	if err != nil {
		return err
	}
	evs, err := h.svc.Store().ListBrandEvents(r.Context(), brandID, after, limit)
	if err != nil {
		return err
	}
	res := page[json.RawMessage]{Data: []json.RawMessage{}}
	for _, e := range evs {
		b, _ := json.Marshal(map[string]any{"id": e.ID, "seq": e.Seq, "type": e.Type, "order_id": e.OrderID,
			"created_at": e.CreatedAt, "payload": json.RawMessage(e.Payload)})
		res.Data = append(res.Data, b)
	}
	// The cursor is the dispatch sequence number, which never lets a
	// reader pass an event that commits late (store.ListEvents). It is
	// given with every page that has events, full or not, so that a reader
	// following the feed continues from it; an empty page has none (keep
	// the cursor sent).
	if len(evs) > 0 {
		res.NextCursor = cursorAt(evs[len(evs)-1].Seq)
	}
	return ok(w, res)
}
