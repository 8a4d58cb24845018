package zeek

import (
	"encoding/json"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestCallbackSchedule: the order_create callback's schedule says when an
// order is for (DESIGN.md §9): type 1 with delivery_time null for an order
// for now, type 2 with the scheduled time in the client's zone (region
// SGN, +07:00) for an order for later — taken at once, so the callback
// goes at once too.
func TestCallbackSchedule(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		f.create(f.a, f.productBody("cola", nil))
		p := *f.a.partner
		p.Settings.CallbackURL = "http://127.0.0.1:9/cb"
		later := f.Clock.Now().Add(26 * time.Hour) // 2026-03-23 05:00 UTC
		for _, c := range []struct {
			name string
			at   *time.Time
			want string
		}{
			{"for now", nil, `{"type":1,"delivery_time":null}`},
			{"for later", &later, `{"type":2,"delivery_time":"2026-03-23T12:00:00+07:00"}`},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelHub,
					ScheduledFor: c.at, Lines: []service.LineInput{{ProductRef: "cola", Quantity: 1}}})
				must(t, err)
				out, err := OrderCreateCallback(f.Ctx, f.Store, orderEvent(t, f.Store, res.Order.ID, hub.EventOrderCreated), &p)
				must(t, err)
				if out == nil {
					t.Fatal("no callback")
				}
				var body struct {
					Payload struct {
						OrderID  string          `json:"order_id"`
						Schedule json.RawMessage `json:"schedule"`
					} `json:"payload"`
				}
				must(t, json.Unmarshal(out.Body, &body))
				if body.Payload.OrderID != res.Order.Number || string(body.Payload.Schedule) != c.want {
					t.Fatalf("callback %s schedule %s, want %s", body.Payload.OrderID, body.Payload.Schedule, c.want)
				}
			})
		}
	})
}
