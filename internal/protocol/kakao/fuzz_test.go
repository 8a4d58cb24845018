package kakao_test

import (
	"net/url"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/testutil/world"
)

// kakaoCalls are the bot's and the POS's calls a fuzz input picks from
// (call % len): the body and the query are the input's.
var kakaoCalls = []struct{ method, path string }{
	{"POST", "/api/v1/stores/{store}/orders"},
	{"GET", "/api/v1/stores/{store}/items"},
	{"DELETE", "/api/v1/cancel"},
	{"POST", "/api/kakao/v1/order/cook"},
	{"POST", "/api/kakao/v1/order/complete"},
	{"GET", "/api/v1/stores/{store}/orders/{order}/numbs/{numb}"},
}

// FuzzKakao sends the bot's wire format to every kakao call through the
// whole server: never a 5xx, and a refused call (any answer but 2xx)
// writes nothing.
func FuzzKakao(f *testing.F) {
	w := world.Open(f)
	creds := w.A.Partner(hub.ChannelKakao).(kakao.DemoCredentials)
	store := creds.StoreID
	// The doc's bodies (the seed has none), and the calls' queries.
	for _, body := range []string{
		`{"botOrderId": "kakao-20260310-0001", "type": "PICK_UP", "table": "A3",
		  "customer": {"id": "kakao-user-key", "name": "김민수", "phone": "010-1234-5678"},
		  "notes": "문 앞에", "paymentMethod": "kakaopay",
		  "items": [{"id": "P001", "quantity": 2, "price": 10000, "specialInstructions": "덜 맵게",
		    "options": [{"groupId": 1, "valueId": 3}]},
		   {"id": "C001", "quantity": 1, "combo": [{"componentId": 1, "id": "P001", "options": [{"groupId": 1, "valueId": 1}]},
		     {"componentId": 2, "id": "P011", "options": []}]}]}`,
		`{"botOrderId": "b2", "items": [{"id": "P011", "quantity": 1}]}`,
		`{"botOrderId": "b3", "type": "DELIVERY", "items": [{"id": "P010", "quantity": 6, "options": [{"groupId": 3, "valueId": 2}]}]}`,
		`{"orderId": "b2"}`,
		`{"orderId": "b3", "numb": "0001"}`,
		`{}`,
	} {
		for call := range kakaoCalls {
			f.Add(uint8(call), "storeId="+store, body)
			f.Add(uint8(call), "storeId="+store+"&orderId=b2&numb=1", body)
		}
	}
	key := "Bearer " + creds.APIKey
	w.Mark(f)
	f.Fuzz(func(t *testing.T, call uint8, query, body string) {
		c := kakaoCalls[int(call)%len(kakaoCalls)]
		path := c.path
		for _, p := range [][2]string{{"{store}", store}, {"{order}", "b2"}, {"{numb}", "1"}} {
			path = strings.ReplaceAll(path, p[0], url.PathEscape(p[1]))
		}
		req := world.Request(c.method, path, body, "Authorization", key, "Content-Type", "application/json")
		req.URL.RawQuery = query
		rr := w.Do(req)
		w.Check(t, rr, rr.Code < 200 || rr.Code > 299, c.method+" "+path+"?"+query+" "+body)
	})
}
