package zeek

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestHeaders: KS-Client-Request-Id, KS-Lang and KS-Region on every call,
// the token call included; messages in the caller's language.
func TestHeaders(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	body := f.productBody("h1", nil)
	tokenBody := `{"client_id":"` + f.a.clientID + `","client_secret":"` + f.a.clientSecret + `"}`
	cases := []struct {
		what   string
		path   string
		client *client
		hdr    []string
		status int
		code   string
		msg    string
	}{
		{"no request id", PathCreate, f.a, []string{"KS-Client-Request-Id", ""}, 400, "40001", "Invalid parameter: KS-Client-Request-Id is required"},
		{"no request id, vi", PathCreate, f.a, []string{"KS-Client-Request-Id", "", "KS-Lang", "vi"}, 400, "40001", "Tham số không hợp lệ: KS-Client-Request-Id là bắt buộc"},
		{"no lang", PathCreate, f.a, []string{"KS-Lang", ""}, 400, "40001", "Invalid parameter: KS-Lang is required"},
		{"two langs", PathCreate, f.a, []string{"KS-Lang", "en,vi"}, 400, "40001", "Invalid parameter: KS-Lang must be one of en, vi"},
		{"unknown region", PathCreate, f.a, []string{"KS-Region", "PAR"}, 400, "40001", "Invalid parameter: KS-Region must be one of SGN, HKG, BKK, SIN"},
		{"unknown region, vi", PathCreate, f.a, []string{"KS-Region", "PAR", "KS-Lang", "VI"}, 400, "40001", "Tham số không hợp lệ: KS-Region phải là một trong các giá trị SGN, HKG, BKK, SIN"},
		{"token call without request id", PathToken, nil, []string{"KS-Client-Request-Id", ""}, 400, "40001", "Invalid parameter: KS-Client-Request-Id is required"},
		{"token call without lang", PathToken, nil, []string{"KS-Lang", ""}, 400, "40001", "Invalid parameter: KS-Lang is required"},
		{"no token", PathCreate, f.a, []string{"Authorization", ""}, 401, "40101", "Unauthorised"},
		{"no token, vi", PathCreate, f.a, []string{"Authorization", "", "KS-Lang", "vi"}, 401, "40101", "Chưa được xác thực"},
		{"basic auth", PathBatchUpdate, f.a, []string{"Authorization", "Basic eDp5"}, 401, "40101", "Unauthorised"},
		{"client secret as token", PathStatusUpdate, f.a, []string{"Authorization", "Bearer " + f.a.clientSecret}, 401, "40101", "Unauthorised"},
		{"wrong secret, vi", PathToken, nil, []string{"KS-Lang", "vi"}, 400, "40002", "App Key hoặc App Secret không hợp lệ"},
	}
	var table []testutil.Scenario
	for _, c := range cases {
		b := body
		if c.path == PathToken {
			b = tokenBody
			if c.code == "40002" {
				b = strings.Replace(tokenBody, f.a.clientSecret, "nope", 1)
			}
		}
		table = append(table, f.refusal(c.what, c.client, c.path, b, c.status, c.code, c.msg, c.hdr...))
	}
	f.Scenarios(t, table)
	// No region: GMT+8 reads zone-less times.
	r := f.call(f.a, PathCreate, f.productBody("h2", map[string]any{"launch": map[string]any{"status": 1, "start_time": "2021-03-22 17:00:00"}}),
		"KS-Region", "")
	expect(t, "no region", r, 200, "")
	p := f.product(createdID(t, r))
	if want := time.Date(2021, 3, 22, 9, 0, 0, 0, time.UTC); !p.Launch.Start.Equal(want) {
		t.Errorf("launch start %v, want %v (GMT+8)", p.Launch.Start, want)
	}
	for region, hour := range map[string]int{"HKG": 9, "BKK": 10, "SIN": 9, "sgn": 10} {
		r := f.call(f.a, PathCreate, f.productBody("r"+region, map[string]any{"launch": map[string]any{"status": 1, "end_time": "2021-03-22 17:00:00"}}),
			"KS-Region", region)
		expect(t, region, r, 200, "")
		p := f.product(createdID(t, r))
		if want := time.Date(2021, 3, 22, hour, 0, 0, 0, time.UTC); !p.Launch.End.Equal(want) {
			t.Errorf("%s: launch end %v, want %v", region, p.Launch.End, want)
		}
	}
	r = f.Do(http.MethodGet, PathCreate, "", "KS-Lang", "vi")
	expectError(t, "GET", r, 405, "40501", "Phương thức không được hỗ trợ")
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
	r = f.call(f.a, PathCreate, `{"name":`)
	expectError(t, "bad JSON", r, 400, "40001", "Invalid parameter: body is not valid JSON")
	r = f.call(f.a, PathCreate, `[1]`)
	expectError(t, "array body", r, 400, "40001", "Invalid parameter: body must be an object")
}

