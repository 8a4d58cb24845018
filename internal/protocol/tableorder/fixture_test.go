package tableorder

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// fixture is a TWD brand whose catalog makes the seed's three examples
// valid (ids, option groups, combo slots and prices), a QR partner bound
// to its first location, and the surface over real HTTP.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	st      store.Store
	svc     *service.Service
	srv     *httptest.Server
	brand   *hub.Brand
	loc     *hub.Location
	loc2    *hub.Location
	partner *hub.Partner
	id      string // client id
	secret  string
	ids     map[string]int64 // product ids by ref

	clock *testutil.Clock
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, st: st, clock: testutil.NewClock(time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)), ids: map[string]int64{}}
	f.svc = service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now), protocol.Registry{Protocol(), zeek.Protocol()}.Option())
	f.brand = &hub.Brand{Name: "QR Diner", Currency: "TWD", TaxRateBP: 500, TaxIncluded: true}
	must(t, f.svc.CreateBrand(ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "TPE-1", Name: "Taipei Main", Timezone: "Asia/Taipei"}
	must(t, f.svc.CreateLocation(ctx, f.loc))
	f.loc2 = &hub.Location{BrandID: f.brand.ID, Code: "TPE-2", Name: "Taipei Annex", Timezone: "Asia/Taipei"}
	must(t, f.svc.CreateLocation(ctx, f.loc2))

	n := func(s string) hub.I18n { return hub.I18n{"zh-TW": s, "en": s} }
	vals := func(kv ...any) []hub.OptionValue {
		var out []hub.OptionValue
		for i := 0; i+2 < len(kv); i += 3 {
			out = append(out, hub.OptionValue{ID: int64(kv[i].(int)), Name: n(kv[i+1].(string)), Price: int64(kv[i+2].(int))})
		}
		return out
	}
	single := func(ref, name string, price int64, individual bool, groups ...hub.OptionGroup) {
		p := &hub.Product{BrandID: f.brand.ID, RefID: ref, Name: n(name), Type: hub.ProductSingle, Price: price,
			IndividualSale: individual, Displayed: true, DeductStock: true, Launch: hub.Launch{Launched: true}, OptionGroups: groups}
		must(t, f.svc.SaveProduct(ctx, p))
		f.ids[ref] = p.ID
	}
	spicy := hub.OptionGroup{ID: 1, Name: n("辣度"), Max: 1, Values: vals(1, "小辣", 0, 2, "中辣", 0, 3, "大辣", 0)}
	rice := hub.OptionGroup{ID: 2, Name: n("加飯"), Max: 1, Values: vals(1, "白飯", 0, 2, "紫米飯", 1000)}
	pepper := hub.OptionGroup{ID: 3, Name: n("加胡椒"), Values: vals(1, "胡椒", 0)}
	// The plain example: 40000 and 20000 minor units, options at 0.
	single("P001", "番茄泡菜炒豆包", 40000, true, spicy, rice, pepper)
	single("P002", "紫蘇籽油腐乳炒飯", 20000, true, spicy, rice, pepper)

	// The combo example: UC10000001 at 165 with a main and four sides.
	single("UC06000002", "炸雞腿飯", 12000, false,
		hub.OptionGroup{ID: 3, Name: n("飯類選擇"), Max: 1, Values: vals(5, "飯少", 0, 6, "飯多", 0)},
		hub.OptionGroup{ID: 4, Name: n("切塊選擇"), Max: 1, Values: vals(1, "不切", 0, 2, "切小塊", 0)})
	single("UC03000004", "竹筍湯", 3000, false, hub.OptionGroup{ID: 6, Name: n("湯選擇"), Values: vals(1, "不加蔥", 0)})
	single("UC02300001", "香滷鴨蛋", 1500, false)
	single("UC04100002", "香滷油豆腐", 1500, false)
	single("UC05000005", "蜂蜜香檸茶", 2500, false)
	single("UC05000006", "紅茶", 2000, false)
	combo := func(ref, name string, price int64, groups []hub.OptionGroup, comps ...hub.ComboComponent) {
		p := &hub.Product{BrandID: f.brand.ID, RefID: ref, Name: n(name), Type: hub.ProductCombo, Price: price,
			IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}, OptionGroups: groups, ComboComponents: comps}
		must(t, f.svc.SaveProduct(ctx, p))
		f.ids[ref] = p.ID
	}
	items := func(refs ...string) []hub.ComboItem {
		var out []hub.ComboItem
		for _, r := range refs {
			out = append(out, hub.ComboItem{ProductID: f.ids[r]})
		}
		return out
	}
	combo("UC10000001", "A餐-炸雞腿飯", 165, nil,
		hub.ComboComponent{ID: 1, Name: n("主食選擇"), SelectQuantity: 1, Required: true, Items: items("UC06000002")},
		hub.ComboComponent{ID: 2, Name: n("選擇配菜"), SelectQuantity: 4, Required: true,
			Items: items("UC03000004", "UC02300001", "UC04100002", "UC05000005", "UC05000006")})

	// The combo taste example: Pack001 at 310 (+20 for 二匙醬 = 330).
	single("AA010300001", "鍋料-壽喜湯", 0, false,
		hub.OptionGroup{ID: 1, Name: n("辣度"), Max: 1, Values: vals(1, "不辣", 0, 3, "小辣", 0)},
		hub.OptionGroup{ID: 2, Name: n("外帶煮"), Max: 1, Values: vals(1, "要煮", 0, 2, "不煮", 0)},
		hub.OptionGroup{ID: 3, Name: n("加醬"), Max: 1, Values: vals(1, "一匙醬", 0, 2, "二匙醬", 20)})
	single("AA02010013", "和風嫩肩牛5盎司", 0, false)
	single("AA020103002", "紐西蘭經典牛舌11盎司", 0, false)
	single("AA050200008", "外帶白飯", 0, false)
	single("AC050101005", "10公升橘子汽水", 0, false)
	combo("Pack001", "壽喜燒外帶組", 310,
		[]hub.OptionGroup{
			{ID: 1, Name: n("辣度"), Max: 1, Values: vals(1, "不辣", 0, 3, "小辣", 0)},
			{ID: 2, Name: n("外帶煮"), Max: 1, Values: vals(1, "要煮", 0, 2, "不煮", 0)},
		},
		hub.ComboComponent{ID: 1, Name: n("湯品"), SelectQuantity: 1, Required: true, Items: items("AA010300001")},
		hub.ComboComponent{ID: 2, Name: n("肉品"), SelectQuantity: 2, Required: true, Items: items("AA02010013", "AA020103002")},
		hub.ComboComponent{ID: 3, Name: n("鍋料雜糧"), SelectQuantity: 1, Items: items("AA050200008")},
		hub.ComboComponent{ID: 4, Name: n("飲品"), SelectQuantity: 1, Items: items("AC050101005")})

	// Tracked stock for a dish and a combo item.
	for ref, q := range map[string]int64{"P001": 10, "UC06000002": 5} {
		q := q
		must(t, f.svc.SetStock(ctx, f.brand.ID, f.loc.ID, f.ids[ref], &q))
	}

	f.partner = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelTableOrder, Name: "QR app", LocationIDs: []int64{f.loc.ID}}
	cred, _, err := f.svc.CreatePartner(ctx, f.partner)
	must(t, err)
	f.id, f.secret = cred.ClientID, cred.ClientSecret

	mux := http.NewServeMux()
	New(f.svc, Config{}).Routes(mux)
	f.srv = httptest.NewServer(testutil.ValidatingHandler(t, openAPIDoc(t), mux))
	t.Cleanup(f.srv.Close)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// do sends a request; hdr holds header pairs.
