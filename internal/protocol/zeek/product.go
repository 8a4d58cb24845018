package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"

	"orderhub/internal/hub"
)

// catalogScope is what reading a product needs: the client's brand (its
// currency converts amounts) and the locations it may name.
type catalogScope struct {
	brand   *hub.Brand
	partner *hub.Partner
	locs    []hub.Location
}

func (h *Handler) catalogScope(ctx context.Context, c *call) (*catalogScope, error) {
	b, err := h.Svc.Store().GetBrand(ctx, c.partner.BrandID)
	if err != nil {
		return nil, err
	}
	locs, err := h.Svc.Store().ListLocations(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	return &catalogScope{brand: b, partner: c.partner, locs: locs}, nil
}

// locationIDs are the ids of the brand's locations.
func (cs *catalogScope) locationIDs() []int64 {
	ids := make([]int64, len(cs.locs))
	for i, l := range cs.locs {
		ids[i] = l.ID
	}
	return ids
}

// location resolves a location_id or a ref_location_id (the location's
// RefID, else its code) among the brand's locations the client may touch.
func (cs *catalogScope) location(id int64, ref string) (int64, bool) {
	for _, l := range cs.locs {
		if (id != 0 && l.ID == id) || (id == 0 && l.RefID != "" && l.RefID == ref) {
			return l.ID, cs.partner.CanAccess(cs.brand.ID, l.ID)
		}
	}
	if id == 0 {
		for _, l := range cs.locs {
			if l.Code == ref {
				return l.ID, cs.partner.CanAccess(cs.brand.ID, l.ID)
			}
		}
	}
	return 0, false
}

// batchListed are the members of BatchUpdateProduct's table: on a batch
// row, an absent member of this list resets the field to its default (the
// row describes it, as it does on create); a member that is not listed
// (type, sku, options, ...) keeps the stored value when absent.
var batchListed = map[string]bool{
	"name": true, "description": true, "locations": true, "categories": true, "sort_order": true,
	"price": true, "special_price": true, "is_alcohol": true, "launch": true, "timeslots": true,
	"purchase_quantity": true, "spec": true, "meta": true,
}

// wireError carries a problem of a batch row out of service.ModifyProduct.
type wireError struct{ p *problem }

func (e *wireError) Error() string { return e.p.message(langEN) }

// readProduct reads a product's members into p: every member of
// CreateProduct's table (create) or of a BatchUpdateProduct row (create
// false; p is then the stored product). Wire problems go to r; the error
// is a store_id that is not the client's (not found).
func readProduct(r *reader, m map[string]json.RawMessage, path string, p *hub.Product, cs *catalogScope, create bool) error {
	f := func(name string) string { return join(path, name) }
	listed := func(name string) bool { return create || batchListed[name] }
	cur := cs.brand.Currency

	if create {
		// store.store_id names the brand; it must be the client's own.
		if sm := r.object(m["store"], f("store"), true); sm != nil {
			if sid, ok := r.id(sm["store_id"], f("store.store_id"), true); ok && sid != cs.brand.ID {
				return hub.NotFound("store %d not found", sid)
			}
		}
	}
	if s, ok := r.str(m["ref_product_id"], f("ref_product_id"), false); ok {
		p.RefID = s
	}
	if v := r.i18n(m["name"], f("name"), true); v != nil {
		p.Name = v
	}
	if v := r.i18n(m["description"], f("description"), !create); v != nil {
		p.Description = v
	} else if listed("description") {
		p.Description = nil
	}
	if t, ok := r.oneOf(m["type"], f("type"), create, 1, 2); ok {
		p.Type = hub.ProductType(t)
	}
	if items, present := r.array(m["locations"], f("locations"), false); present {
		p.LocationIDs = readLocations(r, items, f("locations"), cs)
	} else if listed("locations") {
		// "If no location is input, that means this product will not be
		// shown in any location."
		p.LocationIDs = []int64{}
	}
	if items, present := r.array(m["categories"], f("categories"), !create); present {
		p.CategoryIDs = readIDs(r, items, f("categories"), "category_id")
	} else if listed("categories") {
		p.CategoryIDs = nil
	}
	if s, ok := r.str(m["sku"], f("sku"), create); ok {
		p.SKU = s
	}
	if s, ok := r.str(m["model"], f("model"), create); ok {
		p.Model = s
	}
	if v, ok := r.smallInt(m["sort_order"], f("sort_order"), false); ok {
		p.SortOrder = v
	} else if listed("sort_order") {
		p.SortOrder = 1 // the changelog: every sort_order defaults to 1
	}
	if pm := r.object(m["price"], f("price"), true); pm != nil {
		if v, ok := r.amount(pm["amount"], f("price.amount"), cur, true); ok {
			p.Price = v
		}
	}
	if items, present := r.array(m["discount_price"], f("discount_price"), false); present {
		p.BulkPrices = readDated(r, items, f("discount_price"), cur, true)
	} else if create {
		p.BulkPrices = nil
	}
	if items, present := r.array(m["special_price"], f("special_price"), false); present {
		p.SpecialPrices = readDated(r, items, f("special_price"), cur, false)
	} else if listed("special_price") {
		p.SpecialPrices = nil
	}
	if v, ok := r.flag(m["is_deduct_stock"], f("is_deduct_stock"), create); ok {
		p.DeductStock = v
	}
	if v, ok := r.flag(m["is_individual_sale"], f("is_individual_sale"), create); ok {
		p.IndividualSale = v
	}
	if v, ok := r.flag(m["is_alcohol"], f("is_alcohol"), true); ok {
		p.Alcohol = v
	}
	if lm := r.object(m["launch"], f("launch"), true); lm != nil {
		if st, ok := r.oneOf(lm["status"], f("launch.status"), true, 0, 1); ok {
			p.Launch.Launched = st == 1
		}
		p.Launch.Start = r.instant(lm["start_time"], f("launch.start_time"))
		p.Launch.End = r.instant(lm["end_time"], f("launch.end_time"))
	}
	if items, present := r.array(m["timeslots"], f("timeslots"), true); present {
		p.TimeslotIDs = readIDs(r, items, f("timeslots"), "timeslot_id")
	}
	if items, present := r.array(m["payment_methods"], f("payment_methods"), create); present {
		p.PaymentMethods = []string{}
		for i, raw := range items {
			if om := r.object(raw, index(f("payment_methods"), i), true); om != nil {
				if k, ok := r.str(om["key"], join(index(f("payment_methods"), i), "key"), true); ok {
					p.PaymentMethods = append(p.PaymentMethods, k)
				}
			}
		}
	}
	if items, present := r.array(m["departments"], f("departments"), false); present {
		p.DepartmentIDs = readIDs(r, items, f("departments"), "department_id")
	} else if create {
		p.DepartmentIDs = nil
	}
	if items, present := r.array(m["options"], f("options"), false); present {
		p.OptionGroups = readOptions(r, items, f("options"), cur)
	}
	if items, present := r.array(m["combo_components"], f("combo_components"), false); present {
		comps := readComponents(r, items, f("combo_components"), cur)
		// Components only mean something on a combo: the create example
		// sends them on an à la carte product (type 1), where they are
		// read for their form and dropped.
		if p.Type == hub.ProductCombo {
			p.ComboComponents = comps
		} else {
			p.ComboComponents = nil
		}
	}
	if qm := r.object(m["purchase_quantity"], f("purchase_quantity"), true); qm != nil {
		minQ, ok1 := r.smallInt(qm["minimum"], f("purchase_quantity.minimum"), true)
		maxQ, ok2 := r.smallInt(qm["maximum"], f("purchase_quantity.maximum"), true)
		if ok1 && ok2 {
			p.MinQuantity, p.MaxQuantity = minQ, maxQ
		}
	}
	if sm := r.object(m["spec"], f("spec"), false); sm != nil {
		setAttr(p, "spec", plain(sm))
	} else if listed("spec") {
		setAttr(p, "spec", nil)
	}
	if mm := r.object(m["meta"], f("meta"), false); mm != nil {
		meta := map[string]any{}
		for k, raw := range mm {
			if v := r.i18n(raw, join(f("meta"), k), false); v != nil {
				meta[k] = v
			}
		}
		setAttr(p, "meta", meta)
	} else if listed("meta") {
		setAttr(p, "meta", nil)
	}
	return nil
}

func setAttr(p *hub.Product, key string, v any) {
	if v == nil {
		delete(p.Attributes, key)
		return
	}
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	p.Attributes[key] = v
}

// plain turns an object into plain values, keeping numbers as written
// (json.Number: spec.weight 30.3 stays 30.3).
func plain(m map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(m))
	for k, raw := range m {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			out[k] = v
		}
	}
	return out
}

