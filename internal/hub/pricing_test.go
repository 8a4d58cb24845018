package hub

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUnitPrice(t *testing.T) {
	p := Product{
		Price: 10000,
		SpecialPrices: []DatedPrice{
			{Price: 8000, StartDate: "2026-03-01", EndDate: "2026-03-31"},
			{Price: 12000}, // above the base: never raises the price
			{Price: 9000, StartDate: "2026-05-01"},
		},
		BulkPrices: []DatedPrice{
			{Price: 9500, PurchaseCount: 10},
			{Price: 8500, PurchaseCount: 50},
			{Price: 7000, PurchaseCount: 100, StartDate: "2026-01-01", EndDate: "2026-06-30"},
		},
	}
	tests := []struct {
		name string
		qty  int
		day  string
		want int64
	}{
		{"base", 1, "2026-02-15", 10000},
		{"special before its window", 1, "2026-02-28", 10000},
		{"special on its first day", 1, "2026-03-01", 8000},
		{"special inside", 1, "2026-03-15", 8000},
		{"special on its last day", 1, "2026-03-31", 8000},
		{"special after its window", 1, "2026-04-01", 10000},
		{"open-ended special", 1, "2026-05-01", 9000},
		{"open-ended special years later", 1, "2030-01-01", 9000},
		{"bulk below its count", 9, "2026-02-15", 10000},
		{"bulk at its count", 10, "2026-02-15", 9500},
		{"bulk above its count", 49, "2026-02-15", 9500},
		{"higher bulk tier", 50, "2026-02-15", 8500},
		{"dated bulk tier inside its window", 100, "2026-02-15", 7000},
		{"dated bulk tier after its window", 100, "2026-07-01", 8500},
		{"special beats bulk", 10, "2026-03-10", 8000},
		{"bulk beats special", 50, "2026-05-10", 8500},
		{"lowest of all", 100, "2026-03-10", 7000},
		{"special beats bulk after the dated tier", 10, "2026-07-01", 9000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.UnitPrice(tt.qty, tt.day); got != tt.want {
				t.Errorf("UnitPrice(%d, %s) = %d, want %d", tt.qty, tt.day, got, tt.want)
			}
		})
	}
}

func TestCheckQuantity(t *testing.T) {
	// Bundles of 6, at least 12, at most 24.
	p := &Product{BundleSize: 6, MinQuantity: 12, MaxQuantity: 24}
	plain := &Product{}
	bundleOne := &Product{BundleSize: 1}
	const f = "lines[2].quantity"
	tests := []struct {
		name string
		p    *Product
		qty  int
		want *wantErr
	}{
		{"zero", p, 0, invalidAt(f)},
		{"negative", p, -6, invalidAt(f)},
		{"not a bundle and below min: bundle first", p, 5, &wantErr{CodeInvalid, ReasonBundleSize, f}},
		{"not a bundle, above min", p, 13, &wantErr{CodeInvalid, ReasonBundleSize, f}},
		{"not a bundle and above max: bundle first", p, 25, &wantErr{CodeInvalid, ReasonBundleSize, f}},
		{"bundle below min", p, 6, &wantErr{CodeInvalid, ReasonBelowMinimum, f}},
		{"bundle at min", p, 12, nil},
		{"bundle between", p, 18, nil},
		{"bundle at max", p, 24, nil},
		{"bundle above max", p, 30, &wantErr{CodeInvalid, ReasonAboveMaximum, f}},
		{"above the line limit", plain, MaxLineQuantity + 1, &wantErr{CodeInvalid, ReasonAboveMaximum, f}},
		{"at the line limit", plain, MaxLineQuantity, nil},
		{"no rules, one", plain, 1, nil},
		{"bundle size 1 allows any", bundleOne, 7, nil},
		{"min only", &Product{MinQuantity: 3}, 2, &wantErr{CodeInvalid, ReasonBelowMinimum, f}},
		{"max only", &Product{MaxQuantity: 3}, 4, &wantErr{CodeInvalid, ReasonAboveMaximum, f}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, CheckQuantity(tt.p, tt.qty, f), tt.want)
		})
	}
}

