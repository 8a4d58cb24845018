package api_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/testutil/world"
)

// FuzzHubOrder sends order bodies to POST /hub/v1/orders through the whole
// server: never a 5xx, and a refused order (any answer but 201) writes
// nothing.
func FuzzHubOrder(f *testing.F) {
	w := world.Open(f)
	tok := "Bearer " + w.A.Hub.Token
	b, l := w.A.BrandID, w.ALocations[0]
	for _, body := range []string{
		`{"brand_id": %d, "location_id": %d, "external_ref": "fuzz-hub-1", "lines": [{"product": "P004", "quantity": 1}]}`,
		`{"brand_id": %d, "location_id": %d, "type": "delivery", "notes": "n", "payment_method": "card",
		  "lines": [{"product": "P001", "quantity": 2, "unit_price": 12000, "special_instructions": "x",
		    "options": [{"group_id": 1, "value_id": 3}, {"group_id": 2, "value_id": 1, "quantity": 2}]},
		   {"product": "C001", "quantity": 1, "combo": [{"component_id": 1, "product": "P001", "options": [{"group_id": 1, "value_id": 1}]},
		     {"component_id": 2, "product": "P011"}, {"component_id": 3, "product": "P023"}]}]}`,
		`{"brand_id": %d, "location_id": %d, "scheduled_for": %q, "lines": [{"product": "P006", "quantity": 1}]}`,
		`{"brand_id": %d, "location_id": %d, "lines": [{"product": "P033", "quantity": 6}, {"product": "P020", "quantity": 6}]}`,
	} {
		if strings.Contains(body, "%q") {
			body = fmt.Sprintf(body, b, l, time.Now().Add(3*time.Hour).UTC().Format(time.RFC3339))
		} else {
			body = fmt.Sprintf(body, b, l)
		}
		f.Add(body)
	}
	w.Mark(f)
	f.Fuzz(func(t *testing.T, body string) {
		rr := w.Do(world.Request("POST", "/hub/v1/orders", body, "Authorization", tok, "Content-Type", "application/json"))
		w.Check(t, rr, rr.Code != 201, body)
	})
}

// FuzzPartnerSettings sends partner settings, typed per protocol (the
// partner settings decoder and each protocol's check), to POST
// /hub/v1/partners: never a 5xx, a refused partner writes nothing, and
// settings that were taken are taken again unchanged (PATCH) and used
// without a 5xx (kakao's menu and Junglebook's test order read them at
// use).
func FuzzPartnerSettings(f *testing.F) {
	w := world.Open(f)
	tok := "Bearer " + w.A.Hub.Token
	var channels []hub.Channel
	for _, p := range w.Registry {
		channels = append(channels, p.Channel)
	}
	for _, s := range []string{
		`{"bot_url": "https://bot.example/kakao", "extra": {"kakao_role": "bot"}}`,
		`{"extra": {"kakao_role": "pos"}}`,
		`{"price_policy": "accept"}`,
		`{"extra": {"delivery_fee": 2500, "free_delivery_from": 30000, "bank_account": "1",
		  "logistics_center": {"name": "c", "zip_code": "06236", "address": "a", "address2": "b"}}}`,
		`{"callback_url": "https://client.example/cb", "extra": {"region": "SGN", "minimum_purchase": "50000", "status_codes": {"5": "complete", "3": "ready"}}}`,
		`{"extra": {"timezone": "Asia/Seoul", "minimum_purchase": 10}}`,
		`{}`,
	} {
		for c := range channels {
			f.Add(uint8(c), s)
		}
	}
	jbBody := fmt.Sprintf(`{"oaType": "api", "nameReceiver": "n", "phoneReceiver": "010-1234-5678", "mobileReceiver": "010-1234-5678",
		"zipCode": "12345", "address": "a", "address2": "b", "settleKind": "s", "orderItem": [{"goodsNo": %d, "ea": 1}]}`, product(f, w, "P004"))
	w.Mark(f)
	f.Fuzz(func(t *testing.T, channel uint8, settings string) {
		ch := channels[int(channel)%len(channels)]
		body := fmt.Sprintf(`{"brand_id": %d, "protocol": %q, "name": "fuzz", "location_ids": [%d], "settings": %s}`,
			w.A.BrandID, ch, w.ALocations[0], settings)
		rr := w.Do(world.Request("POST", "/hub/v1/partners", body, "Authorization", tok, "Content-Type", "application/json"))
		w.Check(t, rr, rr.Code != 201, body)
		if rr.Code != 201 {
			return
		}
		var created struct {
			ID         int64           `json:"id"`
			Settings   json.RawMessage `json:"settings"`
			Credential struct {
				APIKey string `json:"api_key"`
			} `json:"credential"`
		}
		if err := json.Unmarshal(rr.Body.Bytes(), &created); err != nil || created.ID == 0 {
			t.Fatalf("created partner: %s", rr.Body.Bytes())
		}
		id := strconv.FormatInt(created.ID, 10)
		again := w.Do(world.Request("PATCH", "/hub/v1/partners/"+id, `{"settings": `+string(created.Settings)+`}`,
			"Authorization", tok, "Content-Type", "application/json"))
		if again.Code != 200 {
			t.Fatalf("settings %s were taken, then refused as stored (%s): %d %s", settings, created.Settings, again.Code, again.Body.Bytes())
		}
		switch ch {
		case hub.ChannelKakao:
			use := w.Do(world.Request("GET", "/api/v1/stores/"+strconv.FormatInt(w.ALocations[0], 10)+"/items", "",
				"Authorization", "Bearer "+created.Credential.APIKey))
			w.Check(t, use, false, settings)
		case hub.ChannelJunglebook:
			use := w.Do(world.Request("POST", "/order/test", jbBody, "Authorization", created.Credential.APIKey,
				"Content-Type", "application/json"))
			w.Check(t, use, false, settings)
		}
	})
}

func product(f *testing.F, w *world.World, ref string) int64 {
	p, err := w.Store.FindProduct(f.Context(), w.A.BrandID, ref)
	if err != nil {
		f.Fatal(err)
	}
	return p.ID
}
