package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// The schemas of openapi.json that describe /hub/v1 bodies must match the
// Go types the handlers encode and decode: the same JSON member names, the
// same JSON types, "required" exactly the members always written (no
// omitempty), null only where Go can write null. Request schemas may name
// a subset of the members (decoding is strict, so a member the type lacks
// would be refused). Nested objects are followed through $ref, allOf and
// nullable anyOf. internal/server's tests check the paths against the mux.

// responseSchemas are written by the handlers.
var responseSchemas = map[string]any{
	"Error":            errorBody{},
	"Brand":            hub.Brand{},
	"Location":         hub.Location{},
	"StockLevel":       service.StockLevel{},
	"Product":          hub.Product{},
	"Timeslot":         hub.Timeslot{},
	"Order":            orderView{},
	"OrderEvent":       hub.OrderEvent{},
	"Partner":          hub.Partner{},
	"PartnerCreated":   partnerView{},
	"IssuedCredential": service.IssuedCredential{},
	"Credential":       store.Credential{},
	"HubToken":         service.HubToken{},
	"IssuedHubToken":   service.IssuedHubToken{},
	"Balance":          balanceView{},
	"TopUp":            topUpView{},
	"BalanceEntry":     store.BalanceEntry{},
	"WebhookEndpoint":  endpointView{},
	"Delivery":         deliveryView{},
	"DeliveryAttempt":  attemptView{},

	"BrandList":           page[hub.Brand]{},
	"LocationList":        page[hub.Location]{},
	"LocationStatus":      hub.LocationStatus{},
	"AcceptPolicy":        hub.AcceptPolicy{},
	"Snooze":              hub.Snooze{},
	"SnoozeList":          snoozeList{},
	"SnoozedProduct":      service.SnoozedProduct{},
	"StockLevelList":      page[service.StockLevel]{},
	"ProductList":         page[hub.Product]{},
	"TimeslotList":        page[hub.Timeslot]{},
	"OrderList":           page[orderView]{},
	"OrderEventList":      page[hub.OrderEvent]{},
	"PartnerList":         page[hub.Partner]{},
	"CredentialList":      page[store.Credential]{},
	"HubTokenList":        page[service.HubToken]{},
	"BalanceEntryList":    page[store.BalanceEntry]{},
	"WebhookEndpointList": page[endpointView]{},
	"DeliveryList":        page[deliveryView]{},
}

// requestSchemas are decoded by the handlers.
var requestSchemas = map[string]any{
	"BrandInput":          hub.Brand{},
	"LocationInput":       hub.Location{},
	"ProductInput":        hub.Product{},
	"TimeslotInput":       hub.Timeslot{},
	"PartnerInput":        hub.Partner{},
	"OrderRequest":        orderRequest{},
	"OrderLineRequest":    lineRequest{},
	"OptionRequest":       optionRequest{},
	"ComboRequest":        comboRequest{},
	"HubTokenInput":       hubTokenRequest{},
	"SnoozeInput":         snoozeRequest{},
	"UnsnoozeInput":       unsnoozeRequest{},
	"LocationStatusInput": statusRequest{},
	"AcceptPolicyInput":   hub.AcceptPolicy{},
}

// unchecked are the native API's schemas with no named Go type to compare
// with (maps and anonymous structs in the handlers), and the building
// blocks reached through the schemas above. Partner protocol schemas are
// not in this document: each protocol package has its own part
// (internal/protocol/<name>/openapi.json), merged in by internal/server.
var unchecked = []string{
	"Health", "Ready", "ErrorObject", "NextCursor", "Id", "Timestamp", "Money", "I18n", "Channel",
	"OrderStatus", "PaymentStatus", "ProductType", "EventType",
	"DatedPrice", "Launch", "OptionGroup", "OptionValue", "ComboComponent", "ComboItem",
	"Customer", "DeliveryAddress", "Modifier", "OrderLine", "Fees", "StockNeed", "ProductRef",
	"PartnerSettings", "DeliveryStatus", "DeliveryTarget",
	// Anonymous request structs and map answers of the handlers.
	"StockInput", "OrderActionInput", "OrderPaymentInput", "CallbackSecret", "TopUpInput",
	"WebhookEndpointCreate", "WebhookEndpointPatch", "WebhookSecretRotation", "ReplayCount",
	// listEvents and the webhook body are built from the stored payload.
	"EventPayload", "Event", "EventList", "WebhookEvent",
}

func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)

	for name := range schemas {
		_, resp := responseSchemas[name]
		_, req := requestSchemas[name]
		if !resp && !req && !slices.Contains(unchecked, name) {
			t.Errorf("schema %s is neither compared with a Go type nor listed as unchecked", name)
		}
	}
	for _, set := range []struct {
		input bool
		types map[string]any
	}{{false, responseSchemas}, {true, requestSchemas}} {
		for _, name := range sortedKeys(set.types) {
			s, ok := schemas[name].(map[string]any)
			if !ok {
				t.Errorf("no schema %s", name)
				continue
			}
			c := &schemaChecker{t: t, doc: doc, input: set.input}
			c.check(name, s, reflect.TypeOf(set.types[name]), false)
		}
	}
}