// Two locations, one instant: 2026-01-16 is a Friday, Seoul is UTC+9 and Los
// Angeles UTC-8 in January, so the same instant is a different local day.
func TestCheckAvailableAcrossZones(t *testing.T) {
	seoul := &Location{ID: 1, Name: "Seoul", Timezone: "Asia/Seoul"}
	la := &Location{ID: 2, Name: "LA", Timezone: "America/Los_Angeles"}
	slots := map[int64]Timeslot{
		1: {ID: 1, Start: "11:00", End: "14:00"},                        // lunch, every day
		2: {ID: 2, Start: "22:00", End: "02:00"},                        // late night, every day
		3: {ID: 3, Start: "09:00", End: "12:00", Weekdays: []int{0, 6}}, // weekend brunch
		4: {ID: 4, Start: "22:00", End: "02:00", Weekdays: []int{5}},    // Friday night
	}
	product := func(slotIDs ...int64) *Product {
		return &Product{
			ID: 10, Name: I18n{"en": "Bingsu"}, Displayed: true,
			Launch: Launch{Launched: true}, TimeslotIDs: slotIDs,
		}
	}
	utc := func(day, hour, minute int) time.Time { return time.Date(2026, 1, day, hour, minute, 0, 0, time.UTC) }
	var (
		a = utc(16, 3, 0)   // Seoul Fri 12:00 | LA Thu 19:00
		b = utc(16, 15, 30) // Seoul Sat 00:30 | LA Fri 07:30
		c = utc(16, 20, 0)  // Seoul Sat 05:00 | LA Fri 12:00
		d = utc(17, 1, 0)   // Seoul Sat 10:00 | LA Fri 17:00
		e = utc(17, 6, 30)  // Seoul Sat 15:30 | LA Fri 22:30
		f = utc(17, 17, 0)  // Seoul Sun 02:00 | LA Sat 09:00
	)
	tests := []struct {
		name      string
		slots     []int64
		at        time.Time
		seoul, la bool
	}{
		{"no timeslots: always", nil, a, true, true},
		{"lunch at a", []int64{1}, a, true, false},
		{"lunch at c", []int64{1}, c, false, true},
		{"late night at b", []int64{2}, b, true, false},
		{"late night at e", []int64{2}, e, false, true},
		{"late night end is exclusive", []int64{2}, f, false, false},
		{"weekend brunch at d", []int64{3}, d, true, false},
		{"weekend brunch at f", []int64{3}, f, false, true},
		{"Friday night spilling into Saturday", []int64{4}, b, true, false},
		{"Friday night in LA", []int64{4}, e, false, true},
		{"Friday night not on Saturday", []int64{4}, f, false, false},
		{"any of several slots", []int64{1, 3}, d, true, false},
		{"any of several slots, other zone", []int64{1, 3}, c, false, true},
		{"unknown ids only: ignored", []int64{98, 99}, f, true, true},
		{"unknown ids beside a known one", []int64{99, 1}, a, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, z := range []struct {
				loc  *Location
				want bool
			}{{seoul, tt.seoul}, {la, tt.la}} {
				err := CheckAvailable(product(tt.slots...), z.loc, tt.at, slots)
				if !z.want {
					checkErr(t, err, &wantErr{code: CodeConflict, reason: ReasonNotAvailable})
					if got, want := err.(*Error).Message, "Bingsu is not available at this time"; got != want {
						t.Errorf("%s: message %q, want %q", z.loc.Name, got, want)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s at %s: %v", z.loc.Name, tt.at.In(z.loc.Zone()).Format("Mon 15:04"), err)
				}
			}
		})
	}
}

func TestCheckAvailableRules(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	inside := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	seoul := &Location{ID: 1, Name: "Seoul", Timezone: "Asia/Seoul"}
	base := func() Product {
		return Product{
			ID: 10, Name: I18n{"en": "Bingsu", "ko": "빙수"}, Displayed: true,
			Launch: Launch{Launched: true, Start: ts(start), End: ts(end)},
		}
	}
	tests := []struct {
		name    string
		modify  func(*Product)
		at      time.Time
		message string // "" = available
	}{
		{"available", func(*Product) {}, inside, ""},
		{"not launched", func(p *Product) { p.Launch.Launched = false }, inside, "Bingsu is not launched"},
		{"not launched beats the window", func(p *Product) { p.Launch.Launched = false }, end, "Bingsu is not launched"},
		{"before the window", func(*Product) {}, start.Add(-time.Nanosecond), "Bingsu is not on sale yet"},
		{"window start is inclusive", func(*Product) {}, start, ""},
		{"window start, another zone's clock", func(*Product) {}, start.In(seoul.Zone()), ""},
		{"just before the window end", func(*Product) {}, end.Add(-time.Nanosecond), ""},
		{"window end is exclusive", func(*Product) {}, end, "Bingsu is no longer on sale"},
		{"after the window", func(*Product) {}, end.Add(time.Hour), "Bingsu is no longer on sale"},
		{"open window", func(p *Product) { p.Launch.Start, p.Launch.End = nil, nil }, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"only a start", func(p *Product) { p.Launch.End = nil }, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"only an end", func(p *Product) { p.Launch.Start = nil }, time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"not displayed", func(p *Product) { p.Displayed = false }, inside, "Bingsu is not on sale"},
		{"location list nil: everywhere", func(p *Product) { p.LocationIDs = nil }, inside, ""},
		{"location list empty: nowhere", func(p *Product) { p.LocationIDs = []int64{} }, inside, "Bingsu is not sold at Seoul"},
		{"location listed", func(p *Product) { p.LocationIDs = []int64{2, 1} }, inside, ""},
		{"location not listed", func(p *Product) { p.LocationIDs = []int64{2} }, inside, "Bingsu is not sold at Seoul"},
		{"no english name", func(p *Product) { p.Name = I18n{"ko": "빙수"}; p.Displayed = false }, inside, "빙수 is not on sale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.modify(&p)
			err := CheckAvailable(&p, seoul, tt.at, nil)
			if tt.message == "" {
				checkErr(t, err, nil)
				return
			}
			checkErr(t, err, &wantErr{code: CodeConflict, reason: ReasonNotAvailable})
			if got := err.(*Error).Message; got != tt.message {
				t.Errorf("message %q, want %q", got, tt.message)
			}
		})
	}
}