// TestToken: issuing, expiry after 24 h (service clock), revocation, form
// bodies, and that secrets and tokens are stored as hashes only.
func TestToken(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		body := `{"error":0,"data":{"client_id":"` + f.a.clientID + `","client_secret":"` + f.a.clientSecret + `","grant_type":"client_credentials","scope":"all"}}`
		r := f.call(nil, PathToken, body)
		expect(t, "token", r, 200, "")
		data := r.Literal(t)["data"].(map[string]any)
		tok := data["access_token"].(string)
		if data["expires_in"].(json.Number).String() != "86400" || data["token_type"] != "Bearer" || data["scope"] != "all" {
			t.Errorf("token answer %s", r.Body)
		}
		cred, err := st.CredentialByLookup(f.Ctx, store.CredClient, f.a.clientID)
		must(t, err)
		if cred.SecretHash == f.a.clientSecret || strings.Contains(cred.SecretHash, f.a.clientSecret) {
			t.Error("client secret stored in clear")
		}
		use := &client{partner: f.a.partner, token: tok}
		expect(t, "token works", f.call(use, PathCreate, f.productBody("t1", nil)), 200, "")

		// A form body, as OAuth2 clients send it.
		r = f.call(nil, PathToken, "client_id="+f.a.clientID+"&client_secret="+f.a.clientSecret+"&grant_type=client_credentials",
			"Content-Type", "application/x-www-form-urlencoded")
		expect(t, "form token", r, 200, "")
		// curl -d '{...}' without -H labels the seed's JSON body a form.
		r = f.call(nil, PathToken, body, "Content-Type", "application/x-www-form-urlencoded")
		expect(t, "JSON token labelled a form", r, 200, "")

		f.Clock.Add(24*time.Hour - time.Second)
		expect(t, "token before expiry", f.call(use, PathCreate, f.productBody("t2", nil)), 200, "")
		f.Clock.Add(time.Second)
		expectError(t, "expired token", f.call(use, PathCreate, f.productBody("t3", nil)), 401, "40101", "Unauthorised")
		r = f.call(nil, PathToken, body)
		expect(t, "new token", r, 200, "")
		use.token = r.Literal(t)["data"].(map[string]any)["access_token"].(string)
		expect(t, "new token works", f.call(use, PathCreate, f.productBody("t4", nil)), 200, "")

		// Revoking the client revokes its tokens and refuses new ones.
		must(t, f.Svc.RevokeCredential(f.Ctx, f.a.partner.ID, cred.ID))
		expectError(t, "revoked client's token", f.call(use, PathCreate, f.productBody("t5", nil)), 401, "40101", "Unauthorised")
		expectError(t, "revoked client", f.call(nil, PathToken, body), 400, "40002", "Invalid App Key or App Secret")

		// Another protocol's client is not a zeek client.
		tp := &hub.Partner{BrandID: f.brand.ID, Protocol: hub.ChannelTableOrder, LocationIDs: []int64{f.loc.ID}}
		issued, _, err := f.Svc.CreatePartner(f.Ctx, tp)
		must(t, err)
		other := `{"client_id":"` + issued.ClientID + `","client_secret":"` + issued.ClientSecret + `"}`
		expectError(t, "QR client", f.call(nil, PathToken, other), 400, "40002", "Invalid App Key or App Secret")
	})
}

