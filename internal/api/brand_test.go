package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
	"orderhub/internal/testutil/harness"
)

// brandWorld is an install with one or two brands: brand A with a
// location, a product, an omni partner and a webhook endpoint; brand B
// (when there are two) with a location of its own.
type brandWorld struct {
	*fixture
	tokens             map[string]string // operator, a, b
	a, b               int64             // brand ids (b 0 with one brand)
	locA, prodA, partA int64
	hookA              int64
	seq                int
}

func newBrandWorld(t *testing.T, st store.Store, brands int) *brandWorld {
	t.Helper()
	d := harness.Data{Brands: []harness.Brand{{
		Brand:     hub.Brand{Name: "A", Currency: "KRW"},
		Locations: []hub.Location{{Code: "LA", Name: "A", Timezone: "Asia/Seoul"}},
		Products:  []harness.Product{{Ref: "P001", Name: hub.I18n{"en": "Rice"}, Price: 9500}},
		Tokens:    []string{"A"},
	}}, OperatorToken: "op"}
	if brands == 2 {
		d.Brands = append(d.Brands, harness.Brand{Brand: hub.Brand{Name: "B", Currency: "USD"},
			Locations: []hub.Location{{Code: "LB", Name: "B", Timezone: "Asia/Seoul"}}, Tokens: []string{"B"}})
	}
	h := harness.New(t, st, harness.Config{Options: []service.Option{server.Protocols().Option()}, Data: d})
	h.Serve(server.Handler(server.Config{}, h.Svc, harness.Quiet()), serverDoc(t))
	w := &brandWorld{fixture: &fixture{Harness: h}, tokens: map[string]string{"operator": h.Token(t, ""), "a": h.Token(t, "A")}}
	w.a, w.locA, w.prodA = h.Brand(0).ID, h.Location(t, "LA").ID, h.Product(t, "P001").ID
	if brands == 2 {
		w.b, w.tokens["b"] = h.Brand(1).ID, h.Token(t, "B")
	}
	status, body := w.do("POST", "/hub/v1/partners?brand_id="+itoa(w.a), w.tokens["operator"], `{"protocol":"omni","name":"POS"}`)
	if status != 201 {
		t.Fatalf("partner: %d %v", status, body)
	}
	w.partA = int64(body["id"].(float64))
	status, body = w.do("POST", "/hub/v1/webhook-endpoints", w.tokens["a"], `{"url":"https://example.com/hook","event_types":["order.created"]}`)
	if status != 201 {
		t.Fatalf("webhook endpoint: %d %v", status, body)
	}
	w.hookA = int64(body["id"].(float64))
	return w
}

func (w *brandWorld) do(method, path, token, body string) (int, map[string]any) {
	w.T.Helper()
	status, m, _ := w.fixture.do(method, path, token, body)
	return status, m
}

// order places a fresh order of brand A (so that an action has a NEW
// order to act on) and returns its hub id.
func (w *brandWorld) order() string {
	w.T.Helper()
	status, body := w.do("POST", "/hub/v1/orders", w.tokens["a"],
		`{"location_id":`+itoa(w.locA)+`,"lines":[{"product":"P001","quantity":1}]}`)
	if status != 201 {
		w.T.Fatalf("order: %d %v", status, body)
	}
	return fmt.Sprint(int64(body["id"].(float64)))
}

type brandRoute struct {
	name   string
	method string
	path   func(w *brandWorld) string
	body   func(w *brandWorld) string // nil: no body
	ok     int
}

// brandCase is an install (1 or 2 brands), a token (operator, a, b), the
// brand_id in the query ("", "a", "b") and the answer each route should
// give: its status and the field a 400 names.
type brandCase struct {
	brands int
	token  string
	query  string
	want   func(r brandRoute) (int, string)
}

