package tableorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"orderhub/internal/hub"
)

// MaxGroupDepth bounds how deeply selected_modifier_groups may nest (an
// item's groups are depth 1, the groups of an item inside them depth 2, and
// so on). The canonical model holds two levels (a combo's slots, and the
// options of the items in them); a third is accepted by the parser so that
// it can be refused with a precise 422, anything deeper is a 400.
const MaxGroupDepth = 3

// Limits on identifiers and texts, so that nothing unbounded is stored.
const (
	maxIDLen   = 64
	maxTextLen = 500
	// maxItems bounds the Items of a body at every depth together, so
	// that the catalog lookups a body causes are bounded too.
	maxItems = 2000
)

// request is the Add Items body.
type request struct {
	ID         string
	Type       string
	UniqueCode string
	Items      []item
	// currency is the first currency_code, with its path.
	currency     string
	currencyPath string
	// canonical is the decoded body re-encoded (sorted keys, no spaces):
	// its hash tells a retry from a different request.
	canonical []byte
}

// item is an Item at any depth.
type item struct {
	path                string
	ID                  string
	Title               string
	Quantity            int
	SpecialInstructions string
	UnitPrice           *money
	TotalPrice          *money
	Groups              []group
	DefaultQuantity     *int64
}

// group is a ModifierGroup.
type group struct {
	path       string
	Type       string // upper-cased; "" when absent
	ID         string
	Title      string
	PackSuitID string
	ComboTaste bool
	Selected   []item
	Removed    []item
}

type money struct {
	Amount   int64
	Currency string
}

// parseRequest decodes and checks the body's shape. Unknown fields are
// ignored (the seed's own examples carry fields its tables do not list);
// a field of the wrong JSON type, a missing required field or a nesting
// deeper than MaxGroupDepth is an invalid error naming its path.
func parseRequest(body []byte) (*request, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, hub.Invalid("body", "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, hub.Invalid("body", "invalid JSON: %s", jsonErrText(err))
	}
	if dec.More() {
		return nil, hub.Invalid("body", "unexpected data after the JSON value")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, hub.Invalid("body", "must be a JSON object")
	}
	p := &parser{}
	r := &request{}
	r.ID = p.str(obj, "id", "id", true)
	r.Type = p.str(obj, "type", "type", true)
	r.UniqueCode = p.str(obj, "unique_code", "unique_code", false)
	if p.err != nil {
		return nil, p.err
	}
	if len(r.ID) > maxIDLen {
		return nil, hub.Invalid("id", "must be at most %d characters", maxIDLen)
	}
	if len(r.UniqueCode) > 255 {
		return nil, hub.Invalid("unique_code", "must be at most 255 characters")
	}
	cart, present := obj["cart"]
	switch c := cart.(type) {
	case map[string]any:
		r.Items = p.items(c, "cart", 0)
	case []any:
		for i, e := range c {
			path := "cart[" + strconv.Itoa(i) + "]"
			co, ok := e.(map[string]any)
			if !ok {
				return nil, hub.Invalid(path, "must be an object")
			}
			r.Items = append(r.Items, p.items(co, path, 0)...)
			if p.err != nil {
				break
			}
		}
	case nil:
		if present {
			return nil, hub.Invalid("cart", "must not be null")
		}
		return nil, hub.Invalid("cart", "is required")
	default:
		return nil, hub.Invalid("cart", "must be an object or an array of objects")
	}
	if p.err != nil {
		return nil, p.err
	}
	if len(r.Items) == 0 {
		return nil, hub.Invalid("cart.items", "at least one item is required")
	}
	if len(r.Items) > hub.MaxLines {
		return nil, hub.Invalid("cart.items", "at most %d items", hub.MaxLines)
	}
	r.currency, r.currencyPath = p.currency, p.currencyPath
	canon, err := json.Marshal(root)
	if err != nil {
		return nil, hub.Internal(err, "re-encode request")
	}
	r.canonical = canon
	return r, nil
}

