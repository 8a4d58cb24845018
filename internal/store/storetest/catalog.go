// The catalogue: brands, locations, products (and how a reference finds
// one) and timeslots.

package storetest

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testBrands(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	if bs, err := s.ListBrands(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("ListBrands on an empty store = %v, %v", bs, err)
	}
	b := &hub.Brand{Name: "Cafe", Currency: "VND", TaxRateBP: 800, TaxIncluded: true, ServiceChargeBP: 500}
	update(t, s, func(tx store.Tx) error { return tx.CreateBrand(ctx, b) })
	if b.ID <= 0 || b.CreatedAt.IsZero() || b.UpdatedAt.IsZero() {
		t.Fatalf("CreateBrand did not set id and times: %+v", b)
	}
	got, err := s.GetBrand(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Fatalf("GetBrand = %+v, want %+v", got, b)
	}
	b2 := brand(t, s, "Second")
	b.Name, b.ServiceChargeBP = "Cafe Renamed", 0
	update(t, s, func(tx store.Tx) error { return tx.UpdateBrand(ctx, b) })
	got, _ = s.GetBrand(ctx, b.ID)
	if got.Name != "Cafe Renamed" || got.ServiceChargeBP != 0 || got.Currency != "VND" {
		t.Fatalf("after UpdateBrand: %+v", got)
	}
	bs, err := s.ListBrands(ctx)
	if err != nil || len(bs) != 2 || bs[0].ID != b.ID || bs[1].ID != b2.ID {
		t.Fatalf("ListBrands = %+v, %v", bs, err)
	}
	_, err = s.GetBrand(ctx, b2.ID+1000)
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateBrand(ctx, &hub.Brand{ID: b2.ID + 1000, Name: "x", Currency: "KRW"})
	})
	wantCode(t, err, hub.CodeNotFound)
}

func testLocations(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	l1 := location(t, s, b1.ID, "GN", "zeek-7")
	l2 := location(t, s, b1.ID, "HD", "")
	other := location(t, s, b2.ID, "GN", "zeek-7") // same code and ref, other brand: allowed
	if l1.ID <= 0 || l2.ID <= 0 || other.ID <= 0 || l1.CreatedAt.IsZero() {
		t.Fatalf("CreateLocation did not set ids: %+v %+v %+v", l1, l2, other)
	}
	got, err := s.GetLocation(ctx, l1.ID)
	if err != nil || !reflect.DeepEqual(got, l1) {
		t.Fatalf("GetLocation = %+v, %v; want %+v", got, err, l1)
	}
	ls, err := s.ListLocations(ctx, b1.ID)
	if err != nil || len(ls) != 2 || ls[0].ID != l1.ID || ls[1].ID != l2.ID {
		t.Fatalf("ListLocations = %+v, %v", ls, err)
	}
	for _, ref := range []string{strconv.FormatInt(l1.ID, 10), "GN", "zeek-7", " GN "} {
		got, err := s.FindLocation(ctx, b1.ID, ref)
		if err != nil || got.ID != l1.ID {
			t.Errorf("FindLocation(%q) = %+v, %v; want location %d", ref, got, err, l1.ID)
		}
	}
	// Another brand's id, and refs that exist only elsewhere, are not found.
	_, err = s.FindLocation(ctx, b1.ID, strconv.FormatInt(other.ID, 10))
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindLocation(ctx, b2.ID, "HD")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindLocation(ctx, b1.ID, "")
	wantCode(t, err, hub.CodeNotFound)
	if got, err := s.FindLocation(ctx, b2.ID, "GN"); err != nil || got.ID != other.ID {
		t.Fatalf("FindLocation(b2, GN) = %+v, %v", got, err)
	}
	// Codes are unique within a brand.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateLocation(ctx, &hub.Location{BrandID: b1.ID, Code: "GN", Name: "dup", Timezone: "UTC"})
	})
	wantCode(t, err, hub.CodeInvalid)
	l2.Code, l2.RefID = "HD2", "ref-hd"
	update(t, s, func(tx store.Tx) error { return tx.UpdateLocation(ctx, l2) })
	if got, err := s.FindLocation(ctx, b1.ID, "ref-hd"); err != nil || got.ID != l2.ID || got.Code != "HD2" {
		t.Fatalf("after UpdateLocation: %+v, %v", got, err)
	}
	l2.Code = "GN"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateLocation(ctx, l2) })
	wantCode(t, err, hub.CodeInvalid)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateLocation(ctx, &hub.Location{ID: other.ID + 100, BrandID: b1.ID, Code: "Z", Name: "z", Timezone: "UTC"})
	})
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.GetLocation(ctx, other.ID+100)
	wantCode(t, err, hub.CodeNotFound)
}