// TestOtherBrand: a client's token never reaches another brand.
func TestOtherBrand(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		// b's product and order.
		pb := &hub.Product{BrandID: f.other.ID, RefID: "b-1", Name: hub.I18n{"en": "B"}, Price: 100, IndividualSale: true, Displayed: true,
			Launch: hub.Launch{Launched: true}}
		must(t, f.Svc.SaveProduct(f.Ctx, pb))
		res, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.other.ID, LocationID: f.otherLoc.ID, Channel: hub.ChannelTableOrder,
			ExternalRef: "b-order", Lines: []service.LineInput{{ProductRef: "b-1", Quantity: 1}}})
		must(t, err)

		expectError(t, "create in b's store", f.call(f.a, PathCreate, f.productBody("x", map[string]any{"store": map[string]any{"store_id": f.other.ID}})),
			404, "40401", "Not found")
		expectError(t, "create in no store", f.call(f.a, PathCreate, f.productBody("x", map[string]any{"store": map[string]any{"store_id": 99999}})),
			404, "40401", "Not found")
		expectError(t, "b's location", f.call(f.a, PathCreate, f.productBody("x", map[string]any{"locations": []any{map[string]any{"location_id": f.otherLoc.ID}}})),
			400, "40001", "Invalid parameter: locations[0].location_id is not a location of this store")
		expectError(t, "b's location by ref", f.call(f.a, PathCreate, f.productBody("x", map[string]any{"locations": []any{map[string]any{"ref_location_id": "other-location"}}})),
			400, "40001", "Invalid parameter: locations[0].ref_location_id is not a location of this store")
		row := `{"products":[` + batchRow(pb.ID, "") + `]}`
		expectError(t, "batch b's product", f.call(f.a, PathBatchUpdate, row), 404, "40401", "Not found")
		for _, ref := range []string{res.Order.Number, "b-order", strconv.FormatInt(res.Order.ID, 10)} {
			expectError(t, "b's order "+ref, f.call(f.a, PathStatusUpdate, `{"order_id":"`+ref+`","status":5}`), 404, "40401", "Not found")
		}
		o, err := st.GetOrder(f.Ctx, res.Order.ID)
		must(t, err)
		if o.Status != hub.StatusNew {
			t.Errorf("b's order moved to %v", o.Status)
		}
		// b itself can.
		expect(t, "b completes its order", f.call(f.b, PathStatusUpdate, `{"order_id":"b-order","status":5}`), 200, `{"error":0}`)
		// A client limited to one location does not see orders elsewhere.
		scoped := f.newClient(f.brand.ID, []int64{f.loc2.ID}, hub.PartnerSettings{})
		f.create(f.a, f.productBody("s1", nil))
		oa, err := f.place(hub.ChannelHub, f.loc.ID, "s1", 1)
		must(t, err)
		expectError(t, "outside the client's locations", f.call(scoped, PathStatusUpdate, `{"order_id":"`+oa.Number+`","status":5}`), 404, "40401", "Not found")
		expectError(t, "naming a location outside the client's", f.call(scoped, PathCreate, f.productBody("s2", nil)), 400, "40001",
			"Invalid parameter: locations[0].location_id is not a location of this store")

		// Nor may it change a product sold outside its locations: s1 is
		// sold at loc and loc2, every brand-wide product at both. The row
		// would have renamed it, repriced it and taken it off loc.
		brandWide := &hub.Product{BrandID: f.brand.ID, RefID: "bw", Name: hub.I18n{"en": "Everywhere"}, Price: 100, IndividualSale: true,
			Displayed: true, Launch: hub.Launch{Launched: true}}
		must(t, f.Svc.SaveProduct(f.Ctx, brandWide))
		onlyLoc2 := f.create(f.a, f.productBody("s3", map[string]any{"locations": []any{map[string]any{"location_id": f.loc2.ID}}}))
		locs2 := `"locations":[{"location_id":` + itoa(f.loc2.ID) + `}]`
		s1, err := st.FindProduct(f.Ctx, f.brand.ID, "s1")
		must(t, err)
		expect(t, "scoped batch", f.call(scoped, PathBatchUpdate, `{"products":[`+batchRow(s1.ID, locs2)+`,`+batchRow(brandWide.ID, locs2)+`,`+batchRow(onlyLoc2, locs2)+`]}`), 200,
			`{"error":0,"data":{"results":[{"product_id":`+itoa(s1.ID)+`,"action_result":0,"error_msg":"No such item"},`+
				`{"product_id":`+itoa(brandWide.ID)+`,"action_result":0,"error_msg":"No such item"},`+
				`{"product_id":`+itoa(onlyLoc2)+`,"action_result":1,"error_msg":""}]}}`)
		for _, id := range []int64{s1.ID, brandWide.ID} {
			p, err := st.GetProduct(f.Ctx, f.brand.ID, id)
			must(t, err)
			if p.Name.Get("en") == "Renamed" || (id == brandWide.ID && p.LocationIDs != nil) || (id == s1.ID && len(p.LocationIDs) != 2) {
				t.Errorf("a client scoped to loc2 changed product %d: %+v", id, p)
			}
		}
		if p, err := st.GetProduct(f.Ctx, f.brand.ID, onlyLoc2); err != nil || p.Name.Get("en") != "Renamed" {
			t.Errorf("the scoped client's own product: %+v, %v", p, err)
		}
	})
}

func batchRow(id int64, extra string) string {
	row := `{"product_id":` + strconv.FormatInt(id, 10) + `,"name":{"en":"Renamed","zh_hk":"改名"},"description":{"en":"d"},"categories":[],` +
		`"price":{"amount":"12.30"},"is_alcohol":0,"launch":{"status":1},"timeslots":[],"purchase_quantity":{"minimum":1,"maximum":5}`
	if extra != "" {
		row += "," + extra
	}
	return row + "}"
}

