package junglebook

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func multipartBody(t *testing.T, field, data string, asFile bool) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if asFile {
		w, err := mw.CreateFormFile(field, "order.json")
		must(t, err)
		w.Write([]byte(data))
	} else {
		must(t, mw.WriteField(field, data))
	}
	must(t, mw.Close())
	return mw.FormDataContentType(), b.Bytes()
}

// TestBodyForms accepts data as a multipart field or file, an urlencoded
// field, a raw JSON body, and a raw body wrapping it in "data".
func TestBodyForms(t *testing.T) {
	f := newFixture(t, nil)
	data, err := json.Marshal(seedRequest(t))
	must(t, err)
	mpCT, mpBody := multipartBody(t, "data", string(data), false)
	fileCT, fileBody := multipartBody(t, "data", string(data), true)
	noneCT, noneBody := multipartBody(t, "other", string(data), false)
	wrappedString, _ := json.Marshal(map[string]string{"data": string(data)})
	cases := []struct {
		name, ct string
		body     []byte
		code     string // "" for success
	}{
		{"multipart field", mpCT, mpBody, ""},
		{"multipart file", fileCT, fileBody, ""},
		{"urlencoded", "application/x-www-form-urlencoded", []byte(url.Values{"data": {string(data)}}.Encode()), ""},
		{"raw JSON", "application/json", data, ""},
		{"raw JSON without a content type", "", data, ""},
		{"wrapped object", "application/json", []byte(`{"data":` + string(data) + `}`), ""},
		{"wrapped string", "application/json", wrappedString, ""},
		{"multipart without data", noneCT, noneBody, "001"},
		{"urlencoded without data", "application/x-www-form-urlencoded", []byte("x=1"), "001"},
		// curl -d '{...}' labels a raw JSON body as a form.
		{"raw JSON labelled urlencoded", "application/x-www-form-urlencoded", data, ""},
		{"raw JSON with & labelled urlencoded", "application/x-www-form-urlencoded",
			[]byte(strings.Replace(string(data), `"memo":"`, `"memo":"a&b=c+d `, 1)), ""},
		{"multipart without boundary", "multipart/form-data", []byte("x"), "002"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := f.do(http.MethodPost, "/order/test", c.ct, c.body, nil)
			if res.Status != 200 {
				t.Fatal(res)
			}
			if c.code == "" && res.orderResult()["success"] != "1" {
				t.Fatalf("not accepted: %s", res.Body)
			}
			if c.code != "" && (res.errCode() != c.code || res.orderResult()["parameter"] != "data") {
				t.Fatalf("got %s, want %s on data", res.Body, c.code)
			}
		})
	}
}

// TestAuth: the raw key or Bearer; anything else is 401 in the envelope.
func TestAuth(t *testing.T) {
	f := newFixture(t, nil)
	body, _ := json.Marshal(seedRequest(t))
	omniPartner := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelOmni, Name: "pos"}
	omniKey, _, err := f.Svc.CreatePartner(f.Ctx, omniPartner)
	must(t, err)
	for _, c := range []struct {
		name, auth string
		status     int
		code       string
	}{
		{"raw key", f.key, 200, ""},
		{"bearer", "Bearer " + f.key, 200, ""},
		{"missing", "", 401, "001"},
		{"unknown", "ohj_nope", 401, "002"},
		{"placeholder", "{api_key}", 401, "002"},
		{"another protocol's key", omniKey.APIKey, 401, "002"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := f.do(http.MethodPost, "/order/test", "application/json", body, map[string]string{"Authorization": c.auth})
			if res.Status != c.status {
				t.Fatal(res)
			}
			if c.code == "" {
				if res.orderResult()["success"] != "1" {
					t.Fatal(res)
				}
				return
			}
			or := res.orderResult()
			if or["success"] != json.Number("0") || or["errCode"] != c.code || or["parameter"] != "Authorization" || or["errMsg"] == "" {
				t.Fatalf("envelope %s", res.Body)
			}
			if res.payResult()["payResultMsg"] != msgNotTried || res.payResult()["successs"] != json.Number("0") {
				t.Fatalf("payResult %s", res.Body)
			}
		})
	}
	res := f.do(http.MethodGet, "/order", "", nil, nil)
	if res.Status != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" || res.errCode() != "999" {
		t.Fatalf("GET /order: %s", res)
	}
	res = f.do(http.MethodPost, "/order/cancel", "", nil, nil)
	if res.Status != http.StatusNotFound || res.errCode() != "999" || res.orderResult()["parameter"] != "path" {
		t.Fatalf("POST /order/cancel: %s", res)
	}
}

