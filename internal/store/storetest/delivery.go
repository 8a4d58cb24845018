package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The delivery engine's storage (store.DeliveryReader, store.DeliveryWriter):
// webhook endpoints, the fan-out claim of events, deliveries with their
// leases, attempts, the dead letter and replay. internal/delivery relies on
// exactly these rules (engine.go, dispatch.go, attempt.go, manage.go).

// ---- helpers ----

// base is a fixed, microsecond-exact instant the delivery tests schedule
// against (the store keeps microseconds).
func base() time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC) }

func webhookTarget(id int64) store.Target { return store.Target{Kind: store.TargetWebhook, ID: id} }
func partnerTarget(id int64) store.Target { return store.Target{Kind: store.TargetPartner, ID: id} }

var eventSeq atomic.Int64

// newDelivery is a delivery as the dispatcher renders it, for an event id
// of its own (deliveries do not reference events by key).
func newDelivery(brandID int64, tg store.Target, orderID int64, next time.Time) *store.Delivery {
	ev := 1_000_000 + eventSeq.Add(1)
	return &store.Delivery{EventID: ev, EventType: hub.EventOrderCreated, BrandID: brandID, Target: tg, OrderID: orderID,
		URL: fmt.Sprintf("https://example.com/hook/%d", tg.ID), Method: "POST", ContentType: "application/json",
		Body: []byte(fmt.Sprintf(`{"id":%d}`, ev)), Signing: "standard-webhooks", Acceptance: "2xx", NextAttemptAt: next}
}

// createDeliveries stores ds in one unit.
func createDeliveries(t *testing.T, s store.Store, ds ...*store.Delivery) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, d := range ds {
			if err := tx.CreateDelivery(ctxOf(t), d); err != nil {
				return err
			}
		}
		return nil
	})
}

// claimAll claims as a node does: ClaimDeliveries for each target that
// PendingTargets lists as due, earliest first, up to c.Limit in all (only
// c.Target when it is set), ordered by due time and id.
func claimAll(ctx context.Context, tx store.Tx, c store.DeliveryClaim) ([]store.Delivery, error) {
	if c.Target.Kind != "" {
		return tx.ClaimDeliveries(ctx, c)
	}
	due, err := tx.PendingTargets(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(due, func(i, j int) bool { return due[i].NextAttemptAt.Before(due[j].NextAttemptAt) })
	var out []store.Delivery
	for _, td := range due {
		if len(out) >= c.Limit {
			break
		}
		if td.NextAttemptAt.After(c.Now) {
			continue
		}
		one := c
		one.Target, one.Limit = td.Target, c.Limit-len(out)
		got, err := tx.ClaimDeliveries(ctx, one)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// claim runs ClaimDeliveries in a unit of its own.
func claim(t *testing.T, s store.Store, c store.DeliveryClaim) []store.Delivery {
	t.Helper()
	var got []store.Delivery
	update(t, s, func(tx store.Tx) error {
		var err error
		got, err = claimAll(ctxOf(t), tx, c)
		return err
	})
	return got
}

func deliveryIDs(ds []store.Delivery) []int64 {
	return idsOf(ds, func(d store.Delivery) int64 { return d.ID })
}

func ids(ds ...*store.Delivery) []int64 {
	return idsOf(ds, func(d *store.Delivery) int64 { return d.ID })
}

func getDelivery(t *testing.T, s store.Store, id int64) *store.Delivery {
	t.Helper()
	d, err := s.GetDelivery(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetDelivery(%d): %v", id, err)
	}
	return d
}

// complete records d's outcome as owner (no attempt row) and fails the test
// unless the store wrote it.
func complete(t *testing.T, s store.Store, owner string, d *store.Delivery) {
	t.Helper()
	var ok bool
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.CompleteAttempt(ctxOf(t), owner, d, nil)
		return err
	})
	if !ok {
		t.Fatalf("CompleteAttempt(%s, delivery %d) wrote nothing", owner, d.ID)
	}
}

// deliver marks a claimed delivery delivered at at.
func deliver(t *testing.T, s store.Store, owner string, d store.Delivery, at time.Time) {
	t.Helper()
	d.Status, d.Attempts, d.DeliveredAt, d.LastStatus, d.LastError = store.DeliveryDelivered, d.Attempts+1, &at, 200, ""
	complete(t, s, owner, &d)
}

// deliverAndKill claims what is due at at as n1, delivers the claimed deliveries
// of delivered and kills those of dead; the rest stay claimed.
func deliverAndKill(t *testing.T, s store.Store, at time.Time, delivered, dead []*store.Delivery) {
	t.Helper()
	for _, c := range claim(t, s, store.DeliveryClaim{Owner: "n1", Now: at, Until: at.Add(time.Minute), Limit: 100}) {
		switch {
		case slices.ContainsFunc(delivered, func(d *store.Delivery) bool { return d.ID == c.ID }):
			deliver(t, s, "n1", c, at)
		case slices.ContainsFunc(dead, func(d *store.Delivery) bool { return d.ID == c.ID }):
			kill(t, s, "n1", c)
		}
	}
}

// kill marks a claimed delivery dead.
func kill(t *testing.T, s store.Store, owner string, d store.Delivery) {
	t.Helper()
	d.Status, d.Attempts, d.LastStatus, d.LastError = store.DeliveryDead, d.Attempts+1, 400, "HTTP 400"
	complete(t, s, owner, &d)
}

func wantStatus(t *testing.T, s store.Store, want store.DeliveryStatus, ds ...*store.Delivery) {
	t.Helper()
	for _, d := range ds {
		if got := getDelivery(t, s, d.ID); got.Status != want {
			t.Errorf("delivery %d is %s (last error %q), want %s", d.ID, got.Status, got.LastError, want)
		}
	}
}

func endpoint(t *testing.T, s store.Store, brandID int64, types ...hub.EventType) *store.WebhookEndpoint {
	t.Helper()
	ep := &store.WebhookEndpoint{BrandID: brandID, URL: "https://example.com/hooks", EventTypes: types,
		Secret: "whsec_" + strings.Repeat("A", 43)}
	update(t, s, func(tx store.Tx) error { return tx.CreateWebhookEndpoint(ctxOf(t), ep) })
	return ep
}

func getEndpoint(t *testing.T, s store.Store, id int64) *store.WebhookEndpoint {
	t.Helper()
	ep, err := s.GetWebhookEndpoint(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetWebhookEndpoint(%d): %v", id, err)
	}
	return ep
}

func endpointIDs(eps []store.WebhookEndpoint) []int64 {
	return idsOf(eps, func(e store.WebhookEndpoint) int64 { return e.ID })
}

func addEvents(t *testing.T, s store.Store, evs ...*store.Event) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, e := range evs {
			if e.Payload == nil {
				e.Payload = []byte(`{"version":1}`)
			}
			if err := tx.AddEvent(ctxOf(t), e); err != nil {
				return err
			}
		}
		return nil
	})
}

func eventIDs(evs []store.Event) []int64 {
	return idsOf(evs, func(e store.Event) int64 { return e.ID })
}

func evIDs(evs ...*store.Event) []int64 {
	return idsOf(evs, func(e *store.Event) int64 { return e.ID })
}

// claimEvents claims up to limit events in a unit of its own, marks them
// dispatched at at when markAll is set, and then ends the unit with fail.
func claimEvents(t *testing.T, s store.Store, limit int, at time.Time, markAll bool, fail error) []store.Event {
	t.Helper()
	var got []store.Event
	err := s.Update(ctxOf(t), func(tx store.Tx) error {
		var err error
		if got, err = tx.ClaimUndispatchedEvents(ctxOf(t), limit); err != nil {
			return err
		}
		if markAll {
			for _, e := range got {
				if err := tx.MarkEventsDispatched(ctxOf(t), []int64{e.ID}, at); err != nil {
					return err
				}
			}
		}
		return fail
	})
	if err != fail {
		t.Fatalf("claiming events: %v", err)
	}
	return got
}

// ---- webhook endpoints ----