// TestRequestIDReplay: a repeated KS-Client-Request-Id with the same body
// answers the first answer and runs nothing; with another body, 40902;
// per client; Idempotency-Key too.
func TestRequestIDReplay(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		body := f.productBody("rp", nil)
		first := f.call(f.a, PathCreate, body, "KS-Client-Request-Id", "bec94df4-e6e2-44e6-a84e-935928f48b70")
		expect(t, "first", first, 200, "")
		again := f.call(f.a, PathCreate, body, "KS-Client-Request-Id", "bec94df4-e6e2-44e6-a84e-935928f48b70", "KS-Lang", "vi")
		expect(t, "replay", again, 200, string(first.Body))
		if again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Error("Idempotent-Replayed header")
		}
		ps, err := st.ListProducts(f.Ctx, store.ProductFilter{BrandID: f.brand.ID})
		must(t, err)
		if len(ps) != 1 {
			t.Errorf("%d products, want 1", len(ps))
		}
		expectError(t, "same id, other body", f.call(f.a, PathCreate, f.productBody("rp2", nil), "KS-Client-Request-Id", "bec94df4-e6e2-44e6-a84e-935928f48b70"),
			409, "40902", "KS-Client-Request-Id was already used for a different request")
		expectError(t, "same id, other call", f.call(f.a, PathStatusUpdate, body, "KS-Client-Request-Id", "bec94df4-e6e2-44e6-a84e-935928f48b70", "KS-Lang", "vi"),
			409, "40902", "KS-Client-Request-Id đã được dùng cho một yêu cầu khác")
		// Another client's ids are its own.
		bBody := edit(t, body, func(m map[string]any) {
			m["store"] = map[string]any{"store_id": f.other.ID}
			m["locations"] = []any{}
		})
		expect(t, "other client, same id", f.call(f.b, PathCreate, bBody, "KS-Client-Request-Id", "bec94df4-e6e2-44e6-a84e-935928f48b70"), 200, "")
		// Errors are answered again too (a 4xx is an answer).
		bad := f.productBody("rp3", map[string]any{"sku": nil})
		e1 := f.call(f.a, PathCreate, bad, "KS-Client-Request-Id", "bad-1")
		expectError(t, "bad", e1, 400, "40001", "Invalid parameter: sku is required")
		expect(t, "bad again", f.call(f.a, PathCreate, bad, "KS-Client-Request-Id", "bad-1"), 400, string(e1.Body))

		// The token call: same id and body answers a token again (a fresh
		// one: issued tokens are kept only as hashes); another body is 40902.
		tb := `{"client_id":"` + f.a.clientID + `","client_secret":"` + f.a.clientSecret + `"}`
		t1 := f.call(nil, PathToken, tb, "KS-Client-Request-Id", "tok-1")
		t2 := f.call(nil, PathToken, tb, "KS-Client-Request-Id", "tok-1")
		expect(t, "token", t1, 200, "")
		expect(t, "token replay", t2, 200, "")
		testutil.SameShape(t, "token replay", t1.Body, t2.Body)
		for _, r := range []response{t1, t2} {
			c := &client{token: r.Literal(t)["data"].(map[string]any)["access_token"].(string)}
			expect(t, "replayed token works", f.call(c, PathStatusUpdate, `{"order_id":"x","status":5}`), 404, "")
		}
		// The same JSON laid out otherwise is the same request; another
		// request is 40902.
		expect(t, "token, re-indented", f.call(nil, PathToken, "{\n  "+tb[1:]+" ", "KS-Client-Request-Id", "tok-1"), 200, "")
		other := `{"client_id":"` + f.a.clientID + `","client_secret":"` + f.a.clientSecret + `","scope":"all"}`
		expectError(t, "token id reuse", f.call(nil, PathToken, other, "KS-Client-Request-Id", "tok-1"), 409, "40902",
			"KS-Client-Request-Id was already used for a different request")
		rec, err := st.GetIdempotency(f.Ctx, "replay:partner:"+strconv.FormatInt(f.a.partner.ID, 10)+":ks", "tok-1")
		must(t, err)
		if len(rec.Body) != 0 || strings.Contains(string(rec.Body), "oht_") {
			t.Errorf("token answer stored: %q", rec.Body)
		}

		// Idempotency-Key (DESIGN.md §4) on top of the request id.
		k1 := f.call(f.a, PathCreate, f.productBody("ik", nil), "Idempotency-Key", "key-1")
		k2 := f.call(f.a, PathCreate, f.productBody("ik", nil), "Idempotency-Key", "key-1")
		expect(t, "Idempotency-Key replay", k2, 200, string(k1.Body))
		if k2.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("no Idempotent-Replayed header")
		}
		expectError(t, "Idempotency-Key reuse", f.call(f.a, PathCreate, f.productBody("ik2", nil), "Idempotency-Key", "key-1"), 409, "40902",
			"Idempotency-Key was already used for a different request")
		// The key is the client's, not its token's: a retry after the
		// client fetched a new token replays too, and runs nothing.
		tok, _, err := f.Svc.IssueAccessToken(f.Ctx, f.credential(f.a.clientID), DefaultTokenTTL)
		must(t, err)
		refreshed := &client{partner: f.a.partner, token: tok}
		k3 := f.call(refreshed, PathCreate, f.productBody("ik", nil), "Idempotency-Key", "key-1")
		expect(t, "Idempotency-Key replay with a new token", k3, 200, string(k1.Body))
		if k3.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("no Idempotent-Replayed header with a new token")
		}
		// A request that does not authenticate is refused before its key
		// is looked at.
		expectError(t, "Idempotency-Key without a valid token", f.call(&client{token: "nope"}, PathCreate, f.productBody("ik", nil), "Idempotency-Key", "key-1"),
			401, "40101", "Unauthorised")
	})
}

