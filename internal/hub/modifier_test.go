package hub

import "testing"

// TestDisplayOnlyAndTags: a display-only choice is kept in the tree with
// quantity 0 and neither priced, counted nor stocked; tags are copied onto
// the nodes.
func TestDisplayOnlyAndTags(t *testing.T) {
	item := &Product{ID: 2, RefID: "I2", Name: I18n{"en": "Side"}, DeductStock: true,
		OptionGroups: []OptionGroup{{ID: 1, Max: 1, Values: []OptionValue{{ID: 1, Price: 300}}}}}
	combo := &Product{ID: 1, Name: I18n{"en": "Set"}, Type: ProductCombo, Price: 1000,
		OptionGroups:    []OptionGroup{{ID: 5, Required: true, Max: 1, Values: []OptionValue{{ID: 1, Price: 50}, {ID: 2, Price: 70}}}},
		ComboComponents: []ComboComponent{{ID: 9, SelectQuantity: 1, Items: []ComboItem{{ProductID: 2, Price: 200}}}}}
	line, needs, err := BuildLine(LineRequest{Product: combo, Quantity: 2, Field: "l",
		Options: []OptionChoice{
			{GroupID: 5, ValueID: 1, Tag: ModifierTag{GroupType: "TASTE", ComboTaste: true}},
			// Quantity 0, display only: does not count against Max 1, costs nothing.
			{GroupID: 5, ValueID: 2, DisplayOnly: true},
		},
		Combo: []ComboChoice{
			{Product: item, Tag: ModifierTag{GroupType: "PACK", PackSuitID: "S1", Note: "less salt"},
				Options: []OptionChoice{{GroupID: 1, ValueID: 1, Tag: ModifierTag{GroupType: "TASTE"}}}},
			{Product: item, DisplayOnly: true},
		}}, "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	// 1000 + 50 + (200 + 300) = 1550 per unit.
	if line.UnitPrice != 1550 || line.TotalPrice != 3100 {
		t.Fatalf("unit %d total %d", line.UnitPrice, line.TotalPrice)
	}
	if len(needs) != 1 || needs[0].Quantity != 2 {
		t.Fatalf("needs %+v", needs)
	}
	m := line.Modifiers
	if len(m) != 4 {
		t.Fatalf("modifiers %+v", m)
	}
	if m[0].GroupType != "PACK" || m[0].PackSuitID != "S1" || m[0].Note != "less salt" || m[0].Children[0].GroupType != "TASTE" {
		t.Errorf("combo node %+v", m[0])
	}
	if m[1].Quantity != 0 || m[1].TotalPrice != 0 {
		t.Errorf("display-only combo node %+v", m[1])
	}
	if !m[2].ComboTaste || m[2].TotalPrice != 50 || m[3].Quantity != 0 || m[3].TotalPrice != 0 {
		t.Errorf("option nodes %+v %+v", m[2], m[3])
	}
}

func TestOptionGroupHasValues(t *testing.T) {
	p := &Product{OptionGroups: []OptionGroup{{ID: 1, Values: []OptionValue{{ID: 1}, {ID: 3}}}},
		ComboComponents: []ComboComponent{{ID: 4, Items: []ComboItem{{ProductID: 8}}}}}
	for _, c := range []struct {
		group string
		vals  []string
		want  bool
	}{
		{"1", []string{"1", "3"}, true},
		{"1", nil, true},
		{"1", []string{"2"}, false},
		{"2", []string{"1"}, false},
		{"x", []string{"1"}, false},
		{"1", []string{"UC06000002"}, false},
	} {
		if got := p.OptionGroupHasValues(c.group, c.vals); got != c.want {
			t.Errorf("%s %v: %v", c.group, c.vals, got)
		}
	}
	if c := p.ComboComponent(4); c == nil || !c.Offers(8) || c.Offers(9) || p.ComboComponent(5) != nil {
		t.Error("ComboComponent/Offers")
	}
}
