package hub

import (
	"strconv"
	"strings"
	"time"
)

// Channel is the door an order came through, and the protocol a partner
// speaks: "hub" for the native API and dashboard, else the name a partner
// protocol registers under (internal/protocol: the registry of protocols is
// the one list of them; hub keeps none).
type Channel string

// ChannelHub is the native API's and the dashboard's channel, the one
// channel that is no partner protocol.
const ChannelHub Channel = "hub"

// The channels of the seeds' protocols, by the names their packages
// register (internal/protocol/...). They are names only: which protocols
// exist is the registry's to say.
const (
	ChannelKakao      Channel = "kakao"      // chatbot (seed 000)
	ChannelOmni       Channel = "omni"       // store POS (seed 001)
	ChannelJunglebook Channel = "junglebook" // partner shop (seed 002)
	ChannelZeek       Channel = "zeek"       // platform (seed 003)
	ChannelTableOrder Channel = "tableorder" // QR scan-to-order (seed 004)
)

// MaxChannelLen bounds a channel name.
const MaxChannelLen = 32

// ValidChannel reports whether c is well-formed as a channel name: 1 to
// MaxChannelLen lower-case ASCII letters and digits, starting with a
// letter. Whether a protocol of that name is registered is the registry's
// question (service.Service.KnownChannel).
func ValidChannel(c Channel) bool {
	if len(c) == 0 || len(c) > MaxChannelLen || c[0] < 'a' || c[0] > 'z' {
		return false
	}
	for i := 1; i < len(c); i++ {
		if b := c[i]; (b < 'a' || b > 'z') && (b < '0' || b > '9') {
			return false
		}
	}
	return true
}

// OrderType is how the customer receives the order.
type OrderType string

const (
	OrderDineIn   OrderType = "dine_in"
	OrderPickUp   OrderType = "pick_up"
	OrderDelivery OrderType = "delivery"
)

// ParseOrderType accepts the canonical names and the QR seed's upper-case
// enum (DINE_IN, PICK_UP, DELIVERY).
func ParseOrderType(s string) (OrderType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "dine_in", "dine-in", "dinein":
		return OrderDineIn, true
	case "pick_up", "pick-up", "pickup":
		return OrderPickUp, true
	case "delivery":
		return OrderDelivery, true
	}
	return "", false
}

// Status is the order status with the codes of DESIGN.md §3 (Omni's codes
// for the ones it shares).
type Status int

const (
	StatusNew       Status = 1
	StatusConfirmed Status = 10
	StatusPreparing Status = 13
	StatusReady     Status = 16
	StatusCompleted Status = 20
	StatusCancelled Status = 30
)

var statusNames = map[Status]string{
	StatusNew: "new", StatusConfirmed: "confirmed", StatusPreparing: "preparing",
	StatusReady: "ready", StatusCompleted: "completed", StatusCancelled: "cancelled",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "unknown"
}

// ParseStatus accepts a status name ("confirmed").
func ParseStatus(name string) (Status, bool) {
	for s, n := range statusNames {
		if n == strings.ToLower(strings.TrimSpace(name)) {
			return s, true
		}
	}
	return 0, false
}

// Final reports whether no further transition is possible.
func (s Status) Final() bool { return s == StatusCompleted || s == StatusCancelled }

// PaymentStatus is separate from the lifecycle.
type PaymentStatus int

const (
	PaymentUnpaid PaymentStatus = 1
	PaymentPaid   PaymentStatus = 2
	// PaymentRefunded: the order was paid and the money went back (a
	// cancelled order paid from a partner's cash balance).
	PaymentRefunded PaymentStatus = 3
)

func (p PaymentStatus) String() string {
	switch p {
	case PaymentPaid:
		return "paid"
	case PaymentRefunded:
		return "refunded"
	}
	return "unpaid"
}

// Customer is who ordered (or receives) the order.
type Customer struct {
	ID           string `json:"id,omitempty"`     // the channel's member id
	RefID        string `json:"ref_id,omitempty"` // the client's member id
	Name         string `json:"name,omitempty"`
	Phone        string `json:"phone,omitempty"`
	PhoneCountry string `json:"phone_country,omitempty"`
	Email        string `json:"email,omitempty"`
}

