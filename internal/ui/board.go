package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// actions are the buttons an order may show, in lifecycle order; "pay" is
// service.MarkPaid. The first one the domain allows (cancel and pay
// aside) is the card's primary action: the next step.
var actions = []struct {
	name  string
	label string
}{
	{"confirm", "Accept"}, {"prepare", "Start preparing"}, {"ready", "Ready"},
	{"complete", "Complete"}, {"pay", "Mark paid"}, {"cancel", "Cancel"},
}

var storeActor = hub.Actor{Role: hub.RoleStore}

type actionView struct {
	Name, Label string
}

// allowedActions asks the domain which actions the store may take now.
func allowedActions(o *hub.Order) []actionView {
	var out []actionView
	for _, a := range actions {
		var err error
		if a.name == "pay" {
			err = hub.CanMarkPaid(o)
		} else {
			_, err = hub.Transition(o.Status, hub.Action(a.name), storeActor)
		}
		if err == nil {
			out = append(out, actionView{Name: a.name, Label: a.label})
		}
	}
	return out
}

type option struct {
	Value    string
	Label    string
	Selected bool
}

// scope is what a page is about: a brand (picked with ?brand=, the first
// by default) and maybe one of its locations (?location=).
type scope struct {
	Brands    []option
	Brand     *hub.Brand
	Locations []hub.Location
	LocOpts   []option
	Location  *hub.Location
	byID      map[int64]*hub.Location
}

// scopeOf reads the brand and location of the query. needLocation picks
// the brand's first location when none is named. ok false: it answered.
func (h *Handler) scopeOf(w http.ResponseWriter, r *http.Request, s *session, needLocation bool) (*scope, bool) {
	ctx := r.Context()
	q := r.URL.Query()
	brands, err := h.svc.Store().ListBrands(ctx)
	if err != nil {
		h.internalError(w, r, s, err)
		return nil, false
	}
	sc := &scope{byID: map[int64]*hub.Location{}}
	if len(brands) == 0 {
		return sc, true
	}
	brandID, ok := queryID(q, "brand")
	locID, ok2 := queryID(q, "location")
	if !ok || !ok2 {
		h.renderError(w, r, s, http.StatusBadRequest, "Unknown brand or location.")
		return nil, false
	}
	if brandID == 0 && locID != 0 {
		if l, err := h.svc.Store().GetLocation(ctx, locID); err == nil {
			brandID = l.BrandID
		}
	}
	for i := range brands {
		if brandID == 0 && i == 0 || brands[i].ID == brandID {
			sc.Brand = &brands[i]
		}
	}
	if sc.Brand == nil {
		h.renderError(w, r, s, http.StatusNotFound, "Unknown brand.")
		return nil, false
	}
	for _, b := range brands {
		sc.Brands = append(sc.Brands, option{Value: strconv.FormatInt(b.ID, 10), Label: b.Name, Selected: b.ID == sc.Brand.ID})
	}
	if sc.Locations, err = h.svc.Store().ListLocations(ctx, sc.Brand.ID); err != nil {
		h.internalError(w, r, s, err)
		return nil, false
	}
	if !needLocation {
		sc.LocOpts = []option{{Value: "", Label: "All locations", Selected: locID == 0}}
	}
	for i := range sc.Locations {
		l := &sc.Locations[i]
		sc.byID[l.ID] = l
		if locID == l.ID || (needLocation && locID == 0 && i == 0) {
			sc.Location = l
		}
	}
	for _, l := range sc.Locations {
		sc.LocOpts = append(sc.LocOpts, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name, Selected: sc.Location != nil && l.ID == sc.Location.ID})
	}
	if locID != 0 && sc.Location == nil {
		h.renderError(w, r, s, http.StatusNotFound, "Unknown location.")
		return nil, false
	}
	return sc, true
}

// zoneOf is an order's location's zone.
func (sc *scope) zoneOf(h *Handler, locationID int64) *time.Location {
	if l := sc.byID[locationID]; l != nil {
		return h.zone(l.Timezone)
	}
	return time.UTC
}

type cardLine struct {
	Quantity     int
	Name         string
	Modifiers    []cardModifier
	Instructions string
}

type cardModifier struct {
	Text    string
	Removed bool
}

