package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// EventOrderCreate is the callback's event name.
const EventOrderCreate = "order_create"

// OrderCreateCallback is the delivery.Formatter of seed 003's
// OrderCreateCallback: for every order.created event of the partner's
// brand, at a location the partner may touch, from any channel, it renders
// {"event": "order_create", "payload": {...}} for the partner's
// callback_url, signed with KS-Timestamp and KS-Signature (delivery.SignKS,
// keyed with the partner's callback secret) and accepted only on HTTP 200
// with {"status": "OK"}. Partners without a callback_url get nothing.
//
// Wiring: engine.Register(hub.ChannelZeek, zeek.OrderCreateCallback).
func OrderCreateCallback(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
	if ev.Type != hub.EventOrderCreated || p.Protocol != hub.ChannelZeek || p.Settings.CallbackURL == "" {
		return nil, nil
	}
	if !p.CanAccess(ev.BrandID, ev.LocationID) {
		return nil, nil
	}
	o, err := eventOrder(ctx, r, ev)
	if err != nil {
		return nil, err
	}
	if o.BrandID != p.BrandID {
		return nil, nil
	}
	body, err := CallbackBody(ctx, r, o, p.Settings)
	if err != nil {
		return nil, err
	}
	return &delivery.Outbound{
		URL:         p.Settings.CallbackURL,
		Method:      http.MethodPost,
		ContentType: "application/json",
		Body:        body,
		Signing:     delivery.SignKS,
		Acceptance:  delivery.AcceptStatusOK,
	}, nil
}

// eventOrder is the order as the event recorded it (its state at
// creation); the stored order when the payload does not carry it.
func eventOrder(ctx context.Context, r store.Reader, ev *store.Event) (*hub.Order, error) {
	var payload struct {
		Data struct {
			Order *hub.Order `json:"order"`
		} `json:"data"`
	}
	if json.Unmarshal(ev.Payload, &payload) == nil && payload.Data.Order != nil && payload.Data.Order.ID != 0 {
		return payload.Data.Order, nil
	}
	return r.GetOrder(ctx, ev.OrderID)
}

// The callback's wire types, in the seed's member order.
type (
	cbMoney struct {
		CurrencyCode string `json:"currency_code"`
		Amount       string `json:"amount"`
	}
	cbStore struct {
		StoreID int64 `json:"store_id"`
	}
	cbLocation struct {
		LocationID int64 `json:"location_id"`
	}
	cbPayment struct {
		Method string `json:"method"`
	}
	cbSchedule struct {
		Type         int     `json:"type"`
		DeliveryTime *string `json:"delivery_time"`
	}
	cbShipping struct {
		Type int `json:"type"`
	}
	cbFee struct {
		Subtotal            cbMoney `json:"subtotal"`
		MinimumPurchase     cbMoney `json:"minimum_purchase"`
		DifferenceToMinimum cbMoney `json:"difference_to_minimum"`
		CouponDiscount      cbMoney `json:"coupon_discount"`
		ShippingFee         cbMoney `json:"shipping_fee"`
		VAT                 cbMoney `json:"vat"`
		IsVATIncluded       bool    `json:"is_vat_included"`
		Total               cbMoney `json:"total"`
	}
	cbPhone struct {
		CountryCode string `json:"country_code"`
		PhoneNumber string `json:"phone_number"`
	}
	cbAddress struct {
		AddressText string `json:"address_text"`
	}
	cbCustomer struct {
		MemberID    string    `json:"member_id"`
		RefMemberID string    `json:"ref_member_id"`
		Name        string    `json:"name"`
		Phone       cbPhone   `json:"phone"`
		Address     cbAddress `json:"address"`
	}
	cbComboItem struct {
		ProductID       int64    `json:"product_id"`
		RefProductID    string   `json:"ref_product_id"`
		Name            hub.I18n `json:"name"`
		Price           cbMoney  `json:"price"`
		PriceAdjustment int      `json:"price_adjustment"`
		Quantity        int      `json:"quantity"`
	}
	cbComponent struct {
		ComponentID int64         `json:"component_id"`
		Name        hub.I18n      `json:"name"`
		Items       []cbComboItem `json:"items"`
	}
	cbOptionValue struct {
		ValueID         int64    `json:"value_id"`
		Name            hub.I18n `json:"name"`
		Price           cbMoney  `json:"price"`
		PriceAdjustment int      `json:"price_adjustment"`
	}
	cbOption struct {
		OptionID     int64           `json:"option_id"`
		Name         hub.I18n        `json:"name"`
		OptionValues []cbOptionValue `json:"option_values"`
	}
	cbProduct struct {
		ProductID         int64         `json:"product_id"`
		RefProductID      string        `json:"ref_product_id"`
		Name              hub.I18n      `json:"name"`
		Type              int           `json:"type"`
		Quantity          int           `json:"quantity"`
		Price             cbMoney       `json:"price"`
		SaleDiscountPrice cbMoney       `json:"sale_discount_price"`
		IsAlcohol         int           `json:"is_alcohol"`
		ComboComponents   []cbComponent `json:"combo_components"`
		Options           []cbOption    `json:"options"`
	}
	cbPayload struct {
		OrderID    string      `json:"order_id"`
		OrderTime  string      `json:"order_time"`
		PickupCode string      `json:"pickup_code"`
		Store      cbStore     `json:"store"`
		Location   cbLocation  `json:"location"`
		Payment    cbPayment   `json:"payment"`
		Schedule   cbSchedule  `json:"schedule"`
		Shipping   cbShipping  `json:"shipping"`
		Remark     string      `json:"remark"`
		Fee        cbFee       `json:"fee"`
		Customer   cbCustomer  `json:"customer"`
		Products   []cbProduct `json:"products"`
	}
	cbBody struct {
		Event   string    `json:"event"`
		Payload cbPayload `json:"payload"`
	}
)