// TestCreateFields: every member of CreateProduct, both amount forms,
// combos with deducting items, options, zh_hk, and required members.
func TestCreateFields(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	item := f.create(f.a, f.productBody("bread", map[string]any{"is_individual_sale": 0, "is_deduct_stock": 1}))
	item2 := f.create(f.a, f.productBody("egg", nil))
	combo := f.productBody("set", map[string]any{
		"type":  2,
		"name":  map[string]any{"en": "Set", "zh_hk": "套餐", "VI": "Bộ"},
		"price": map[string]any{"amount": 50},
		"discount_price": []any{
			map[string]any{"price": map[string]any{"amount": "40.00"}, "purchase_count": 3},
			map[string]any{"price": map[string]any{"amount": 35}, "purchase_quantity": 10, "sort_order": 2},
		},
		"special_price": []any{map[string]any{"price": map[string]any{"amount": "45.5"}, "start_date": "2026-01-01"}},
		"locations":     []any{map[string]any{"ref_location_id": "client-location-123"}, map[string]any{"location_id": f.loc.ID}},
		"categories":    []any{map[string]any{"category_id": 7}},
		"departments":   []any{map[string]any{"department_id": 8}},
		"timeslots":     []any{map[string]any{"timeslot_id": "9"}},
		"combo_components": []any{map[string]any{
			"name": map[string]any{"en": "Main"}, "is_required": 1, "item_select_quantity": 1,
			"items": []any{
				map[string]any{"product_id": item, "price": map[string]any{"amount": 0}, "price_adjustment": 1},
				map[string]any{"product_id": item2, "price": map[string]any{"amount": "2.50"}, "price_adjustment": 2, "sort_order": 5},
			},
		}},
		"options": []any{map[string]any{"option_id": 3, "name": map[string]any{"en": "Size"}, "option_values": []any{
			map[string]any{"value_id": 1, "name": map[string]any{"en": "L"}, "price": map[string]any{"amount": "5"}, "price_adjustment": 1},
			map[string]any{"price": map[string]any{"amount": "1.10"}, "price_adjustment": 2},
		}}},
		"spec": map[string]any{"weight": 0.25, "unit": "kg"},
	})
	id := f.create(f.a, combo)
	p := f.product(id)
	if p.Type != hub.ProductCombo || p.Price != 5000 || p.Name["zh-HK"] != "套餐" || p.Name["vi"] != "Bộ" {
		t.Errorf("product %s", jsonString(p))
	}
	if jsonString(p.BulkPrices) != `[{"price":4000,"purchase_count":3,"sort_order":1},{"price":3500,"purchase_count":10,"sort_order":2}]` {
		t.Errorf("bulk prices %s", jsonString(p.BulkPrices))
	}
	if jsonString(p.SpecialPrices) != `[{"price":4550,"sort_order":1,"start_date":"2026-01-01"}]` {
		t.Errorf("special prices %s", jsonString(p.SpecialPrices))
	}
	if jsonString(p.LocationIDs) != jsonString([]int64{f.loc.ID}) || jsonString(p.CategoryIDs) != "[7]" || jsonString(p.DepartmentIDs) != "[8]" ||
		jsonString(p.TimeslotIDs) != "[9]" {
		t.Errorf("ids %v %v %v %v", p.LocationIDs, p.CategoryIDs, p.DepartmentIDs, p.TimeslotIDs)
	}
	wantCombo := `[{"id":1,"name":{"en":"Main"},"select_quantity":1,"required":true,"sort_order":1,"items":[{"product_id":` + itoa(item) +
		`,"price":0,"sort_order":1},{"product_id":` + itoa(item2) + `,"price":-250,"sort_order":5}]}]`
	if jsonString(p.ComboComponents) != wantCombo {
		t.Errorf("combo\n got %s\nwant %s", jsonString(p.ComboComponents), wantCombo)
	}
	wantOpts := `[{"id":3,"name":{"en":"Size"},"required":false,"values":[{"id":1,"name":{"en":"L"},"price":500},{"id":2,"price":-110}]}]`
	if jsonString(p.OptionGroups) != wantOpts {
		t.Errorf("options\n got %s\nwant %s", jsonString(p.OptionGroups), wantOpts)
	}
	if jsonString(p.Attributes["spec"]) != `{"unit":"kg","weight":0.25}` {
		t.Errorf("spec %s", jsonString(p.Attributes["spec"]))
	}
	// The combo is orderable from any channel, with its deducting item.
	o, err := f.Svc.PlaceOrder(f.Ctx, service.PlaceOrderInput{BrandID: f.brand.ID, LocationID: f.loc.ID, Channel: hub.ChannelHub,
		Lines: []service.LineInput{{ProductRef: "set", Quantity: 1, Combo: []service.ComboInput{{ProductRef: "egg"}},
			Options: []service.OptionInput{{GroupID: 3, ValueID: 2}}}}})
	must(t, err)
	// The special price (45.5 from 2026-01-01) applies, then the adjustments.
	if got := o.Order.Lines[0].UnitPrice; got != 4550-250-110 {
		t.Errorf("unit price %d", got)
	}
	// No locations: sold nowhere.
	nowhere := f.create(f.a, f.productBody("nowhere", map[string]any{"locations": nil}))
	if p := f.product(nowhere); p.LocationIDs == nil || len(p.LocationIDs) != 0 {
		t.Errorf("locations %v, want none", p.LocationIDs)
	}

	required := []struct{ drop, field string }{
		{"name", "name"}, {"type", "type"}, {"store", "store"}, {"sku", "sku"}, {"model", "model"}, {"price", "price"},
		{"is_deduct_stock", "is_deduct_stock"}, {"is_individual_sale", "is_individual_sale"}, {"is_alcohol", "is_alcohol"},
		{"launch", "launch"}, {"timeslots", "timeslots"}, {"payment_methods", "payment_methods"}, {"purchase_quantity", "purchase_quantity"},
	}
	var table []testutil.Scenario
	for _, c := range required {
		table = append(table, f.refusal("without "+c.drop, f.a, PathCreate, f.productBody("req", map[string]any{c.drop: nil}),
			400, "40001", "Invalid parameter: "+c.field+" is required"))
	}
	bad := []struct {
		what  string
		extra map[string]any
		msg   string
	}{
		{"empty name", map[string]any{"name": map[string]any{"en": " "}}, "name is required"},
		{"no amount", map[string]any{"price": map[string]any{}}, "price.amount is required"},
		{"amount with 3 decimals", map[string]any{"price": map[string]any{"amount": "1.005"}}, `price.amount must have at most 2 decimal places in HKD`},
		{"negative amount", map[string]any{"price": map[string]any{"amount": "-1"}}, `price.amount must be a non-negative decimal amount such as "45.40"`},
		{"exponent amount", map[string]any{"price": map[string]any{"amount": json.RawMessage("1e3")}}, `price.amount must be a non-negative decimal amount such as "45.40"`},
		{"type 3", map[string]any{"type": 3}, "type must be one of 1, 2"},
		{"flag 2", map[string]any{"is_alcohol": 2}, "is_alcohol must be 0 or 1"},
		{"launch status", map[string]any{"launch": map[string]any{}}, "launch.status is required"},
		{"launch time", map[string]any{"launch": map[string]any{"status": 1, "start_time": "yesterday"}}, "launch.start_time must be a time such as 2004-05-03T17:30:08+07:00 or 2021-03-22 17:00:00"},
		{"launch order", map[string]any{"launch": map[string]any{"status": 1, "start_time": "2021-03-22 17:00:00", "end_time": "2021-03-22 16:00:00"}}, "launch.end_time must not be before launch.start"},
		{"bulk without count", map[string]any{"discount_price": []any{map[string]any{"price": map[string]any{"amount": "1"}}}}, "discount_price[0].purchase_count is required"},
		{"bulk count 0", map[string]any{"discount_price": []any{map[string]any{"price": map[string]any{"amount": "1"}, "purchase_quantity": 0}}}, "discount_price[0].purchase_quantity must be a positive integer"},
		{"bad date", map[string]any{"special_price": []any{map[string]any{"price": map[string]any{"amount": "1"}, "start_date": "03/03/2020"}}}, "special_price[0].start_date must be a date YYYY-MM-DD"},
		{"dates reversed", map[string]any{"special_price": []any{map[string]any{"price": map[string]any{"amount": "1"}, "start_date": "2020-03-10", "end_date": "2020-03-03"}}}, "special_price[0].end_date must not be before start_date"},
		{"no location id", map[string]any{"locations": []any{map[string]any{}}}, "locations[0].location_id is required"},
		{"unknown location ref", map[string]any{"locations": []any{map[string]any{"ref_location_id": "nope"}}}, "locations[0].ref_location_id is not a location of this store"},
		{"timeslot id", map[string]any{"timeslots": []any{map[string]any{"timeslot_id": "x"}}}, "timeslots[0].timeslot_id must be an integer"},
		{"payment key", map[string]any{"payment_methods": []any{map[string]any{}}}, "payment_methods[0].key is required"},
		{"max below min", map[string]any{"purchase_quantity": map[string]any{"minimum": 5, "maximum": 2}}, "purchase_quantity.maximum must not be below min_quantity"},
		{"option adjustment", map[string]any{"options": []any{map[string]any{"option_values": []any{map[string]any{"price": map[string]any{"amount": "1"}}}}}}, "options[0].option_values[0].price_adjustment is required"},
		{"combo item unknown", map[string]any{"type": 2, "combo_components": []any{map[string]any{"items": []any{map[string]any{"product_id": 999999, "price": map[string]any{"amount": "1"}, "price_adjustment": 1}}}}}, "combo_components[0].items[0].product_id product 999999 is not a product of this brand"},
		{"duplicate ref", map[string]any{"ref_product_id": "bread"}, `ref_product_id product ref id "bread" is already used in this brand`},
		{"string for object", map[string]any{"launch": "1"}, "launch must be an object"},
		{"number for array", map[string]any{"timeslots": 1}, "timeslots must be an array"},
	}
	for _, c := range bad {
		table = append(table, f.refusal(c.what, f.a, PathCreate, f.productBody("bad", c.extra), 400, "40001", "Invalid parameter: "+c.msg))
	}
	f.Scenarios(t, table)
	// Vietnamese details of a service validation error are generic.
	r := f.call(f.a, PathCreate, f.productBody("bad", map[string]any{"ref_product_id": "bread"}), "KS-Lang", "vi")
	expectError(t, "vi service error", r, 400, "40001", "Tham số không hợp lệ: ref_product_id có giá trị không hợp lệ")

	// Amounts follow the brand currency: VND has no minor unit.
	vnd := &hub.Brand{Name: "CK VN", Currency: "VND"}
	must(t, f.Svc.CreateBrand(f.Ctx, vnd))
	cv := f.newClient(vnd.ID, nil, hub.PartnerSettings{})
	vb := func(amount any) string {
		return f.productBody("v", map[string]any{"store": map[string]any{"store_id": vnd.ID}, "locations": []any{}, "price": map[string]any{"amount": amount}})
	}
	expectError(t, "VND with cents", f.call(cv, PathCreate, vb("45.40")), 400, "40001", `Invalid parameter: price.amount must have at most 0 decimal places in VND`)
	expectError(t, "VND with cents, vi", f.call(cv, PathCreate, vb("45.40"), "KS-Lang", "vi"), 400, "40001", `Tham số không hợp lệ: price.amount chỉ được có tối đa 0 chữ số thập phân với VND`)
	expectError(t, "negative VND with cents", f.call(cv, PathCreate, vb("-45.40")), 400, "40001", `Invalid parameter: price.amount must be a non-negative decimal amount such as "45.40"`)
	vid := f.create(cv, vb("45000.00"))
	vp, err := f.Store.GetProduct(f.Ctx, vnd.ID, vid)
	must(t, err)
	if vp.Price != 45000 {
		t.Errorf("VND price %d", vp.Price)
	}
}

