package harness

import (
	"net/http"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// The test alone imports a protocol (omni, for a partner); the package
// imports none.

// TestCatalog: Data becomes rows as declared: products on sale unless
// said otherwise, locations by code, combo items by ref, stock at the
// brand's first location, partners and tokens issued; ids in the order
// of the declaration.
func TestCatalog(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		h := New(t, st, Config{Clock: time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC),
			Options: []service.Option{protocol.Registry{omni.Protocol()}.Option()}, Data: Data{Brands: []Brand{{
				Brand:     hub.Brand{Name: "A", Currency: "KRW"},
				Locations: []hub.Location{{Code: "A1", Name: "A one", Timezone: "Asia/Seoul"}, {Code: "A2", Name: "A two", Timezone: "Asia/Seoul"}},
				Products: []Product{
					{Ref: "P1", Name: hub.I18n{"en": "One"}, Price: 100, DeductStock: true, Stock: Qty(3)},
					{Ref: "P2", Name: hub.I18n{"en": "Two"}, Price: 200, ComboOnly: true, Hidden: true, Locations: []string{"A2"}},
					{Ref: "C1", Name: hub.I18n{"en": "Set"}, Type: hub.ProductCombo, Price: 250, Combo: []Slot{
						{ID: 1, Select: 1, Required: true, Items: []Item{{Ref: "P1"}, {Ref: "P2", Price: 50}}}}},
				},
				Partners: []Partner{{Key: "pos", Protocol: hub.ChannelOmni, Name: "POS", Locations: []string{"A1"}}},
				Tokens:   []string{"a"},
			}, {
				Brand:     hub.Brand{Name: "B", Currency: "USD"},
				Locations: []hub.Location{{Code: "B1", Name: "B one", Timezone: "America/New_York"}},
				Products:  []Product{{Key: "plain", Name: hub.I18n{"en": "Plain"}, Price: 1, Unlaunched: true, SoldOut: true}},
			}}, OperatorToken: "op"}})
		if h.Brand(1).ID != 2 || h.Location(t, "B1").ID != 3 || h.Location(t, "B1").BrandID != 2 || h.Product(t, "plain").ID != 4 {
			t.Fatalf("ids: brand B %d, location B1 %+v, product %d", h.Brand(1).ID, h.Location(t, "B1"), h.Product(t, "plain").ID)
		}
		p1, err := h.Store.GetProduct(h.Ctx, 1, h.Product(t, "P1").ID)
		testutil.Must(t, err)
		if !p1.IndividualSale || !p1.Displayed || !p1.Launch.Launched || !p1.DeductStock || p1.SoldOut || len(p1.LocationIDs) != 0 {
			t.Errorf("P1 %+v", p1)
		}
		p2 := h.Product(t, "P2")
		if p2.IndividualSale || p2.Displayed || len(p2.LocationIDs) != 1 || p2.LocationIDs[0] != h.Location(t, "A2").ID {
			t.Errorf("P2 %+v", p2)
		}
		if c := h.Product(t, "C1").ComboComponents; len(c) != 1 || len(c[0].Items) != 2 || c[0].Items[0].ProductID != p1.ID ||
			c[0].Items[1] != (hub.ComboItem{ProductID: p2.ID, Price: 50}) {
			t.Errorf("combo %+v", c)
		}
		if plain := h.Product(t, "plain"); plain.RefID != "" || plain.Launch.Launched || !plain.SoldOut {
			t.Errorf("plain %+v", plain)
		}
		if q, err := h.Store.GetStock(h.Ctx, h.Location(t, "A1").ID, p1.ID); err != nil || q == nil || *q != 3 {
			t.Errorf("stock %v %v", q, err)
		}
		pos := h.Partner(t, "pos")
		if pos.Credential.APIKey == "" || len(pos.LocationIDs) != 1 || pos.LocationIDs[0] != h.Location(t, "A1").ID {
			t.Errorf("partner %+v %+v", pos.Partner, pos.Credential)
		}
		for label, brand := range map[string]int64{"": 0, "a": 1} {
			if p, err := h.Svc.AuthenticateHubToken(h.Ctx, h.Token(t, label)); err != nil || p.BrandID != brand {
				t.Errorf("token %q of brand %d: %v", label, brand, err)
			}
		}
		if got := h.Clock.Now(); !got.Equal(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)) {
			t.Errorf("clock %v", got)
		}
		h.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Seen", r.Header.Get("X-A")+"|"+r.Header.Values("X-B")[1])
			w.WriteHeader(http.StatusTeapot)
		}), nil)
		if r := h.Do("GET", "/", "", "X-A", "", "X-B", "1", "X-B", "2"); r.Status != http.StatusTeapot || r.Header.Get("X-Seen") != "|2" {
			t.Errorf("Do: %d %v", r.Status, r.Header)
		}
	})
}
