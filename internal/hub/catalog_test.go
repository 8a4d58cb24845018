package hub

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the host's zoneinfo
)

// wantErr is the part of an *Error a test pins down. A nil *wantErr means
// no error is expected.
type wantErr struct {
	code   Code
	reason Reason
	field  string
}

func invalidAt(field string) *wantErr { return &wantErr{code: CodeInvalid, field: field} }

func checkErr(t *testing.T, err error, want *wantErr) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want error %+v, got nil", *want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *hub.Error, got %T: %v", err, err)
	}
	if e.Code != want.code || e.Reason != want.reason || e.Field != want.field {
		t.Fatalf("got error {code:%q reason:%q field:%q} (%v), want {code:%q reason:%q field:%q}",
			e.Code, e.Reason, e.Field, err, want.code, want.reason, want.field)
	}
}

func TestNormalizeLang(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"zh_hk", "zh-HK"},
		{"zh-hk", "zh-HK"},
		{"ZH_HK", "zh-HK"},
		{"zh-HK", "zh-HK"},
		{"en", "en"},
		{"EN", "en"},
		{" ko ", "ko"},
		{"vi", "vi"},
		{"en_us", "en-US"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeLang(tt.in); got != tt.want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestI18n(t *testing.T) {
	texts := I18n{"zh_hk": " 漢堡 ", "ko": "버거", "vi": "", "EN": "Burger"}.Normalize()
	if want := (I18n{"zh-HK": "漢堡", "ko": "버거", "en": "Burger"}); !equalI18n(texts, want) {
		t.Fatalf("Normalize = %v, want %v", texts, want)
	}
	if (I18n)(nil).Normalize() != nil {
		t.Errorf("nil.Normalize() is not nil")
	}
	tests := []struct {
		name  string
		texts I18n
		lang  string
		want  string
	}{
		{"exact", texts, "ko", "버거"},
		{"seed spelling", texts, "zh_hk", "漢堡"},
		{"missing falls back to en", texts, "vi", "Burger"},
		{"then ko", I18n{"ko": "버거", "vi": "Bánh"}, "ja", "버거"},
		{"then vi", I18n{"vi": "Bánh", "zh-HK": "漢堡"}, "ja", "Bánh"},
		{"then zh-HK", I18n{"zh-HK": "漢堡", "th": "x"}, "ja", "漢堡"},
		{"then the first tag", I18n{"th": "b", "fr": "a"}, "ja", "a"},
		{"empty", I18n{}, "en", ""},
		{"nil", nil, "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.texts.Get(tt.lang); got != tt.want {
				t.Errorf("Get(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

func equalI18n(a, b I18n) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestBrandValidate(t *testing.T) {
	valid := func() Brand { return Brand{Name: "Burger Co", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true} }
	tests := []struct {
		name   string
		modify func(*Brand)
		want   *wantErr
	}{
		{"valid", func(*Brand) {}, nil},
		{"name blank", func(b *Brand) { b.Name = "  " }, invalidAt("name")},
		{"currency missing", func(b *Brand) { b.Currency = "" }, invalidAt("currency")},
		{"currency too short", func(b *Brand) { b.Currency = "KR" }, invalidAt("currency")},
		{"currency digits", func(b *Brand) { b.Currency = "K1W" }, invalidAt("currency")},
		{"currency lower case is accepted", func(b *Brand) { b.Currency = " usd " }, nil},
		{"tax negative", func(b *Brand) { b.TaxRateBP = -1 }, invalidAt("tax_rate_bp")},
		{"tax 100%", func(b *Brand) { b.TaxRateBP = 10000 }, nil},
		{"tax above 100%", func(b *Brand) { b.TaxRateBP = 10001 }, invalidAt("tax_rate_bp")},
		{"service negative", func(b *Brand) { b.ServiceChargeBP = -1 }, invalidAt("service_charge_bp")},
		{"service above 100%", func(b *Brand) { b.ServiceChargeBP = 10001 }, invalidAt("service_charge_bp")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := valid()
			tt.modify(&b)
			checkErr(t, b.Validate(), tt.want)
		})
	}
	b := Brand{Name: " Burger Co ", Currency: " usd "}
	checkErr(t, b.Validate(), nil)
	if b.Name != "Burger Co" || b.Currency != "USD" {
		t.Errorf("Validate did not normalise: name %q currency %q", b.Name, b.Currency)
	}
}

func TestLocationValidate(t *testing.T) {
	valid := func() Location {
		return Location{BrandID: 1, Code: "GN", Name: "Gangnam", Timezone: "Asia/Seoul"}
	}
	tests := []struct {
		name   string
		modify func(*Location)
		want   *wantErr
	}{
		{"valid", func(*Location) {}, nil},
		{"brand missing", func(l *Location) { l.BrandID = 0 }, invalidAt("brand_id")},
		{"code blank", func(l *Location) { l.Code = " " }, invalidAt("code")},
		{"name blank", func(l *Location) { l.Name = "" }, invalidAt("name")},
		{"timezone missing", func(l *Location) { l.Timezone = "" }, invalidAt("timezone")},
		{"timezone unknown", func(l *Location) { l.Timezone = "Mars/Olympus" }, invalidAt("timezone")},
		{"another zone", func(l *Location) { l.Timezone = "America/Los_Angeles" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := valid()
			tt.modify(&l)
			checkErr(t, l.Validate(), tt.want)
		})
	}
	if z := (&Location{Timezone: "Asia/Seoul"}).Zone(); z.String() != "Asia/Seoul" {
		t.Errorf("Zone() = %v", z)
	}
	if z := (&Location{Timezone: "nowhere"}).Zone(); z != time.UTC {
		t.Errorf("Zone() of a bad zone = %v, want UTC", z)
	}
}

func TestDatedPriceActiveOn(t *testing.T) {
	tests := []struct {
		name       string
		start, end string
		day        string
		want       bool
	}{
		{"no window", "", "", "2026-03-15", true},
		{"inside", "2026-03-01", "2026-03-31", "2026-03-15", true},
		{"first day", "2026-03-01", "2026-03-31", "2026-03-01", true},
		{"last day", "2026-03-01", "2026-03-31", "2026-03-31", true},
		{"day before", "2026-03-01", "2026-03-31", "2026-02-28", false},
		{"day after", "2026-03-01", "2026-03-31", "2026-04-01", false},
		{"open start", "", "2026-03-31", "2020-01-01", true},
		{"open start, after", "", "2026-03-31", "2026-04-01", false},
		{"open end", "2026-03-01", "", "2099-12-31", true},
		{"open end, before", "2026-03-01", "", "2026-02-28", false},
		{"one day", "2026-03-05", "2026-03-05", "2026-03-05", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DatedPrice{StartDate: tt.start, EndDate: tt.end}
			if got := d.ActiveOn(tt.day); got != tt.want {
				t.Errorf("ActiveOn(%q) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func ts(t time.Time) *time.Time { return &t }

func TestProductValidate(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := func() Product {
		return Product{
			ID: 100, BrandID: 1, Name: I18n{"en": "Burger Set"}, Type: ProductCombo, Price: 9000,
			SpecialPrices: []DatedPrice{{Price: 8000, StartDate: "2026-03-01", EndDate: "2026-03-31"}},
			BulkPrices:    []DatedPrice{{Price: 8500, PurchaseCount: 10}},
			OptionGroups: []OptionGroup{
				{ID: 1, Required: true, Max: 1, Values: []OptionValue{{ID: 11, Price: -500}, {ID: 12, Price: 700}}},
				{ID: 2, Min: 0, Max: 3, Values: []OptionValue{{ID: 21, Price: 500}}},
			},
			ComboComponents: []ComboComponent{
				{ID: 1, SelectQuantity: 1, Required: true, Items: []ComboItem{{ProductID: 201}}},
				{ID: 2, SelectQuantity: 2, Items: []ComboItem{{ProductID: 204}, {ProductID: 205, Price: 800}}},
			},
		}
	}
	tests := []struct {
		name   string
		modify func(*Product)
		want   *wantErr
	}{
		{"valid", func(*Product) {}, nil},
		{"brand missing", func(p *Product) { p.BrandID = 0 }, invalidAt("brand_id")},
		{"name missing", func(p *Product) { p.Name = nil }, invalidAt("name")},
		{"name only blank texts", func(p *Product) { p.Name = I18n{"en": "  "} }, invalidAt("name")},
		{"type unknown", func(p *Product) { p.Type = 3 }, invalidAt("type")},
		{"price negative", func(p *Product) { p.Price = -1 }, invalidAt("price")},
		{"price at the bound", func(p *Product) { p.Price = MaxAmount }, nil},
		{"price above the bound", func(p *Product) { p.Price = MaxAmount + 1 }, invalidAt("price")},
		{"min negative", func(p *Product) { p.MinQuantity = -1 }, invalidAt("min_quantity")},
		{"max negative", func(p *Product) { p.MaxQuantity = -1 }, invalidAt("max_quantity")},
		{"min above max", func(p *Product) { p.MinQuantity, p.MaxQuantity = 5, 4 }, invalidAt("max_quantity")},
		{"min with no max", func(p *Product) { p.MinQuantity, p.MaxQuantity = 5, 0 }, nil},
		{"bundle negative", func(p *Product) { p.BundleSize = -2 }, invalidAt("bundle_size")},
		{"special price negative", func(p *Product) { p.SpecialPrices[0].Price = -1 }, invalidAt("special_prices[0].price")},
		{"special price too large", func(p *Product) { p.SpecialPrices[0].Price = MaxAmount + 1 }, invalidAt("special_prices[0].price")},
		{"special start not a date", func(p *Product) { p.SpecialPrices[0].StartDate = "2026/03/01" }, invalidAt("special_prices[0].start_date")},
		{"special end not a date", func(p *Product) { p.SpecialPrices[0].EndDate = "2026-3-31" }, invalidAt("special_prices[0].end_date")},
		{"both dates bad names start_date", func(p *Product) {
			p.SpecialPrices[0].StartDate, p.SpecialPrices[0].EndDate = "x", "y"
		}, invalidAt("special_prices[0].start_date")},
		{"special end before start", func(p *Product) { p.SpecialPrices[0].EndDate = "2026-02-28" }, invalidAt("special_prices[0].end_date")},
		{"second special price", func(p *Product) {
			p.SpecialPrices = append(p.SpecialPrices, DatedPrice{Price: 1, StartDate: "2026-02-30"})
		}, invalidAt("special_prices[1].start_date")},
		{"bulk price negative", func(p *Product) { p.BulkPrices[0].Price = -5 }, invalidAt("bulk_prices[0].price")},
		{"bulk date bad", func(p *Product) { p.BulkPrices[0].EndDate = "tomorrow" }, invalidAt("bulk_prices[0].end_date")},
		{"bulk count zero", func(p *Product) { p.BulkPrices[0].PurchaseCount = 0 }, invalidAt("bulk_prices[0].purchase_count")},
		{"launch end before start", func(p *Product) {
			p.Launch = Launch{Launched: true, Start: ts(start), End: ts(start.Add(-time.Second))}
		}, invalidAt("launch.end")},
		{"launch end equals start", func(p *Product) {
			p.Launch = Launch{Launched: true, Start: ts(start), End: ts(start)}
		}, nil},
		{"option group id zero", func(p *Product) { p.OptionGroups[1].ID = 0 }, invalidAt("option_groups[1].id")},
		{"option group id duplicate", func(p *Product) { p.OptionGroups[1].ID = 1 }, invalidAt("option_groups[1].id")},
		{"option group min negative", func(p *Product) { p.OptionGroups[0].Min = -1 }, invalidAt("option_groups[0].max")},
		{"option group max negative", func(p *Product) { p.OptionGroups[0].Max = -1 }, invalidAt("option_groups[0].max")},
		{"option group min above max", func(p *Product) { p.OptionGroups[1].Min = 4 }, invalidAt("option_groups[1].max")},
		{"option value id zero", func(p *Product) { p.OptionGroups[0].Values[1].ID = 0 }, invalidAt("option_groups[0].values[1].id")},
		{"option value id duplicate", func(p *Product) { p.OptionGroups[0].Values[1].ID = 11 }, invalidAt("option_groups[0].values[1].id")},
		{"same value id in two groups", func(p *Product) { p.OptionGroups[1].Values[0].ID = 11 }, nil},
		{"option value price at -bound", func(p *Product) { p.OptionGroups[0].Values[0].Price = -MaxAmount }, nil},
		{"option value price below -bound", func(p *Product) { p.OptionGroups[0].Values[0].Price = -MaxAmount - 1 }, invalidAt("option_groups[0].values[0].price")},
		{"option value price above bound", func(p *Product) { p.OptionGroups[1].Values[0].Price = MaxAmount + 1 }, invalidAt("option_groups[1].values[0].price")},
		{"single with components", func(p *Product) { p.Type = ProductSingle }, invalidAt("combo_components")},
		{"select quantity negative", func(p *Product) { p.ComboComponents[1].SelectQuantity = -1 }, invalidAt("combo_components[1].select_quantity")},
		{"combo item product zero", func(p *Product) { p.ComboComponents[1].Items[1].ProductID = 0 }, invalidAt("combo_components[1].items[1].product_id")},
		{"combo contains itself", func(p *Product) { p.ComboComponents[0].Items[0].ProductID = 100 }, invalidAt("combo_components[0].items[0].product_id")},
		{"new combo (id 0) is not itself", func(p *Product) { p.ID = 0 }, nil},
		{"combo item price above bound", func(p *Product) { p.ComboComponents[1].Items[1].Price = MaxAmount + 1 }, invalidAt("combo_components[1].items[1].price")},
		{"combo item price negative is fine", func(p *Product) { p.ComboComponents[1].Items[1].Price = -300 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.modify(&p)
			checkErr(t, p.Validate(), tt.want)
		})
	}
}

func TestProductValidateNormalises(t *testing.T) {
	p := Product{
		BrandID: 1, RefID: " P001 ", SKU: " SKU-1 ",
		Name:        I18n{"zh_hk": "漢堡", "EN": " Burger ", "vi": " "},
		Description: I18n{"ko_kr": "맛있는"},
	}
	checkErr(t, p.Validate(), nil)
	if p.Type != ProductSingle {
		t.Errorf("Type = %d, want %d (single by default)", p.Type, ProductSingle)
	}
	if p.RefID != "P001" || p.SKU != "SKU-1" {
		t.Errorf("RefID %q SKU %q not trimmed", p.RefID, p.SKU)
	}
	if want := (I18n{"zh-HK": "漢堡", "en": "Burger"}); !equalI18n(p.Name, want) {
		t.Errorf("Name = %v, want %v", p.Name, want)
	}
	if want := (I18n{"ko-KR": "맛있는"}); !equalI18n(p.Description, want) {
		t.Errorf("Description = %v, want %v", p.Description, want)
	}
}

func TestProductSoldAt(t *testing.T) {
	tests := []struct {
		name      string
		locations []int64
		at        int64
		want      bool
	}{
		{"nil means every location", nil, 7, true},
		{"empty means none", []int64{}, 7, false},
		{"listed", []int64{3, 7}, 7, true},
		{"not listed", []int64{3, 7}, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Product{LocationIDs: tt.locations}
			if got := p.SoldAt(tt.at); got != tt.want {
				t.Errorf("SoldAt(%d) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestTimeslotValidate(t *testing.T) {
	valid := func() Timeslot {
		return Timeslot{ID: 1, BrandID: 1, Name: "Lunch", Start: "11:00", End: "14:00", Weekdays: []int{1, 2, 3, 4, 5}}
	}
	tests := []struct {
		name   string
		modify func(*Timeslot)
		want   *wantErr
	}{
		{"valid", func(*Timeslot) {}, nil},
		{"spans midnight", func(s *Timeslot) { s.Start, s.End = "22:00", "02:00" }, nil},
		{"until midnight", func(s *Timeslot) { s.Start, s.End = "18:00", "00:00" }, nil},
		{"brand missing", func(s *Timeslot) { s.BrandID = 0 }, invalidAt("brand_id")},
		{"id missing", func(s *Timeslot) { s.ID = 0 }, invalidAt("id")},
		{"start empty", func(s *Timeslot) { s.Start = "" }, invalidAt("start")},
		{"start 24:00", func(s *Timeslot) { s.Start = "24:00" }, invalidAt("start")},
		{"start with seconds", func(s *Timeslot) { s.Start = "11:00:00" }, invalidAt("start")},
		{"end garbage", func(s *Timeslot) { s.End = "2pm" }, invalidAt("end")},
		{"end minutes 60", func(s *Timeslot) { s.End = "13:60" }, invalidAt("end")},
		{"weekday 7", func(s *Timeslot) { s.Weekdays = []int{7} }, invalidAt("weekdays")},
		{"weekday negative", func(s *Timeslot) { s.Weekdays = []int{0, -1} }, invalidAt("weekdays")},
		{"every day", func(s *Timeslot) { s.Weekdays = nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.modify(&s)
			checkErr(t, s.Validate(), tt.want)
		})
	}
}

// A one-digit hour passes time.Parse("15:04") but would compare wrongly as a
// string ("9:00" > "17:00"); Validate stores the zero-padded form.
func TestTimeslotValidatePadsHours(t *testing.T) {
	s := Timeslot{ID: 1, BrandID: 1, Start: "9:00", End: "17:30"}
	checkErr(t, s.Validate(), nil)
	if s.Start != "09:00" || s.End != "17:30" {
		t.Fatalf("Start %q End %q, want 09:00 and 17:30", s.Start, s.End)
	}
	for _, tt := range []struct {
		clock string
		want  bool
	}{{"08:59", false}, {"09:00", true}, {"10:30", true}, {"17:29", true}, {"17:30", false}} {
		hm, _ := time.Parse("15:04", tt.clock)
		if got := s.Contains(hm); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.clock, got, tt.want)
		}
	}
}

// 2026-01-16 is a Friday.
func local(day int, clock string) time.Time {
	hm, err := time.Parse("15:04", clock)
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 1, day, hm.Hour(), hm.Minute(), 0, 0, time.UTC)
}

func TestTimeslotContains(t *testing.T) {
	lunch := Timeslot{Start: "11:00", End: "14:00"}
	weekdayLunch := Timeslot{Start: "11:00", End: "14:00", Weekdays: []int{1, 2, 3, 4, 5}}
	late := Timeslot{Start: "22:00", End: "02:00"}
	fridayNight := Timeslot{Start: "22:00", End: "02:00", Weekdays: []int{5}}
	untilMidnight := Timeslot{Start: "18:00", End: "00:00"}
	tests := []struct {
		name string
		slot Timeslot
		at   time.Time
		want bool
	}{
		{"lunch before", lunch, local(16, "10:59"), false},
		{"lunch start is inclusive", lunch, local(16, "11:00"), true},
		{"lunch inside", lunch, local(16, "12:30"), true},
		{"lunch last minute", lunch, local(16, "13:59"), true},
		{"lunch end is exclusive", lunch, local(16, "14:00"), false},
		{"weekday lunch on Friday", weekdayLunch, local(16, "12:00"), true},
		{"weekday lunch on Saturday", weekdayLunch, local(17, "12:00"), false},
		{"weekday lunch on Sunday", weekdayLunch, local(18, "12:00"), false},
		{"weekday lunch on Monday", weekdayLunch, local(19, "12:00"), true},
		{"late before", late, local(16, "21:59"), false},
		{"late start", late, local(16, "22:00"), true},
		{"late before midnight", late, local(16, "23:59"), true},
		{"late at midnight", late, local(17, "00:00"), true},
		{"late after midnight", late, local(17, "01:59"), true},
		{"late end is exclusive", late, local(17, "02:00"), false},
		{"late midday", late, local(17, "12:00"), false},
		{"Friday night on Friday evening", fridayNight, local(16, "23:00"), true},
		{"Friday night spills into Saturday", fridayNight, local(17, "01:00"), true},
		{"Friday night not on Saturday evening", fridayNight, local(17, "23:00"), false},
		{"Friday night not on Friday small hours", fridayNight, local(16, "01:00"), false},
		{"Friday night Saturday after end", fridayNight, local(17, "02:00"), false},
		{"until midnight at 23:59", untilMidnight, local(16, "23:59"), true},
		{"until midnight at 00:00", untilMidnight, local(17, "00:00"), false},
		{"until midnight at 17:59", untilMidnight, local(16, "17:59"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.slot.Contains(tt.at); got != tt.want {
				t.Errorf("Contains(%s %s) = %v, want %v", tt.at.Weekday(), tt.at.Format("15:04"), got, tt.want)
			}
		})
	}
}

func TestOptionGroupLookup(t *testing.T) {
	p := Product{OptionGroups: []OptionGroup{{ID: 1, Values: []OptionValue{{ID: 11}, {ID: 12, Price: 7}}}, {ID: 2}}}
	if g := p.OptionGroup(2); g == nil || g.ID != 2 {
		t.Fatalf("OptionGroup(2) = %v", g)
	}
	if g := p.OptionGroup(3); g != nil {
		t.Fatalf("OptionGroup(3) = %v, want nil", g)
	}
	g := p.OptionGroup(1)
	if v := g.Value(12); v == nil || v.Price != 7 {
		t.Fatalf("Value(12) = %v", v)
	}
	if v := g.Value(13); v != nil {
		t.Fatalf("Value(13) = %v, want nil", v)
	}
	// The pointers are into the product, not copies.
	g.Value(12).Price = 8
	if p.OptionGroups[0].Values[1].Price != 8 {
		t.Errorf("Value returned a copy")
	}
}