// TestBatchRows: per-row results; fields outside the batch table kept,
// listed ones replaced.
func TestBatchRows(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		id := f.create(f.a, f.productBody("b1", map[string]any{
			"special_price": []any{map[string]any{"price": map[string]any{"amount": "1"}}},
			"options": []any{map[string]any{"option_id": 1, "option_values": []any{map[string]any{"value_id": 1, "price": map[string]any{"amount": "1"},
				"price_adjustment": 1}}}},
			"spec": map[string]any{"weight": 1},
		}))
		id2 := f.create(f.a, f.productBody("b2", nil))
		body := `{"error":0,"data":{"products":[` +
			batchRow(id, `"locations":[{"ref_location_id":"client-location-123"}],"sort_order":4`) + `,` +
			batchRow(999999, "") + `,` +
			batchRow(id2, `"price":{"amount":"1.234"}`) + `,` +
			batchRow(id2, `"launch":{"status":3}`) + `]}}`
		r := f.call(f.a, PathBatchUpdate, body)
		want := `{"error":0,"data":{"results":[` +
			`{"product_id":` + itoa(id) + `,"action_result":1,"error_msg":""},` +
			`{"product_id":999999,"action_result":0,"error_msg":"No such item"},` +
			`{"product_id":` + itoa(id2) + `,"action_result":0,"error_msg":"Invalid parameter: products[2].price.amount must have at most 2 decimal places in HKD"},` +
			`{"product_id":` + itoa(id2) + `,"action_result":0,"error_msg":"Invalid parameter: products[3].launch.status must be one of 0, 1"}]}}`
		expect(t, "batch", r, 200, want)
		p := f.product(id)
		if p.Name["zh-HK"] != "改名" || p.Price != 1230 || p.SortOrder != 4 || jsonString(p.LocationIDs) != jsonString([]int64{f.loc.ID}) ||
			p.MinQuantity != 1 || p.MaxQuantity != 5 {
			t.Errorf("updated %s", jsonString(p))
		}
		// Listed but absent: reset. Not listed: kept.
		if p.SpecialPrices != nil || p.Attributes["spec"] != nil || p.CategoryIDs != nil {
			t.Errorf("listed fields not reset: %v %v %v", p.SpecialPrices, p.Attributes, p.CategoryIDs)
		}
		if p.SKU != "sku-b1" || p.Model != "model-b1" || len(p.OptionGroups) != 1 || len(p.PaymentMethods) != 1 || p.IndividualSale != true {
			t.Errorf("unlisted fields not kept: %s", jsonString(p))
		}
		if p2 := f.product(id2); p2.Price != 4540 {
			t.Errorf("failed row changed the product: %d", p2.Price)
		}
		r = f.call(f.a, PathBatchUpdate, `{"products":[`+batchRow(id, "")+`]}`, "KS-Lang", "vi")
		expect(t, "vi", r, 200, "")
		r = f.call(f.a, PathBatchUpdate, `{"products":[`+batchRow(999999, "")+`,`+batchRow(id, "")+`]}`, "KS-Lang", "vi")
		if !strings.Contains(string(r.Body), "Không có sản phẩm này") {
			t.Errorf("vi row message: %s", r.Body)
		}
		// Whole-request problems.
		expectError(t, "row without id", f.call(f.a, PathBatchUpdate, `{"products":[{"name":{"en":"x"}}]}`), 400, "40001",
			"Invalid parameter: products[0].product_id is required")
		expectError(t, "empty", f.call(f.a, PathBatchUpdate, `{"products":[]}`), 400, "40001", "Invalid parameter: products is required")
		expect(t, "row required field", f.call(f.a, PathBatchUpdate, `{"products":[{"product_id":`+itoa(id)+`}]}`), 200,
			`{"error":0,"data":{"results":[{"product_id":`+itoa(id)+`,"action_result":0,"error_msg":"Invalid parameter: products[0].name is required"}]}}`)
	})
}