func testWebhookEndpoints(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	if eps, err := s.ListWebhookEndpoints(ctx, 0); err != nil || len(eps) != 0 {
		t.Fatalf("ListWebhookEndpoints on an empty store = %v, %v", eps, err)
	}
	before := time.Now().UTC().Truncate(time.Microsecond)
	ep := &store.WebhookEndpoint{BrandID: f.b1.ID, URL: "https://example.com/a?x=1",
		EventTypes: []hub.EventType{hub.EventOrderCreated, hub.EventOrderPaid}, Secret: "whsec_one"}
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebhookEndpoint(ctx, ep); err != nil {
			return err
		}
		// The unit sees its own endpoint.
		if got, err := tx.GetWebhookEndpoint(ctx, ep.ID); err != nil || got.URL != ep.URL {
			return fmt.Errorf("own endpoint not visible: %v, %v", got, err)
		}
		return nil
	})
	after := time.Now().UTC().Add(time.Microsecond)
	if ep.ID <= 0 || !ep.CreatedAt.Equal(ep.UpdatedAt) || ep.CreatedAt.Before(before) || ep.CreatedAt.After(after) {
		t.Fatalf("CreateWebhookEndpoint set id %d, created %v, updated %v (between %v and %v)", ep.ID, ep.CreatedAt, ep.UpdatedAt, before, after)
	}
	if got := getEndpoint(t, s, ep.ID); !reflect.DeepEqual(got, ep) {
		t.Fatalf("GetWebhookEndpoint =\n%+v\nwant\n%+v", got, ep)
	}
	// No event types is an empty list, not null; a disabled endpoint can
	// be created as such.
	ep2 := &store.WebhookEndpoint{BrandID: f.b1.ID, URL: "https://example.com/b", Secret: "whsec_two"}
	disabledAt := base()
	ep3 := &store.WebhookEndpoint{BrandID: f.b2.ID, URL: "https://example.org/c", EventTypes: []hub.EventType{hub.EventStockChanged},
		Secret: "whsec_three", Disabled: true, DisabledReason: "created disabled", DisabledAt: &disabledAt}
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebhookEndpoint(ctx, ep2); err != nil {
			return err
		}
		return tx.CreateWebhookEndpoint(ctx, ep3)
	})
	if got := getEndpoint(t, s, ep2.ID); got.EventTypes == nil || len(got.EventTypes) != 0 || !reflect.DeepEqual(got, ep2) {
		t.Fatalf("endpoint without event types = %+v, want %+v", got, ep2)
	}
	if got := getEndpoint(t, s, ep3.ID); !reflect.DeepEqual(got, ep3) {
		t.Fatalf("disabled endpoint =\n%+v\nwant\n%+v", got, ep3)
	}
	for _, c := range []struct {
		brand int64
		want  []int64
	}{{f.b1.ID, []int64{ep.ID, ep2.ID}}, {f.b2.ID, []int64{ep3.ID}}, {0, []int64{ep.ID, ep2.ID, ep3.ID}}, {f.b2.ID + 100, []int64{}}} {
		eps, err := s.ListWebhookEndpoints(ctx, c.brand)
		if err != nil || !slices.Equal(endpointIDs(eps), c.want) {
			t.Fatalf("ListWebhookEndpoints(%d) = %v, %v; want %v", c.brand, endpointIDs(eps), err, c.want)
		}
		for _, e := range eps {
			if c.brand != 0 && e.BrandID != c.brand {
				t.Fatalf("ListWebhookEndpoints(%d) listed endpoint %d of brand %d", c.brand, e.ID, e.BrandID)
			}
		}
	}
	_, err := s.GetWebhookEndpoint(ctx, ep3.ID+100)
	wantCode(t, err, hub.CodeNotFound)

	// Update writes the URL, the event types and the secrets (a rotation),
	// and nothing else.
	exp := base().Add(24 * time.Hour)
	ch := *ep
	ch.URL, ch.EventTypes = "https://example.com/v2", []hub.EventType{hub.EventStockChanged}
	ch.PreviousSecret, ch.PreviousSecretExpiresAt, ch.Secret = ch.Secret, &exp, "whsec_rotated"
	ch.BrandID, ch.Disabled, ch.DisabledReason, ch.FailingSince, ch.LastSuccessAt = f.b2.ID, true, "ignored", &exp, &exp
	update(t, s, func(tx store.Tx) error { return tx.UpdateWebhookEndpoint(ctx, &ch) })
	if ch.UpdatedAt.Before(ep.UpdatedAt) {
		t.Fatalf("UpdateWebhookEndpoint set updated_at %v, before %v", ch.UpdatedAt, ep.UpdatedAt)
	}
	want := *ep
	want.URL, want.EventTypes, want.Secret, want.PreviousSecret, want.PreviousSecretExpiresAt, want.UpdatedAt =
		ch.URL, ch.EventTypes, "whsec_rotated", "whsec_one", &exp, ch.UpdatedAt
	got := getEndpoint(t, s, ep.ID)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("after UpdateWebhookEndpoint =\n%+v\nwant\n%+v", got, &want)
	}
	if !got.Wants(hub.EventStockChanged) || got.Wants(hub.EventOrderCreated) {
		t.Fatalf("Wants after the update: %v", got.EventTypes)
	}
	// The rotation ends: the previous secret is cleared.
	got.PreviousSecret, got.PreviousSecretExpiresAt = "", nil
	update(t, s, func(tx store.Tx) error { return tx.UpdateWebhookEndpoint(ctx, got) })
	if g := getEndpoint(t, s, ep.ID); g.PreviousSecret != "" || g.PreviousSecretExpiresAt != nil || g.Secret != "whsec_rotated" {
		t.Fatalf("after clearing the previous secret: %+v", g)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateWebhookEndpoint(ctx, &store.WebhookEndpoint{ID: ep3.ID + 100, URL: "https://x.example", Secret: "s"})
	})
	wantCode(t, err, hub.CodeNotFound)

	// Results: a failure starts failing_since once; a success clears it.
	t1, t2, t3, t4 := base().Add(time.Minute), base().Add(2*time.Minute), base().Add(3*time.Minute), base().Add(4*time.Minute)
	result := func(success bool, at time.Time) *store.WebhookEndpoint {
		t.Helper()
		var r *store.WebhookEndpoint
		update(t, s, func(tx store.Tx) error {
			var err error
			r, err = tx.RecordWebhookEndpointResult(ctx, ep.ID, success, at)
			return err
		})
		g := getEndpoint(t, s, ep.ID)
		if success {
			if r != nil {
				t.Fatalf("a success returned %+v, want nil", r)
			}
			return g
		}
		if !reflect.DeepEqual(g, r) {
			t.Fatalf("RecordWebhookEndpointResult returned\n%+v\nbut the store has\n%+v", r, g)
		}
		return r
	}
	timeIs := func(got *time.Time, want *time.Time) bool {
		return (got == nil) == (want == nil) && (got == nil || got.Equal(*want))
	}
	for i, c := range []struct {
		success         bool
		at              time.Time
		failing, succAt *time.Time
	}{
		{false, t1, &t1, nil},
		{false, t2, &t1, nil}, // failing since the first failure
		{true, t3, nil, &t3},
		{true, t3.Add(30 * time.Second), nil, &t3}, // a healthy endpoint is written at most once a minute
		{true, t3.Add(61 * time.Second), nil, ptr(t3.Add(61 * time.Second))},
		{false, t4, &t4, ptr(t3.Add(61 * time.Second))},
	} {
		r := result(c.success, c.at)
		if !timeIs(r.FailingSince, c.failing) || !timeIs(r.LastSuccessAt, c.succAt) || r.Disabled {
			t.Fatalf("result %d: failing_since %v, last_success_at %v, disabled %v; want %v, %v, false",
				i, r.FailingSince, r.LastSuccessAt, r.Disabled, c.failing, c.succAt)
		}
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RecordWebhookEndpointResult(ctx, ep3.ID+100, false, t1)
		return err
	})
	wantCode(t, err, hub.CodeNotFound)

	// Disable with a reason; enable clears reason, disabled_at and
	// failing_since, and keeps last_success_at.
	t5, t6 := base().Add(5*time.Minute), base().Add(6*time.Minute)
	update(t, s, func(tx store.Tx) error {
		return tx.SetWebhookEndpointDisabled(ctx, ep.ID, true, "the endpoint answered 410 Gone", t5)
	})
	got = getEndpoint(t, s, ep.ID)
	if !got.Disabled || got.DisabledReason != "the endpoint answered 410 Gone" || !timeIs(got.DisabledAt, &t5) ||
		!got.UpdatedAt.Equal(t5) || !timeIs(got.FailingSince, &t4) || got.URL != "https://example.com/v2" {
		t.Fatalf("after disabling: %+v", got)
	}
	if g := getEndpoint(t, s, ep2.ID); g.Disabled {
		t.Fatal("disabling one endpoint disabled another")
	}
	update(t, s, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctx, ep.ID, false, "", t6) })
	got = getEndpoint(t, s, ep.ID)
	if got.Disabled || got.DisabledReason != "" || got.DisabledAt != nil || got.FailingSince != nil ||
		!timeIs(got.LastSuccessAt, ptr(t3.Add(61*time.Second))) || !got.UpdatedAt.Equal(t6) {
		t.Fatalf("after enabling: %+v", got)
	}
	for _, disable := range []bool{true, false} {
		err = s.Update(ctx, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctx, ep3.ID+100, disable, "x", t6) })
		wantCode(t, err, hub.CodeNotFound)
	}

	// Delete.
	update(t, s, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, ep2.ID, t6) })
	_, err = s.GetWebhookEndpoint(ctx, ep2.ID)
	wantCode(t, err, hub.CodeNotFound)
	if eps, err := s.ListWebhookEndpoints(ctx, f.b1.ID); err != nil || !slices.Equal(endpointIDs(eps), []int64{ep.ID}) {
		t.Fatalf("after delete, ListWebhookEndpoints = %v, %v", endpointIDs(eps), err)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, ep2.ID, t6) })
	wantCode(t, err, hub.CodeNotFound)
	// A failed unit leaves the endpoint as it was.
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEndpoint(ctx, ep.ID, t6); err != nil {
			return err
		}
		return errRefused
	})
	if err != errRefused {
		t.Fatalf("failing unit: %v", err)
	}
	getEndpoint(t, s, ep.ID)
}