// Delivery holds where a delivery order goes.
type Delivery struct {
	ReceiverName string `json:"receiver_name,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Mobile       string `json:"mobile,omitempty"`
	ZipCode      string `json:"zip_code,omitempty"`
	Address      string `json:"address,omitempty"`
	Address2     string `json:"address2,omitempty"`
	Memo         string `json:"memo,omitempty"`
}

// ModifierKind says what a modifier node is.
type ModifierKind string

const (
	ModifierOption ModifierKind = "option" // a product option value (TASTE)
	ModifierCombo  ModifierKind = "combo"  // a product filling a combo slot (COMBO / PACK)
)

// Modifier is one node of a line's recursive modifier tree: an option value
// or a combo item, with its own children (a combo item's options). Removed
// nodes are defaults the customer took away; they carry no price.
type Modifier struct {
	Kind      ModifierKind `json:"kind"`
	GroupID   string       `json:"group_id,omitempty"`
	GroupName string       `json:"group_name,omitempty"`
	// GroupType keeps the channel's group type (TASTE, COMBO, PACK).
	GroupType  string     `json:"group_type,omitempty"`
	PackSuitID string     `json:"pack_suit_id,omitempty"`
	ComboTaste bool       `json:"combo_taste,omitempty"`
	ItemID     string     `json:"item_id"`
	ProductID  int64      `json:"product_id,omitempty"`
	Name       string     `json:"name"`
	Quantity   int        `json:"quantity"`
	UnitPrice  int64      `json:"unit_price"`
	TotalPrice int64      `json:"total_price"`
	Removed    bool       `json:"removed,omitempty"`
	Note       string     `json:"note,omitempty"`
	Children   []Modifier `json:"children,omitempty"`
}

// OrderLine is one product line of an order.
type OrderLine struct {
	ProductID    int64       `json:"product_id"`
	ProductRefID string      `json:"product_ref_id,omitempty"`
	SKU          string      `json:"sku,omitempty"`
	Name         string      `json:"name"`
	Names        I18n        `json:"names,omitempty"`
	Type         ProductType `json:"type"`
	Alcohol      bool        `json:"alcohol,omitempty"`
	Quantity     int         `json:"quantity"`
	// UnitPrice includes option and combo adjustments.
	UnitPrice int64 `json:"unit_price"`
	// BasePrice is the product's own unit price (after special/bulk).
	BasePrice           int64      `json:"base_price"`
	TotalPrice          int64      `json:"total_price"`
	SpecialInstructions string     `json:"special_instructions,omitempty"`
	Modifiers           []Modifier `json:"modifiers,omitempty"`
	// ClientUnitPrice is what the channel said the unit costs, kept when it
	// differed from the catalog and the partner's policy accepted it.
	ClientUnitPrice *int64 `json:"client_unit_price,omitempty"`
}

// Fees are the order's money summary, all in the order currency.
type Fees struct {
	Subtotal      int64 `json:"subtotal"`
	Tax           int64 `json:"tax"`
	TaxIncluded   bool  `json:"tax_included"`
	ServiceCharge int64 `json:"service_charge"`
	DeliveryFee   int64 `json:"delivery_fee"`
	Discount      int64 `json:"discount"`
	Total         int64 `json:"total"`
}

// Order is the canonical order record.
type Order struct {
	ID         int64   `json:"id"`
	Number     string  `json:"number"`
	BrandID    int64   `json:"brand_id"`
	LocationID int64   `json:"location_id"`
	PartnerID  int64   `json:"partner_id,omitempty"`
	Channel    Channel `json:"channel"`
	// ExternalRef is the id the ordering channel gave the order (oaOrderNo,
	// QR id, Zeek order_id, bot order id).
	ExternalRef string `json:"external_ref,omitempty"`
	// ChannelRef is the id orderhub answered the channel with (Junglebook
	// ordNo); empty when the channel uses the number.
	ChannelRef    string        `json:"channel_ref,omitempty"`
	Type          OrderType     `json:"type"`
	Table         string        `json:"table,omitempty"`
	PickupCode    string        `json:"pickup_code,omitempty"`
	Customer      Customer      `json:"customer"`
	Delivery      *Delivery     `json:"delivery,omitempty"`
	Notes         string        `json:"notes,omitempty"`
	Lines         []OrderLine   `json:"lines"`
	Currency      string        `json:"currency"`
	Fees          Fees          `json:"fees"`
	Status        Status        `json:"status"`
	PaymentStatus PaymentStatus `json:"payment_status"`
	PaymentMethod string        `json:"payment_method,omitempty"`
	// PriceFlagged marks an order accepted although a client price differed
	// from the catalog (partner price policy "accept").
	PriceFlagged bool       `json:"price_flagged,omitempty"`
	ScheduledFor *time.Time `json:"scheduled_for,omitempty"`
	// Acceptance (operations.go), fixed when the order is taken: the
	// location's mode then, when acceptance starts (later than taking it
	// for a scheduled order), the deadline of manual acceptance, and when
	// the order should be ready.
	AcceptMode       AcceptMode `json:"accept_mode,omitempty"`
	AcceptFrom       *time.Time `json:"accept_from,omitempty"`
	AcceptBy         *time.Time `json:"accept_by,omitempty"`
	EstimatedReadyAt *time.Time `json:"estimated_ready_at,omitempty"`
	// CancelReason is why a cancelled order was cancelled, when a reason
	// was given (not_accepted: the acceptance deadline passed), and
	// CancelledBy who cancelled it (the history's actor name): a channel
	// is told of every cancel but its own.
	CancelReason string `json:"cancel_reason,omitempty"`
	CancelledBy  string `json:"cancelled_by,omitempty"`
	// StockTaken records what placing the order took from stock, so that
	// cancelling gives back exactly that.
	StockTaken []StockNeed `json:"stock_taken,omitempty"`
	// Attributes keeps channel data no rule reads (Junglebook oaType,
	// settleKind, bankSender).
	Attributes map[string]any `json:"attributes,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	// Version increases with every change; it orders events per order.
	Version int `json:"version"`
}

