// Package demo fills an empty database with the demo data of DESIGN.md §8:
// one brand, two locations in different time zones, about 30 products
// (options, a combo, alcohol, a timeslot-limited item, tracked and untracked
// stock), one partner per protocol, an operator token and an admin login.
// The partners are the protocols' own (protocol.Protocol.Demo, in registry
// order): this package knows no protocol, and each writes its entry of
// demo-credentials.json.
// Secrets are random per database and returned once; only their hashes are
// stored, so a second start cannot show them again.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"orderhub/internal/auth"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
)

// Credentials is demo-credentials.json (DESIGN.md §8): base_url, currency,
// admin, then one entry per protocol of the registry under its channel's
// name (each protocol's DemoCredentials, in registry order), then hub.
type Credentials struct {
	BaseURL  string
	Currency string
	Admin    AdminCreds
	// Partners are the protocols' entries, in registry order.
	Partners []PartnerCreds
	Hub      HubCreds
	// BrandID is the demo brand (not written: zeek's store_id names it).
	BrandID int64
}

// PartnerCreds is one protocol's entry.
type PartnerCreds struct {
	Channel     hub.Channel
	Credentials any
	// Summary is the line printed for it at start.
	Summary string
}

type AdminCreds struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type HubCreds struct {
	Token string `json:"token"`
}

// Partner returns a protocol's entry (its DemoCredentials), nil when the
// registry had no demo partner of that channel.
func (c *Credentials) Partner(ch hub.Channel) any {
	for _, p := range c.Partners {
		if p.Channel == ch {
			return p.Credentials
		}
	}
	return nil
}

// MarshalJSON writes the members in the order of DESIGN.md §8.
func (c *Credentials) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	add := func(key string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		val, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("demo credentials %s: %w", key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
		return nil
	}
	if err := errors.Join(add("base_url", c.BaseURL), add("currency", c.Currency), add("admin", c.Admin)); err != nil {
		return nil, err
	}
	for _, p := range c.Partners {
		if err := add(string(p.Channel), p.Credentials); err != nil {
			return nil, err
		}
	}
	if err := add("hub", c.Hub); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads demo-credentials.json back: the protocols' entries
// (every member but base_url, currency, admin and hub) as json.RawMessage,
// in the file's order.
func (c *Credentials) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("demo credentials: not an object")
	}
	*c = Credentials{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var target any
		switch key {
		case "base_url":
			target = &c.BaseURL
		case "currency":
			target = &c.Currency
		case "admin":
			target = &c.Admin
		case "hub":
			target = &c.Hub
		default:
			c.Partners = append(c.Partners, PartnerCreds{Channel: hub.Channel(key), Credentials: raw})
			continue
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return fmt.Errorf("demo credentials %s: %w", key, err)
		}
	}
	_, err := dec.Token()
	return err
}

// Empty reports whether the database has no brand yet.
func Empty(ctx context.Context, svc *service.Service) (bool, error) {
	bs, err := svc.Store().ListBrands(ctx)
	return len(bs) == 0, err
}

