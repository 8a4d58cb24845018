package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestPartnerSettingsChecked: each protocol checks its settings when a
// partner is created or changed through /hub/v1 (a 400 naming the field,
// nothing stored), so that a setting never fails later, at order time.
func TestPartnerSettingsChecked(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		create := func(body string) (int, map[string]any) {
			t.Helper()
			status, b, _ := f.do("POST", "/hub/v1/partners", f.brandTok, body)
			return status, b
		}
		refused := func(what string, status int, body map[string]any, field string) {
			t.Helper()
			if code, got := errorOf(body); status != 400 || code != "invalid" || got != field {
				t.Errorf("%s: %d %v, want 400 naming %s", what, status, body, field)
			}
		}

		t.Run("junglebook", func(t *testing.T) { testJunglebookSettings(t, f, create, refused) })
		t.Run("kakao", func(t *testing.T) { testKakaoRole(t, f, create, refused) })
		t.Run("zeek", func(t *testing.T) { testZeekSettings(t, f) })
		t.Run("scope and protocol", func(t *testing.T) { testPartnerProtocol(t, f) })
	})
}

type (
	createFunc  func(body string) (int, map[string]any)
	refusedFunc func(what string, status int, body map[string]any, field string)
)

// testJunglebookSettings: a fee that is not an amount is refused, and the
// shop's orders go on with the fee it had (they used to be 500s).
func testJunglebookSettings(t *testing.T, f *fixture, create createFunc, refused refusedFunc) {
	status, shop := create(`{"protocol": "junglebook", "name": "shop", "settings": {"extra": {"delivery_fee": 2500}}}`)
	if status != 201 {
		t.Fatalf("create shop: %d %v", status, shop)
	}
	shopID := fmt.Sprint(shop["id"])
	key := shop["credential"].(map[string]any)["api_key"].(string)
	status, body, _ := f.do("PATCH", "/hub/v1/partners/"+shopID, f.brandTok, `{"settings": {"extra": {"delivery_fee": "lots"}}}`)
	refused("PATCH delivery_fee lots", status, body, "settings.extra.delivery_fee")
	_, body, _ = f.do("GET", "/hub/v1/partners/"+shopID, f.brandTok, "")
	if fee := body["settings"].(map[string]any)["extra"].(map[string]any)["delivery_fee"]; fee != float64(2500) {
		t.Errorf("a refused PATCH changed the fee: %v", fee)
	}
	order := fmt.Sprintf(`{"oaOrderNo": "S-1", "nameReceiver": "정글북", "phoneReceiver": "010-1234-5678",
			"mobileReceiver": "010-1234-5678", "zipCode": "12345", "address": "Teheran-ro 152", "address2": "3F",
			"settleKind": "a", "bankSender": "정글북", "doubleCheck": "1", "orderItem": [{"goodsNo": %d, "ea": 1}]}`, f.rice.ID)
	res := junglebookOrder(t, f, key, order)
	if res["orderResult"].(map[string]any)["success"] != "1" || res["orderResult"].(map[string]any)["delivery"] != "2500" {
		t.Errorf("order after a refused PATCH: %v", res)
	}
	for _, c := range []struct{ extra, field string }{
		{`{"delivery_fees": 1}`, "settings.extra.delivery_fees"}, // not a key of the protocol
		{`{"free_delivery_from": -5}`, "settings.extra.free_delivery_from"},
		// A fee no order total could hold beside its goods (it used to be
		// saved, and then every balance-paid order was errCode 002).
		{`{"delivery_fee": 100000000000000, "free_delivery_from": 0}`, "settings.extra.delivery_fee"},
		{`{"delivery_fee": "50000000000001"}`, "settings.extra.delivery_fee"},
		{`{"location_id": 999999}`, "settings.extra.location_id"},
		{`{"logistics_center": "the dock"}`, "settings.extra.logistics_center"},
		{`{"logistics_center": {"name": "dock", "zip_code": "1"}}`, "settings.extra.logistics_center"},
		{`{"logistics_center": {"name": "dock", "zip_code": "1", "address": "x", "floor": 3}}`, "settings.extra.logistics_center"},
		{`{"bank_account": true}`, "settings.extra.bank_account"},
	} {
		status, body, _ := f.do("PATCH", "/hub/v1/partners/"+shopID, f.brandTok, `{"settings": {"extra": `+c.extra+`}}`)
		refused("PATCH "+c.extra, status, body, c.field)
		status, body = create(`{"protocol": "junglebook", "settings": {"extra": ` + c.extra + `}}`)
		refused("POST "+c.extra, status, body, c.field)
	}
	// The audit's PATCH, whole: the bound is said, and the shop keeps its fee.
	status, body, _ = f.do("PATCH", "/hub/v1/partners/"+shopID, f.brandTok,
		`{"settings":{"extra":{"delivery_fee":100000000000000,"free_delivery_from":0}}}`)
	if status != 400 {
		t.Errorf("PATCH a fee above hub.MaxFee: %d %v", status, body)
	}
	testutil.SameValue(t, "PATCH a fee above hub.MaxFee", testutil.DecodeJSON(t, []byte(`{"error": {"code": "invalid",
		"message": "must be a non-negative integer of at most 50000000000000",
		"details": {"field": "settings.extra.delivery_fee"}}}`)), any(body))
	if res := junglebookOrder(t, f, key, strings.Replace(order, "S-1", "S-2", 1)); res["orderResult"].(map[string]any)["delivery"] != "2500" {
		t.Errorf("order after a refused fee: %v", res)
	}
	status, body, _ = f.do("PATCH", "/hub/v1/partners/"+shopID, f.brandTok,
		fmt.Sprintf(`{"settings": {"extra": {"delivery_fee": "3000", "location_id": %d, "bank_account": 12,
			"logistics_center": {"name": "dock", "zip_code": "1", "address": "x"}}}}`, f.loc.ID))
	if status != 200 {
		t.Errorf("PATCH good settings: %d %v", status, body)
	}
}

