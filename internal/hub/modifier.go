package hub

import "strconv"

// ModifierTag is what a channel said about one selection that no price or
// stock rule reads: the type it gave the selection's group (the QR seed's
// TASTE, COMBO, PACK), its pack series, whether it was a combo-level taste,
// and a note (a nested item's special instructions). BuildLine copies it
// onto the modifier node so that the stored tree keeps it.
type ModifierTag struct {
	GroupType  string
	PackSuitID string
	ComboTaste bool
	Note       string
}

func (t ModifierTag) applyTo(m *Modifier) {
	m.GroupType = t.GroupType
	m.PackSuitID = t.PackSuitID
	m.ComboTaste = t.ComboTaste
	m.Note = t.Note
}

// OptionGroupHasValues reports whether the product has an option group
// whose id is groupID (decimal text) offering every one of valueIDs. A
// channel that does not say whether a group holds option values or
// products (the QR seed's optional group type) is read with it.
func (p *Product) OptionGroupHasValues(groupID string, valueIDs []string) bool {
	gid, err := strconv.ParseInt(groupID, 10, 64)
	if err != nil {
		return false
	}
	g := p.OptionGroup(gid)
	if g == nil {
		return false
	}
	for _, v := range valueIDs {
		vid, err := strconv.ParseInt(v, 10, 64)
		if err != nil || g.Value(vid) == nil {
			return false
		}
	}
	return true
}

// ComboComponent finds a combo slot by id.
func (p *Product) ComboComponent(id int64) *ComboComponent {
	return byID(p.ComboComponents, id, func(c *ComboComponent) int64 { return c.ID })
}

// Offers reports whether the slot offers a product.
func (c *ComboComponent) Offers(productID int64) bool {
	for _, it := range c.Items {
		if it.ProductID == productID {
			return true
		}
	}
	return false
}
