package hub

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Brand is the seeds' "store" (Zeek store_id, Omni storeName): the owner of a
// catalog and of locations. All money of a brand is in its currency.
type Brand struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	// TaxRateBP is the tax (VAT) rate in basis points (1000 = 10%).
	TaxRateBP int64 `json:"tax_rate_bp"`
	// TaxIncluded says catalog prices already include tax (Korea, Vietnam).
	TaxIncluded bool `json:"tax_included"`
	// ServiceChargeBP is a service charge in basis points on the subtotal.
	ServiceChargeBP int64     `json:"service_charge_bp"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Validate checks a brand before it is stored.
func (b *Brand) Validate() error {
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		return Invalid("name", "is required")
	}
	if err := checkText("name", b.Name, MaxShortText); err != nil {
		return err
	}
	b.Currency = strings.ToUpper(strings.TrimSpace(b.Currency))
	if !ValidCurrency(b.Currency) {
		return Invalid("currency", "must be an ISO 4217 code such as KRW")
	}
	if b.TaxRateBP < 0 || b.TaxRateBP > 10000 {
		return Invalid("tax_rate_bp", "must be between 0 and 10000")
	}
	if b.ServiceChargeBP < 0 || b.ServiceChargeBP > 10000 {
		return Invalid("service_charge_bp", "must be between 0 and 10000")
	}
	return nil
}

// Location is a branch or restaurant of a brand (Kakao storeId, Zeek
// location_id). Times of day (timeslots, special-price dates) are read in its
// time zone.
type Location struct {
	ID       int64  `json:"id"`
	BrandID  int64  `json:"brand_id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	// RefID is the id of this location in a client's system (Zeek
	// ref_location_id).
	RefID   string `json:"ref_id,omitempty"`
	Address string `json:"address,omitempty"`
	Phone   string `json:"phone,omitempty"`
	// The store controls (operations.go): preparation time (0: the
	// default 15 minutes), status, acceptance, snoozed products by id.
	PrepMinutes int              `json:"prep_minutes,omitempty"`
	Status      LocationStatus   `json:"status"`
	Accept      AcceptPolicy     `json:"accept"`
	Snoozes     map[int64]Snooze `json:"snoozes,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// Validate checks a location before it is stored.
func (l *Location) Validate() error {
	l.Code = strings.TrimSpace(l.Code)
	l.Name = strings.TrimSpace(l.Name)
	if l.BrandID <= 0 {
		return Invalid("brand_id", "is required")
	}
	if l.Code == "" {
		return Invalid("code", "is required")
	}
	if l.Name == "" {
		return Invalid("name", "is required")
	}
	if err := checkText("code", l.Code, MaxShortText); err != nil {
		return err
	}
	if err := checkText("name", l.Name, MaxShortText); err != nil {
		return err
	}
	if l.Timezone == "" {
		return Invalid("timezone", "is required (an IANA zone such as Asia/Seoul)")
	}
	if _, err := time.LoadLocation(l.Timezone); err != nil {
		return Invalid("timezone", "unknown time zone %q", l.Timezone)
	}
	if l.PrepMinutes != 0 {
		if err := ValidatePrep(l.PrepMinutes); err != nil {
			return err
		}
	}
	if l.Accept != (AcceptPolicy{}) {
		if l.Accept.Mode == "" {
			l.Accept.Mode = AcceptManual // the default: a deadline alone keeps it
		}
		if err := ValidateAccept(&l.Accept); err != nil {
			return AsError(err).WithField("accept." + AsError(err).Field)
		}
	}
	return nil
}

// Zone returns the location's time zone (UTC if it cannot be loaded, which
// Validate prevents).
func (l *Location) Zone() *time.Location {
	if z, ok := zones.Load(l.Timezone); ok {
		return z.(*time.Location)
	}
	z, err := time.LoadLocation(l.Timezone)
	if err != nil {
		return time.UTC // validated when the location is saved
	}
	zones.Store(l.Timezone, z)
	return z
}

// zones keeps the time zones loaded so far by name: time.LoadLocation
// reads and parses the zone file on every call.
var zones sync.Map

// MaxStock bounds a stock quantity (a billion units: far above any shelf,
// far below what adding an order's quantities back could overflow).
const MaxStock = 1_000_000_000

// I18n holds a text per language tag ("en", "vi", "ko", "zh-HK").
type I18n map[string]string

// NormalizeLang maps the seeds' spellings onto one tag: zh_hk and zh-hk are
// zh-HK.
func NormalizeLang(tag string) string {
	t := strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	lang, region, ok := strings.Cut(t, "-")
	if !ok {
		return strings.ToLower(lang)
	}
	return strings.ToLower(lang) + "-" + strings.ToUpper(region)
}

// Normalize returns a copy with normalised language tags and no empty texts.
func (t I18n) Normalize() I18n {
	if t == nil {
		return nil
	}
	out := make(I18n, len(t))
	for k, v := range t {
		if v = strings.TrimSpace(v); v != "" {
			out[NormalizeLang(k)] = v
		}
	}
	return out
}

// Get returns the text in lang, falling back to en, ko, then any.
func (t I18n) Get(lang string) string {
	if v, ok := t[NormalizeLang(lang)]; ok {
		return v
	}
	for _, l := range []string{"en", "ko", "vi", "zh-HK"} {
		if v, ok := t[l]; ok {
			return v
		}
	}
	best := ""
	for k := range t {
		if best == "" || k < best {
			best = k
		}
	}
	return t[best]
}

// ProductType is à la carte (single) or combo, with the platform seed's codes.
type ProductType int

const (
	ProductSingle ProductType = 1
	ProductCombo  ProductType = 2
)

// DatedPrice is a special or bulk price with an optional date window
// (inclusive, YYYY-MM-DD, in the location's zone).
type DatedPrice struct {
	Price int64 `json:"price"`
	// PurchaseCount is the minimum quantity for a bulk price (0 for
	// special prices).
	PurchaseCount int    `json:"purchase_count,omitempty"`
	SortOrder     int    `json:"sort_order"`
	StartDate     string `json:"start_date,omitempty"`
	EndDate       string `json:"end_date,omitempty"`
}

// ActiveOn reports whether the window contains the local date day
// ("2020-03-05").
func (d DatedPrice) ActiveOn(day string) bool {
	return (d.StartDate == "" || d.StartDate <= day) && (d.EndDate == "" || day <= d.EndDate)
}

// Launch says whether a product is on sale and in which window.
type Launch struct {
	Launched bool       `json:"launched"`
	Start    *time.Time `json:"start,omitempty"`
	End      *time.Time `json:"end,omitempty"`
}

// OptionGroup is a product option ("Sweetness level"). Options never count
// stock.
type OptionGroup struct {
	ID       int64         `json:"id"`
	Name     I18n          `json:"name,omitempty"`
	Required bool          `json:"required"`
	Min      int           `json:"min,omitempty"` // minimum values chosen (Required implies at least 1)
	Max      int           `json:"max,omitempty"` // maximum values chosen; 0 = no limit
	Values   []OptionValue `json:"values"`
}

// OptionValue is one choice of an option group. Price is a signed adjustment
// in minor units: positive adds (the seed's price_adjustment 1), negative
// deducts (2).
type OptionValue struct {
	ID    int64 `json:"id"`
	Name  I18n  `json:"name,omitempty"`
	Price int64 `json:"price"`
}

// ComboComponent is a slot of a combo ("Drinks") from which SelectQuantity
// items are chosen.
type ComboComponent struct {
	ID             int64       `json:"id"`
	Name           I18n        `json:"name,omitempty"`
	SelectQuantity int         `json:"select_quantity"`
	Required       bool        `json:"required"`
	SortOrder      int         `json:"sort_order"`
	Items          []ComboItem `json:"items"`
}

// ComboItem is a product that may fill a combo slot; Price is a signed
// adjustment of the combo price.
type ComboItem struct {
	ProductID int64 `json:"product_id"`
	Price     int64 `json:"price"`
	SortOrder int   `json:"sort_order"`
}

// Product is one catalog entry of a brand.
type Product struct {
	ID      int64 `json:"id"`
	BrandID int64 `json:"brand_id"`
	// RefID is the id in the partner's system (ref_product_id, a PLU such as
	// "P001", a Junglebook goodsNo).
	RefID       string      `json:"ref_id,omitempty"`
	SKU         string      `json:"sku,omitempty"`
	Model       string      `json:"model,omitempty"`
	Name        I18n        `json:"name"`
	Description I18n        `json:"description,omitempty"`
	Type        ProductType `json:"type"`
	// Price is the base unit price in minor units of the brand currency.
	Price         int64        `json:"price"`
	SpecialPrices []DatedPrice `json:"special_prices,omitempty"`
	BulkPrices    []DatedPrice `json:"bulk_prices,omitempty"`
	SortOrder     int          `json:"sort_order"`
	MinQuantity   int          `json:"min_quantity,omitempty"` // per line; 0 = 1
	MaxQuantity   int          `json:"max_quantity,omitempty"` // per line; 0 = no limit
	BundleSize    int          `json:"bundle_size,omitempty"`  // quantity must be a multiple; 0/1 = any
	Alcohol       bool         `json:"alcohol"`
	DeductStock   bool         `json:"deduct_stock"`
	// IndividualSale false means the product is only sold inside combos.
	IndividualSale bool `json:"individual_sale"`
	Displayed      bool `json:"displayed"`
	SoldOut        bool `json:"sold_out,omitempty"` // sold out whatever the stock count (Junglebook runout); refused unless stock checks are skipped
	// SupplierRestricted products cannot be ordered by request of their
	// supplier (Junglebook 208).
	SupplierRestricted bool     `json:"supplier_restricted,omitempty"`
	Launch             Launch   `json:"launch"`
	TimeslotIDs        []int64  `json:"timeslot_ids,omitempty"`
	PaymentMethods     []string `json:"payment_methods,omitempty"`
	CategoryIDs        []int64  `json:"category_ids,omitempty"`
	DepartmentIDs      []int64  `json:"department_ids,omitempty"`
	// LocationIDs lists where the product is sold; nil means every location
	// of the brand, an empty list means none.
	LocationIDs     []int64          `json:"location_ids"`
	OptionGroups    []OptionGroup    `json:"option_groups,omitempty"`
	ComboComponents []ComboComponent `json:"combo_components,omitempty"`
	// Attributes keeps partner-specific descriptive fields (origin, maker,
	// image, meta, spec) that no rule reads.
	Attributes map[string]any `json:"attributes,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// Validate checks a product's own consistency before it is stored.
