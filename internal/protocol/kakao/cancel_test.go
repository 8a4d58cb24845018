package kakao_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestCancelNotification: a bot order cancelled by anyone but the bot
// tells the bot (DESIGN.md §9): POST {bot_url}/api/kakao/v1/order/cancel
// ?storeId= with the cook/complete body plus reason, signed with the
// Standard Webhooks headers — the store on /hub/v1 (its reason), another
// door (the Omni POS: "cancelled"), the system at the acceptance deadline
// ("not_accepted", on an injected clock); the bot's own cancel tells it
// nothing.
func TestCancelNotification(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		clock := testutil.NewClock(time.Now().UTC())
		w := newBotWorld(t, st, service.WithClock(clock.Now))
		svc, creds, kc, oc, bp, receiver := w.svc, w.creds, w.kakao, w.omni, w.bot, w.receiver
		call := func(method, path, auth, body string) (int, map[string]any) {
			t.Helper()
			return w.call(t, method, path, auth, body)
		}
		storeID, botAuth := kc.StoreID, "Bearer "+kc.APIKey
		brand := "?brand_id=" + strconv.FormatInt(bp.BrandID, 10)
		place := func(botOrderID string) (string, string) {
			t.Helper()
			status, o := call("POST", "/api/v1/stores/"+storeID+"/orders", botAuth,
				`{"botOrderId": "`+botOrderID+`", "items": [{"id": "P011", "quantity": 1}]}`)
			if status != 201 {
				t.Fatalf("place %s: %d %v", botOrderID, status, o)
			}
			return o["orderId"].(string), o["numb"].(string)
		}
		// note checks a cancel notification: path, query, signature, body.
		note := func(r received, orderID, numb, botOrderID, reason string) {
			t.Helper()
			verify(t, r, kc.CallbackSecret)
			if r.path != "/bot/api/kakao/v1/order/cancel" || r.query != "storeId="+storeID || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("cancel notification to %s?%s (%s)", r.path, r.query, r.header.Get("Content-Type"))
			}
			var n map[string]any
			if err := json.Unmarshal(r.body, &n); err != nil {
				t.Fatal(err)
			}
			if n["event"] != "order.cancelled" || n["status"] != "CANCELLED" || n["statusCode"] != float64(30) || n["orderId"] != orderID ||
				n["numb"] != numb || n["botOrderId"] != botOrderID || n["storeId"] != storeID || n["reason"] != reason ||
				n["cancelReason"] != reason || n["occurredAt"] == nil {
				t.Fatalf("cancel notification body %s, want reason %q for %s", r.body, reason, orderID)
			}
		}

		// 1. The store cancels on /hub/v1, with its reason.
		id1, numb1 := place("cancel-1")
		if status, o := call("POST", "/hub/v1/orders/"+id1+"/actions/cancel"+brand, "Bearer "+creds.Hub.Token, `{"reason": "out of cider"}`); status != 200 {
			t.Fatalf("hub cancel: %d %v", status, o)
		}
		got := receiver.waitFor(t, 1)
		note(got[0], id1, numb1, "cancel-1", "out of cider")

		// 2. The bot cancels its own order: nothing is sent. 3. The Omni
		// POS cancels one (no reason given): the bot hears "cancelled", and
		// that is the only notification since the first.
		id2, numb2 := place("cancel-2")
		if status, v := call("DELETE", "/api/v1/cancel?storeId="+storeID+"&orderId="+id2+"&numb="+numb2, botAuth, ""); status != 200 || v["status"] != "CANCELLED" {
			t.Fatalf("the bot's cancel: %d %v", status, v)
		}
		id3, numb3 := place("cancel-3")
		if status, v := call("POST", "/api/store/orders/cancel", "token "+oc.Token, `{"order": "`+id3+`"}`); status != 200 || v["status"] != float64(30) {
			t.Fatalf("omni cancel: %d %v", status, v)
		}
		got = receiver.waitFor(t, 2)
		note(got[1], id3, numb3, "cancel-3", "cancelled")

		// 4. Not accepted within the location's deadline (manual, 600 s):
		// the system cancels it, the stock comes back, the bot is told.
		id4, numb4 := place("cancel-4")
		locID, _ := strconv.ParseInt(storeID, 10, 64)
		cider, err := st.FindProduct(ctx, bp.BrandID, "P011")
		if err != nil {
			t.Fatal(err)
		}
		stock := func() int64 {
			q, err := st.GetStock(ctx, locID, cider.ID)
			if err != nil || q == nil {
				t.Fatalf("stock of P011: %v %v", q, err)
			}
			return *q
		}
		held := stock()
		clock.Add(599 * time.Second)
		if n, err := svc.AcceptDue(ctx); err != nil || n != 0 {
			t.Fatalf("AcceptDue before the deadline: %d %v", n, err)
		}
		clock.Add(time.Second)
		if n, err := svc.AcceptDue(ctx); err != nil || n != 1 {
			t.Fatalf("AcceptDue at the deadline: %d %v, want 1", n, err)
		}
		got = receiver.waitFor(t, 3)
		note(got[2], id4, numb4, "cancel-4", "not_accepted")
		if stock() != held+1 {
			t.Fatalf("stock of P011 %d after the deadline, want %d", stock(), held+1)
		}
		status, v := call("GET", "/api/v1/stores/"+storeID+"/orders/"+id4+"/numbs/"+numb4, botAuth, "")
		if status != 200 || v["status"] != "CANCELLED" || v["cancelReason"] != "not_accepted" {
			t.Fatalf("the bot's status call after the deadline: %d %v", status, v)
		}

		// Nothing else reached the bot: the bot's own cancel was not sent.
		time.Sleep(100 * time.Millisecond)
		for _, r := range receiver.get() {
			if strings.Contains(string(r.body), id2) {
				t.Fatalf("the bot was told of its own cancel: %s", r.body)
			}
		}
		if n := len(receiver.get()); n != 3 {
			t.Fatalf("the bot got %d notifications, want 3", n)
		}
	})
}
