package tableorder

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func TestLogin(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		// A client of another protocol (zeek) is refused with the same error.
		zeek := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelZeek, Name: "zeek"}
		zc, _, err := f.Svc.CreatePartner(f.Ctx, zeek)
		must(t, err)
		// A QR client bound to two locations cannot be saved, nor log in
		// when it was stored so before that check (legacy).
		two := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelTableOrder, Name: "qr2", LocationIDs: []int64{f.loc.ID, f.loc2.ID}}
		if _, _, err := f.Svc.CreatePartner(f.Ctx, two); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "location_ids" {
			t.Fatalf("two locations saved: %v", err)
		}
		two.LocationIDs = []int64{f.loc.ID}
		tc, _, err := f.Svc.CreatePartner(f.Ctx, two)
		must(t, err)
		two.LocationIDs = []int64{f.loc.ID, f.loc2.ID}
		f.storePartner(two)

		login := func(name string, s testutil.Scenario) testutil.Scenario {
			s.Name, s.Method, s.Path = name, "POST", "/v1/auth/login"
			return s
		}
		// accepted: the token answer, and the token works.
		accepted := func(name string, s testutil.Scenario) testutil.Scenario {
			s = login(name, s)
			s.Status, s.JSON = http.StatusOK, `{"token_type": "Bearer", "expires_in": 3600}`
			s.WantHeader = map[string]string{"Cache-Control": "no-store"}
			s.After = func(t *testing.T, body []byte) {
				m := response{Body: body}.Object(t)
				tok, _ := m["access_token"].(string)
				if !strings.HasPrefix(tok, "oht_") {
					t.Errorf("%s: token response %s", name, body)
				}
				if (name == "scope") != (m["scope"] == "items:write") {
					t.Errorf("%s: scope in %s", name, body)
				}
				if res := f.post(tok, seed(t, "seed_plain.json")); res.Status != http.StatusNoContent && res.Status != http.StatusConflict {
					t.Errorf("%s: token refused: %d %s", name, res.Status, res.Body)
				}
			}
			return s
		}
		// refused: an RFC 6749 error with a description, nothing written.
		refused := func(name string, status int, code string, s testutil.Scenario) testutil.Scenario {
			s = login(name, s)
			s.Status, s.JSON, s.Unchanged = status, `{"error": "`+code+`"}`, f.Rows
			if status == http.StatusUnauthorized {
				s.WantHeader = map[string]string{"WWW-Authenticate": `Basic realm="orderhub"`}
			}
			s.After = func(t *testing.T, body []byte) {
				if d, _ := (response{Body: body}).Object(t)["error_description"].(string); d == "" {
					t.Errorf("%s: no error_description: %s", name, body)
				}
			}
			return s
		}
		jsonCT := map[string]string{"Content-Type": "application/json"}
		jsonCreds := `{"grant_type":"client_credentials","client_id":"` + f.id + `","client_secret":"` + f.secret + `"}`
		grant := formValues("grant_type", "client_credentials")
		ours := &[2]string{f.id, f.secret}
		f.Scenarios(t, []testutil.Scenario{
			accepted("json body", testutil.Scenario{Body: jsonCreds, Header: jsonCT}),
			accepted("form body", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_id", f.id, "client_secret", f.secret)}),
			accepted("basic + form", testutil.Scenario{Form: grant, Basic: ours}),
			accepted("basic + json", testutil.Scenario{Body: `{"grant_type":"client_credentials"}`, Header: jsonCT, Basic: ours}),
			accepted("json without content type", testutil.Scenario{Body: jsonCreds}),
			accepted("scope", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "scope", "items:write"), Basic: ours}),

			refused("no grant", 400, "invalid_request", testutil.Scenario{Form: formValues("client_id", f.id, "client_secret", f.secret)}),
			refused("password grant", 400, "unsupported_grant_type", testutil.Scenario{Form: formValues("grant_type", "password", "client_id", f.id, "client_secret", f.secret)}),
			refused("wrong secret", 401, "invalid_client", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_id", f.id, "client_secret", "nope")}),
			refused("unknown client", 401, "invalid_client", testutil.Scenario{Body: `{"grant_type":"client_credentials","client_id":"ohc_x","client_secret":"y"}`}),
			refused("no credentials", 401, "invalid_client", testutil.Scenario{Form: grant}),
			refused("wrong basic", 401, "invalid_client", testutil.Scenario{Form: grant, Basic: &[2]string{f.id, "nope"}}),
			refused("malformed basic", 401, "invalid_client", testutil.Scenario{Form: grant, Header: map[string]string{"Authorization": "Basic !!!"}}),
			refused("two methods", 400, "invalid_request", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_secret", f.secret), Basic: ours}),
			refused("bad scope", 400, "invalid_scope", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_id", f.id, "client_secret", f.secret, "scope", "admin")}),
			refused("malformed json", 400, "invalid_request", testutil.Scenario{Body: `{"grant_type":`, Header: jsonCT}),
			refused("non-string json", 400, "invalid_request", testutil.Scenario{Body: `{"grant_type":"client_credentials","client_id":1,"client_secret":"x"}`, Header: jsonCT}),
			refused("zeek client", 401, "invalid_client", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_id", zc.ClientID, "client_secret", zc.ClientSecret)}),
			refused("two locations", 400, "unauthorized_client", testutil.Scenario{Form: formValues("grant_type", "client_credentials", "client_id", tc.ClientID, "client_secret", tc.ClientSecret)}),
		})
		if res := f.Do("GET", "/v1/auth/login", ""); res.Status != http.StatusMethodNotAllowed {
			t.Errorf("GET login: %d", res.Status)
		}
	})
}