func testProducts(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &hub.Product{
		BrandID: b1.ID, RefID: "P001", SKU: "SKU-1", Name: hub.I18n{"en": "Latte", "ko": "라떼", "zh-HK": "拿鐵"},
		Type: hub.ProductSingle, Price: 4500, SortOrder: 3, MaxQuantity: 10, Alcohol: false, DeductStock: true,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true, Start: &start},
		SpecialPrices: []hub.DatedPrice{{Price: 4000, StartDate: "2026-01-01", EndDate: "2026-01-31"}},
		OptionGroups: []hub.OptionGroup{{ID: 1, Name: hub.I18n{"en": "Size"}, Required: true, Max: 1,
			Values: []hub.OptionValue{{ID: 1, Name: hub.I18n{"en": "Regular"}}, {ID: 2, Name: hub.I18n{"en": "Large"}, Price: 500}}}},
		LocationIDs: nil, TimeslotIDs: []int64{1}, Attributes: map[string]any{"origin": "KR"},
	}
	update(t, s, func(tx store.Tx) error { return tx.CreateProduct(ctx, p) })
	if p.ID <= 0 || p.CreatedAt.IsZero() {
		t.Fatalf("CreateProduct did not set id/time: %+v", p)
	}
	got, err := s.GetProduct(ctx, b1.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("GetProduct =\n%+v\nwant\n%+v", got, p)
	}
	// A product is only visible within its brand.
	_, err = s.GetProduct(ctx, b2.ID, p.ID)
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b2.ID, strconv.FormatInt(p.ID, 10))
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b2.ID, "P001")
	wantCode(t, err, hub.CodeNotFound)
	// Its id names its brand (a by-id route takes the brand from it).
	if brand, err := s.ProductBrand(ctx, p.ID); err != nil || brand != b1.ID {
		t.Errorf("ProductBrand = %d, %v; want %d", brand, err, b1.ID)
	}
	_, err = s.ProductBrand(ctx, p.ID+1000)
	wantCode(t, err, hub.CodeNotFound)
	for _, ref := range []string{strconv.FormatInt(p.ID, 10), "P001", "SKU-1", " P001 "} {
		got, err := s.FindProduct(ctx, b1.ID, ref)
		if err != nil || got.ID != p.ID {
			t.Errorf("FindProduct(%q) = %v, %v; want %d", ref, got, err, p.ID)
		}
	}
	_, err = s.FindProduct(ctx, b1.ID, "")
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.FindProduct(ctx, b1.ID, "nope")
	wantCode(t, err, hub.CodeNotFound)

	// Ref ids are unique within a brand (empty ones are not), not across.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateProduct(ctx, &hub.Product{BrandID: b1.ID, RefID: "P001", Name: hub.I18n{"en": "dup"}, Type: hub.ProductSingle})
	})
	wantCode(t, err, hub.CodeInvalid)
	product(t, s, b2.ID, "P001", "", 100)
	q1 := product(t, s, b1.ID, "", "", 100)
	q2 := product(t, s, b1.ID, "", "", 200)

	// Update replaces the document; an update naming another brand fails.
	p.Price, p.RefID, p.SKU = 5000, "P001-B", "SKU-2"
	update(t, s, func(tx store.Tx) error { return tx.UpdateProduct(ctx, p) })
	if got, err := s.FindProduct(ctx, b1.ID, "P001-B"); err != nil || got.Price != 5000 || got.SKU != "SKU-2" {
		t.Fatalf("after UpdateProduct: %+v, %v", got, err)
	}
	if _, err := s.FindProduct(ctx, b1.ID, "P001"); hub.ErrorCode(err) != hub.CodeNotFound {
		t.Fatalf("old ref still found: %v", err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		cp := *p
		cp.BrandID = b2.ID
		return tx.UpdateProduct(ctx, &cp)
	})
	wantCode(t, err, hub.CodeNotFound)
	q2.RefID = "P001-B"
	err = s.Update(ctx, func(tx store.Tx) error { return tx.UpdateProduct(ctx, q2) })
	wantCode(t, err, hub.CodeInvalid)

	// Listing pages by id.
	all, err := s.ListProducts(ctx, store.ProductFilter{BrandID: b1.ID})
	if err != nil || !slices.Equal(productIDs(all), []int64{p.ID, q1.ID, q2.ID}) {
		t.Fatalf("ListProducts = %v, %v", productIDs(all), err)
	}
	page, err := s.ListProducts(ctx, store.ProductFilter{BrandID: b1.ID, AfterID: p.ID, Limit: 1})
	if err != nil || !slices.Equal(productIDs(page), []int64{q1.ID}) {
		t.Fatalf("ListProducts page = %v, %v", productIDs(page), err)
	}
}

