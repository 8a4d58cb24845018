package tableorder

import (
	"context"
	"strconv"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// groupKind is what a ModifierGroup's items are in canonical terms.
type groupKind int

const (
	kindTaste groupKind = iota // option values of the parent product
	kindCombo                  // products filling the parent combo's slots
)

func (k groupKind) name() string {
	if k == kindCombo {
		return "COMBO"
	}
	return "TASTE"
}

// catalog looks products up for reading the modifier groups; a product
// that is not found is nil with no error (the service reports it with its
// path).
type catalog func(ref string) (*hub.Product, error)

func (h *Handler) catalog(ctx context.Context, brandID int64) catalog {
	var cfg *service.Config
	return func(ref string) (*hub.Product, error) {
		if cfg == nil {
			var err error
			if cfg, err = h.Svc.Config(ctx); err != nil {
				return nil, err
			}
		}
		p, err := cfg.FindProduct(ctx, brandID, ref)
		if hub.ErrorCode(err) == hub.CodeNotFound {
			return nil, nil
		}
		return p, err
	}
}

// classify decides what a group holds. An explicit type wins (TASTE:
// option values; COMBO, PACK: products). Without one, a group marked
// combo_taste holds option values; on a combo product a group holds option
// values when its id names one of the combo's option groups and every item
// is a value of it, and products otherwise; on any other product (or one
// not found) it holds option values.
func classify(parent *hub.Product, g *group) groupKind {
	switch g.Type {
	case "TASTE":
		return kindTaste
	case "COMBO", "PACK":
		return kindCombo
	}
	if g.ComboTaste || parent == nil || parent.Type != hub.ProductCombo {
		return kindTaste
	}
	ids := make([]string, 0, len(g.Selected)+len(g.Removed))
	for _, it := range g.Selected {
		ids = append(ids, it.ID)
	}
	for _, it := range g.Removed {
		ids = append(ids, it.ID)
	}
	if g.ID != "" && parent.OptionGroupHasValues(g.ID, ids) {
		return kindTaste
	}
	return kindCombo
}

// lines maps the cart onto canonical lines.
func lines(req *request, find catalog) ([]service.LineInput, error) {
	out := make([]service.LineInput, 0, len(req.Items))
	for _, it := range req.Items {
		li := service.LineInput{
			ProductRef: it.ID, Quantity: it.Quantity, SpecialInstructions: it.SpecialInstructions, Field: it.path,
		}
		if it.UnitPrice != nil {
			amt := it.UnitPrice.Amount
			li.ClientUnitPrice = &amt
		}
		p, err := find(it.ID)
		if err != nil {
			return nil, err
		}
		if p == nil {
			// Let the service name the unknown product (404 at its id).
			out = append(out, li)
			continue
		}
		for gi := range it.Groups {
			g := &it.Groups[gi]
			kind := classify(p, g)
			tag := hub.ModifierTag{GroupType: groupType(g, kind), PackSuitID: g.PackSuitID, ComboTaste: g.ComboTaste}
			if kind == kindTaste {
				opts, err := options(p, g, tag)
				if err != nil {
					return nil, err
				}
				li.Options = append(li.Options, opts...)
				continue
			}
			for _, sel := range []struct {
				items   []item
				removed bool
			}{{g.Selected, false}, {g.Removed, true}} {
				for _, ci := range sel.items {
					in, err := comboItem(p, g, ci, sel.removed, tag, find)
					if err != nil {
						return nil, err
					}
					li.Combo = append(li.Combo, in)
				}
			}
		}
		out = append(out, li)
	}
	return out, nil
}

func groupType(g *group, k groupKind) string {
	if g.Type != "" {
		return g.Type
	}
	return k.name()
}

// options maps a TASTE group: group id → option group, item id → value.
// An item with quantity 0 is kept for display only. A group id the parent
// product does not have is reported here, at the group's id, rather than
// by the service at the item (the service checks it again).
func options(parent *hub.Product, g *group, tag hub.ModifierTag) ([]service.OptionInput, error) {
	gid, err := strconv.ParseInt(g.ID, 10, 64)
	switch {
	case g.ID == "":
		return nil, hub.Invalid(g.path+".id", "is required for a TASTE group (the option group id)").WithReason(hub.ReasonInvalidOption)
	case err != nil || gid <= 0 || (parent != nil && parent.OptionGroup(gid) == nil):
		name := "the product"
		if parent != nil {
			name = parent.Name.Get("en")
		}
		return nil, hub.Invalid(g.path+".id", "%s has no option group %q", name, g.ID).WithReason(hub.ReasonInvalidOption)
	}
	var out []service.OptionInput
	for _, sel := range []struct {
		items   []item
		removed bool
	}{{g.Selected, false}, {g.Removed, true}} {
		for _, it := range sel.items {
			if len(it.Groups) > 0 {
				return nil, hub.Invalid(it.path+".selected_modifier_groups", "an option value cannot have modifier groups").WithReason(hub.ReasonInvalidOption)
			}
			vid, err := strconv.ParseInt(it.ID, 10, 64)
			if err != nil || vid <= 0 {
				return nil, hub.Invalid(it.path+".id", "option group %d has no value %q", gid, it.ID).WithReason(hub.ReasonInvalidOption)
			}
			t := tag
			t.Note = it.SpecialInstructions
			out = append(out, service.OptionInput{
				GroupID: gid, ValueID: vid, Quantity: it.Quantity, Removed: sel.removed,
				DisplayOnly: it.Quantity == 0 && !sel.removed, Tag: t, Field: it.path,
			})
		}
	}
	return out, nil
}

// comboItem maps one item of a COMBO or PACK group: a product filling a
// slot of the parent combo, its own groups being its options. The group's
// id names the slot when it is the id of a slot of the combo that offers
// the product; otherwise the slot is the one offering it.
func comboItem(parent *hub.Product, g *group, it item, removed bool, tag hub.ModifierTag, find catalog) (service.ComboInput, error) {
	in := service.ComboInput{
		ProductRef: it.ID, Quantity: it.Quantity, Removed: removed,
		DisplayOnly: it.Quantity == 0 && !removed, Field: it.path,
	}
	tag.Note = it.SpecialInstructions
	in.Tag = tag
	cp, err := find(it.ID)
	if err != nil {
		return in, err
	}
	if parent != nil && cp != nil {
		if id, err := strconv.ParseInt(g.ID, 10, 64); err == nil {
			if c := parent.ComboComponent(id); c != nil && c.Offers(cp.ID) {
				in.ComponentID = id
			}
		}
	}
	for gi := range it.Groups {
		ng := &it.Groups[gi]
		if classify(cp, ng) != kindTaste || ng.Type == "COMBO" || ng.Type == "PACK" {
			return in, hub.Invalid(ng.path, "an item inside a combo can only have TASTE groups (its options)").WithReason(hub.ReasonInvalidOption)
		}
		opts, err := options(cp, ng, hub.ModifierTag{GroupType: groupType(ng, kindTaste), ComboTaste: ng.ComboTaste})
		if err != nil {
			return in, err
		}
		in.Options = append(in.Options, opts...)
	}
	return in, nil
}

// wirePath turns a field the service named (built from the paths given to
// it) back into a path of the request body.
func wirePath(field string, req *request) string {
	switch {
	case field == "":
		return ""
	case field == "currency":
		if req != nil && req.currencyPath != "" {
			return req.currencyPath
		}
		return "cart"
	case field == "lines":
		return "cart.items"
	case field == "type":
		return "type"
	case field == "location_id" || field == "channel":
		return ""
	}
	for _, s := range []struct{ from, to string }{
		{".product", ".id"},
		{".options", ".selected_modifier_groups"},
		{".combo", ".selected_modifier_groups"},
		{".price", ".price.unit_price.amount"},
	} {
		if strings.HasSuffix(field, s.from) {
			return strings.TrimSuffix(field, s.from) + s.to
		}
	}
	return field
}
