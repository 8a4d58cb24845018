package junglebook

import (
	"encoding/json"
	"strings"
	"testing"

	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestErrorCodes reaches every code of the seed's table, with its message
// and the parameter it names. Business failures are HTTP 200.
func TestErrorCodes(t *testing.T) {
	long := strings.Repeat("가", 101)
	cases := []struct {
		name   string
		path   string
		body   any // a request (map) or raw bytes
		code   string
		param  any
		goods  bool // the goods envelope with goodsData
		before func(f *fixture)
	}{
		{name: "001 missing nameReceiver", body: with(t, map[string]any{"nameReceiver": nil}), code: "001", param: "nameReceiver"},
		{name: "001 null phoneReceiver", body: with(t, map[string]any{"phoneReceiver": jsonNull}), code: "001", param: "phoneReceiver"},
		{name: "001 blank mobileReceiver", body: with(t, map[string]any{"mobileReceiver": "  "}), code: "001", param: "mobileReceiver"},
		{name: "001 zipCode", body: with(t, map[string]any{"zipCode": nil}), code: "001", param: "zipCode"},
		{name: "001 address", body: with(t, map[string]any{"address": ""}), code: "001", param: "address"},
		{name: "001 address2", body: with(t, map[string]any{"address2": nil}), code: "001", param: "address2"},
		{name: "001 bankSender for settleKind a", body: with(t, map[string]any{"bankSender": nil}), code: "001", param: "bankSender"},
		{name: "001 bankSender for default settleKind", body: with(t, map[string]any{"bankSender": nil, "settleKind": jsonNull}), code: "001", param: "bankSender"},
		{name: "001 doubleCheck", body: with(t, map[string]any{"doubleCheck": nil}), code: "001", param: "doubleCheck"},
		{name: "001 orderItem", body: with(t, map[string]any{"orderItem": nil}), code: "001", param: "orderItem"},
		{name: "001 goodsNo", body: with(t, map[string]any{"orderItem": []any{map[string]any{"ea": 1}}}), code: "001", param: "orderItem[0].goodsNo"},
		{name: "001 ea", body: with(t, map[string]any{"orderItem": []any{map[string]any{"goodsNo": 7373}, map[string]any{"goodsNo": 10437, "ea": nil}}}), code: "001", param: "orderItem[0].ea"},
		{name: "001 before 002", body: with(t, map[string]any{"zipCode": "1", "address2": nil}), code: "001", param: "address2"},
		{name: "001 no data", body: []byte(" "), code: "001", param: "data"},

		{name: "002 data not JSON", body: []byte("{nope"), code: "002", param: "data"},
		{name: "002 data not an object", body: []byte(`[1,2]`), code: "002", param: "data"},
		{name: "002 oaType", body: with(t, map[string]any{"oaType": "naver"}), code: "002", param: "oaType"},
		{name: "002 oaType number", body: with(t, map[string]any{"oaType": 1}), code: "002", param: "oaType"},
		{name: "002 oaOrderNo object", body: with(t, map[string]any{"oaOrderNo": map[string]any{}}), code: "002", param: "oaOrderNo"},
		{name: "002 nameReceiver one character", body: with(t, map[string]any{"nameReceiver": "정"}), code: "002", param: "nameReceiver"},
		{name: "002 nameReceiver number", body: with(t, map[string]any{"nameReceiver": 12}), code: "002", param: "nameReceiver"},
		{name: "002 phoneReceiver", body: with(t, map[string]any{"phoneReceiver": "call me"}), code: "002", param: "phoneReceiver"},
		{name: "002 zipCode 4 digits", body: with(t, map[string]any{"zipCode": "1234"}), code: "002", param: "zipCode"},
		{name: "002 zipCode letters", body: with(t, map[string]any{"zipCode": "12a45"}), code: "002", param: "zipCode"},
		{name: "002 settleKind", body: with(t, map[string]any{"settleKind": "c"}), code: "002", param: "settleKind"},
		{name: "002 doubleCheck not an integer", body: with(t, map[string]any{"doubleCheck": "yes"}), code: "002", param: "doubleCheck"},
		{name: "002 doubleCheck boolean", body: with(t, map[string]any{"doubleCheck": true}), code: "002", param: "doubleCheck"},
		{name: "002 memo over 100", body: with(t, map[string]any{"memo": long}), code: "002", param: "memo"},
		{name: "002 orderItem not an array", body: with(t, map[string]any{"orderItem": "7373"}), code: "002", param: "orderItem"},
		{name: "002 item not an object", body: with(t, map[string]any{"orderItem": []any{7373}}), code: "002", param: "orderItem[0]"},
		{name: "002 goodsNo", body: with(t, map[string]any{"orderItem": items("abc", 1)}), code: "002", param: "orderItem[0].goodsNo"},
		{name: "002 goodsNo fraction", body: with(t, map[string]any{"orderItem": items(json.Number("73.5"), 1)}), code: "002", param: "orderItem[0].goodsNo"},
		{name: "002 ea zero", body: with(t, map[string]any{"orderItem": items(7373, 1, 10437, 0)}), code: "002", param: "orderItem[1].ea"},
		{name: "002 ea negative", body: with(t, map[string]any{"orderItem": items(7373, -2)}), code: "002", param: "orderItem[0].ea"},

		{name: "101 doubleCheck 0", body: with(t, map[string]any{"doubleCheck": 0}), code: "101", param: "doubleCheck"},
		{name: `101 doubleCheck "0"`, body: with(t, map[string]any{"doubleCheck": "0"}), code: "101", param: "doubleCheck"},
		{name: "102 duplicate items", body: with(t, map[string]any{"orderItem": items(7373, 1, 10437, 1, "7373", 2)}), code: "102", param: "orderItem[2].goodsNo"},
		{name: "103 not displayed", body: with(t, map[string]any{"orderItem": items(7373, 1, 20001, 1)}), code: "103", param: "orderItem[1].goodsNo"},
		{name: "103 only in sets", body: with(t, map[string]any{"orderItem": items(20002, 1)}), code: "103", param: "orderItem[0].goodsNo"},
		{name: "104 no items", body: with(t, map[string]any{"orderItem": []any{}}), code: "104", param: "orderItem"},
		{name: "201 unknown goods", body: with(t, map[string]any{"orderItem": items(7373, 1, 999999, 1)}), code: "201", param: "orderItem[1].goodsNo"},
		{name: "202 required option", body: with(t, map[string]any{"orderItem": items(20003, 1)}), code: "202", goods: true},
		{name: "203 bundle", body: with(t, map[string]any{"orderItem": items(20004, 4)}), code: "203", goods: true},
		{name: "204 minimum", body: with(t, map[string]any{"orderItem": items(20005, 2)}), code: "204", goods: true},
		{name: "205 maximum", body: with(t, map[string]any{"orderItem": items(20006, 3)}), code: "205", goods: true},
		{name: "205 beyond any line", body: with(t, map[string]any{"orderItem": items(7373, 10000)}), code: "205", goods: true},
		{name: "206 no stock", body: with(t, map[string]any{"orderItem": items(20007, 1)}), code: "206", goods: true},
		{name: "206 sold out flag", body: with(t, map[string]any{"orderItem": items(20010, 1)}), code: "206", goods: true},
		{name: "207 not enough stock", body: with(t, map[string]any{"orderItem": items(20008, 2)}), code: "207", goods: true},
		{name: "208 supplier", body: with(t, map[string]any{"orderItem": items(20009, 1)}), code: "208", goods: true},
		{name: "/order/test validates as fully", path: "/order/test", body: with(t, map[string]any{"orderItem": items(20008, 2)}), code: "207", goods: true},
		// Last: the stored order makes the seed's oaOrderNo a duplicate.
		{name: "105 duplicate order", body: seedRequest(t), code: "105", before: func(f *fixture) {
			if r := f.post("/order", seedRequest(t)); r.orderResult()["success"] != "1" {
				t.Fatal(r)
			}
		}},
		{name: "105 on /order/test too", path: "/order/test", body: seedRequest(t), code: "105"},
	}
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		seen := map[string]bool{}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.before != nil {
					c.before(f)
				}
				path := c.path
				if path == "" {
					path = "/order"
				}
				before := len(f.orders())
				res := f.post(path, c.body)
				if res.Status != 200 {
					t.Fatalf("status %s", res)
				}
				or, pr := res.orderResult(), res.payResult()
				if res.errCode() != c.code || or["errMsg"] != messages[c.code] {
					t.Fatalf("got %s, want %s %q", res.Body, c.code, messages[c.code])
				}
				seen[c.code] = true
				if pr["successs"] != json.Number("0") || pr["payResultMsg"] != msgNotTried || pr["payAmount"] != json.Number("0") {
					t.Fatalf("payResult %v", pr)
				}
				if c.goods {
					gd, _ := or["goodsData"].(map[string]any)
					if or["success"] != "0" || gd == nil || gd["goodsNo"] == "" || pr["bankAccount"] != "1" {
						t.Fatalf("goods error shape: %s", res.Body)
					}
					if _, ok := or["parameter"]; ok {
						t.Fatalf("goods error has parameter: %s", res.Body)
					}
				} else {
					if or["success"] != json.Number("0") {
						t.Fatalf("success = %#v, want the number 0", or["success"])
					}
					if c.param != nil && or["parameter"] != c.param {
						t.Fatalf("parameter = %v, want %v", or["parameter"], c.param)
					}
				}
				if after := len(f.orders()); after != before {
					t.Fatalf("a refused order stored something: %d orders, was %d", after, before)
				}
			})
		}
		for _, code := range codeOrder {
			if !seen[code] {
				t.Errorf("code %s not reached", code)
			}
		}
	})
}

