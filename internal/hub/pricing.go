package hub

import (
	"strconv"
	"time"
)

// MaxLineQuantity bounds one line so that totals can never overflow int64.
const MaxLineQuantity = 9999

// MaxLines bounds the lines of one order.
const MaxLines = 200

// MaxAmount bounds every price and total (in minor units) so that tax and
// service-charge arithmetic (amount × basis points) cannot overflow int64.
const MaxAmount int64 = 100_000_000_000_000

// MaxFee bounds a fee a partner's settings add to every order (Junglebook's
// delivery_fee): half of MaxAmount, so that the fee alone never takes an
// order's total past what a payment holds (a balance payment is at most
// MaxAmount), and the goods have the other half. A setting above it would
// fail every order later, at order time; it is refused when saved.
const MaxFee = MaxAmount / 2

// UnitPrice is the product's own unit price for a quantity on a local date
// ("2026-11-23"): the lowest of the base price, the special prices active
// that day and the bulk prices whose purchase count the quantity reaches.
// Taking the lowest means no configuration can make buying more, or buying
// during a promotion, cost more.
func (p *Product) UnitPrice(qty int, day string) int64 {
	price := p.Price
	for _, sp := range p.SpecialPrices {
		if sp.ActiveOn(day) && sp.Price < price {
			price = sp.Price
		}
	}
	for _, bp := range p.BulkPrices {
		if bp.ActiveOn(day) && qty >= bp.PurchaseCount && bp.Price < price {
			price = bp.Price
		}
	}
	return price
}

// CheckAvailable reports whether the product may be ordered at a location at
// an instant: on sale there (CheckOnSale) and not snoozed by the location.
func CheckAvailable(p *Product, loc *Location, at time.Time, slots map[int64]Timeslot) error {
	if err := CheckOnSale(p, loc, at, slots); err != nil {
		return err
	}
	return CheckSnoozed(p, loc, at)
}

// CheckSnoozed refuses a product the location has snoozed at the instant:
// not available, as the doors say it, with details snoozed (so that a door
// whose contract calls it sold out, the shop's 206, says so) and
// available_at when the snooze has an end.
func CheckSnoozed(p *Product, loc *Location, at time.Time) error {
	sn, ok := loc.SnoozeAt(p.ID, at)
	if !ok {
		return nil
	}
	name := p.Name.Get("en")
	if sn.Until == nil {
		return Conflict(ReasonNotAvailable, "%s is off the menu at %s", name, loc.Name).WithDetail("snoozed", true)
	}
	return Conflict(ReasonNotAvailable, "%s is off the menu at %s until %s", name, loc.Name,
		loc.clockUntil(*sn.Until, at)).WithDetail("snoozed", true).WithDetail("available_at", sn.Until)
}

// CheckOnSale reports whether the product is on sale at a location at an
// instant: launched and inside its launch window, displayed, sold at the
// location, and inside one of its timeslots. Timeslot ids the brand has not
// defined are ignored (a partner may send ids orderhub does not know); a
// product whose known timeslots all exclude the instant is unavailable.
// A menu lists what is on sale, a snoozed product shown as sold out.
func CheckOnSale(p *Product, loc *Location, at time.Time, slots map[int64]Timeslot) error {
	name := p.Name.Get("en")
	if !p.Launch.Launched {
		return Conflict(ReasonNotAvailable, "%s is not launched", name)
	}
	if p.Launch.Start != nil && at.Before(*p.Launch.Start) {
		return Conflict(ReasonNotAvailable, "%s is not on sale yet", name)
	}
	if p.Launch.End != nil && !at.Before(*p.Launch.End) {
		return Conflict(ReasonNotAvailable, "%s is no longer on sale", name)
	}
	if !p.Displayed {
		return Conflict(ReasonNotAvailable, "%s is not on sale", name)
	}
	if !p.SoldAt(loc.ID) {
		return Conflict(ReasonNotAvailable, "%s is not sold at %s", name, loc.Name)
	}
	local := at.In(loc.Zone())
	known, inside := 0, false
	for _, id := range p.TimeslotIDs {
		ts, ok := slots[id]
		if !ok {
			continue
		}
		known++
		if ts.Contains(local) {
			inside = true
			break
		}
	}
	if known > 0 && !inside {
		return Conflict(ReasonNotAvailable, "%s is not available at this time", name)
	}
	return nil
}

// OptionChoice selects a value of an option group, by the product's ids.
type OptionChoice struct {
	GroupID  int64
	ValueID  int64
	Quantity int // 0 means 1
	Removed  bool
	// DisplayOnly keeps a choice the channel sent with quantity 0 (the QR
	// seed's 胡椒): shown in the tree, never priced, counted or stocked.
	DisplayOnly bool
	Tag         ModifierTag
	Field       string // where the choice came from, for errors
}

