package tableorder_test

import (
	"os"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/testutil/world"
)

// FuzzTableOrder sends the QR wire format (the cart with its nested
// modifier groups) to POST /v1/items through the whole server: never a
// 5xx, and a refused order (any answer but 204) writes nothing.
func FuzzTableOrder(f *testing.F) {
	w := world.Open(f)
	token := "Bearer " + w.QRToken(f, w.A.Partner(hub.ChannelTableOrder))
	for _, name := range []string{"testdata/seed_plain.json", "testdata/seed_combo.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, obj := range world.JSONObjects(f, "testdata/seed_combo_taste.txt") {
		f.Add(string(obj))
	}
	// One the demo's menu takes.
	f.Add(`{"id": "FUZZ-QR-1", "unique_code": "fuzz-u-1", "type": "DINE_IN", "cart": {"items": [{"id": "P004", "title": "x",
		"quantity": 1, "price": {"unit_price": {"amount": 9000, "currency_code": "KRW"},
		"total_price": {"amount": 9000, "currency_code": "KRW"}},
		"selected_modifier_groups": [{"id": "2", "title": "Extras", "type": "TASTE", "selected_items": [{"id": "1", "title": "rice", "quantity": 1,
		  "price": {"unit_price": {"amount": 1000, "currency_code": "KRW"}, "total_price": {"amount": 1000, "currency_code": "KRW"}}}]}]}]}}`)
	w.Mark(f)
	f.Fuzz(func(t *testing.T, body string) {
		rr := w.Do(world.Request("POST", "/v1/items", body, "Authorization", token, "Content-Type", "application/json"))
		w.Check(t, rr, rr.Code != 204, body)
	})
}

// FuzzTableOrderLogin fuzzes the token request (form or JSON, HTTP Basic
// or body credentials): never a 5xx, and a refused login writes nothing.
func FuzzTableOrderLogin(f *testing.F) {
	w := world.Open(f)
	c := w.A.Partner(hub.ChannelTableOrder)
	id, secret := world.Key(f, c), world.ClientSecret(f, c)
	f.Add("application/x-www-form-urlencoded", "", "grant_type=client_credentials&client_id="+id+"&client_secret="+secret)
	f.Add("application/json", "", `{"grant_type": "client_credentials", "client_id": "`+id+`", "client_secret": "`+secret+`", "scope": "items:write"}`)
	f.Add("", "Basic b2hjX3g6eQ==", "grant_type=client_credentials")
	w.Mark(f)
	f.Fuzz(func(t *testing.T, contentType, authorization, body string) {
		req := world.Request("POST", "/v1/auth/login", body, "Content-Type", contentType)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rr := w.Do(req)
		w.Check(t, rr, rr.Code != 200, contentType+" "+authorization+" "+body)
	})
}