// card is one order on the board.
type card struct {
	ID        int64
	Number    string
	Channel   string
	Location  string
	Where     string // table 12, pickup A7, delivery
	Created   string // ISO, for the script's ticking age ("": it does not tick)
	AgeAt     string // ISO, the time the age is of
	Clock     string // 14:05
	Age       string // 7 min ago
	Deadline  string // ISO, or ""
	DueText   string // "accept by 14:15", "ready by 14:30"
	Urgency   string
	Lines     []cardLine
	Notes     string
	Total     string
	Payment   string
	Status    string
	Reason    string
	Primary   *actionView
	Others    []actionView
	CanCancel bool
}

type column struct {
	Key, Title string
	Cards      []card
}

type boardView struct {
	*scope
	Columns  []column
	NewCount int
	Back     string
	LiveURL  string
	Query    string
	Updated  string // the time of the page in the board's zone (the live line)
}

// cancelReason is a cancel reason as the counter reads it: the codes the
// system gives in words, the store's own text as it was typed.
func cancelReason(r string) string {
	switch hub.Reason(r) {
	case hub.ReasonNotAccepted:
		return "not accepted in time"
	}
	return r
}

// whereOf is where an order goes, its type first ("Delivery · code
// 4821", "Dine-in · table 7", "Pickup A7"): a code alone would read as a
// pickup at the counter.
func whereOf(o *hub.Order) string {
	var where string
	switch o.Type {
	case hub.OrderDelivery:
		where = "Delivery"
	case hub.OrderDineIn:
		where = "Dine-in"
		if o.Table != "" {
			where += " · table " + o.Table
		}
	case hub.OrderPickUp:
		// A pickup's code is what the customer says at the counter.
		if o.PickupCode != "" {
			return "Pickup " + o.PickupCode
		}
		return "Pickup"
	default:
		where = strings.ReplaceAll(string(o.Type), "_", " ")
		if o.Table != "" {
			where = strings.TrimSpace(where + " · table " + o.Table)
		}
	}
	if o.PickupCode != "" {
		where += " · code " + o.PickupCode
	}
	return strings.TrimPrefix(where, " · ")
}

func cardModifiers(ms []hub.Modifier, prefix string, out []cardModifier) []cardModifier {
	for _, m := range ms {
		text := m.Name
		if m.Quantity > 1 {
			text = strconv.Itoa(m.Quantity) + "× " + text
		}
		if m.Note != "" {
			text += " (" + m.Note + ")"
		}
		if m.Removed {
			text = "no " + m.Name
		}
		out = append(out, cardModifier{Text: prefix + text, Removed: m.Removed})
		out = cardModifiers(m.Children, prefix+"· ", out)
	}
	return out
}

func (h *Handler) card(o *hub.Order, sc *scope, now time.Time) card {
	z := sc.zoneOf(h, o.LocationID)
	c := card{ID: o.ID, Number: o.Number, Channel: string(o.Channel), Where: whereOf(o),
		Created: o.CreatedAt.Format(time.RFC3339), Clock: clock(o.CreatedAt, now, z), Age: ago(o.CreatedAt, now),
		Notes: o.Notes, Total: money(o.Fees.Total, o.Currency), Payment: o.PaymentStatus.String(), Status: o.Status.String(),
		Reason: cancelReason(o.CancelReason)}
	c.AgeAt = c.Created
	if l := sc.byID[o.LocationID]; l != nil {
		c.Location = l.Name
	}
	for _, l := range o.Lines {
		c.Lines = append(c.Lines, cardLine{Quantity: l.Quantity, Name: l.Name, Instructions: l.SpecialInstructions,
			Modifiers: cardModifiers(l.Modifiers, "", nil)})
	}
	var deadline *time.Time
	start := o.CreatedAt
	switch o.Status {
	case hub.StatusNew:
		if o.AcceptMode != hub.AcceptAuto && o.AcceptBy != nil {
			deadline, c.DueText = o.AcceptBy, "accept by "+clock(*o.AcceptBy, now, z)
			if o.AcceptFrom != nil {
				start = *o.AcceptFrom
			}
		}
	case hub.StatusConfirmed, hub.StatusPreparing:
		if o.EstimatedReadyAt != nil {
			deadline, c.DueText = o.EstimatedReadyAt, "ready by "+clock(*o.EstimatedReadyAt, now, z)
		}
	}
	if o.ScheduledFor != nil {
		c.DueText = "for " + clock(*o.ScheduledFor, now, z)
	}
	if o.Scheduled(now) {
		// Waiting for its time: its age would count from the future.
		// The card says when it is for, and nothing ticks or turns red.
		at := *o.AcceptFrom
		if o.ScheduledFor != nil {
			at = *o.ScheduledFor
		}
		c.Age, c.AgeAt, c.Created, c.DueText, deadline = "for "+clock(at, now, z), at.Format(time.RFC3339), "", "", nil
	}
	if deadline != nil {
		c.Deadline = deadline.Format(time.RFC3339)
		c.Urgency = urgency(start, deadline, now)
		c.Created = start.Format(time.RFC3339)
		c.AgeAt = c.Created
	}
	for _, a := range allowedActions(o) {
		switch {
		case a.Name == "cancel":
			c.CanCancel = true
		case c.Primary == nil && a.Name != "pay":
			p := a
			c.Primary = &p
		default:
			c.Others = append(c.Others, a)
		}
	}
	return c
}