// ComboChoice fills a combo slot with a product.
type ComboChoice struct {
	// ComponentID names the slot; 0 means the slot that offers Product.
	ComponentID int64
	Product     *Product
	Quantity    int // 0 means 1
	Options     []OptionChoice
	Removed     bool
	DisplayOnly bool // as OptionChoice.DisplayOnly
	Tag         ModifierTag
	Field       string
}

// LineRequest is one line to price, with its product already resolved.
type LineRequest struct {
	Product  *Product
	Quantity int
	Options  []OptionChoice
	Combo    []ComboChoice
	// ComboProducts holds the products a combo's slots offer, by id, so
	// that a required slot with a single item can be filled when the
	// channel did not choose for it.
	ComboProducts       map[int64]*Product
	SpecialInstructions string
	// ClientUnitPrice is the unit price the channel claims, if it sent one.
	ClientUnitPrice *int64
	Field           string // e.g. "lines[0]"
}

// StockNeed is how many units of a product a line takes from stock.
type StockNeed struct {
	ProductID int64  `json:"product_id"`
	Quantity  int    `json:"quantity"`
	Field     string `json:"-"`
}

// CheckQuantity applies a product's per-line quantity rules: a positive
// quantity, the bundle size, the minimum and the maximum, in that order (the
// order of the partner shop's error table: 203, 204, 205).
func CheckQuantity(p *Product, qty int, field string) error {
	if qty < 1 {
		return Invalid(field, "must be a positive integer")
	}
	if qty > MaxLineQuantity {
		return Invalid(field, "must not exceed %d", MaxLineQuantity).WithReason(ReasonAboveMaximum)
	}
	if p.BundleSize > 1 && qty%p.BundleSize != 0 {
		return Invalid(field, "must be a multiple of %d", p.BundleSize).WithReason(ReasonBundleSize)
	}
	if p.MinQuantity > 0 && qty < p.MinQuantity {
		return Invalid(field, "must be at least %d", p.MinQuantity).WithReason(ReasonBelowMinimum)
	}
	if p.MaxQuantity > 0 && qty > p.MaxQuantity {
		return Invalid(field, "must be at most %d", p.MaxQuantity).WithReason(ReasonAboveMaximum)
	}
	return nil
}

// BuildLine validates one line against the catalog and prices it. day is the
// location's local date. It returns the priced line and the stock it needs:
// a single product takes its own stock (when it deducts stock); a combo takes
// the stock of the items chosen for it, never its own; options never count.
func BuildLine(req LineRequest, day string) (OrderLine, []StockNeed, error) {
	p := req.Product
	f := req.Field
	if err := CheckQuantity(p, req.Quantity, f+".quantity"); err != nil {
		return OrderLine{}, nil, err
	}
	opts, optAdj, err := buildOptions(p, req.Options, f+".options")
	if err != nil {
		return OrderLine{}, nil, err
	}
	var needs []StockNeed
	var combo []Modifier
	var comboAdj int64
	if p.Type == ProductCombo {
		combo, comboAdj, needs, err = buildCombo(p, withComboDefaults(p, req.Combo, req.ComboProducts), req.Quantity, f+".combo")
		if err != nil {
			return OrderLine{}, nil, err
		}
	} else {
		if len(req.Combo) > 0 {
			return OrderLine{}, nil, Invalid(f+".combo", "%s is not a combo", p.Name.Get("en")).WithReason(ReasonInvalidOption)
		}
		if p.DeductStock {
			needs = append(needs, StockNeed{ProductID: p.ID, Quantity: req.Quantity, Field: f})
		}
	}
	base := p.UnitPrice(req.Quantity, day)
	unit, ok := AddAmounts(base, optAdj)
	if ok {
		unit, ok = AddAmounts(unit, comboAdj)
	}
	if !ok {
		return OrderLine{}, nil, Invalid(f+".quantity", "line total is out of range")
	}
	if unit < 0 {
		unit = 0
	}
	total, ok := MulQty(unit, req.Quantity)
	if !ok || total > MaxAmount {
		return OrderLine{}, nil, Invalid(f+".quantity", "line total is out of range")
	}
	line := OrderLine{
		ProductID:           p.ID,
		ProductRefID:        p.RefID,
		SKU:                 p.SKU,
		Name:                p.Name.Get("en"),
		Names:               p.Name,
		Type:                p.Type,
		Alcohol:             p.Alcohol,
		Quantity:            req.Quantity,
		UnitPrice:           unit,
		BasePrice:           base,
		TotalPrice:          total,
		SpecialInstructions: req.SpecialInstructions,
		Modifiers:           append(combo, opts...),
	}
	return line, needs, nil
}