func (f *fixture) do(method, path, body string, hdr ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	must(f.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := f.srv.Client().Do(req)
	must(f.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(f.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// token logs in with JSON body credentials.
func (f *fixture) token() string {
	f.t.Helper()
	res := f.do("POST", "/v1/auth/login", `{"grant_type":"client_credentials","client_id":"`+f.id+`","client_secret":"`+f.secret+`"}`,
		"Content-Type", "application/json")
	if res.status != http.StatusOK {
		f.t.Fatalf("login: %d %s", res.status, res.body)
	}
	return res.json(f.t)["access_token"].(string)
}

func (f *fixture) post(token, body string, hdr ...string) response {
	f.t.Helper()
	return f.do("POST", "/v1/items", body, append([]string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, hdr...)...)
}

func (f *fixture) orderCount() int {
	f.t.Helper()
	os, err := f.st.ListOrders(f.ctx, store.OrderFilter{BrandID: f.brand.ID, Limit: 1000})
	must(f.t, err)
	return len(os)
}

func (f *fixture) order(externalRef string) *hub.Order {
	f.t.Helper()
	o, err := f.st.FindOrderByExternalRef(f.ctx, f.brand.ID, hub.ChannelTableOrder, externalRef)
	must(f.t, err)
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

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// storePartner writes p as it is, past the service's checks: a partner
// stored before those checks existed.
func (f *fixture) storePartner(p *hub.Partner) {
	f.t.Helper()
	must(f.t, f.st.Update(f.ctx, func(tx store.Tx) error { return tx.UpdatePartner(f.ctx, p) }))
}

// openAPIDoc is the API description with this protocol in it, which the
// fixture's traffic is checked against (testutil.ValidatingHandler).
func openAPIDoc(t *testing.T) []byte {
	t.Helper()
	doc, err := protocol.ComposeOpenAPI(api.OpenAPI(), protocol.Registry{Protocol()})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