// TestBrandInference: where each kind of /hub/v1 route gets its brand
// from, for each kind of token, on an install with one brand and with two.
func TestBrandInference(t *testing.T) {
	type route = brandRoute
	type tc = brandCase
	routes := []route{
		{"list products", "GET", func(w *brandWorld) string { return "/hub/v1/products" }, nil, 200},
		{"list orders", "GET", func(w *brandWorld) string { return "/hub/v1/orders" }, nil, 200},
		{"create location", "POST", func(w *brandWorld) string { return "/hub/v1/locations" }, func(w *brandWorld) string {
			w.seq++
			return `{"code":"N` + itoa(int64(w.seq)) + `","name":"New","timezone":"Asia/Seoul"}`
		}, 201},
		{"product by id", "GET", func(w *brandWorld) string { return "/hub/v1/products/" + itoa(w.prodA) }, nil, 200},
		{"patch location by id", "PATCH", func(w *brandWorld) string { return "/hub/v1/locations/" + itoa(w.locA) }, func(*brandWorld) string { return `{"prep_minutes":20}` }, 200},
		{"partner by id", "GET", func(w *brandWorld) string { return "/hub/v1/partners/" + itoa(w.partA) }, nil, 200},
		{"webhook endpoint by id", "GET", func(w *brandWorld) string { return "/hub/v1/webhook-endpoints/" + itoa(w.hookA) }, nil, 200},
		{"order by id", "GET", func(w *brandWorld) string { return "/hub/v1/orders/" + w.order() }, nil, 200},
		{"order action", "POST", func(w *brandWorld) string { return "/hub/v1/orders/" + w.order() + "/actions/confirm" }, nil, 200},
	}
	byID := func(r route) bool { return strings.Contains(r.name, "by id") || strings.HasPrefix(r.name, "order ") }
	okAll := func(r route) (int, string) { return r.ok, "" }
	cases := []tc{
		{1, "operator", "", okAll},
		{1, "operator", "a", okAll},
		{1, "a", "", okAll},
		{2, "operator", "", func(r route) (int, string) {
			if byID(r) {
				return r.ok, ""
			}
			return 400, "brand_id"
		}},
		{2, "operator", "a", okAll},
		{2, "operator", "b", func(r route) (int, string) {
			if byID(r) {
				return 404, ""
			}
			return r.ok, "" // acts on brand B
		}},
		{2, "a", "", okAll},
		{2, "a", "b", func(r route) (int, string) { return 404, "" }},
		{2, "b", "", func(r route) (int, string) {
			if byID(r) {
				return 404, ""
			}
			return r.ok, "" // its own brand
		}},
	}
	for kind, open := range testutil.Stores(t) {
		t.Run(kind, func(t *testing.T) {
			testBrandInference(t, open, routes, cases)
		})
	}
}

func testBrandInference(t *testing.T, open func(*testing.T) store.Store, routes []brandRoute, cases []brandCase) {
	{
		worlds := map[int]*brandWorld{}
		for _, c := range cases {
			if worlds[c.brands] == nil {
				worlds[c.brands] = newBrandWorld(t, open(t), c.brands)
			}
			w := worlds[c.brands]
			for _, r := range routes {
				name := fmt.Sprintf("%d brands/%s token/brand_id=%s/%s", c.brands, c.token, c.query, r.name)
				t.Run(name, func(t *testing.T) {
					path := r.path(w)
					if c.query != "" {
						id := w.a
						if c.query == "b" {
							id = w.b
						}
						path += "?brand_id=" + itoa(id)
					}
					body := ""
					if r.body != nil {
						body = r.body(w)
					}
					status, m := w.do(r.method, path, w.tokens[c.token], body)
					wantStatus, wantField := c.want(r)
					_, field := errorOf(m)
					if status != wantStatus || field != wantField {
						t.Fatalf("%s %s: %d field %q, want %d field %q: %v", r.method, path, status, field, wantStatus, wantField, m)
					}
				})
			}
		}
	}
}

