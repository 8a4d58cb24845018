package omni

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
)

// detail is the seed's body for 401, 403 and 405 (and our 500, 503).
type detail struct {
	Detail string `json:"detail"`
}

// errorBody is the seed's error envelope.
type errorBody struct {
	ErrorMessage string            `json:"error_message"`
	ErrorCode    string            `json:"error_code"`
	Errors       map[string]string `json:"errors"`
}

func fieldError(key, code, message string) *errorBody {
	return &errorBody{ErrorMessage: message, ErrorCode: code, Errors: map[string]string{key: message}}
}

func parseError(message string) *errorBody {
	return fieldError("non_field_errors", "parse_error", message)
}

// options is the OPTIONS answer.
type options struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Renders     []string `json:"renders"`
	Parses      []string `json:"parses"`
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }

// orderJSON is the seed's generic response: every field of its table, in its
// order, with its names and JSON types.
type orderJSON struct {
	ID             int64         `json:"id"`
	Number         string        `json:"number"`
	Total          json.Number   `json:"total"`
	Tax            json.Number   `json:"tax"`
	ServiceCharge  json.Number   `json:"serviceCharge"`
	GrandTotal     json.Number   `json:"grandTotal"`
	TableNumber    string        `json:"tableNumber"`
	Channel        int           `json:"channel"`
	Notes          string        `json:"notes"`
	Status         int           `json:"status"`
	DeliveryStatus int           `json:"deliveryStatus"`
	StatusText     string        `json:"statusText"`
	StoreName      string        `json:"storeName"`
	UserID         int64         `json:"userID"`
	Created        int64         `json:"created"`
	PaymentMethod  int           `json:"paymentMethod"`
	PaymentStatus  int           `json:"paymentStatus"`
	User           userJSON      `json:"user"`
	DeliveryInfo   *deliveryJSON `json:"delivery_info"`
}

type userJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type deliveryJSON struct {
	ReceiverName string      `json:"receiver_name"`
	Phone        string      `json:"phone"`
	Mobile       string      `json:"mobile"`
	ZipCode      string      `json:"zip_code"`
	Address      string      `json:"address"`
	Address2     string      `json:"address2"`
	Memo         string      `json:"memo"`
	DeliveryFee  json.Number `json:"delivery_fee"`
}

// renderOrder maps a canonical order onto the seed's order object.
func renderOrder(o *hub.Order, storeName string) *orderJSON {
	cur := o.Currency
	total := o.Fees.Subtotal
	if o.Fees.TaxIncluded {
		total -= o.Fees.Tax
	}
	uid := userID(o.Customer)
	out := &orderJSON{
		ID:             o.ID,
		Number:         o.Number,
		Total:          amount(total, cur),
		Tax:            amount(o.Fees.Tax, cur),
		ServiceCharge:  amount(o.Fees.ServiceCharge, cur),
		GrandTotal:     amount(o.Fees.Total, cur),
		TableNumber:    o.Table,
		Channel:        channelCode(o.Channel),
		Notes:          o.Notes,
		Status:         int(o.Status),
		DeliveryStatus: int(o.Status),
		StatusText:     statusText(o.Status),
		StoreName:      storeName,
		UserID:         uid,
		Created:        o.CreatedAt.Unix(),
		PaymentMethod:  paymentMethodCode(o.PaymentMethod),
		PaymentStatus:  int(o.PaymentStatus),
		User:           userJSON{ID: uid, Name: o.Customer.Name, Phone: o.Customer.Phone},
	}
	if o.Type == hub.OrderDelivery {
		d := hub.Delivery{}
		if o.Delivery != nil {
			d = *o.Delivery
		}
		out.DeliveryInfo = &deliveryJSON{
			ReceiverName: d.ReceiverName, Phone: d.Phone, Mobile: d.Mobile, ZipCode: d.ZipCode,
			Address: d.Address, Address2: d.Address2, Memo: d.Memo, DeliveryFee: amount(o.Fees.DeliveryFee, cur),
		}
	}
	return out
}

// amount writes minor units as a JSON number in major units, exactly, in
// the seed's style: at least one decimal and no trailing zeros beyond it.
func amount(minor int64, currency string) json.Number {
	s := hub.FormatAmount(minor, currency)
	if !strings.Contains(s, ".") {
		return json.Number(s + ".0")
	}
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return json.Number(s)
}

// statusWord is what the seed says of a status: its statusText, and why a
// call that the status refuses is refused (statusMessage).
type statusWord struct{ text, refusal string }

// statusWords are the seed's statuses' words, indexed by status.
var statusWords = [...]statusWord{
	hub.StatusNew:       {"New", "Order has not been confirmed"},
	hub.StatusConfirmed: {"Confirmed", "Order has been confirmed"},
	hub.StatusPreparing: {"Preparing", "Order is being prepared"},
	hub.StatusReady:     {"Ready", "Order is ready"},
	hub.StatusCompleted: {"Complete", "Order already completed"},
	hub.StatusCancelled: {"Cancelled", "Order already canceled"},
}

// wordsOf is the status's entry of statusWords (empty texts for a code
// the seed does not have).
func wordsOf(s hub.Status) statusWord {
	if s < 0 || int(s) >= len(statusWords) {
		return statusWord{}
	}
	return statusWords[s]
}

// statusText is the seed's text for a status code.
func statusText(s hub.Status) string { return wordsOf(s).text }

// Channel codes of the seed's list "Mobile App, POS, Kiosk, Web".
const (
	channelUnknown   = 0
	channelMobileApp = 1
	channelPOS       = 2
	channelKiosk     = 3 // reserved: no hub channel is a kiosk yet
	channelWeb       = 4
)

func channelCode(c hub.Channel) int {
	switch c {
	case hub.ChannelKakao, hub.ChannelZeek:
		return channelMobileApp
	case hub.ChannelOmni, hub.ChannelHub:
		return channelPOS
	case hub.ChannelTableOrder, hub.ChannelJunglebook:
		return channelWeb
	}
	return channelUnknown
}

// Payment method codes.
const (
	paymentNone   = 0
	paymentCash   = 1
	paymentCard   = 2
	paymentWallet = 3
	paymentBank   = 4
	paymentOther  = 5
)

var paymentMethods = map[string]int{
	"cash": paymentCash, "cod": paymentCash, "cashondelivery": paymentCash,
	"card": paymentCard, "creditcard": paymentCard, "debitcard": paymentCard, "visa": paymentCard, "mastercard": paymentCard,
	"ewallet": paymentWallet, "wallet": paymentWallet, "qris": paymentWallet, "gopay": paymentWallet, "ovo": paymentWallet,
	"dana": paymentWallet, "shopeepay": paymentWallet, "linkaja": paymentWallet, "paypal": paymentWallet,
	"kakaopay": paymentWallet, "momo": paymentWallet, "zalopay": paymentWallet, "applepay": paymentWallet,
	"googlepay": paymentWallet, "online": paymentWallet,
	"banktransfer": paymentBank, "transfer": paymentBank, "bank": paymentBank, "virtualaccount": paymentBank, "va": paymentBank,
}

func paymentMethodCode(name string) int {
	n := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
	if n == "" {
		return paymentNone
	}
	if c, ok := paymentMethods[n]; ok {
		return c
	}
	return paymentOther
}

// userID is the customer's id when it is a positive integer.
func userID(c hub.Customer) int64 {
	for _, s := range []string{c.ID, c.RefID} {
		if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && v > 0 {
			return v
		}
	}
	return 0
}