// TestTokenLifetimeAndBinding: a token expires after its TTL; revoking
// the client revokes its tokens; orders go to the partner's one location,
// which is read at each request.
func TestTokenLifetimeAndBinding(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		body := seed(t, "seed_plain.json")
		if res := f.post(tok, body); res.Status != http.StatusNoContent {
			t.Fatalf("first order: %d %s", res.Status, res.Body)
		}
		if o := f.order("STORE2005010001"); o.LocationID != f.loc.ID || o.PartnerID != f.partner.ID {
			t.Fatalf("order at location %d by partner %d", o.LocationID, o.PartnerID)
		}

		f.Clock.Add(59 * time.Minute)
		second := mutate(t, body, edit{path: "id", v: "STORE2005010002"})
		if res := f.post(tok, second); res.Status != http.StatusNoContent {
			t.Fatalf("before expiry: %d %s", res.Status, res.Body)
		}
		f.Clock.Add(2 * time.Minute)
		res := f.post(tok, mutate(t, body, edit{path: "id", v: "STORE2005010003"}))
		if res.Status != http.StatusUnauthorized || res.Object(t)["error"].(map[string]any)["code"] != "invalid_token" {
			t.Fatalf("after expiry: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(res.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}

		// Moving the partner to the other location moves its next orders.
		tok = f.token()
		f.partner.LocationIDs = []int64{f.loc2.ID}
		must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
		third := mutate(t, body, edit{path: "id", v: "STORE2005010004"})
		if res := f.post(tok, third); res.Status != http.StatusNoContent {
			t.Fatalf("after move: %d %s", res.Status, res.Body)
		}
		if o := f.order("STORE2005010004"); o.LocationID != f.loc2.ID {
			t.Fatalf("order at location %d, want %d", o.LocationID, f.loc2.ID)
		}
		// Bound to two locations: refused when saved, and at use when it
		// was stored so before that check (legacy).
		f.partner.LocationIDs = []int64{f.loc.ID, f.loc2.ID}
		if err := f.Svc.UpdatePartner(f.Ctx, f.partner); hub.ErrorCode(err) != hub.CodeInvalid {
			t.Fatalf("two locations saved: %v", err)
		}
		f.storePartner(f.partner)
		if res := f.post(tok, mutate(t, body, edit{path: "id", v: "STORE2005010005"})); res.Status != http.StatusForbidden {
			t.Fatalf("two locations: %d %s", res.Status, res.Body)
		}

		// Revoking the client revokes its tokens.
		f.partner.LocationIDs = []int64{f.loc.ID}
		must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
		creds, err := st.ListCredentials(f.Ctx, f.partner.ID)
		must(t, err)
		for _, c := range creds {
			if c.Kind == store.CredClient {
				must(t, f.Svc.RevokeCredential(f.Ctx, f.partner.ID, c.ID))
			}
		}
		if res := f.post(tok, mutate(t, body, edit{path: "id", v: "STORE2005010006"})); res.Status != http.StatusUnauthorized {
			t.Fatalf("revoked client: %d %s", res.Status, res.Body)
		}
	})
}

