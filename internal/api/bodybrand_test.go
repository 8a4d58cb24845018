package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"

	"orderhub/internal/api"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// patternRecorder collects the patterns a Routes call registers.
type patternRecorder struct{ patterns []string }

func (p *patternRecorder) Handle(pattern string, _ http.Handler) {
	p.patterns = append(p.patterns, pattern)
}
func (p *patternRecorder) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	p.patterns = append(p.patterns, pattern)
}

// writeRoutes are the /hub/v1 write routes, read from Routes itself so that
// a route added later is covered: every method but GET, but the token
// create (its brand_id is the new token's brand, not the acting one).
func writeRoutes(t *testing.T, svc *service.Service) []string {
	t.Helper()
	rec := &patternRecorder{}
	api.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil))).Routes(rec)
	var out []string
	for _, p := range rec.patterns {
		if method, _, ok := strings.Cut(p, " "); ok && method != "GET" && p != "POST /hub/v1/tokens" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	if len(out) < 25 {
		t.Fatalf("only %d write routes found: %v", len(out), out)
	}
	return out
}

// bodyOf is a body a write route accepts on the brand world (without
// brand_id); "{}" where the route's own checks decide.
var bodyOf = map[string]string{
	"POST /hub/v1/locations/{id}/snooze":           `{"minutes":30}`,
	"PUT /hub/v1/locations/{id}/stock/{productId}": `{"quantity":5}`,
	"PUT /hub/v1/locations/{id}/status":            `{"status":"paused"}`,
	"POST /hub/v1/orders/{ref}/payment":            `{"method":"card"}`,
	"POST /hub/v1/orders/{ref}/actions/{action}":   `{"reason":"x"}`,
	"PATCH /hub/v1/locations/{id}":                 `{"prep_minutes":20}`,
}

// path fills a pattern's path values with brand A's things (the same ids
// in every world built the same way).
func (w *brandWorld) path(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	id := map[string]string{
		"/hub/v1/brands/":            itoa(w.a),
		"/hub/v1/locations/":         itoa(w.locA),
		"/hub/v1/products/":          itoa(w.prodA),
		"/hub/v1/partners/":          itoa(w.partA),
		"/hub/v1/webhook-endpoints/": itoa(w.hookA),
		"/hub/v1/tokens/":            "999999", // never the world's own tokens
	}
	for prefix, v := range id {
		if strings.HasPrefix(path, prefix) {
			path = strings.Replace(path, "{id}", v, 1)
		}
	}
	if strings.Contains(path, "{ref}") {
		path = strings.Replace(path, "{ref}", w.order(), 1)
	}
	r := strings.NewReplacer("{productId}", itoa(w.prodA), "{action}", "cancel", "{credentialId}", "999999", "{id}", "1")
	return r.Replace(path)
}

// TestBodyBrandOnEveryWrite: on every write route an operator token may
// name the brand in the body as in the query: {"brand_id": A, ...} gets
// the answer ?brand_id=A gets (status, code and field), never a 400 for
// an unknown field; and a body brand that contradicts the query is a 400.
func TestBodyBrandOnEveryWrite(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		viaQuery := newBrandWorld(t, st, 2)
		routes := writeRoutes(t, viaQuery.Svc)
		viaBody := newBrandWorld(t, testutil.Stores(t)[st.Dialect()](t), 2)
		op := "operator"
		for _, pattern := range routes {
			method, _, _ := strings.Cut(pattern, " ")
			body := bodyOf[pattern]
			if body == "" {
				body = "{}"
			}
			withBrand := `{"brand_id":` + itoa(viaBody.a) + `,` + strings.TrimPrefix(body, "{")
			if body == "{}" {
				withBrand = `{"brand_id":` + itoa(viaBody.a) + `}`
			}
			qPath := viaQuery.path(pattern)
			sep := "?"
			if strings.Contains(qPath, "?") {
				sep = "&"
			}
			qs, qm := viaQuery.do(method, qPath+sep+"brand_id="+itoa(viaQuery.a), viaQuery.tokens[op], body)
			bs, bm := viaBody.do(method, viaBody.path(pattern), viaBody.tokens[op], withBrand)
			qc, qf := errorOf(qm)
			bc, bf := errorOf(bm)
			if qs != bs || qc != bc || qf != bf || bf == "brand_id" {
				t.Errorf("%s: body brand_id %d %s %q %v; query brand_id %d %s %q", pattern, bs, bc, bf, bm, qs, qc, qf)
			}
		}
		// Contradiction: the query says B, the body A.
		w := viaBody
		status, m := w.do("POST", "/hub/v1/orders/"+w.order()+"/actions/cancel?brand_id="+itoa(w.b), w.tokens[op], `{"reason":"x","brand_id":`+itoa(w.a)+`}`)
		if _, field := errorOf(m); status != 400 || field != "brand_id" {
			t.Fatalf("contradicting brand_id: %d %v", status, m)
		}
		if status, m := w.do("POST", "/hub/v1/locations/"+itoa(w.locA)+"/snooze", w.tokens[op], `{"minutes":30,"brand_id":"x"}`); status != 400 {
			t.Fatalf("brand_id not a number: %d %v", status, m)
		}
	})
}

// TestBodyBrandPicksTheOrder: a ref two brands' orders share is told
// apart by the body's brand_id, as by the query's.
func TestBodyBrandPicksTheOrder(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := newBrandWorld(t, st, 2)
		ctx := context.Background()
		lb, _ := st.ListLocations(ctx, w.b)
		placeShared(t, w, lb[0].ID)
		op := w.tokens["operator"]
		if status, m := w.do("POST", "/hub/v1/orders/SHARED/actions/cancel", op, `{"reason":"x"}`); status != 400 {
			t.Fatalf("ambiguous cancel: %d %v", status, m)
		}
		status, m := w.do("POST", "/hub/v1/orders/SHARED/actions/cancel", op, `{"reason":"x","brand_id":`+itoa(w.b)+`}`)
		if status != 200 || int64(m["brand_id"].(float64)) != w.b || m["status_name"] != "cancelled" {
			t.Fatalf("cancel in brand B: %d %v", status, m)
		}
		// Brand A's order is untouched.
		status, m = w.do("GET", "/hub/v1/orders/SHARED?brand_id="+itoa(w.a), op, "")
		if status != 200 || m["status_name"] != "new" {
			t.Fatalf("brand A's order: %d %v", status, m)
		}
	})
}

func placeShared(t *testing.T, w *brandWorld, locB int64) {
	t.Helper()
	p := &hub.Product{BrandID: w.b, RefID: "P001", Name: hub.I18n{"en": "Rice"}, Price: 950,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	if err := w.Svc.SaveProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tok string
		loc int64
	}{{w.tokens["a"], w.locA}, {w.tokens["b"], locB}} {
		status, m := w.do("POST", "/hub/v1/orders", c.tok, `{"location_id":`+itoa(c.loc)+`,"external_ref":"SHARED","lines":[{"product":"P001","quantity":1}]}`)
		if status != 201 {
			t.Fatalf("order: %d %v", status, m)
		}
	}
}
