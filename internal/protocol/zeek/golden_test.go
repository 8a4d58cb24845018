package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/auth"
	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

// seedFile is a byte-for-byte copy of ../shared/seeds/003_07287a63d548cffe.txt;
// the golden tests read every request and response from it.
const seedFile = "testdata/003_07287a63d548cffe.txt"

// The seed's ```json blocks, in order.
const (
	exTokenReq = iota
	exTokenOK
	exToken400
	exToken40002
	exCreateReq
	exCreateOK
	exCreate400
	exCreate401
	exBatchReq
	exBatchOK
	exBatch400
	exBatch401
	exBatch404
	exCallback
	exCallbackOK
	exStatusReq
	exStatusOK
	exStatus400
	exStatus401
	exStatus404
	exProviderReq
	exProviderOK
	exCount
)

// The seed's App Key and App Secret.
const (
	seedClientID     = "bxF8hHT9"
	seedClientSecret = "Zp69S8f0UdmDIB11"
)

func seedBlocks(t testing.TB) []string {
	t.Helper()
	raw, err := os.ReadFile(seedFile)
	must(t, err)
	var blocks []string
	lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```json" {
			continue
		}
		var b []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b = append(b, lines[i])
		}
		blocks = append(blocks, strings.Join(b, "\n"))
	}
	if len(blocks) != exCount {
		t.Fatalf("seed has %d json blocks, want %d", len(blocks), exCount)
	}
	for i, b := range blocks {
		if !json.Valid([]byte(b)) {
			t.Fatalf("seed block %d is not JSON:\n%s", i, b)
		}
	}
	return blocks
}

func TestSeedCopy(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "..", "shared", "seeds", filepath.Base(seedFile))
	want, err := os.ReadFile(shared)
	if err != nil {
		t.Skipf("shared seed not available: %v", err)
	}
	got, err := os.ReadFile(seedFile)
	must(t, err)
	if !bytes.Equal(want, got) {
		t.Fatalf("%s differs from %s", seedFile, shared)
	}
}

// seedWorld holds the ids the seed's examples use: brand (store) 100 with
// location 122 and products 13 (combo "Breakfast Set A", ref-13) and 14
// (coffee, ref-14) and 35; brand 145 with locations 33 and 34 (RefID
// "client-location-123") and products 33, 34 and 78; 199 products in all,
// so that the next is 200, as CreateProduct's answer shows. Filler rows
// belong to brand 1.
type seedWorld struct {
	*fixture
	hk, ck    *hub.Brand // 100, 145
	zk100     *client    // callback and provider client of brand 100
	zk145     *client    // brand 145's client, with the seed's App Key too
	loc122    int64
	loc33     int64
	loc34     int64
	providers sync.Map
}

func newSeedWorld(t *testing.T, st store.Store) *seedWorld {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{Clock: time.Date(2026, 3, 22, 3, 0, 0, 0, time.UTC),
		Options: []service.Option{service.WithLogger(quiet), registry.Option()}})}
	st, ctx := f.Store, f.Ctx
	w := &seedWorld{fixture: f, loc122: 122, loc33: 33, loc34: 34}
	name := func(en, zh string) hub.I18n { return hub.I18n{"en": en, "zh-HK": zh} }
	simple := func(brand int64, ref, en string, price int64) *hub.Product {
		return &hub.Product{BrandID: brand, RefID: ref, Name: hub.I18n{"en": en}, Type: hub.ProductSingle, Price: price,
			IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	}
	must(t, st.Update(ctx, func(tx store.Tx) error {
		for i := int64(1); i <= 145; i++ {
			b := &hub.Brand{Name: "filler", Currency: "KRW"}
			switch i {
			case 100:
				b = &hub.Brand{Name: "Zeek HK", Currency: "HKD", TaxRateBP: 1000, TaxIncluded: true}
				w.hk = b
			case 145:
				b = &hub.Brand{Name: "Circle K VN", Currency: "HKD"}
				w.ck = b
			}
			if err := tx.CreateBrand(ctx, b); err != nil {
				return err
			}
			if b.ID != i {
				t.Fatalf("brand id %d, want %d", b.ID, i)
			}
		}
		for i := int64(1); i <= 122; i++ {
			l := &hub.Location{BrandID: 1, Code: "L" + itoa(i), Name: "filler", Timezone: "Asia/Ho_Chi_Minh"}
			switch i {
			case 33:
				l.BrandID, l.Name = 145, "Circle K 33"
			case 34:
				l.BrandID, l.Name, l.RefID = 145, "Circle K 34", "client-location-123"
			case 122:
				l.BrandID, l.Name, l.Timezone = 100, "Tsing Yi", "Asia/Hong_Kong"
			}
			if err := tx.CreateLocation(ctx, l); err != nil {
				return err
			}
			if l.ID != i {
				t.Fatalf("location id %d, want %d", l.ID, i)
			}
		}
		for i := int64(1); i <= 199; i++ {
			p := simple(1, "", "filler", 100)
			switch i {
			case 13:
				p = simple(100, "ref-13", "", 4540)
				p.Name, p.Type, p.Alcohol = name("Breakfast Set A", "早餐 A"), hub.ProductCombo, true
				p.OptionGroups = []hub.OptionGroup{{ID: 64, Name: name("Sweetness", "甜度"),
					Values: []hub.OptionValue{{ID: 69, Name: name("No sugar", "無糖"), Price: 4540}}}}
				p.ComboComponents = []hub.ComboComponent{{ID: 64, Name: name("Drinks", "飲品"), SelectQuantity: 1, Required: true,
					Items: []hub.ComboItem{{ProductID: 14, Price: 4540}}}}
			case 14:
				p = simple(100, "ref-14", "", 2000)
				p.Name = name("Coffee", "咖啡")
			case 35:
				p = simple(100, "ref-35", "Elsewhere", 100)
			case 33, 34, 78:
				p = simple(145, "ref-"+itoa(i), "Product "+itoa(i), 1000)
			}
			if err := p.Validate(); err != nil {
				return err
			}
			if err := tx.CreateProduct(ctx, p); err != nil {
				return err
			}
			if p.ID != i {
				t.Fatalf("product id %d, want %d", p.ID, i)
			}
		}
		return nil
	}))
	f.brand, f.other = w.ck, w.hk
	w.zk145 = f.newClient(145, nil, hub.PartnerSettings{Extra: map[string]any{"region": "SGN"}})
	w.zk100 = f.newClient(100, nil, hub.PartnerSettings{Extra: map[string]any{"region": "SGN"}})
	f.a, f.b = w.zk145, w.zk100
	// The seed's App Key and App Secret, so that its token example runs as
	// written (only the secret's hash is stored, as for issued ones).
	must(t, st.Update(ctx, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredClient, PartnerID: w.zk145.partner.ID, BrandID: 145,
			Lookup: seedClientID, SecretHash: auth.Hash(seedClientSecret), Hint: seedClientID, CreatedAt: time.Now().UTC()})
	}))
	f.h = New(f.Svc, Config{Log: quiet})
	f.Serve(harness.Mux(f.h.Routes), nil)
	return w
}

func itoa(i int64) string { return strings.TrimSpace(jsonString(i)) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// edit decodes a JSON body, lets fn change it and encodes it again.
func edit(t testing.TB, body string, fn func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	must(t, dec.Decode(&m))
	fn(m)
	b, err := json.Marshal(m)
	must(t, err)
	return string(b)
}

func TestSeedExamples(t *testing.T) {
	ex := seedBlocks(t)
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := newSeedWorld(t, st)
		t.Run("token", func(t *testing.T) { seedToken(t, w, ex) })
		t.Run("create", func(t *testing.T) { seedCreate(t, w, ex) })
		t.Run("batch_update", func(t *testing.T) { seedBatch(t, w, ex) })
		t.Run("status_update", func(t *testing.T) { seedStatus(t, w, ex) })
		t.Run("callback_and_provider", func(t *testing.T) { seedCallbackAndProvider(t, w, ex) })
	})
}

func seedToken(t *testing.T, w *seedWorld, ex []string) {
	r := w.call(nil, PathToken, ex[exTokenReq])
	expect(t, "token", r, http.StatusOK, "")
	testutil.SameShape(t, "token", []byte(ex[exTokenOK]), r.Body)
	got := r.Literal(t)
	data := got["data"].(map[string]any)
	tok, _ := data["access_token"].(string)
	if len(tok) < 40 {
		t.Errorf("access_token %q is not a random token", tok)
	}
	data["access_token"] = "xxxxxxxxxxxxxxxxxxxxxxx"
	testutil.SameJSON(t, "token values", []byte(ex[exTokenOK]), []byte(jsonString(got)))
	// The token works, and is stored only as its hash.
	if _, err := w.Svc.AuthenticateAccessToken(w.Ctx, hub.ChannelZeek, tok); err != nil {
		t.Errorf("issued token refused: %v", err)
	}
	if _, err := w.Store.CredentialByLookup(w.Ctx, store.CredAccessToken, tok); err == nil {
		t.Error("token stored in clear")
	}

	noSecret := edit(t, ex[exTokenReq], func(m map[string]any) { delete(m, "client_secret") })
	r = w.call(nil, PathToken, noSecret)
	expectError(t, "token without secret", r, http.StatusBadRequest, "40001", "Invalid parameter: client_secret is required")
	testutil.SameShape(t, "token 40001", []byte(ex[exToken400]), r.Body)
	r = w.call(nil, PathToken, edit(t, ex[exTokenReq], func(m map[string]any) { m["grant_type"] = "password" }))
	expectError(t, "grant_type", r, http.StatusBadRequest, "40001", "Invalid parameter: grant_type must be one of client_credentials")

	wrong := edit(t, ex[exTokenReq], func(m map[string]any) { m["client_secret"] = "wrong" })
	expect(t, "wrong secret", w.call(nil, PathToken, wrong), http.StatusBadRequest, ex[exToken40002])
	unknown := edit(t, ex[exTokenReq], func(m map[string]any) { m["client_id"] = "nobody" })
	expect(t, "unknown client", w.call(nil, PathToken, unknown), http.StatusBadRequest, ex[exToken40002])
}

func seedCreate(t *testing.T, w *seedWorld, ex []string) {
	r := w.call(w.zk145, PathCreate, ex[exCreateReq])
	expect(t, "create", r, http.StatusOK, ex[exCreateOK])
	p, err := w.Store.GetProduct(w.Ctx, 145, 200)
	must(t, err)
	start := time.Date(2004, 5, 3, 10, 30, 8, 0, time.UTC)
	want := &hub.Product{
		ID: 200, BrandID: 145, RefID: "product-1", SKU: "coca-cola-sku", Model: "coca-cola-model",
		Name:        hub.I18n{"en": "Coca-cola", "zh-HK": "可口可樂"},
		Description: hub.I18n{"en": "Coca-cola 350ml", "zh-HK": "可口可樂 350ml"},
		Type:        hub.ProductSingle, Price: 4540,
		SpecialPrices: []hub.DatedPrice{{Price: 4540, SortOrder: 15, StartDate: "2020-03-03", EndDate: "2020-03-10"}},
		BulkPrices:    []hub.DatedPrice{{Price: 4540, PurchaseCount: 300, SortOrder: 15, StartDate: "2020-03-03", EndDate: "2020-03-10"}},
		SortOrder:     13, MinQuantity: 0, MaxQuantity: 10, Alcohol: true, DeductStock: true, IndividualSale: true, Displayed: true,
		Launch:         hub.Launch{Launched: true, Start: &start, End: &start},
		TimeslotIDs:    []int64{67},
		PaymentMethods: []string{"stripe", "paypal"},
		CategoryIDs:    []int64{100}, DepartmentIDs: []int64{67}, LocationIDs: []int64{33},
		// 300 (a JSON number) is 300.00 HKD.
		OptionGroups: []hub.OptionGroup{{ID: 64, Required: true, Values: []hub.OptionValue{{ID: 330, Price: 30000}}}},
		Attributes: map[string]any{
			"spec": map[string]any{"weight": 30.3},
			"meta": map[string]any{
				"title":       map[string]any{"en": "Coca-cola", "zh-HK": "可口可樂"},
				"description": map[string]any{"en": "Coca-cola", "zh-HK": "可口可樂"},
				"keyword":     map[string]any{"en": "Coca-cola", "zh-HK": "可口可樂"},
			},
		},
	}
	want.CreatedAt, want.UpdatedAt = p.CreatedAt, p.UpdatedAt
	want.Launch.Start, want.Launch.End = utc(p.Launch.Start), utc(p.Launch.End)
	if !reflect.DeepEqual(p, want) {
		t.Errorf("stored product:\n got %s\nwant %s", jsonString(p), jsonString(want))
	}
	if !p.Launch.Start.Equal(start) {
		t.Errorf("launch start %v, want %v", p.Launch.Start, start)
	}

	// The same body bare, under another ref (refs are unique per store).
	bare := edit(t, ex[exCreateReq], func(m map[string]any) {
		d := m["data"].(map[string]any)
		d["ref_product_id"] = "product-2"
		for k := range m {
			delete(m, k)
		}
		for k, v := range d {
			m[k] = v
		}
	})
	expect(t, "create bare", w.call(w.zk145, PathCreate, bare), http.StatusOK, `{"error":0,"data":{"product_id":201}}`)

	expect(t, "create 401", w.call(w.zk145, PathCreate, ex[exCreateReq], "Authorization", "Bearer nope"), http.StatusUnauthorized, ex[exCreate401])
	r = w.call(w.zk145, PathCreate, edit(t, ex[exCreateReq], func(m map[string]any) { delete(m["data"].(map[string]any), "sku") }))
	expectError(t, "create 40001", r, http.StatusBadRequest, "40001", "Invalid parameter: sku is required")
	testutil.SameShape(t, "create 40001", []byte(ex[exCreate400]), r.Body)
	// Another brand's store: not found.
	r = w.call(w.zk145, PathCreate, edit(t, ex[exCreateReq], func(m map[string]any) {
		m["data"].(map[string]any)["store"] = map[string]any{"store_id": 100}
	}))
	expectError(t, "foreign store", r, http.StatusNotFound, "40401", "Not found")
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func seedBatch(t *testing.T, w *seedWorld, ex []string) {
	r := w.call(w.zk145, PathBatchUpdate, ex[exBatchReq])
	expect(t, "batch", r, http.StatusOK, `{"error":0,"data":{"results":[{"product_id":78,"action_result":1,"error_msg":""}]}}`)
	p, err := w.Store.GetProduct(w.Ctx, 145, 78)
	must(t, err)
	// "2021-03-22 17:00:00" in KS-Region SGN (+07:00).
	at := time.Date(2021, 3, 22, 10, 0, 0, 0, time.UTC)
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", p.Name, hub.I18n{"en": "Coca-cola", "zh-HK": "可口可樂"}},
		{"description", p.Description, hub.I18n{"en": "Coca-cola 350ml", "zh-HK": "可口可樂 350ml"}},
		{"locations by ref_location_id", p.LocationIDs, []int64{34}},
		{"categories", p.CategoryIDs, []int64{100}},
		{"sort_order", p.SortOrder, 13},
		{"price", p.Price, int64(4540)},
		{"special_price", p.SpecialPrices, []hub.DatedPrice{{Price: 4540, SortOrder: 15, StartDate: "2020-03-03", EndDate: "2020-03-10"}}},
		{"is_alcohol", p.Alcohol, true},
		{"launch", p.Launch.Launched && p.Launch.Start.Equal(at) && p.Launch.End.Equal(at), true},
		{"timeslots", p.TimeslotIDs, []int64{67}},
		{"purchase_quantity", [2]int{p.MinQuantity, p.MaxQuantity}, [2]int{0, 10}},
		{"spec", jsonString(p.Attributes["spec"]), `{"weight":30.3}`},
		{"meta", jsonString(p.Attributes["meta"]), `{"description":{"en":"Coca-cola","zh-HK":"可口可樂"},"keyword":{"en":"Coca-cola","zh-HK":"可口可樂"},"title":{"en":"Coca-cola","zh-HK":"可口可樂"}}`},
		// Not in the batch table: kept.
		{"ref id kept", p.RefID, "ref-78"},
		{"individual sale kept", p.IndividualSale, true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.what, c.got, c.want)
		}
	}

	// The response example: 34 is the client's, 35 another store's.
	rows := edit(t, ex[exBatchReq], func(m map[string]any) {
		row := m["products"].([]any)[0].(map[string]any)
		a, b := map[string]any{}, map[string]any{}
		for k, v := range row {
			a[k], b[k] = v, v
		}
		a["product_id"], b["product_id"] = 34, 35
		m["products"] = []any{a, b}
	})
	expect(t, "batch rows", w.call(w.zk145, PathBatchUpdate, rows), http.StatusOK, ex[exBatchOK])
	if _, err := w.Store.GetProduct(w.Ctx, 100, 35); err != nil {
		t.Fatal(err)
	}
	only35 := edit(t, ex[exBatchReq], func(m map[string]any) { m["products"].([]any)[0].(map[string]any)["product_id"] = 35 })
	expect(t, "batch 404", w.call(w.zk145, PathBatchUpdate, only35), http.StatusNotFound, ex[exBatch404])
	expect(t, "batch 401", w.call(w.zk145, PathBatchUpdate, ex[exBatchReq], "Authorization", ""), http.StatusUnauthorized, ex[exBatch401])
	r = w.call(w.zk145, PathBatchUpdate, `{"items":[]}`)
	expectError(t, "batch 40001", r, http.StatusBadRequest, "40001", "Invalid parameter: products is required")
	testutil.SameShape(t, "batch 40001", []byte(ex[exBatch400]), r.Body)
}

func seedStatus(t *testing.T, w *seedWorld, ex []string) {
	res, err := w.Svc.PlaceOrder(w.Ctx, service.PlaceOrderInput{BrandID: 145, LocationID: 33, Channel: hub.ChannelTableOrder,
		ExternalRef: "202011991199", Lines: []service.LineInput{{ProductRef: "33", Quantity: 1}}})
	must(t, err)
	expect(t, "status", w.call(w.zk145, PathStatusUpdate, ex[exStatusReq]), http.StatusOK, ex[exStatusOK])
	o, err := w.Store.GetOrder(w.Ctx, res.Order.ID)
	must(t, err)
	if o.Status != hub.StatusCompleted {
		t.Errorf("status %v, want completed", o.Status)
	}
	// A repeated pickup report (another request id) is still a success.
	expect(t, "status again", w.call(w.zk145, PathStatusUpdate, ex[exStatusReq]), http.StatusOK, ex[exStatusOK])
	expect(t, "status 404", w.call(w.zk145, PathStatusUpdate, strings.Replace(ex[exStatusReq], "202011991199", "999", 1)),
		http.StatusNotFound, ex[exStatus404])
	// Brand 100's client cannot see brand 145's order.
	expect(t, "status other brand", w.call(w.zk100, PathStatusUpdate, ex[exStatusReq]), http.StatusNotFound, ex[exStatus404])
	expect(t, "status 401", w.call(w.zk145, PathStatusUpdate, ex[exStatusReq], "Authorization", "Basic x"), http.StatusUnauthorized, ex[exStatus401])
	// An order_id two orders carry (here a hub order's and a QR order's
	// channel ids, as FR9TL74P was in the audit) moves neither: 409 40904,
	// naming both by hub number and channel, oldest first.
	var named []*hub.Order
	for _, ch := range []hub.Channel{hub.ChannelHub, hub.ChannelTableOrder} {
		res, err := w.Svc.PlaceOrder(w.Ctx, service.PlaceOrderInput{BrandID: 145, LocationID: 33, Channel: ch,
			ExternalRef: "FR9TL74P", Lines: []service.LineInput{{ProductRef: "33", Quantity: 1}}})
		must(t, err)
		named = append(named, res.Order)
	}
	ambiguous := strings.Replace(ex[exStatusReq], "202011991199", "FR9TL74P", 1)
	r := w.call(w.zk145, PathStatusUpdate, ambiguous)
	expectError(t, "status of an ambiguous order_id", r, http.StatusConflict, "40904",
		"The order_id names more than one order: "+named[0].Number+" (hub), "+named[1].Number+
			" (tableorder); send the id orderhub answered for the order")
	r = w.call(w.zk145, PathStatusUpdate, ambiguous, "KS-Lang", "vi")
	expectError(t, "status of an ambiguous order_id (vi)", r, http.StatusConflict, "40904",
		"order_id trỏ tới nhiều hơn một đơn hàng: "+named[0].Number+" (hub), "+named[1].Number+
			" (tableorder); hãy gửi mã đơn mà orderhub đã trả về")
	for _, o := range named {
		got, err := w.Store.GetOrder(w.Ctx, o.ID)
		must(t, err)
		if got.Status != o.Status {
			t.Errorf("order %s moved to %v by an ambiguous order_id", o.Number, got.Status)
		}
	}
	r = w.call(w.zk145, PathStatusUpdate, strings.Replace(ex[exStatusReq], `"status": 5`, `"status": 7`, 1))
	expectError(t, "status 40001", r, http.StatusBadRequest, "40001", "Invalid parameter: status must be one of 5")
	testutil.SameShape(t, "status 40001", []byte(ex[exStatus400]), r.Body)
}

// seedOrder places the callback example's order: brand 100, location 122,
// three "Breakfast Set A" with coffee and no sugar, at
// 2004-05-03T17:30:08+07:00, to be picked up then.
func (w *seedWorld) seedOrder(t *testing.T) (*hub.Order, error) {
	at := time.Date(2004, 5, 3, 10, 30, 8, 0, time.UTC)
	w.Clock.Set(at)
	res, err := w.Svc.PlaceOrder(w.Ctx, service.PlaceOrderInput{
		BrandID: 100, LocationID: 122, Channel: hub.ChannelHub, Type: hub.OrderPickUp, ScheduledFor: &at,
		Customer: hub.Customer{ID: "33333", RefID: "ref-333333", Name: "Joseph Tai", Phone: "98989898", PhoneCountry: "852"},
		Delivery: &hub.Delivery{Address: "11/F, SF Centre, 36 Tsing Yi Hong Wan Road"},
		Notes:    "Please include utensils", PaymentMethod: "paypal",
		Lines: []service.LineInput{{ProductRef: "13", Quantity: 3,
			Options: []service.OptionInput{{GroupID: 64, ValueID: 69}},
			Combo:   []service.ComboInput{{ComponentID: 64, ProductRef: "14"}}}},
	})
	if err != nil {
		return nil, err
	}
	return res.Order, nil
}

func seedCallbackAndProvider(t *testing.T, w *seedWorld, ex []string) {
	var got []byte
	var mu sync.Mutex
	provider := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ts, sig := r.Header.Get("KS-Timestamp"), r.Header.Get("KS-Signature")
		key, _ := delivery.SecretKey(w.zk100.callbackSecret)
		if sig != delivery.SignKSHex(key, ts, b) {
			http.Error(rw, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = b
		mu.Unlock()
		io.WriteString(rw, ex[exProviderOK])
	}))
	defer provider.Close()
	w.setSettings(w.zk100, hub.PartnerSettings{CallbackURL: "https://client.example/zeek/callback", ProviderURL: provider.URL,
		Extra: map[string]any{"region": "SGN"}})
	o, err := w.seedOrder(t)
	must(t, err)
	mu.Lock()
	testutil.SameJSON(t, "provider request", []byte(ex[exProviderReq]), got)
	mu.Unlock()

	ev := orderEvent(t, w.Store, o.ID, hub.EventOrderCreated)
	out, err := OrderCreateCallback(w.Ctx, w.Store, ev, w.zk100.partner)
	must(t, err)
	if out == nil || out.URL != "https://client.example/zeek/callback" || out.Signing != delivery.SignKS ||
		out.Acceptance != delivery.AcceptStatusOK || out.Method != http.MethodPost {
		t.Fatalf("outbound %+v", out)
	}
	testutil.SameShape(t, "callback", []byte(ex[exCallback]), out.Body)
	// Values: the seed's, but for what orderhub assigns (order id, pickup
	// code) and the fees, which orderhub computes (the example's 10.22
	// everywhere is not an order's arithmetic).
	want := testutil.DecodeJSON(t, []byte(ex[exCallback])).(map[string]any)
	gotV := testutil.DecodeJSON(t, out.Body).(map[string]any)
	wp, gp := want["payload"].(map[string]any), gotV["payload"].(map[string]any)
	for _, k := range []string{"order_id", "pickup_code", "fee"} {
		wp[k] = gp[k]
	}
	if d := testutil.DiffJSON("$", want, gotV, false); len(d) > 0 {
		t.Errorf("callback values differ:\n  %s\ngot %s", strings.Join(d, "\n  "), out.Body)
	}
	if gp["order_id"] != o.Number || gp["pickup_code"] != o.PickupCode {
		t.Errorf("order_id/pickup_code %v %v, want %s %s", gp["order_id"], gp["pickup_code"], o.Number, o.PickupCode)
	}
	// (45.40 + 45.40 coffee + 45.40 no sugar) × 3 = 408.60, VAT 10% included.
	wantFee := `{"subtotal":{"currency_code":"HKD","amount":"408.60"},"minimum_purchase":{"currency_code":"HKD","amount":"0.00"},` +
		`"difference_to_minimum":{"currency_code":"HKD","amount":"0.00"},"coupon_discount":{"currency_code":"HKD","amount":"0.00"},` +
		`"shipping_fee":{"currency_code":"HKD","amount":"0.00"},"vat":{"currency_code":"HKD","amount":"37.15"},"is_vat_included":true,` +
		`"total":{"currency_code":"HKD","amount":"408.60"}}`
	testutil.SameJSON(t, "fee", []byte(wantFee), []byte(jsonString(gp["fee"])))
}

// orderEvent finds an order's event of a type in the outbox.
func orderEvent(t testing.TB, st store.Store, orderID int64, typ hub.EventType) *store.Event {
	t.Helper()
	evs, err := st.ListEventsByID(context.Background(), 0, 10000)
	must(t, err)
	for i := range evs {
		if evs[i].OrderID == orderID && evs[i].Type == typ {
			return &evs[i]
		}
	}
	t.Fatalf("no %s event for order %d", typ, orderID)
	return nil
}
