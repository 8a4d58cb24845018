package omni

import (
	"encoding/json"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/testutil"
)

func TestAmount(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{3636400, "IDR", "36364.0"},
		{363640, "IDR", "3636.4"},
		{0, "IDR", "0.0"},
		{1, "IDR", "0.01"},
		{4540, "USD", "45.4"},
		{4545, "USD", "45.45"},
		{7600, "KRW", "7600.0"},
		{0, "KRW", "0.0"},
		{1005, "KWD", "1.005"},
		{1500, "KWD", "1.5"},
		{-250, "USD", "-2.5"},
		{hub.MaxAmount, "IDR", "1000000000000.0"},
		{9007199254740993, "USD", "90071992547409.93"}, // beyond float64's exact integers
	} {
		got := amount(tc.minor, tc.currency)
		if string(got) != tc.want {
			t.Errorf("amount(%d, %s) = %s, want %s", tc.minor, tc.currency, got, tc.want)
		}
		// Exact: the written number parses back to the same minor units.
		back, err := hub.ParseAmount(string(got), tc.currency)
		if err != nil || back != tc.minor {
			t.Errorf("amount(%d, %s) = %s parses back to %d (%v)", tc.minor, tc.currency, got, back, err)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("amount(%d, %s) = %s is not a JSON number", tc.minor, tc.currency, got)
		}
	}
}

func TestRenderTaxIncluded(t *testing.T) {
	// A brand whose prices include 10% tax: 40000 IDR holds 3636.36 tax, so
	// the total before tax is 36363.64 and the parts add up to grandTotal.
	o := &hub.Order{ID: 7, Number: "ABCDEFGH", Currency: "IDR", Channel: hub.ChannelHub, Status: hub.StatusReady,
		PaymentStatus: hub.PaymentPaid, PaymentMethod: "cash", CreatedAt: time.Unix(100, 0),
		Fees: hub.Fees{Subtotal: 4000000, Tax: 363636, TaxIncluded: true, ServiceCharge: 200000, Total: 4200000}}
	b, err := json.Marshal(renderOrder(o, "Burger God"))
	must(t, err)
	testutil.SameJSON(t, "tax included", []byte(`{"id": 7, "number": "ABCDEFGH", "total": 36363.64, "tax": 3636.36,
		"serviceCharge": 2000.0, "grandTotal": 42000.0, "tableNumber": "", "channel": 2, "notes": "", "status": 16,
		"deliveryStatus": 16, "statusText": "Ready", "storeName": "Burger God", "userID": 0, "created": 100,
		"paymentMethod": 1, "paymentStatus": 2, "user": {"id": 0, "name": "", "phone": ""}, "delivery_info": null}`), b)

	// A delivery order without delivery details still gets an object.
	o.Type = hub.OrderDelivery
	o.Fees.DeliveryFee = 1000000
	b, err = json.Marshal(renderOrder(o, "Burger God"))
	must(t, err)
	var m map[string]json.RawMessage
	must(t, json.Unmarshal(b, &m))
	testutil.SameJSON(t, "empty delivery", []byte(`{"receiver_name": "", "phone": "", "mobile": "", "zip_code": "", "address": "",
		"address2": "", "memo": "", "delivery_fee": 10000.0}`), m["delivery_info"])
}

func TestMappings(t *testing.T) {
	for s, want := range map[hub.Status]string{1: "New", 10: "Confirmed", 13: "Preparing", 16: "Ready", 20: "Complete", 30: "Cancelled"} {
		if got := statusText(s); got != want {
			t.Errorf("statusText(%d) = %q, want %q", s, got, want)
		}
	}
	for c, want := range map[hub.Channel]int{hub.ChannelKakao: 1, hub.ChannelZeek: 1, hub.ChannelOmni: 2, hub.ChannelHub: 2,
		hub.ChannelTableOrder: 4, hub.ChannelJunglebook: 4, "fax": 0} {
		if got := channelCode(c); got != want {
			t.Errorf("channelCode(%s) = %d, want %d", c, got, want)
		}
	}
	for _, c := range []hub.Channel{hub.ChannelHub, hub.ChannelKakao, hub.ChannelOmni, hub.ChannelJunglebook, hub.ChannelZeek, hub.ChannelTableOrder} {
		if channelCode(c) == 0 {
			t.Errorf("channel %s has no code", c)
		}
	}
	for name, want := range map[string]int{"": 0, " ": 0, "cash": 1, "CASH": 1, "Cash on delivery": 1, "COD": 1, "card": 2,
		"credit_card": 2, "debit-card": 2, "QRIS": 3, "GoPay": 3, "e-wallet": 3, "paypal": 3, "bank transfer": 4,
		"virtual_account": 4, "voucher": 5} {
		if got := paymentMethodCode(name); got != want {
			t.Errorf("paymentMethodCode(%q) = %d, want %d", name, got, want)
		}
	}
	for c, want := range map[hub.Customer]int64{{ID: "1"}: 1, {ID: " 42 "}: 42, {ID: "abc", RefID: "7"}: 7, {ID: "0"}: 0,
		{ID: "-3"}: 0, {ID: "kakao-1"}: 0, {}: 0, {ID: "99999999999999999999"}: 0} {
		if got := userID(c); got != want {
			t.Errorf("userID(%+v) = %d, want %d", c, got, want)
		}
	}
}
