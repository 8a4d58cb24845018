package service_test

import (
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// TestOneValidationPath: placing an order and listing its problems run the
// same rules (DESIGN.md §10): for every input, the first problem
// OrderProblems lists is the error PlaceOrder answers (both nil for a good
// order). Before, OrderProblems missed the currency, the order type and
// the free texts.
func TestOneValidationPath(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		for _, c := range []struct {
			name  string
			edit  func(in *service.PlaceOrderInput)
			field string // of the first problem; "" for none
		}{
			{"a good order", func(in *service.PlaceOrderInput) {}, ""},
			{"another currency", func(in *service.PlaceOrderInput) { in.Currency = "USD" }, "currency"},
			{"an unknown order type", func(in *service.PlaceOrderInput) { in.Type = "teleport" }, "type"},
			{"notes too long", func(in *service.PlaceOrderInput) { in.Notes = strings.Repeat("x", hub.MaxNoteLength+1) }, "notes"},
			{"notes not UTF-8", func(in *service.PlaceOrderInput) { in.Notes = "\xff" }, "notes"},
			{"an unknown product", func(in *service.PlaceOrderInput) { in.Lines[0].ProductRef = "NOPE" }, "lines[0].product"},
			{"a quantity of 0", func(in *service.PlaceOrderInput) { in.Lines[0].Quantity = 0 }, "lines[0].quantity"},
			{"a wrong price", func(in *service.PlaceOrderInput) { p := int64(1); in.Lines[0].ClientUnitPrice = &p }, "lines[0].price"},
			{"sold out", func(in *service.PlaceOrderInput) { in.Lines[0].ProductRef = "SOLDOUT" }, "lines[0]"},
			{"a delivery fee out of range", func(in *service.PlaceOrderInput) { in.DeliveryFee = hub.MaxAmount + 1 }, "delivery_fee"},
			{"no lines", func(in *service.PlaceOrderInput) { in.Lines = nil }, "lines"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := f.coffeeOrder(1)
				c.edit(&in)
				probs, err := f.svc.OrderProblems(f.ctx, in)
				if err != nil {
					t.Fatalf("OrderProblems: %v", err)
				}
				dry := in
				dry.DryRun = true
				_, placeErr := f.svc.PlaceOrder(f.ctx, dry)
				switch {
				case c.field == "":
					if len(probs) != 0 || placeErr != nil {
						t.Fatalf("problems %v, PlaceOrder %v; want none", probs, placeErr)
					}
				case len(probs) == 0 || placeErr == nil:
					t.Fatalf("problems %v, PlaceOrder %v; want %s refused by both", probs, placeErr, c.field)
				default:
					first, got := probs[0], hub.AsError(placeErr)
					if first.Code != got.Code || first.Reason != got.Reason || first.Field != got.Field || !strings.HasPrefix(first.Field, c.field) {
						t.Fatalf("first problem %v (%s), PlaceOrder %v (%s); want the same, at %s", first, first.Field, got, got.Field, c.field)
					}
				}
			})
		}
	})
}
