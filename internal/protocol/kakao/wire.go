package kakao

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// ref is an identifier sent as a JSON string or number.
type ref string

func (r *ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = ref(strings.TrimSpace(s))
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		// A type error, so that the decoder names the field
		// ("items.id: must be a string, not object").
		return &json.UnmarshalTypeError{Value: httpx.JSONKind(b), Type: reflect.TypeFor[string]()}
	}
	*r = ref(n.String())
	return nil
}

// ---- requests ----

// orderRequest is the body of POST /api/v1/stores/{storeId}/orders.
type orderRequest struct {
	BotOrderID    ref           `json:"botOrderId"`
	Type          string        `json:"type"`
	Table         string        `json:"table"`
	Customer      *customerWire `json:"customer"`
	Notes         string        `json:"notes"`
	PaymentMethod string        `json:"paymentMethod"`
	Items         []orderItem   `json:"items"`
}

type customerWire struct {
	ID    ref    `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type orderItem struct {
	ID                  ref          `json:"id"`
	Quantity            int          `json:"quantity"`
	Price               *int64       `json:"price"`
	SpecialInstructions string       `json:"specialInstructions"`
	Options             []optionWire `json:"options"`
	Combo               []comboWire  `json:"combo"`
}

type optionWire struct {
	GroupID  int64 `json:"groupId"`
	ValueID  int64 `json:"valueId"`
	Quantity int   `json:"quantity"`
}

type comboWire struct {
	ComponentID int64        `json:"componentId"`
	ID          ref          `json:"id"`
	Quantity    int          `json:"quantity"`
	Options     []optionWire `json:"options"`
}

// progressRequest is the body of the POS progress calls.
type progressRequest struct {
	OrderID ref `json:"orderId"`
	Numb    ref `json:"numb"`
}

// lines maps the bot's items onto canonical lines.
func (req *orderRequest) lines() []service.LineInput {
	out := make([]service.LineInput, 0, len(req.Items))
	for i, it := range req.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		li := service.LineInput{ProductRef: string(it.ID), Quantity: it.Quantity, ClientUnitPrice: it.Price,
			SpecialInstructions: strings.TrimSpace(it.SpecialInstructions), Field: f}
		li.Options = options(it.Options, f+".options")
		for j, c := range it.Combo {
			cf := f + ".combo[" + strconv.Itoa(j) + "]"
			li.Combo = append(li.Combo, service.ComboInput{ComponentID: c.ComponentID, ProductRef: string(c.ID), Quantity: c.Quantity,
				Options: options(c.Options, cf+".options"), Field: cf})
		}
		out = append(out, li)
	}
	return out
}

func options(in []optionWire, field string) []service.OptionInput {
	var out []service.OptionInput
	for k, o := range in {
		out = append(out, service.OptionInput{GroupID: o.GroupID, ValueID: o.ValueID, Quantity: o.Quantity,
			Field: field + "[" + strconv.Itoa(k) + "]"})
	}
	return out
}

// ---- responses ----

// errorBody is the seed's error envelope.
type errorBody struct {
	Error string `json:"error"`
}

// orderView is an order as the bot sees it: the answer of placement,
// status, cancel and the POS progress calls, and (with event fields) the
// body of the notifications to the bot.
type orderView struct {
	StoreID       string     `json:"storeId"`
	OrderID       string     `json:"orderId"`
	Numb          string     `json:"numb"`
	BotOrderID    string     `json:"botOrderId,omitempty"`
	Status        string     `json:"status"`
	StatusCode    int        `json:"statusCode"`
	PaymentStatus string     `json:"paymentStatus"`
	Type          string     `json:"type"`
	Table         string     `json:"table,omitempty"`
	Currency      string     `json:"currency"`
	Total         int64      `json:"total"`
	Items         []lineView `json:"items"`
	// EstimatedReadyAt is when the order should be ready (RFC 3339, UTC);
	// ScheduledFor is the time of an order for later.
	EstimatedReadyAt string `json:"estimatedReadyAt,omitempty"`
	ScheduledFor     string `json:"scheduledFor,omitempty"`
	// CancelReason says why a cancelled order was cancelled
	// (not_accepted: the store did not accept it in time).
	CancelReason string `json:"cancelReason,omitempty"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

type lineView struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Quantity            int            `json:"quantity"`
	UnitPrice           int64          `json:"unitPrice"`
	TotalPrice          int64          `json:"totalPrice"`
	SpecialInstructions string         `json:"specialInstructions,omitempty"`
	Modifiers           []modifierView `json:"modifiers,omitempty"`
}

