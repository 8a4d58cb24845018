package ui

import (
	"testing"

	"orderhub/internal/hub"
)

// TestWhereOf: the order type comes first, then the table or code.
func TestWhereOf(t *testing.T) {
	for _, c := range []struct {
		typ         hub.OrderType
		table, code string
		want        string
	}{
		{hub.OrderDelivery, "", "4821", "Delivery · code 4821"},
		{hub.OrderDelivery, "", "", "Delivery"},
		{hub.OrderDineIn, "7", "", "Dine-in · table 7"},
		{hub.OrderDineIn, "7", "4821", "Dine-in · table 7 · code 4821"},
		{hub.OrderDineIn, "", "4821", "Dine-in · code 4821"},
		{hub.OrderDineIn, "", "", "Dine-in"},
		{hub.OrderPickUp, "", "A7", "Pickup A7"},
		{hub.OrderPickUp, "", "", "Pickup"},
		{"", "", "A7", "code A7"},
	} {
		o := &hub.Order{Type: c.typ, Table: c.table, PickupCode: c.code}
		if got := whereOf(o); got != c.want {
			t.Errorf("whereOf(%s, table %q, code %q) = %q, want %q", c.typ, c.table, c.code, got, c.want)
		}
	}
}

// TestCancelReason: the system's code reads as words; the store's text
// stays as typed.
func TestCancelReason(t *testing.T) {
	for in, want := range map[string]string{"not_accepted": "not accepted in time", "oven broke": "oven broke", "": ""} {
		if got := cancelReason(in); got != want {
			t.Errorf("cancelReason(%q) = %q, want %q", in, got, want)
		}
	}
}