// buildOptions validates option choices against the product's groups and
// returns the modifier nodes and the unit price adjustment.
func buildOptions(p *Product, choices []OptionChoice, field string) ([]Modifier, int64, error) {
	var mods []Modifier
	var adj int64
	count := map[int64]int{}
	for i, c := range choices {
		cf := c.Field
		if cf == "" {
			cf = field + "[" + strconv.Itoa(i) + "]"
		}
		g := p.OptionGroup(c.GroupID)
		if g == nil {
			return nil, 0, Invalid(cf, "%s has no option group %d", p.Name.Get("en"), c.GroupID).WithReason(ReasonInvalidOption)
		}
		v := g.Value(c.ValueID)
		if v == nil {
			return nil, 0, Invalid(cf, "option group %d has no value %d", c.GroupID, c.ValueID).WithReason(ReasonInvalidOption)
		}
		qty := c.Quantity
		if qty < 0 || qty > MaxLineQuantity {
			return nil, 0, Invalid(cf+".quantity", "must be between 0 and %d", MaxLineQuantity).WithReason(ReasonInvalidOption)
		}
		if qty == 0 && !c.DisplayOnly {
			qty = 1
		}
		m := Modifier{
			Kind: ModifierOption, GroupID: strconv.FormatInt(g.ID, 10), GroupName: g.Name.Get("en"),
			ItemID: strconv.FormatInt(v.ID, 10), Name: v.Name.Get("en"), Quantity: qty, Removed: c.Removed,
		}
		c.Tag.applyTo(&m)
		if !c.Removed && !c.DisplayOnly {
			count[g.ID] += qty
			m.UnitPrice = v.Price
			var ok bool
			if m.TotalPrice, ok = MulQty(v.Price, qty); ok {
				adj, ok = AddAmounts(adj, m.TotalPrice)
			}
			if !ok {
				return nil, 0, Invalid(cf, "option price is out of range").WithReason(ReasonInvalidOption)
			}
		}
		mods = append(mods, m)
	}
	for _, g := range p.OptionGroups {
		min := g.Min
		if g.Required && min < 1 {
			min = 1
		}
		if count[g.ID] < min {
			return nil, 0, Invalid(field, "option group %d (%s) needs at least %d choice(s)", g.ID, g.Name.Get("en"), min).WithReason(ReasonInvalidOption)
		}
		if g.Max > 0 && count[g.ID] > g.Max {
			return nil, 0, Invalid(field, "option group %d (%s) allows at most %d choice(s)", g.ID, g.Name.Get("en"), g.Max).WithReason(ReasonInvalidOption)
		}
	}
	return mods, adj, nil
}

// withComboDefaults fills every required slot that offers exactly one item
// and got no choice with that item, so that channels without combo
// selection (or that only send the choices that matter) can order combos.
func withComboDefaults(p *Product, choices []ComboChoice, offered map[int64]*Product) []ComboChoice {
	chosen := map[int64]bool{}
	for _, c := range choices {
		if c.Product == nil {
			continue
		}
		if comp, _ := findComboItem(p, c.ComponentID, c.Product.ID); comp != nil {
			chosen[comp.ID] = true
		}
	}
	out := choices
	for _, comp := range p.ComboComponents {
		if !comp.Required || chosen[comp.ID] || len(comp.Items) != 1 || offered[comp.Items[0].ProductID] == nil {
			continue
		}
		q := comp.SelectQuantity
		if q < 1 {
			q = 1
		}
		out = append(out[:len(out):len(out)], ComboChoice{ComponentID: comp.ID, Product: offered[comp.Items[0].ProductID], Quantity: q})
	}
	return out
}

