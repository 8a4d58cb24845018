package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// The store operations of DESIGN.md §9 as a user of /hub/v1 meets them:
// snoozes, the location's status, preparation and acceptance settings,
// scheduled orders and estimates, with their events, and the refusals of
// bad input that write nothing.

// opsStart is the operations fixture's clock: 12:00 in Seoul.
var opsStart = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)

// opsFixture is the API fixture on a settable clock, with a cola and a
// lunch set whose main is the rice bowl (its only choice, so an order
// need not name it) and whose drink is the cola.
type opsFixture struct {
	*fixture
	clock *testutil.Clock
	cola  *hub.Product
	set   *hub.Product
	base  string // /hub/v1/locations/{id}
}

func newOpsFixture(t *testing.T, st store.Store) *opsFixture {
	t.Helper()
	clock := testutil.NewClock(opsStart)
	f := &opsFixture{fixture: newFixture(t, st, service.WithClock(clock.Now)), clock: clock}
	ctx := context.Background()
	f.cola = &hub.Product{BrandID: f.brand.ID, RefID: "P010", SKU: "SKU-COLA", Name: hub.I18n{"en": "Cola"}, Price: 2000,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	if err := f.Svc.SaveProduct(ctx, f.cola); err != nil {
		t.Fatal(err)
	}
	f.set = &hub.Product{BrandID: f.brand.ID, RefID: "C001", Name: hub.I18n{"en": "Lunch set"}, Type: hub.ProductCombo, Price: 11000,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true},
		ComboComponents: []hub.ComboComponent{
			{ID: 1, Name: hub.I18n{"en": "Main"}, SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: f.rice.ID}}},
			{ID: 2, Name: hub.I18n{"en": "Drink"}, SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: f.cola.ID}}},
		}}
	if err := f.Svc.SaveProduct(ctx, f.set); err != nil {
		t.Fatal(err)
	}
	f.base = "/hub/v1/locations/" + itoa(f.loc.ID)
	return f
}

// order places a hub order of lines (a JSON array) and returns the status
// and body.
func (f *opsFixture) order(lines string, extra ...string) (int, map[string]any) {
	f.T.Helper()
	body := `{"location_id":` + itoa(f.loc.ID) + `,"lines":` + lines
	for _, e := range extra {
		body += "," + e
	}
	status, m, _ := f.do("POST", "/hub/v1/orders", f.brandTok, body+"}")
	return status, m
}

// mustOrder places an order that must be taken and returns its number.
func (f *opsFixture) mustOrder(lines string, extra ...string) map[string]any {
	f.T.Helper()
	status, m := f.order(lines, extra...)
	if status != 201 {
		f.T.Fatalf("order %s: %d %v", lines, status, m)
	}
	return m
}

// sameBody compares a decoded answer with the JSON it must be, exactly.
func sameBody(t *testing.T, what string, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: the wanted body is not JSON: %v", what, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Fatalf("%s:\n got %s\nwant %s", what, g, want)
	}
}

// instant reports whether v is an RFC 3339 time of the same instant as
// want (in any offset).
func instant(v any, want string) bool {
	s, _ := v.(string)
	got, err := time.Parse(time.RFC3339, s)
	w, _ := time.Parse(time.RFC3339, want)
	return err == nil && got.Equal(w)
}

// events lists the brand's events of the given types as /hub/v1/events
// shows them, oldest first.
func (f *opsFixture) events(types ...string) []map[string]any {
	f.T.Helper()
	testutil.DispatchAll(f.T, f.Store)
	status, body, _ := f.do("GET", "/hub/v1/events?limit=500", f.brandTok, "")
	if status != 200 {
		f.T.Fatalf("events: %d %v", status, body)
	}
	var out []map[string]any
	for _, e := range body["data"].([]any) {
		ev := e.(map[string]any)
		for _, typ := range types {
			if ev["type"] == typ {
				out = append(out, ev)
			}
		}
	}
	return out
}

// snapshot is what a refused change must leave as it was: the location's
// document, the outbox, and the brand's orders.
func (f *opsFixture) snapshot() string {
	f.T.Helper()
	ctx := context.Background()
	l, err := f.Store.GetLocation(ctx, f.loc.ID)
	if err != nil {
		f.T.Fatal(err)
	}
	evs, err := f.Store.ListEventsByID(ctx, 0, 100000)
	if err != nil {
		f.T.Fatal(err)
	}
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	os, err := f.Store.ListOrders(ctx, store.OrderFilter{BrandID: f.brand.ID, Limit: 500})
	if err != nil {
		f.T.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"location": l, "events": ids, "orders": os})
	return string(b)
}