// TestStatusCodes: the code table is configuration.
func TestStatusCodes(t *testing.T) {
	f := newFixture(t, testutil.OpenSQLite(t))
	f.create(f.a, f.productBody("sc", nil))
	o1, err := f.place(hub.ChannelHub, f.loc.ID, "sc", 1)
	must(t, err)
	o2, err := f.place(hub.ChannelHub, f.loc.ID, "sc", 1)
	must(t, err)
	// A table with an entry that is not a code or not an action is refused
	// when saved, naming the entry.
	for key, bad := range map[string]map[string]any{"4": {"3": "ready", "4": "fly"}, "x": {"5": "complete", "x": "complete"}} {
		f.a.partner.Settings = hub.PartnerSettings{Extra: map[string]any{"status_codes": bad}}
		if err := f.Svc.UpdatePartner(f.Ctx, f.a.partner); err == nil || hub.AsError(err).Field != "settings.extra.status_codes."+key {
			t.Errorf("status_codes %v: %v", bad, err)
		}
	}
	f.setSettings(f.a, hub.PartnerSettings{Extra: map[string]any{"status_codes": map[string]any{"3": "ready", "9": "cancel", "5": "complete"}}})
	expectError(t, "ready from new", f.call(f.a, PathStatusUpdate, `{"order_id":"`+o1.Number+`","status":3}`), 409, "40901",
		"The order status does not allow this change")
	expect(t, "cancel", f.call(f.a, PathStatusUpdate, `{"data":{"order_id":"`+o1.Number+`","status":"9"},"error":0}`), 200, `{"error":0}`)
	expectError(t, "complete a cancelled order", f.call(f.a, PathStatusUpdate, `{"order_id":"`+o1.Number+`","status":5}`), 409, "40901",
		"The order status does not allow this change")
	expectError(t, "unconfigured", f.call(f.a, PathStatusUpdate, `{"order_id":"`+o2.Number+`","status":4}`), 400, "40001",
		"Invalid parameter: status must be one of 3, 5, 9")
	expectError(t, "no order_id", f.call(f.a, PathStatusUpdate, `{"status":5}`), 400, "40001", "Invalid parameter: order_id is required")
	expectError(t, "status as text", f.call(f.a, PathStatusUpdate, `{"order_id":"x","status":"done"}`), 400, "40001", "Invalid parameter: status must be an integer")
	// order_id as a number is its text; a bare integer is a hub id on
	// /hub/v1 only (DESIGN.md §10), so the hub id names nothing here.
	expectError(t, "numeric order_id", f.call(f.a, PathStatusUpdate, `{"order_id":`+itoa(o2.ID)+`,"status":5}`), 404, "40401", "Not found")
	expect(t, "by number", f.call(f.a, PathStatusUpdate, `{"order_id":"`+o2.Number+`","status":5}`), 200, `{"error":0}`)
	h, err := f.Store.OrderHistory(f.Ctx, o2.ID)
	must(t, err)
	if last := h[len(h)-1]; last.ToStatus != hub.StatusCompleted || last.Note != "zeek status 5" || last.Actor != "partner:"+itoa(f.a.partner.ID) {
		t.Errorf("history %+v", last)
	}
	if tbl := StatusCodes(hub.PartnerSettings{}); len(tbl) != 1 || tbl[5] != hub.ActionComplete {
		t.Errorf("default table %v", tbl)
	}
}