// queryID parses an optional positive id of the query string.
func queryID(q url.Values, name string) (int64, bool) {
	v := q.Get(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n > 0
}

// statusColumn is the board column of a working status.
var statusColumn = map[hub.Status]int{hub.StatusNew: 0, hub.StatusConfirmed: 1, hub.StatusPreparing: 2, hub.StatusReady: 3}

// boardLimit bounds each column's query.
const boardLimit = 100

// board is GET /ui/: the counter board of a brand, or of one location.
func (h *Handler) board(w http.ResponseWriter, r *http.Request, s *session) {
	if r.URL.Path != "/ui/" {
		h.renderError(w, r, s, http.StatusNotFound, "There is no such page.")
		return
	}
	sc, v, ok := scopedPage(h, w, r, s, "board", "Board", false, func(sc *scope) boardView { return boardView{scope: sc} })
	if !ok {
		return
	}
	now := h.svc.Now()
	cols := []column{{Key: "new", Title: "New"}, {Key: "confirmed", Title: "Confirmed"}, {Key: "preparing", Title: "Preparing"},
		{Key: "ready", Title: "Ready"}, {Key: "scheduled", Title: "Scheduled"}, {Key: "done", Title: "Done today"}}
	statuses := []hub.Status{hub.StatusNew, hub.StatusConfirmed, hub.StatusPreparing, hub.StatusReady, hub.StatusCompleted, hub.StatusCancelled}
	f := store.OrderFilter{BrandID: sc.Brand.ID, Limit: boardLimit}
	if sc.Location != nil {
		f.LocationID = sc.Location.ID
	}
	for _, st := range statuses {
		f.Status = st
		orders, err := h.svc.Store().ListOrders(r.Context(), f)
		if err != nil {
			h.internalError(w, r, s, err)
			return
		}
		// Oldest first in the working columns: the counter takes them in
		// order; newest first in Done.
		if st != hub.StatusCompleted && st != hub.StatusCancelled {
			for i, j := 0, len(orders)-1; i < j; i, j = i+1, j-1 {
				orders[i], orders[j] = orders[j], orders[i]
			}
		}
		for i := range orders {
			o := &orders[i]
			c := h.card(o, sc, now)
			switch {
			case st == hub.StatusCompleted || st == hub.StatusCancelled:
				if sameDay(o.UpdatedAt, now, sc.zoneOf(h, o.LocationID)) {
					cols[5].Cards = append(cols[5].Cards, c)
				}
			case o.Scheduled(now):
				cols[4].Cards = append(cols[4].Cards, c)
			default:
				i := statusColumn[st]
				cols[i].Cards = append(cols[i].Cards, c)
			}
		}
	}
	v.Columns, v.NewCount = cols, len(cols[0].Cards)
	q := url.Values{"brand": {strconv.FormatInt(sc.Brand.ID, 10)}}
	if sc.Location != nil {
		q.Set("location", strconv.FormatInt(sc.Location.ID, 10))
	}
	v.Query = q.Encode()
	v.Back = "/ui/?" + v.Query
	v.LiveURL = "/ui/events?brand=" + strconv.FormatInt(sc.Brand.ID, 10)
	zone := h.brandZone(sc)
	if sc.Location != nil {
		zone = h.zone(sc.Location.Timezone)
	}
	v.Updated = clock(now, now, zone)
	title := "Board · " + sc.Brand.Name
	if sc.Location != nil {
		title = "Board · " + sc.Location.Name
	}
	h.render(w, r, s, http.StatusOK, "board", title, v)
}

type modifierView struct {
	Name     string
	Group    string
	Quantity int
	Price    string
	Removed  bool
	Note     string
	Children []modifierView
}

type lineView struct {
	Name         string
	Quantity     int
	Unit         string
	Total        string
	Instructions string
	Modifiers    []modifierView
}

type feeView struct {
	Label, Amount string
}

type historyView struct {
	Time, ISOTime, Action, From, To, Actor, Note string
}

type orderView struct {
	ID            int64
	Number        string
	Brand         string
	Location      string
	Time          string
	ISOTime       string
	Channel       string
	ExternalRef   string
	Type          string
	Status        string
	Payment       string
	PaymentMethod string
	Customer      hub.Customer
	Delivery      *hub.Delivery
	Notes         string
	Lines         []lineView
	Fees          []feeView
	Total         string
	History       []historyView
	Actions       []actionView
	Back          string
	LiveURL       string
	Updated       string // the time of the page in the order's zone
}

func modifiers(ms []hub.Modifier, currency string) []modifierView {
	var out []modifierView
	for _, m := range ms {
		mv := modifierView{Name: m.Name, Group: m.GroupName, Quantity: m.Quantity, Removed: m.Removed, Note: m.Note,
			Children: modifiers(m.Children, currency)}
		if m.TotalPrice != 0 {
			mv.Price = money(m.TotalPrice, currency)
		}
		out = append(out, mv)
	}
	return out
}

// orderPage is GET /ui/orders/{id}.
func (h *Handler) orderPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	o, ok := h.pathOrder(w, r, s)
	if !ok {
		return
	}
	v := orderView{ID: o.ID, Number: o.Number, Channel: string(o.Channel), ExternalRef: o.ExternalRef, Type: typeLabel(o),
		Status: o.Status.String(), Payment: o.PaymentStatus.String(), PaymentMethod: o.PaymentMethod,
		Customer: o.Customer, Delivery: o.Delivery, Notes: o.Notes, Total: money(o.Fees.Total, o.Currency),
		Actions: allowedActions(o), Back: "/ui/orders/" + strconv.FormatInt(o.ID, 10),
		LiveURL: "/ui/events?brand=" + strconv.FormatInt(o.BrandID, 10)}
	if b, err := h.svc.Store().GetBrand(ctx, o.BrandID); err == nil {
		v.Brand = b.Name
	}
	loc, err := h.svc.Store().GetLocation(ctx, o.LocationID)
	if err != nil {
		loc = nil
	} else {
		v.Location = loc.Name
	}
	v.Time, v.ISOTime = h.localTime(o.CreatedAt, loc)
	zone := time.UTC
	if loc != nil {
		zone = h.zone(loc.Timezone)
	}
	v.Updated = clock(h.svc.Now(), h.svc.Now(), zone)
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, lineView{Name: l.Name, Quantity: l.Quantity, Unit: money(l.UnitPrice, o.Currency),
			Total: money(l.TotalPrice, o.Currency), Instructions: l.SpecialInstructions, Modifiers: modifiers(l.Modifiers, o.Currency)})
	}
	fee := func(label string, amount int64, always bool) {
		if always || amount != 0 {
			v.Fees = append(v.Fees, feeView{Label: label, Amount: money(amount, o.Currency)})
		}
	}
	fee("Subtotal", o.Fees.Subtotal, true)
	if o.Fees.TaxIncluded {
		fee("Tax (included)", o.Fees.Tax, false)
	} else {
		fee("Tax", o.Fees.Tax, false)
	}
	fee("Service charge", o.Fees.ServiceCharge, false)
	fee("Delivery fee", o.Fees.DeliveryFee, false)
	if o.Fees.Discount != 0 {
		fee("Discount", -o.Fees.Discount, false)
	}
	hist, err := h.svc.Store().OrderHistory(ctx, o.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	for _, e := range hist {
		hv := historyView{Action: e.Action, To: e.ToStatus.String(), Actor: e.Actor, Note: e.Note}
		if e.FromStatus != 0 {
			hv.From = e.FromStatus.String()
		}
		hv.Time, hv.ISOTime = h.localTime(e.CreatedAt, loc)
		v.History = append(v.History, hv)
	}
	h.render(w, r, s, http.StatusOK, "order", "Order "+o.Number, v)
}