// TestCashPayment: settleKind "s" debits the balance in the order's own
// transaction; not enough cash leaves the balance alone and the order
// unpaid, to be paid later through the common payment path.
func TestCashPayment(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		f.topUp(10000)
		eventsBefore := countEvents(t, f)

		res := f.post("/order", with(t, map[string]any{"settleKind": "s", "oaOrderNo": "cash-1"}))
		pr := res.payResult()
		if pr["successs"] != json.Number("1") || pr["payResultMsg"] != "success" || pr["cashBalance"] != "2400" || pr["payAmount"] != "7600" {
			t.Fatalf("paid answer %s", res.Body)
		}
		paid, err := f.Svc.FindOrder(f.Ctx, scope(f), "cash-1")
		must(t, err)
		if paid.PaymentStatus != hub.PaymentPaid || paid.PaymentMethod != service.PaymentMethodBalance {
			t.Fatalf("order %+v: want paid from the balance", paid)
		}
		entries, err := f.Svc.BalanceEntries(f.Ctx, f.partner.ID, 0, 0)
		must(t, err)
		if len(entries) != 2 || entries[0].Kind != store.BalanceOrderPayment || entries[0].Amount != -7600 ||
			entries[0].BalanceAfter != 2400 || entries[0].OrderID != paid.ID {
			t.Fatalf("entries %+v", entries)
		}
		hist, err := f.Store.OrderHistory(f.Ctx, paid.ID)
		must(t, err)
		if len(hist) != 2 || hist[1].Action != "pay" {
			t.Fatalf("history %+v", hist)
		}
		if types := eventTypesSince(t, f, eventsBefore); !contains(types, hub.EventOrderCreated) || !contains(types, hub.EventOrderPaid) {
			t.Fatalf("events %v", types)
		}

		// 2400 left: the next order is taken, unpaid; nothing is debited.
		res = f.post("/order", with(t, map[string]any{"settleKind": "s", "oaOrderNo": "cash-2"}))
		if res.orderResult()["success"] != "1" || res.payResult()["payResultMsg"] != msgNotEnough ||
			res.payResult()["successs"] != json.Number("0") || res.payResult()["cashBalance"] != "2400" {
			t.Fatalf("not enough cash answer %s", res.Body)
		}
		if b := f.balance(); b != 2400 {
			t.Fatalf("balance = %d, want 2400", b)
		}
		unpaid, err := f.Svc.FindOrder(f.Ctx, scope(f), "cash-2")
		must(t, err)
		if unpaid.PaymentStatus != hub.PaymentUnpaid {
			t.Fatalf("order %+v: want unpaid", unpaid)
		}
		if es, _ := f.Svc.BalanceEntries(f.Ctx, f.partner.ID, 0, 0); len(es) != 2 {
			t.Fatalf("a failed payment wrote an entry: %+v", es)
		}

		// A refused cash order changes nothing.
		res = f.post("/order", with(t, map[string]any{"settleKind": "s", "oaOrderNo": "cash-3", "orderItem": items(999999, 1, 20007, 1)}))
		if res.errCode() != "201" {
			t.Fatalf("%s", res.Body)
		}
		if b := f.balance(); b != 2400 {
			t.Fatalf("balance = %d after a refused order", b)
		}

		// The unpaid order is paid through the common path (/hub/v1).
		pay := f.do(http.MethodPost, "/hub/v1/orders/"+unpaid.ChannelRef+"/payment?brand_id="+itoa(f.brand.ID), "application/json",
			[]byte(`{"method":"bank_transfer"}`), map[string]string{"Authorization": "Bearer " + f.hubToken})
		if pay.Status != 200 {
			t.Fatal(pay)
		}
		o, err := f.Svc.FindOrder(f.Ctx, scope(f), "cash-2")
		must(t, err)
		if o.PaymentStatus != hub.PaymentPaid || f.balance() != 2400 {
			t.Fatalf("after payment: %+v, balance %d", o, f.balance())
		}
	})
}