// firstDiff shows where two snapshots part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "…" + a[from:min(len(a), i+80)] + "… became …" + b[from:min(len(b), i+80)] + "…"
}

func TestStoreOperationsAPI(t *testing.T) {
	for _, sub := range []struct {
		name string
		fn   func(*testing.T, *opsFixture)
	}{
		{"snooze", testSnooze},
		{"pause", testPause},
		{"estimates", testEstimates},
		{"scheduled", testScheduled},
		{"bad input writes nothing", testOperationsBadInput},
	} {
		t.Run(sub.name, func(t *testing.T) {
			testutil.ForEachStore(t, func(t *testing.T, st store.Store) { sub.fn(t, newOpsFixture(t, st)) })
		})
	}
}

// testSnooze: a snoozed product (by ref, SKU or hub id) is refused as not
// available, alone or as a combo's component, until it is unsnoozed or
// its until passes; the snoozes list and the events say so.
func testSnooze(t *testing.T, f *opsFixture) {
	riceLine := `[{"product":"P001","quantity":1}]`
	setLine := `[{"product":"C001","quantity":1}]`
	f.mustOrder(riceLine) // orderable before

	status, body, _ := f.do("POST", f.base+"/snooze", f.brandTok,
		`{"products":["P001"],"until":"2026-03-10T04:00:00Z","reason":"  out of rice  "}`)
	if status != 200 {
		t.Fatalf("snooze: %d %v", status, body)
	}
	sameBody(t, "snooze answer", body, `{"location_id":`+itoa(f.loc.ID)+`,"data":[{"product_id":`+itoa(f.rice.ID)+
		`,"ref_id":"P001","name":"Rice bowl","until":"2026-03-10T04:00:00Z","reason":"out of rice","since":"2026-03-10T03:00:00Z"}]}`)
	status, body, _ = f.do("GET", f.base+"/snoozes", f.brandTok, "")
	if status != 200 || len(body["data"].([]any)) != 1 {
		t.Fatalf("snoozes: %d %v", status, body)
	}

	status, body = f.order(riceLine)
	if status != 409 {
		t.Fatalf("snoozed product ordered: %d %v", status, body)
	}
	sameBody(t, "snoozed product", body, `{"error":{"code":"conflict","message":"Rice bowl is off the menu at Seoul until 13:00",
		"details":{"field":"lines[0].product","reason":"not_available","snoozed":true,"available_at":"2026-03-10T04:00:00Z"}}}`)
	// Named in the combo, or filled in as the combo's only main: the set
	// is not available either.
	for _, lines := range []string{
		`[{"product":"C001","quantity":1,"combo":[{"component_id":1,"product":"P001"},{"component_id":2,"product":"P010"}]}]`,
		setLine,
	} {
		status, body = f.order(lines)
		if code, _ := errorOf(body); status != 409 || code != "conflict" || body["error"].(map[string]any)["details"].(map[string]any)["reason"] != "not_available" {
			t.Fatalf("combo with a snoozed main %s: %d %v", lines, status, body)
		}
	}
	f.mustOrder(`[{"product":"P010","quantity":1}]`) // the rest of the menu is on

	// Past until it is orderable again with no unsnooze (and no sweep).
	f.clock.Set(time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC))
	f.mustOrder(riceLine)
	f.mustOrder(setLine)
	if status, body, _ := f.do("GET", f.base+"/snoozes", f.brandTok, ""); status != 200 || len(body["data"].([]any)) != 0 {
		t.Fatalf("snoozes after until: %d %v", status, body)
	}

	// Until unsnoozed, named by SKU and by hub id; unsnoozed by ref.
	status, body, _ = f.do("POST", f.base+"/snooze", f.brandTok, `{"products":["SKU-COLA",`+itoa(f.rice.ID)+`],"until":null}`)
	if status != 200 || len(body["data"].([]any)) != 2 || body["data"].([]any)[0].(map[string]any)["until"] != nil {
		t.Fatalf("snooze by SKU and id: %d %v", status, body)
	}
	status, body = f.order(`[{"product":"P010","quantity":1}]`)
	sameBody(t, "snoozed until unsnoozed", body, `{"error":{"code":"conflict","message":"Cola is off the menu at Seoul",
		"details":{"field":"lines[0].product","reason":"not_available","snoozed":true}}}`)
	f.clock.Add(24 * time.Hour)
	if status, _ = f.order(riceLine); status != 409 {
		t.Fatalf("a snooze without until ended by itself: %d", status)
	}
	status, body, _ = f.do("POST", f.base+"/unsnooze", f.brandTok, `{"products":["P001","P010"]}`)
	if status != 200 {
		t.Fatalf("unsnooze: %d %v", status, body)
	}
	sameBody(t, "unsnooze answer", body, `{"location_id":`+itoa(f.loc.ID)+`,"data":[]}`)
	f.mustOrder(riceLine)
	f.mustOrder(setLine)
	l, err := f.Store.GetLocation(context.Background(), f.loc.ID)
	if err != nil || l.Snoozes != nil {
		t.Fatalf("after unsnoozing everything the location keeps %v (%v)", l.Snoozes, err)
	}

	// The events: who, what, until when.
	evs := f.events(string(hub.EventProductSnoozed), string(hub.EventProductUnsnoozed))
	if len(evs) != 3 {
		t.Fatalf("%d snooze events, want 3: %v", len(evs), evs)
	}
	actor := evs[0]["payload"].(map[string]any)["data"].(map[string]any)["actor"]
	if s, _ := actor.(string); !strings.HasPrefix(s, "hub:credential ") {
		t.Fatalf("actor %v", actor)
	}
	loc, rice, cola := float64(f.loc.ID), float64(f.rice.ID), float64(f.cola.ID)
	for i, want := range []struct {
		typ  string
		data map[string]any
	}{
		{"product.snoozed", map[string]any{"location_id": loc, "products": []any{rice}, "until": "2026-03-10T04:00:00Z", "reason": "out of rice", "actor": actor}},
		{"product.snoozed", map[string]any{"location_id": loc, "products": []any{cola, rice}, "until": nil, "reason": "", "actor": actor}},
		{"product.unsnoozed", map[string]any{"location_id": loc, "products": []any{rice, cola}, "actor": actor}},
	} {
		p := evs[i]["payload"].(map[string]any)
		if evs[i]["type"] != want.typ || p["type"] != want.typ || !reflect.DeepEqual(p["data"], want.data) {
			t.Errorf("event %d: %v, want %s %v", i, evs[i], want.typ, want.data)
		}
	}

	// Unsnoozing what is not snoozed changes nothing and says nothing; a
	// product named twice is snoozed (and announced) once, its until in UTC.
	if status, _, _ := f.do("POST", f.base+"/unsnooze", f.brandTok, `{"products":["P001"]}`); status != 200 {
		t.Fatalf("unsnooze of a product not snoozed: %d", status)
	}
	if evs := f.events(string(hub.EventProductSnoozed), string(hub.EventProductUnsnoozed)); len(evs) != 3 {
		t.Fatalf("unsnoozing a product not snoozed wrote an event: %v", evs[3:])
	}
	if status, body, _ := f.do("POST", f.base+"/snooze", f.brandTok, `{"products":["P001","P001",`+itoa(f.rice.ID)+`],"until":"2026-03-11T21:00:00+09:00"}`); status != 200 {
		t.Fatalf("snooze naming a product twice: %d %v", status, body)
	}
	evs = f.events(string(hub.EventProductSnoozed), string(hub.EventProductUnsnoozed))
	if data := evs[len(evs)-1]["payload"].(map[string]any)["data"].(map[string]any); !reflect.DeepEqual(data["products"], []any{rice}) || data["until"] != "2026-03-11T12:00:00Z" {
		t.Fatalf("snooze event of a product named twice: %v", data)
	}
}