type modifierView struct {
	Kind      string         `json:"kind"` // option | combo
	Group     string         `json:"group"`
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Quantity  int            `json:"quantity"`
	Price     int64          `json:"price"`
	Removed   bool           `json:"removed,omitempty"`
	Modifiers []modifierView `json:"modifiers,omitempty"`
}

// statusName is the wire name of a status: NEW, CONFIRMED, PREPARING,
// READY, COMPLETED, CANCELLED.
func statusName(s hub.Status) string { return strings.ToUpper(s.String()) }

func renderOrder(o *hub.Order, lang string) orderView {
	v := orderView{
		StoreID: strconv.FormatInt(o.LocationID, 10), OrderID: o.Number, Numb: o.PickupCode, BotOrderID: o.ExternalRef,
		Status: statusName(o.Status), StatusCode: int(o.Status), PaymentStatus: strings.ToUpper(o.PaymentStatus.String()),
		Type: strings.ToUpper(string(o.Type)), Table: o.Table, Currency: o.Currency, Total: o.Fees.Total,
		Items: make([]lineView, 0, len(o.Lines)), CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339),
		UpdatedAt: o.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if o.Channel != hub.ChannelKakao {
		v.BotOrderID = ""
	}
	v.EstimatedReadyAt, v.ScheduledFor = utcTime(o.EstimatedReadyAt), utcTime(o.ScheduledFor)
	if o.Status == hub.StatusCancelled {
		v.CancelReason = cancelReason(o)
	}
	for _, l := range o.Lines {
		id := l.ProductRefID
		if id == "" {
			id = strconv.FormatInt(l.ProductID, 10)
		}
		name := l.Names.Get(lang)
		if name == "" {
			name = l.Name
		}
		v.Items = append(v.Items, lineView{ID: id, Name: name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, TotalPrice: l.TotalPrice,
			SpecialInstructions: l.SpecialInstructions, Modifiers: renderModifiers(l.Modifiers)})
	}
	return v
}

func renderModifiers(ms []hub.Modifier) []modifierView {
	var out []modifierView
	for _, m := range ms {
		out = append(out, modifierView{Kind: string(m.Kind), Group: m.GroupName, ID: m.ItemID, Name: m.Name, Quantity: m.Quantity,
			Price: m.TotalPrice, Removed: m.Removed, Modifiers: renderModifiers(m.Children)})
	}
	return out
}

// ---- menu ----

type menuView struct {
	StoreID   string `json:"storeId"`
	StoreName string `json:"storeName"`
	// StoreStatus is online, busy or paused (a paused store refuses
	// orders: 409 {"error": "store is paused"}).
	StoreStatus string         `json:"storeStatus"`
	Currency    string         `json:"currency"`
	Items       []menuItemView `json:"items"`
}

type menuItemView struct {
	ID              string            `json:"id"`
	ProductID       int64             `json:"productId"`
	Name            string            `json:"name"`
	Description     string            `json:"description,omitempty"`
	Type            string            `json:"type"` // single | combo
	Price           int64             `json:"price"`
	SoldOut         bool              `json:"soldOut"`
	AvailableAt     string            `json:"availableAt,omitempty"`
	Stock           *int64            `json:"stock"`
	Alcohol         bool              `json:"alcohol"`
	MinQuantity     int               `json:"minQuantity"`
	MaxQuantity     int               `json:"maxQuantity"`
	BundleSize      int               `json:"bundleSize"`
	OptionGroups    []optionGroupView `json:"optionGroups"`
	ComboComponents []componentView   `json:"comboComponents,omitempty"`
}