// buildCombo validates the items chosen for a combo's slots.
func buildCombo(p *Product, choices []ComboChoice, lineQty int, field string) ([]Modifier, int64, []StockNeed, error) {
	var mods []Modifier
	var adj int64
	var needs []StockNeed
	chosen := map[int64]int{}
	for i, c := range choices {
		cf := c.Field
		if cf == "" {
			cf = field + "[" + strconv.Itoa(i) + "]"
		}
		if c.Product == nil {
			return nil, 0, nil, Invalid(cf, "unknown combo item").WithReason(ReasonInvalidOption)
		}
		comp, item := findComboItem(p, c.ComponentID, c.Product.ID)
		if item == nil {
			return nil, 0, nil, Invalid(cf, "%s is not a choice of combo %s", c.Product.Name.Get("en"), p.Name.Get("en")).WithReason(ReasonInvalidOption)
		}
		qty := c.Quantity
		if qty < 0 || qty > MaxLineQuantity {
			return nil, 0, nil, Invalid(cf+".quantity", "must be between 0 and %d", MaxLineQuantity).WithReason(ReasonInvalidOption)
		}
		if qty == 0 && !c.DisplayOnly {
			qty = 1
		}
		opts, optAdj, err := buildOptions(c.Product, c.Options, cf+".options")
		if err != nil {
			return nil, 0, nil, err
		}
		m := Modifier{
			Kind: ModifierCombo, GroupID: strconv.FormatInt(comp.ID, 10), GroupName: comp.Name.Get("en"),
			ItemID: c.Product.RefID, ProductID: c.Product.ID, Name: c.Product.Name.Get("en"),
			Quantity: qty, Removed: c.Removed, Children: opts,
		}
		c.Tag.applyTo(&m)
		if m.ItemID == "" {
			m.ItemID = strconv.FormatInt(c.Product.ID, 10)
		}
		if !c.Removed && !c.DisplayOnly {
			chosen[comp.ID] += qty
			var ok bool
			if m.UnitPrice, ok = AddAmounts(item.Price, optAdj); ok {
				if m.TotalPrice, ok = MulQty(m.UnitPrice, qty); ok {
					adj, ok = AddAmounts(adj, m.TotalPrice)
				}
			}
			if !ok {
				return nil, 0, nil, Invalid(cf, "combo item price is out of range").WithReason(ReasonInvalidOption)
			}
			if c.Product.DeductStock {
				needs = append(needs, StockNeed{ProductID: c.Product.ID, Quantity: qty * lineQty, Field: cf})
			}
		}
		mods = append(mods, m)
	}
	for _, comp := range p.ComboComponents {
		if comp.SelectQuantity > 0 && chosen[comp.ID] > comp.SelectQuantity {
			return nil, 0, nil, Invalid(field, "combo slot %d (%s) allows %d item(s)", comp.ID, comp.Name.Get("en"), comp.SelectQuantity).WithReason(ReasonInvalidOption)
		}
		if comp.Required && chosen[comp.ID] == 0 {
			return nil, 0, nil, Invalid(field, "combo slot %d (%s) needs a choice", comp.ID, comp.Name.Get("en")).WithReason(ReasonInvalidOption)
		}
	}
	return mods, adj, needs, nil
}

func findComboItem(p *Product, componentID, productID int64) (*ComboComponent, *ComboItem) {
	for i := range p.ComboComponents {
		c := &p.ComboComponents[i]
		if componentID != 0 && c.ID != componentID {
			continue
		}
		for j := range c.Items {
			if c.Items[j].ProductID == productID {
				return c, &c.Items[j]
			}
		}
	}
	return nil, nil
}

// ComputeFees totals lines with the brand's tax and service charge, a
// delivery fee and a discount. Tax is rounded half up; with tax-included
// prices the tax is the part of the subtotal it represents.
func ComputeFees(b *Brand, lines []OrderLine, deliveryFee, discount int64) (Fees, error) {
	var f Fees
	for i, l := range lines {
		var ok bool
		if f.Subtotal, ok = AddAmounts(f.Subtotal, l.TotalPrice); !ok || f.Subtotal > MaxAmount {
			return Fees{}, Invalid("lines["+strconv.Itoa(i)+"]", "order total is out of range")
		}
	}
	if deliveryFee < 0 || deliveryFee > MaxAmount {
		return Fees{}, Invalid("delivery_fee", "must be between 0 and %d", MaxAmount)
	}
	if discount < 0 || discount > MaxAmount {
		return Fees{}, Invalid("discount", "must be between 0 and %d", MaxAmount)
	}
	f.TaxIncluded = b.TaxIncluded
	if b.TaxRateBP > 0 {
		if b.TaxIncluded {
			f.Tax = divRound(f.Subtotal*b.TaxRateBP, 10000+b.TaxRateBP)
		} else {
			f.Tax = divRound(f.Subtotal*b.TaxRateBP, 10000)
		}
	}
	f.ServiceCharge = divRound(f.Subtotal*b.ServiceChargeBP, 10000)
	f.DeliveryFee = deliveryFee
	f.Discount = discount
	f.Total = f.Subtotal + f.ServiceCharge + f.DeliveryFee - f.Discount
	if !b.TaxIncluded {
		f.Total += f.Tax
	}
	if f.Total < 0 {
		f.Total = 0
	}
	return f, nil
}

// divRound divides non-negative a by positive b, rounding half up.
func divRound(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b/2) / b
}
