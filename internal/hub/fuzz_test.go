package hub

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"testing"
)

// FuzzParseDecimal: the money parser of every edge (decimal strings in
// major units) never panics, refuses with a typed code, and what it takes
// is the amount it formats back to.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"45.40", "7600", "7600.00", "-1.5", "+3", "0.001", "1.005", ".5", "5.", "", " 12 ",
		"9223372036854775807", "-9223372036854775808", "92233720368547758.07", "1e3", "0x10", "--1", "٣"} {
		for e := range uint8(4) {
			f.Add(s, e)
		}
	}
	f.Fuzz(func(t *testing.T, s string, exp uint8) {
		e := int(exp % 4)
		v, err := ParseDecimal(s, e)
		if err != nil {
			if ErrorCode(err) != CodeInvalid {
				t.Fatalf("ParseDecimal(%q, %d): %v has code %q", s, e, err, ErrorCode(err))
			}
			return
		}
		back, err := ParseDecimal(FormatDecimal(v, e), e)
		if err != nil || back != v {
			t.Fatalf("ParseDecimal(%q, %d) = %d, formatted %q, parsed back %d, %v", s, e, v, FormatDecimal(v, e), back, err)
		}
	})
}

// FuzzFormatDecimal: every amount formats to a decimal string that parses
// back to it, for every exponent.
func FuzzFormatDecimal(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 4540, 7600, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		f.Add(v, uint8(2))
		f.Add(v, uint8(0))
	}
	f.Fuzz(func(t *testing.T, v int64, exp uint8) {
		e := int(exp % 4)
		s := FormatDecimal(v, e)
		back, err := ParseDecimal(s, e)
		if err != nil || back != v {
			t.Fatalf("FormatDecimal(%d, %d) = %q, parsed back %d, %v", v, e, s, back, err)
		}
	})
}

// fuzzCatalog is a product with options (a negative price among them), a
// combo whose slots offer products with options, and prices near
// MaxAmount, so that overflow is within reach.
func fuzzCatalog() map[string]*Product {
	n := func(s string) I18n { return I18n{"en": s} }
	spice := OptionGroup{ID: 1, Name: n("Spice"), Required: true, Max: 1, Values: []OptionValue{
		{ID: 1, Name: n("Mild")}, {ID: 3, Name: n("Hot"), Price: 500}}}
	extras := OptionGroup{ID: 2, Name: n("Extras"), Max: 3, Values: []OptionValue{
		{ID: 1, Name: n("Rice"), Price: 1000}, {ID: 2, Name: n("Gold"), Price: MaxAmount / 2}}}
	size := OptionGroup{ID: 3, Name: n("Size"), Min: 0, Max: 2, Values: []OptionValue{
		{ID: 1, Name: n("Regular")}, {ID: 3, Name: n("Small"), Price: -3000}, {ID: 4, Name: n("Huge"), Price: math.MaxInt64 / 3}}}
	bowl := &Product{ID: 1, RefID: "P001", Name: n("Bowl"), Type: ProductSingle, Price: 9500, DeductStock: true,
		OptionGroups: []OptionGroup{spice, extras}}
	cola := &Product{ID: 10, RefID: "P010", Name: n("Cola"), Type: ProductSingle, Price: 2000, DeductStock: true,
		OptionGroups: []OptionGroup{size}, BundleSize: 0}
	cider := &Product{ID: 11, Name: n("Cider"), Type: ProductSingle, Price: 2000}
	side := &Product{ID: 23, RefID: "P023", Name: n("Egg"), Type: ProductSingle, Price: 4000, DeductStock: true}
	combo := &Product{ID: 30, RefID: "C001", Name: n("Set"), Type: ProductCombo, Price: 12000,
		ComboComponents: []ComboComponent{
			{ID: 1, Name: n("Main"), SelectQuantity: 1, Required: true, Items: []ComboItem{{ProductID: 1}}},
			{ID: 2, Name: n("Drink"), SelectQuantity: 2, Required: true, Items: []ComboItem{{ProductID: 10}, {ProductID: 11, Price: -500}}},
			{ID: 3, Name: n("Side"), Items: []ComboItem{{ProductID: 23, Price: MaxAmount / 4}}},
		}}
	return map[string]*Product{"P001": bowl, "P010": cola, "P011": cider, "P023": side, "C001": combo}
}

// fuzzLine is the fuzz input's line: a JSON shape close to the doors'.
type fuzzLine struct {
	Product  string       `json:"product"`
	Quantity int          `json:"quantity"`
	Options  []fuzzOption `json:"options"`
	Combo    []struct {
		Component int64        `json:"component"`
		Product   string       `json:"product"`
		Quantity  int          `json:"quantity"`
		Removed   bool         `json:"removed"`
		Display   bool         `json:"display"`
		Options   []fuzzOption `json:"options"`
	} `json:"combo"`
}

type fuzzOption struct {
	Group, Value int64
	Quantity     int
	Removed      bool
	Display      bool
}

func (o fuzzOption) choice() OptionChoice {
	return OptionChoice{GroupID: o.Group, ValueID: o.Value, Quantity: o.Quantity, Removed: o.Removed, DisplayOnly: o.Display}
}