// CallbackBody renders an order as the callback's JSON body. Product,
// component and option names come from the catalog (every language it
// has), falling back to the names the order kept.
func CallbackBody(ctx context.Context, r store.Reader, o *hub.Order, s hub.PartnerSettings) ([]byte, error) {
	zone := PartnerZone(s)
	money := func(v int64) cbMoney {
		return cbMoney{CurrencyCode: o.Currency, Amount: hub.FormatAmount(v, o.Currency)}
	}
	products := productCache{r: r, brandID: o.BrandID, m: map[int64]*hub.Product{}}

	minimum, _ := minimumPurchase(s, o.Currency) // checked when the partner was saved
	pl := cbPayload{
		OrderID:    o.Number,
		OrderTime:  o.CreatedAt.In(zone).Format(time.RFC3339),
		PickupCode: o.PickupCode,
		Store:      cbStore{StoreID: o.BrandID},
		Location:   cbLocation{LocationID: o.LocationID},
		Payment:    cbPayment{Method: o.PaymentMethod},
		Schedule:   schedule(o, zone),
		Shipping:   shipping(o),
		Remark:     o.Notes,
		Fee: cbFee{
			Subtotal:            money(o.Fees.Subtotal),
			MinimumPurchase:     money(minimum),
			DifferenceToMinimum: money(hub.ShortOfMinimum(minimum, o.Fees.Subtotal)),
			CouponDiscount:      money(o.Fees.Discount),
			ShippingFee:         money(o.Fees.DeliveryFee),
			VAT:                 money(o.Fees.Tax),
			IsVATIncluded:       o.Fees.TaxIncluded,
			Total:               money(o.Fees.Total),
		},
		Customer: customer(o),
		Products: []cbProduct{},
	}
	for _, l := range o.Lines {
		prod, err := products.get(ctx, l.ProductID)
		if err != nil {
			return nil, err
		}
		list := l.BasePrice
		if prod != nil && prod.Price >= l.BasePrice {
			list = prod.Price
		}
		typ := int(l.Type)
		if typ == 0 {
			typ = int(hub.ProductSingle)
		}
		cp := cbProduct{
			ProductID: l.ProductID, RefProductID: l.ProductRefID, Name: names(l.Names, l.Name),
			Type: typ, Quantity: l.Quantity, Price: money(list), SaleDiscountPrice: money(l.BasePrice),
			IsAlcohol: boolInt(l.Alcohol), ComboComponents: []cbComponent{}, Options: []cbOption{},
		}
		if prod != nil && len(l.Names) == 0 {
			cp.Name = names(prod.Name, l.Name)
		}
		for _, m := range l.Modifiers {
			if m.Removed || m.Quantity == 0 {
				continue // a default taken away, or shown only: nothing to make or charge
			}
			gid, _ := strconv.ParseInt(m.GroupID, 10, 64)
			switch m.Kind {
			case hub.ModifierCombo:
				item, err := products.get(ctx, m.ProductID)
				if err != nil {
					return nil, err
				}
				ci := cbComboItem{ProductID: m.ProductID, Name: hub.I18n{}, Price: money(abs(m.UnitPrice)),
					PriceAdjustment: adjustment(m.UnitPrice), Quantity: m.Quantity * l.Quantity}
				if item != nil {
					ci.RefProductID, ci.Name = item.RefID, names(item.Name, m.Name)
				} else {
					ci.Name = names(nil, m.Name)
					if m.ItemID != strconv.FormatInt(m.ProductID, 10) {
						ci.RefProductID = m.ItemID
					}
				}
				k := componentIndex(&cp, gid)
				if k < 0 {
					name := names(nil, m.GroupName)
					if prod != nil {
						if comp := prod.ComboComponent(gid); comp != nil {
							name = names(comp.Name, m.GroupName)
						}
					}
					cp.ComboComponents = append(cp.ComboComponents, cbComponent{ComponentID: gid, Name: name, Items: []cbComboItem{}})
					k = len(cp.ComboComponents) - 1
				}
				cp.ComboComponents[k].Items = append(cp.ComboComponents[k].Items, ci)
			case hub.ModifierOption:
				vid, _ := strconv.ParseInt(m.ItemID, 10, 64)
				var group *hub.OptionGroup
				if prod != nil {
					group = prod.OptionGroup(gid)
				}
				ov := cbOptionValue{ValueID: vid, Name: names(nil, m.Name), Price: money(abs(m.UnitPrice)), PriceAdjustment: adjustment(m.UnitPrice)}
				if group != nil {
					if v := group.Value(vid); v != nil {
						ov.Name = names(v.Name, m.Name)
					}
				}
				k := optionIndex(&cp, gid)
				if k < 0 {
					name := names(nil, m.GroupName)
					if group != nil {
						name = names(group.Name, m.GroupName)
					}
					cp.Options = append(cp.Options, cbOption{OptionID: gid, Name: name, OptionValues: []cbOptionValue{}})
					k = len(cp.Options) - 1
				}
				cp.Options[k].OptionValues = append(cp.Options[k].OptionValues, ov)
			}
		}
		pl.Products = append(pl.Products, cp)
	}
	return bytes.TrimRight(encode(cbBody{Event: EventOrderCreate, Payload: pl}), "\n"), nil
}