// parser walks the decoded tree and keeps the first error.
type parser struct {
	err          error
	count        int
	currency     string
	currencyPath string
}

func (p *parser) fail(path, format string, args ...any) {
	if p.err == nil {
		p.err = hub.Invalid(path, format, args...)
	}
}

// str reads a string field. JSON numbers are accepted as their literal text
// for identifiers (a client that sends "id": 12 means "12").
func (p *parser) str(obj map[string]any, key, path string, required bool) string {
	v, ok := obj[key]
	if !ok || v == nil {
		if required {
			p.fail(path, "is required")
		}
		return ""
	}
	switch s := v.(type) {
	case string:
		s = strings.TrimSpace(s)
		if required && s == "" {
			p.fail(path, "must not be empty")
		}
		return s
	case json.Number:
		return s.String()
	}
	p.fail(path, "must be a string")
	return ""
}

// text reads an optional free-text field.
func (p *parser) text(obj map[string]any, key, path string) string {
	v, ok := obj[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.fail(path, "must be a string")
		return ""
	}
	if len(s) > maxTextLen {
		p.fail(path, "must be at most %d bytes", maxTextLen)
	}
	return strings.TrimSpace(s)
}

// integer reads an integer field; ok is false when it is absent or null.
func (p *parser) integer(obj map[string]any, key, path string) (int64, bool) {
	v, ok := obj[key]
	if !ok || v == nil {
		return 0, false
	}
	n, isNum := v.(json.Number)
	if !isNum {
		p.fail(path, "must be an integer")
		return 0, false
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		p.fail(path, "must be an integer")
		return 0, false
	}
	return i, true
}

func (p *parser) boolean(obj map[string]any, key, path string) bool {
	v, ok := obj[key]
	if !ok || v == nil {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		p.fail(path, "must be a boolean")
	}
	return b
}

// array reads an optional array of objects (null is empty).
func (p *parser) array(obj map[string]any, key, path string) []map[string]any {
	v, ok := obj[key]
	if !ok || v == nil {
		return nil
	}
	a, isArr := v.([]any)
	if !isArr {
		p.fail(path, "must be an array")
		return nil
	}
	out := make([]map[string]any, 0, len(a))
	for i, e := range a {
		o, isObj := e.(map[string]any)
		if !isObj {
			p.fail(path+"["+strconv.Itoa(i)+"]", "must be an object")
			return nil
		}
		out = append(out, o)
	}
	return out
}

// items reads a Cart's items.
func (p *parser) items(cart map[string]any, path string, depth int) []item {
	v, ok := cart["items"]
	if !ok || v == nil {
		p.fail(path+".items", "is required")
		return nil
	}
	objs := p.array(cart, "items", path+".items")
	out := make([]item, 0, len(objs))
	for i, o := range objs {
		out = append(out, p.item(o, path+".items["+strconv.Itoa(i)+"]", depth))
		if p.err != nil {
			return nil
		}
	}
	return out
}

