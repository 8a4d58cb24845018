package kakao

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func TestMenu(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		path := "/api/v1/stores/" + itoa(f.loc.ID) + "/items"
		res := f.do("GET", path, f.botKey, "")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("menu: %d %s", res.Status, res.Body)
		}
		var m menuView
		must(t, json.Unmarshal(res.Body, &m))
		if m.StoreID != itoa(f.loc.ID) || m.StoreName != "Gangnam" || m.Currency != "KRW" {
			t.Errorf("menu head %+v", m)
		}
		var ids []string
		items := map[string]menuItemView{}
		for _, it := range m.Items {
			ids = append(ids, it.ID)
			items[it.ID] = it
		}
		// Hidden, unlaunched, combo-only and other-location products are not
		// on the menu; the combo sorts first (sort order 0).
		if got := strings.Join(ids, ","); got != "C001,P001,P010,P011,P020" {
			t.Fatalf("menu items %s", got)
		}
		p1 := items["P001"]
		if p1.Name != "불고기 덮밥" || p1.Price != 9500 || p1.SoldOut || p1.Stock == nil || *p1.Stock != 20 || p1.Type != "single" ||
			len(p1.OptionGroups) != 1 || p1.OptionGroups[0].Min != 1 || p1.OptionGroups[0].Values[1].Price != 500 {
			t.Errorf("P001 %+v", p1)
		}
		if it := items["P011"]; !it.SoldOut || it.Stock == nil || *it.Stock != 0 {
			t.Errorf("P011 (stock 0) %+v", it)
		}
		if it := items["P020"]; !it.SoldOut || it.Stock != nil {
			t.Errorf("P020 (flagged sold out, untracked) %+v", it)
		}
		c := items["C001"]
		// Derived: main P001 has 20, drinks allow max(5, 0) = 5.
		if c.Type != "combo" || c.SoldOut || c.Stock == nil || *c.Stock != 5 || len(c.ComboComponents) != 3 {
			t.Fatalf("C001 %+v", c)
		}
		if d := c.ComboComponents[1]; d.Name != "음료" || len(d.Items) != 2 || d.Items[0].SoldOut || !d.Items[1].SoldOut || d.Items[1].Price != 300 {
			t.Errorf("drink slot %+v", d)
		}
		if side := c.ComboComponents[2]; len(side.Items) != 1 || side.Items[0].ID != "P032" || side.Items[0].SoldOut {
			t.Errorf("side slot %+v", side)
		}
		// Names in another language.
		if res := f.do("GET", path+"?lang=en", f.botKey, ""); !strings.Contains(string(res.Body), `"Bulgogi rice bowl"`) {
			t.Errorf("lang=en: %s", res.Body)
		}

		// ETag / If-None-Match.
		etag := res.Header.Get("ETag")
		if etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("headers %v", res.Header)
		}
		for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
			r := f.do("GET", path, f.botKey, "", "If-None-Match", inm)
			if r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
				t.Errorf("If-None-Match %s: %d %s", inm, r.Status, r.Body)
			}
		}
		if r := f.do("GET", path, f.botKey, "", "If-None-Match", `"stale"`); r.Status != http.StatusOK {
			t.Errorf("stale etag: %d", r.Status)
		}
		// Stock running out changes the menu and its ETag.
		zero := int64(0)
		must(t, f.Svc.SetStock(f.Ctx, f.brand.ID, f.loc.ID, f.ids["P010"], &zero))
		r := f.do("GET", path, f.botKey, "", "If-None-Match", etag)
		if r.Status != http.StatusOK || r.Header.Get("ETag") == etag {
			t.Fatalf("after stock change: %d %s", r.Status, r.Header.Get("ETag"))
		}
		must(t, json.Unmarshal(r.Body, &m))
		for _, it := range m.Items {
			if it.ID == "C001" && (!it.SoldOut || *it.Stock != 0) {
				t.Errorf("combo with no drink left: %+v", it)
			}
		}

		// Stores: unknown, another brand's, outside the partner's locations.
		var table []testutil.Scenario
		for _, c := range []struct {
			key, store string
			status     int
			msg        string
		}{
			{f.botKey, "999999", 404, "store not found"},
			{f.botKey, "abc", 404, "store not found"},
			{f.botKey, itoa(f.other.ID), 404, "store not found"},
			{f.posKey, itoa(f.loc2.ID), 404, "store not found"},
			{"", itoa(f.loc.ID), 401, "invalid api key"},
			{"ohk_nope", itoa(f.loc.ID), 401, "invalid api key"},
		} {
			table = append(table, f.scenario("store "+c.store+" "+c.key, "GET", "/api/v1/stores/"+c.store+"/items", c.key, "", c.status, c.msg))
		}
		f.Scenarios(t, table)
		if r := f.do("POST", path, f.botKey, "{}"); r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" || errMsg(t, r) == "" {
			t.Errorf("POST items: %d %v %s", r.Status, r.Header, r.Body)
		}
	})
}