func readLocations(r *reader, items []json.RawMessage, path string, cs *catalogScope) []int64 {
	ids := []int64{}
	seen := map[int64]bool{}
	for i, raw := range items {
		ip := index(path, i)
		om := r.object(raw, ip, true)
		if om == nil {
			continue
		}
		var id int64
		var ok, allowed bool
		switch {
		case !absent(om["location_id"]):
			var lid int64
			if lid, ok = r.id(om["location_id"], join(ip, "location_id"), true); ok {
				if id, allowed = cs.location(lid, ""); !allowed {
					r.fail(join(ip, "location_id"), kindLocation, "")
				}
			}
		case !absent(om["ref_location_id"]):
			var ref string
			if ref, ok = r.str(om["ref_location_id"], join(ip, "ref_location_id"), true); ok {
				if id, allowed = cs.location(0, ref); !allowed {
					r.fail(join(ip, "ref_location_id"), kindLocation, "")
				}
			}
		default:
			// "Please input either location_id or ref_location_id."
			r.fail(join(ip, "location_id"), kindRequired, "")
		}
		if allowed && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// readIDs reads [{"<key>": id}, ...].
func readIDs(r *reader, items []json.RawMessage, path, key string) []int64 {
	var ids []int64
	for i, raw := range items {
		ip := index(path, i)
		if om := r.object(raw, ip, true); om != nil {
			if id, ok := r.id(om[key], join(ip, key), true); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// readDated reads special_price (bulk false) or discount_price entries.
// An entry needs its price; a bulk entry needs its purchase count, named
// purchase_count in the table and purchase_quantity in the example (both
// are read).
func readDated(r *reader, items []json.RawMessage, path, cur string, bulk bool) []hub.DatedPrice {
	var out []hub.DatedPrice
	for i, raw := range items {
		ip := index(path, i)
		om := r.object(raw, ip, true)
		if om == nil {
			continue
		}
		d := hub.DatedPrice{SortOrder: 1}
		if pm := r.object(om["price"], join(ip, "price"), true); pm != nil {
			d.Price, _ = r.amount(pm["amount"], join(ip, "price.amount"), cur, true)
		}
		if v, ok := r.smallInt(om["sort_order"], join(ip, "sort_order"), false); ok {
			d.SortOrder = v
		}
		if bulk {
			key := "purchase_count"
			if absent(om[key]) && !absent(om["purchase_quantity"]) {
				key = "purchase_quantity"
			}
			if v, ok := r.smallInt(om[key], join(ip, key), true); ok {
				if v < 1 {
					r.fail(join(ip, key), kindPositive, "")
				}
				d.PurchaseCount = v
			}
		}
		d.StartDate = r.date(om["start_date"], join(ip, "start_date"))
		d.EndDate = r.date(om["end_date"], join(ip, "end_date"))
		out = append(out, d)
	}
	return out
}

// signedAmount reads {"price": {"amount": ...}, "price_adjustment": 1|2}
// into a signed adjustment: 1 adds, 2 deducts.
func signedAmount(r *reader, om map[string]json.RawMessage, path, cur string) int64 {
	var v int64
	if pm := r.object(om["price"], join(path, "price"), true); pm != nil {
		v, _ = r.amount(pm["amount"], join(path, "price.amount"), cur, true)
	}
	adj, _ := r.oneOf(om["price_adjustment"], join(path, "price_adjustment"), true, 1, 2)
	if adj == 2 {
		return -v
	}
	return v
}

func readOptions(r *reader, items []json.RawMessage, path, cur string) []hub.OptionGroup {
	groups := []hub.OptionGroup{}
	for i, raw := range items {
		ip := index(path, i)
		om := r.object(raw, ip, true)
		if om == nil {
			continue
		}
		g := hub.OptionGroup{Values: []hub.OptionValue{}}
		g.ID, _ = r.id(om["option_id"], join(ip, "option_id"), false)
		g.Required, _ = r.flag(om["is_required"], join(ip, "is_required"), false)
		// Not in the create table, but the callback shows option and value
		// names: accept them when sent.
		g.Name = r.i18n(om["name"], join(ip, "name"), false)
		vals, _ := r.array(om["option_values"], join(ip, "option_values"), false)
		for j, vraw := range vals {
			vp := index(join(ip, "option_values"), j)
			vm := r.object(vraw, vp, true)
			if vm == nil {
				continue
			}
			v := hub.OptionValue{}
			v.ID, _ = r.id(vm["value_id"], join(vp, "value_id"), false)
			v.Name = r.i18n(vm["name"], join(vp, "name"), false)
			v.Price = signedAmount(r, vm, vp, cur)
			g.Values = append(g.Values, v)
		}
		assignIDs(g.Values, func(v *hub.OptionValue) *int64 { return &v.ID })
		groups = append(groups, g)
	}
	assignIDs(groups, func(g *hub.OptionGroup) *int64 { return &g.ID })
	return groups
}

func readComponents(r *reader, items []json.RawMessage, path, cur string) []hub.ComboComponent {
	comps := []hub.ComboComponent{}
	for i, raw := range items {
		ip := index(path, i)
		om := r.object(raw, ip, true)
		if om == nil {
			continue
		}
		c := hub.ComboComponent{SortOrder: 1, Items: []hub.ComboItem{}}
		c.ID, _ = r.id(om["component_id"], join(ip, "component_id"), false)
		c.Name = r.i18n(om["name"], join(ip, "name"), false)
		c.Required, _ = r.flag(om["is_required"], join(ip, "is_required"), false)
		if v, ok := r.smallInt(om["item_select_quantity"], join(ip, "item_select_quantity"), false); ok {
			c.SelectQuantity = v
		}
		if v, ok := r.smallInt(om["sort_order"], join(ip, "sort_order"), false); ok {
			c.SortOrder = v
		}
		its, _ := r.array(om["items"], join(ip, "items"), false)
		for j, iraw := range its {
			jp := index(join(ip, "items"), j)
			im := r.object(iraw, jp, true)
			if im == nil {
				continue
			}
			it := hub.ComboItem{SortOrder: 1}
			// product_id is "N" in the table, but an item without a
			// product is nothing to choose.
			it.ProductID, _ = r.id(im["product_id"], join(jp, "product_id"), true)
			it.Price = signedAmount(r, im, jp, cur)
			if v, ok := r.smallInt(im["sort_order"], join(jp, "sort_order"), false); ok {
				it.SortOrder = v
			}
			c.Items = append(c.Items, it)
		}
		comps = append(comps, c)
	}
	assignIDs(comps, func(c *hub.ComboComponent) *int64 { return &c.ID })
	return comps
}

// assignIDs gives each element of xs without an id (0) the smallest unused
// positive id: ids of components, option groups and values are optional
// in the table, and the hub needs them to tell slots apart.
func assignIDs[T any](xs []T, id func(*T) *int64) {
	used := map[int64]bool{}
	for i := range xs {
		used[*id(&xs[i])] = true
	}
	next := int64(1)
	for i := range xs {
		if p := id(&xs[i]); *p == 0 {
			for used[next] {
				next++
			}
			*p, used[next] = next, true
		}
	}
}

// fieldRenames map the hub's field names in validation errors onto the
// wire's; the first match wins.
var fieldRenames = []struct {
	re *regexp.Regexp
	to string
}{
	{regexp.MustCompile(`^brand_id$`), "store.store_id"},
	{regexp.MustCompile(`^ref_id$`), "ref_product_id"},
	{regexp.MustCompile(`^price$`), "price.amount"},
	{regexp.MustCompile(`^min_quantity$`), "purchase_quantity.minimum"},
	{regexp.MustCompile(`^max_quantity$`), "purchase_quantity.maximum"},
	{regexp.MustCompile(`^launch\.start$`), "launch.start_time"},
	{regexp.MustCompile(`^launch\.end$`), "launch.end_time"},
	{regexp.MustCompile(`^special_prices(\[\d+\])\.price$`), "special_price$1.price.amount"},
	{regexp.MustCompile(`^special_prices`), "special_price"},
	{regexp.MustCompile(`^bulk_prices(\[\d+\])\.price$`), "discount_price$1.price.amount"},
	{regexp.MustCompile(`^bulk_prices`), "discount_price"},
	{regexp.MustCompile(`^location_ids(\[\d+\])$`), "locations$1.location_id"},
	{regexp.MustCompile(`^option_groups(\[\d+\])\.values(\[\d+\])\.id$`), "options$1.option_values$2.value_id"},
	{regexp.MustCompile(`^option_groups(\[\d+\])\.values(\[\d+\])\.price$`), "options$1.option_values$2.price.amount"},
	{regexp.MustCompile(`^option_groups(\[\d+\])\.id$`), "options$1.option_id"},
	{regexp.MustCompile(`^option_groups(\[\d+\])\.(min|max)$`), "options$1"},
	{regexp.MustCompile(`^option_groups`), "options"},
	{regexp.MustCompile(`^combo_components(\[\d+\])\.select_quantity$`), "combo_components$1.item_select_quantity"},
	{regexp.MustCompile(`^combo_components(\[\d+\])\.items(\[\d+\])\.price$`), "combo_components$1.items$2.price.amount"},
}

// wireField names a hub field as the wire does, under prefix (a batch
// row's "products[3]").
func wireField(prefix string) func(string) string {
	return func(f string) string {
		for _, r := range fieldRenames {
			if r.re.MatchString(f) {
				f = r.re.ReplaceAllString(f, r.to)
				break
			}
		}
		return join(prefix, f)
	}
}

// productCreated is CreateProduct's answer.
type productCreated struct {
	ProductID int64 `json:"product_id"`
}

// createProduct is CreateProduct.
func (h *Handler) createProduct(ctx context.Context, c *call) answer {
	r := c.reader()
	m := r.body(c.body)
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	cs, err := h.catalogScope(ctx, c)
	if err != nil {
		return h.serviceError(ctx, c, err, nil)
	}
	p := &hub.Product{BrandID: cs.brand.ID, Displayed: true, SortOrder: 1, LocationIDs: []int64{}}
	if err := readProduct(r, m, "", p, cs, true); err != nil {
		return h.serviceError(ctx, c, err, nil)
	}
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	if err := h.Svc.SaveProduct(ctx, p); err != nil {
		return h.serviceError(ctx, c, err, wireField(""))
	}
	return ok(productCreated{ProductID: p.ID})
}

// batchResult is one row of BatchUpdateProduct's answer. The table names
// it item_id; the example, which DESIGN.md §4 follows, product_id.
type batchResult struct {
	ProductID    int64  `json:"product_id"`
	ActionResult int    `json:"action_result"`
	ErrorMsg     string `json:"error_msg"`
}

type batchResults struct {
	Results []batchResult `json:"results"`
}

// batchUpdate is BatchUpdateProduct: each row is its own unit of work; a
// bad row does not stop the others.
func (h *Handler) batchUpdate(ctx context.Context, c *call) answer {
	r := c.reader()
	m := r.body(c.body)
	var rows []json.RawMessage
	if m != nil {
		rows, _ = r.array(m["products"], "products", true)
	}
	objs := make([]map[string]json.RawMessage, len(rows))
	ids := make([]int64, len(rows))
	for i, raw := range rows {
		// A row must name its product: without it the answer could not
		// say which row is which.
		if objs[i] = r.object(raw, index("products", i), true); objs[i] != nil {
			ids[i], _ = r.id(objs[i]["product_id"], index("products", i)+".product_id", true)
		}
	}
	if r.p != nil {
		return h.invalid(c, r.p)
	}
	if len(rows) == 0 {
		return h.invalid(c, &problem{field: "products", kind: kindRequired})
	}
	cs, err := h.catalogScope(ctx, c)
	if err != nil {
		return h.serviceError(ctx, c, err, nil)
	}
	out := batchResults{Results: make([]batchResult, len(rows))}
	missing := 0
	for i := range rows {
		prefix := index("products", i)
		_, err := h.Svc.ModifyProduct(ctx, cs.brand.ID, ids[i], func(p *hub.Product) error {
			// A client bound to some locations changes only products sold
			// nowhere else; others are not its items.
			if !cs.partner.CanEditProduct(p, cs.locationIDs()) {
				return hub.NotFound("product %d not found", ids[i])
			}
			rr := c.reader()
			if err := readProduct(rr, objs[i], prefix, p, cs, false); err != nil {
				return err
			}
			if rr.p != nil {
				return &wireError{p: rr.p}
			}
			return nil
		})
		out.Results[i] = h.rowResult(ctx, c, ids[i], prefix, err)
		if hub.ErrorCode(err) == hub.CodeNotFound {
			missing++
		}
	}
	if missing == len(rows) {
		// Nothing named exists in the client's store: the seed's 404.
		return errorAnswer(http.StatusNotFound, codeNotFound, text(codeNotFound, c.lang))
	}
	return ok(out)
}

func (h *Handler) rowResult(ctx context.Context, c *call, id int64, prefix string, err error) batchResult {
	res := batchResult{ProductID: id}
	if err == nil {
		res.ActionResult = 1
		return res
	}
	var we *wireError
	if errors.As(err, &we) {
		res.ErrorMsg = we.p.message(c.lang)
		return res
	}
	e := hub.AsError(err)
	switch e.Code {
	case hub.CodeNotFound:
		res.ErrorMsg = pick(msgNoSuchItem, c.lang)
	case hub.CodeInvalid:
		res.ErrorMsg = (&problem{field: wireField(prefix)(e.Field), kind: kindService, en: e.Message}).message(c.lang)
	case hub.CodeUnavailable:
		h.Log.WarnContext(ctx, "zeek: batch row unavailable", "product_id", id, "error", err)
		res.ErrorMsg = text(codeUnavailable, c.lang)
	default:
		h.Log.ErrorContext(ctx, "zeek: batch row failed", "product_id", id, "error", err)
		res.ErrorMsg = text(codeInternal, c.lang)
	}
	return res
}