// ---- fan-out ----

func testClaimEvents(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	at := base()
	// Orders 7 and 8; events without an order are never held back.
	e1 := &store.Event{Type: hub.EventOrderCreated, BrandID: 1, LocationID: 2, OrderID: 7, Payload: []byte(`{"n":1}`)}
	e2 := &store.Event{Type: hub.EventProductUpdated, BrandID: 1}
	e3 := &store.Event{Type: hub.EventOrderConfirmed, BrandID: 1, OrderID: 7}
	e4 := &store.Event{Type: hub.EventOrderCreated, BrandID: 2, OrderID: 8}
	e5 := &store.Event{Type: hub.EventOrderCompleted, BrandID: 1, OrderID: 7}
	e6 := &store.Event{Type: hub.EventStockChanged, BrandID: 2}
	addEvents(t, s, e1, e2, e3, e4, e5, e6)
	// A test event is stored already dispatched (delivery.SendTest).
	test := &store.Event{Type: "webhook.test", BrandID: 1, Payload: []byte(`{}`)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.AddEvent(ctx, test); err != nil {
			return err
		}
		return tx.MarkEventsDispatched(ctx, []int64{test.ID}, at)
	})

	// Oldest first, skipping events of an order with an earlier event
	// undispatched; the claimed events are the stored ones.
	got := claimEvents(t, s, 100, at, false, nil)
	if !slices.Equal(eventIDs(got), evIDs(e1, e2, e4, e6)) {
		t.Fatalf("ClaimUndispatchedEvents = %v, want %v", eventIDs(got), evIDs(e1, e2, e4, e6))
	}
	for i, want := range []*store.Event{e1, e2, e4, e6} {
		if !reflect.DeepEqual(got[i], *want) {
			t.Fatalf("claimed event %d =\n%+v\nwant\n%+v", i, got[i], *want)
		}
	}
	// Claiming without marking, or in a unit that fails, dispatches nothing.
	if got := claimEvents(t, s, 100, at, true, errRefused); !slices.Equal(eventIDs(got), evIDs(e1, e2, e4, e6)) {
		t.Fatalf("claim in a failing unit = %v", eventIDs(got))
	}
	if got := claimEvents(t, s, 2, at, true, nil); !slices.Equal(eventIDs(got), evIDs(e1, e2)) {
		t.Fatalf("ClaimUndispatchedEvents(2) = %v, want %v", eventIDs(got), evIDs(e1, e2))
	}
	// e1 is dispatched: e3 is next for order 7, e5 still waits for it.
	if got := claimEvents(t, s, 100, at, false, nil); !slices.Equal(eventIDs(got), evIDs(e3, e4, e6)) {
		t.Fatalf("after dispatching e1, e2: %v, want %v", eventIDs(got), evIDs(e3, e4, e6))
	}
	update(t, s, func(tx store.Tx) error { return tx.MarkEventsDispatched(ctx, []int64{e3.ID}, at) })
	if got := claimEvents(t, s, 0, at, true, nil); !slices.Equal(eventIDs(got), evIDs(e4, e5, e6)) {
		t.Fatalf("limit 0 (the default) = %v, want %v", eventIDs(got), evIDs(e4, e5, e6))
	}
	if got := claimEvents(t, s, 100, at, true, nil); len(got) != 0 {
		t.Fatalf("everything is dispatched, yet claimed %v", eventIDs(got))
	}
	// Dispatching does not hide events from ListEventsByID.
	if all, err := s.ListEventsByID(ctx, 0, 100); err != nil || len(all) != 7 {
		t.Fatalf("ListEvents = %d events, %v; want 7", len(all), err)
	}
	err := s.Update(ctx, func(tx store.Tx) error { return tx.MarkEventsDispatched(ctx, []int64{test.ID + 100}, at) })
	wantCode(t, err, hub.CodeNotFound)
}

// fanOut does what delivery.DispatchOnce does, through the store alone:
// claim, create one delivery per enabled endpoint of the event's brand that
// wants its type, mark dispatched. It checks that the endpoints listed for
// an event's brand are that brand's, and returns how many events it took.
func fanOut(t *testing.T, s store.Store, at time.Time) int {
	t.Helper()
	ctx := ctxOf(t)
	total := 0
	for range 20 {
		n := 0
		update(t, s, func(tx store.Tx) error {
			n = 0
			evs, err := tx.ClaimUndispatchedEvents(ctx, 100)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				eps, err := tx.ListWebhookEndpoints(ctx, ev.BrandID)
				if err != nil {
					return err
				}
				for _, ep := range eps {
					if ep.BrandID != ev.BrandID {
						return fmt.Errorf("ListWebhookEndpoints(%d) listed endpoint %d of brand %d", ev.BrandID, ep.ID, ep.BrandID)
					}
					if ep.Disabled || !ep.Wants(ev.Type) {
						continue
					}
					d := &store.Delivery{EventID: ev.ID, EventType: ev.Type, BrandID: ev.BrandID, OrderID: ev.OrderID,
						Target: webhookTarget(ep.ID), URL: ep.URL, Method: "POST", ContentType: "application/json",
						Body: ev.Payload, Signing: "standard-webhooks", Acceptance: "2xx"}
					if err := tx.CreateDelivery(ctx, d); err != nil {
						return err
					}
				}
				if err := tx.MarkEventsDispatched(ctx, []int64{ev.ID}, at); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("fan-out did not finish in 20 rounds")
	return 0
}

func testFanOut(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	a1 := endpoint(t, s, f.b1.ID, hub.EventOrderCreated, hub.EventOrderPaid)
	a2 := endpoint(t, s, f.b1.ID, hub.EventOrderPaid)
	off := endpoint(t, s, f.b1.ID, hub.EventOrderCreated, hub.EventOrderPaid)
	update(t, s, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctx, off.ID, true, "by hand", base()) })
	bb := endpoint(t, s, f.b2.ID, hub.EventOrderCreated, hub.EventOrderPaid)
	c1 := &store.Event{Type: hub.EventOrderCreated, BrandID: f.b1.ID, OrderID: 1, Payload: []byte(`{"b":1,"t":"created"}`)}
	c2 := &store.Event{Type: hub.EventOrderCreated, BrandID: f.b2.ID, OrderID: 2, Payload: []byte(`{"b":2,"t":"created"}`)}
	p1 := &store.Event{Type: hub.EventOrderPaid, BrandID: f.b1.ID, OrderID: 1, Payload: []byte(`{"b":1,"t":"paid"}`)}
	p2 := &store.Event{Type: hub.EventOrderPaid, BrandID: f.b2.ID, OrderID: 2, Payload: []byte(`{"b":2,"t":"paid"}`)}
	addEvents(t, s, c1, c2, p1, p2)
	if n := fanOut(t, s, base()); n != 4 {
		t.Fatalf("fanned out %d events, want 4", n)
	}
	events := map[int64]*store.Event{c1.ID: c1, c2.ID: c2, p1.ID: p1, p2.ID: p2}
	for _, c := range []struct {
		ep   *store.WebhookEndpoint
		want []*store.Event // newest first
	}{{a1, []*store.Event{p1, c1}}, {a2, []*store.Event{p1}}, {off, nil}, {bb, []*store.Event{p2, c2}}} {
		ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{Target: webhookTarget(c.ep.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var got, want []int64
		for _, d := range ds {
			got = append(got, d.EventID)
			ev := events[d.EventID]
			if d.BrandID != c.ep.BrandID || ev.BrandID != c.ep.BrandID {
				t.Errorf("delivery %d of event %d (brand %d) went to endpoint %d of brand %d",
					d.ID, d.EventID, ev.BrandID, c.ep.ID, c.ep.BrandID)
			}
			if d.EventType != ev.Type || d.OrderID != ev.OrderID || !bytes.Equal(d.Body, ev.Payload) || d.Status != store.DeliveryPending {
				t.Errorf("delivery %+v does not match event %+v", d, ev)
			}
		}
		for _, e := range c.want {
			want = append(want, e.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("events delivered to endpoint %d = %v, want %v", c.ep.ID, got, want)
		}
	}
	for brand, n := range map[int64]int{f.b1.ID: 3, f.b2.ID: 2, 0: 5} {
		ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{BrandID: brand})
		if err != nil || len(ds) != n {
			t.Fatalf("ListDeliveries(brand %d) = %d, %v; want %d", brand, len(ds), err, n)
		}
		for _, d := range ds {
			if brand != 0 && d.BrandID != brand {
				t.Fatalf("ListDeliveries(brand %d) listed delivery %d of brand %d", brand, d.ID, d.BrandID)
			}
		}
	}

	// Nothing is left to fan out, and a second fan-out of an event to the
	// same target is refused by the unique (event, target) key: the unit
	// fails whole.
	if n := fanOut(t, s, base()); n != 0 {
		t.Fatalf("a second fan-out took %d events", n)
	}
	fresh := &store.Delivery{EventID: c1.ID, EventType: c1.Type, BrandID: f.b1.ID, OrderID: 1, Target: webhookTarget(a2.ID),
		URL: "https://example.com/x", Method: "POST", ContentType: "application/json", Signing: "standard-webhooks", Acceptance: "2xx"}
	dup := *fresh
	dup.Target = webhookTarget(a1.ID)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateDelivery(ctx, fresh); err != nil {
			return err
		}
		return tx.CreateDelivery(ctx, &dup)
	})
	wantCode(t, err, hub.CodeConflict)
	if ds, _ := s.ListDeliveries(ctx, store.DeliveryFilter{}); len(ds) != 5 {
		t.Fatalf("after a refused second fan-out there are %d deliveries, want 5", len(ds))
	}
	// The same event to another target, or to a partner with the same id,
	// is a delivery of its own.
	fresh.ID = 0
	part := dup
	part.ID, part.Target = 0, partnerTarget(a1.ID)
	createDeliveries(t, s, fresh, &part)
	if ds, _ := s.ListDeliveries(ctx, store.DeliveryFilter{}); len(ds) != 7 {
		t.Fatalf("%d deliveries, want 7", len(ds))
	}
}

// ---- deliveries ----

func testDeliveries(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	next := base().Add(time.Hour)
	d := newDelivery(f.b1.ID, partnerTarget(5), 42, next)
	d.EventType, d.Method, d.ContentType, d.Signing, d.Acceptance = hub.EventOrderReady, "PUT", "application/x-www-form-urlencoded", "ks-hmac", "status-ok"
	d.Body = []byte("a=1&b=\x00\xff\xfe")
	before := time.Now().UTC().Truncate(time.Microsecond)
	createDeliveries(t, s, d)
	after := time.Now().UTC().Add(time.Microsecond)
	if d.ID <= 0 || d.Status != store.DeliveryPending || d.CreatedAt.Before(before) || d.CreatedAt.After(after) ||
		!d.UpdatedAt.Equal(d.CreatedAt) || !d.RetryFrom.Equal(d.CreatedAt) || !d.NextAttemptAt.Equal(next) {
		t.Fatalf("CreateDelivery set %+v", d)
	}
	got := getDelivery(t, s, d.ID)
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("GetDelivery =\n%+v\nwant\n%+v", got, d)
	}
	if got.Attempts != 0 || got.LeaseOwner != "" || got.LeaseUntil != nil || got.DeliveredAt != nil || got.LastError != "" || got.LastStatus != 0 {
		t.Fatalf("a new delivery is not fresh: %+v", got)
	}
	// Without a time it is due now; without a body the body is empty.
	now := newDelivery(f.b1.ID, webhookTarget(1), 0, time.Time{})
	now.Body = nil
	createDeliveries(t, s, now)
	got = getDelivery(t, s, now.ID)
	if !got.NextAttemptAt.Equal(got.CreatedAt) || !now.NextAttemptAt.Equal(now.CreatedAt) || len(got.Body) != 0 {
		t.Fatalf("delivery without a time or body: %+v", got)
	}
	_, err := s.GetDelivery(ctx, now.ID+100)
	wantCode(t, err, hub.CodeNotFound)
	// A failed unit stores none.
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateDelivery(ctx, newDelivery(f.b1.ID, webhookTarget(1), 0, next)); err != nil {
			return err
		}
		return errRefused
	})
	if err != errRefused {
		t.Fatal(err)
	}
	if ds, _ := s.ListDeliveries(ctx, store.DeliveryFilter{}); len(ds) != 2 {
		t.Fatalf("%d deliveries after a failed unit, want 2", len(ds))
	}
}

