package junglebook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestStoreOperations: the shop's door obeys the store's controls
// (DESIGN.md §9) in the seed's envelope, HTTP 200: a snoozed goods is 206
// runout with goodsData.runout "1" (the seed's own runout answer, field
// for field), a paused store 103 for the whole order; /order/test answers
// the same; neither stores anything. The orders it took go on while the
// store is paused.
func TestStoreOperations(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		// Before anything: an order that the pause must not hold up (of
		// other goods: 7373 keeps the seed's stock of 23).
		first := f.post("/order", with(t, map[string]any{"orderItem": items(10437, 1), "oaOrderNo": "before"}))
		if first.orderResult()["success"] != "1" {
			t.Fatal(first)
		}
		ordNo := first.orderResult()["ordNo"].(string)
		stock := *f.stock("7373")
		cash := with(t, map[string]any{"settleKind": "s", "bankSender": nil, "oaOrderNo": "ops-1"})
		refused := func(what string, want map[string]any) {
			t.Helper()
			for _, path := range []string{"/order", "/order/test"} {
				res := f.post(path, cash)
				if res.Status != http.StatusOK {
					t.Fatalf("%s %s: %s", what, path, res)
				}
				testutil.SameValue(t, "answer", want, res.doc)
			}
			if n := len(f.orders()); n != 1 {
				t.Fatalf("%s: %d orders stored, want the first only", what, n)
			}
			if q := f.stock("7373"); q == nil || *q != stock {
				t.Fatalf("%s: stock of 7373 %v, want %d", what, q, stock)
			}
		}
		in := service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{"7373"}}
		until := time.Now().Add(time.Hour)
		in.Until = &until
		_, err := f.Svc.Snooze(f.Ctx, in)
		must(t, err)
		// The seed's runout answer, as the seed prints it (stock 23 and all).
		refused("snoozed", seedAnswer(t, 4))

		status := func(s hub.LocationStatus) {
			t.Helper()
			_, err := f.Svc.SetLocationStatus(f.Ctx, service.StatusInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Status: s})
			must(t, err)
		}
		status(hub.LocationStatus{Mode: hub.ModePaused, Until: &until, Reason: "inventory count"})
		// Paused comes first (103 ranks above 206), for the whole order.
		refused("paused", decodeJSON(t, []byte(`{"orderResult":{"success":0,"errCode":"103","parameter":"orderItem","errMsg":"items that can not be ordered"},
			"payResult":{"successs":0,"payResultMsg":"did not even try because order failed","cashBalance":"0","payAmount":0}}`)))
		// The order taken before goes on: the store confirms and completes it.
		for _, action := range []string{"confirm", "complete"} {
			req, _ := http.NewRequest("POST", f.Srv.URL+"/hub/v1/orders/"+ordNo+"/actions/"+action+"?brand_id="+strconv.FormatInt(f.brand.ID, 10), strings.NewReader(""))
			req.Header.Set("Authorization", "Bearer "+f.hubToken)
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%s a taken order while paused: %d", action, res.StatusCode)
			}
		}
		status(hub.LocationStatus{Mode: hub.ModeBusy, ExtraPrepMinutes: 20})
		refused("busy, still snoozed", seedAnswer(t, 4))
		_, err = f.Svc.Unsnooze(f.Ctx, service.SnoozeInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Products: []string{"7373"}})
		must(t, err)
		if res := f.post("/order", cash); res.Status != 200 || res.orderResult()["success"] != "1" {
			t.Fatalf("orderable again: %s", res)
		}
	})
}