const orderBody = `{"botOrderId": "kb-1", "customer": {"id": "u-77", "name": "김민수", "phone": "010-1234-5678"},
 "notes": "문 앞", "paymentMethod": "kakaopay",
 "items": [
  {"id": "P001", "quantity": 2, "price": 10000, "specialInstructions": "덜 맵게", "options": [{"groupId": 1, "valueId": 3}]},
  {"id": "C001", "quantity": 1, "combo": [{"componentId": 2, "id": "P011"}, {"id": "P001", "options": [{"groupId": 1, "valueId": 1}]}]}
 ]}`

func TestPlaceOrder(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		one := int64(1)
		must(t, f.Svc.SetStock(f.Ctx, f.brand.ID, f.loc.ID, f.ids["P011"], &one))
		path := "/api/v1/stores/" + itoa(f.loc.ID) + "/orders"
		res := f.do("POST", path, f.botKey, orderBody)
		if res.Status != http.StatusCreated {
			t.Fatalf("place: %d %s", res.Status, res.Body)
		}
		var v orderView
		must(t, json.Unmarshal(res.Body, &v))
		if len(v.OrderID) != 8 || len(v.Numb) != 4 || v.BotOrderID != "kb-1" || v.Status != "NEW" || v.StatusCode != 1 ||
			v.Type != "PICK_UP" || v.StoreID != itoa(f.loc.ID) || v.PaymentStatus != "UNPAID" || v.Currency != "KRW" {
			t.Fatalf("view %+v", v)
		}
		// 2 × (9500 + 500) + (11000 + 300 drink) = 31300.
		if v.Total != 31300 || len(v.Items) != 2 || v.Items[0].UnitPrice != 10000 || v.Items[0].Name != "불고기 덮밥" ||
			v.Items[1].Modifiers[0].Kind != "combo" || v.Items[1].Modifiers[0].ID != "P011" {
			t.Fatalf("view %+v", v)
		}
		o, err := f.Svc.FindOrder(f.Ctx, service.OrderScope{BrandID: f.brand.ID}, v.OrderID)
		must(t, err)
		if o.Channel != hub.ChannelKakao || o.ExternalRef != "kb-1" || o.PartnerID != f.bot.ID || o.PickupCode != v.Numb ||
			o.Customer.ID != "u-77" || o.PaymentMethod != "kakaopay" || o.LocationID != f.loc.ID {
			t.Fatalf("stored %+v", o)
		}

		// The same order again: the same answer, one order.
		res2 := f.do("POST", path, f.botKey, strings.ReplaceAll(orderBody, "\n", " "))
		var v2 orderView
		must(t, json.Unmarshal(res2.Body, &v2))
		if res2.Status != http.StatusCreated || v2.OrderID != v.OrderID || v2.Numb != v.Numb || res2.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", res2.Status, res2.Body)
		}
		// The same bot order id with another body: 409, naming the bot's
		// id as the bot sent it (not the key it is stored under).
		const reused = `botOrderId "kb-1" was used for a different order`
		if r := f.do("POST", path, f.botKey, strings.Replace(orderBody, `"quantity": 2`, `"quantity": 3`, 1)); r.Status != http.StatusConflict || errMsg(t, r) != reused {
			t.Fatalf("reuse: %d %s", r.Status, r.Body)
		}
		// The same body at the bot's other store is another request, not a
		// retry: 409, never the first store's order.
		if r := f.do("POST", "/api/v1/stores/"+itoa(f.loc2.ID)+"/orders", f.botKey, orderBody); r.Status != http.StatusConflict || errMsg(t, r) != reused {
			t.Fatalf("same bot order id at another store: %d %s", r.Status, r.Body)
		}
		os, err := st.ListOrders(f.Ctx, store.OrderFilter{BrandID: f.brand.ID})
		must(t, err)
		if len(os) != 1 {
			t.Fatalf("%d orders", len(os))
		}

		var table []testutil.Scenario
		for _, c := range []struct {
			name, body string
			status     int
			msg        string
		}{
			{"no body", "", 400, "body: a JSON body is required"},
			{"malformed", "{", 400, ""},
			{"no bot id", `{"items": [{"id": "P010", "quantity": 1}]}`, 400, "botOrderId: is required"},
			{"no items", `{"botOrderId": "x1"}`, 400, "items: at least one item is required"},
			{"bad type", `{"botOrderId": "x1", "type": "drone", "items": [{"id": "P010", "quantity": 1}]}`, 400, "type: must be PICK_UP, DINE_IN or DELIVERY"},
			{"id not a string", `{"botOrderId": "x1", "items": [{"id": {}, "quantity": 1}]}`, 400, "items.id: must be a string, not object"},
			{"bot id not a string", `{"botOrderId": ["x1"], "items": [{"id": "P010", "quantity": 1}]}`, 400, "botOrderId: must be a string, not array"},
			{"combo id not a string", `{"botOrderId": "x1", "items": [{"id": "C001", "quantity": 1, "combo": [{"componentId": 2, "id": true}]}]}`, 400, "items.combo.id: must be a string, not bool"},
			{"unknown product", `{"botOrderId": "x1", "items": [{"id": "P999", "quantity": 1}]}`, 400, `items[0].product: product "P999" not found`},
			{"bad quantity", `{"botOrderId": "x1", "items": [{"id": "P010", "quantity": 0}]}`, 400, "items[0].quantity: must be a positive integer"},
			{"missing option", `{"botOrderId": "x1", "items": [{"id": "P001", "quantity": 1}]}`, 400, ""},
			{"bad option", `{"botOrderId": "x1", "items": [{"id": "P001", "quantity": 1, "options": [{"groupId": 1, "valueId": 9}]}]}`, 400, ""},
			{"price mismatch", `{"botOrderId": "x1", "items": [{"id": "P010", "quantity": 1, "price": 1}]}`, 400, ""},
			{"sold out", `{"botOrderId": "x1", "items": [{"id": "P010", "quantity": 6}]}`, 409, ""},
			{"not on menu", `{"botOrderId": "x1", "items": [{"id": "P030", "quantity": 1}]}`, 409, ""},
		} {
			s := f.scenario(c.name, "POST", path, f.botKey, c.body, c.status, c.msg)
			s.After = func(t *testing.T, body []byte) {
				if errMsg(t, response{Body: body}) == "" {
					t.Errorf("%s: no error message: %s", c.name, body)
				}
			}
			s.Unchanged = f.Rows
			table = append(table, s)
		}
		f.Scenarios(t, table)
		// Numbers as ids, and a dine-in order at the bot's other store.
		res = f.do("POST", "/api/v1/stores/"+itoa(f.loc2.ID)+"/orders", f.botKey,
			`{"botOrderId": 12345, "type": "dine_in", "table": "7", "items": [{"id": "`+itoa(f.ids["P010"])+`", "quantity": 1}]}`)
		if res.Status != http.StatusCreated || !strings.Contains(string(res.Body), `"botOrderId":"12345"`) || !strings.Contains(string(res.Body), `"type":"DINE_IN"`) {
			t.Fatalf("numeric ids: %d %s", res.Status, res.Body)
		}
	})
}