// item reads an Item at a depth (0: a cart line).
func (p *parser) item(o map[string]any, path string, depth int) item {
	it := item{path: path}
	if p.count++; p.count > maxItems {
		p.fail(path, "a body may hold at most %d items at all depths together", maxItems)
		return it
	}
	it.ID = p.str(o, "id", path+".id", true)
	if len(it.ID) > maxIDLen {
		p.fail(path+".id", "must be at most %d characters", maxIDLen)
	}
	it.Title = p.text(o, "title", path+".title")
	q, ok := p.integer(o, "quantity", path+".quantity")
	switch {
	case p.err != nil:
		return it
	case !ok:
		p.fail(path+".quantity", "is required")
		return it
	case q < 0 || q > hub.MaxLineQuantity:
		p.fail(path+".quantity", "must be between 0 and %d", hub.MaxLineQuantity)
		return it
	}
	it.Quantity = int(q)
	it.SpecialInstructions = p.text(o, "special_instructions", path+".special_instructions")
	if dq, ok := p.integer(o, "default_quantity", path+".default_quantity"); ok {
		it.DefaultQuantity = &dq
	}
	switch pr := o["price"].(type) {
	case nil:
		if depth == 0 {
			p.fail(path+".price", "is required")
		}
	case map[string]any:
		it.UnitPrice = p.money(pr, "unit_price", path+".price.unit_price", depth == 0)
		it.TotalPrice = p.money(pr, "total_price", path+".price.total_price", false)
	default:
		p.fail(path+".price", "must be an object")
	}
	if p.err != nil {
		return it
	}
	groups := p.array(o, "selected_modifier_groups", path+".selected_modifier_groups")
	if len(groups) > 0 && depth+1 > MaxGroupDepth {
		p.fail(path+".selected_modifier_groups", "modifier groups may nest at most %d levels deep", MaxGroupDepth)
		return it
	}
	for i, g := range groups {
		it.Groups = append(it.Groups, p.group(g, path+".selected_modifier_groups["+strconv.Itoa(i)+"]", depth+1))
		if p.err != nil {
			return it
		}
	}
	return it
}

func (p *parser) group(o map[string]any, path string, depth int) group {
	g := group{path: path}
	g.Type = strings.ToUpper(p.str(o, "type", path+".type", false))
	switch g.Type {
	case "", "TASTE", "COMBO", "PACK":
	default:
		p.fail(path+".type", "must be TASTE, COMBO or PACK")
	}
	g.ID = p.str(o, "id", path+".id", false)
	g.Title = p.text(o, "title", path+".title")
	g.PackSuitID = p.str(o, "pack_suit_id", path+".pack_suit_id", false)
	if g.Type == "PACK" && g.PackSuitID == "" && p.err == nil {
		p.fail(path+".pack_suit_id", "is required when type is PACK")
	}
	g.ComboTaste = p.boolean(o, "combo_taste", path+".combo_taste")
	if p.err != nil {
		return g
	}
	for i, s := range p.array(o, "selected_items", path+".selected_items") {
		g.Selected = append(g.Selected, p.item(s, path+".selected_items["+strconv.Itoa(i)+"]", depth))
		if p.err != nil {
			return g
		}
	}
	for i, s := range p.array(o, "removed_items", path+".removed_items") {
		g.Removed = append(g.Removed, p.item(s, path+".removed_items["+strconv.Itoa(i)+"]", depth))
		if p.err != nil {
			return g
		}
	}
	return g
}

// money reads a Money object: amount (integer minor units) and
// currency_code; formatted_amount is for display and never read.
func (p *parser) money(obj map[string]any, key, path string, required bool) *money {
	v, ok := obj[key]
	if !ok || v == nil {
		if required {
			p.fail(path, "is required")
		}
		return nil
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		p.fail(path, "must be an object")
		return nil
	}
	amt, ok := p.integer(o, "amount", path+".amount")
	if p.err != nil {
		return nil
	}
	if !ok {
		p.fail(path+".amount", "is required")
		return nil
	}
	if amt < 0 || amt > hub.MaxAmount {
		p.fail(path+".amount", "must be between 0 and %d", hub.MaxAmount)
		return nil
	}
	cur := strings.ToUpper(p.str(o, "currency_code", path+".currency_code", true))
	if p.err != nil {
		return nil
	}
	if !hub.ValidCurrency(cur) {
		p.fail(path+".currency_code", "must be an ISO 4217 code")
		return nil
	}
	if p.currency == "" {
		p.currency, p.currencyPath = cur, path+".currency_code"
	} else if cur != p.currency {
		p.fail(path+".currency_code", "must be %s like the rest of the cart", p.currency)
		return nil
	}
	return &money{Amount: amt, Currency: cur}
}

func jsonErrText(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	return err.Error()
}