// TestErrors: each failure has its status, code and path into the body.
func TestErrors(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		plain := seed(t, "seed_plain.json")
		taste := seed(t, "seed_combo_taste.txt")
		combo := seed(t, "seed_combo.json")
		const item1Opt = "cart.items[1].selected_modifier_groups[0].selected_items[0]"
		cases := []struct {
			name   string
			body   string
			status int
			code   string
			path   string
		}{
			{"empty body", "", 400, "invalid_request", "body"},
			{"malformed", `{"id":`, 400, "invalid_request", "body"},
			{"not an object", `[1]`, 400, "invalid_request", "body"},
			{"no id", mutate(t, plain, edit{path: "id", del: true}), 400, "invalid_request", "id"},
			{"id not a string", mutate(t, plain, edit{path: "id", v: true}), 400, "invalid_request", "id"},
			{"no type", mutate(t, plain, edit{path: "type", del: true}), 400, "invalid_request", "type"},
			{"bad type", mutate(t, plain, edit{path: "type", v: "TAKEAWAY"}), 400, "invalid_request", "type"},
			{"no cart", mutate(t, plain, edit{path: "cart", del: true}), 400, "invalid_request", "cart"},
			{"cart string", mutate(t, plain, edit{path: "cart", v: "x"}), 400, "invalid_request", "cart"},
			{"empty items", mutate(t, plain, edit{path: "cart.items", v: []any{}}), 400, "invalid_request", "cart.items"},
			{"quantity string", mutate(t, plain, edit{path: "cart.items[0].quantity", v: "2"}), 400, "invalid_request", "cart.items[0].quantity"},
			{"quantity fraction", mutate(t, plain, edit{path: "cart.items[0].quantity", v: 1.5}), 400, "invalid_request", "cart.items[0].quantity"},
			{"no price", mutate(t, plain, edit{path: "cart.items[1].price", del: true}), 400, "invalid_request", "cart.items[1].price"},
			{"amount string", mutate(t, plain, edit{path: "cart.items[0].price.unit_price.amount", v: "40000"}), 400, "invalid_request", "cart.items[0].price.unit_price.amount"},
			{"negative amount", mutate(t, plain, edit{path: "cart.items[0].price.unit_price.amount", v: -1}), 400, "invalid_request", "cart.items[0].price.unit_price.amount"},
			{"mixed currency", mutate(t, plain, edit{path: "cart.items[1].price.unit_price.currency_code", v: "USD"}), 400, "invalid_request", "cart.items[1].price.unit_price.currency_code"},
			{"bad group type", mutate(t, plain, edit{path: "cart.items[0].selected_modifier_groups[0].type", v: "SIDE"}), 400, "invalid_request", "cart.items[0].selected_modifier_groups[0].type"},
			{"pack without suit", mutate(t, taste, edit{path: "cart.items[0].selected_modifier_groups[0].type", v: "PACK"}), 400, "invalid_request", "cart.items[0].selected_modifier_groups[0].pack_suit_id"},
			{"too deep", mutate(t, plain, edit{path: item1Opt + ".selected_modifier_groups", v: []any{map[string]any{"id": "1", "selected_items": []any{
				map[string]any{"id": "1", "quantity": 1, "selected_modifier_groups": []any{map[string]any{"id": "1", "selected_items": []any{
					map[string]any{"id": "1", "quantity": 1, "selected_modifier_groups": []any{map[string]any{"id": "1"}}}}}}}}}}}),
				400, "invalid_request", item1Opt + ".selected_modifier_groups[0].selected_items[0].selected_modifier_groups[0].selected_items[0].selected_modifier_groups"},

			{"too many lines", manyItems(t, plain, hub.MaxLines+1), 400, "invalid_request", "cart.items"},
			{"unknown product", mutate(t, plain, edit{path: "cart.items[1].id", v: "P999"}), 404, "unknown_product", "cart.items[1].id"},
			{"unknown value", mutate(t, plain, edit{path: item1Opt + ".id", v: "9"}), 422, "invalid_option", item1Opt + ".id"},
			{"non-numeric value", mutate(t, plain, edit{path: item1Opt + ".id", v: "rice"}), 422, "invalid_option", item1Opt + ".id"},
			{"unknown group", mutate(t, plain, edit{path: "cart.items[1].selected_modifier_groups[0].id", v: "99"}), 422, "invalid_option", "cart.items[1].selected_modifier_groups[0].id"},
			{"taste without id", mutate(t, plain, edit{path: "cart.items[1].selected_modifier_groups[0].id", del: true}), 422, "invalid_option", "cart.items[1].selected_modifier_groups[0].id"},
			{"option with groups", mutate(t, plain, edit{path: item1Opt + ".selected_modifier_groups", v: []any{map[string]any{"id": "1", "selected_items": []any{}}}}),
				422, "invalid_option", item1Opt + ".selected_modifier_groups"},
			{"too many values", mutate(t, plain, edit{path: "cart.items[0].selected_modifier_groups[0].selected_items", v: []any{
				map[string]any{"id": "1", "quantity": 1}, map[string]any{"id": "2", "quantity": 1}}}),
				422, "invalid_option", "cart.items[0].selected_modifier_groups"},
			{"price mismatch", mutate(t, plain, edit{path: "cart.items[0].price.unit_price.amount", v: 39999}), 422, "price_mismatch", "cart.items[0].price.unit_price.amount"},
			{"brand currency", mutate(t, mutate(t, plain,
				edit{path: "cart.items[0].price.unit_price.currency_code", v: "USD"}, edit{path: "cart.items[0].price.total_price.currency_code", v: "USD"}),
				edit{path: "cart.items[1].price.unit_price.currency_code", v: "USD"}, edit{path: "cart.items[1].price.total_price.currency_code", v: "USD"},
				edit{path: "cart.items[0].selected_modifier_groups[0].selected_items[0].price.unit_price.currency_code", v: "USD"},
				edit{path: "cart.items[0].selected_modifier_groups[0].selected_items[0].price.total_price.currency_code", v: "USD"},
				edit{path: "cart.items[1].selected_modifier_groups[0].selected_items[0].price.unit_price.currency_code", v: "USD"},
				edit{path: "cart.items[1].selected_modifier_groups[0].selected_items[0].price.total_price.currency_code", v: "USD"},
				edit{path: "cart.items[1].selected_modifier_groups[1].selected_items[0].price.unit_price.currency_code", v: "USD"},
				edit{path: "cart.items[1].selected_modifier_groups[1].selected_items[0].price.total_price.currency_code", v: "USD"}),
				422, "currency_mismatch", "cart.items[0].price.unit_price.currency_code"},
			{"zero quantity line", mutate(t, plain, edit{path: "cart.items[0].quantity", v: 0}), 422, "invalid", "cart.items[0].quantity"},
			{"unknown combo item", mutate(t, combo, edit{path: "cart.items[0].selected_modifier_groups[1].selected_items[2].id", v: "UC99"}),
				422, "invalid_option", "cart.items[0].selected_modifier_groups[1].selected_items[2].id"},
			{"product not in combo", mutate(t, combo, edit{path: "cart.items[0].selected_modifier_groups[1].selected_items[2].id", v: "P001"}),
				422, "invalid_option", "cart.items[0].selected_modifier_groups[1].selected_items[2].id"},
			{"combo in combo item", mutate(t, combo, edit{path: "cart.items[0].selected_modifier_groups[0].selected_items[0].selected_modifier_groups[0].type", v: "COMBO"}),
				422, "invalid_option", "cart.items[0].selected_modifier_groups[0].selected_items[0].selected_modifier_groups[0]"},
			{"slot overfilled", mutate(t, combo, edit{path: "cart.items[0].selected_modifier_groups[1].selected_items[1].quantity", v: 2}),
				422, "invalid_option", "cart.items[0].selected_modifier_groups"},
			{"out of stock", mutate(t, plain, edit{path: "cart.items[0].quantity", v: 11},
				edit{path: "cart.items[0].price.total_price.amount", v: 440000}), 409, "not_enough_stock", "cart.items[0]"},
		}
		for _, c := range cases {
			res := f.post(tok, c.body)
			if res.Status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, res.Status, c.status, res.Body)
				continue
			}
			e, _ := res.Object(t)["error"].(map[string]any)
			if e == nil || e["code"] != c.code || e["path"] != c.path || e["message"] == "" {
				t.Errorf("%s: body %s, want code %s path %s", c.name, res.Body, c.code, c.path)
			}
			if res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: Content-Type %q", c.name, res.Header.Get("Content-Type"))
			}
		}
		if n := f.orderCount(); n != 0 {
			t.Fatalf("%d orders stored by refused requests", n)
		}
		for _, hdr := range [][]string{nil, {"Authorization", "Bearer nope"}, {"Authorization", "Basic eDp5"}} {
			res := f.Do("POST", "/v1/items", plain, hdr...)
			if res.Status != http.StatusUnauthorized || res.Object(t)["error"].(map[string]any)["code"] != "invalid_token" {
				t.Errorf("auth %v: %d %s", hdr, res.Status, res.Body)
			}
		}
	})
}