func TestStatusAndCancel(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		store1 := itoa(f.loc.ID)
		id, numb := f.place(f.botKey, f.loc.ID, `{"botOrderId": "s-1", "items": [{"id": "P010", "quantity": 2}]}`)
		status := func(key, store, oid, nb string) response {
			return f.do("GET", "/api/v1/stores/"+store+"/orders/"+oid+"/numbs/"+nb, key, "")
		}
		for _, oid := range []string{id, "s-1"} {
			r := status(f.botKey, store1, oid, numb)
			if r.Status != 200 || r.Object(t)["orderId"] != id || r.Object(t)["status"] != "NEW" {
				t.Fatalf("status by %s: %d %s", oid, r.Status, r.Body)
			}
		}
		o, err := f.Svc.FindOrder(f.Ctx, service.OrderScope{BrandID: f.brand.ID}, id)
		must(t, err)
		wrong := "0000"
		if numb == wrong {
			wrong = "0001"
		}
		// A reference two other orders carry (a hub order's number, and
		// another hub order's external ref) is the same 404: the answer
		// must not name other channels' orders.
		other, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc2.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "P010", Quantity: 1}}})
		must(t, err)
		_, err = f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc2.ID, Channel: hub.ChannelHub,
			ExternalRef: other.Order.Number, Lines: []service.LineInput{{ProductRef: "P010", Quantity: 1}}})
		must(t, err)
		for _, c := range []struct{ name, key, store, oid, numb string }{
			{"a reference of two other orders", f.botKey, store1, other.Order.Number, numb},
			{"wrong numb", f.botKey, store1, id, wrong},
			{"wrong store", f.botKey, itoa(f.loc2.ID), id, numb},
			{"other bot", f.bot2Key, store1, id, numb},
			{"hub id", f.botKey, store1, itoa(o.ID), numb},
			{"unknown order", f.botKey, store1, "NOPE1234", numb},
		} {
			if r := status(c.key, c.store, c.oid, c.numb); r.Status != 404 || errMsg(t, r) != "order not found" {
				t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			}
		}

		cancel := func(key, q string) response { return f.do("DELETE", "/api/v1/cancel?"+q, key, "") }
		if r := cancel(f.botKey, "storeId="+store1+"&orderId="+id); r.Status != 400 {
			t.Errorf("no numb: %d %s", r.Status, r.Body)
		}
		if r := cancel(f.botKey, "orderId="+id+"&numb="+numb); r.Status != 400 {
			t.Errorf("no store: %d %s", r.Status, r.Body)
		}
		if r := cancel(f.botKey, "storeId="+store1+"&orderId="+id+"&numb="+wrong); r.Status != 404 {
			t.Errorf("wrong numb: %d %s", r.Status, r.Body)
		}
		left := func() int64 {
			q, err := st.GetStock(f.Ctx, f.loc.ID, f.ids["P010"])
			must(t, err)
			return *q
		}
		if left() != 3 {
			t.Fatalf("stock %d after order", left())
		}
		r := cancel(f.botKey, "storeId="+store1+"&orderId="+id+"&numb="+numb)
		if r.Status != 200 || r.Object(t)["status"] != "CANCELLED" || r.Object(t)["statusCode"] != float64(30) {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		if left() != 5 {
			t.Errorf("stock %d after cancel", left())
		}
		if r := cancel(f.botKey, "storeId="+store1+"&orderId="+id+"&numb="+numb); r.Status != 409 || errMsg(t, r) != "order already cancelled" {
			t.Errorf("cancel twice: %d %s", r.Status, r.Body)
		}

		// Cooking: the bot's cancel is refused, the store's is not.
		id2, numb2 := f.place(f.botKey, f.loc.ID, `{"botOrderId": "s-2", "items": [{"id": "P010", "quantity": 1}]}`)
		if r := f.do("POST", "/api/kakao/v1/order/cook?storeId="+store1, f.posKey, `{"orderId": "`+id2+`"}`); r.Status != 200 || r.Object(t)["status"] != "PREPARING" {
			t.Fatalf("cook: %d %s", r.Status, r.Body)
		}
		if r := cancel(f.botKey, "storeId="+store1+"&orderId=s-2&numb="+numb2); r.Status != 409 || errMsg(t, r) != "cannot cancel while cooking" {
			t.Fatalf("cancel while cooking: %d %s", r.Status, r.Body)
		}
		if r := status(f.botKey, store1, id2, numb2); r.Object(t)["status"] != "PREPARING" {
			t.Fatalf("still preparing: %s", r.Body)
		}
		if r := f.do("GET", "/api/v1/cancel", f.botKey, ""); r.Status != 405 || r.Header.Get("Allow") != "DELETE" {
			t.Errorf("GET cancel: %d %v", r.Status, r.Header)
		}
	})
}