// TestErrorOrder checks that with several faults the one the seed's table
// lists first is answered, across items and within one.
func TestErrorOrder(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name  string
		body  map[string]any
		code  string
		param string
	}{
		{"208 on an earlier item, 201 on a later", with(t, map[string]any{"orderItem": items(20009, 1, 999999, 1)}), "201", "orderItem[1].goodsNo"},
		{"206 earlier, 203 later", with(t, map[string]any{"orderItem": items(20007, 1, 20004, 1)}), "203", ""},
		{"207 earlier, 103 later", with(t, map[string]any{"orderItem": items(20008, 5, 20001, 1)}), "103", "orderItem[1].goodsNo"},
		{"102 before 103", with(t, map[string]any{"orderItem": items(20001, 1, 20001, 1)}), "102", "orderItem[1].goodsNo"},
		{"101 before 102", with(t, map[string]any{"doubleCheck": 0, "orderItem": items(7373, 1, 7373, 1)}), "101", "doubleCheck"},
		{"002 before 101", with(t, map[string]any{"doubleCheck": 0, "memo": strings.Repeat("x", 101)}), "002", "memo"},
		{"first of two 206", with(t, map[string]any{"orderItem": items(20010, 1, 20007, 1)}), "206", ""},
	}
	var table []testutil.Scenario
	for _, c := range cases {
		want := map[string]any{"errCode": c.code}
		if c.param != "" {
			want["parameter"] = c.param
		}
		table = append(table, f.refusal(t, c.name, "/order", c.body, want))
	}
	f.Scenarios(t, table)
	// Within one item: a supplier-restricted goods ordered in a wrong
	// bundle is 203, not 208.
	p := f.goods["20004"]
	p.SupplierRestricted = true
	must(t, f.Svc.SaveProduct(f.Ctx, p))
	if res := f.post("/order", with(t, map[string]any{"orderItem": items(20004, 1)})); res.errCode() != "203" {
		t.Fatalf("got %s, want 203", res.Body)
	}
	// 105 comes before every goods error.
	if r := f.post("/order", seedRequest(t)); r.orderResult()["success"] != "1" {
		t.Fatal(r)
	}
	if res := f.post("/order", with(t, map[string]any{"orderItem": items(999999, 1)})); res.errCode() != "105" {
		t.Fatalf("got %s, want 105", res.Body)
	}
	// The first of two 206s names the earlier item.
	res := f.post("/order", with(t, map[string]any{"oaOrderNo": "x-2", "orderItem": items(20010, 1, 20007, 1)}))
	if gd := res.orderResult()["goodsData"].(map[string]any); gd["goodsNo"] != "20010" || gd["goodsStock"] != "50" || gd["runout"] != "1" {
		t.Fatalf("goodsData %v", gd)
	}
}
