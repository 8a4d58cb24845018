package kakao

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestStoreOperations: the bot's door obeys the store's controls
// (DESIGN.md §9) in the seed's envelope: the menu shows storeStatus, and a
// snoozed product soldOut (with availableAt when the snooze has an end),
// a combo whose main is snoozed too; a paused store answers 409 {"error":
// "store is paused"}, a snoozed product 409 naming the item; orders taken
// go on while paused; a busy store's estimates are longer, and the status
// call shows estimatedReadyAt.
func TestStoreOperations(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		storeID := itoa(f.loc.ID)
		orders := "/api/v1/stores/" + storeID + "/orders"
		count := func() int {
			os, err := st.ListOrders(f.Ctx, store.OrderFilter{BrandID: f.brand.ID})
			must(t, err)
			return len(os)
		}
		menu := func() (menuView, map[string]menuItemView, map[string]any) {
			t.Helper()
			res := f.do("GET", "/api/v1/stores/"+storeID+"/items", f.botKey, "")
			if res.Status != http.StatusOK {
				t.Fatalf("menu: %d %s", res.Status, res.Body)
			}
			var m menuView
			must(t, json.Unmarshal(res.Body, &m))
			items := map[string]menuItemView{}
			raw := map[string]any{}
			for i, it := range m.Items {
				items[it.ID] = it
				raw[it.ID] = res.Object(t)["items"].([]any)[i]
			}
			return m, items, raw
		}
		refused := func(what, body, want string) {
			t.Helper()
			before := count()
			res := f.do("POST", orders, f.botKey, body)
			if res.Status != http.StatusConflict || string(res.Body) != want+"\n" {
				t.Fatalf("%s: %d %s, want 409 %s", what, res.Status, res.Body, want)
			}
			if count() != before {
				t.Fatalf("%s: a refused order was stored", what)
			}
		}
		status := func(s hub.LocationStatus) {
			t.Helper()
			_, err := f.Svc.SetLocationStatus(f.Ctx, service.StatusInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Status: s})
			must(t, err)
		}
		at := func(d time.Duration) *time.Time { u := f.Clock.Now().Add(d); return &u }

		if m, _, _ := menu(); m.StoreStatus != "online" {
			t.Fatalf("storeStatus %q, want online", m.StoreStatus)
		}
		taken, numb := f.place(f.botKey, f.loc.ID, `{"botOrderId": "ops-1", "items": [{"id": "P010", "quantity": 1}]}`)

		// Paused until 12:30.
		status(hub.LocationStatus{Mode: hub.ModePaused, Until: at(30 * time.Minute), Reason: "staff meeting"})
		if m, _, _ := menu(); m.StoreStatus != "paused" {
			t.Fatalf("storeStatus %q, want paused", m.StoreStatus)
		}
		refused("paused", `{"botOrderId": "ops-2", "items": [{"id": "P010", "quantity": 1}]}`, `{"error":"store is paused"}`)
		// The order taken before goes on: the POS cooks and completes it,
		// the bot reads its status.
		for _, c := range []struct{ call, want string }{{"cook", "PREPARING"}, {"complete", "COMPLETED"}} {
			r := f.do("POST", "/api/kakao/v1/order/"+c.call+"?storeId="+storeID, f.posKey, `{"orderId": "`+taken+`"}`)
			if r.Status != 200 || r.Object(t)["status"] != c.want {
				t.Fatalf("%s while paused: %d %s", c.call, r.Status, r.Body)
			}
		}
		if r := f.do("GET", orders+"/"+taken+"/numbs/"+numb, f.botKey, ""); r.Status != 200 || r.Object(t)["status"] != "COMPLETED" {
			t.Fatalf("status while paused: %d %s", r.Status, r.Body)
		}

		// Past the pause, busy: +10 minutes on the 15 of preparation.
		f.Clock.Add(30 * time.Minute)
		if m, _, _ := menu(); m.StoreStatus != "online" {
			t.Fatalf("storeStatus past until %q, want online", m.StoreStatus)
		}
		status(hub.LocationStatus{Mode: hub.ModeBusy, ExtraPrepMinutes: 10})
		if m, _, _ := menu(); m.StoreStatus != "busy" {
			t.Fatalf("storeStatus %q, want busy", m.StoreStatus)
		}
		id, numb := f.place(f.botKey, f.loc.ID, `{"botOrderId": "ops-3", "items": [{"id": "P010", "quantity": 1}]}`)
		r := f.do("GET", orders+"/"+id+"/numbs/"+numb, f.botKey, "")
		if r.Status != 200 || r.Object(t)["estimatedReadyAt"] != "2026-03-10T03:55:00Z" || r.Object(t)["scheduledFor"] != nil {
			t.Fatalf("status call of a busy store's order: %d %s, want estimatedReadyAt 03:30 + 25 min", r.Status, r.Body)
		}
		status(hub.LocationStatus{Mode: hub.ModeOnline})

		// Snoozed until 13:30: sold out on the menu, with when it is back;
		// the set whose only main it is, too.
		_, err := f.Svc.Snooze(f.Ctx, service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{"P001"}, Until: at(time.Hour)})
		must(t, err)
		_, items, raw := menu()
		if p := items["P001"]; !p.SoldOut || p.AvailableAt != "2026-03-10T04:30:00Z" || p.Stock == nil || *p.Stock != 20 {
			t.Fatalf("snoozed P001 on the menu: %+v", p)
		}
		// The set is back when its only main is, and says so, as does
		// the main inside it.
		if c := items["C001"]; !c.SoldOut || c.AvailableAt != "2026-03-10T04:30:00Z" || !c.ComboComponents[0].Items[0].SoldOut ||
			c.ComboComponents[0].Items[0].AvailableAt != "2026-03-10T04:30:00Z" || c.ComboComponents[1].Items[0].SoldOut {
			t.Fatalf("the set of a snoozed main: %+v", c)
		}
		if _, ok := raw["P010"].(map[string]any)["availableAt"]; ok || items["P010"].SoldOut {
			t.Fatalf("P010 is not snoozed: %v", raw["P010"])
		}
		refused("snoozed", `{"botOrderId": "ops-4", "items": [{"id": "P001", "quantity": 1, "options": [{"groupId": 1, "valueId": 1}]}]}`,
			`{"error":"items[0].product: Bulgogi rice bowl is off the menu at Gangnam until 13:30"}`)
		refused("set of a snoozed main", `{"botOrderId": "ops-5", "items": [{"id": "C001", "quantity": 1, "combo": [{"componentId": 2, "id": "P010"}]}]}`,
			`{"error":"items[0].product: Lunch set: Bulgogi rice bowl is off the menu at Gangnam until 13:30"}`)
		// Until unsnoozed: sold out, no availableAt.
		_, err = f.Svc.Snooze(f.Ctx, service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{"P010"}})
		must(t, err)
		_, items, raw = menu()
		if _, ok := raw["P010"].(map[string]any)["availableAt"]; ok || !items["P010"].SoldOut {
			t.Fatalf("P010 snoozed until unsnoozed: %v", raw["P010"])
		}
		// Now its drinks slot has nothing with a known return (the cola
		// snoozed with no end, the cider out of stock): when the set is
		// back is unknown, so it has no availableAt.
		if c := items["C001"]; !c.SoldOut || c.AvailableAt != "" || !c.ComboComponents[1].Items[0].SoldOut || c.ComboComponents[1].Items[0].AvailableAt != "" {
			t.Fatalf("the set with its drinks slot held with no end: %+v", c)
		}
		refused("snoozed until unsnoozed", `{"botOrderId": "ops-6", "items": [{"id": "P010", "quantity": 1}]}`,
			`{"error":"items[0].product: Cola is off the menu at Gangnam"}`)

		// At 13:30 the rice bowl is back by itself; the cola is not.
		f.Clock.Add(time.Hour)
		_, items, raw = menu()
		if _, ok := raw["P001"].(map[string]any)["availableAt"]; ok || items["P001"].SoldOut || !items["P010"].SoldOut || !items["C001"].SoldOut {
			t.Fatalf("past 13:30: P001 %v, P010 %+v, C001 %+v", raw["P001"], items["P010"], items["C001"])
		}
		f.place(f.botKey, f.loc.ID, `{"botOrderId": "ops-7", "items": [{"id": "P001", "quantity": 1, "options": [{"groupId": 1, "valueId": 1}]}]}`)
	})
}