// testDeliveryClash: a delivery that clashes with the unique (event,
// target) key, as a second fan-out of an event would, is a plain conflict,
// not a duplicate order (only the orders table's keys mean that).
func testDeliveryClash(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	d := newDelivery(f.b1.ID, webhookTarget(1), 42, base())
	createDeliveries(t, s, d)
	again := newDelivery(f.b1.ID, d.Target, 42, base())
	again.EventID = d.EventID
	err := s.Update(ctx, func(tx store.Tx) error { return tx.CreateDelivery(ctx, again) })
	wantReason(t, err, hub.CodeConflict, hub.ReasonNone)
	if he := (*hub.Error)(nil); !errors.As(err, &he) || strings.Contains(he.Message, "order") {
		t.Fatalf("a delivery clash reads %v", err)
	}
	if ds, _ := s.ListDeliveries(ctx, store.DeliveryFilter{}); len(ds) != 1 {
		t.Fatalf("%d deliveries after a clash, want 1", len(ds))
	}
}

func testListDeliveries(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	w1, w2, p1 := webhookTarget(1), webhookTarget(2), partnerTarget(1)
	d1 := newDelivery(f.b1.ID, w1, 0, at)
	d2 := newDelivery(f.b1.ID, p1, 0, at)
	d3 := newDelivery(f.b2.ID, w2, 0, at)
	d4 := newDelivery(f.b1.ID, w1, 0, at)
	d5 := newDelivery(f.b1.ID, w1, 0, at)
	d6 := newDelivery(f.b1.ID, p1, 0, at)
	createDeliveries(t, s, d1, d2, d3, d4, d5, d6)
	// d4 delivered, d5 and d6 dead.
	deliverAndKill(t, s, at, []*store.Delivery{d4}, []*store.Delivery{d5, d6})
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, "n1", ids(d1, d2, d3)) })
	cases := []struct {
		name string
		f    store.DeliveryFilter
		want []*store.Delivery
	}{
		{"all, newest first", store.DeliveryFilter{}, []*store.Delivery{d6, d5, d4, d3, d2, d1}},
		{"brand", store.DeliveryFilter{BrandID: f.b1.ID}, []*store.Delivery{d6, d5, d4, d2, d1}},
		{"other brand", store.DeliveryFilter{BrandID: f.b2.ID}, []*store.Delivery{d3}},
		{"unknown brand", store.DeliveryFilter{BrandID: f.b2.ID + 100}, nil},
		{"webhook target", store.DeliveryFilter{Target: w1}, []*store.Delivery{d5, d4, d1}},
		{"partner target with the same id", store.DeliveryFilter{Target: p1}, []*store.Delivery{d6, d2}},
		{"target of another brand", store.DeliveryFilter{BrandID: f.b1.ID, Target: w2}, nil},
		{"pending", store.DeliveryFilter{Status: store.DeliveryPending}, []*store.Delivery{d3, d2, d1}},
		{"delivered", store.DeliveryFilter{Status: store.DeliveryDelivered}, []*store.Delivery{d4}},
		{"dead", store.DeliveryFilter{Status: store.DeliveryDead}, []*store.Delivery{d6, d5}},
		{"dead of a target", store.DeliveryFilter{Status: store.DeliveryDead, Target: w1}, []*store.Delivery{d5}},
		{"page 1", store.DeliveryFilter{Limit: 2}, []*store.Delivery{d6, d5}},
		{"page 2", store.DeliveryFilter{Limit: 2, BeforeID: d5.ID}, []*store.Delivery{d4, d3}},
		{"page 3", store.DeliveryFilter{Limit: 2, BeforeID: d3.ID}, []*store.Delivery{d2, d1}},
		{"page 4", store.DeliveryFilter{Limit: 2, BeforeID: d1.ID}, nil},
		{"page with filters", store.DeliveryFilter{BrandID: f.b1.ID, Target: w1, Limit: 1, BeforeID: d5.ID}, []*store.Delivery{d4}},
	}
	for _, c := range cases {
		got, err := s.ListDeliveries(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(deliveryIDs(got), ids(c.want...)) {
			t.Errorf("%s: ListDeliveries = %v, want %v", c.name, deliveryIDs(got), ids(c.want...))
		}
	}
	// Listed rows are whole.
	ls, _ := s.ListDeliveries(ctx, store.DeliveryFilter{Target: w1, Status: store.DeliveryDelivered})
	if len(ls) != 1 || !reflect.DeepEqual(&ls[0], getDelivery(t, s, d4.ID)) {
		t.Fatalf("listed delivery %+v differs from GetDelivery", ls)
	}
}