func createdID(t *testing.T, r response) int64 {
	t.Helper()
	id, err := r.Literal(t)["data"].(map[string]any)["product_id"].(json.Number).Int64()
	must(t, err)
	return id
}

// TestRequestIDRecordedAfterClientLeft: a client that gives up (its
// request context is cancelled) after the call ran is exactly the one that
// retries with the same KS-Client-Request-Id; the answer must still be
// recorded so that the retry replays it instead of running the call again.
func TestRequestIDRecordedAfterClientLeft(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		h := New(f.Svc, Config{})
		c := &call{lang: langEN, requestID: "left-1", method: http.MethodPost, path: PathStatusUpdate, body: []byte(`{}`), partner: f.a.partner,
			hash: "h-left-1"}
		ctx, cancel := context.WithCancel(f.Ctx)
		defer cancel()
		runs := 0
		run := func(context.Context) answer { runs++; cancel(); return ok(nil) }
		if a := h.replayed(ctx, c, httpx.Keep, run); a.status != http.StatusOK {
			t.Fatalf("first answer %d %s", a.status, a.body)
		}
		again := h.replayed(f.Ctx, c, httpx.Keep, run)
		if runs != 1 || !again.replayed || again.status != http.StatusOK {
			t.Fatalf("after the client left: %d runs, replayed %v, status %d", runs, again.replayed, again.status)
		}
	})
}

// TestUnknownPath: any other /api/v1.0 path answers the seed's 404 envelope
// in the caller's language.
func TestUnknownPath(t *testing.T) {
	mux := http.NewServeMux()
	New(service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound)), Config{}).Routes(mux)
	for _, c := range []struct{ lang, msg string }{{"", "Not found"}, {"vi", "Không tìm thấy"}, {"xx", "Not found"}} {
		r := httptest.NewRequest("POST", "/api/v1.0/product/product/delete", nil)
		if c.lang != "" {
			r.Header.Set("KS-Lang", c.lang)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 404 || body["error"] != "40401" || body["error_msg"] != c.msg {
			t.Errorf("KS-Lang %q: %d %s", c.lang, w.Code, w.Body)
		}
	}
}