func TestProgress(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		store1 := itoa(f.loc.ID)
		id, numb := f.place(f.botKey, f.loc.ID, `{"botOrderId": "p-1", "items": [{"id": "P010", "quantity": 1}]}`)
		post := func(call, q, body string) response {
			return f.do("POST", "/api/kakao/v1/order/"+call+"?"+q, f.posKey, body)
		}
		var table []testutil.Scenario
		for _, c := range []struct {
			name, call, q, body string
			status              int
			msg                 string
		}{
			{"no store", "cook", "", `{"orderId": "` + id + `"}`, 400, "storeId: is required"},
			{"other store", "cook", "storeId=" + itoa(f.loc2.ID), `{"orderId": "` + id + `"}`, 404, "store not found"},
			{"no order", "cook", "storeId=" + store1, `{}`, 400, "orderId: is required"},
			{"unknown order", "cook", "storeId=" + store1, `{"orderId": "NOPE"}`, 404, "order not found"},
			{"wrong numb", "cook", "storeId=" + store1, `{"orderId": "` + id + `", "numb": "x"}`, 404, "order not found"},
			{"cook", "cook", "storeId=" + store1, `{"orderId": "` + id + `", "numb": "` + numb + `"}`, 200, ""},
			{"cook twice", "cook", "storeId=" + store1, `{"orderId": "p-1"}`, 409, "order is already preparing"},
			{"complete by query", "complete", "storeId=" + store1 + "&orderId=" + id, "", 200, ""},
			{"complete twice", "complete", "storeId=" + store1, `{"orderId": "` + id + `"}`, 409, "order already completed"},
		} {
			table = append(table, f.scenario(c.name, "POST", "/api/kakao/v1/order/"+c.call+"?"+c.q, f.posKey, c.body, c.status, c.msg))
		}
		f.Scenarios(t, table)
		o, err := f.Svc.FindOrder(f.Ctx, service.OrderScope{BrandID: f.brand.ID}, id)
		must(t, err)
		if o.Status != hub.StatusCompleted {
			t.Fatalf("status %s", o.Status)
		}
		h, err := st.OrderHistory(f.Ctx, o.ID)
		must(t, err)
		if len(h) != 3 || h[1].Action != "prepare" || h[1].Actor != "partner:"+itoa(f.pos.ID) || h[2].Action != "complete" {
			t.Errorf("history %+v", h)
		}
		// The POS is the store: it moves orders of any channel at the store.
		res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "P010", Quantity: 1}}})
		must(t, err)
		// Its hub id is not a reference here (hub ids are /hub/v1's): a bare
		// integer is the same 404 as any unknown order, and moves nothing.
		for _, body := range []string{`{"orderId": "` + itoa(res.Order.ID) + `"}`, `{"orderId": ` + itoa(res.Order.ID) + `}`} {
			if r := post("cook", "storeId="+store1, body); r.Status != 404 || errMsg(t, r) != "order not found" {
				t.Errorf("cook by hub id %s: %d %s", body, r.Status, r.Body)
			}
		}
		if o, err := st.GetOrder(f.Ctx, res.Order.ID); err != nil || o.Status != hub.StatusNew {
			t.Fatalf("after cook by hub id: %v %v", o, err)
		}
		if r := post("cook", "storeId="+store1, `{"orderId": "`+res.Order.Number+`"}`); r.Status != 200 || r.Object(t)["botOrderId"] != nil {
			t.Errorf("cook hub order: %d %s", r.Status, r.Body)
		}
		// A reference two orders share moves neither: 409 naming both.
		var twins []*hub.Order
		for _, ch := range []hub.Channel{hub.ChannelHub, hub.ChannelTableOrder} {
			res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: ch,
				ExternalRef: "FR9TL74P", Lines: []service.LineInput{{ProductRef: "P010", Quantity: 1}}})
			must(t, err)
			twins = append(twins, res.Order)
		}
		want := `reference "FR9TL74P" names more than one order: ` + twins[0].Number + ` (hub), ` + twins[1].Number +
			` (tableorder); orderhub guesses none: send a reference only one of them has`
		if r := post("cook", "storeId="+store1, `{"orderId": "FR9TL74P"}`); r.Status != 409 || errMsg(t, r) != want {
			t.Errorf("cook an ambiguous reference: %d %s", r.Status, r.Body)
		}
		for _, o := range twins {
			if got, err := st.GetOrder(f.Ctx, o.ID); err != nil || got.Status != hub.StatusNew {
				t.Fatalf("order %s after an ambiguous cook: %v %v", o.Number, got, err)
			}
		}
	})
}

