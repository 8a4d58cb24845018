package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testutil"
)

// TestSnoozeEndToEnd runs the real binary with the demo data (SQLite, and
// PostgreSQL when configured): P001 snoozed until now + 2 s on /hub/v1 is
// refused at every ordering door, each in its own envelope (hub 409
// not_available, QR 409 not_available, kakao 409 naming the item, the bot
// menu soldOut with availableAt, Junglebook 206 runout), and orderable
// again at every door once the 2 s have passed, with no unsnooze; then
// `orderhub location status --set paused`, run beside the server on its
// database, closes the doors within a second or so, and --set online opens
// them again.
//
// Junglebook cannot send option choices, and P001 has a required one (its
// answer is 202 invalid option whether snoozed or not, 202 ranking above
// 206 in the seed's table), so the shop's door is tried with P011 (cider,
// no options), snoozed in the same call.
func TestSnoozeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	type db struct {
		name string
		args []string
	}
	dbs := []db{{"sqlite", nil}}
	if testutil.PostgresURL(t) != "" {
		dbs = append(dbs, db{"postgres", []string{"--database-url", testutil.PostgresSchema(t)}})
	}
	for _, d := range dbs {
		t.Run(d.name, func(t *testing.T) { snoozeEndToEnd(t, bin, d.args) })
	}
}