// testKakaoRole: a role that is not bot, pos or both is refused; it used to
// mean "both" (an authorization check failing open).
func testKakaoRole(t *testing.T, f *fixture, create createFunc, refused refusedFunc) {
	status, bot := create(`{"protocol": "kakao", "name": "bot"}`)
	if status != 201 {
		t.Fatalf("create bot: %d %v", status, bot)
	}
	botID := fmt.Sprint(bot["id"])
	for _, role := range []string{`7`, `"admin"`, `["bot"]`, `""`} {
		status, body, _ := f.do("PATCH", "/hub/v1/partners/"+botID, f.brandTok, `{"settings": {"extra": {"kakao_role": `+role+`}}}`)
		refused("kakao_role "+role, status, body, "settings.extra.kakao_role")
	}
	status, body := create(`{"protocol": "kakao", "settings": {"extra": {"kakao_role": 1}}}`)
	refused("POST kakao_role 1", status, body, "settings.extra.kakao_role")
	status, body, _ = f.do("PATCH", "/hub/v1/partners/"+botID, f.brandTok, `{"settings": {"extra": {"kakao_role": "bot"}}}`)
	if status != 200 {
		t.Errorf("kakao_role bot: %d %v", status, body)
	}
	botKey := bot["credential"].(map[string]any)["api_key"].(string)
	req, _ := http.NewRequest("POST", f.Srv.URL+"/api/kakao/v1/order/cook?storeId="+fmt.Sprint(f.loc.ID), strings.NewReader(`{"orderId": "X"}`))
	req.Header.Set("Authorization", "Bearer "+botKey)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 403 {
		t.Errorf("a bot key cooking: %v %v", r, err)
	} else {
		r.Body.Close()
	}
}

// testZeekSettings: the region, time zone, minimum purchase and code table.
func testZeekSettings(t *testing.T, f *fixture) {
	var ss []testutil.Scenario
	for _, c := range []struct{ extra, field string }{
		{`{"region": "MARS"}`, "settings.extra.region"},
		{`{"timezone": "Mars/Olympus"}`, "settings.extra.timezone"},
		{`{"minimum_purchase": "a lot"}`, "settings.extra.minimum_purchase"},
		{`{"minimum_purchase": "10.50"}`, "settings.extra.minimum_purchase"}, // KRW has no minor unit
		{`{"status_codes": {"5": "fly"}}`, "settings.extra.status_codes.5"},
		{`{"status_codes": [5]}`, "settings.extra.status_codes"},
		{`{"kakao_role": "bot"}`, "settings.extra.kakao_role"}, // another protocol's key
	} {
		ss = append(ss, f.createPartner("zeek "+c.extra, `{"protocol": "zeek", "settings": {"extra": `+c.extra+`}}`, 400, errorJSON("invalid", c.field)))
	}
	ss = append(ss, f.createPartner("zeek good settings",
		`{"protocol": "zeek", "settings": {"extra": {"region": "sgn", "minimum_purchase": "50000", "status_codes": {"5": "complete", "3": "ready"}}}}`,
		201, `{"protocol": "zeek", "settings": {"extra": {"region": "sgn", "minimum_purchase": "50000"}}}`))
	f.Scenarios(t, ss)
}

// testPartnerProtocol: protocols without extra settings refuse any; a QR
// client is bound to exactly one location; an unknown protocol names the
// known ones.
func testPartnerProtocol(t *testing.T, f *fixture) {
	f.Scenarios(t, []testutil.Scenario{
		f.createPartner("omni extra", `{"protocol": "omni", "settings": {"extra": {"delivery_fee": 1}}}`, 400, errorJSON("invalid", "settings.extra.delivery_fee")),
		f.createPartner("tableorder without a location", `{"protocol": "tableorder"}`, 400, errorJSON("invalid", "location_ids")),
		f.createPartner("tableorder at one location", fmt.Sprintf(`{"protocol": "tableorder", "location_ids": [%d]}`, f.loc.ID),
			201, fmt.Sprintf(`{"protocol": "tableorder", "location_ids": [%d]}`, f.loc.ID)),
		f.createPartner("unknown protocol", `{"protocol": "toss"}`, 400,
			`{"error": {"code": "invalid", "message": "must be one of kakao, omni, junglebook, zeek, tableorder, hub", "details": {"field": "protocol"}}}`),
	})
}

// createPartner is a scenario of POST /hub/v1/partners with the brand's
// token; a refusal (status 400) must leave the brand's partners as they
// were, and a creation add one.
func (f *fixture) createPartner(name, body string, status int, want string) testutil.Scenario {
	var before int
	count := func(t *testing.T) int {
		ps, err := f.Store.ListPartners(t.Context(), f.brand.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	return testutil.Scenario{Name: name, Method: "POST", Path: "/hub/v1/partners", Token: f.brandTok, Body: body,
		Status: status, JSON: want,
		Before: func(t *testing.T) { before = count(t) },
		After: func(t *testing.T, _ []byte) {
			want := before
			if status == 201 {
				want++
			}
			if n := count(t); n != want {
				t.Fatalf("%d partners after, want %d", n, want)
			}
		}}
}

// junglebookOrder posts an order to POST /order with a shop's key.
func junglebookOrder(t *testing.T, f *fixture, key, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", f.Srv.URL+"/order", strings.NewReader(body))
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("POST /order: %d %v", res.StatusCode, err)
	}
	return out
}