// TestRoles checks the kakao_role setting: a bot key cannot move orders
// forward as the store, a POS key cannot order as a customer, and a key
// without the setting may do both.
func TestRoles(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		setRole := func(p *hub.Partner, role string) {
			p.Settings.Extra = map[string]any{SettingRole: role}
			must(t, f.Svc.UpdatePartner(f.Ctx, p))
		}
		setRole(f.bot, RoleBot)
		setRole(f.pos, RolePOS)
		store1 := itoa(f.loc.ID)
		id, _ := f.place(f.botKey, f.loc.ID, `{"botOrderId": "r-1", "items": [{"id": "P010", "quantity": 1}]}`)
		if r := f.do("POST", "/api/kakao/v1/order/cook?storeId="+store1, f.botKey, `{"orderId": "`+id+`"}`); r.Status != 403 ||
			errMsg(t, r) != "this key is a bot key and may not call pos endpoints" {
			t.Errorf("bot key cooking: %d %s", r.Status, r.Body)
		}
		if r := f.do("POST", "/api/v1/stores/"+store1+"/orders", f.posKey, `{"botOrderId": "r-2", "items": [{"id": "P010", "quantity": 1}]}`); r.Status != 403 ||
			errMsg(t, r) != "this key is a pos key and may not call bot endpoints" {
			t.Errorf("pos key ordering: %d %s", r.Status, r.Body)
		}
		if r := f.do("POST", "/api/kakao/v1/order/cook?storeId="+store1, f.posKey, `{"orderId": "`+id+`"}`); r.Status != 200 {
			t.Errorf("pos key cooking: %d %s", r.Status, r.Body)
		}
		// bot2 has no role setting: both sides.
		id2, _ := f.place(f.bot2Key, f.loc.ID, `{"botOrderId": "r-3", "items": [{"id": "P010", "quantity": 1}]}`)
		if r := f.do("POST", "/api/kakao/v1/order/complete?storeId="+store1, f.bot2Key, `{"orderId": "`+id2+`"}`); r.Status != 200 {
			t.Errorf("both-sides key completing: %d %s", r.Status, r.Body)
		}
		// A role that is not bot, pos or both cannot be saved...
		for _, bad := range []any{7, "admin", "", []any{"bot"}} {
			f.bot2.Settings.Extra = map[string]any{SettingRole: bad}
			if err := f.Svc.UpdatePartner(f.Ctx, f.bot2); err == nil || hub.AsError(err).Field != "settings.extra.kakao_role" {
				t.Errorf("kakao_role %v saved: %v", bad, err)
			}
		}
		// ...and one stored before that check allows nothing (it used to
		// mean both: an authorization check failing open).
		must(t, f.Store.Update(f.Ctx, func(tx store.Tx) error { return tx.UpdatePartner(f.Ctx, f.bot2) }))
		if r := f.do("POST", "/api/kakao/v1/order/complete?storeId="+store1, f.bot2Key, `{"orderId": "`+id2+`"}`); r.Status != 403 ||
			errMsg(t, r) != "this key's kakao_role is not bot, pos or both" {
			t.Errorf("unreadable role completing: %d %s", r.Status, r.Body)
		}
		if r := f.do("GET", "/api/v1/stores/"+store1+"/items", f.bot2Key, ""); r.Status != 403 {
			t.Errorf("unreadable role reading the menu: %d %s", r.Status, r.Body)
		}
	})
}