type optionGroupView struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Required bool              `json:"required"`
	Min      int               `json:"min"`
	Max      int               `json:"max"`
	Values   []optionValueView `json:"values"`
}

type optionValueView struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Price int64  `json:"price"`
}

type componentView struct {
	ID             int64           `json:"id"`
	Name           string          `json:"name"`
	SelectQuantity int             `json:"selectQuantity"`
	Required       bool            `json:"required"`
	Items          []comboItemView `json:"items"`
}

type comboItemView struct {
	ID           string            `json:"id"`
	ProductID    int64             `json:"productId"`
	Name         string            `json:"name"`
	Price        int64             `json:"price"`
	SoldOut      bool              `json:"soldOut"`
	AvailableAt  string            `json:"availableAt,omitempty"`
	OptionGroups []optionGroupView `json:"optionGroups"`
}

func productRef(p *hub.Product) string {
	if p.RefID != "" {
		return p.RefID
	}
	return strconv.FormatInt(p.ID, 10)
}

func renderMenu(m *service.Menu, lang string) menuView {
	v := menuView{StoreID: strconv.FormatInt(m.Location.ID, 10), StoreName: m.Location.Name, Currency: m.Brand.Currency,
		StoreStatus: string(m.Location.StatusAt(m.At).Mode), Items: make([]menuItemView, 0, len(m.Items))}
	for _, it := range m.Items {
		p := it.Product
		min := p.MinQuantity
		if min < 1 {
			min = 1
		}
		typ := "single"
		if p.Type == hub.ProductCombo {
			typ = "combo"
		}
		iv := menuItemView{ID: productRef(p), ProductID: p.ID, Name: p.Name.Get(lang), Description: p.Description.Get(lang), Type: typ,
			Price: it.Price, SoldOut: it.SoldOut, Stock: it.Stock, Alcohol: p.Alcohol, MinQuantity: min, MaxQuantity: p.MaxQuantity,
			BundleSize: p.BundleSize, OptionGroups: renderGroups(p.OptionGroups, lang)}
		iv.AvailableAt = availableAt(it.AvailableAt)
		for _, c := range it.Components {
			cv := componentView{ID: c.Component.ID, Name: c.Component.Name.Get(lang), SelectQuantity: c.Component.SelectQuantity,
				Required: c.Component.Required, Items: []comboItemView{}}
			for _, ci := range c.Items {
				cv.Items = append(cv.Items, comboItemView{ID: productRef(ci.Product), ProductID: ci.Product.ID, Name: ci.Product.Name.Get(lang),
					Price: ci.Price, SoldOut: ci.SoldOut, AvailableAt: availableAt(ci.AvailableAt),
					OptionGroups: renderGroups(ci.Product.OptionGroups, lang)})
			}
			iv.ComboComponents = append(iv.ComboComponents, cv)
		}
		v.Items = append(v.Items, iv)
	}
	return v
}

// availableAt renders when a snoozed product comes back, to the second
// rounded up: a bot that retries at that second finds it orderable.
func availableAt(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Add(time.Second - 1).Truncate(time.Second).Format(time.RFC3339)
}

func renderGroups(gs []hub.OptionGroup, lang string) []optionGroupView {
	out := make([]optionGroupView, 0, len(gs))
	for _, g := range gs {
		min := g.Min
		if g.Required && min < 1 {
			min = 1
		}
		gv := optionGroupView{ID: g.ID, Name: g.Name.Get(lang), Required: g.Required, Min: min, Max: g.Max,
			Values: make([]optionValueView, 0, len(g.Values))}
		for _, val := range g.Values {
			gv.Values = append(gv.Values, optionValueView{ID: val.ID, Name: val.Name.Get(lang), Price: val.Price})
		}
		out = append(out, gv)
	}
	return out
}

func utcTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cancelReason is the reason a cancelled order shows the bot: the one
// given (not_accepted, or the store's words), else "cancelled".
func cancelReason(o *hub.Order) string {
	if o.CancelReason != "" {
		return o.CancelReason
	}
	return "cancelled"
}
