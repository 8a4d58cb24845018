package kakao

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

// fixture is a KRW brand with two locations and a small menu, a bot
// partner (with a bot_url) bound to both locations, a POS partner, a second
// bot, and the surface over real HTTP. The clock is fixed at 12:00 Seoul.
type fixture struct {
	*harness.Harness
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
}

func ko(en, ko string) hub.I18n { return hub.I18n{"en": en, "ko": ko} }

var spice = hub.OptionGroup{ID: 1, Name: ko("Spice level", "맵기"), Required: true, Max: 1, Values: []hub.OptionValue{
	{ID: 1, Name: ko("Mild", "순한맛")}, {ID: 3, Name: ko("Hot", "매운맛"), Price: 500}}}

// testCatalog is the fixture's data, made anew for each fixture (tests
// change what they are given).
func testCatalog() harness.Data {
	return harness.Data{Brands: []harness.Brand{{
		Brand: hub.Brand{Name: "Hanok Kitchen", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true},
		Locations: []hub.Location{
			{Code: "SEL", Name: "Gangnam", Timezone: "Asia/Seoul"},
			{Code: "SGN", Name: "Saigon", Timezone: "Asia/Ho_Chi_Minh"},
		},
		Products: []harness.Product{
			{Ref: "P001", Name: ko("Bulgogi rice bowl", "불고기 덮밥"), Price: 9500, Sort: 1, DeductStock: true, Groups: []hub.OptionGroup{spice}, Stock: harness.Qty(20)},
			{Ref: "P010", Name: ko("Cola", "콜라"), Price: 2000, Sort: 2, DeductStock: true, Stock: harness.Qty(5)},
			{Ref: "P011", Name: ko("Cider", "사이다"), Price: 2000, Sort: 3, DeductStock: true, Stock: harness.Qty(0)},
			{Ref: "P020", Name: ko("Sold-out cake", "품절 케이크"), Price: 3000, Sort: 4, DeductStock: true, SoldOut: true},
			{Ref: "P030", Name: ko("Hidden", "숨김"), Price: 1000, Sort: 5, DeductStock: true, Hidden: true},
			{Ref: "P031", Name: ko("Not launched", "미출시"), Price: 1000, Sort: 6, DeductStock: true, Unlaunched: true},
			{Ref: "P032", Name: ko("Combo only side", "세트 전용"), Price: 1500, Sort: 7, DeductStock: true, ComboOnly: true},
			{Ref: "P033", Name: ko("Saigon only", "사이공 전용"), Price: 1500, Sort: 8, DeductStock: true, Locations: []string{"SGN"}},
			{Ref: "C001", Name: ko("Lunch set", "점심 세트"), Type: hub.ProductCombo, Price: 11000, Combo: []harness.Slot{
				{ID: 1, Name: ko("Main", "메인"), Select: 1, Required: true, Items: harness.Items("P001")},
				{ID: 2, Name: ko("Drink", "음료"), Select: 1, Required: true, Items: []harness.Item{{Ref: "P010"}, {Ref: "P011", Price: 300}}},
				{ID: 3, Name: ko("Side", "사이드"), Select: 1, Items: []harness.Item{{Ref: "P032", Price: 1000}}},
			}},
		},
		Partners: []harness.Partner{
			{Key: "bot", Protocol: hub.ChannelKakao, Name: "bot", Settings: hub.PartnerSettings{BotURL: "https://bot.example/kakao"}},
			{Key: "pos", Protocol: hub.ChannelKakao, Name: "pos", Locations: []string{"SEL"}},
			{Key: "bot2", Protocol: hub.ChannelKakao, Name: "bot2", Locations: []string{"SEL"}, Settings: hub.PartnerSettings{BotURL: "https://bot2.example"}},
		},
	}, {
		Brand:     hub.Brand{Name: "Other", Currency: "KRW"},
		Locations: []hub.Location{{Code: "OTH", Name: "Other", Timezone: "Asia/Seoul"}},
	}}}
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	f := &fixture{Harness: harness.New(t, st, harness.Config{Clock: time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC),
		Options: []service.Option{protocol.Registry{Protocol()}.Option()}, Data: testCatalog()})}
	f.brand, f.loc, f.loc2, f.other = f.Brand(0), f.Location(t, "SEL"), f.Location(t, "SGN"), f.Location(t, "OTH")
	f.ids = f.ProductIDs()
	bot, pos, bot2 := f.Partner(t, "bot"), f.Partner(t, "pos"), f.Partner(t, "bot2")
	f.bot, f.botKey, f.botSec = bot.Partner, bot.Credential.APIKey, bot.CallbackSecret
	f.pos, f.posKey = pos.Partner, pos.Credential.APIKey
	f.bot2, f.bot2Key = bot2.Partner, bot2.Credential.APIKey
	f.Serve(harness.Mux(New(f.Svc, Config{}).Routes), harness.ProtocolDoc(t, protocol.Registry{Protocol()}))
	return f
}

// must fails the test on a setup error.
var must = testutil.Must

type response = harness.Response

// errMsg is the message of kakao's error envelope.
func errMsg(t *testing.T, r response) string {
	t.Helper()
	s, _ := r.Object(t)["error"].(string)
	return s
}

// do sends a request with a bearer key ("" for none) and, with a body,
// its JSON Content-Type; hdr holds header pairs.
func do(t *testing.T, srv *httptest.Server, method, path, key, body string, hdr ...string) response {
	t.Helper()
	var h []string
	if key != "" {
		h = append(h, "Authorization", "Bearer "+key)
	}
	if body != "" {
		h = append(h, "Content-Type", "application/json")
	}
	return harness.Do(t, srv, method, path, body, append(h, hdr...)...)
}

func (f *fixture) do(method, path, key, body string, hdr ...string) response {
	f.T.Helper()
	return do(f.T, f.Srv, method, path, key, body, hdr...)
}

// place orders through the bot and returns orderId and numb.
func (f *fixture) place(key string, storeID int64, body string) (string, string) {
	f.T.Helper()
	res := f.do("POST", "/api/v1/stores/"+itoa(storeID)+"/orders", key, body)
	if res.Status != http.StatusCreated {
		f.T.Fatalf("place: %d %s", res.Status, res.Body)
	}
	m := res.Object(f.T)
	return m["orderId"].(string), m["numb"].(string)
}

// scenario is a request as a table row: key as a Bearer token ("" for
// none), a JSON body, and, when msg is set, kakao's error envelope with
// this message.
func (f *fixture) scenario(name, method, path, key, body string, status int, msg string) testutil.Scenario {
	s := testutil.Scenario{Name: name, Method: method, Path: path, Token: key, Body: body, Status: status}
	if body != "" {
		s.Header = map[string]string{"Content-Type": "application/json"}
	}
	if msg != "" {
		b, _ := json.Marshal(map[string]string{"error": msg})
		s.JSON = string(b)
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