// coffee: a single product with options.
func coffee() *Product {
	return &Product{
		ID: 10, RefID: "P010", SKU: "COF-1", Name: I18n{"en": "Latte", "ko": "라떼"}, Type: ProductSingle,
		Price: 4000, DeductStock: true,
		SpecialPrices: []DatedPrice{{Price: 3000, StartDate: "2026-03-01", EndDate: "2026-03-31"}},
		OptionGroups: []OptionGroup{
			{ID: 1, Name: I18n{"en": "Size"}, Required: true, Max: 1, Values: []OptionValue{
				{ID: 11, Name: I18n{"en": "Small"}, Price: -500},
				{ID: 12, Name: I18n{"en": "Regular"}},
				{ID: 13, Name: I18n{"en": "Large"}, Price: 700},
			}},
			{ID: 2, Name: I18n{"en": "Extra shot"}, Max: 3, Values: []OptionValue{
				{ID: 21, Name: I18n{"en": "Shot"}, Price: 500},
				{ID: 22, Name: I18n{"en": "Decaf shot"}, Price: 600},
			}},
			{ID: 3, Name: I18n{"en": "Sweetness"}, Values: []OptionValue{
				{ID: 31, Name: I18n{"en": "Less sugar"}},
				{ID: 32, Name: I18n{"en": "No syrup"}, Price: -200},
			}},
			{ID: 4, Name: I18n{"en": "Toppings"}, Min: 2, Max: 0, Values: []OptionValue{
				{ID: 41, Name: I18n{"en": "Cream"}, Price: 300},
				{ID: 42, Name: I18n{"en": "Cinnamon"}},
			}},
		},
	}
}

// minimum choices for coffee(): a size and two toppings.
func coffeeBasics(size int64) []OptionChoice {
	return []OptionChoice{{GroupID: 1, ValueID: size}, {GroupID: 4, ValueID: 42, Quantity: 2}}
}