func testClaimDeliveries(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	dA := newDelivery(f.b1.ID, webhookTarget(1), 0, at)
	dB := newDelivery(f.b1.ID, webhookTarget(1), 0, at.Add(-time.Minute)) // due earlier: first
	dC := newDelivery(f.b1.ID, partnerTarget(1), 0, at.Add(time.Minute))  // not due yet
	dD := newDelivery(f.b2.ID, webhookTarget(2), 0, at)
	createDeliveries(t, s, dA, dB, dC, dD)

	if got := claim(t, s, store.DeliveryClaim{Owner: "n1", Now: at, Until: at.Add(time.Hour)}); len(got) != 0 {
		t.Fatalf("a claim with limit 0 took %v", deliveryIDs(got))
	}
	// Due first, then by id; the claimed rows carry the lease.
	until1 := at.Add(30 * time.Second)
	got := claim(t, s, store.DeliveryClaim{Owner: "n1", Now: at, Until: until1, Limit: 2})
	if !slices.Equal(deliveryIDs(got), ids(dB, dA)) {
		t.Fatalf("ClaimDeliveries(2) = %v, want %v", deliveryIDs(got), ids(dB, dA))
	}
	for i, want := range []*store.Delivery{dB, dA} {
		w := *want
		w.LeaseOwner, w.LeaseUntil = "n1", &until1
		if !reflect.DeepEqual(got[i], w) {
			t.Fatalf("claimed\n%+v\nwant\n%+v", got[i], w)
		}
		if g := getDelivery(t, s, want.ID); !reflect.DeepEqual(*g, w) {
			t.Fatalf("stored after the claim\n%+v\nwant\n%+v", g, w)
		}
	}
	// PendingTargets names each target with its earliest next attempt.
	due, err := s.PendingTargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantDue := []store.TargetDue{{Target: webhookTarget(1), NextAttemptAt: dB.NextAttemptAt},
		{Target: webhookTarget(2), NextAttemptAt: dD.NextAttemptAt}, {Target: partnerTarget(1), NextAttemptAt: dC.NextAttemptAt}}
	if !reflect.DeepEqual(due, wantDue) {
		t.Fatalf("PendingTargets = %+v, want %+v", due, wantDue)
	}
	// A live lease is not claimed again; a claim takes one target only.
	until2 := at.Add(time.Hour)
	if got := claim(t, s, store.DeliveryClaim{Owner: "n2", Target: webhookTarget(1), Now: at, Until: until2, Limit: 10}); len(got) != 0 {
		t.Fatalf("claimed %v: the target's deliveries are leased", deliveryIDs(got))
	}
	if got := claim(t, s, store.DeliveryClaim{Owner: "n2", Target: webhookTarget(2), Now: at, Until: until2, Limit: 10}); !slices.Equal(deliveryIDs(got), ids(dD)) {
		t.Fatalf("second claimer got %v, want %v", deliveryIDs(got), ids(dD))
	}
	// Due exactly at Now is due; a microsecond earlier it is not.
	if got := claim(t, s, store.DeliveryClaim{Owner: "n3", Target: partnerTarget(1), Now: at.Add(time.Minute - time.Microsecond), Until: until2, Limit: 10}); len(got) != 0 {
		t.Fatalf("claimed %v before it was due", deliveryIDs(got))
	}
	if got := claim(t, s, store.DeliveryClaim{Owner: "n3", Target: partnerTarget(1), Now: at.Add(time.Minute), Until: until2, Limit: 10}); !slices.Equal(deliveryIDs(got), ids(dC)) {
		t.Fatalf("at its time: %v, want %v", deliveryIDs(got), ids(dC))
	}

	// Release drops only the owner's own leases and counts no attempt.
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, "n2", ids(dA, dC, dD)) })
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, "n2", nil) })
	if g := getDelivery(t, s, dD.ID); g.LeaseOwner != "" || g.LeaseUntil != nil || g.Attempts != 0 || g.Status != store.DeliveryPending {
		t.Fatalf("released delivery: %+v", g)
	}
	for _, c := range []struct {
		d     *store.Delivery
		owner string
	}{{dA, "n1"}, {dB, "n1"}, {dC, "n3"}} {
		if g := getDelivery(t, s, c.d.ID); g.LeaseOwner != c.owner || g.LeaseUntil == nil {
			t.Fatalf("delivery %d leased by %q, want %q kept", c.d.ID, g.LeaseOwner, c.owner)
		}
	}
	if got := claim(t, s, store.DeliveryClaim{Owner: "n4", Now: at, Until: until2, Limit: 10}); !slices.Equal(deliveryIDs(got), ids(dD)) {
		t.Fatalf("after release: %v, want %v", deliveryIDs(got), ids(dD))
	}

	// An expired lease makes a delivery claimable again, by another node;
	// the node that lost it can no longer write its outcome.
	later := until1.Add(time.Microsecond)
	got = claim(t, s, store.DeliveryClaim{Owner: "n5", Now: later, Until: later.Add(time.Minute), Limit: 10})
	if !slices.Equal(deliveryIDs(got), ids(dB, dA)) {
		t.Fatalf("after the lease passed: %v, want %v", deliveryIDs(got), ids(dB, dA))
	}
	if got[0].LeaseOwner != "n5" || !got[0].LeaseUntil.Equal(later.Add(time.Minute)) {
		t.Fatalf("re-claimed lease: %q until %v", got[0].LeaseOwner, got[0].LeaseUntil)
	}
	stale := got[0]
	stale.Status, stale.Attempts, stale.DeliveredAt = store.DeliveryDelivered, 1, &later
	var ok bool
	a := &store.DeliveryAttempt{At: later, StatusCode: 200, Node: "n1"}
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.CompleteAttempt(ctx, "n1", &stale, a)
		return err
	})
	if ok {
		t.Fatal("CompleteAttempt by a node whose lease was taken over reported a write")
	}
	if g := getDelivery(t, s, dB.ID); g.Status != store.DeliveryPending || g.LeaseOwner != "n5" || g.Attempts != 0 || g.DeliveredAt != nil {
		t.Fatalf("a lost lease's outcome was written: %+v", g)
	}
	// The attempt itself is on record.
	if as, err := s.ListDeliveryAttempts(ctx, ids(dB)); err != nil || len(as) != 1 || as[0].ID != a.ID || as[0].Node != "n1" {
		t.Fatalf("attempts of delivery %d = %+v, %v", dB.ID, as, err)
	}
	deliver(t, s, "n5", got[0], later)
	wantStatus(t, s, store.DeliveryDelivered, dB)
	if got := claim(t, s, store.DeliveryClaim{Owner: "n6", Now: later, Until: later.Add(time.Minute), Limit: 10}); len(got) != 0 {
		t.Fatalf("claimed %v: all are leased or delivered", deliveryIDs(got))
	}
}

