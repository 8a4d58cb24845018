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
