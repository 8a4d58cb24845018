package tableorder

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

// fixture is a TWD brand whose catalog makes the seed's three examples
// valid (ids, option groups, combo slots and prices), a QR partner bound
// to its first location, and the surface over real HTTP.
type fixture struct {
	*harness.Harness
	brand   *hub.Brand
	loc     *hub.Location
	loc2    *hub.Location
	partner *hub.Partner
	id      string // client id
	secret  string
	ids     map[string]int64 // product ids by ref
}

func zh(s string) hub.I18n { return hub.I18n{"zh-TW": s, "en": s} }

// values are option values: id, name, price, id, name, price, ...
func values(kv ...any) []hub.OptionValue {
	var out []hub.OptionValue
	for i := 0; i+2 < len(kv); i += 3 {
		out = append(out, hub.OptionValue{ID: int64(kv[i].(int)), Name: zh(kv[i+1].(string)), Price: int64(kv[i+2].(int))})
	}
	return out
}

var (
	spicy  = hub.OptionGroup{ID: 1, Name: zh("辣度"), Max: 1, Values: values(1, "小辣", 0, 2, "中辣", 0, 3, "大辣", 0)}
	rice   = hub.OptionGroup{ID: 2, Name: zh("加飯"), Max: 1, Values: values(1, "白飯", 0, 2, "紫米飯", 1000)}
	pepper = hub.OptionGroup{ID: 3, Name: zh("加胡椒"), Values: values(1, "胡椒", 0)}
)

// dish is a single sold on its own; side one sold inside combos only.
func dish(ref, name string, price int64, groups ...hub.OptionGroup) harness.Product {
	return harness.Product{Ref: ref, Name: zh(name), Type: hub.ProductSingle, Price: price, DeductStock: true, Groups: groups}
}

func side(ref, name string, price int64, groups ...hub.OptionGroup) harness.Product {
	p := dish(ref, name, price, groups...)
	p.ComboOnly = true
	return p
}

// testCatalog is the fixture's data, made anew for each fixture (tests
// change what they are given).
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand: hub.Brand{Name: "QR Diner", Currency: "TWD", TaxRateBP: 500, TaxIncluded: true},
		Locations: []hub.Location{
			{Code: "TPE-1", Name: "Taipei Main", Timezone: "Asia/Taipei"},
			{Code: "TPE-2", Name: "Taipei Annex", Timezone: "Asia/Taipei"},
		},
		Products: []harness.Product{
			// The plain example: 40000 and 20000 minor units, options at 0;
			// tracked stock for a dish and a combo item.
			withStock(dish("P001", "番茄泡菜炒豆包", 40000, spicy, rice, pepper), 10),
			dish("P002", "紫蘇籽油腐乳炒飯", 20000, spicy, rice, pepper),

			// The combo example: UC10000001 at 165 with a main and four sides.
			withStock(side("UC06000002", "炸雞腿飯", 12000,
				hub.OptionGroup{ID: 3, Name: zh("飯類選擇"), Max: 1, Values: values(5, "飯少", 0, 6, "飯多", 0)},
				hub.OptionGroup{ID: 4, Name: zh("切塊選擇"), Max: 1, Values: values(1, "不切", 0, 2, "切小塊", 0)}), 5),
			side("UC03000004", "竹筍湯", 3000, hub.OptionGroup{ID: 6, Name: zh("湯選擇"), Values: values(1, "不加蔥", 0)}),
			side("UC02300001", "香滷鴨蛋", 1500),
			side("UC04100002", "香滷油豆腐", 1500),
			side("UC05000005", "蜂蜜香檸茶", 2500),
			side("UC05000006", "紅茶", 2000),
			{Ref: "UC10000001", Name: zh("A餐-炸雞腿飯"), Type: hub.ProductCombo, Price: 165, Combo: []harness.Slot{
				{ID: 1, Name: zh("主食選擇"), Select: 1, Required: true, Items: harness.Items("UC06000002")},
				{ID: 2, Name: zh("選擇配菜"), Select: 4, Required: true,
					Items: harness.Items("UC03000004", "UC02300001", "UC04100002", "UC05000005", "UC05000006")},
			}},

			// The combo taste example: Pack001 at 310 (+20 for 二匙醬 = 330).
			side("AA010300001", "鍋料-壽喜湯", 0,
				hub.OptionGroup{ID: 1, Name: zh("辣度"), Max: 1, Values: values(1, "不辣", 0, 3, "小辣", 0)},
				hub.OptionGroup{ID: 2, Name: zh("外帶煮"), Max: 1, Values: values(1, "要煮", 0, 2, "不煮", 0)},
				hub.OptionGroup{ID: 3, Name: zh("加醬"), Max: 1, Values: values(1, "一匙醬", 0, 2, "二匙醬", 20)}),
			side("AA02010013", "和風嫩肩牛5盎司", 0),
			side("AA020103002", "紐西蘭經典牛舌11盎司", 0),
			side("AA050200008", "外帶白飯", 0),
			side("AC050101005", "10公升橘子汽水", 0),
			{Ref: "Pack001", Name: zh("壽喜燒外帶組"), Type: hub.ProductCombo, Price: 310,
				Groups: []hub.OptionGroup{
					{ID: 1, Name: zh("辣度"), Max: 1, Values: values(1, "不辣", 0, 3, "小辣", 0)},
					{ID: 2, Name: zh("外帶煮"), Max: 1, Values: values(1, "要煮", 0, 2, "不煮", 0)},
				},
				Combo: []harness.Slot{
					{ID: 1, Name: zh("湯品"), Select: 1, Required: true, Items: harness.Items("AA010300001")},
					{ID: 2, Name: zh("肉品"), Select: 2, Required: true, Items: harness.Items("AA02010013", "AA020103002")},
					{ID: 3, Name: zh("鍋料雜糧"), Select: 1, Items: harness.Items("AA050200008")},
					{ID: 4, Name: zh("飲品"), Select: 1, Items: harness.Items("AC050101005")},
				}},
		},
		Partners: []harness.Partner{{Key: "qr", Protocol: hub.ChannelTableOrder, Name: "QR app", Locations: []string{"TPE-1"}}},
	}}}
}