// TestShapes: the cart as an array, lower-case enums, explicit types,
// PACK with its suit id, removed items and price policy "accept".
func TestShapes(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		plain := seed(t, "seed_plain.json")

		var root map[string]any
		must(t, json.Unmarshal([]byte(mutate(t, plain, edit{path: "id", v: "ARR-1"}, edit{path: "type", v: "pick_up"})), &root))
		root["cart"] = []any{root["cart"]}
		ab, err := json.Marshal(root)
		must(t, err)
		arr := string(ab)
		if res := f.post(tok, arr); res.Status != http.StatusNoContent {
			t.Fatalf("cart array: %d %s (%s)", res.Status, res.Body, arr)
		}
		if o := f.order("ARR-1"); len(o.Lines) != 2 || o.Type != hub.OrderPickUp {
			t.Fatalf("cart array: %d lines, type %s", len(o.Lines), o.Type)
		}
		// A path in an array cart names the cart's index.
		bad := strings.Replace(arr, `"id":"P002"`, `"id":"P404"`, 1)
		bad = strings.Replace(bad, `"ARR-1"`, `"ARR-2"`, 1)
		if res := f.post(tok, bad); res.Status != 404 || !strings.Contains(string(res.Body), `"path":"cart[0].items[1].id"`) {
			t.Fatalf("array path: %d %s", res.Status, res.Body)
		}

		taste := seed(t, "seed_combo_taste.txt")
		pack := mutate(t, taste, edit{path: "id", v: "PACK-1"},
			edit{path: "cart.items[0].selected_modifier_groups[0].type", v: "PACK"},
			edit{path: "cart.items[0].selected_modifier_groups[0].pack_suit_id", v: "S-9"},
			edit{path: "cart.items[0].selected_modifier_groups[1].type", v: "combo"},
			edit{path: "cart.items[0].selected_modifier_groups[3].type", v: "TASTE"},
			edit{path: "cart.items[0].selected_modifier_groups[1].removed_items", v: []any{
				map[string]any{"id": "AA020103002", "title": "牛舌", "quantity": 1}}},
			edit{path: "cart.items[0].selected_modifier_groups[0].selected_items[0].special_instructions", v: "少鹽"},
			edit{path: "type", v: "DELIVERY"})
		// Removing 牛舌 from the second 肉品 group keeps it selected in the
		// third one: drop that group's choice so the slot holds one.
		if res := f.post(tok, pack); res.Status != http.StatusNoContent {
			t.Fatalf("pack: %d %s", res.Status, res.Body)
		}
		o := f.order("PACK-1")
		if o.Type != hub.OrderDelivery {
			t.Errorf("type %s", o.Type)
		}
		m := o.Lines[0].Modifiers
		if m[0].GroupType != "PACK" || m[0].PackSuitID != "S-9" || m[0].Note != "少鹽" {
			t.Errorf("pack node %+v", m[0])
		}
		var removed *hub.Modifier
		for i := range m {
			if m[i].Removed {
				removed = &m[i]
			}
		}
		if removed == nil || removed.ItemID != "AA020103002" || removed.TotalPrice != 0 || removed.GroupType != "COMBO" {
			t.Errorf("removed node %+v", removed)
		}

		// Price policy accept: a mismatch is taken and flagged.
		f.partner.Settings.PricePolicy = hub.PriceAccept
		must(t, f.Svc.UpdatePartner(f.Ctx, f.partner))
		cheap := mutate(t, plain, edit{path: "id", v: "CHEAP-1"}, edit{path: "cart.items[0].price.unit_price.amount", v: 100})
		if res := f.post(tok, cheap); res.Status != http.StatusNoContent {
			t.Fatalf("accept policy: %d %s", res.Status, res.Body)
		}
		if o := f.order("CHEAP-1"); !o.PriceFlagged || o.Lines[0].ClientUnitPrice == nil || *o.Lines[0].ClientUnitPrice != 100 || o.Lines[0].UnitPrice != 40000 {
			t.Errorf("accept policy: flagged %v line %+v", o.PriceFlagged, o.Lines[0])
		}
	})
}