// OrderEvent is one row of an order's history.
type OrderEvent struct {
	ID         int64     `json:"id"`
	OrderID    int64     `json:"order_id"`
	Action     string    `json:"action"`
	FromStatus Status    `json:"from_status,omitempty"`
	ToStatus   Status    `json:"to_status"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Text limits of an order, in characters. They keep free text to what a
// kitchen ticket or a POS can show; a longer value is refused with the
// field named rather than stored.
const (
	MaxNoteLength    = 1000 // order notes, special instructions, delivery memo
	MaxShortText     = 200  // names, table, refs, phones, e-mail, zip
	MaxAddressLength = 500
)

// CheckTexts refuses over-long or invalid UTF-8 free text anywhere in the
// order, and modifier trees deeper than MaxModifierDepth or larger than
// MaxModifiers (limits.go).
func (o *Order) CheckTexts() error {
	type text struct {
		field, v string
		max      int
	}
	texts := []text{
		{"external_ref", o.ExternalRef, MaxShortText},
		{"table", o.Table, MaxShortText},
		{"notes", o.Notes, MaxNoteLength},
		{"payment_method", o.PaymentMethod, MaxShortText},
		{"customer.id", o.Customer.ID, MaxShortText},
		{"customer.ref_id", o.Customer.RefID, MaxShortText},
		{"customer.name", o.Customer.Name, MaxShortText},
		{"customer.phone", o.Customer.Phone, MaxShortText},
		{"customer.phone_country", o.Customer.PhoneCountry, MaxShortText},
		{"customer.email", o.Customer.Email, MaxShortText},
	}
	if d := o.Delivery; d != nil {
		texts = append(texts,
			text{"delivery.receiver_name", d.ReceiverName, MaxShortText},
			text{"delivery.phone", d.Phone, MaxShortText},
			text{"delivery.mobile", d.Mobile, MaxShortText},
			text{"delivery.zip_code", d.ZipCode, MaxShortText},
			text{"delivery.address", d.Address, MaxAddressLength},
			text{"delivery.address2", d.Address2, MaxAddressLength},
			text{"delivery.memo", d.Memo, MaxNoteLength})
	}
	for i, l := range o.Lines {
		texts = append(texts, text{"lines[" + strconv.Itoa(i) + "].special_instructions", l.SpecialInstructions, MaxNoteLength})
	}
	for _, t := range texts {
		if err := checkText(t.field, t.v, t.max); err != nil {
			return err
		}
	}
	count := 0
	for i, l := range o.Lines {
		if err := checkModifiers("lines["+strconv.Itoa(i)+"].modifiers", l.Modifiers, 1, &count); err != nil {
			return err
		}
	}
	return nil
}

// DueAt is when the system must act on the order (nil: nothing is due):
// while it is NEW, confirm it at AcceptFrom under auto acceptance, or
// cancel it at AcceptBy under manual acceptance.
func (o *Order) DueAt() *time.Time {
	if o.Status != StatusNew {
		return nil
	}
	if o.AcceptMode == AcceptAuto {
		return o.AcceptFrom
	}
	return o.AcceptBy
}

// Scheduled reports whether the order waits for its time at t (its
// acceptance has not started). A scheduled order the store confirmed early
// still waits, so it stays apart from the orders to make now; a completed
// or cancelled one does not.
func (o *Order) Scheduled(t time.Time) bool {
	return !o.Status.Final() && o.AcceptFrom != nil && t.Before(*o.AcceptFrom)
}