func TestBuildLineOptions(t *testing.T) {
	const day = "2026-02-10"
	with := func(extra ...OptionChoice) []OptionChoice { return append(coffeeBasics(12), extra...) }
	tests := []struct {
		name    string
		product func() *Product
		qty     int
		day     string
		options []OptionChoice
		unit    int64
		base    int64
		total   int64
		needs   []StockNeed
		want    *wantErr
	}{
		{"base price", coffee, 2, day, with(), 4000, 4000, 8000,
			[]StockNeed{{ProductID: 10, Quantity: 2, Field: "lines[0]"}}, nil},
		{"special price in its window", coffee, 2, "2026-03-31", with(), 3000, 3000, 6000,
			[]StockNeed{{ProductID: 10, Quantity: 2, Field: "lines[0]"}}, nil},
		{"special price out of its window", coffee, 1, "2026-04-01", with(), 4000, 4000, 4000,
			[]StockNeed{{ProductID: 10, Quantity: 1, Field: "lines[0]"}}, nil},
		{"minus adjustment", coffee, 3, day, coffeeBasics(11), 3500, 4000, 10500,
			[]StockNeed{{ProductID: 10, Quantity: 3, Field: "lines[0]"}}, nil},
		{"plus adjustments with quantities", coffee, 3, day,
			append(coffeeBasics(13), OptionChoice{GroupID: 2, ValueID: 21, Quantity: 2}, OptionChoice{GroupID: 4, ValueID: 41}),
			4000 + 700 + 2*500 + 300, 4000, 3 * 6000,
			[]StockNeed{{ProductID: 10, Quantity: 3, Field: "lines[0]"}}, nil},
		{"adjustments on top of the special price", coffee, 1, "2026-03-02", append(coffeeBasics(13), OptionChoice{GroupID: 3, ValueID: 32}),
			3000 + 700 - 200, 3000, 3500, []StockNeed{{ProductID: 10, Quantity: 1, Field: "lines[0]"}}, nil},
		{"removed option is free and does not count", coffee, 1, day,
			with(OptionChoice{GroupID: 2, ValueID: 21, Quantity: 3}, OptionChoice{GroupID: 2, ValueID: 22, Removed: true, Quantity: 5}),
			5500, 4000, 5500, []StockNeed{{ProductID: 10, Quantity: 1, Field: "lines[0]"}}, nil},
		{"unit never below zero", func() *Product { p := coffee(); p.Price = 300; return p }, 2, day, coffeeBasics(11),
			0, 300, 0, []StockNeed{{ProductID: 10, Quantity: 2, Field: "lines[0]"}}, nil},
		{"no stock when not deducting", func() *Product { p := coffee(); p.DeductStock = false; return p }, 2, day, with(),
			4000, 4000, 8000, nil, nil},
		{"required group missing", coffee, 1, day, []OptionChoice{{GroupID: 4, ValueID: 42, Quantity: 2}},
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options"}},
		{"required group only removed", coffee, 1, day, []OptionChoice{{GroupID: 1, ValueID: 12, Removed: true}, {GroupID: 4, ValueID: 42, Quantity: 2}},
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options"}},
		{"two sizes above max 1", coffee, 1, day, with(OptionChoice{GroupID: 1, ValueID: 13}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options"}},
		{"shots at max 3", coffee, 1, day, with(OptionChoice{GroupID: 2, ValueID: 21, Quantity: 2}, OptionChoice{GroupID: 2, ValueID: 22}),
			4000 + 1000 + 600, 4000, 5600, []StockNeed{{ProductID: 10, Quantity: 1, Field: "lines[0]"}}, nil},
		{"shots above max 3", coffee, 1, day, with(OptionChoice{GroupID: 2, ValueID: 21, Quantity: 4}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options"}},
		{"toppings below min 2", coffee, 1, day, []OptionChoice{{GroupID: 1, ValueID: 12}, {GroupID: 4, ValueID: 41}},
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options"}},
		{"toppings: no max", coffee, 1, day, []OptionChoice{{GroupID: 1, ValueID: 12}, {GroupID: 4, ValueID: 41, Quantity: 9}},
			4000 + 2700, 4000, 6700, []StockNeed{{ProductID: 10, Quantity: 1, Field: "lines[0]"}}, nil},
		{"unknown group", coffee, 1, day, with(OptionChoice{GroupID: 9, ValueID: 21}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options[2]"}},
		{"value of another group", coffee, 1, day, with(OptionChoice{GroupID: 3, ValueID: 21}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options[2]"}},
		{"choice names its own field", coffee, 1, day, with(OptionChoice{GroupID: 3, ValueID: 99, Field: "items[0].tastes[1]"}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "items[0].tastes[1]"}},
		{"negative option quantity", coffee, 1, day, with(OptionChoice{GroupID: 3, ValueID: 31, Quantity: -1}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options[2].quantity"}},
		{"option quantity above the line limit", coffee, 1, day, with(OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity + 1}),
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options[2].quantity"}},
		{"quantity rules come first", func() *Product { p := coffee(); p.BundleSize = 2; return p }, 3, day, nil,
			0, 0, 0, nil, &wantErr{CodeInvalid, ReasonBundleSize, "lines[0].quantity"}},
		{"line total out of range", func() *Product { p := coffee(); p.Price = MaxAmount; return p }, 2, day, with(),
			0, 0, 0, nil, invalidAt("lines[0].quantity")},
		{"line total at the bound", func() *Product { p := coffee(); p.Price = MaxAmount / 2; return p }, 2, day, with(),
			MaxAmount / 2, MaxAmount / 2, MaxAmount, []StockNeed{{ProductID: 10, Quantity: 2, Field: "lines[0]"}}, nil},
		{"option sum overflowing int64 is refused", func() *Product {
			p := coffee()
			p.OptionGroups[2].Values[0].Price = MaxAmount
			return p
		}, 1, day, with(
			OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity}, OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity},
			OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity}, OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity},
			OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity}, OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity},
			OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity}, OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity},
			OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity}, OptionChoice{GroupID: 3, ValueID: 31, Quantity: MaxLineQuantity},
		), 0, 0, 0, nil, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].options[11]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, needs, err := BuildLine(LineRequest{Product: tt.product(), Quantity: tt.qty, Options: tt.options, Field: "lines[0]"}, tt.day)
			checkErr(t, err, tt.want)
			if tt.want != nil {
				return
			}
			if line.UnitPrice != tt.unit || line.BasePrice != tt.base || line.TotalPrice != tt.total {
				t.Errorf("unit/base/total = %d/%d/%d, want %d/%d/%d", line.UnitPrice, line.BasePrice, line.TotalPrice, tt.unit, tt.base, tt.total)
			}
			if line.Quantity != tt.qty {
				t.Errorf("quantity %d, want %d", line.Quantity, tt.qty)
			}
			if !reflect.DeepEqual(needs, tt.needs) {
				t.Errorf("needs = %+v, want %+v", needs, tt.needs)
			}
		})
	}
}

func TestBuildLineModifiers(t *testing.T) {
	instr := "extra hot"
	line, _, err := BuildLine(LineRequest{
		Product:  coffee(),
		Quantity: 2,
		Options: []OptionChoice{
			{GroupID: 1, ValueID: 13},
			{GroupID: 2, ValueID: 21, Quantity: 2},
			{GroupID: 2, ValueID: 22, Removed: true},
			{GroupID: 4, ValueID: 42, Quantity: 2},
		},
		SpecialInstructions: instr,
		Field:               "lines[0]",
	}, "2026-02-10")
	checkErr(t, err, nil)
	want := OrderLine{
		ProductID: 10, ProductRefID: "P010", SKU: "COF-1", Name: "Latte", Names: I18n{"en": "Latte", "ko": "라떼"},
		Type: ProductSingle, Quantity: 2, UnitPrice: 5700, BasePrice: 4000, TotalPrice: 11400,
		SpecialInstructions: instr,
		Modifiers: []Modifier{
			{Kind: ModifierOption, GroupID: "1", GroupName: "Size", ItemID: "13", Name: "Large", Quantity: 1, UnitPrice: 700, TotalPrice: 700},
			{Kind: ModifierOption, GroupID: "2", GroupName: "Extra shot", ItemID: "21", Name: "Shot", Quantity: 2, UnitPrice: 500, TotalPrice: 1000},
			{Kind: ModifierOption, GroupID: "2", GroupName: "Extra shot", ItemID: "22", Name: "Decaf shot", Quantity: 1, Removed: true},
			{Kind: ModifierOption, GroupID: "4", GroupName: "Toppings", ItemID: "42", Name: "Cinnamon", Quantity: 2},
		},
	}
	if !reflect.DeepEqual(line, want) {
		t.Errorf("line =\n%+v\nwant\n%+v", line, want)
	}
}

// The burger set and the products that can fill it.
type comboFixture struct {
	set                                      *Product
	burger, fries, salad, cola, juice, water *Product
}

func newCombo() comboFixture {
	f := comboFixture{
		burger: &Product{ID: 201, RefID: "B1", Name: I18n{"en": "Burger"}, Price: 6000, DeductStock: true},
		fries:  &Product{ID: 202, Name: I18n{"en": "Fries"}, Price: 2500, DeductStock: true},
		salad:  &Product{ID: 203, Name: I18n{"en": "Salad"}, Price: 3500}, // untracked
		cola: &Product{ID: 204, Name: I18n{"en": "Cola"}, Price: 2000, DeductStock: true,
			OptionGroups: []OptionGroup{{ID: 7, Name: I18n{"en": "Size"}, Max: 1, Values: []OptionValue{{ID: 71, Name: I18n{"en": "Large"}, Price: 200}}}}},
		juice: &Product{ID: 205, Name: I18n{"en": "Juice"}, Price: 3000, DeductStock: true},
		water: &Product{ID: 206, Name: I18n{"en": "Water"}, Price: 1000, DeductStock: true},
	}
	f.set = &Product{
		ID: 100, Name: I18n{"en": "Burger Set"}, Type: ProductCombo, Price: 9000,
		DeductStock: true, // a combo never takes its own stock
		BulkPrices:  []DatedPrice{{Price: 8000, PurchaseCount: 10}},
		OptionGroups: []OptionGroup{{ID: 9, Name: I18n{"en": "Packing"}, Values: []OptionValue{
			{ID: 91, Name: I18n{"en": "Gift box"}, Price: 1000},
		}}},
		ComboComponents: []ComboComponent{
			{ID: 1, Name: I18n{"en": "Main"}, SelectQuantity: 1, Required: true, Items: []ComboItem{{ProductID: 201}}},
			{ID: 2, Name: I18n{"en": "Side"}, SelectQuantity: 1, Required: true, Items: []ComboItem{{ProductID: 202}, {ProductID: 203, Price: 500}}},
			{ID: 3, Name: I18n{"en": "Drinks"}, SelectQuantity: 2, Items: []ComboItem{{ProductID: 204}, {ProductID: 205, Price: 800}, {ProductID: 206, Price: -300}}},
		},
	}
	return f
}

func TestBuildLineCombo(t *testing.T) {
	const day = "2026-02-10"
	f := newCombo()
	main := ComboChoice{Product: f.burger}
	fries := ComboChoice{Product: f.fries}
	need := func(id int64, qty int, field string) StockNeed {
		return StockNeed{ProductID: id, Quantity: qty, Field: field}
	}
	tests := []struct {
		name    string
		qty     int
		choices []ComboChoice
		options []OptionChoice
		unit    int64
		base    int64
		needs   []StockNeed
		want    *wantErr
	}{
		{"basic set: stock goes to the items, not the combo", 2, []ComboChoice{main, fries}, nil, 9000, 9000,
			[]StockNeed{need(201, 2, "lines[0].combo[0]"), need(202, 2, "lines[0].combo[1]")}, nil},
		{"plus item adjustment, untracked item takes no stock", 1,
			[]ComboChoice{main, {Product: f.salad}, {Product: f.juice}}, nil, 9000 + 500 + 800, 9000,
			[]StockNeed{need(201, 1, "lines[0].combo[0]"), need(205, 1, "lines[0].combo[2]")}, nil},
		{"minus item adjustment", 1, []ComboChoice{main, fries, {Product: f.water}}, nil, 8700, 9000,
			[]StockNeed{need(201, 1, "lines[0].combo[0]"), need(202, 1, "lines[0].combo[1]"), need(206, 1, "lines[0].combo[2]")}, nil},
		{"item quantity times line quantity, with the item's options", 3,
			[]ComboChoice{main, fries, {Product: f.cola, Quantity: 2, Options: []OptionChoice{{GroupID: 7, ValueID: 71}}}}, nil,
			9000 + 2*200, 9000,
			[]StockNeed{need(201, 3, "lines[0].combo[0]"), need(202, 3, "lines[0].combo[1]"), need(204, 6, "lines[0].combo[2]")}, nil},
		{"combo options and bulk price", 10, []ComboChoice{main, fries}, []OptionChoice{{GroupID: 9, ValueID: 91}}, 8000 + 1000, 8000,
			[]StockNeed{need(201, 10, "lines[0].combo[0]"), need(202, 10, "lines[0].combo[1]")}, nil},
		{"explicit component", 1, []ComboChoice{{ComponentID: 1, Product: f.burger}, {ComponentID: 2, Product: f.fries}}, nil, 9000, 9000,
			[]StockNeed{need(201, 1, "lines[0].combo[0]"), need(202, 1, "lines[0].combo[1]")}, nil},
		{"removed item: no price, no stock", 1, []ComboChoice{main, fries, {Product: f.juice, Removed: true}}, nil, 9000, 9000,
			[]StockNeed{need(201, 1, "lines[0].combo[0]"), need(202, 1, "lines[0].combo[1]")}, nil},
		{"choice names its own field", 1, []ComboChoice{{Product: f.burger, Field: "items[0].combo[0]"}, fries}, nil, 9000, 9000,
			[]StockNeed{need(201, 1, "items[0].combo[0]"), need(202, 1, "lines[0].combo[1]")}, nil},
		{"two drinks allowed", 1, []ComboChoice{main, fries, {Product: f.cola}, {Product: f.water}}, nil, 8700, 9000,
			[]StockNeed{need(201, 1, "lines[0].combo[0]"), need(202, 1, "lines[0].combo[1]"), need(204, 1, "lines[0].combo[2]"), need(206, 1, "lines[0].combo[3]")}, nil},
		{"three drinks refused", 1, []ComboChoice{main, fries, {Product: f.cola, Quantity: 2}, {Product: f.water}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"two sides refused", 1, []ComboChoice{main, fries, {Product: f.salad}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"required slot missing", 1, []ComboChoice{main}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"required slot only removed", 1, []ComboChoice{main, {Product: f.fries, Removed: true}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"nothing chosen", 1, nil, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"item not in the combo", 1, []ComboChoice{main, {Product: &Product{ID: 999, Name: I18n{"en": "Pizza"}}}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[1]"}},
		{"item in another slot", 1, []ComboChoice{{ComponentID: 2, Product: f.burger}, fries}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[0]"}},
		{"unresolved item", 1, []ComboChoice{main, {}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[1]"}},
		{"negative item quantity", 1, []ComboChoice{main, {Product: f.fries, Quantity: -1}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[1].quantity"}},
		{"bad option of an item", 1, []ComboChoice{main, fries, {Product: f.cola, Options: []OptionChoice{{GroupID: 7, ValueID: 99}}}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[2].options[0]"}},
		{"item option limits", 1, []ComboChoice{main, fries, {Product: f.cola, Options: []OptionChoice{{GroupID: 7, ValueID: 71, Quantity: 2}}}}, nil, 0, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[2].options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, needs, err := BuildLine(LineRequest{Product: f.set, Quantity: tt.qty, Combo: tt.choices, Options: tt.options, Field: "lines[0]"}, day)
			checkErr(t, err, tt.want)
			if tt.want != nil {
				return
			}
			if line.UnitPrice != tt.unit || line.BasePrice != tt.base || line.TotalPrice != tt.unit*int64(tt.qty) {
				t.Errorf("unit/base/total = %d/%d/%d, want %d/%d/%d", line.UnitPrice, line.BasePrice, line.TotalPrice, tt.unit, tt.base, tt.unit*int64(tt.qty))
			}
			if !reflect.DeepEqual(needs, tt.needs) {
				t.Errorf("needs = %+v, want %+v", needs, tt.needs)
			}
		})
	}
}

func TestBuildLineComboModifiers(t *testing.T) {
	f := newCombo()
	line, _, err := BuildLine(LineRequest{
		Product:  f.set,
		Quantity: 1,
		Combo: []ComboChoice{
			{Product: f.burger},
			{Product: f.salad},
			{Product: f.cola, Quantity: 2, Options: []OptionChoice{{GroupID: 7, ValueID: 71}}},
			{Product: f.juice, Removed: true},
		},
		Options: []OptionChoice{{GroupID: 9, ValueID: 91}},
		Field:   "lines[0]",
	}, "2026-02-10")
	checkErr(t, err, nil)
	want := []Modifier{
		{Kind: ModifierCombo, GroupID: "1", GroupName: "Main", ItemID: "B1", ProductID: 201, Name: "Burger", Quantity: 1},
		{Kind: ModifierCombo, GroupID: "2", GroupName: "Side", ItemID: "203", ProductID: 203, Name: "Salad", Quantity: 1, UnitPrice: 500, TotalPrice: 500},
		{Kind: ModifierCombo, GroupID: "3", GroupName: "Drinks", ItemID: "204", ProductID: 204, Name: "Cola", Quantity: 2, UnitPrice: 200, TotalPrice: 400,
			Children: []Modifier{{Kind: ModifierOption, GroupID: "7", GroupName: "Size", ItemID: "71", Name: "Large", Quantity: 1, UnitPrice: 200, TotalPrice: 200}}},
		{Kind: ModifierCombo, GroupID: "3", GroupName: "Drinks", ItemID: "205", ProductID: 205, Name: "Juice", Quantity: 1, Removed: true},
		{Kind: ModifierOption, GroupID: "9", GroupName: "Packing", ItemID: "91", Name: "Gift box", Quantity: 1, UnitPrice: 1000, TotalPrice: 1000},
	}
	if !reflect.DeepEqual(line.Modifiers, want) {
		t.Errorf("modifiers =\n%+v\nwant\n%+v", line.Modifiers, want)
	}
	if line.UnitPrice != 9000+500+400+1000 || line.Type != ProductCombo {
		t.Errorf("unit %d type %d", line.UnitPrice, line.Type)
	}
}

func TestBuildLineSingleRefusesCombo(t *testing.T) {
	f := newCombo()
	_, _, err := BuildLine(LineRequest{Product: f.burger, Quantity: 1, Combo: []ComboChoice{{Product: f.fries}}, Field: "lines[3]"}, "2026-02-10")
	checkErr(t, err, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[3].combo"})
}

func TestBuildLineComboPriceOverflow(t *testing.T) {
	f := newCombo()
	f.set.ComboComponents[2].Items[1].Price = MaxAmount
	f.set.ComboComponents[2].SelectQuantity = 0 // no limit
	choices := []ComboChoice{{Product: f.burger}, {Product: f.fries}}
	for range 10 {
		choices = append(choices, ComboChoice{Product: f.juice, Quantity: MaxLineQuantity})
	}
	_, _, err := BuildLine(LineRequest{Product: f.set, Quantity: 1, Combo: choices, Field: "lines[0]"}, "2026-02-10")
	checkErr(t, err, &wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo[11]"})
}

// A required slot that offers a single item is filled with it when the
// channel did not choose for it and the caller resolved the offered products.
func TestBuildLineComboDefaults(t *testing.T) {
	f := newCombo()
	f.set.ComboComponents = append(f.set.ComboComponents,
		ComboComponent{ID: 4, Name: I18n{"en": "Sauce"}, SelectQuantity: 2, Required: true, Items: []ComboItem{{ProductID: 207, Price: 100}}})
	sauce := &Product{ID: 207, Name: I18n{"en": "Sauce"}, DeductStock: true}
	offered := map[int64]*Product{201: f.burger, 202: f.fries, 203: f.salad, 207: sauce}
	need := func(id int64, qty int, field string) StockNeed {
		return StockNeed{ProductID: id, Quantity: qty, Field: field}
	}
	tests := []struct {
		name    string
		choices []ComboChoice
		offered map[int64]*Product
		unit    int64
		needs   []StockNeed
		want    *wantErr
	}{
		{"single-item slots filled, with select quantity", []ComboChoice{{Product: f.fries}}, offered, 9000 + 2*100,
			[]StockNeed{need(202, 2, "lines[0].combo[0]"), need(201, 2, "lines[0].combo[1]"), need(207, 4, "lines[0].combo[2]")}, nil},
		{"explicit choice is kept", []ComboChoice{{Product: f.fries}, {Product: sauce}, {Product: f.burger}}, offered, 9000 + 100,
			[]StockNeed{need(202, 2, "lines[0].combo[0]"), need(207, 2, "lines[0].combo[1]"), need(201, 2, "lines[0].combo[2]")}, nil},
		{"a slot with a real choice is not filled", []ComboChoice{{Product: sauce}}, offered, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"removed single item is not put back", []ComboChoice{{Product: f.fries}, {Product: f.burger, Removed: true}}, offered, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
		{"not filled when the product is not resolved", []ComboChoice{{Product: f.fries}}, map[int64]*Product{207: sauce}, 0, nil,
			&wantErr{CodeInvalid, ReasonInvalidOption, "lines[0].combo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			choices := append([]ComboChoice(nil), tt.choices...)
			line, needs, err := BuildLine(LineRequest{Product: f.set, Quantity: 2, Combo: choices, ComboProducts: tt.offered, Field: "lines[0]"}, "2026-02-10")
			checkErr(t, err, tt.want)
			if !reflect.DeepEqual(choices, tt.choices) {
				t.Errorf("the caller's choices were modified: %+v", choices)
			}
			if tt.want != nil {
				return
			}
			if line.UnitPrice != tt.unit {
				t.Errorf("unit = %d, want %d", line.UnitPrice, tt.unit)
			}
			if !reflect.DeepEqual(needs, tt.needs) {
				t.Errorf("needs = %+v, want %+v", needs, tt.needs)
			}
		})
	}
}

func TestComputeFees(t *testing.T) {
	lines := func(totals ...int64) []OrderLine {
		out := make([]OrderLine, len(totals))
		for i, v := range totals {
			out[i] = OrderLine{TotalPrice: v}
		}
		return out
	}
	tests := []struct {
		name     string
		brand    Brand
		lines    []OrderLine
		delivery int64
		discount int64
		want     Fees
		err      *wantErr
	}{
		{"no tax", Brand{}, lines(5000, 2500), 0, 0,
			Fees{Subtotal: 7500, Total: 7500}, nil},
		{"no lines", Brand{TaxRateBP: 1000}, nil, 0, 0, Fees{}, nil},
		{"tax included 10% of 11000", Brand{TaxRateBP: 1000, TaxIncluded: true}, lines(11000), 0, 0,
			Fees{Subtotal: 11000, Tax: 1000, TaxIncluded: true, Total: 11000}, nil},
		{"tax included rounds half up (10% of 10005 = 909.54)", Brand{TaxRateBP: 1000, TaxIncluded: true}, lines(10005), 0, 0,
			Fees{Subtotal: 10005, Tax: 910, TaxIncluded: true, Total: 10005}, nil},
		{"tax included exact half rounds up", Brand{TaxRateBP: 10000, TaxIncluded: true}, lines(5), 0, 0,
			Fees{Subtotal: 5, Tax: 3, TaxIncluded: true, Total: 5}, nil},
		{"tax included small amount", Brand{TaxRateBP: 1000, TaxIncluded: true}, lines(5), 0, 0,
			Fees{Subtotal: 5, Tax: 0, TaxIncluded: true, Total: 5}, nil},
		{"tax included 8%", Brand{TaxRateBP: 800, TaxIncluded: true}, lines(10800), 0, 0,
			Fees{Subtotal: 10800, Tax: 800, TaxIncluded: true, Total: 10800}, nil},
		{"tax excluded 10%", Brand{TaxRateBP: 1000}, lines(10000), 0, 0,
			Fees{Subtotal: 10000, Tax: 1000, Total: 11000}, nil},
		{"tax excluded half rounds up", Brand{TaxRateBP: 1000}, lines(12345), 0, 0,
			Fees{Subtotal: 12345, Tax: 1235, Total: 13580}, nil},
		{"tax excluded below half rounds down", Brand{TaxRateBP: 1000}, lines(12344), 0, 0,
			Fees{Subtotal: 12344, Tax: 1234, Total: 13578}, nil},
		{"tax excluded 7.5% of several lines", Brand{TaxRateBP: 750}, lines(1999, 2999), 0, 0,
			Fees{Subtotal: 4998, Tax: 375, Total: 5373}, nil}, // 374.85
		{"service charge 5% rounds down", Brand{ServiceChargeBP: 500}, lines(12345), 0, 0,
			Fees{Subtotal: 12345, ServiceCharge: 617, Total: 12962}, nil}, // 617.25
		{"service charge rounds half up", Brand{ServiceChargeBP: 500}, lines(10010), 0, 0,
			Fees{Subtotal: 10010, ServiceCharge: 501, Total: 10511}, nil}, // 500.5
		{"service charge and excluded tax", Brand{TaxRateBP: 1000, ServiceChargeBP: 1000}, lines(10000), 0, 0,
			Fees{Subtotal: 10000, Tax: 1000, ServiceCharge: 1000, Total: 12000}, nil},
		{"service charge and included tax", Brand{TaxRateBP: 1000, TaxIncluded: true, ServiceChargeBP: 1000}, lines(11000), 0, 0,
			Fees{Subtotal: 11000, Tax: 1000, TaxIncluded: true, ServiceCharge: 1100, Total: 12100}, nil},
		{"delivery fee and discount", Brand{TaxRateBP: 1000, TaxIncluded: true}, lines(11000), 3000, 2000,
			Fees{Subtotal: 11000, Tax: 1000, TaxIncluded: true, DeliveryFee: 3000, Discount: 2000, Total: 12000}, nil},
		{"delivery fee and discount, tax excluded", Brand{TaxRateBP: 1000}, lines(10000), 2500, 500,
			Fees{Subtotal: 10000, Tax: 1000, DeliveryFee: 2500, Discount: 500, Total: 13000}, nil},
		{"discount above the total floors at zero", Brand{}, lines(1000), 500, 5000,
			Fees{Subtotal: 1000, DeliveryFee: 500, Discount: 5000, Total: 0}, nil},
		{"subtotal at the bound", Brand{TaxRateBP: 10000, ServiceChargeBP: 10000}, lines(MaxAmount), MaxAmount, 0,
			Fees{Subtotal: MaxAmount, Tax: MaxAmount, ServiceCharge: MaxAmount, DeliveryFee: MaxAmount, Total: 4 * MaxAmount}, nil},
		{"subtotal above the bound", Brand{}, lines(MaxAmount, 1), 0, 0, Fees{}, invalidAt("lines[1]")},
		{"one line above the bound", Brand{}, lines(MaxAmount + 1), 0, 0, Fees{}, invalidAt("lines[0]")},
		{"int64 overflow", Brand{}, lines(MaxAmount, math.MaxInt64), 0, 0, Fees{}, invalidAt("lines[1]")},
		{"negative delivery fee", Brand{}, lines(1000), -1, 0, Fees{}, invalidAt("delivery_fee")},
		{"delivery fee above the bound", Brand{}, lines(1000), MaxAmount + 1, 0, Fees{}, invalidAt("delivery_fee")},
		{"negative discount", Brand{}, lines(1000), 0, -1, Fees{}, invalidAt("discount")},
		{"discount above the bound", Brand{}, lines(1000), 0, MaxAmount + 1, Fees{}, invalidAt("discount")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeFees(&tt.brand, tt.lines, tt.delivery, tt.discount)
			checkErr(t, err, tt.err)
			if got != tt.want {
				t.Errorf("fees = %+v, want %+v", got, tt.want)
			}
			// A fee too large is not "negative": the message says the range.
			if err != nil && (tt.delivery > MaxAmount || tt.discount > MaxAmount) && strings.Contains(err.Error(), "negative") {
				t.Errorf("message %q for a value above the bound", err)
			}
		})
	}
}