// TestIdempotency: unique_code (or the id) makes retries safe; the same id
// or key with a different body is a conflict; Idempotency-Key works too.
func TestIdempotency(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		plain := seed(t, "seed_plain.json")
		a := mutate(t, plain, edit{path: "unique_code", v: "U-1"})
		for i := 0; i < 2; i++ {
			if res := f.post(tok, a); res.Status != http.StatusNoContent {
				t.Fatalf("try %d: %d %s", i, res.Status, res.Body)
			}
		}
		// Whitespace and key order do not make a different request.
		if res := f.post(tok, strings.ReplaceAll(a, ",", " ,\n ")); res.Status != http.StatusNoContent {
			t.Fatalf("reformatted retry: %d %s", res.Status, res.Body)
		}
		if n := f.orderCount(); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}
		if o := f.order("STORE2005010001"); o.Attributes["unique_code"] != "U-1" {
			t.Errorf("attributes %v", o.Attributes)
		}
		conflicts := []struct {
			name, body, code, path string
		}{
			{"same key, other body", mutate(t, a, edit{path: "cart.items[0].quantity", v: 1},
				edit{path: "cart.items[0].price.total_price.amount", v: 40000}), "idempotency_key_reused", "unique_code"},
			{"same key, other id", mutate(t, a, edit{path: "id", v: "OTHER"}), "idempotency_key_reused", "unique_code"},
			{"same id, other key", mutate(t, a, edit{path: "unique_code", v: "U-2"}), "duplicate_order", "id"},
			{"same id, no key", plain, "duplicate_order", "id"},
		}
		for _, c := range conflicts {
			res := f.post(tok, c.body)
			e, _ := res.Object(t)["error"].(map[string]any)
			if res.Status != http.StatusConflict || e["code"] != c.code || e["path"] != c.path {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
			}
		}
		// Without unique_code the id is the key: a retry is 204.
		b := mutate(t, plain, edit{path: "id", v: "NOKEY-1"})
		for i := 0; i < 2; i++ {
			if res := f.post(tok, b); res.Status != http.StatusNoContent {
				t.Fatalf("no key try %d: %d %s", i, res.Status, res.Body)
			}
		}
		if n := f.orderCount(); n != 2 {
			t.Fatalf("%d orders, want 2", n)
		}
		// A retry with a fresh token (the QR app logged in again) is still
		// the same request.
		if res := f.post(f.token(), b); res.Status != http.StatusNoContent {
			t.Fatalf("new token retry: %d %s", res.Status, res.Body)
		}

		// The Idempotency-Key header.
		c := mutate(t, plain, edit{path: "id", v: "HDR-1"})
		for i := 0; i < 2; i++ {
			res := f.post(tok, c, "Idempotency-Key", "k-1")
			if res.Status != http.StatusNoContent || (i == 1) != (res.Header.Get("Idempotent-Replayed") == "true") {
				t.Fatalf("header try %d: %d %v %s", i, res.Status, res.Header, res.Body)
			}
		}
		res := f.post(tok, mutate(t, plain, edit{path: "id", v: "HDR-2"}), "Idempotency-Key", "k-1")
		if e, _ := res.Object(t)["error"].(map[string]any); res.Status != http.StatusUnprocessableEntity || e["code"] != "idempotency_key_reused" {
			t.Fatalf("header reuse: %d %s", res.Status, res.Body)
		}
		if n := f.orderCount(); n != 3 {
			t.Fatalf("%d orders, want 3", n)
		}
	})
}