// Load writes the demo data through the service (so every rule applies)
// and returns the credentials: a demo partner per protocol of the registry
// that has one (protocol.Protocol.Demo), which svc must know. The caller
// checks Empty first.
func Load(ctx context.Context, svc *service.Service, baseURL string, protocols protocol.Registry) (*Credentials, error) {
	brand := &hub.Brand{Name: "Hanok Kitchen", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	if err := svc.CreateBrand(ctx, brand); err != nil {
		return nil, fmt.Errorf("demo brand: %w", err)
	}
	seoul := &hub.Location{BrandID: brand.ID, Code: "SEL-GANGNAM", Name: "Gangnam", Timezone: "Asia/Seoul",
		RefID: "client-location-123", Address: "Teheran-ro 152, Gangnam-gu, Seoul", Phone: "+82-2-555-0101"}
	saigon := &hub.Location{BrandID: brand.ID, Code: "SGN-D1", Name: "Saigon District 1", Timezone: "Asia/Ho_Chi_Minh",
		Address: "Nguyen Hue 42, District 1, Ho Chi Minh City", Phone: "+84-28-555-0102"}
	for _, l := range []*hub.Location{seoul, saigon} {
		if err := svc.CreateLocation(ctx, l); err != nil {
			return nil, fmt.Errorf("demo location %s: %w", l.Code, err)
		}
	}
	breakfast := &hub.Timeslot{BrandID: brand.ID, ID: 1, Name: "Breakfast 06:00–10:30", Start: "06:00", End: "10:30"}
	if err := svc.PutTimeslot(ctx, breakfast); err != nil {
		return nil, fmt.Errorf("demo timeslot: %w", err)
	}
	ids, err := loadProducts(ctx, svc, brand.ID)
	if err != nil {
		return nil, err
	}
	// Stock: tracked for packaged goods and a few dishes, untracked for the
	// rest (nil is "untracked"; no row is the same).
	for ref, qty := range map[string]int64{
		"P001": 40, "P002": 25, "P010": 100, "P011": 80, "P012": 60, "P020": 48, "P021": 24, "P030": 12, "P031": 0,
	} {
		q := qty
		for _, l := range []*hub.Location{seoul, saigon} {
			if err := svc.SetStock(ctx, brand.ID, l.ID, ids[ref], &q); err != nil {
				return nil, fmt.Errorf("demo stock %s: %w", ref, err)
			}
		}
	}
	creds := &Credentials{BaseURL: baseURL, Currency: brand.Currency, BrandID: brand.ID}
	d := &protocol.Demo{Service: svc, Brand: brand, Locations: []*hub.Location{seoul, saigon}}
	for _, p := range protocols {
		if p.Demo == nil {
			continue
		}
		dp, err := p.Demo(ctx, d)
		if err != nil {
			return nil, err
		}
		creds.Partners = append(creds.Partners, PartnerCreds{Channel: p.Channel, Credentials: dp.Credentials, Summary: dp.Summary})
	}
	if creds.Hub.Token, err = svc.CreateHubToken(ctx, 0, "demo operator"); err != nil {
		return nil, fmt.Errorf("demo hub token: %w", err)
	}
	creds.Admin = AdminCreds{Username: "admin", Password: auth.NewSecret("")[:20]}
	if err := svc.CreateAdmin(ctx, creds.Admin.Username, creds.Admin.Password); err != nil {
		return nil, fmt.Errorf("demo admin: %w", err)
	}
	return creds, nil
}

// Write stores the credentials as demo-credentials.json in dir, readable by
// the owner only.
func Write(dir string, c *Credentials) (string, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "demo-credentials.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o600)
}

func name(en, ko string) hub.I18n { return hub.I18n{"en": en, "ko": ko} }

// loadProducts creates the demo menu and returns hub ids by ref id.
func loadProducts(ctx context.Context, svc *service.Service, brandID int64) (map[string]int64, error) {
	ids := map[string]int64{}
	single := func(ref string, n hub.I18n, price int64, mut func(*hub.Product)) error {
		p := &hub.Product{BrandID: brandID, RefID: ref, SKU: "SKU-" + ref, Name: n, Type: hub.ProductSingle, Price: price,
			IndividualSale: true, Displayed: true, DeductStock: true, Launch: hub.Launch{Launched: true},
			PaymentMethods: []string{"card", "cash", "kakaopay"}}
		if mut != nil {
			mut(p)
		}
		if err := svc.SaveProduct(ctx, p); err != nil {
			return fmt.Errorf("demo product %s: %w", ref, err)
		}
		ids[ref] = p.ID
		return nil
	}
	spice := hub.OptionGroup{ID: 1, Name: name("Spice level", "맵기"), Required: true, Max: 1, Values: []hub.OptionValue{
		{ID: 1, Name: name("Mild", "순한맛"), Price: 0}, {ID: 2, Name: name("Medium", "보통맛"), Price: 0},
		{ID: 3, Name: name("Hot", "매운맛"), Price: 500}}}
	extras := hub.OptionGroup{ID: 2, Name: name("Extras", "추가"), Max: 3, Values: []hub.OptionValue{
		{ID: 1, Name: name("Extra rice", "공기밥 추가"), Price: 1000}, {ID: 2, Name: name("Cheese", "치즈 추가"), Price: 1500},
		{ID: 3, Name: name("No onion", "양파 빼기"), Price: 0}}}
	size := hub.OptionGroup{ID: 3, Name: name("Size", "사이즈"), Required: true, Max: 1, Values: []hub.OptionValue{
		{ID: 1, Name: name("Regular", "레귤러"), Price: 0}, {ID: 2, Name: name("Large", "라지"), Price: 700},
		{ID: 3, Name: name("Small", "스몰"), Price: -300}}}
	withOptions := func(groups ...hub.OptionGroup) func(*hub.Product) {
		return func(p *hub.Product) { p.OptionGroups = groups; p.DeductStock = false }
	}
	type item struct {
		ref   string
		n     hub.I18n
		price int64
		mut   func(*hub.Product)
	}
	items := []item{
		{"P001", name("Bulgogi rice bowl", "불고기 덮밥"), 9500, func(p *hub.Product) { p.OptionGroups = []hub.OptionGroup{spice, extras} }},
		{"P002", name("Bibimbap", "비빔밥"), 9000, func(p *hub.Product) { p.OptionGroups = []hub.OptionGroup{spice, extras} }},
		{"P003", name("Kimchi stew", "김치찌개"), 8500, withOptions(spice, extras)},
		{"P004", name("Soybean paste stew", "된장찌개"), 8000, withOptions(extras)},
		{"P005", name("Tteokbokki", "떡볶이"), 6000, withOptions(spice)},
		{"P006", name("Japchae", "잡채"), 7000, withOptions()},
		{"P007", name("Seafood pancake", "해물파전"), 14000, withOptions()},
		{"P008", name("Fried chicken (half)", "후라이드 치킨 반마리"), 11000, withOptions(spice)},
		{"P009", name("Cold noodles", "냉면"), 9000, func(p *hub.Product) {
			p.DeductStock = false
			p.SpecialPrices = []hub.DatedPrice{{Price: 7900, SortOrder: 1, StartDate: "2026-06-01", EndDate: "2026-08-31"}}
		}},
		{"P010", name("Cola 355ml", "콜라 355ml"), 2000, func(p *hub.Product) {
			p.OptionGroups = []hub.OptionGroup{size}
			p.BulkPrices = []hub.DatedPrice{{Price: 1800, PurchaseCount: 6, SortOrder: 1}}
		}},
		{"P011", name("Cider 355ml", "사이다 355ml"), 2000, nil},
		{"P012", name("Barley tea", "보리차"), 1500, nil},
		{"P013", name("Americano", "아메리카노"), 3500, withOptions(size)},
		{"P014", name("Citron tea", "유자차"), 4000, withOptions()},
		{"P015", name("Sikhye", "식혜"), 3000, withOptions()},
		{"P020", name("Soju", "소주"), 5000, func(p *hub.Product) { p.Alcohol = true; p.MaxQuantity = 6 }},
		{"P021", name("Beer 500ml", "맥주 500ml"), 6000, func(p *hub.Product) { p.Alcohol = true; p.MaxQuantity = 6 }},
		{"P022", name("Makgeolli", "막걸리"), 7000, func(p *hub.Product) { p.Alcohol = true; p.DeductStock = false }},
		{"P023", name("Steamed egg", "계란찜"), 4000, withOptions()},
		{"P024", name("Kimchi (side)", "김치"), 1000, withOptions()},
		{"P025", name("Rice", "공기밥"), 1000, withOptions()},
		{"P026", name("Fish cake soup", "어묵탕"), 6500, withOptions(spice)},
		{"P027", name("Dumplings (6)", "만두 6개"), 5500, withOptions()},
		{"P028", name("Gimbap", "김밥"), 4500, withOptions(extras)},
		{"P029", name("Ramyeon", "라면"), 5000, withOptions(spice, extras)},
		{"P030", name("Hanwoo beef set (limited)", "한우 세트 (한정)"), 39000, func(p *hub.Product) { p.MinQuantity = 1; p.MaxQuantity = 2 }},
		{"P031", name("Seasonal rice cake", "계절 떡"), 3000, nil},
		{"P032", name("Breakfast porridge", "아침 죽"), 6000, func(p *hub.Product) { p.DeductStock = false; p.TimeslotIDs = []int64{1} }},
		{"P033", name("Bottled water 6-pack", "생수 6개입"), 3600, func(p *hub.Product) { p.DeductStock = false; p.BundleSize = 6 }},
	}
	for _, it := range items {
		if err := single(it.ref, it.n, it.price, it.mut); err != nil {
			return nil, err
		}
	}
	// The combo: a burger-style lunch set whose stock is its items'.
	combo := &hub.Product{BrandID: brandID, RefID: "C001", SKU: "SKU-C001", Name: name("Bulgogi lunch set", "불고기 점심 세트"),
		Type: hub.ProductCombo, Price: 12000, IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true},
		ComboComponents: []hub.ComboComponent{
			{ID: 1, Name: name("Main", "메인"), SelectQuantity: 1, Required: true, Items: []hub.ComboItem{{ProductID: ids["P001"], Price: 0}}},
			{ID: 2, Name: name("Drink", "음료"), SelectQuantity: 1, Required: true, Items: []hub.ComboItem{
				{ProductID: ids["P010"], Price: 0}, {ProductID: ids["P011"], Price: 0}, {ProductID: ids["P014"], Price: 1000}}},
			{ID: 3, Name: name("Side", "사이드"), SelectQuantity: 1, Items: []hub.ComboItem{
				{ProductID: ids["P023"], Price: 1500}, {ProductID: ids["P027"], Price: 2000}}},
		}}
	if err := svc.SaveProduct(ctx, combo); err != nil {
		return nil, fmt.Errorf("demo combo: %w", err)
	}
	ids["C001"] = combo.ID
	return ids, nil
}