func testDeliveryAttempts(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	d := newDelivery(f.b1.ID, webhookTarget(1), 9, at)
	e := newDelivery(f.b1.ID, webhookTarget(2), 9, at)
	createDeliveries(t, s, d, e)
	cl := claim(t, s, store.DeliveryClaim{Owner: "n1", Now: at, Until: at.Add(time.Minute), Limit: 10})
	if len(cl) != 2 {
		t.Fatalf("claimed %v", deliveryIDs(cl))
	}
	cd, ce := cl[0], cl[1]

	// A failed attempt, to be retried: the outcome is written, the lease
	// dropped, the snippet made storable text.
	retryAt := at.Add(10 * time.Second)
	cd.Attempts, cd.NextAttemptAt, cd.LastError, cd.LastStatus = 1, retryAt, "HTTP 503", 503
	a1 := &store.DeliveryAttempt{At: at, StatusCode: 503, Latency: 1500 * time.Microsecond, Error: "HTTP 503",
		Response: "down\x00\xff", Node: "n1"}
	var ok bool
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.CompleteAttempt(ctx, "n1", &cd, a1)
		return err
	})
	if !ok || a1.ID <= 0 || a1.DeliveryID != d.ID || cd.LeaseOwner != "" || cd.LeaseUntil != nil || cd.UpdatedAt.IsZero() {
		t.Fatalf("CompleteAttempt = %v; attempt %+v; delivery %+v", ok, a1, cd)
	}
	got := getDelivery(t, s, d.ID)
	if !reflect.DeepEqual(got, &cd) {
		t.Fatalf("after a failed attempt\n%+v\nwant\n%+v", got, &cd)
	}
	if got.Status != store.DeliveryPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(retryAt) || !got.RetryFrom.Equal(d.RetryFrom) {
		t.Fatalf("after a failed attempt: %+v", got)
	}
	// Without a lease nothing is written (the attempt is still recorded).
	again := cd
	again.Status = store.DeliveryDelivered
	a2 := &store.DeliveryAttempt{StatusCode: 0, Error: "timeout after 15s", Node: "n1"}
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.CompleteAttempt(ctx, "n1", &again, a2)
		return err
	})
	if ok || a2.At.IsZero() {
		t.Fatalf("CompleteAttempt without a lease = %v (attempt at %v)", ok, a2.At)
	}
	if g := getDelivery(t, s, d.ID); !reflect.DeepEqual(g, &cd) {
		t.Fatalf("an unleased outcome was written: %+v", g)
	}
	// Not claimable before its retry, claimable at it.
	if got := claim(t, s, store.DeliveryClaim{Owner: "n2", Now: retryAt.Add(-time.Microsecond), Until: retryAt.Add(time.Minute), Limit: 10}); len(got) != 0 {
		t.Fatalf("claimed %v before the retry time", deliveryIDs(got))
	}
	cl = claim(t, s, store.DeliveryClaim{Owner: "n2", Now: retryAt, Until: retryAt.Add(time.Minute), Limit: 10})
	if !slices.Equal(deliveryIDs(cl), ids(d)) || cl[0].Attempts != 1 {
		t.Fatalf("at the retry time: %+v", cl)
	}
	// Success.
	cd = cl[0]
	cd.Status, cd.Attempts, cd.DeliveredAt, cd.LastError, cd.LastStatus = store.DeliveryDelivered, 2, &retryAt, "", 204
	a3 := &store.DeliveryAttempt{At: retryAt, StatusCode: 204, Latency: 3 * time.Millisecond, Node: "n2"}
	update(t, s, func(tx store.Tx) error {
		var err error
		ok, err = tx.CompleteAttempt(ctx, "n2", &cd, a3)
		return err
	})
	if !ok {
		t.Fatal("CompleteAttempt by the lease owner wrote nothing")
	}
	got = getDelivery(t, s, d.ID)
	if !reflect.DeepEqual(got, &cd) || got.Status != store.DeliveryDelivered || got.DeliveredAt == nil || !got.DeliveredAt.Equal(retryAt) {
		t.Fatalf("after success\n%+v\nwant\n%+v", got, &cd)
	}
	// Nothing was sent (a may be nil): dead without an attempt row.
	ce.Status, ce.LastError = store.DeliveryDead, "endpoint deleted"
	complete(t, s, "n1", &ce)
	if g := getDelivery(t, s, e.ID); !reflect.DeepEqual(g, &ce) || g.Attempts != 0 {
		t.Fatalf("dead without an attempt: %+v", g)
	}
	// A delivered or dead delivery is never written again, even with the
	// (empty) lease owner it carries.
	for _, c := range []store.Delivery{cd, ce} {
		c.Status = store.DeliveryPending
		update(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.CompleteAttempt(ctx, "", &c, nil)
			return err
		})
		if ok {
			t.Fatalf("CompleteAttempt rewrote finished delivery %d", c.ID)
		}
	}

	// Attempts, oldest first, exactly as recorded.
	as, err := s.ListDeliveryAttempts(ctx, ids(e, d))
	if err != nil {
		t.Fatal(err)
	}
	w1 := *a1
	w1.Response = "down\uFFFD\uFFFD"
	want := []store.DeliveryAttempt{w1, *a2, *a3}
	if !reflect.DeepEqual(as, want) {
		t.Fatalf("ListDeliveryAttempts =\n%+v\nwant\n%+v", as, want)
	}
	for _, q := range [][]int64{nil, {}, ids(e), {e.ID + 100}} {
		if as, err := s.ListDeliveryAttempts(ctx, q); err != nil || len(as) != 0 {
			t.Fatalf("ListDeliveryAttempts(%v) = %v, %v; want none", q, as, err)
		}
	}

	// Replay: pending again, due at the given time, with a fresh window;
	// the history stays.
	r := at.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.ReplayDelivery(ctx, d.ID, r) })
	want0 := cd
	want0.Status, want0.Attempts, want0.NextAttemptAt, want0.RetryFrom = store.DeliveryPending, 0, r, r
	want0.LastError, want0.LastStatus, want0.DeliveredAt, want0.UpdatedAt = "", 0, nil, r
	if g := getDelivery(t, s, d.ID); !reflect.DeepEqual(g, &want0) {
		t.Fatalf("after replay\n%+v\nwant\n%+v", g, &want0)
	}
	if as, _ := s.ListDeliveryAttempts(ctx, ids(d)); len(as) != 3 {
		t.Fatalf("replay changed the attempts: %d", len(as))
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.ReplayDelivery(ctx, d.ID, r) })
	wantCode(t, err, hub.CodeConflict)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.ReplayDelivery(ctx, e.ID+100, r) })
	wantCode(t, err, hub.CodeNotFound)
	update(t, s, func(tx store.Tx) error { return tx.ReplayDelivery(ctx, e.ID, r) })
	wantStatus(t, s, store.DeliveryPending, e)
	if got := claim(t, s, store.DeliveryClaim{Owner: "n3", Now: r, Until: r.Add(time.Minute), Limit: 10}); !slices.Equal(deliveryIDs(got), ids(d, e)) {
		t.Fatalf("replayed deliveries claimed: %v", deliveryIDs(got))
	}
}

// testDeadLetter: disabling or deleting an endpoint turns its pending
// deliveries dead (and only those); replaying a target's dead ones.
func testDeadLetter(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	ep1 := endpoint(t, s, f.b1.ID, hub.EventOrderCreated)
	ep2 := endpoint(t, s, f.b1.ID, hub.EventOrderCreated)
	k1 := newDelivery(f.b1.ID, webhookTarget(ep1.ID), 0, at)
	k2 := newDelivery(f.b1.ID, webhookTarget(ep1.ID), 0, at) // in flight when disabled
	k3 := newDelivery(f.b1.ID, webhookTarget(ep1.ID), 0, at) // delivered
	k4 := newDelivery(f.b1.ID, webhookTarget(ep2.ID), 0, at)
	k5 := newDelivery(f.b1.ID, partnerTarget(ep1.ID), 0, at) // a partner with the endpoint's id
	k6 := newDelivery(f.b1.ID, webhookTarget(ep1.ID), 0, at.Add(time.Hour))
	createDeliveries(t, s, k1, k2, k3, k4, k5, k6)
	for _, c := range claim(t, s, store.DeliveryClaim{Owner: "n1", Now: at, Until: at.Add(time.Minute), Limit: 10}) {
		if c.ID == k3.ID {
			deliver(t, s, "n1", c, at)
		}
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, "n1", ids(k1, k4, k5)) })

	t1 := at.Add(time.Second)
	update(t, s, func(tx store.Tx) error {
		return tx.SetWebhookEndpointDisabled(ctx, ep1.ID, true, "the endpoint answered 410 Gone", t1)
	})
	for _, d := range []*store.Delivery{k1, k2, k6} {
		g := getDelivery(t, s, d.ID)
		if g.Status != store.DeliveryDead || !strings.Contains(g.LastError, "disabled") || !g.UpdatedAt.Equal(t1) {
			t.Errorf("pending delivery %d after disabling its endpoint: %s, %q, updated %v", d.ID, g.Status, g.LastError, g.UpdatedAt)
		}
	}
	wantStatus(t, s, store.DeliveryDelivered, k3)
	wantStatus(t, s, store.DeliveryPending, k4, k5)
	// Dead ones are never claimed, not even when k2's lease passes.
	later := at.Add(2 * time.Hour)
	got := claim(t, s, store.DeliveryClaim{Owner: "n2", Now: later, Until: later.Add(time.Minute), Limit: 10})
	if !slices.Equal(deliveryIDs(got), ids(k4, k5)) {
		t.Fatalf("claimed %v, want %v", deliveryIDs(got), ids(k4, k5))
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, "n2", ids(k4, k5)) })
	// Enabling does not revive them; replaying the target's dead does,
	// with a fresh window, and touches nothing else.
	update(t, s, func(tx store.Tx) error { return tx.SetWebhookEndpointDisabled(ctx, ep1.ID, false, "", t1) })
	wantStatus(t, s, store.DeliveryDead, k1, k2, k6)
	r := at.Add(3 * time.Hour)
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.ReplayDeadDeliveries(ctx, store.TargetWebhook, ep1.ID, r)
		return err
	})
	if n != 3 {
		t.Fatalf("ReplayDeadDeliveries = %d, want 3", n)
	}
	for _, d := range []*store.Delivery{k1, k2, k6} {
		g := getDelivery(t, s, d.ID)
		if g.Status != store.DeliveryPending || g.Attempts != 0 || !g.NextAttemptAt.Equal(r) || !g.RetryFrom.Equal(r) ||
			g.LeaseOwner != "" || g.LeaseUntil != nil || g.LastError != "" || g.LastStatus != 0 || g.DeliveredAt != nil {
			t.Errorf("replayed delivery %d: %+v", d.ID, g)
		}
	}
	wantStatus(t, s, store.DeliveryDelivered, k3)
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.ReplayDeadDeliveries(ctx, store.TargetWebhook, ep1.ID, r)
		return err
	})
	if n != 0 {
		t.Fatalf("second ReplayDeadDeliveries = %d, want 0", n)
	}

	// Deleting an endpoint kills its pending deliveries, not the partner's
	// with the same id.
	update(t, s, func(tx store.Tx) error { return tx.DeleteWebhookEndpoint(ctx, ep2.ID, t1) })
	if g := getDelivery(t, s, k4.ID); g.Status != store.DeliveryDead || !strings.Contains(g.LastError, "deleted") {
		t.Fatalf("delivery of a deleted endpoint: %s, %q", g.Status, g.LastError)
	}
	wantStatus(t, s, store.DeliveryPending, k5, k1, k2, k6)
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.ReplayDeadDeliveries(ctx, store.TargetPartner, ep1.ID, r)
		return err
	})
	if n != 0 {
		t.Fatalf("ReplayDeadDeliveries(partner) = %d, want 0", n)
	}
}