// TestOrderTestPersistsNothing: /order/test validates fully and changes
// no row: orders, events, stock, balance, balance history.
func TestOrderTestPersistsNothing(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		f.topUp(18164)
		type snap struct {
			orders, events, entries int
			balance                 int64
			stock                   [3]int64
		}
		take := func() snap {
			es, err := f.Svc.BalanceEntries(f.Ctx, f.partner.ID, 0, 500)
			must(t, err)
			return snap{len(f.orders()), countEvents(t, f), len(es), f.balance(),
				[3]int64{*f.stock("7373"), *f.stock("10437"), *f.stock("10438")}}
		}
		before := take()
		for _, req := range []map[string]any{
			seedRequest(t),
			with(t, map[string]any{"settleKind": "s"}),
			with(t, map[string]any{"oaType": "opo", "oaOrderNo": jsonNull}),
		} {
			res := f.post("/order/test", req)
			if res.orderResult()["success"] != "1" || res.payResult()["payResultMsg"] != msgTest ||
				res.payResult()["successs"] != json.Number("0") || res.payResult()["cashBalance"] != "18164" {
				t.Fatalf("test answer %s", res.Body)
			}
		}
		if after := take(); after != before {
			t.Fatalf("/order/test changed rows: before %+v, after %+v", before, after)
		}
		// The number it answered names nothing.
		res := f.post("/order/test", seedRequest(t))
		if _, err := f.Svc.FindOrder(f.Ctx, scope(f), res.orderResult()["ordNo"].(string)); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Fatalf("test ordNo found: %v", err)
		}
	})
}

// TestConcurrentDuplicate: requests racing with one oaOrderNo make one
// order and the rest 105, and a cash order is debited once.
func TestConcurrentDuplicate(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		f.topUp(10000)
		const n = 6
		body := with(t, map[string]any{"settleKind": "s", "oaOrderNo": "race-1"})
		var wg sync.WaitGroup
		answers := make([]response, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i] = f.post("/order", body)
			}()
		}
		close(start)
		wg.Wait()
		ok, dup := 0, 0
		for _, a := range answers {
			switch {
			case a.orderResult()["success"] == "1":
				ok++
				if a.payResult()["successs"] != json.Number("1") {
					t.Errorf("winner not paid: %s", a.Body)
				}
			case a.errCode() == "105":
				dup++
				p := a.orderResult()["parameter"].(map[string]any)
				if p["oaOrderNo"] != "race-1" || p["dupOrderData"].(map[string]any)["oaOrderNo"] != "race-1" {
					t.Errorf("105 answer %s", a.Body)
				}
			default:
				t.Errorf("unexpected answer %s", a)
			}
		}
		if ok != 1 || dup != n-1 {
			t.Fatalf("%d accepted, %d duplicates; want 1 and %d", ok, dup, n-1)
		}
		if got := len(f.orders()); got != 1 {
			t.Fatalf("%d orders stored", got)
		}
		if b := f.balance(); b != 2400 {
			t.Fatalf("balance = %d, want 2400 (one debit)", b)
		}
		if q := f.stock("7373"); *q != 22 {
			t.Fatalf("stock = %d, want 22", *q)
		}
	})
}