// pathOrder loads the order of the {id} path value, or answers 404.
func (h *Handler) pathOrder(w http.ResponseWriter, r *http.Request, s *session) (*hub.Order, bool) {
	return pathRow(h, w, r, s, "order", h.svc.Store().GetOrder)
}

// safeBack accepts only a path of this dashboard to return to.
func safeBack(back, fallback string) string {
	if strings.HasPrefix(back, "/ui/") && !strings.ContainsAny(back, "\\\r\n") && !strings.HasPrefix(back, "/ui//") {
		return back
	}
	return fallback
}

// action is POST /ui/orders/{id}/actions/{action}: the change as the store,
// then back to the page it came from with a flash message.
func (h *Handler) action(w http.ResponseWriter, r *http.Request, s *session) {
	o, ok := h.pathOrder(w, r, s)
	if !ok {
		return
	}
	back := safeBack(r.PostForm.Get("back"), "/ui/orders/"+strconv.FormatInt(o.ID, 10))
	name := r.PathValue("action")
	actor := hub.Actor{Role: hub.RoleStore, Name: "ui:" + s.user}
	scope := service.OrderScope{BrandID: o.BrandID}
	var err error
	var done string
	if name == "pay" {
		_, err = h.svc.MarkPaid(r.Context(), service.MarkPaidInput{Scope: scope, OrderRef: o.Number, Actor: actor})
		done = "marked paid"
	} else if a, known := hub.ParseAction(name); !known {
		err = hub.Invalid("action", "unknown action %q", name)
	} else {
		// The number, not the id: a channel's own id could look like
		// another order's hub id, and FindOrder tries numbers first.
		in := service.TransitionInput{Scope: scope, OrderRef: o.Number, Action: a, Actor: actor}
		if a == hub.ActionCancel {
			// The store says why; the channel is told (kept on the order).
			in.Reason = strings.TrimSpace(r.PostForm.Get("reason"))
			if in.Reason == "other" || in.Reason == "" {
				in.Reason = strings.TrimSpace(r.PostForm.Get("reason_text"))
			}
			if in.Reason == "" {
				err = hub.Invalid("reason", "say why the order is cancelled")
			}
			in.Note = in.Reason
		}
		if err == nil {
			_, err = h.svc.Transition(r.Context(), in)
		}
		done = map[hub.Action]string{hub.ActionConfirm: "confirmed", hub.ActionPrepare: "is being prepared",
			hub.ActionReady: "is ready", hub.ActionComplete: "completed", hub.ActionCancel: "cancelled"}[a]
	}
	switch {
	case err == nil:
		h.addFlash(w, r, flash{Text: "Order " + o.Number + " " + done + "."})
	case hub.ErrorCode(err) == hub.CodeInternal:
		h.log.ErrorContext(r.Context(), "dashboard action", "order", o.ID, "action", name, "error", err)
		h.addFlash(w, r, flash{Error: true, Text: "Order " + o.Number + " was not changed: something went wrong. Try again in a moment."})
	default:
		h.addFlash(w, r, flash{Error: true, Text: "Order " + o.Number + ": " + hub.PublicMessage(err)})
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (h *Handler) localTime(t time.Time, loc *hub.Location) (text, iso string) {
	z := time.UTC
	if loc != nil {
		z = h.zone(loc.Timezone)
	}
	lt := t.In(z)
	return clock(t, h.svc.Now(), z) + " (" + ago(t, h.svc.Now()) + ")", lt.Format(time.RFC3339)
}

func typeLabel(o *hub.Order) string {
	return whereOf(o) // it names the type first
}
