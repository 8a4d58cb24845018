package junglebook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"orderhub/internal/api"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

const seedFile = "testdata/002_b19078e030ce8ca5.txt"

// fixture is a KRW brand (prices include 10% VAT, so settlePrice is goods
// plus delivery), one location, the seed's goods 7373, 10437, 10438 and a
// fourth for the cash example, goods that trip each goods error, and a
// Junglebook partner with a 2500 delivery fee and a logistics centre,
// served over real HTTP with the native API next to it.
type fixture struct {
	*harness.Harness
	brand    *hub.Brand
	loc      *hub.Location
	partner  *hub.Partner
	key      string
	hubToken string
	goods    map[string]*hub.Product // by goodsNo

	mu     sync.Mutex
	ordNos []string // next ordNo values; random ones once empty
}

// The seed's goods: 850 + 2×1000 + 3×750 = 5100, and with "[테스트]
// 일반상품4" (10,000,000) first: 10,004,250.
var fixtureGoods = []harness.Product{
	{Ref: "7373", Name: hub.I18n{"ko": "[테스트] 일반상품"}, Price: 850, DeductStock: true, Stock: harness.Qty(23), Edit: func(p *hub.Product) {
		p.Attributes = map[string]any{
			"categoryCode": "001", "categoryNm": "미분류(삭제X)", "origin": "국산", "maker": "테스트메이커", "brand": "굿프랜드",
			"suggestionSalesPrice": 1070,
			"goodsDetail":          `<img src="http://img.junglebook.co.kr/pettob/desc/D170311007373_0.png">`,
			"goodsImage":           "http://img.junglebook.co.kr/pettob/goods/G170221007373_l.png",
			"EAD":                  "", "inPackageEA": "100", "tags": "",
		}
	}},
	{Ref: "10437", Name: hub.I18n{"ko": "[테스트] 일반상품2"}, Price: 1000, DeductStock: true, Stock: harness.Qty(1000)},
	{Ref: "10438", Name: hub.I18n{"ko": "[테스트] 일반상품3"}, Price: 750, DeductStock: true, Stock: harness.Qty(1000)},
	{Ref: "10439", Name: hub.I18n{"ko": "[테스트] 일반상품4"}, Price: 10_000_000, DeductStock: true},
	// One goods per error.
	{Ref: "20001", Name: hub.I18n{"ko": "진열안함"}, Price: 1000, DeductStock: true, Hidden: true},                                                // 103
	{Ref: "20002", Name: hub.I18n{"ko": "세트전용"}, Price: 1000, DeductStock: true, ComboOnly: true},                                             // 103
	{Ref: "20003", Name: hub.I18n{"ko": "옵션필수"}, Price: 1000, DeductStock: true, Groups: []hub.OptionGroup{requiredGroup}},                    // 202
	{Ref: "20004", Name: hub.I18n{"ko": "묶음6"}, Price: 1000, DeductStock: true, Edit: func(p *hub.Product) { p.BundleSize = 6 }},              // 203
	{Ref: "20005", Name: hub.I18n{"ko": "최소3"}, Price: 1000, DeductStock: true, Edit: func(p *hub.Product) { p.MinQuantity = 3 }},             // 204
	{Ref: "20006", Name: hub.I18n{"ko": "최대2"}, Price: 1000, DeductStock: true, Edit: func(p *hub.Product) { p.MaxQuantity = 2 }},             // 205
	{Ref: "20007", Name: hub.I18n{"ko": "재고없음"}, Price: 1000, DeductStock: true, Stock: harness.Qty(0)},                                       // 206
	{Ref: "20008", Name: hub.I18n{"ko": "재고1"}, Price: 1000, DeductStock: true, Stock: harness.Qty(1)},                                        // 207
	{Ref: "20009", Name: hub.I18n{"ko": "공급사제한"}, Price: 1000, DeductStock: true, Edit: func(p *hub.Product) { p.SupplierRestricted = true }}, // 208
	{Ref: "20010", Name: hub.I18n{"ko": "품절표시"}, Price: 1000, DeductStock: true, Stock: harness.Qty(50), SoldOut: true},                       // 206
}