// TestBrandIDQueryAndBody: a write may name its brand in the query or the
// body; both and different is a 400, both and equal is fine.
func TestBrandIDQueryAndBody(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := newBrandWorld(t, st, 2)
		op := w.tokens["operator"]
		cases := []struct {
			name, query, body string
			status            int
			field             string
		}{
			{"body only", "", `"brand_id":` + itoa(w.b) + `,`, 201, ""},
			{"query only", "?brand_id=" + itoa(w.b), "", 201, ""},
			{"both, same", "?brand_id=" + itoa(w.b), `"brand_id":` + itoa(w.b) + `,`, 201, ""},
			{"both, different", "?brand_id=" + itoa(w.a), `"brand_id":` + itoa(w.b) + `,`, 400, "brand_id"},
			{"neither", "", "", 400, "brand_id"},
			{"not a number", "?brand_id=x", "", 400, "brand_id"},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, m := w.do("POST", "/hub/v1/locations"+c.query, op,
					`{`+c.body+`"code":"Q`+itoa(int64(i))+`","name":"Q","timezone":"Asia/Seoul"}`)
				if _, field := errorOf(m); status != c.status || field != c.field {
					t.Fatalf("%d field %q, want %d %q: %v", status, field, c.status, c.field, m)
				}
				if status == 201 && int64(m["brand_id"].(float64)) != w.b {
					t.Fatalf("created in brand %v, want %d", m["brand_id"], w.b)
				}
			})
		}
		// Nothing was created by the refused ones: brand A has its one
		// location, brand B its own and the three accepted.
		la, _ := st.ListLocations(context.Background(), w.a)
		lb, _ := st.ListLocations(context.Background(), w.b)
		if len(la) != 1 || len(lb) != 4 {
			t.Fatalf("locations: A %d, B %d; want 1 and 4", len(la), len(lb))
		}
	})
}

// TestOrderRefAcrossBrands: an operator token on several brands without
// brand_id finds an order by a ref only one brand has, and is asked for
// brand_id when two brands have an order the ref could name.
func TestOrderRefAcrossBrands(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := newBrandWorld(t, st, 2)
		ctx := context.Background()
		p := &hub.Product{BrandID: w.b, RefID: "P001", Name: hub.I18n{"en": "Rice"}, Price: 950,
			IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
		if err := w.Svc.SaveProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		lb, _ := st.ListLocations(ctx, w.b)
		place := func(tok string, loc int64, ext string) {
			status, m := w.do("POST", "/hub/v1/orders", tok, `{"location_id":`+itoa(loc)+`,"external_ref":"`+ext+`","lines":[{"product":"P001","quantity":1}]}`)
			if status != 201 {
				t.Fatalf("order: %d %v", status, m)
			}
		}
		place(w.tokens["a"], w.locA, "ONLY-A")
		place(w.tokens["a"], w.locA, "BOTH")
		place(w.tokens["b"], lb[0].ID, "BOTH")
		op := w.tokens["operator"]
		if status, m := w.do("GET", "/hub/v1/orders/ONLY-A", op, ""); status != 200 || int64(m["brand_id"].(float64)) != w.a {
			t.Fatalf("ONLY-A: %d %v", status, m)
		}
		if status, m := w.do("GET", "/hub/v1/orders/BOTH", op, ""); status != 400 {
			t.Fatalf("BOTH: %d %v, want 400", status, m)
		} else if _, field := errorOf(m); field != "brand_id" {
			t.Fatalf("BOTH: field %q", field)
		}
		if status, m := w.do("GET", "/hub/v1/orders/BOTH?brand_id="+itoa(w.b), op, ""); status != 200 || int64(m["brand_id"].(float64)) != w.b {
			t.Fatalf("BOTH in B: %d %v", status, m)
		}
		if status, _ := w.do("GET", "/hub/v1/orders/NOWHERE", op, ""); status != 404 {
			t.Fatalf("NOWHERE: %d", status)
		}
		// A brand token never learns of the other brand's order.
		if status, _ := w.do("GET", "/hub/v1/orders/ONLY-A", w.tokens["b"], ""); status != 404 {
			t.Fatalf("ONLY-A with brand B's token: %d", status)
		}
	})
}