// manyItems repeats the first item of body n times.
func manyItems(t *testing.T, body string, n int) string {
	t.Helper()
	var root map[string]any
	must(t, json.Unmarshal([]byte(body), &root))
	cart := root["cart"].(map[string]any)
	first := cart["items"].([]any)[0]
	items := make([]any, n)
	for i := range items {
		items[i] = first
	}
	cart["items"] = items
	b, err := json.Marshal(root)
	must(t, err)
	return string(b)
}

// TestWrongMethod: another method than POST is 405 with Allow: POST, in
// the path's own JSON envelope (RFC 6749 on the token endpoint, the error
// envelope on /v1/items), not the mux's plain text.
func TestWrongMethod(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/items", `{"error":{"code":"method_not_allowed","message":"method GET not allowed"}}`},
		{"PUT", "/v1/items", `{"error":{"code":"method_not_allowed","message":"method PUT not allowed"}}`},
		{"GET", "/v1/auth/login", `{"error":"invalid_request","error_description":"method GET not allowed"}`},
		{"DELETE", "/v1/auth/login", `{"error":"invalid_request","error_description":"method DELETE not allowed"}`},
	} {
		res := f.Do(c.method, c.path, "")
		if res.Status != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "POST" ||
			res.Header.Get("Content-Type") != "application/json" || strings.TrimSpace(string(res.Body)) != c.body {
			t.Errorf("%s %s: %d Allow %q %q %s", c.method, c.path, res.Status, res.Header.Get("Allow"), res.Header.Get("Content-Type"), res.Body)
		}
	}
}
