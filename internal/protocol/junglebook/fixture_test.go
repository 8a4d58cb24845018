package junglebook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
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
)

const seedFile = "testdata/002_b19078e030ce8ca5.txt"

// fixture is a KRW brand (prices include 10% VAT, so settlePrice is goods
// plus delivery), one location, the seed's goods 7373, 10437, 10438 and a
// fourth for the cash example, goods that trip each goods error, and a
// Junglebook partner with a 2500 delivery fee and a logistics centre,
// served over real HTTP with the native API next to it.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	svc      *service.Service
	srv      *httptest.Server
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
var fixtureGoods = []struct {
	no    string
	name  string
	price int64
	stock *int64
	mut   func(*hub.Product)
}{
	{"7373", "[테스트] 일반상품", 850, ptr(int64(23)), func(p *hub.Product) {
		p.Attributes = map[string]any{
			"categoryCode": "001", "categoryNm": "미분류(삭제X)", "origin": "국산", "maker": "테스트메이커", "brand": "굿프랜드",
			"suggestionSalesPrice": 1070,
			"goodsDetail":          `<img src="http://img.junglebook.co.kr/pettob/desc/D170311007373_0.png">`,
			"goodsImage":           "http://img.junglebook.co.kr/pettob/goods/G170221007373_l.png",
			"EAD":                  "", "inPackageEA": "100", "tags": "",
		}
	}},
	{"10437", "[테스트] 일반상품2", 1000, ptr(int64(1000)), nil},
	{"10438", "[테스트] 일반상품3", 750, ptr(int64(1000)), nil},
	{"10439", "[테스트] 일반상품4", 10_000_000, nil, nil},
	// One goods per error.
	{"20001", "진열안함", 1000, nil, func(p *hub.Product) { p.Displayed = false }},                               // 103
	{"20002", "세트전용", 1000, nil, func(p *hub.Product) { p.IndividualSale = false }},                          // 103
	{"20003", "옵션필수", 1000, nil, func(p *hub.Product) { p.OptionGroups = []hub.OptionGroup{requiredGroup} }}, // 202
	{"20004", "묶음6", 1000, nil, func(p *hub.Product) { p.BundleSize = 6 }},                                   // 203
	{"20005", "최소3", 1000, nil, func(p *hub.Product) { p.MinQuantity = 3 }},                                  // 204
	{"20006", "최대2", 1000, nil, func(p *hub.Product) { p.MaxQuantity = 2 }},                                  // 205
	{"20007", "재고없음", 1000, ptr(int64(0)), nil},                                                              // 206
	{"20008", "재고1", 1000, ptr(int64(1)), nil},                                                               // 207
	{"20009", "공급사제한", 1000, nil, func(p *hub.Product) { p.SupplierRestricted = true }},                      // 208
	{"20010", "품절표시", 1000, ptr(int64(50)), func(p *hub.Product) { p.SoldOut = true }},                       // 206
}

var requiredGroup = hub.OptionGroup{ID: 1, Name: hub.I18n{"ko": "색상"}, Required: true, Max: 1,
	Values: []hub.OptionValue{{ID: 1, Name: hub.I18n{"ko": "빨강"}}}}

func ptr[T any](v T) *T { return &v }

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	if st == nil {
		st = testutil.OpenSQLite(t)
	}
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, st: st, svc: service.New(st, service.WithOutbound(testutil.Outbound), protocol.Registry{Protocol(), omni.Protocol()}.Option()), goods: map[string]*hub.Product{}}
	f.brand = &hub.Brand{Name: "정글북", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	must(t, f.svc.CreateBrand(ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "HWASEONG", Name: "화성 물류", Timezone: "Asia/Seoul"}
	must(t, f.svc.CreateLocation(ctx, f.loc))
	for _, g := range fixtureGoods {
		p := &hub.Product{BrandID: f.brand.ID, RefID: g.no, Name: hub.I18n{"ko": g.name}, Price: g.price,
			IndividualSale: true, Displayed: true, DeductStock: true, Launch: hub.Launch{Launched: true}}
		if g.mut != nil {
			g.mut(p)
		}
		must(t, f.svc.SaveProduct(ctx, p))
		if g.stock != nil {
			must(t, f.svc.SetStock(ctx, f.brand.ID, f.loc.ID, p.ID, g.stock))
		}
		f.goods[g.no] = p
	}
	f.partner = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelJunglebook, Name: "정글북 제휴몰",
		LocationIDs: []int64{f.loc.ID}, Settings: hub.PartnerSettings{Extra: map[string]any{
			KeyDeliveryFee: 2500,
			KeyLogisticsCenter: map[string]any{"name": "정글북 물류센터", "zip_code": "18523",
				"address": "경기도 화성시 팔탄면 버들로 1362번길 10-12", "address2": "물류동"},
		}}}
	issued, _, err := f.svc.CreatePartner(ctx, f.partner)
	must(t, err)
	f.key = issued.APIKey
	f.hubToken, err = f.svc.CreateHubToken(ctx, 0, "test operator")
	must(t, err)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	New(f.svc, log, WithOrdNo(f.nextOrdNo)).Routes(mux)
	api.New(f.svc, log).Routes(mux)
	f.srv = httptest.NewServer(testutil.ValidatingHandler(t, openAPIDoc(t), mux, testutil.RefusesWith200()))
	t.Cleanup(f.srv.Close)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

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
	f.t.Helper()
	_, err := f.svc.TopUpBalance(f.ctx, f.partner.ID, amount, "test")
	must(f.t, err)
}

func (f *fixture) balance() int64 {
	f.t.Helper()
	b, err := f.svc.Balance(f.ctx, f.partner.ID)
	must(f.t, err)
	return b
}

func (f *fixture) stock(goodsNo string) *int64 {
	f.t.Helper()
	q, err := f.st.GetStock(f.ctx, f.loc.ID, f.goods[goodsNo].ID)
	must(f.t, err)
	return q
}

func (f *fixture) orders() []hub.Order {
	f.t.Helper()
	os, err := f.st.ListOrders(f.ctx, store.OrderFilter{BrandID: f.brand.ID, Limit: 500})
	must(f.t, err)
	return os
}

// response is an answer: status, body, and the body decoded with JSON
// types kept (json.Number for numbers).
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) orderResult() map[string]any {
	m, _ := r.body["orderResult"].(map[string]any)
	return m
}
func (r response) payResult() map[string]any { m, _ := r.body["payResult"].(map[string]any); return m }
func (r response) errCode() string           { s, _ := r.orderResult()["errCode"].(string); return s }

// do sends a request to the test server.
func (f *fixture) do(method, path, contentType string, body []byte, hdr map[string]string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	must(f.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if _, ok := hdr["Authorization"]; !ok {
		req.Header.Set("Authorization", f.key)
	}
	res, err := http.DefaultClient.Do(req)
	must(f.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(f.t, err)
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		out.body = decodeJSON(f.t, raw)
	}
	return out
}

// post sends data (any JSON value, or []byte as is) as a raw JSON body.
func (f *fixture) post(path string, data any) response {
	f.t.Helper()
	b, ok := data.([]byte)
	if !ok {
		var err error
		b, err = json.Marshal(data)
		must(f.t, err)
	}
	return f.do(http.MethodPost, path, "application/json", b, nil)
}

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
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

// sameJSON compares two decoded bodies, JSON types included.
func sameJSON(t testing.TB, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("answer differs from the seed\n got: %s\nwant: %s", g, w)
	}
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

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.raw) }

func scope(f *fixture) service.OrderScope {
	return service.OrderScope{BrandID: f.brand.ID, Partner: f.partner}
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