func TestFormatter(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ctx := context.Background()
		id, numb := f.place(f.botKey, f.loc.ID, `{"botOrderId": "n-1", "items": [{"id": "P010", "quantity": 1}]}`)
		scope := service.OrderScope{BrandID: f.brand.ID}
		store := func(a hub.Action) {
			_, err := f.Svc.Transition(ctx, service.TransitionInput{Scope: scope, OrderRef: id, Action: a, Actor: hub.Actor{Role: hub.RoleStore, Name: "test"}})
			must(t, err)
		}
		store(hub.ActionConfirm)
		store(hub.ActionPrepare)
		store(hub.ActionReady)
		store(hub.ActionComplete)
		evs, err := st.ListEventsByID(ctx, 0, 100)
		must(t, err)
		want := map[hub.EventType]string{
			hub.EventOrderPreparing: "/kakao/api/kakao/v1/order/cook",
			hub.EventOrderReady:     "/kakao/api/kakao/v1/order/cook",
			hub.EventOrderCompleted: "/kakao/api/kakao/v1/order/complete",
		}
		seen := 0
		for i := range evs {
			ev := &evs[i]
			out, err := Formatter(ctx, st, ev, f.bot)
			must(t, err)
			path, wanted := want[ev.Type]
			if !wanted {
				if out != nil {
					t.Errorf("%s: unexpected outbound %+v", ev.Type, out)
				}
				continue
			}
			seen++
			if out == nil {
				t.Fatalf("%s: no outbound", ev.Type)
			}
			if out.URL != "https://bot.example"+path+"?storeId="+itoa(f.loc.ID) || out.Method != "POST" || out.ContentType != "application/json" ||
				out.Signing != "standard-webhooks" || out.Acceptance != "2xx" {
				t.Errorf("%s: outbound %+v", ev.Type, out)
			}
			var n map[string]any
			must(t, json.Unmarshal(out.Body, &n))
			status := map[hub.EventType]string{hub.EventOrderPreparing: "PREPARING", hub.EventOrderReady: "READY", hub.EventOrderCompleted: "COMPLETED"}[ev.Type]
			if n["event"] != string(ev.Type) || n["orderId"] != id || n["numb"] != numb || n["botOrderId"] != "n-1" || n["status"] != status ||
				n["storeId"] != itoa(f.loc.ID) || n["occurredAt"] == "" {
				t.Errorf("%s: body %s", ev.Type, out.Body)
			}
			// Not for the POS (no bot_url), nor for another bot.
			for _, p := range []*hub.Partner{f.pos, f.bot2} {
				if out, err := Formatter(ctx, st, ev, p); err != nil || out != nil {
					t.Errorf("%s to %s: %+v %v", ev.Type, p.Name, out, err)
				}
			}
		}
		if seen != 3 {
			t.Fatalf("%d notifications, want 3", seen)
		}
		// Orders of other channels are never sent to the bot.
		res, err := f.Svc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "P010", Quantity: 1}}})
		must(t, err)
		_, err = f.Svc.Transition(ctx, service.TransitionInput{Scope: scope, OrderRef: res.Order.Number, Action: hub.ActionPrepare, Actor: hub.Actor{Role: hub.RoleStore}})
		must(t, err)
		evs, err = st.ListEventsByID(ctx, evs[len(evs)-1].ID, 100)
		must(t, err)
		for i := range evs {
			if out, err := Formatter(ctx, st, &evs[i], f.bot); err != nil || out != nil {
				t.Errorf("hub order %s: %+v %v", evs[i].Type, out, err)
			}
		}
	})
}

func TestBotURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://bot.example":           "https://bot.example/api/kakao/v1/order/cook?storeId=7",
		"https://bot.example/":          "https://bot.example/api/kakao/v1/order/cook?storeId=7",
		"https://bot.example/hooks/v2/": "https://bot.example/hooks/v2/api/kakao/v1/order/cook?storeId=7",
		"http://10.0.0.5:8080/b?k=1":    "http://10.0.0.5:8080/b/api/kakao/v1/order/cook?k=1&storeId=7",
	} {
		got, err := botURL(base, "cook", 7)
		if err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", base, got, err, want)
		}
	}
}

// TestConcurrentRepeatsTwoNodes: 50 identical orders at once, half to each
// of two nodes on one database, are one order: every answer is 201 with
// that order (a replay), none 409 "already exists".
func TestConcurrentRepeatsTwoNodes(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		f := newFixture(t, open())
		plenty := int64(100)
		must(t, f.Svc.SetStock(f.Ctx, f.brand.ID, f.loc.ID, f.ids["P011"], &plenty))
		svc2 := service.New(open(), service.WithOutbound(testutil.Outbound), service.WithClock(f.Clock.Now), protocol.Registry{Protocol()}.Option())
		mux := http.NewServeMux()
		New(svc2, Config{}).Routes(mux)
		srv2 := httptest.NewServer(mux)
		t.Cleanup(srv2.Close)
		bases := []*httptest.Server{f.Srv, srv2}
		path := "/api/v1/stores/" + itoa(f.loc.ID) + "/orders"
		body := strings.ReplaceAll(orderBody, `"kb-1"`, `"race-1"`)
		const n = 50
		res := make([]response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() { <-start; res[i] = do(t, bases[i%2], "POST", path, f.botKey, body) })
		}
		close(start)
		wg.Wait()
		ids := map[any]bool{}
		for i, r := range res {
			if r.Status != 201 {
				t.Fatalf("request %d: %d %s", i, r.Status, r.Body)
			}
			ids[r.Object(t)["orderId"]] = true
		}
		if len(ids) != 1 {
			t.Fatalf("%d distinct orders answered, want 1: %v", len(ids), ids)
		}
		if os, err := f.Store.ListOrders(f.Ctx, store.OrderFilter{BrandID: f.brand.ID}); err != nil || len(os) != 1 {
			t.Fatalf("%d orders stored, want 1 (%v)", len(os), err)
		}
	})
}