// testPause: a paused location refuses new orders (409 location_paused)
// while the orders it has taken go on to the end; past until it is online
// again; busy takes orders. location.status_changed says each change.
func testPause(t *testing.T, f *opsFixture) {
	line := `[{"product":"P001","quantity":1}]`
	a, b := f.mustOrder(line)["number"].(string), f.mustOrder(line)["number"].(string)
	if status, body, _ := f.do("GET", f.base+"/status", f.brandTok, ""); status != 200 {
		t.Fatalf("status: %d %v", status, body)
	} else {
		sameBody(t, "status of a new location", body, `{"mode":"online","extra_prep_minutes":0,"until":null}`)
	}

	status, body, _ := f.do("PUT", f.base+"/status", f.brandTok, `{"mode":"paused","until":"2026-03-10T03:30:00Z","reason":"kitchen fire"}`)
	if status != 200 {
		t.Fatalf("pause: %d %v", status, body)
	}
	paused := `{"mode":"paused","extra_prep_minutes":0,"until":"2026-03-10T03:30:00Z","reason":"kitchen fire","since":"2026-03-10T03:00:00Z"}`
	sameBody(t, "pause answer", body, paused)
	_, body, _ = f.do("GET", f.base+"/status", f.brandTok, "")
	sameBody(t, "status while paused", body, paused)

	status, body = f.order(line)
	if status != 409 {
		t.Fatalf("order at a paused location: %d %v", status, body)
	}
	sameBody(t, "paused", body, `{"error":{"code":"conflict","message":"Seoul is paused and takes no orders until 12:30: kitchen fire",
		"details":{"field":"location_id","reason":"location_paused"}}}`)
	// The orders taken go on: the store moves them to the end, or cancels.
	for _, action := range []string{"confirm", "prepare", "ready", "complete"} {
		if status, body, _ := f.do("POST", "/hub/v1/orders/"+a+"/actions/"+action, f.brandTok, ""); status != 200 {
			t.Fatalf("%s while paused: %d %v", action, status, body)
		}
	}
	status, body, _ = f.do("POST", "/hub/v1/orders/"+b+"/actions/cancel", f.brandTok, `{"reason":"no gas"}`)
	if status != 200 || body["status_name"] != "cancelled" || body["cancel_reason"] != "no gas" {
		t.Fatalf("cancel while paused: %d %v", status, body)
	}

	// Past until: online, orders taken.
	f.clock.Set(time.Date(2026, 3, 10, 3, 30, 0, 0, time.UTC))
	_, body, _ = f.do("GET", f.base+"/status", f.brandTok, "")
	sameBody(t, "status past until", body, `{"mode":"online","extra_prep_minutes":0,"until":null}`)
	// The location itself reads as it stands: online, the defaults of
	// acceptance and preparation filled in.
	_, body, _ = f.do("GET", f.base, f.brandTok, "")
	for _, c := range []struct{ key, want string }{
		{"status", `{"extra_prep_minutes":0,"mode":"online","until":null}`},
		{"accept", `{"deadline_seconds":600,"mode":"manual"}`},
		{"prep_minutes", `15`},
	} {
		got, _ := json.Marshal(body[c.key])
		if string(got) != c.want {
			t.Errorf("location %s past the pause: %s, want %s", c.key, got, c.want)
		}
	}
	f.mustOrder(line)

	// Paused until changed; busy takes orders; online again.
	for _, c := range []struct{ put, want string }{
		{`{"mode":"paused"}`, `{"mode":"paused","extra_prep_minutes":0,"until":null,"since":"2026-03-10T03:30:00Z"}`},
		{`{"mode":"busy","extra_prep_minutes":10,"reason":"rush"}`, `{"mode":"busy","extra_prep_minutes":10,"until":null,"reason":"rush","since":"2026-03-10T03:30:00Z"}`},
		{`{"mode":"online","reason":"  "}`, `{"mode":"online","extra_prep_minutes":0,"until":null,"since":"2026-03-10T03:30:00Z"}`},
	} {
		status, body, _ := f.do("PUT", f.base+"/status", f.brandTok, c.put)
		if status != 200 {
			t.Fatalf("PUT %s: %d %v", c.put, status, body)
		}
		sameBody(t, "PUT "+c.put, body, c.want)
		status, body = f.order(line)
		if strings.Contains(c.put, "paused") {
			if status != 409 || body["error"].(map[string]any)["message"] != "Seoul is paused and takes no orders" {
				t.Fatalf("paused until changed: %d %v", status, body)
			}
		} else if status != 201 {
			t.Fatalf("order while %s: %d %v", c.put, status, body)
		}
	}
	if status, _, _ := f.do("GET", f.base+"/status", f.otherTok, ""); status != 404 {
		t.Fatalf("another brand reads the status: %d", status)
	}
	if status, _, _ := f.do("PUT", f.base+"/status", f.otherTok, `{"mode":"paused"}`); status != 404 {
		t.Fatalf("another brand pauses the location: %d", status)
	}

	evs := f.events(string(hub.EventLocationStatusChanged))
	if len(evs) != 4 {
		t.Fatalf("%d status events, want 4: %v", len(evs), evs)
	}
	for i, want := range []struct{ from, status string }{
		{"online", paused},
		// The pause had ended by itself: the change is from online.
		{"online", `{"mode":"paused","extra_prep_minutes":0,"until":null,"since":"2026-03-10T03:30:00Z"}`},
		{"paused", `{"mode":"busy","extra_prep_minutes":10,"until":null,"reason":"rush","since":"2026-03-10T03:30:00Z"}`},
		{"busy", `{"mode":"online","extra_prep_minutes":0,"until":null,"since":"2026-03-10T03:30:00Z"}`},
	} {
		data := evs[i]["payload"].(map[string]any)["data"].(map[string]any)
		if data["from"] != want.from || data["location_id"] != float64(f.loc.ID) || evs[i]["order_id"] != nil && evs[i]["order_id"] != float64(0) {
			t.Errorf("status event %d: %v", i, data)
		}
		sameBody(t, "status event's status", data["status"].(map[string]any), want.status)
	}
}