// TestOPO: purchase orders skip stock and sold-out checks and go to the
// configured logistics centre.
func TestOPO(t *testing.T) {
	f := newFixture(t, nil)
	req := with(t, map[string]any{"oaType": "opo", "oaOrderNo": "opo-1", "nameReceiver": nil, "zipCode": nil, "address": nil,
		"address2": nil, "orderItem": items(20007, 5, 20010, 3, 20008, 9)})
	res := f.post("/order", req)
	or := res.orderResult()
	if or["success"] != "1" || or["oaType"] != "opo" || or["nameReceiver"] != "정글북 물류센터" || or["zipCode"] != "18523" ||
		or["address"] != "경기도 화성시 팔탄면 버들로 1362번길 10-12 물류동" {
		t.Fatalf("opo answer %s", res.Body)
	}
	if *f.stock("20007") != 0 || *f.stock("20008") != 1 {
		t.Fatal("an opo order took stock")
	}
	o, err := f.Svc.FindOrder(f.Ctx, scope(f), "opo-1")
	must(t, err)
	if o.Delivery.ReceiverName != "정글북 물류센터" || o.Delivery.ZipCode != "18523" || o.Delivery.Phone != "010-1234-5678" {
		t.Fatalf("delivery %+v", o.Delivery)
	}
	// Receiver fields sent anyway are replaced.
	res = f.post("/order", with(t, map[string]any{"oaType": "opo", "oaOrderNo": "opo-2"}))
	if res.orderResult()["nameReceiver"] != "정글북 물류센터" {
		t.Fatalf("%s", res.Body)
	}
	// Other rules still apply.
	if res := f.post("/order", with(t, map[string]any{"oaType": "opo", "oaOrderNo": "opo-3", "orderItem": items(20004, 1)})); res.errCode() != "203" {
		t.Fatalf("%s", res.Body)
	}
	// Without a configured centre the request's receiver is used and
	// required.
	delete(f.partner.Settings.Extra, KeyLogisticsCenter)
	must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
	if res := f.post("/order", with(t, map[string]any{"oaType": "opo", "oaOrderNo": "opo-4", "nameReceiver": nil})); res.errCode() != "001" {
		t.Fatalf("%s", res.Body)
	}
	res = f.post("/order", with(t, map[string]any{"oaType": "opo", "oaOrderNo": "opo-5", "orderItem": items(20007, 1)}))
	if res.orderResult()["nameReceiver"] != "정글북" {
		t.Fatalf("%s", res.Body)
	}
}

var ordNoRE = regexp.MustCompile(`^[1-9][0-9]{12}$`)

// TestSameOrderEverywhere: the order is the hub's, found by ordNo and
// oaOrderNo, shown by /hub/v1, with its order.created event.
func TestSameOrderEverywhere(t *testing.T) {
	f := newFixture(t, nil)
	res := f.post("/order", with(t, map[string]any{"oaOrderNo": jsonNull}))
	or := res.orderResult()
	ordNo, _ := or["ordNo"].(string)
	if !ordNoRE.MatchString(ordNo) || or["oaApiOrdno"] != ordNo {
		t.Fatalf("ordNo %q, oaApiOrdno %v: want a 13-digit number, generated oaOrderNo = ordNo", ordNo, or["oaApiOrdno"])
	}
	res = f.post("/order", with(t, map[string]any{"oaOrderNo": "shop-77", "memo": jsonNull}))
	ordNo = res.orderResult()["ordNo"].(string)
	if res.orderResult()["memo"] != "" {
		t.Fatalf("memo %v", res.orderResult()["memo"])
	}
	byOrdNo, err := f.Svc.FindOrder(f.Ctx, scope(f), ordNo)
	must(t, err)
	byRef, err := f.Svc.FindOrder(f.Ctx, scope(f), "shop-77")
	must(t, err)
	if byOrdNo.ID != byRef.ID || byOrdNo.Channel != hub.ChannelJunglebook || byOrdNo.Type != hub.OrderDelivery ||
		byOrdNo.Attributes["oaType"] != "api" || byOrdNo.Attributes["bankSender"] != "정글북" {
		t.Fatalf("order %+v", byOrdNo)
	}
	get := f.do(http.MethodGet, "/hub/v1/orders/"+ordNo+"?brand_id="+itoa(f.brand.ID), "", nil, map[string]string{"Authorization": "Bearer " + f.hubToken})
	if get.Status != 200 || get.doc["external_ref"] != "shop-77" || get.doc["channel_ref"] != ordNo {
		t.Fatalf("GET /hub/v1/orders: %s", get)
	}
	found := false
	evs, err := f.Store.ListEventsByID(f.Ctx, 0, 1000)
	must(t, err)
	for _, e := range evs {
		if e.OrderID == byOrdNo.ID && e.Type == hub.EventOrderCreated {
			found = true
		}
	}
	if !found {
		t.Fatal("no order.created event")
	}
	// A bank-transfer order is paid through the common payment path.
	o, err := f.Svc.MarkPaid(f.Ctx, service.MarkPaidInput{Scope: scope(f), OrderRef: ordNo, Actor: hub.Actor{Role: hub.RoleStore, Name: "pos"}})
	must(t, err)
	if o.PaymentStatus != hub.PaymentPaid {
		t.Fatal("not paid")
	}
}