// FuzzModifierTree builds a line's modifier tree (options, combo slots,
// their items' options; removed and display-only nodes) from arbitrary
// choices. BuildLine never panics, refuses with a typed code, and a line
// it takes is consistent: every priced node's total is its unit price
// times its quantity, removed and display-only nodes are unpriced, the
// line's unit price is its base plus its top-level nodes (never below
// zero) and its total is within MaxAmount, stock needs are positive, and
// the tree survives the JSON it is stored as.
func FuzzModifierTree(f *testing.F) {
	for _, s := range []string{
		`{"product": "P001", "quantity": 2, "options": [{"Group": 1, "Value": 3}, {"Group": 2, "Value": 1, "Quantity": 2}]}`,
		`{"product": "P010", "quantity": 1, "options": [{"Group": 3, "Value": 3}]}`,
		`{"product": "P010", "quantity": 9999, "options": [{"Group": 3, "Value": 4, "Quantity": 2}]}`,
		`{"product": "C001", "quantity": 3, "combo": [{"component": 1, "product": "P001", "options": [{"Group": 1, "Value": 1}]},
		  {"component": 2, "product": "P010", "quantity": 2, "options": [{"Group": 3, "Value": 3}]}, {"component": 3, "product": "P023", "removed": true}]}`,
		`{"product": "C001", "quantity": 1, "combo": [{"product": "P001", "options": [{"Group": 1, "Value": 3}, {"Group": 2, "Value": 2, "Quantity": 3}]},
		  {"component": 2, "product": "P011", "display": true}, {"component": 3, "product": "P023", "quantity": 9999}]}`,
		`{"product": "P001", "quantity": 1, "options": [{"Group": 1, "Value": 1, "Removed": true}, {"Group": 1, "Value": 3, "Display": true}]}`,
	} {
		f.Add([]byte(s))
	}
	catalog := fuzzCatalog()
	f.Fuzz(func(t *testing.T, input []byte) {
		var in fuzzLine
		if json.Unmarshal(input, &in) != nil {
			return
		}
		p := catalog[in.Product]
		if p == nil {
			return
		}
		req := LineRequest{Product: p, Quantity: in.Quantity, Field: "lines[0]", ComboProducts: map[int64]*Product{}}
		for _, q := range catalog {
			req.ComboProducts[q.ID] = q
		}
		for _, o := range in.Options {
			req.Options = append(req.Options, o.choice())
		}
		for _, c := range in.Combo {
			cc := ComboChoice{ComponentID: c.Component, Product: catalog[c.Product], Quantity: c.Quantity, Removed: c.Removed, DisplayOnly: c.Display}
			for _, o := range c.Options {
				cc.Options = append(cc.Options, o.choice())
			}
			req.Combo = append(req.Combo, cc)
		}
		line, needs, err := BuildLine(req, "2026-03-10")
		if err != nil {
			if e := AsError(err); e == nil || e.Code != CodeInvalid || e.Field == "" {
				t.Fatalf("BuildLine(%s): %v is not an invalid-input error naming a field", input, err)
			}
			return
		}
		sum := int64(0)
		for _, m := range line.Modifiers {
			checkNode(t, m, 0, string(input))
			sum += m.TotalPrice
		}
		want := max(line.BasePrice+sum, 0)
		if line.UnitPrice != want || line.TotalPrice != line.UnitPrice*int64(line.Quantity) || line.TotalPrice > MaxAmount || line.TotalPrice < 0 {
			t.Fatalf("%s: base %d + modifiers %d: unit %d, quantity %d, total %d", input, line.BasePrice, sum, line.UnitPrice, line.Quantity, line.TotalPrice)
		}
		for _, n := range needs {
			if n.Quantity <= 0 {
				t.Fatalf("%s: stock need %+v", input, n)
			}
		}
		b, err := json.Marshal(line.Modifiers)
		if err != nil {
			t.Fatal(err)
		}
		var back []Modifier
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, line.Modifiers) {
			t.Fatalf("%s: the tree does not survive JSON: %s, %v", input, b, err)
		}
	})
}

// checkNode checks one node of a built tree and its children.
func checkNode(t *testing.T, m Modifier, depth int, input string) {
	t.Helper()
	where := input + ": node " + m.GroupID + "/" + m.ItemID + " at depth " + strconv.Itoa(depth)
	if depth > 1 || (m.Kind == ModifierOption && len(m.Children) > 0) {
		t.Fatalf("%s: only a combo item has children, one level deep", where)
	}
	if m.Removed || (m.Quantity == 0) {
		if m.UnitPrice != 0 || m.TotalPrice != 0 {
			t.Fatalf("%s: removed or display-only but priced %d × %d = %d", where, m.UnitPrice, m.Quantity, m.TotalPrice)
		}
	} else if m.TotalPrice != m.UnitPrice*int64(m.Quantity) {
		t.Fatalf("%s: %d × %d ≠ %d", where, m.UnitPrice, m.Quantity, m.TotalPrice)
	}
	childSum := int64(0)
	for _, c := range m.Children {
		checkNode(t, c, depth+1, input)
		childSum += c.TotalPrice
	}
	if m.Kind == ModifierCombo && !m.Removed && m.Quantity > 0 && len(m.Children) > 0 && m.UnitPrice < childSum-MaxAmount {
		t.Fatalf("%s: unit price %d below its options %d", where, m.UnitPrice, childSum)
	}
}