// testEstimates: estimated_ready_at is the acceptance time plus the
// location's prep_minutes, longer by a busy location's extra minutes,
// and counted again when the store accepts; auto acceptance confirms as
// the system at once.
func testEstimates(t *testing.T, f *opsFixture) {
	line := `[{"product":"P010","quantity":1}]`
	at := func(min int) string { return opsStart.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
	o := f.mustOrder(line)
	if o["estimated_ready_at"] != at(15) || o["accept_mode"] != "manual" || o["accept_by"] != at(10) || o["scheduled"] != false {
		t.Fatalf("default estimate (15 min) and deadline (600 s): %v", o)
	}
	if status, body, _ := f.do("PUT", f.base+"/status", f.brandTok, `{"mode":"busy","extra_prep_minutes":10}`); status != 200 {
		t.Fatalf("busy: %d %v", status, body)
	}
	busy := f.mustOrder(line)
	if busy["estimated_ready_at"] != at(25) {
		t.Fatalf("busy +10: estimated_ready_at %v, want %s", busy["estimated_ready_at"], at(25))
	}
	// Accepted five minutes later, still busy: counted from then.
	f.clock.Add(5 * time.Minute)
	status, body, _ := f.do("POST", "/hub/v1/orders/"+busy["number"].(string)+"/actions/confirm", f.brandTok, "")
	if status != 200 || body["estimated_ready_at"] != at(30) {
		t.Fatalf("confirmed at +5 while busy: %d %v, want %s", status, body["estimated_ready_at"], at(30))
	}
	if status, body, _ := f.do("GET", "/hub/v1/orders/"+busy["number"].(string), f.brandTok, ""); status != 200 || body["estimated_ready_at"] != at(30) {
		t.Fatalf("order view: %d %v", status, body)
	}
	if status, body, _ := f.do("PUT", f.base+"/status", f.brandTok, `{"mode":"online"}`); status != 200 {
		t.Fatalf("online: %d %v", status, body)
	}
	// A deadline alone keeps the default mode (manual).
	status, body, _ = f.do("PATCH", f.base, f.brandTok, `{"accept":{"deadline_seconds":60}}`)
	if status != 200 || !reflect.DeepEqual(body["accept"], map[string]any{"mode": "manual", "deadline_seconds": float64(60)}) {
		t.Fatalf("PATCH a deadline alone: %d %v", status, body)
	}
	if o := f.mustOrder(line); o["accept_by"] != at(6) {
		t.Fatalf("deadline 60 s: accept_by %v, want %s", o["accept_by"], at(6))
	}
	// A mode alone keeps the deadline.
	status, body, _ = f.do("PATCH", f.base, f.brandTok, `{"prep_minutes":20,"accept":{"mode":"auto"}}`)
	if status != 200 || body["prep_minutes"] != float64(20) || !reflect.DeepEqual(body["accept"], map[string]any{"mode": "auto", "deadline_seconds": float64(60)}) {
		t.Fatalf("PATCH prep and accept: %d %v", status, body)
	}
	auto := f.mustOrder(line)
	if auto["status_name"] != "confirmed" || auto["estimated_ready_at"] != at(25) || auto["accept_mode"] != "auto" || auto["accept_by"] != nil {
		t.Fatalf("auto accepted, 20 min: %v", auto)
	}
	status, body, _ = f.do("GET", "/hub/v1/orders/"+auto["number"].(string)+"/history", f.brandTok, "")
	hist, _ := body["data"].([]any)
	if status != 200 || len(hist) != 2 || hist[1].(map[string]any)["actor"] != "system" || hist[1].(map[string]any)["action"] != "confirm" {
		t.Fatalf("auto acceptance history: %d %v", status, body)
	}
	// The settings are the location's; status and snoozes are not
	// changed through PATCH, so nothing else moved.
	l, err := f.Store.GetLocation(context.Background(), f.loc.ID)
	if err != nil || l.PrepMinutes != 20 || l.Accept != (hub.AcceptPolicy{Mode: hub.AcceptAuto, DeadlineSeconds: 60}) || l.Status.Mode != hub.ModeOnline {
		t.Fatalf("location after PATCH: %+v %v", l, err)
	}
}

// testScheduled: an order for later is taken at once (its stock held)
// and shows "scheduled": true until scheduled_for − prep_minutes, when its
// acceptance starts; it is estimated ready at its time.
func testScheduled(t *testing.T, f *opsFixture) {
	one := int64(1)
	if err := f.Svc.SetStock(context.Background(), f.brand.ID, f.loc.ID, f.rice.ID, &one); err != nil {
		t.Fatal(err)
	}
	o := f.mustOrder(`[{"product":"P001","quantity":1}]`, `"scheduled_for":"2026-03-10T14:00:00+09:00"`)
	number := o["number"].(string)
	// Acceptance starts 15 minutes (prep) before 14:00, its deadline 600 s
	// later; it should be ready at its time.
	if o["status_name"] != "new" || o["scheduled"] != true || !instant(o["scheduled_for"], "2026-03-10T05:00:00Z") ||
		!instant(o["accept_from"], "2026-03-10T04:45:00Z") || !instant(o["accept_by"], "2026-03-10T04:55:00Z") ||
		!instant(o["estimated_ready_at"], "2026-03-10T05:00:00Z") {
		t.Fatalf("scheduled order: %v", o)
	}
	// Its stock is held at once.
	if status, body, _ := f.do("GET", f.base+"/stock/"+itoa(f.rice.ID), f.brandTok, ""); status != 200 || body["quantity"] != float64(0) {
		t.Fatalf("stock after a scheduled order: %d %v", status, body)
	}
	if status, body := f.order(`[{"product":"P001","quantity":1}]`); status != 409 {
		t.Fatalf("the held stock was sold again: %d %v", status, body)
	}
	scheduled := func() any {
		t.Helper()
		status, body, _ := f.do("GET", "/hub/v1/orders/"+number, f.brandTok, "")
		if status != 200 {
			t.Fatalf("get: %d %v", status, body)
		}
		status, list, _ := f.do("GET", "/hub/v1/orders?status=new", f.brandTok, "")
		if status != 200 || len(list["data"].([]any)) != 1 || list["data"].([]any)[0].(map[string]any)["scheduled"] != body["scheduled"] {
			t.Fatalf("list: %d %v", status, list)
		}
		return body["scheduled"]
	}
	f.clock.Set(time.Date(2026, 3, 10, 4, 44, 59, 0, time.UTC))
	if s := scheduled(); s != true {
		t.Fatalf("a second before 13:45: scheduled %v", s)
	}
	f.clock.Set(time.Date(2026, 3, 10, 4, 45, 0, 0, time.UTC))
	if s := scheduled(); s != false {
		t.Fatalf("at 13:45 (14:00 − 15 min): scheduled %v", s)
	}

	// Confirmed early, a scheduled order still waits for its time; done,
	// it is no longer shown apart.
	f.clock.Set(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC))
	later := f.mustOrder(`[{"product":"P010","quantity":1}]`, `"scheduled_for":"2026-03-10T14:00:00+09:00"`)["number"].(string)
	for _, c := range []struct {
		action string
		want   any
	}{{"confirm", true}, {"cancel", false}} {
		status, body, _ := f.do("POST", "/hub/v1/orders/"+later+"/actions/"+c.action, f.brandTok, "")
		if status != 200 || body["scheduled"] != c.want {
			t.Fatalf("scheduled order after %s: %d, scheduled %v, want %v", c.action, status, body["scheduled"], c.want)
		}
	}
}

