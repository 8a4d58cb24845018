package harness

import (
	"cmp"
	"context"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

// Data is a catalog declared as data.
type Data struct {
	Brands []Brand
	// OperatorToken, when set, is the label of an operator hub token
	// (all brands), created before the brands' tokens; Token("") reads it.
	OperatorToken string
}

// Brand is a brand with its locations, products, partners and hub tokens.
type Brand struct {
	hub.Brand
	// Locations are created in order; BrandID is filled in. Location finds
	// them by code.
	Locations []hub.Location
	Products  []Product
	Partners  []Partner
	// Tokens are labels of hub tokens of this brand; Token finds them by
	// label.
	Tokens []string
}

// Product is a product on sale (displayed, launched, sold on its own)
// unless its fields say otherwise. Harness.Product finds it by Ref (or
// Key, for a product without a ref).
type Product struct {
	Ref   string
	Key   string
	Name  hub.I18n
	Type  hub.ProductType
	Price int64
	Sort  int
	// DeductStock: orders take from the product's stock.
	DeductStock bool
	// ComboOnly products are sold inside combos only (not IndividualSale).
	ComboOnly  bool
	Hidden     bool // not Displayed
	Unlaunched bool
	SoldOut    bool
	Groups     []hub.OptionGroup
	Combo      []Slot
	// Locations are the codes of the only locations it is sold at (none:
	// all of the brand's).
	Locations []string
	// Stock, when set, is its tracked stock at the brand's first location,
	// set right after the product is saved.
	Stock *int64
	// Edit sets anything else before the product is saved.
	Edit func(*hub.Product)
}

// Slot is a combo component whose items are named by ref.
type Slot struct {
	ID       int64
	Name     hub.I18n
	Select   int // SelectQuantity
	Required bool
	Items    []Item
}

// Item is a combo item: a product by ref, and the combo price's
// adjustment when it is chosen.
type Item struct {
	Ref   string
	Price int64
}

// Items are combo items of these refs, at no extra price.
func Items(refs ...string) []Item {
	out := make([]Item, len(refs))
	for i, r := range refs {
		out[i] = Item{Ref: r}
	}
	return out
}

// Qty is a stock quantity (Product.Stock).
func Qty(n int64) *int64 { return &n }

// Partner is a partner of its brand; Harness.Partner finds it by Key.
type Partner struct {
	Key      string
	Protocol hub.Channel
	Name     string
	// Locations are the codes of the locations it may act on (none: all).
	Locations []string
	Settings  hub.PartnerSettings
}

// Issued is a created partner with what was issued to it once.
type Issued struct {
	*hub.Partner
	Credential     *service.IssuedCredential // APIKey, or ClientID and ClientSecret
	CallbackSecret string
}

// catalog is what Data became, by key.
type catalog struct {
	brands    []*hub.Brand
	locations map[string]*hub.Location
	products  map[string]*hub.Product
	partners  map[string]*Issued
	tokens    map[string]string
}

func (c *catalog) create(t *testing.T, ctx context.Context, svc *service.Service, d Data) {
	t.Helper()
	c.locations = map[string]*hub.Location{}
	c.products = map[string]*hub.Product{}
	c.partners = map[string]*Issued{}
	c.tokens = map[string]string{}
	must := func(err error) {
		t.Helper()
		testutil.Must(t, err)
	}
	for _, b := range d.Brands {
		hb := b.Brand
		must(svc.CreateBrand(ctx, &hb))
		c.brands = append(c.brands, &hb)
		for _, l := range b.Locations {
			l.BrandID = hb.ID
			if c.locations[l.Code] != nil {
				t.Fatalf("harness: location code %q declared twice", l.Code)
			}
			must(svc.CreateLocation(ctx, &l))
			c.locations[l.Code] = &l
		}
	}
	for i, b := range d.Brands {
		brand := c.brands[i]
		for _, p := range b.Products {
			hp := c.product(t, brand.ID, p)
			must(svc.SaveProduct(ctx, hp))
			key := cmp.Or(p.Ref, p.Key)
			if _, dup := c.products[key]; dup || key == "" {
				t.Fatalf("harness: product key %q empty or declared twice", key)
			}
			c.products[key] = hp
			if p.Stock != nil {
				must(svc.SetStock(ctx, brand.ID, c.locations[b.Locations[0].Code].ID, hp.ID, p.Stock))
			}
		}
	}
	for i, b := range d.Brands {
		for _, p := range b.Partners {
			hp := &hub.Partner{BrandID: c.brands[i].ID, Protocol: p.Protocol, Name: p.Name,
				LocationIDs: c.locationIDs(t, p.Locations), Settings: p.Settings}
			cred, secret, err := svc.CreatePartner(ctx, hp)
			must(err)
			if c.partners[p.Key] != nil {
				t.Fatalf("harness: partner %q declared twice", p.Key)
			}
			c.partners[p.Key] = &Issued{Partner: hp, Credential: cred, CallbackSecret: secret}
		}
	}
	if d.OperatorToken != "" {
		tok, err := svc.CreateHubToken(ctx, 0, d.OperatorToken)
		must(err)
		c.tokens[""] = tok
	}
	for i, b := range d.Brands {
		for _, label := range b.Tokens {
			tok, err := svc.CreateHubToken(ctx, c.brands[i].ID, label)
			must(err)
			c.tokens[label] = tok
		}
	}
}

func (c *catalog) product(t *testing.T, brandID int64, p Product) *hub.Product {
	t.Helper()
	hp := &hub.Product{BrandID: brandID, RefID: p.Ref, Name: p.Name, Type: p.Type, Price: p.Price, SortOrder: p.Sort,
		DeductStock: p.DeductStock, IndividualSale: !p.ComboOnly, Displayed: !p.Hidden, SoldOut: p.SoldOut,
		Launch: hub.Launch{Launched: !p.Unlaunched}, OptionGroups: p.Groups, LocationIDs: c.locationIDs(t, p.Locations)}
	for _, s := range p.Combo {
		cc := hub.ComboComponent{ID: s.ID, Name: s.Name, SelectQuantity: s.Select, Required: s.Required}
		for _, it := range s.Items {
			cc.Items = append(cc.Items, hub.ComboItem{ProductID: c.Product(t, it.Ref).ID, Price: it.Price})
		}
		hp.ComboComponents = append(hp.ComboComponents, cc)
	}
	if p.Edit != nil {
		p.Edit(hp)
	}
	return hp
}

func (c *catalog) locationIDs(t *testing.T, codes []string) []int64 {
	t.Helper()
	var ids []int64
	for _, code := range codes {
		ids = append(ids, c.Location(t, code).ID)
	}
	return ids
}

// Brand is the i-th brand of Data (0 is the first).
func (c *catalog) Brand(i int) *hub.Brand { return c.brands[i] }

// Location is the location of this code.
func (c *catalog) Location(t testing.TB, code string) *hub.Location {
	t.Helper()
	l := c.locations[code]
	if l == nil {
		t.Fatalf("harness: no location %q", code)
	}
	return l
}

// Product is the product of this ref (or key), as saved.
func (c *catalog) Product(t testing.TB, key string) *hub.Product {
	t.Helper()
	p := c.products[key]
	if p == nil {
		t.Fatalf("harness: no product %q", key)
	}
	return p
}

// ProductIDs are the ids of the declared products, by ref (or key).
func (c *catalog) ProductIDs() map[string]int64 {
	m := make(map[string]int64, len(c.products))
	for k, p := range c.products {
		m[k] = p.ID
	}
	return m
}

// Partner is the partner of this key with its issued credential.
func (c *catalog) Partner(t testing.TB, key string) *Issued {
	t.Helper()
	p := c.partners[key]
	if p == nil {
		t.Fatalf("harness: no partner %q", key)
	}
	return p
}

// Token is the hub token of this label ("" for the operator token).
func (c *catalog) Token(t testing.TB, label string) string {
	t.Helper()
	tok, ok := c.tokens[label]
	if !ok {
		t.Fatalf("harness: no hub token %q", label)
	}
	return tok
}