type schemaChecker struct {
	t     *testing.T
	doc   map[string]any
	input bool
	depth int
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists the members encoding/json writes for a struct type,
// embedded structs flattened.
func jsonFields(typ reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, shadowed := out[k]; !shadowed {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{typ: f.Type, omitempty: strings.Contains(","+opts+",", ",omitempty,")}
	}
	return out
}

// flatten resolves $ref, merges allOf and unwraps a nullable anyOf
// ([X, {"type": "null"}]), reporting whether null is allowed.
func (c *schemaChecker) flatten(at string, s map[string]any) (map[string]any, bool) {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		r, ok := resolveRef(c.doc, ref).(map[string]any)
		if !ok {
			c.t.Errorf("%s: $ref %s does not resolve", at, ref)
			return map[string]any{}, false
		}
		s = r
	}
	null := slices.Contains(schemaTypes(s), "null")
	out := map[string]any{}
	for k, v := range s {
		out[k] = v
	}
	if alts, ok := s["anyOf"].([]any); ok {
		var rest []map[string]any
		for _, b := range alts {
			bm, _ := b.(map[string]any)
			if bt := schemaTypes(bm); len(bt) == 1 && bt[0] == "null" {
				null = true
				continue
			}
			rest = append(rest, bm)
		}
		if len(rest) == 1 {
			inner, n := c.flatten(at, rest[0])
			return inner, null || n
		}
		return out, null
	}
	if all, ok := s["allOf"].([]any); ok {
		props := map[string]any{}
		var required []any
		for k, v := range asMap(out["properties"]) {
			props[k] = v
		}
		required = append(required, asSlice(out["required"])...)
		for _, b := range all {
			bm, n := c.flatten(at, asMap(b))
			null = null || n
			for k, v := range asMap(bm["properties"]) {
				props[k] = v
			}
			required = append(required, asSlice(bm["required"])...)
			if out["type"] == nil && bm["type"] != nil {
				out["type"] = bm["type"]
			}
		}
		out["properties"], out["required"] = props, required
	}
	return out, null
}

func (c *schemaChecker) check(at string, s map[string]any, typ reflect.Type, goNull bool) {
	if c.depth > 30 {
		return // recursive types (Modifier.children)
	}
	c.depth++
	defer func() { c.depth-- }()

	s, null := c.flatten(at, s)
	for typ.Kind() == reflect.Pointer {
		typ, goNull = typ.Elem(), true
	}
	types := schemaTypes(s)
	want := func(jt string) {
		if !slices.Contains(types, jt) {
			c.t.Errorf("%s: schema type %v, but Go %s encodes as %s", at, types, typ, jt)
		}
	}
	switch typ.Kind() {
	case reflect.Slice, reflect.Map, reflect.Interface:
		goNull = true
	}
	if null && !goNull && !c.input {
		c.t.Errorf("%s: schema allows null, but Go %s never encodes as null", at, typ)
	}

	switch {
	case typ == reflect.TypeOf(time.Time{}), typ == reflect.TypeOf(wireTime{}), typ == reflect.TypeOf(scheduleTime{}):
		want("string")
		if s["format"] != "date-time" {
			c.t.Errorf("%s: a time without format date-time", at)
		}
		return
	case typ == reflect.TypeOf(json.RawMessage{}), typ.Kind() == reflect.Interface:
		return
	}
	switch typ.Kind() {
	case reflect.Struct:
		want("object")
		fields := jsonFields(typ)
		props := asMap(s["properties"])
		for name, p := range props {
			f, ok := fields[name]
			if !ok {
				c.t.Errorf("%s.%s: not a member of Go %s", at, name, typ)
				continue
			}
			c.check(at+"."+name, asMap(p), f.typ, false)
		}
		if c.input {
			return
		}
		var always []string
		for name, f := range fields {
			if _, ok := props[name]; !ok {
				c.t.Errorf("%s: Go %s writes %q, which the schema lacks", at, typ, name)
			}
			if !f.omitempty {
				always = append(always, name)
			}
		}
		var required []string
		for _, r := range asSlice(s["required"]) {
			required = append(required, r.(string))
		}
		sort.Strings(always)
		sort.Strings(required)
		if !slices.Equal(always, required) {
			c.t.Errorf("%s: required %v, but Go %s always writes %v", at, required, typ, always)
		}
	case reflect.Map:
		want("object")
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			c.check(at+"[*]", ap, typ.Elem(), false)
		}
	case reflect.Slice, reflect.Array:
		want("array")
		if items, ok := s["items"].(map[string]any); ok {
			c.check(at+"[]", items, typ.Elem(), false)
		} else {
			c.t.Errorf("%s: an array without items", at)
		}
	case reflect.String:
		want("string")
	case reflect.Bool:
		want("boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want("integer")
	case reflect.Float32, reflect.Float64:
		want("number")
	default:
		c.t.Errorf("%s: no rule for Go %s", at, typ)
	}
}

// schemaTypes returns a schema's "type" as a list.
func schemaTypes(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func resolveRef(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