// testOperationsBadInput: every refused change names its field with a
// 4xx and writes nothing (the location, the outbox, the orders).
func testOperationsBadInput(t *testing.T, f *opsFixture) {
	number := f.mustOrder(`[{"product":"P001","quantity":1}]`)["number"].(string)
	long := strings.Repeat("x", hub.MaxReasonLength+1)
	loc := itoa(f.loc.ID)
	order := func(extra string) string {
		return `{"location_id":` + loc + `,"lines":[{"product":"P001","quantity":1}],` + extra + `}`
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		code, field              string
		msg                      string // in the message
	}{
		// Snooze and unsnooze.
		{"snooze until in the past", "POST", "/snooze", `{"products":["P001"],"until":"2026-03-10T11:59:59+09:00"}`, 400, "invalid", "until", "future"},
		{"snooze until now", "POST", "/snooze", `{"products":["P001"],"until":"2026-03-10T03:00:00Z"}`, 400, "invalid", "until", "future"},
		{"snooze until not RFC 3339", "POST", "/snooze", `{"products":["P001"],"until":"tomorrow 9am"}`, 400, "invalid", "until", "RFC 3339"},
		{"snooze until without zone", "POST", "/snooze", `{"products":["P001"],"until":"2026-03-10T18:00:00"}`, 400, "invalid", "until", "RFC 3339"},
		{"snooze until a number", "POST", "/snooze", `{"products":["P001"],"until":1773111600}`, 400, "invalid", "until", "RFC 3339"},
		{"snooze unknown product", "POST", "/snooze", `{"products":["P001","NOPE"]}`, 404, "not_found", "products[1]", `"NOPE"`},
		{"snooze no products", "POST", "/snooze", `{"products":[]}`, 400, "invalid", "products", "at least one"},
		{"snooze products missing", "POST", "/snooze", `{"until":null}`, 400, "invalid", "products", "at least one"},
		{"snooze product not a string", "POST", "/snooze", `{"products":[true]}`, 400, "invalid", "products", "must be a string"},
		{"snooze product null", "POST", "/snooze", `{"products":[null]}`, 400, "invalid", "products[0]", "must name a product"},
		{"snooze product empty", "POST", "/snooze", `{"products":["P001","  "]}`, 400, "invalid", "products[1]", "must name a product"},
		{"snooze product a fraction", "POST", "/snooze", `{"products":[1.5]}`, 400, "invalid", "products", "must be a string"},
		{"snooze product an exponent", "POST", "/snooze", `{"products":[1e3]}`, 400, "invalid", "products", "must be a string"},
		{"snooze until over a year", "POST", "/snooze", `{"products":["P001"],"until":"9999-12-31T23:59:59Z"}`, 400, "invalid", "until", "366 days"},
		{"pause until over a year", "PUT", "/status", `{"mode":"paused","until":"9999-12-31T23:59:59Z"}`, 400, "invalid", "until", "366 days"},
		{"snooze unknown field", "POST", "/snooze", `{"products":["P001"],"untill":"2026-03-10T18:00:00Z"}`, 400, "invalid", "untill", "unknown"},
		{"snooze reason too long", "POST", "/snooze", `{"products":["P001"],"reason":"` + long + `"}`, 400, "invalid", "reason", "200"},
		{"snooze malformed", "POST", "/snooze", `{"products":`, 400, "invalid", "body", ""},
		{"unsnooze until", "POST", "/unsnooze", `{"products":["P001"],"until":null}`, 400, "invalid", "until", "unknown"},
		{"unsnooze unknown product", "POST", "/unsnooze", `{"products":["NOPE"]}`, 404, "not_found", "products[0]", `"NOPE"`},
		{"unsnooze no products", "POST", "/unsnooze", `{}`, 400, "invalid", "products", "at least one"},
		// Status.
		{"status without mode", "PUT", "/status", `{}`, 400, "invalid", "mode", "online, busy or paused"},
		{"status mode outside the list", "PUT", "/status", `{"mode":"closed"}`, 400, "invalid", "mode", "online, busy or paused"},
		{"status mode in capitals", "PUT", "/status", `{"mode":"PAUSED"}`, 400, "invalid", "mode", "online, busy or paused"},
		{"status negative minutes", "PUT", "/status", `{"mode":"busy","extra_prep_minutes":-5}`, 400, "invalid", "extra_prep_minutes", "between 0 and 1440"},
		{"status too many minutes", "PUT", "/status", `{"mode":"busy","extra_prep_minutes":1441}`, 400, "invalid", "extra_prep_minutes", "between 0 and 1440"},
		{"status fractional minutes", "PUT", "/status", `{"mode":"busy","extra_prep_minutes":2.5}`, 400, "invalid", "extra_prep_minutes", ""},
		{"status minutes as a string", "PUT", "/status", `{"mode":"busy","extra_prep_minutes":"10"}`, 400, "invalid", "extra_prep_minutes", ""},
		{"extra minutes while paused", "PUT", "/status", `{"mode":"paused","extra_prep_minutes":5}`, 400, "invalid", "extra_prep_minutes", "busy only"},
		{"extra minutes while online", "PUT", "/status", `{"mode":"online","extra_prep_minutes":5}`, 400, "invalid", "extra_prep_minutes", "busy only"},
		{"status until in the past", "PUT", "/status", `{"mode":"paused","until":"2026-03-10T02:00:00Z"}`, 400, "invalid", "until", "future"},
		{"status until not RFC 3339", "PUT", "/status", `{"mode":"paused","until":"in an hour"}`, 400, "invalid", "until", "RFC 3339"},
		{"online with until", "PUT", "/status", `{"mode":"online","until":"2026-03-10T05:00:00Z"}`, 400, "invalid", "until", "no end"},
		{"status unknown field", "PUT", "/status", `{"mode":"busy","extra_minutes":5}`, 400, "invalid", "extra_minutes", "unknown"},
		{"status reason too long", "PUT", "/status", `{"mode":"paused","reason":"` + long + `"}`, 400, "invalid", "reason", "200"},
		// The location's settings.
		{"prep_minutes 0", "PATCH", "", `{"prep_minutes":0}`, 400, "invalid", "prep_minutes", "between 1 and 1440"},
		{"prep_minutes negative", "PATCH", "", `{"prep_minutes":-5}`, 400, "invalid", "prep_minutes", "between 1 and 1440"},
		{"prep_minutes huge", "PATCH", "", `{"prep_minutes":100000}`, 400, "invalid", "prep_minutes", "between 1 and 1440"},
		{"prep_minutes a string", "PATCH", "", `{"prep_minutes":"15"}`, 400, "invalid", "prep_minutes", ""},
		{"accept.mode outside the list", "PATCH", "", `{"accept":{"mode":"sometimes"}}`, 400, "invalid", "accept.mode", "manual or auto"},
		{"accept.deadline_seconds negative", "PATCH", "", `{"accept":{"mode":"manual","deadline_seconds":-1}}`, 400, "invalid", "accept.deadline_seconds", "between 30 and 86400 (0: the default, 600)"},
		{"accept.deadline_seconds under the minimum", "PATCH", "", `{"accept":{"mode":"manual","deadline_seconds":1}}`, 400, "invalid", "accept.deadline_seconds", "between 30 and 86400 (0: the default, 600)"},
		{"accept.deadline_seconds huge", "PATCH", "", `{"accept":{"mode":"manual","deadline_seconds":86401}}`, 400, "invalid", "accept.deadline_seconds", "between 30 and 86400 (0: the default, 600)"},
		{"accept unknown field", "PATCH", "", `{"accept":{"mode":"auto","deadline":5}}`, 400, "invalid", "deadline", "unknown"},
		{"PATCH status", "PATCH", "", `{"status":{"mode":"paused"}}`, 400, "invalid", "status", "/status"},
		{"PATCH snoozes", "PATCH", "", `{"snoozes":{"` + itoa(f.rice.ID) + `":{"until":null,"since":"2026-03-10T03:00:00Z"}}}`, 400, "invalid", "snoozes", "snooze"},
		{"PATCH status with a good prep", "PATCH", "", `{"prep_minutes":30,"status":{"mode":"busy","extra_prep_minutes":5}}`, 400, "invalid", "status", "/status"},
		// Orders for later, and cancel reasons.
		{"scheduled_for in the past", "POST", "/hub/v1/orders", order(`"scheduled_for":"2026-03-10T11:00:00+09:00"`), 400, "invalid", "scheduled_for", "past"},
		{"scheduled_for too far", "POST", "/hub/v1/orders", order(`"scheduled_for":"2026-03-17T03:00:01Z"`), 400, "invalid", "scheduled_for", "7 days"},
		{"scheduled_for not RFC 3339", "POST", "/hub/v1/orders", order(`"scheduled_for":"tonight"`), 400, "invalid", "scheduled_for", "RFC 3339"},
		{"reason on confirm", "POST", "/hub/v1/orders/" + number + "/actions/confirm", `{"reason":"because"}`, 400, "invalid", "reason", "cancel only"},
		{"cancel reason too long", "POST", "/hub/v1/orders/" + number + "/actions/cancel", `{"reason":"` + long + `"}`, 400, "invalid", "reason", "200"},
		{"cancel unknown field", "POST", "/hub/v1/orders/" + number + "/actions/cancel", `{"why":"x"}`, 400, "invalid", "why", "unknown"},
		// Whose location.
		{"unknown location", "POST", "/hub/v1/locations/999999/snooze", `{"products":["P001"]}`, 404, "not_found", "", "location"},
	}
	before := f.snapshot()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if !strings.HasPrefix(path, "/hub/v1/") {
				path = f.base + path
			}
			status, body, _ := f.do(c.method, path, f.brandTok, c.body)
			code, field := errorOf(body)
			e, _ := body["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if status != c.status || code != c.code || field != c.field || !strings.Contains(msg, c.msg) {
				t.Fatalf("got %d %s field %q %q, want %d %s field %q with %q", status, code, field, msg, c.status, c.code, c.field, c.msg)
			}
			if after := f.snapshot(); after != before {
				defer func() { before = after }() // report each write once
				t.Fatalf("a refused change wrote: %s", firstDiff(before, after))
			}
		})
	}
	// Another brand's location is not found, and nothing changes.
	for _, p := range []string{"/snooze", "/unsnooze"} {
		if status, body, _ := f.do("POST", f.base+p, f.otherTok, `{"products":["P001"]}`); status != 404 {
			t.Fatalf("another brand's %s: %d %v", p, status, body)
		}
	}
	if after := f.snapshot(); after != before {
		t.Fatal("another brand's refused change wrote")
	}
}