// testDeliveryOrdering: in order per order per target. A delivery waits
// while an earlier pending delivery of its order and target exists, due
// or not, leased or not; dead and delivered ones do not block.
func testDeliveryOrdering(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	at := base()
	T, U := webhookTarget(1), webhookTarget(2)
	x1 := newDelivery(f.b1.ID, T, 100, at.Add(time.Hour)) // earlier, waiting for its time
	x2 := newDelivery(f.b1.ID, T, 100, at)
	x3 := newDelivery(f.b1.ID, U, 100, at) // same order, other target
	x4 := newDelivery(f.b1.ID, T, 200, at) // same target, other order
	x5 := newDelivery(f.b1.ID, T, 0, at)   // no order
	x6 := newDelivery(f.b1.ID, T, 0, at)
	x7 := newDelivery(f.b1.ID, T, 300, at)
	x8 := newDelivery(f.b1.ID, T, 300, at)
	createDeliveries(t, s, x1, x2, x3, x4, x5, x6, x7, x8)
	c := func(owner string, now time.Time) []store.Delivery {
		t.Helper()
		return claim(t, s, store.DeliveryClaim{Owner: owner, Now: now, Until: now.Add(time.Minute), Limit: 100})
	}
	byID := func(ds []store.Delivery, id int64) store.Delivery {
		t.Helper()
		for _, d := range ds {
			if d.ID == id {
				return d
			}
		}
		t.Fatalf("delivery %d not among %v", id, deliveryIDs(ds))
		return store.Delivery{}
	}

	got := c("n1", at)
	if !slices.Equal(deliveryIDs(got), ids(x3, x4, x5, x6, x7)) {
		t.Fatalf("first claim = %v, want %v (x2 waits for x1, x8 for x7)", deliveryIDs(got), ids(x3, x4, x5, x6, x7))
	}
	for _, d := range got {
		deliver(t, s, "n1", d, at)
	}
	// x7 delivered: x8 is free. x2 still waits for x1, which is not due.
	got = c("n1", at)
	if !slices.Equal(deliveryIDs(got), ids(x8)) {
		t.Fatalf("after delivering x7: %v, want %v", deliveryIDs(got), ids(x8))
	}
	kill(t, s, "n1", got[0])
	// x1 due and leased (in flight): x2 still waits.
	t1 := at.Add(time.Hour)
	got = c("n2", t1)
	if !slices.Equal(deliveryIDs(got), ids(x1)) {
		t.Fatalf("at x1's time: %v, want %v", deliveryIDs(got), ids(x1))
	}
	if got := c("n3", t1); len(got) != 0 {
		t.Fatalf("claimed %v while x1 is in flight", deliveryIDs(got))
	}
	// x1 failed and waits for its retry: x2 still waits.
	r := byID(got, x1.ID)
	r.Attempts, r.NextAttemptAt, r.LastError = 1, t1.Add(time.Hour), "HTTP 500"
	complete(t, s, "n2", &r)
	if got := c("n3", t1); len(got) != 0 {
		t.Fatalf("claimed %v while x1 waits for its retry", deliveryIDs(got))
	}
	// x1 dead: x2 goes.
	t2 := t1.Add(time.Hour)
	got = c("n2", t2)
	if !slices.Equal(deliveryIDs(got), ids(x1)) {
		t.Fatalf("at x1's retry: %v", deliveryIDs(got))
	}
	kill(t, s, "n2", got[0])
	got = c("n2", t2)
	if !slices.Equal(deliveryIDs(got), ids(x2)) {
		t.Fatalf("after x1 died: %v, want %v", deliveryIDs(got), ids(x2))
	}
	deliver(t, s, "n2", got[0], t2)
	// A replayed earlier delivery is pending again and holds later ones
	// back once more.
	x9 := newDelivery(f.b1.ID, T, 100, t2)
	createDeliveries(t, s, x9)
	update(t, s, func(tx store.Tx) error { return tx.ReplayDelivery(ctxOf(t), x1.ID, t2.Add(time.Hour)) })
	if got := c("n3", t2); len(got) != 0 {
		t.Fatalf("claimed %v while the replayed x1 waits", deliveryIDs(got))
	}
	got = c("n3", t2.Add(time.Hour))
	if !slices.Equal(deliveryIDs(got), ids(x1)) {
		t.Fatalf("replayed x1 due: %v", deliveryIDs(got))
	}
	deliver(t, s, "n3", got[0], t2)
	if got := c("n3", t2.Add(time.Hour)); !slices.Equal(deliveryIDs(got), ids(x9)) {
		t.Fatalf("after the replay: %v, want %v", deliveryIDs(got), ids(x9))
	}
}

// ---- concurrency ----

// claimLoop runs workers goroutines, each claiming in a loop (at most
// rounds times) with claimOnce until it gets nothing, and returns who got
// what. claimOnce runs in a unit of its own.
func claimLoop(t *testing.T, workers, rounds int, claimOnce func(worker int) ([]int64, error)) map[int64][]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int64][]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			for range rounds {
				ids, err := claimOnce(w)
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					got[id] = append(got[id], w)
				}
				mu.Unlock()
			}
			t.Errorf("worker %d still claiming after %d rounds", w, rounds)
		})
	}
	close(start)
	wg.Wait()
	return got
}

func wantEachOnce(t *testing.T, what string, all []int64, got map[int64][]int) {
	t.Helper()
	for _, id := range all {
		if len(got[id]) != 1 {
			t.Errorf("%s %d claimed by workers %v, want exactly one", what, id, got[id])
		}
	}
	if len(got) != len(all) {
		t.Errorf("%d %ss claimed, want %d", len(got), what, len(all))
	}
}

func testClaimDeliveriesConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	var ds []*store.Delivery
	for i := range 40 {
		order := int64(0)
		if i%2 == 1 {
			order = int64(1000 + i) // an order of its own: nothing to wait for
		}
		ds = append(ds, newDelivery(f.b1.ID, webhookTarget(int64(1+i%3)), order, at))
	}
	createDeliveries(t, s, ds...)
	owner := func(w int) string { return fmt.Sprintf("node-%d", w) }
	got := claimLoop(t, 4, 40, func(w int) ([]int64, error) {
		var cl []store.Delivery
		err := s.Update(ctx, func(tx store.Tx) error {
			var err error
			cl, err = claimAll(ctx, tx, store.DeliveryClaim{Owner: owner(w), Now: at, Until: at.Add(time.Hour), Limit: 3})
			return err
		})
		for _, d := range cl {
			if d.LeaseOwner != owner(w) {
				return nil, fmt.Errorf("claimed delivery %d carries lease owner %q", d.ID, d.LeaseOwner)
			}
		}
		return deliveryIDs(cl), err
	})
	wantEachOnce(t, "delivery", ids(ds...), got)
	for id, ws := range got {
		if g := getDelivery(t, s, id); len(ws) == 1 && g.LeaseOwner != owner(ws[0]) {
			t.Errorf("delivery %d leased by %q, but worker %d claimed it", id, g.LeaseOwner, ws[0])
		}
	}
	if left := claim(t, s, store.DeliveryClaim{Owner: "late", Now: at, Until: at.Add(time.Hour), Limit: 100}); len(left) != 0 {
		t.Fatalf("left over: %v", deliveryIDs(left))
	}
}

func testClaimEventsConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	var evs []*store.Event
	for i := range 40 {
		order := int64(0)
		if i%2 == 1 {
			order = int64(1000 + i)
		}
		evs = append(evs, &store.Event{Type: hub.EventOrderCreated, BrandID: 1, OrderID: order})
	}
	addEvents(t, s, evs...)
	got := claimLoop(t, 4, 40, func(w int) ([]int64, error) {
		var cl []store.Event
		err := s.Update(ctx, func(tx store.Tx) error {
			var err error
			if cl, err = tx.ClaimUndispatchedEvents(ctx, 3); err != nil {
				return err
			}
			for _, e := range cl {
				if err := tx.MarkEventsDispatched(ctx, []int64{e.ID}, base()); err != nil {
					return err
				}
			}
			return nil
		})
		return eventIDs(cl), err
	})
	wantEachOnce(t, "event", evIDs(evs...), got)
	if left := claimEvents(t, s, 100, base(), false, nil); len(left) != 0 {
		t.Fatalf("left over: %v", eventIDs(left))
	}
}

// heldClaim runs first in a unit that, on a store whose units run
// concurrently, stays open until second (run in another unit) has finished
// or 10 s passed. It reports whether second finished while first's unit was
// still open; on a single-writer store (SQLite) second always runs after.
func heldClaim(t *testing.T, s store.Store, first, second func(tx store.Tx) error) (overlapped bool) {
	t.Helper()
	ctx := ctxOf(t)
	concurrent := s.Dialect() != "sqlite"
	claimed := make(chan struct{})
	secondDone := make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- s.Update(ctx, func(tx store.Tx) error {
			err := first(tx)
			close(claimed)
			if err != nil {
				return err
			}
			if concurrent {
				select {
				case <-secondDone:
					overlapped = true
				case <-time.After(10 * time.Second):
				}
			}
			return nil
		})
	}()
	select {
	case <-claimed:
	case err := <-firstErr:
		t.Fatalf("first unit: %v", err)
	}
	if err := s.Update(ctx, second); err != nil {
		t.Errorf("second unit: %v", err)
	}
	close(secondDone)
	if err := <-firstErr; err != nil {
		t.Fatalf("first unit: %v", err)
	}
	if concurrent && !overlapped {
		t.Errorf("the second claim waited for the first unit to end: claimed rows must be skipped, not waited for")
	}
	return overlapped
}