func componentIndex(p *cbProduct, id int64) int {
	for i := range p.ComboComponents {
		if p.ComboComponents[i].ComponentID == id {
			return i
		}
	}
	return -1
}

func optionIndex(p *cbProduct, id int64) int {
	for i := range p.Options {
		if p.Options[i].OptionID == id {
			return i
		}
	}
	return -1
}

// productCache reads each product of an order once.
type productCache struct {
	r       store.Reader
	brandID int64
	m       map[int64]*hub.Product
}

// get returns the product, or nil when the catalog no longer has it.
func (c *productCache) get(ctx context.Context, id int64) (*hub.Product, error) {
	if id == 0 {
		return nil, nil
	}
	if p, ok := c.m[id]; ok {
		return p, nil
	}
	p, err := c.r.GetProduct(ctx, c.brandID, id)
	if err != nil {
		if hub.ErrorCode(err) != hub.CodeNotFound {
			return nil, err
		}
		p = nil
	}
	c.m[id] = p
	return p, nil
}

// names is a text per language, never null: the catalog's names, else the
// one name the order kept, as English.
func names(t hub.I18n, fallback string) hub.I18n {
	if len(t) > 0 {
		return t
	}
	if fallback != "" {
		return hub.I18n{"en": fallback}
	}
	return hub.I18n{}
}

// schedule: 1 realtime (delivery_time null), 2 advanced (the scheduled
// time in the zone).
func schedule(o *hub.Order, zone *time.Location) cbSchedule {
	if o.ScheduledFor == nil {
		return cbSchedule{Type: 1}
	}
	t := o.ScheduledFor.In(zone).Format(time.RFC3339)
	return cbSchedule{Type: 2, DeliveryTime: &t}
}

// shipping: 2 delivery, 1 customer pickup (dine-in counts as pickup).
func shipping(o *hub.Order) cbShipping {
	if o.Type == hub.OrderDelivery {
		return cbShipping{Type: 2}
	}
	return cbShipping{Type: 1}
}

func customer(o *hub.Order) cbCustomer {
	c := cbCustomer{MemberID: o.Customer.ID, RefMemberID: o.Customer.RefID, Name: o.Customer.Name,
		Phone: cbPhone{CountryCode: o.Customer.PhoneCountry, PhoneNumber: o.Customer.Phone}}
	if d := o.Delivery; d != nil {
		c.Address.AddressText = strings.TrimSpace(strings.TrimSpace(d.Address) + " " + strings.TrimSpace(d.Address2))
		if c.Name == "" {
			c.Name = d.ReceiverName
		}
		if c.Phone.PhoneNumber == "" {
			c.Phone.PhoneNumber = firstNonEmpty(d.Mobile, d.Phone)
		}
	}
	return c
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// adjustment is the seed's price_adjustment: 1 add, 2 deduct.
func adjustment(v int64) int {
	if v < 0 {
		return 2
	}
	return 1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