// TestDeliveryFee: the partner's fee, waived from its threshold.
func TestDeliveryFee(t *testing.T) {
	f := newFixture(t, nil)
	f.partner.Settings.Extra[KeyFreeDeliveryFrom] = "5000"
	must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
	res := f.post("/order/test", seedRequest(t))
	if or := res.orderResult(); or["delivery"] != "0" || or["settlePrice"] != "5100" || or["totalGoodsPrice"] != "5100" {
		t.Fatalf("%s", res.Body)
	}
	res = f.post("/order/test", with(t, map[string]any{"orderItem": items(7373, 1)}))
	if or := res.orderResult(); or["delivery"] != "2500" || or["settlePrice"] != "3350" || or["orderGoods"] != "[테스트] 일반상품" {
		t.Fatalf("%s", res.Body)
	}
	// A fee that is not an amount is refused when saved, naming it...
	f.partner.Settings.Extra[KeyDeliveryFee] = "x"
	if err := f.Svc.UpdatePartner(f.Ctx, f.partner); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "settings.extra.delivery_fee" {
		t.Fatalf("misconfigured fee saved: %v", err)
	}
	if res := f.post("/order/test", with(t, map[string]any{"orderItem": items(7373, 1)})); res.orderResult()["delivery"] != "2500" {
		t.Fatalf("after a refused change: %s", res.Body)
	}
	// A fee no order total could hold beside its goods is refused too (it
	// used to be saved, and then every balance-paid order was 002
	// "orderItem"); one at the bound still lets such an order through.
	f.partner.Settings.Extra[KeyDeliveryFee] = hub.MaxAmount
	if err := f.Svc.UpdatePartner(f.Ctx, f.partner); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "settings.extra.delivery_fee" {
		t.Fatalf("a fee of MaxAmount saved: %v", err)
	}
	f.partner.Settings.Extra[KeyDeliveryFee] = hub.MaxFee
	must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
	res = f.post("/order", with(t, map[string]any{"oaOrderNo": "FEE-MAX", "settleKind": "s", "orderItem": items(7373, 1)}))
	if or := res.orderResult(); res.Status != 200 || or["success"] != "1" || or["delivery"] != "50000000000000" || or["settlePrice"] != "50000000000850" {
		t.Fatalf("a balance-paid order with the largest fee: %s", res)
	}
	f.partner.Settings.Extra[KeyDeliveryFee] = "x"
	// ...and one stored before that check answers 500 (999), logged.
	must(t, f.Store.Update(f.Ctx, func(tx store.Tx) error { return tx.UpdatePartner(f.Ctx, f.partner) }))
	if res := f.post("/order/test", seedRequest(t)); res.Status != 500 || res.errCode() != "999" {
		t.Fatalf("misconfigured fee: %s", res)
	}
}

