package hub

import (
	"strings"
	"testing"
)

func TestOrderCheckTexts(t *testing.T) {
	long := func(n int) string { return strings.Repeat("가", n) }
	cases := []struct {
		name  string
		order Order
		field string
	}{
		{"all fine", Order{Notes: long(MaxNoteLength), Table: "A1", Customer: Customer{Name: long(MaxShortText)}}, ""},
		{"notes", Order{Notes: long(MaxNoteLength + 1)}, "notes"},
		{"table", Order{Table: long(MaxShortText + 1)}, "table"},
		{"customer name", Order{Customer: Customer{Name: long(MaxShortText + 1)}}, "customer.name"},
		{"bad utf-8", Order{Customer: Customer{Phone: "\xff"}}, "customer.phone"},
		{"delivery address", Order{Delivery: &Delivery{Address: long(MaxAddressLength + 1)}}, "delivery.address"},
		{"line instructions", Order{Lines: []OrderLine{{}, {SpecialInstructions: long(MaxNoteLength + 1)}}}, "lines[1].special_instructions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.order.CheckTexts()
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if e := AsError(err); e == nil || e.Code != CodeInvalid || e.Field != c.field {
				t.Fatalf("got %v, want invalid %s", err, c.field)
			}
		})
	}
}
