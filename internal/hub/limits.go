package hub

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// Upper bounds of what orderhub stores, so that no caller can make a row,
// a kitchen ticket or a menu unboundedly large. Each is checked here, in
// the one validation of the thing it bounds (Brand, Location, Product,
// Partner Validate; Order.CheckTexts, which the one order check runs), and
// refused as invalid input naming the field. README's "Limits" table lists
// them with the body cap and the rate limits.
//
//   - MaxStock (catalog.go) bounds a stock quantity, MaxLineQuantity and
//     MaxLines (pricing.go) a line's quantity and an order's lines,
//     MaxAmount every amount.
//   - MaxModifierDepth bounds the nesting of a line's modifier tree (a combo
//     item's option's sub-option is depth 3) and MaxModifiers the nodes of
//     an order's trees together.
//   - MaxOptionGroups, MaxOptionValues, MaxComboComponents and
//     MaxComboItems bound a product's option groups and combo slots.
//   - MaxShortText bounds names, codes and refs, MaxNoteLength
//     descriptions and notes (order.go), counted in characters.
const (
	MaxModifierDepth = 4
	MaxModifiers     = 2000
)

// A product's option groups and combo slots, bounded so that a menu (and
// the pricing of a line against it) stays small.
const (
	MaxOptionGroups    = 50  // option groups of a product
	MaxOptionValues    = 200 // values of an option group
	MaxComboComponents = 50  // slots of a combo
	MaxComboItems      = 200 // products a slot offers
)

// checkText refuses invalid UTF-8 and text longer than max characters.
func checkText(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}

// checkI18n checks each language of a translated text (in language order,
// so that the field named is always the same).
func checkI18n(field string, t I18n, max int) error {
	langs := make([]string, 0, len(t))
	for l := range t {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		if err := checkText(field+"."+l, l, MaxShortText); err != nil {
			return err
		}
		if err := checkText(field+"."+l, t[l], max); err != nil {
			return err
		}
	}
	return nil
}

// checkModifiers bounds the depth, count and texts of a line's modifier
// tree; count carries the order's running total of nodes.
func checkModifiers(field string, ms []Modifier, depth int, count *int) error {
	if len(ms) > 0 && depth > MaxModifierDepth {
		return Invalid(field, "modifiers nest at most %d levels", MaxModifierDepth)
	}
	for i := range ms {
		m := &ms[i]
		f := field + "[" + strconv.Itoa(i) + "]"
		if *count++; *count > MaxModifiers {
			return Invalid(f, "an order has at most %d modifiers", MaxModifiers)
		}
		for _, t := range []struct {
			name, v string
			max     int
		}{
			{"name", m.Name, MaxShortText}, {"item_id", m.ItemID, MaxShortText},
			{"group_id", m.GroupID, MaxShortText}, {"group_name", m.GroupName, MaxShortText},
			{"note", m.Note, MaxNoteLength},
		} {
			if err := checkText(f+"."+t.name, t.v, t.max); err != nil {
				return err
			}
		}
		if err := checkModifiers(f+".children", m.Children, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}