// testClaimEventsSkipLocked: events claimed by an open unit are neither
// taken nor waited for by another claimer, and the next event of a claimed
// event's order is not taken either.
func testClaimEventsSkipLocked(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	e1 := &store.Event{Type: hub.EventOrderCreated, BrandID: 1, OrderID: 7}
	e2 := &store.Event{Type: hub.EventOrderPaid, BrandID: 1, OrderID: 7}
	e3 := &store.Event{Type: hub.EventStockChanged, BrandID: 1}
	e4 := &store.Event{Type: hub.EventOrderCreated, BrandID: 1, OrderID: 8}
	e5 := &store.Event{Type: hub.EventOrderCreated, BrandID: 1, OrderID: 9}
	e6 := &store.Event{Type: hub.EventStockChanged, BrandID: 1}
	addEvents(t, s, e1, e2, e3, e4, e5, e6)
	var a, b []store.Event
	mark := func(tx store.Tx, evs []store.Event) error {
		for _, e := range evs {
			if err := tx.MarkEventsDispatched(ctx, []int64{e.ID}, base()); err != nil {
				return err
			}
		}
		return nil
	}
	overlapped := heldClaim(t, s, func(tx store.Tx) error {
		var err error
		if a, err = tx.ClaimUndispatchedEvents(ctx, 3); err != nil {
			return err
		}
		return mark(tx, a)
	}, func(tx store.Tx) error {
		// Claim only: numbering waits for the dispatch lock, which the
		// first unit holds; what is skipped shows in the claim.
		var err error
		b, err = tx.ClaimUndispatchedEvents(ctx, 10)
		return err
	})
	if !slices.Equal(eventIDs(a), evIDs(e1, e3, e4)) {
		t.Fatalf("first claim = %v, want %v", eventIDs(a), evIDs(e1, e3, e4))
	}
	want := evIDs(e2, e5, e6) // after the first unit committed, e2 is next for order 7
	if overlapped {
		want = evIDs(e5, e6) // e1 is claimed but not yet dispatched: e2 waits
	}
	if !slices.Equal(eventIDs(b), want) {
		t.Fatalf("second claim = %v, want %v (while the first unit was open: %v)", eventIDs(b), want, overlapped)
	}
	rest := claimEvents(t, s, 10, base(), true, nil)
	all := append(eventIDs(a), eventIDs(rest)...)
	slices.Sort(all)
	if !slices.Equal(all, evIDs(e1, e2, e3, e4, e5, e6)) {
		t.Fatalf("events claimed overall: %v", all)
	}
}

// testClaimDeliveriesSkipLocked is the same for deliveries.
func testClaimDeliveriesSkipLocked(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	T := webhookTarget(1)
	d1 := newDelivery(f.b1.ID, T, 7, at)
	d2 := newDelivery(f.b1.ID, T, 7, at) // waits for d1 either way
	d3 := newDelivery(f.b1.ID, T, 0, at)
	d4 := newDelivery(f.b1.ID, T, 8, at)
	d5 := newDelivery(f.b1.ID, T, 9, at)
	d6 := newDelivery(f.b1.ID, T, 0, at)
	createDeliveries(t, s, d1, d2, d3, d4, d5, d6)
	var a, b []store.Delivery
	heldClaim(t, s, func(tx store.Tx) error {
		var err error
		a, err = claimAll(ctx, tx, store.DeliveryClaim{Owner: "n1", Now: at, Until: at.Add(time.Hour), Limit: 3})
		return err
	}, func(tx store.Tx) error {
		var err error
		b, err = claimAll(ctx, tx, store.DeliveryClaim{Owner: "n2", Now: at, Until: at.Add(time.Hour), Limit: 10})
		return err
	})
	if !slices.Equal(deliveryIDs(a), ids(d1, d3, d4)) || !slices.Equal(deliveryIDs(b), ids(d5, d6)) {
		t.Fatalf("claims = %v and %v, want %v and %v", deliveryIDs(a), deliveryIDs(b), ids(d1, d3, d4), ids(d5, d6))
	}
	for _, c := range []struct {
		ds    []*store.Delivery
		owner string
	}{{[]*store.Delivery{d1, d3, d4}, "n1"}, {[]*store.Delivery{d5, d6}, "n2"}, {[]*store.Delivery{d2}, ""}} {
		for _, d := range c.ds {
			if g := getDelivery(t, s, d.ID); g.LeaseOwner != c.owner {
				t.Errorf("delivery %d leased by %q, want %q", d.ID, g.LeaseOwner, c.owner)
			}
		}
	}
}

// testDeliveryOrderingConcurrent: four nodes claim and deliver the
// deliveries of two orders to one target at once; each order's deliveries
// still go one at a time, in id order.
func testDeliveryOrderingConcurrent(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	at := base()
	T := webhookTarget(1)
	orders := map[int64][]*store.Delivery{}
	var all []*store.Delivery
	for i := range 20 {
		order := int64(500 + i%2)
		d := newDelivery(f.b1.ID, T, order, at)
		orders[order] = append(orders[order], d)
		all = append(all, d)
	}
	createDeliveries(t, s, all...)
	var seq, done atomic.Int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			owner := fmt.Sprintf("node-%d", w)
			for range 400 {
				if done.Load() == int64(len(all)) {
					return
				}
				var cl []store.Delivery
				err := s.Update(ctx, func(tx store.Tx) error {
					var err error
					cl, err = claimAll(ctx, tx, store.DeliveryClaim{Owner: owner, Now: at, Until: at.Add(time.Hour), Limit: 4})
					return err
				})
				if err != nil {
					t.Errorf("%s: claim: %v", owner, err)
					return
				}
				if len(cl) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				for _, d := range cl {
					// delivered_at records the order in which the
					// attempts finished.
					when := at.Add(time.Duration(seq.Add(1)) * time.Microsecond)
					d.Status, d.Attempts, d.DeliveredAt = store.DeliveryDelivered, 1, &when
					var ok bool
					err := s.Update(ctx, func(tx store.Tx) error {
						var err error
						ok, err = tx.CompleteAttempt(ctx, owner, &d, nil)
						return err
					})
					if err != nil || !ok {
						t.Errorf("%s: complete %d: %v, %v", owner, d.ID, ok, err)
						return
					}
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := done.Load(); n != int64(len(all)) {
		t.Fatalf("%d of %d delivered", n, len(all))
	}
	for order, ds := range orders {
		var prev time.Time
		for _, d := range ds {
			g := getDelivery(t, s, d.ID)
			if g.Status != store.DeliveryDelivered || g.DeliveredAt == nil {
				t.Fatalf("delivery %d: %+v", d.ID, g)
			}
			if !g.DeliveredAt.After(prev) {
				t.Errorf("order %d: delivery %d finished at step %d, not after the one before it (step %d)",
					order, d.ID, g.DeliveredAt.Sub(at).Microseconds(), prev.Sub(at).Microseconds())
			}
			prev = *g.DeliveredAt
		}
	}
}

// testDeliveryBacklog: the gauges' figures follow the deliveries through
// pending, delivered, dead and replayed, and the outbox's oldest event
// through fan-out.
func testDeliveryBacklog(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	backlog := func() store.Backlog {
		t.Helper()
		b, err := s.DeliveryBacklog(ctx)
		if err != nil {
			t.Fatalf("DeliveryBacklog: %v", err)
		}
		return b
	}
	want := func(what string, pending, dead int64, oldest *time.Time) {
		t.Helper()
		b := backlog()
		if b.Pending != pending || b.Dead != dead || (b.OldestUndispatched == nil) != (oldest == nil) ||
			(oldest != nil && !b.OldestUndispatched.Equal(*oldest)) {
			t.Errorf("%s: backlog %d pending, %d dead, oldest %v; want %d, %d, %v", what, b.Pending, b.Dead, b.OldestUndispatched, pending, dead, oldest)
		}
	}
	want("empty", 0, 0, nil)

	f := newFixture(t, s)
	at := base()
	later := at.Add(time.Minute)
	addEvents(t, s, &store.Event{Type: hub.EventOrderCreated, BrandID: f.b1.ID, CreatedAt: at},
		&store.Event{Type: hub.EventOrderCreated, BrandID: f.b2.ID, CreatedAt: later})
	want("two events written", 0, 0, &at)
	claimEvents(t, s, 1, later, true, nil)
	want("the first fanned out", 0, 0, &later)
	claimEvents(t, s, 10, later, true, nil)
	want("every event fanned out", 0, 0, nil)

	ep := endpoint(t, s, f.b1.ID, hub.EventOrderCreated)
	k1 := newDelivery(f.b1.ID, webhookTarget(ep.ID), 0, at)
	k2 := newDelivery(f.b1.ID, webhookTarget(ep.ID), 0, at)
	k3 := newDelivery(f.b2.ID, partnerTarget(7), 0, at)
	k4 := newDelivery(f.b2.ID, partnerTarget(7), 0, at.Add(time.Hour)) // not due yet: pending all the same
	createDeliveries(t, s, k1, k2, k3, k4)
	want("four created", 4, 0, nil)
	deliverAndKill(t, s, at, []*store.Delivery{k1}, []*store.Delivery{k2, k3})
	want("one delivered, two dead", 1, 2, nil)
	update(t, s, func(tx store.Tx) error { return tx.ReplayDelivery(ctx, k2.ID, later) })
	want("one replayed", 2, 1, nil)
}