var requiredGroup = hub.OptionGroup{ID: 1, Name: hub.I18n{"ko": "색상"}, Required: true, Max: 1,
	Values: []hub.OptionValue{{ID: 1, Name: hub.I18n{"ko": "빨강"}}}}

// testCatalog is the fixture's data, made anew for each fixture (tests
// change what they are given): the brand, its location, the
// goods, the partner, an operator token.
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand:     hub.Brand{Name: "정글북", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true},
		Locations: []hub.Location{{Code: "HWASEONG", Name: "화성 물류", Timezone: "Asia/Seoul"}},
		Products:  fixtureGoods,
		Partners: []harness.Partner{{Key: "shop", Protocol: hub.ChannelJunglebook, Name: "정글북 제휴몰",
			Locations: []string{"HWASEONG"}, Settings: hub.PartnerSettings{Extra: map[string]any{
				KeyDeliveryFee: 2500,
				KeyLogisticsCenter: map[string]any{"name": "정글북 물류센터", "zip_code": "18523",
					"address": "경기도 화성시 팔탄면 버들로 1362번길 10-12", "address2": "물류동"},
			}}}},
	}}, OperatorToken: "test operator"}
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{
		Options: []service.Option{protocol.Registry{Protocol(), omni.Protocol()}.Option()}, Data: testCatalog()})}
	f.brand, f.loc, f.goods = f.Brand(0), f.Location(t, "HWASEONG"), map[string]*hub.Product{}
	for _, g := range fixtureGoods {
		f.goods[g.Ref] = f.Product(t, g.Ref)
	}
	shop := f.Partner(t, "shop")
	f.partner, f.key, f.hubToken = shop.Partner, shop.Credential.APIKey, f.Token(t, "")

	log := harness.Quiet()
	mux := harness.Mux(New(f.Svc, log, WithOrdNo(f.nextOrdNo)).Routes)
	api.New(f.Svc, log).Routes(mux)
	f.Serve(mux, harness.ProtocolDoc(t, protocol.Registry{Protocol()}), testutil.RefusesWith200())
	return f
}

// must fails the test on a setup error.
var must = testutil.Must

// useOrdNos makes the next orders answer these numbers (the seed's).
func (f *fixture) useOrdNos(nos ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ordNos = append(f.ordNos, nos...)
}

func (f *fixture) nextOrdNo() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ordNos) == 0 {
		return newOrdNo()
	}
	n := f.ordNos[0]
	f.ordNos = f.ordNos[1:]
	return n
}

func (f *fixture) topUp(amount int64) {
	f.T.Helper()
	_, err := f.Svc.TopUpBalance(f.Ctx, f.partner.ID, amount, "test")
	must(f.T, err)
}

func (f *fixture) balance() int64 {
	f.T.Helper()
	b, err := f.Svc.Balance(f.Ctx, f.partner.ID)
	must(f.T, err)
	return b
}

func (f *fixture) stock(goodsNo string) *int64 {
	f.T.Helper()
	q, err := f.Store.GetStock(f.Ctx, f.loc.ID, f.goods[goodsNo].ID)
	must(f.T, err)
	return q
}

func (f *fixture) orders() []hub.Order {
	f.T.Helper()
	os, err := f.Store.ListOrders(f.Ctx, store.OrderFilter{BrandID: f.brand.ID, Limit: 500})
	must(f.T, err)
	return os
}

// response is an answer with its body decoded, JSON types kept
// (json.Number for numbers), when it is JSON.
type response struct {
	harness.Response
	doc map[string]any
}

func (r response) orderResult() map[string]any {
	m, _ := r.doc["orderResult"].(map[string]any)
	return m
}
func (r response) payResult() map[string]any { m, _ := r.doc["payResult"].(map[string]any); return m }
func (r response) errCode() string           { s, _ := r.orderResult()["errCode"].(string); return s }

