package hub

import (
	"strconv"
	"strings"
	"testing"
)

// TestTextBounds: each bounded text is accepted at its limit and refused,
// naming the field, one character over it (characters, not bytes: the
// texts here are Korean, three bytes each).
func TestTextBounds(t *testing.T) {
	at := func(n int) string { return strings.Repeat("가", n) }
	for _, tc := range []struct {
		field string
		max   int
		check func(v string) error
	}{
		{"name", MaxShortText, func(v string) error {
			return (&Brand{Name: v, Currency: "KRW"}).Validate()
		}},
		{"name", MaxShortText, func(v string) error {
			return (&Location{BrandID: 1, Code: "A", Name: v, Timezone: "UTC"}).Validate()
		}},
		{"code", MaxShortText, func(v string) error {
			return (&Location{BrandID: 1, Code: v, Name: "A", Timezone: "UTC"}).Validate()
		}},
		{"name.ko", MaxShortText, func(v string) error {
			return (&Product{BrandID: 1, Name: I18n{"ko": v}}).Validate()
		}},
		{"description.en", MaxNoteLength, func(v string) error {
			return (&Product{BrandID: 1, Name: I18n{"en": "Tea"}, Description: I18n{"en": v}}).Validate()
		}},
		{"ref_id", MaxShortText, func(v string) error {
			return (&Product{BrandID: 1, RefID: v, Name: I18n{"en": "Tea"}}).Validate()
		}},
		{"sku", MaxShortText, func(v string) error {
			return (&Product{BrandID: 1, SKU: v, Name: I18n{"en": "Tea"}}).Validate()
		}},
		{"name", MaxShortText, func(v string) error {
			return (&Partner{BrandID: 1, Protocol: "kakao", Name: v}).Validate()
		}},
		{"option_groups[0].name.en", MaxShortText, func(v string) error {
			return (&Product{BrandID: 1, Name: I18n{"en": "Tea"}, OptionGroups: []OptionGroup{{ID: 1, Name: I18n{"en": v}}}}).Validate()
		}},
		{"option_groups[0].values[0].name.en", MaxShortText, func(v string) error {
			return (&Product{BrandID: 1, Name: I18n{"en": "Tea"}, OptionGroups: []OptionGroup{{ID: 1, Values: []OptionValue{{ID: 1, Name: I18n{"en": v}}}}}}).Validate()
		}},
		{"notes", MaxNoteLength, func(v string) error { return (&Order{Notes: v}).CheckTexts() }},
		{"customer.name", MaxShortText, func(v string) error { return (&Order{Customer: Customer{Name: v}}).CheckTexts() }},
		{"lines[0].modifiers[0].name", MaxShortText, func(v string) error {
			return (&Order{Lines: []OrderLine{{Modifiers: []Modifier{{Name: v}}}}}).CheckTexts()
		}},
		{"lines[0].modifiers[0].note", MaxNoteLength, func(v string) error {
			return (&Order{Lines: []OrderLine{{Modifiers: []Modifier{{Note: v}}}}}).CheckTexts()
		}},
	} {
		t.Run(tc.field, func(t *testing.T) {
			checkErr(t, tc.check(at(tc.max)), nil)
			checkErr(t, tc.check(at(tc.max+1)), invalidAt(tc.field))
		})
	}
}

// tree is a modifier chain depth levels deep.
func tree(depth int) []Modifier {
	if depth == 0 {
		return nil
	}
	return []Modifier{{Kind: ModifierOption, Name: "x", Children: tree(depth - 1)}}
}

func TestModifierBounds(t *testing.T) {
	order := func(lines ...[]Modifier) *Order {
		o := &Order{}
		for _, ms := range lines {
			o.Lines = append(o.Lines, OrderLine{Modifiers: ms})
		}
		return o
	}
	t.Run("depth", func(t *testing.T) {
		checkErr(t, order(tree(MaxModifierDepth)).CheckTexts(), nil)
		field := "lines[0].modifiers" + strings.Repeat("[0].children", MaxModifierDepth)
		checkErr(t, order(tree(MaxModifierDepth+1)).CheckTexts(), invalidAt(field))
	})
	t.Run("count", func(t *testing.T) {
		// The count is the order's: two lines of half each are at the
		// limit, one node more anywhere is over it.
		half := make([]Modifier, MaxModifiers/2)
		checkErr(t, order(half, half).CheckTexts(), nil)
		over := make([]Modifier, MaxModifiers/2+1)
		checkErr(t, order(half, over).CheckTexts(), invalidAt("lines[1].modifiers["+strconv.Itoa(MaxModifiers/2)+"]"))
	})
}

func TestCatalogCounts(t *testing.T) {
	groups := func(n int) []OptionGroup {
		out := make([]OptionGroup, n)
		for i := range out {
			out[i] = OptionGroup{ID: int64(i + 1)}
		}
		return out
	}
	values := func(n int) []OptionValue {
		out := make([]OptionValue, n)
		for i := range out {
			out[i] = OptionValue{ID: int64(i + 1)}
		}
		return out
	}
	components := func(n, items int) []ComboComponent {
		out := make([]ComboComponent, n)
		for i := range out {
			out[i] = ComboComponent{ID: int64(i + 1)}
			for j := range items {
				out[i].Items = append(out[i].Items, ComboItem{ProductID: int64(j + 2)})
			}
		}
		return out
	}
	single := func(gs []OptionGroup) error {
		return (&Product{BrandID: 1, Name: I18n{"en": "Tea"}, OptionGroups: gs}).Validate()
	}
	combo := func(cs []ComboComponent) error {
		return (&Product{BrandID: 1, Name: I18n{"en": "Set"}, Type: ProductCombo, ComboComponents: cs}).Validate()
	}
	checkErr(t, single(groups(MaxOptionGroups)), nil)
	checkErr(t, single(groups(MaxOptionGroups+1)), invalidAt("option_groups"))
	checkErr(t, single([]OptionGroup{{ID: 1, Values: values(MaxOptionValues)}}), nil)
	checkErr(t, single([]OptionGroup{{ID: 1, Values: values(MaxOptionValues + 1)}}), invalidAt("option_groups[0].values"))
	checkErr(t, combo(components(MaxComboComponents, 1)), nil)
	checkErr(t, combo(components(MaxComboComponents+1, 1)), invalidAt("combo_components"))
	checkErr(t, combo(components(1, MaxComboItems)), nil)
	checkErr(t, combo(components(1, MaxComboItems+1)), invalidAt("combo_components[0].items"))
}