func snoozeEndToEnd(t *testing.T, bin string, dbArgs []string) {
	data := t.TempDir()
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data}, append([]string{"--demo", "--addr", "127.0.0.1:0"}, dbArgs...)...)
	defer r.stop(t)
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var creds demo.Credentials
	var partners struct {
		Kakao struct {
			APIKey  string `json:"api_key"`
			StoreID string `json:"store_id"`
		} `json:"kakao"`
		Junglebook struct {
			APIKey string `json:"api_key"`
		} `json:"junglebook"`
		Tableorder struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"tableorder"`
	}
	if json.Unmarshal(raw, &creds) != nil || json.Unmarshal(raw, &partners) != nil {
		t.Fatalf("demo-credentials.json: %s", raw)
	}
	base, hubTok := creds.BaseURL, creds.Hub.Token
	send := func(method, path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil && res.StatusCode != http.StatusNoContent {
			t.Fatalf("%s %s: %d, not JSON: %v", method, path, res.StatusCode, err)
		}
		return res.StatusCode, m
	}

	// What the doors need before the clock starts: the QR token, the
	// cider's hub id (the shop's goodsNo), the kakao store.
	status, tok := send("POST", "/v1/auth/login", "", `{"grant_type":"client_credentials","client_id":"`+partners.Tableorder.ClientID+
		`","client_secret":"`+partners.Tableorder.ClientSecret+`"}`)
	if status != 200 {
		t.Fatalf("QR login: %d %v", status, tok)
	}
	qrAuth := "Bearer " + tok["access_token"].(string)
	status, products := send("GET", "/hub/v1/products?brand_id=1&limit=500", "Bearer "+hubTok, "")
	if status != 200 {
		t.Fatalf("products: %d %v", status, products)
	}
	var cider string
	for _, p := range products["data"].([]any) {
		if p := p.(map[string]any); p["ref_id"] == "P011" {
			cider = fmt.Sprint(p["id"])
		}
	}
	store, botAuth := partners.Kakao.StoreID, "Bearer "+partners.Kakao.APIKey

	// One order per door, the same request each time (a refused one
	// leaves nothing behind, not even its idempotency key).
	doors := []struct {
		name                string
		method, path, auth  string
		body                string
		taken               func(status int, body map[string]any) bool
		refused             func(status int, body map[string]any) bool
		untilOf             func(body map[string]any) any // the snooze's end, where the answer shows it
		descriptionOfRefuse string                        // what refused must see
	}{
		{name: "hub", method: "POST", path: "/hub/v1/orders", auth: "Bearer " + hubTok, taken: statusIs(201),
			body: `{"brand_id":1,"location_id":1,"lines":[{"product":"P001","quantity":1,"options":[{"group_id":1,"value_id":1}]}]}`,
			refused: func(status int, b map[string]any) bool {
				e, _ := b["error"].(map[string]any)
				d, _ := e["details"].(map[string]any)
				return status == 409 && e["code"] == "conflict" && d["reason"] == "not_available" && d["field"] == "lines[0].product" &&
					d["snoozed"] == true && strings.HasPrefix(e["message"].(string), "Bulgogi rice bowl is off the menu at Gangnam until ")
			},
			untilOf: func(b map[string]any) any {
				return b["error"].(map[string]any)["details"].(map[string]any)["available_at"]
			},
			descriptionOfRefuse: "409 conflict, reason not_available, field lines[0].product, snoozed, available_at"},
		{name: "QR", method: "POST", path: "/v1/items", auth: qrAuth, taken: statusIs(204),
			body: `{"id":"E2E-QR-1","type":"PICK_UP","cart":{"items":[{"id":"P001","quantity":1,"price":{"unit_price":{"amount":9500,"currency_code":"KRW"}},
				"selected_modifier_groups":[{"id":"1","selected_items":[{"id":"1","quantity":1}]}]}]}}`,
			refused: func(status int, b map[string]any) bool {
				e, _ := b["error"].(map[string]any)
				return status == 409 && e["code"] == "not_available" && e["path"] == "cart.items[0].id" &&
					strings.HasPrefix(e["message"].(string), "Bulgogi rice bowl is off the menu at Gangnam until ")
			},
			descriptionOfRefuse: "409 not_available at cart.items[0].id"},
		{name: "kakao", method: "POST", path: "/api/v1/stores/" + store + "/orders", auth: botAuth, taken: statusIs(201),
			body: `{"botOrderId":"e2e-snooze-1","items":[{"id":"P001","quantity":1,"options":[{"groupId":1,"valueId":1}]}]}`,
			refused: func(status int, b map[string]any) bool {
				msg, _ := b["error"].(string)
				return status == 409 && len(b) == 1 && strings.HasPrefix(msg, "items[0].product: Bulgogi rice bowl is off the menu at Gangnam until ")
			},
			descriptionOfRefuse: `409 {"error": "items[0].product: … off the menu …"}`},
		{name: "Junglebook", method: "POST", path: "/order", auth: partners.Junglebook.APIKey,
			// Its success is HTTP 200 too: taken when success is "1".
			taken: func(status int, b map[string]any) bool {
				or, _ := b["orderResult"].(map[string]any)
				return status == 200 && or["success"] == "1"
			},
			body: `{"oaOrderNo":"e2e-snooze-1","nameReceiver":"정글북","phoneReceiver":"010-1234-5678","mobileReceiver":"010-1234-5678",
				"zipCode":"12345","address":"경기도 화성시","address2":"정글북","settleKind":"a","bankSender":"정글북","doubleCheck":"1",
				"orderItem":[{"goodsNo":` + cider + `,"ea":1}]}`,
			refused: func(status int, b map[string]any) bool {
				or, _ := b["orderResult"].(map[string]any)
				gd, _ := or["goodsData"].(map[string]any)
				return status == 200 && or["success"] == "0" && or["errCode"] == "206" && or["errMsg"] == "runout" &&
					gd["runout"] == "1" && gd["goodsNo"] == cider
			},
			descriptionOfRefuse: `HTTP 200, errCode "206" runout, goodsData.runout "1"`},
	}
	// Snooze until now + 2 s.
	until := time.Now().Add(2 * time.Second).UTC()
	status, sn := send("POST", "/hub/v1/locations/1/snooze", "Bearer "+hubTok,
		`{"products":["P001","P011"],"until":"`+until.Format(time.RFC3339Nano)+`","reason":"e2e"}`)
	if status != 200 || len(sn["data"].([]any)) != 2 {
		t.Fatalf("snooze: %d %v", status, sn)
	}
	for _, d := range doors {
		status, b := send(d.method, d.path, d.auth, d.body)
		if time.Now().After(until) {
			t.Skipf("the machine is too slow: the 2 s snooze ended before the %s door was tried", d.name)
		}
		if !d.refused(status, b) {
			t.Fatalf("%s door while snoozed: %d %v, want %s", d.name, status, b, d.descriptionOfRefuse)
		}
		if d.untilOf != nil {
			at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(d.untilOf(b)))
			if !at.Equal(until) {
				t.Errorf("%s door: available_at %v, want %s", d.name, d.untilOf(b), until.Format(time.RFC3339Nano))
			}
		}
	}
	menuP001 := func() map[string]any {
		t.Helper()
		status, m := send("GET", "/api/v1/stores/"+store+"/items", botAuth, "")
		if status != 200 {
			t.Fatalf("menu: %d %v", status, m)
		}
		for _, it := range m["items"].([]any) {
			if it := it.(map[string]any); it["id"] == "P001" {
				return it
			}
		}
		t.Fatal("P001 is not on the menu")
		return nil
	}
	// The bot's menu shows it sold out, and when it is back (to the
	// second rounded up: the contract's times are RFC 3339 without
	// fractions).
	back := until.Add(time.Second - 1).Truncate(time.Second).UTC().Format(time.RFC3339)
	it := menuP001()
	if time.Now().After(until) {
		t.Skip("the machine is too slow: the 2 s snooze ended before the menu was read")
	}
	if it["soldOut"] != true || it["availableAt"] != back {
		t.Fatalf("menu while snoozed: P001 %v, want soldOut and availableAt %s", it, back)
	}

	// After the 2 s, every door takes the order (polled, bounded).
	deadline := until.Add(10 * time.Second)
	time.Sleep(time.Until(until))
	for _, d := range doors {
		for {
			status, b := send(d.method, d.path, d.auth, d.body)
			if d.taken(status, b) {
				break
			}
			if !d.refused(status, b) || time.Now().After(deadline) {
				t.Fatalf("%s door after the snooze's end: %d %v", d.name, status, b)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for {
		it := menuP001()
		if _, shown := it["availableAt"]; it["soldOut"] == false && !shown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("menu after the snooze's end: P001 %v", it)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The CLI beside the running server, on its database.
	cli := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"location", "status", "1"}, args...), dbArgs...)...)
		cmd.Env = append(os.Environ(), "ORDERHUB_DATA="+data)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("orderhub location status 1 %v: %v %s", args, err, out)
		}
	}
	kakaoOrder := func(n int) (int, map[string]any) {
		return send("POST", "/api/v1/stores/"+store+"/orders", botAuth, fmt.Sprintf(`{"botOrderId":"e2e-pause-%d","items":[{"id":"P011","quantity":1}]}`, n))
	}
	cli("--set", "paused", "--reason", "e2e")
	for n := 0; ; n++ {
		status, b := kakaoOrder(n)
		if status == 409 && b["error"] == "store is paused" {
			break
		}
		if status != 201 || time.Now().After(deadline.Add(5*time.Second)) {
			t.Fatalf("kakao after `location status --set paused`: %d %v", status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	status, b := send("POST", "/hub/v1/orders", "Bearer "+hubTok, `{"brand_id":1,"location_id":1,"lines":[{"product":"P011","quantity":1}]}`)
	if e, _ := b["error"].(map[string]any); status != 409 || e["details"].(map[string]any)["reason"] != "location_paused" {
		t.Fatalf("hub while paused by the CLI: %d %v", status, b)
	}
	cli("--set", "online")
	for n := 1000; ; n++ {
		status, b := kakaoOrder(n)
		if status == 201 {
			break
		}
		if status != 409 || time.Now().After(deadline.Add(10*time.Second)) {
			t.Fatalf("kakao after `location status --set online`: %d %v", status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// statusIs judges an answer taken by its HTTP status alone.
func statusIs(want int) func(int, map[string]any) bool {
	return func(status int, _ map[string]any) bool { return status == want }
}
