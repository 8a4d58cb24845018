package kakao

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// fixture is a KRW brand with two locations and a small menu, a bot
// partner (with a bot_url) bound to both locations, a POS partner, a second
// bot, and the surface over real HTTP. The clock is fixed at 12:00 Seoul.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	st      store.Store
	svc     *service.Service
	srv     *httptest.Server
	brand   *hub.Brand
	loc     *hub.Location
	loc2    *hub.Location
	other   *hub.Location // another brand's
	bot     *hub.Partner
	botKey  string
	botSec  string // the bot's callback secret
	pos     *hub.Partner
	posKey  string
	bot2    *hub.Partner
	bot2Key string
	ids     map[string]int64

	clock *testutil.Clock
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, st: st, ids: map[string]int64{}, clock: testutil.NewClock(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC))}
	f.svc = service.New(st, service.WithOutbound(testutil.Outbound), service.WithClock(f.clock.Now), protocol.Registry{Protocol()}.Option())
	f.brand = &hub.Brand{Name: "Hanok Kitchen", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	must(t, f.svc.CreateBrand(ctx, f.brand))
	f.loc = &hub.Location{BrandID: f.brand.ID, Code: "SEL", Name: "Gangnam", Timezone: "Asia/Seoul"}
	must(t, f.svc.CreateLocation(ctx, f.loc))
	f.loc2 = &hub.Location{BrandID: f.brand.ID, Code: "SGN", Name: "Saigon", Timezone: "Asia/Ho_Chi_Minh"}
	must(t, f.svc.CreateLocation(ctx, f.loc2))
	ob := &hub.Brand{Name: "Other", Currency: "KRW"}
	must(t, f.svc.CreateBrand(ctx, ob))
	f.other = &hub.Location{BrandID: ob.ID, Code: "OTH", Name: "Other", Timezone: "Asia/Seoul"}
	must(t, f.svc.CreateLocation(ctx, f.other))

	n := func(en, ko string) hub.I18n { return hub.I18n{"en": en, "ko": ko} }
	spice := hub.OptionGroup{ID: 1, Name: n("Spice level", "맵기"), Required: true, Max: 1, Values: []hub.OptionValue{
		{ID: 1, Name: n("Mild", "순한맛")}, {ID: 3, Name: n("Hot", "매운맛"), Price: 500}}}
	single := func(ref, en, ko string, price int64, sort int, mut func(*hub.Product)) {
		p := &hub.Product{BrandID: f.brand.ID, RefID: ref, Name: n(en, ko), Price: price, SortOrder: sort,
			IndividualSale: true, Displayed: true, DeductStock: true, Launch: hub.Launch{Launched: true}}
		if mut != nil {
			mut(p)
		}
		must(t, f.svc.SaveProduct(ctx, p))
		f.ids[ref] = p.ID
	}
	single("P001", "Bulgogi rice bowl", "불고기 덮밥", 9500, 1, func(p *hub.Product) { p.OptionGroups = []hub.OptionGroup{spice} })
	single("P010", "Cola", "콜라", 2000, 2, nil)
	single("P011", "Cider", "사이다", 2000, 3, nil)
	single("P020", "Sold-out cake", "품절 케이크", 3000, 4, func(p *hub.Product) { p.SoldOut = true })
	single("P030", "Hidden", "숨김", 1000, 5, func(p *hub.Product) { p.Displayed = false })
	single("P031", "Not launched", "미출시", 1000, 6, func(p *hub.Product) { p.Launch.Launched = false })
	single("P032", "Combo only side", "세트 전용", 1500, 7, func(p *hub.Product) { p.IndividualSale = false })
	single("P033", "Saigon only", "사이공 전용", 1500, 8, func(p *hub.Product) { p.LocationIDs = []int64{f.loc2.ID} })
	combo := &hub.Product{BrandID: f.brand.ID, RefID: "C001", Name: n("Lunch set", "점심 세트"), Type: hub.ProductCombo, Price: 11000,
		SortOrder: 0, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true},
		ComboComponents: []hub.ComboComponent{
			{ID: 1, Name: n("Main", "메인"), SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: f.ids["P001"]}}},
			{ID: 2, Name: n("Drink", "음료"), SelectQuantity: 1, Required: true, Items: []hub.ComboItem{
				{ProductID: f.ids["P010"]}, {ProductID: f.ids["P011"], Price: 300}}},
			{ID: 3, Name: n("Side", "사이드"), SelectQuantity: 1, Items: []hub.ComboItem{{ProductID: f.ids["P032"], Price: 1000}}},
		}}
	must(t, f.svc.SaveProduct(ctx, combo))
	f.ids["C001"] = combo.ID
	for ref, q := range map[string]int64{"P001": 20, "P010": 5, "P011": 0} {
		q := q
		must(t, f.svc.SetStock(ctx, f.brand.ID, f.loc.ID, f.ids[ref], &q))
	}

	var err error
	f.bot = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelKakao, Name: "bot",
		Settings: hub.PartnerSettings{BotURL: "https://bot.example/kakao"}}
	c, secret, err := f.svc.CreatePartner(ctx, f.bot)
	must(t, err)
	f.botKey, f.botSec = c.APIKey, secret
	f.pos = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelKakao, Name: "pos", LocationIDs: []int64{f.loc.ID}}
	c, _, err = f.svc.CreatePartner(ctx, f.pos)
	must(t, err)
	f.posKey = c.APIKey
	f.bot2 = &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelKakao, Name: "bot2", LocationIDs: []int64{f.loc.ID},
		Settings: hub.PartnerSettings{BotURL: "https://bot2.example"}}
	c, _, err = f.svc.CreatePartner(ctx, f.bot2)
	must(t, err)
	f.bot2Key = c.APIKey

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

func (r response) errMsg(t *testing.T) string {
	t.Helper()
	s, _ := r.json(t)["error"].(string)
	return s
}

// do sends a request with a bearer key ("" for none); hdr holds header
// pairs.
func do(t *testing.T, base, method, path, key, body string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	must(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (f *fixture) do(method, path, key, body string, hdr ...string) response {
	f.t.Helper()
	return do(f.t, f.srv.URL, method, path, key, body, hdr...)
}

// place orders through the bot and returns orderId and numb.
func (f *fixture) place(key string, storeID int64, body string) (string, string) {
	f.t.Helper()
	res := f.do("POST", "/api/v1/stores/"+itoa(storeID)+"/orders", key, body)
	if res.status != http.StatusCreated {
		f.t.Fatalf("place: %d %s", res.status, res.body)
	}
	m := res.json(f.t)
	return m["orderId"].(string), m["numb"].(string)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

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