// do sends a request to the test server, with the partner's key unless
// hdr gives an Authorization.
func (f *fixture) do(method, path, contentType string, body []byte, hdr map[string]string) response {
	f.T.Helper()
	var h []string
	if contentType != "" {
		h = append(h, "Content-Type", contentType)
	}
	for k, v := range hdr {
		h = append(h, k, v)
	}
	if _, ok := hdr["Authorization"]; !ok {
		h = append(h, "Authorization", f.key)
	}
	out := response{Response: f.Do(method, path, string(body), h...)}
	if len(out.Body) > 0 && strings.HasPrefix(out.Header.Get("Content-Type"), "application/json") {
		out.doc = decodeJSON(f.T, out.Body)
	}
	return out
}

// post sends data (any JSON value, or []byte as is) as a raw JSON body.
func (f *fixture) post(path string, data any) response {
	f.T.Helper()
	b, ok := data.([]byte)
	if !ok {
		var err error
		b, err = json.Marshal(data)
		must(f.T, err)
	}
	return f.do(http.MethodPost, path, "application/json", b, nil)
}

// decodeJSON decodes a JSON object with its JSON types kept.
// refusal is an order refused in the envelope, as a table row: data
// POSTed as JSON with the partner's key, HTTP 200, an orderResult holding
// the members of want, and nothing written.
func (f *fixture) refusal(t *testing.T, name, path string, data any, want map[string]any) testutil.Scenario {
	body, err := json.Marshal(data)
	must(t, err)
	envelope, err := json.Marshal(map[string]any{"orderResult": want})
	must(t, err)
	return testutil.Scenario{Name: name, Method: http.MethodPost, Path: path, Body: string(body),
		Header: map[string]string{"Content-Type": "application/json", "Authorization": f.key},
		Status: http.StatusOK, JSON: string(envelope), Unchanged: f.Rows}
}

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	m, ok := testutil.DecodeJSON(t, b).(map[string]any)
	if !ok {
		t.Fatalf("decode %s: not an object", b)
	}
	return m
}

// ---- the seed ----

var seedBlockRE = regexp.MustCompile("(?s)``` js\\s*\\n(.*?)```")

// seedBlocks returns the seed's JSON examples with their // comments
// removed: the request, then the answers in the seed's order.
func seedBlocks(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(seedFile)
	must(t, err)
	var out []string
	for _, m := range seedBlockRE.FindAllStringSubmatch(string(b), -1) {
		out = append(out, stripComments(m[1]))
	}
	if len(out) != 7 {
		t.Fatalf("seed has %d JSON examples, want 7", len(out))
	}
	return out
}

// stripComments removes // comments outside JSON strings.
func stripComments(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
		}
		if c == '/' && i+1 < len(s) && s[i+1] == '/' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// seedRequest is the seed's request, decoded with its JSON types.
func seedRequest(t testing.TB) map[string]any {
	return decodeJSON(t, []byte(seedBlocks(t)[0]))
}

// seedAnswer is the seed's n-th example answer (1-based, in its order).
func seedAnswer(t testing.TB, n int) map[string]any {
	return decodeJSON(t, []byte(seedBlocks(t)[n]))
}

// items builds an orderItem list: goodsNo, ea, goodsNo, ea, ...
func items(pairs ...any) []any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"goodsNo": pairs[i], "ea": pairs[i+1]})
	}
	return out
}

// with returns a copy of the seed request with changes (nil deletes).
func with(t testing.TB, changes map[string]any) map[string]any {
	r := seedRequest(t)
	for k, v := range changes {
		if v == nil {
			delete(r, k)
			continue
		}
		if v == jsonNull {
			r[k] = nil
			continue
		}
		r[k] = v
	}
	return r
}

// jsonNull sets a field to null in with.
var jsonNull = &struct{}{}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

func scope(f *fixture) service.OrderScope {
	return service.OrderScope{BrandID: f.brand.ID, Partner: f.partner}
}
