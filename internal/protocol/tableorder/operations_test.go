package tableorder

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestStoreOperations: the QR door obeys the store's controls (DESIGN.md
// §9) in its own envelope: a paused location answers 409 location_paused,
// a snoozed product (alone or as a combo's main) 409 not_available at the
// item's path; neither stores anything, and both end by themselves.
func TestStoreOperations(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		plain, combo := seed(t, "seed_plain.json"), seed(t, "seed_combo.json")
		// The combo without its main: the slot has one item, filled in.
		var doc map[string]any
		must(t, json.Unmarshal([]byte(combo), &doc))
		item := doc["cart"].(map[string]any)["items"].([]any)[0].(map[string]any)
		noMain := mutate(t, combo, edit{path: "cart.items[0].selected_modifier_groups", v: item["selected_modifier_groups"].([]any)[1:]},
			edit{path: "id", v: "NO-MAIN"})
		until := func(d time.Duration) *time.Time { u := f.Clock.Now().Add(d); return &u }
		refused := func(what, body string, want string) {
			t.Helper()
			before, stock := f.orderCount(), f.stockOf("P001")
			res := f.post(tok, body)
			if res.Status != http.StatusConflict || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s: %d %s", what, res.Status, res.Body)
			}
			var w map[string]any
			must(t, json.Unmarshal([]byte(want), &w))
			if got := res.Object(t); !reflect.DeepEqual(got, w) {
				t.Fatalf("%s:\n got %s\nwant %s", what, res.Body, want)
			}
			if f.orderCount() != before || f.stockOf("P001") != stock {
				t.Fatalf("%s: a refused order stored something", what)
			}
		}
		taken := func(what, body string) {
			t.Helper()
			if res := f.post(tok, body); res.Status != http.StatusNoContent {
				t.Fatalf("%s: %d %s", what, res.Status, res.Body)
			}
		}

		// Paused until 12:30 Taipei: every order is refused, whole.
		_, err := f.Svc.SetLocationStatus(f.Ctx, service.StatusInput{BrandID: f.brand.ID, LocationID: f.loc.ID,
			Status: hub.LocationStatus{Mode: hub.ModePaused, Until: until(30 * time.Minute), Reason: "deep clean"}})
		must(t, err)
		refused("paused", plain, `{"error":{"code":"location_paused","message":"Taipei Main is paused and takes no orders until 12:30: deep clean"}}`)
		f.Clock.Add(30 * time.Minute)
		tok = f.token() // the clock moves tokens on too
		taken("past the pause", plain)

		// A snoozed dish, and a snoozed combo main (named or filled in).
		snooze := func(ref string, d time.Duration) {
			t.Helper()
			_, err := f.Svc.Snooze(f.Ctx, service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{ref}, Until: until(d)})
			must(t, err)
		}
		snooze("P001", time.Hour) // until 13:30
		refused("snoozed dish", mutate(t, plain, edit{path: "id", v: "S-1"}),
			`{"error":{"code":"not_available","message":"番茄泡菜炒豆包 is off the menu at Taipei Main until 13:30","path":"cart.items[0].id"}}`)
		snooze("UC06000002", 2*time.Hour) // until 14:30
		refused("combo naming its snoozed main", combo,
			`{"error":{"code":"not_available","message":"炸雞腿飯 is off the menu at Taipei Main until 14:30","path":"cart.items[0].selected_modifier_groups[0].selected_items[0].id"}}`)
		refused("combo whose only main is snoozed", noMain,
			`{"error":{"code":"not_available","message":"A餐-炸雞腿飯: 炸雞腿飯 is off the menu at Taipei Main until 14:30","path":"cart.items[0].id"}}`)
		// Past their until, orderable with no unsnooze.
		f.Clock.Add(time.Hour)
		tok = f.token()
		taken("dish past its snooze", mutate(t, plain, edit{path: "id", v: "S-2"}))
		refused("combo still snoozed", combo,
			`{"error":{"code":"not_available","message":"炸雞腿飯 is off the menu at Taipei Main until 14:30","path":"cart.items[0].selected_modifier_groups[0].selected_items[0].id"}}`)
		_, err = f.Svc.Unsnooze(f.Ctx, service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{"UC06000002"}})
		must(t, err)
		taken("combo unsnoozed", combo)
		taken("combo without its main, unsnoozed", mutate(t, noMain, edit{path: "id", v: "S-3"}))
	})
}

// stockOf is a product's tracked stock at the QR location (-1 untracked).
func (f *fixture) stockOf(ref string) int64 {
	f.T.Helper()
	q, err := f.Store.GetStock(f.Ctx, f.loc.ID, f.ids[ref])
	must(f.T, err)
	if q == nil {
		return -1
	}
	return *q
}
