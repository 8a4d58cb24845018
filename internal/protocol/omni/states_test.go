package omni

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// tableCustomer is the customer of the orders the state table places.
var tableCustomer = hub.Customer{ID: "42", Name: "Ani", Phone: "+6281234567890"}

// wantOrder is the order object expected for an order the state table
// placed (one God Burger at 36364.00 IDR plus 10% tax, through the QR
// channel), in a status and payment status. It is written out from the
// fixture's data, not from the code under test.
func wantOrder(o *hub.Order, s hub.Status, p hub.PaymentStatus) string {
	text := map[hub.Status]string{1: "New", 10: "Confirmed", 13: "Preparing", 16: "Ready", 20: "Complete", 30: "Cancelled"}[s]
	return fmt.Sprintf(`{
		"id": %d, "number": %q, "total": 36364.0, "tax": 3636.4, "serviceCharge": 0.0, "grandTotal": 40000.4,
		"tableNumber": "B2", "channel": 4, "notes": "extra sambal", "status": %d, "deliveryStatus": %d,
		"statusText": %q, "storeName": "Burger God", "userID": 42, "created": %d, "paymentMethod": 3,
		"paymentStatus": %d, "user": {"id": 42, "name": "Ani", "phone": "+6281234567890"}, "delivery_info": null}`,
		o.ID, o.Number, s, s, text, o.CreatedAt.Unix(), p)
}

// TestStateTable runs every call on an order in every status, paid and
// unpaid, and checks the answer (status code and exact body) and what the
// database holds afterwards: status, payment, history rows and the outbox.
func TestStateTable(t *testing.T) {
	states := []hub.Status{hub.StatusNew, hub.StatusConfirmed, hub.StatusPreparing, hub.StatusReady, hub.StatusCompleted, hub.StatusCancelled}
	type outcome struct {
		code   int
		errKey string // error_code when refused
		msg    string
		status hub.Status
		pay    hub.PaymentStatus
		events []string
	}
	// expected applies the seed's section C and DESIGN.md §3.
	expected := func(call string, s hub.Status, paid bool) outcome {
		pay := hub.PaymentUnpaid
		if paid {
			pay = hub.PaymentPaid
		}
		refuse := func(code, msg string) outcome {
			return outcome{code: 400, errKey: code, msg: msg, status: s, pay: pay}
		}
		switch {
		case s == hub.StatusCancelled:
			return refuse("order_already_canceled", "Order already canceled")
		case s == hub.StatusCompleted && call != "paid":
			return refuse("order_already_completed", "Order already completed")
		}
		switch call {
		case "confirm":
			switch s {
			case hub.StatusNew:
				return outcome{code: 200, status: hub.StatusConfirmed, pay: pay, events: []string{"order.confirmed"}}
			case hub.StatusConfirmed:
				return refuse("invalid_status", "Order has been confirmed")
			case hub.StatusPreparing:
				return refuse("invalid_status", "Order is being prepared")
			case hub.StatusReady:
				return refuse("invalid_status", "Order is ready")
			}
		case "paid":
			if paid {
				return refuse("already_paid", "Order already paid")
			}
			return outcome{code: 200, status: s, pay: hub.PaymentPaid, events: []string{"order.paid"}}
		case "complete":
			ev := []string{"order.completed"}
			if !paid {
				ev = append(ev, "order.paid")
			}
			return outcome{code: 200, status: hub.StatusCompleted, pay: hub.PaymentPaid, events: ev}
		case "cancel":
			return outcome{code: 200, status: hub.StatusCancelled, pay: pay, events: []string{"order.cancelled"}}
		}
		panic("unreachable")
	}

	forEachDB(t, func(t *testing.T, open func(*testing.T) store.Store) {
		f := newFixture(t, open(t), Config{}, false)
		for _, s := range states {
			for _, paid := range []bool{false, true} {
				for _, call := range callNames {
					name := fmt.Sprintf("%s/%s/paid=%v", call, s, paid)
					t.Run(name, func(t *testing.T) {
						f.T = t
						o := f.place(service.PlaceOrderInput{Type: hub.OrderDineIn, Table: "B2", Customer: tableCustomer,
							Notes: "extra sambal", PaymentMethod: "QRIS"})
						f.driveTo(o, s, paid)
						historyBefore := f.history(o.ID)
						lastEvent := f.lastEventID()
						key := "order"
						if call == "confirm" {
							key = "number"
						}
						r := f.post(call, fmt.Sprintf(`{%q: %q}`, key, o.Number))
						want := expected(call, s, paid)
						body := errBody(key, want.errKey, want.msg)
						if want.code == 200 {
							body = wantOrder(o, want.status, want.pay)
						}
						expect(t, name, r, want.code, body)

						got, err := f.Store.GetOrder(f.Ctx, o.ID)
						must(t, err)
						if got.Status != want.status || got.PaymentStatus != want.pay {
							t.Errorf("stored %v/%v, want %v/%v", got.Status, got.PaymentStatus, want.status, want.pay)
						}
						wantHistory := historyBefore
						if want.code == 200 {
							wantHistory++
						}
						if n := f.history(o.ID); n != wantHistory {
							t.Errorf("history rows %d, want %d", n, wantHistory)
						}
						if ev := f.eventsSince(lastEvent, o.ID); !reflect.DeepEqual(ev, want.events) {
							t.Errorf("outbox events %v, want %v", ev, want.events)
						}
					})
				}
			}
		}
		f.T = t
	})
}