func withStock(p harness.Product, q int64) harness.Product {
	p.Stock = harness.Qty(q)
	return p
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{Clock: time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC),
		Options: []service.Option{protocol.Registry{Protocol(), zeek.Protocol()}.Option()}, Data: testCatalog()})}
	f.brand, f.loc, f.loc2 = f.Brand(0), f.Location(t, "TPE-1"), f.Location(t, "TPE-2")
	f.ids = f.ProductIDs()
	qr := f.Partner(t, "qr")
	f.partner, f.id, f.secret = qr.Partner, qr.Credential.ClientID, qr.Credential.ClientSecret
	f.Serve(harness.Mux(New(f.Svc, Config{}).Routes), harness.ProtocolDoc(t, protocol.Registry{Protocol()}))
	return f
}

// must fails the test on a setup error.
var must = testutil.Must

type response = harness.Response

// token logs in with JSON body credentials.
func (f *fixture) token() string {
	f.T.Helper()
	res := f.Do("POST", "/v1/auth/login", `{"grant_type":"client_credentials","client_id":"`+f.id+`","client_secret":"`+f.secret+`"}`,
		"Content-Type", "application/json")
	if res.Status != http.StatusOK {
		f.T.Fatalf("login: %d %s", res.Status, res.Body)
	}
	return res.Object(f.T)["access_token"].(string)
}

func (f *fixture) post(token, body string, hdr ...string) response {
	f.T.Helper()
	return f.Do("POST", "/v1/items", body, append([]string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, hdr...)...)
}

func (f *fixture) orderCount() int {
	f.T.Helper()
	os, err := f.Store.ListOrders(f.Ctx, store.OrderFilter{BrandID: f.brand.ID, Limit: 1000})
	must(f.T, err)
	return len(os)
}

func (f *fixture) order(externalRef string) *hub.Order {
	f.T.Helper()
	o, err := f.Store.FindOrderByExternalRef(f.Ctx, f.brand.ID, hub.ChannelTableOrder, externalRef)
	must(f.T, err)
	return o
}

// seed reads an example of the seed as printed (the third is given as
// "json= {...}": the body is what follows "json= ").
func seed(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	must(t, err)
	return strings.TrimPrefix(strings.TrimSpace(string(b)), "json= ")
}

// mutate decodes a body, applies edits at paths ("cart.items[1].quantity")
// and re-encodes it. A nil value of del removes the key.
type edit struct {
	path string
	v    any
	del  bool
}

func mutate(t *testing.T, body string, edits ...edit) string {
	t.Helper()
	var root any
	must(t, json.Unmarshal([]byte(body), &root))
	for _, e := range edits {
		root = setPath(t, root, splitPath(e.path), e.v, e.del)
	}
	b, err := json.Marshal(root)
	must(t, err)
	return string(b)
}

var segRE = regexp.MustCompile(`^([^\[]*)((?:\[\d+\])*)$`)

func splitPath(p string) []any {
	var out []any
	for _, part := range strings.Split(p, ".") {
		m := segRE.FindStringSubmatch(part)
		if m[1] != "" {
			out = append(out, m[1])
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			i, _ := strconv.Atoi(idx)
			out = append(out, i)
		}
	}
	return out
}

func setPath(t *testing.T, node any, path []any, v any, del bool) any {
	t.Helper()
	if len(path) == 0 {
		return v
	}
	switch k := path[0].(type) {
	case string:
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("path %v: not an object", path)
		}
		if len(path) == 1 && del {
			delete(m, k)
			return m
		}
		m[k] = setPath(t, m[k], path[1:], v, del)
		return m
	case int:
		a, ok := node.([]any)
		if !ok || k >= len(a) {
			t.Fatalf("path %v: not an array or out of range", path)
		}
		a[k] = setPath(t, a[k], path[1:], v, del)
		return a
	}
	return node
}

// formValues are form values from name, value pairs; form encodes them.
func formValues(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func form(kv ...string) string { return formValues(kv...).Encode() }

// storePartner writes p as it is, past the service's checks: a partner
// stored before those checks existed.
func (f *fixture) storePartner(p *hub.Partner) {
	f.T.Helper()
	must(f.T, f.Store.Update(f.Ctx, func(tx store.Tx) error { return tx.UpdatePartner(f.Ctx, p) }))
}