func (p *Product) Validate() error {
	p.Name = p.Name.Normalize()
	p.Description = p.Description.Normalize()
	p.RefID = strings.TrimSpace(p.RefID)
	p.SKU = strings.TrimSpace(p.SKU)
	if p.BrandID <= 0 {
		return Invalid("brand_id", "is required")
	}
	if len(p.Name) == 0 {
		return Invalid("name", "is required (at least one language)")
	}
	for _, t := range []struct{ field, v string }{{"ref_id", p.RefID}, {"sku", p.SKU}, {"model", p.Model}} {
		if err := checkText(t.field, t.v, MaxShortText); err != nil {
			return err
		}
	}
	if err := checkI18n("name", p.Name, MaxShortText); err != nil {
		return err
	}
	if err := checkI18n("description", p.Description, MaxNoteLength); err != nil {
		return err
	}
	if p.Type == 0 {
		p.Type = ProductSingle
	}
	if p.Type != ProductSingle && p.Type != ProductCombo {
		return Invalid("type", "must be 1 (single) or 2 (combo)")
	}
	if p.Price < 0 || p.Price > MaxAmount {
		return Invalid("price", "must be between 0 and %d", MaxAmount)
	}
	if p.MinQuantity < 0 {
		return Invalid("min_quantity", "must not be negative")
	}
	if p.MaxQuantity < 0 {
		return Invalid("max_quantity", "must not be negative")
	}
	if p.MaxQuantity > 0 && p.MinQuantity > p.MaxQuantity {
		return Invalid("max_quantity", "must not be below min_quantity")
	}
	if p.BundleSize < 0 {
		return Invalid("bundle_size", "must not be negative")
	}
	for i, sp := range p.SpecialPrices {
		if err := validateDated(sp, "special_prices", i); err != nil {
			return err
		}
	}
	for i, bp := range p.BulkPrices {
		if err := validateDated(bp, "bulk_prices", i); err != nil {
			return err
		}
		if bp.PurchaseCount < 1 {
			return Invalid(fieldIndex("bulk_prices", i)+".purchase_count", "must be at least 1")
		}
	}
	if p.Launch.Start != nil && p.Launch.End != nil && p.Launch.End.Before(*p.Launch.Start) {
		return Invalid("launch.end", "must not be before launch.start")
	}
	if len(p.OptionGroups) > MaxOptionGroups {
		return Invalid("option_groups", "at most %d option groups", MaxOptionGroups)
	}
	if len(p.ComboComponents) > MaxComboComponents {
		return Invalid("combo_components", "at most %d components", MaxComboComponents)
	}
	seenGroups := map[int64]bool{}
	for i, g := range p.OptionGroups {
		f := fieldIndex("option_groups", i)
		if err := checkPart(f, g.Name, len(g.Values), "values", MaxOptionValues); err != nil {
			return err
		}
		if g.ID <= 0 {
			return Invalid(f+".id", "must be a positive integer")
		}
		if seenGroups[g.ID] {
			return Invalid(f+".id", "duplicate option group %d", g.ID)
		}
		seenGroups[g.ID] = true
		if g.Min < 0 || g.Max < 0 || (g.Max > 0 && g.Min > g.Max) {
			return Invalid(f+".max", "limits must satisfy 0 <= min <= max")
		}
		seenValues := map[int64]bool{}
		for j, v := range g.Values {
			if v.ID <= 0 {
				return Invalid(fieldIndex(f+".values", j)+".id", "must be a positive integer")
			}
			if err := checkI18n(fieldIndex(f+".values", j)+".name", v.Name, MaxShortText); err != nil {
				return err
			}
			if err := checkAdjustment(fieldIndex(f+".values", j)+".price", v.Price); err != nil {
				return err
			}
			if seenValues[v.ID] {
				return Invalid(fieldIndex(f+".values", j)+".id", "duplicate value %d", v.ID)
			}
			seenValues[v.ID] = true
		}
	}
	if p.Type == ProductSingle && len(p.ComboComponents) > 0 {
		return Invalid("combo_components", "only combos (type 2) have components")
	}
	for i, c := range p.ComboComponents {
		f := fieldIndex("combo_components", i)
		if err := checkPart(f, c.Name, len(c.Items), "items", MaxComboItems); err != nil {
			return err
		}
		if c.SelectQuantity < 0 {
			return Invalid(f+".select_quantity", "must not be negative")
		}
		for j, it := range c.Items {
			if it.ProductID <= 0 {
				return Invalid(fieldIndex(f+".items", j)+".product_id", "must be a positive integer")
			}
			if it.ProductID == p.ID && p.ID != 0 {
				return Invalid(fieldIndex(f+".items", j)+".product_id", "a combo cannot contain itself")
			}
			if err := checkAdjustment(fieldIndex(f+".items", j)+".price", it.Price); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkPart checks what an option group and a combo component (at f)
// share: a name, and at most max members, listed in the field members.
func checkPart(f string, name I18n, n int, members string, max int) error {
	if err := checkI18n(f+".name", name, MaxShortText); err != nil {
		return err
	}
	if n > max {
		return Invalid(f+"."+members, "at most %d %s", max, members)
	}
	return nil
}

// checkAdjustment checks a price adjustment (an option value's, a combo
// item's): negative or positive, at most MaxAmount either way.
func checkAdjustment(field string, price int64) error {
	if price < -MaxAmount || price > MaxAmount {
		return Invalid(field, "must be between %d and %d", -MaxAmount, MaxAmount)
	}
	return nil
}

func validateDated(d DatedPrice, field string, i int) error {
	f := fieldIndex(field, i)
	if d.Price < 0 || d.Price > MaxAmount {
		return Invalid(f+".price", "must be between 0 and %d", MaxAmount)
	}
	// A slice, not a map: with both dates bad the error must always name
	// start_date (map iteration order is random).
	for _, date := range []struct{ name, v string }{{"start_date", d.StartDate}, {"end_date", d.EndDate}} {
		if date.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, date.v); err != nil {
			return Invalid(f+"."+date.name, "must be a date YYYY-MM-DD")
		}
	}
	if d.StartDate != "" && d.EndDate != "" && d.EndDate < d.StartDate {
		return Invalid(f+".end_date", "must not be before start_date")
	}
	return nil
}

func fieldIndex(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// SoldAt reports whether the product is sold at a location.
func (p *Product) SoldAt(locationID int64) bool {
	if p.LocationIDs == nil {
		return true
	}
	for _, id := range p.LocationIDs {
		if id == locationID {
			return true
		}
	}
	return false
}

// OptionGroup finds a group by id.
func (p *Product) OptionGroup(id int64) *OptionGroup {
	return byID(p.OptionGroups, id, func(g *OptionGroup) int64 { return g.ID })
}

// Value finds a value by id.
func (g *OptionGroup) Value(id int64) *OptionValue {
	return byID(g.Values, id, func(v *OptionValue) int64 { return v.ID })
}

// byID is the element of xs whose id is id (the first), or nil.
func byID[T any](xs []T, id int64, idOf func(*T) int64) *T {
	for i := range xs {
		if idOf(&xs[i]) == id {
			return &xs[i]
		}
	}
	return nil
}

// Timeslot is a recurring window in a location's local time during which
// products that name it may be ordered. Weekdays uses time.Weekday numbers
// (0 = Sunday); empty means every day. End before Start spans midnight.
type Timeslot struct {
	ID       int64  `json:"id"`
	BrandID  int64  `json:"brand_id"`
	Name     string `json:"name"`
	Weekdays []int  `json:"weekdays,omitempty"`
	Start    string `json:"start"` // "HH:MM"
	End      string `json:"end"`   // "HH:MM", exclusive
}

// Validate checks a timeslot.
func (t *Timeslot) Validate() error {
	if t.BrandID <= 0 {
		return Invalid("brand_id", "is required")
	}
	if t.ID <= 0 {
		return Invalid("id", "must be a positive integer")
	}
	// time.Parse accepts "9:00" for "15:04"; store the zero-padded form,
	// since Contains compares clock strings ("9:00" > "17:00").
	start, err := time.Parse("15:04", t.Start)
	if err != nil {
		return Invalid("start", "must be HH:MM")
	}
	end, err := time.Parse("15:04", t.End)
	if err != nil {
		return Invalid("end", "must be HH:MM")
	}
	t.Start, t.End = start.Format("15:04"), end.Format("15:04")
	for _, d := range t.Weekdays {
		if d < 0 || d > 6 {
			return Invalid("weekdays", "must be 0 (Sunday) to 6 (Saturday)")
		}
	}
	return nil
}

// Contains reports whether the local instant falls into the slot.
func (t *Timeslot) Contains(local time.Time) bool {
	clock := local.Format("15:04")
	day := int(local.Weekday())
	inDay := func(d int) bool {
		if len(t.Weekdays) == 0 {
			return true
		}
		for _, w := range t.Weekdays {
			if w == d {
				return true
			}
		}
		return false
	}
	if t.Start <= t.End {
		return inDay(day) && t.Start <= clock && clock < t.End
	}
	// Spans midnight: the evening part belongs to today, the morning part
	// to the slot that started yesterday.
	if clock >= t.Start {
		return inDay(day)
	}
	if clock < t.End {
		return inDay((day + 6) % 7)
	}
	return false
}
