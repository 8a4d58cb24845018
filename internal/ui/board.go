package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

const pageSize = 50

// actions are the buttons an order may show, in lifecycle order; "pay" is
// service.MarkPaid.
var actions = []struct {
	name  string
	label string
}{
	{"confirm", "Confirm"}, {"prepare", "Prepare"}, {"ready", "Ready"},
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

type orderRow struct {
	ID       int64
	Number   string
	Time     string
	ISOTime  string
	Location string
	Channel  string
	Type     string
	Items    string
	Total    string
	Status   string
	Payment  string
	Actions  []actionView
}

type boardView struct {
	Brands    []option
	BrandID   int64
	Brand     string
	Locations []option
	Statuses  []option
	Orders    []orderRow
	OlderURL  string
	Back      string
	LiveURL   string
}

func money(v int64, currency string) string {
	return hub.FormatAmount(v, currency) + " " + currency
}

func (h *Handler) localTime(t time.Time, loc *hub.Location) (text, iso string) {
	z := time.UTC
	if loc != nil {
		z = h.zone(loc.Timezone)
	}
	lt := t.In(z)
	return lt.Format("2006-01-02 15:04 MST"), lt.Format(time.RFC3339)
}

func typeLabel(o *hub.Order) string {
	s := strings.ReplaceAll(string(o.Type), "_", "-")
	if o.Table != "" {
		s += " · table " + o.Table
	}
	if o.PickupCode != "" {
		s += " · pickup " + o.PickupCode
	}
	return s
}

func itemsSummary(o *hub.Order) string {
	var parts []string
	for i, l := range o.Lines {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d more", len(o.Lines)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%d× %s", l.Quantity, l.Name))
	}
	return strings.Join(parts, ", ")
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

// board is GET /ui/: the orders of a brand.
func (h *Handler) board(w http.ResponseWriter, r *http.Request, s *session) {
	if r.URL.Path != "/ui/" {
		h.renderError(w, r, s, http.StatusNotFound, "There is no such page.")
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	brands, err := h.svc.Store().ListBrands(ctx)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	v := boardView{}
	if len(brands) == 0 {
		h.render(w, r, s, http.StatusOK, "board", "Orders", v)
		return
	}
	brandID, ok := queryID(q, "brand")
	if !ok {
		h.renderError(w, r, s, http.StatusBadRequest, "Unknown brand.")
		return
	}
	var brand *hub.Brand
	for i := range brands {
		if brandID == 0 && i == 0 || brands[i].ID == brandID {
			brand = &brands[i]
		}
	}
	if brand == nil {
		h.renderError(w, r, s, http.StatusNotFound, "Unknown brand.")
		return
	}
	v.BrandID, v.Brand = brand.ID, brand.Name
	for _, b := range brands {
		v.Brands = append(v.Brands, option{Value: strconv.FormatInt(b.ID, 10), Label: b.Name, Selected: b.ID == brand.ID})
	}

	f := store.OrderFilter{BrandID: brand.ID, Limit: pageSize + 1}
	locs, err := h.svc.Store().ListLocations(ctx, brand.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	if f.LocationID, ok = queryID(q, "location"); !ok {
		h.renderError(w, r, s, http.StatusBadRequest, "Unknown location.")
		return
	}
	byID := map[int64]*hub.Location{}
	v.Locations = []option{{Value: "", Label: "All locations", Selected: f.LocationID == 0}}
	for i, l := range locs {
		byID[l.ID] = &locs[i]
		v.Locations = append(v.Locations, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name, Selected: l.ID == f.LocationID})
	}
	if f.LocationID != 0 && byID[f.LocationID] == nil {
		h.renderError(w, r, s, http.StatusNotFound, "Unknown location.")
		return
	}
	if st := q.Get("status"); st != "" {
		if f.Status, ok = hub.ParseStatus(st); !ok {
			h.renderError(w, r, s, http.StatusBadRequest, "Unknown status.")
			return
		}
	}
	v.Statuses = []option{{Value: "", Label: "Any status", Selected: f.Status == 0}}
	for _, st := range []hub.Status{hub.StatusNew, hub.StatusConfirmed, hub.StatusPreparing, hub.StatusReady, hub.StatusCompleted, hub.StatusCancelled} {
		v.Statuses = append(v.Statuses, option{Value: st.String(), Label: st.String(), Selected: st == f.Status})
	}
	if f.BeforeID, ok = queryID(q, "before"); !ok {
		h.renderError(w, r, s, http.StatusBadRequest, "Bad page.")
		return
	}

	orders, err := h.svc.Store().ListOrders(ctx, f)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	for i := range orders {
		if i == pageSize {
			older := url.Values{"brand": {strconv.FormatInt(brand.ID, 10)}, "before": {strconv.FormatInt(orders[i-1].ID, 10)}}
			if f.LocationID != 0 {
				older.Set("location", strconv.FormatInt(f.LocationID, 10))
			}
			if f.Status != 0 {
				older.Set("status", f.Status.String())
			}
			v.OlderURL = "/ui/?" + older.Encode()
			break
		}
		o := &orders[i]
		row := orderRow{ID: o.ID, Number: o.Number, Channel: string(o.Channel), Type: typeLabel(o), Items: itemsSummary(o),
			Total: money(o.Fees.Total, o.Currency), Status: o.Status.String(), Payment: o.PaymentStatus.String(),
			Actions: allowedActions(o)}
		if l := byID[o.LocationID]; l != nil {
			row.Location = l.Name
		}
		row.Time, row.ISOTime = h.localTime(o.CreatedAt, byID[o.LocationID])
		v.Orders = append(v.Orders, row)
	}
	v.Back = r.URL.RequestURI()
	v.LiveURL = "/ui/events?brand=" + strconv.FormatInt(brand.ID, 10)
	h.render(w, r, s, http.StatusOK, "board", "Orders · "+brand.Name, v)
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
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.renderError(w, r, s, http.StatusNotFound, "There is no such order.")
		return nil, false
	}
	o, err := h.svc.Store().GetOrder(r.Context(), id)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			h.renderError(w, r, s, http.StatusNotFound, "There is no such order.")
		} else {
			h.internalError(w, r, s, err)
		}
		return nil, false
	}
	return o, true
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
		_, err = h.svc.Transition(r.Context(), service.TransitionInput{Scope: scope, OrderRef: o.Number, Action: a,
			Actor: actor})
		done = map[hub.Action]string{hub.ActionConfirm: "confirmed", hub.ActionPrepare: "is being prepared",
			hub.ActionReady: "is ready", hub.ActionComplete: "completed", hub.ActionCancel: "cancelled"}[a]
	}
	switch {
	case err == nil:
		h.sessions.addFlash(s, flash{Text: "Order " + o.Number + " " + done + "."})
	case hub.ErrorCode(err) == hub.CodeInternal:
		h.log.ErrorContext(r.Context(), "dashboard action", "order", o.ID, "action", name, "error", err)
		h.sessions.addFlash(s, flash{Error: true, Text: "Order " + o.Number + " was not changed: something went wrong. Try again in a moment."})
	default:
		h.sessions.addFlash(s, flash{Error: true, Text: "Order " + o.Number + ": " + hub.PublicMessage(err)})
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