// TestIdempotencyKey: the same key replays the first answer; another body
// with it is a conflict in the envelope.
func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, nil)
	body, _ := json.Marshal(seedRequest(t))
	h := map[string]string{"Idempotency-Key": "k-1"}
	first := f.do(http.MethodPost, "/order", "application/json", body, h)
	again := f.do(http.MethodPost, "/order", "application/json", body, h)
	if first.orderResult()["success"] != "1" || !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("first %s\nagain %s", first, again)
	}
	if n := len(f.orders()); n != 1 {
		t.Fatalf("%d orders", n)
	}
	other, _ := json.Marshal(with(t, map[string]any{"oaOrderNo": "other"}))
	res := f.do(http.MethodPost, "/order", "application/json", other, h)
	if res.Status != http.StatusUnprocessableEntity || res.errCode() != "002" || res.orderResult()["parameter"] != "Idempotency-Key" {
		t.Fatalf("%s", res)
	}
}

// TestBalanceAPI: top-up, balance and history through /hub/v1.
func TestBalanceAPI(t *testing.T) {
	f := newFixture(t, nil)
	auth := map[string]string{"Authorization": "Bearer " + f.hubToken}
	base := "/hub/v1/partners/" + itoa(f.partner.ID) + "/balance"
	res := f.do(http.MethodPost, base+"/top-ups", "application/json", []byte(`{"amount": 18164, "note": "입금"}`), auth)
	if res.Status != 201 || res.doc["balance"] != json.Number("18164") || res.doc["currency"] != "KRW" {
		t.Fatal(res)
	}
	for _, bad := range []string{`{"amount": 0}`, `{"amount": -5}`, `{"amount": "5"}`, `{"amonut": 5}`} {
		if res := f.do(http.MethodPost, base+"/top-ups", "application/json", []byte(bad), auth); res.Status != 400 {
			t.Fatalf("%s: %s", bad, res)
		}
	}
	f.post("/order", with(t, map[string]any{"settleKind": "s"}))
	res = f.do(http.MethodGet, base, "", nil, auth)
	if res.Status != 200 || res.doc["balance"] != json.Number("10564") {
		t.Fatal(res)
	}
	res = f.do(http.MethodGet, base+"/entries?limit=1", "", nil, auth)
	data, _ := res.doc["data"].([]any)
	if res.Status != 200 || len(data) != 1 || data[0].(map[string]any)["kind"] != "order_payment" || res.doc["next_cursor"] == nil {
		t.Fatal(res)
	}
	res = f.do(http.MethodGet, base+"/entries?cursor="+res.doc["next_cursor"].(string), "", nil, auth)
	data, _ = res.doc["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["kind"] != "top_up" || data[0].(map[string]any)["note"] != "입금" {
		t.Fatal(res)
	}
	if res := f.do(http.MethodGet, "/hub/v1/partners/99999/balance", "", nil, auth); res.Status != 404 {
		t.Fatal(res)
	}
	// A brand token of another brand does not see the partner.
	other := &hub.Brand{Name: "other", Currency: "KRW"}
	must(t, f.Svc.CreateBrand(f.Ctx, other))
	tok, err := f.Svc.CreateHubToken(f.Ctx, other.ID, "other")
	must(t, err)
	if res := f.do(http.MethodGet, base, "", nil, map[string]string{"Authorization": "Bearer " + tok}); res.Status != 404 {
		t.Fatal(res)
	}
}

func itoa(n int64) string { return json.Number(jsonInt(n)).String() }

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func countEvents(t *testing.T, f *fixture) int {
	evs, err := f.Store.ListEventsByID(f.Ctx, 0, 100000)
	must(t, err)
	return len(evs)
}

func eventTypesSince(t *testing.T, f *fixture, n int) []hub.EventType {
	evs, err := f.Store.ListEventsByID(f.Ctx, 0, 100000)
	must(t, err)
	var out []hub.EventType
	for _, e := range evs[n:] {
		out = append(out, e.Type)
	}
	return out
}

func contains(ts []hub.EventType, want hub.EventType) bool {
	for _, t := range ts {
		if t == want {
			return true
		}
	}
	return false
}