// TestEventsCarryOrder checks that the outbox event of an Omni transition
// describes the order as it now is.
func TestEventsCarryOrder(t *testing.T) {
	f := newFixture(t, nil, Config{}, false)
	last := f.lastEventID()
	expect(t, "complete", f.post("complete", `{"order": "FR9TL74P"}`), http.StatusOK, "")
	evs, err := f.Store.ListEventsByID(f.Ctx, last, 100)
	must(t, err)
	if len(evs) != 2 || evs[0].Type != hub.EventOrderCompleted || evs[1].Type != hub.EventOrderPaid {
		t.Fatalf("events %+v", evs)
	}
	for _, e := range evs {
		var p struct {
			Type string `json:"type"`
			Data struct {
				Order hub.Order `json:"order"`
			} `json:"data"`
		}
		must(t, json.Unmarshal(e.Payload, &p))
		if p.Data.Order.Number != seedNumber || p.Data.Order.Status != hub.StatusCompleted || p.Data.Order.PaymentStatus != hub.PaymentPaid ||
			e.OrderID != f.order.ID || e.BrandID != f.brand.ID || e.LocationID != f.loc.ID {
			t.Errorf("event %s: %+v / payload %s", e.Type, e, e.Payload)
		}
	}
	hist, err := f.Store.OrderHistory(f.Ctx, f.order.ID)
	must(t, err)
	lastRow := hist[len(hist)-1]
	if lastRow.Action != "complete" || lastRow.FromStatus != hub.StatusNew || lastRow.ToStatus != hub.StatusCompleted ||
		lastRow.Actor != fmt.Sprintf("partner:%d", f.partner.ID) {
		t.Errorf("history row %+v", lastRow)
	}
}

// TestConcurrentCalls: simultaneous calls on one order apply one after the
// other; the losers see the winner's status.
func TestConcurrentCalls(t *testing.T) {
	forEachDB(t, func(t *testing.T, open func(*testing.T) store.Store) {
		f := newFixture(t, open(t), Config{}, false)
		const n = 8
		type result struct {
			call string
			r    response
		}
		results := make(chan result, 2*n)
		last := f.lastEventID()
		var wg sync.WaitGroup
		for i := 0; i < 2*n; i++ {
			call := "confirm"
			if i%2 == 1 {
				call = "cancel"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodPost, f.Srv.URL+"/api/store/orders/"+call, strings.NewReader(`{"number": "FR9TL74P"}`))
				req.Header.Set("Authorization", "token "+f.key)
				res, err := f.Srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				results <- result{call, response{Status: res.StatusCode, Header: res.Header, Body: b}}
			}()
		}
		wg.Wait()
		close(results)
		wins := map[string]int{}
		for res := range results {
			if res.r.Status == 200 {
				wins[res.call]++
				continue
			}
			var body struct {
				Code string `json:"error_code"`
			}
			if res.r.Status != 400 || json.Unmarshal(res.r.Body, &body) != nil ||
				(body.Code != "invalid_status" && body.Code != "order_already_canceled") {
				t.Errorf("%s: %d %s", res.call, res.r.Status, res.r.Body)
			}
		}
		// At most one confirm (before the cancel) and exactly one cancel.
		if wins["cancel"] != 1 || wins["confirm"] > 1 {
			t.Errorf("wins %v", wins)
		}
		got, err := f.Store.GetOrder(f.Ctx, f.order.ID)
		must(t, err)
		if got.Status != hub.StatusCancelled {
			t.Errorf("status %v", got.Status)
		}
		if h := f.history(f.order.ID); h != 1+wins["confirm"]+wins["cancel"] {
			t.Errorf("history rows %d, wins %v", h, wins)
		}
		if ev := f.eventsSince(last, f.order.ID); len(ev) != wins["confirm"]+wins["cancel"] || ev[len(ev)-1] != "order.cancelled" {
			t.Errorf("events %v", ev)
		}
	})
}
