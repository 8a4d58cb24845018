package api_test

import (
	"testing"

	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestUnknownBrandNotFound: an operator naming a brand that does not
// exist gets 404 on a list, as on a create, never 200 with an empty list.
func TestUnknownBrandNotFound(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		w := newBrandWorld(t, st, 2)
		for _, path := range []string{"/hub/v1/orders", "/hub/v1/products", "/hub/v1/locations", "/hub/v1/partners", "/hub/v1/timeslots", "/hub/v1/webhook-endpoints"} {
			status, m := w.do("GET", path+"?brand_id=99", w.tokens["operator"], "")
			if code, _ := errorOf(m); status != 404 || code != "not_found" {
				t.Errorf("GET %s?brand_id=99: %d %v, want 404 not_found", path, status, m)
			}
		}
		if status, m := w.do("POST", "/hub/v1/locations?brand_id=99", w.tokens["operator"], `{"code":"X","name":"X","timezone":"Asia/Seoul"}`); status != 404 {
			t.Errorf("create in brand 99: %d %v", status, m)
		}
		// A brand token naming another brand is not found too (unchanged).
		if status, _ := w.do("GET", "/hub/v1/orders?brand_id=99", w.tokens["a"], ""); status != 404 {
			t.Errorf("brand token, brand 99: %d", status)
		}
	})
}