func productIDs(ps []hub.Product) []int64 {
	return idsOf(ps, func(p hub.Product) int64 { return p.ID })
}

// testFindProductPrecedence checks DESIGN.md §2: hub id, then ref id, then
// SKU.
func testFindProductPrecedence(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b := brand(t, s, "One")
	x := product(t, s, b.ID, "", "", 100)
	idRef := strconv.FormatInt(x.ID, 10)
	y := product(t, s, b.ID, idRef, "", 200) // ref id that looks like x's id
	z := product(t, s, b.ID, "Z1", "", 300)
	w := product(t, s, b.ID, "", "Z1", 400) // SKU equal to z's ref id
	v := product(t, s, b.ID, "", "ONLY-SKU", 500)
	for ref, want := range map[string]int64{idRef: x.ID, "Z1": z.ID, "ONLY-SKU": v.ID, strconv.FormatInt(w.ID, 10): w.ID} {
		got, err := s.FindProduct(ctx, b.ID, ref)
		if err != nil || got.ID != want {
			t.Errorf("FindProduct(%q) = %v, %v; want product %d", ref, got, err, want)
		}
	}
	_ = y
}

func testTimeslots(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	b1, b2 := brand(t, s, "One"), brand(t, s, "Two")
	lunch := &hub.Timeslot{ID: 2, BrandID: b1.ID, Name: "Lunch", Start: "11:00", End: "14:00", Weekdays: []int{1, 2, 3}}
	breakfast := &hub.Timeslot{ID: 1, BrandID: b1.ID, Name: "Breakfast", Start: "07:00", End: "10:00"}
	otherBrand := &hub.Timeslot{ID: 1, BrandID: b2.ID, Name: "Late", Start: "22:00", End: "02:00"}
	update(t, s, func(tx store.Tx) error {
		for _, ts := range []*hub.Timeslot{lunch, breakfast, otherBrand} {
			if err := tx.PutTimeslot(ctx, ts); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.ListTimeslots(ctx, b1.ID)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], *breakfast) || !reflect.DeepEqual(got[1], *lunch) {
		t.Fatalf("ListTimeslots = %+v, %v", got, err)
	}
	// Put with the same id replaces.
	lunch.End = "15:00"
	update(t, s, func(tx store.Tx) error { return tx.PutTimeslot(ctx, lunch) })
	got, _ = s.ListTimeslots(ctx, b1.ID)
	if len(got) != 2 || got[1].End != "15:00" {
		t.Fatalf("after upsert: %+v", got)
	}
	got, _ = s.ListTimeslots(ctx, b2.ID)
	if len(got) != 1 || got[0].Name != "Late" {
		t.Fatalf("other brand's timeslots: %+v", got)
	}
}
