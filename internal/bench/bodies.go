package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// The request bodies of each door, built from the catalog setup made and
// valid for it: every request names products sold at its location, with
// the catalog's prices, and a unique order id (and idempotency key where
// the door has one), so that every request places a new order.

// mix is splitmix64: a cheap, deterministic spread of request indexes.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// benchLine is one line of a generated order.
type benchLine struct {
	p        *benchProduct
	qty      int
	spice    int64 // option value ids (0: no options)
	size     int64
	unit     int64 // catalog unit price with the options
	spiceAdj int64
	sizeAdj  int64
}

// pickLines chooses n distinct products of a location (only products with
// options when opts), with options where the product has them.
func (w *world) pickLines(loc int64, i int64, n int, opts bool) []benchLine {
	pool := w.byLoc[loc]
	if opts {
		pool = w.withOpts[loc]
	}
	h := mix(uint64(i) ^ uint64(loc)<<40)
	start := int(h % uint64(len(pool)))
	step := 1 + int((h>>20)%7)
	lines := make([]benchLine, 0, n)
	for k := 0; k < n; k++ {
		p := &w.products[pool[(start+k*step)%len(pool)]]
		l := benchLine{p: p, qty: 1 + int((h>>(8+k))%2), unit: p.Price}
		if p.Options {
			l.spice = 1 + int64((h>>(16+k))%3)
			l.size = 1 + int64((h>>(24+k))%2)
			l.spiceAdj = optSpice.Values[l.spice-1].Price
			l.sizeAdj = optSize.Values[l.size-1].Price
			l.unit += l.spiceAdj + l.sizeAdj
		}
		lines = append(lines, l)
	}
	return lines
}

// location spreads requests over the locations.
func (w *world) location(i int64) int64 { return w.locations[int(i%int64(len(w.locations)))] }

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// ---- QR (seed 004): POST /v1/items ----

type qrMoney struct {
	Amount          int64  `json:"amount"`
	CurrencyCode    string `json:"currency_code"`
	FormattedAmount string `json:"formatted_amount"`
}

type qrPrice struct {
	UnitPrice  qrMoney `json:"unit_price"`
	TotalPrice qrMoney `json:"total_price"`
}

type qrItem struct {
	ID                     string    `json:"id"`
	Title                  string    `json:"title"`
	Quantity               int       `json:"quantity"`
	SpecialInstructions    string    `json:"special_instructions,omitempty"`
	Price                  qrPrice   `json:"price"`
	SelectedModifierGroups []qrGroup `json:"selected_modifier_groups"`
}

type qrGroup struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Type          string   `json:"type"`
	SelectedItems []qrItem `json:"selected_items"`
	RemovedItems  []qrItem `json:"removed_items"`
}

func (w *world) money(v int64) qrMoney {
	return qrMoney{Amount: v, CurrencyCode: w.currency, FormattedAmount: strconv.FormatInt(v, 10)}
}

func (w *world) qrOption(g int64, title string, value int64, name string, adj int64) qrGroup {
	return qrGroup{ID: strconv.FormatInt(g, 10), Title: title, Type: "TASTE", SelectedItems: []qrItem{{
		ID: strconv.FormatInt(value, 10), Title: name, Quantity: 1,
		Price: qrPrice{UnitPrice: w.money(adj), TotalPrice: w.money(adj)}}}}
}

// qrTarget places QR orders of 3 lines with options, spread over the
// locations (each QR partner is bound to one), with a unique id and
// unique_code per request.
func (w *world) qrTarget(run, prefix string) Target {
	return Target{
		Next: func(i int64) (Request, bool) {
			loc := w.location(i)
			var items []qrItem
			for _, l := range w.pickLines(loc, i, 3, true) {
				items = append(items, qrItem{ID: l.p.Ref, Title: l.p.Name, Quantity: l.qty, SpecialInstructions: "덜 맵게 해주세요",
					Price: qrPrice{UnitPrice: w.money(l.unit), TotalPrice: w.money(l.unit * int64(l.qty))},
					SelectedModifierGroups: []qrGroup{
						w.qrOption(1, "맵기", l.spice, optSpice.Values[l.spice-1].Name["ko"], l.spiceAdj),
						w.qrOption(2, "크기", l.size, optSize.Values[l.size-1].Name["ko"], l.sizeAdj),
					}})
			}
			body := jsonBody(map[string]any{
				"id": fmt.Sprintf("%s-%s-%d", prefix, run, i), "unique_code": fmt.Sprintf("uc-%s-%s-%d", prefix, run, i),
				"type": "DINE_IN", "cart": map[string]any{"items": items},
			})
			return Request{Method: "POST", Path: "/v1/items", ContentType: "application/json", Body: body,
				Header: [][2]string{{"Authorization", "Bearer " + w.qrTokens[loc]}}}, true
		},
		Check: wantStatus(http.StatusNoContent),
	}
}

// ---- kakao (seed 000): POST /api/v1/stores/{storeId}/orders ----

func (w *world) kakaoTarget(run string) Target {
	type opt struct {
		GroupID int64 `json:"groupId"`
		ValueID int64 `json:"valueId"`
	}
	type item struct {
		ID                  string `json:"id"`
		Quantity            int    `json:"quantity"`
		Price               int64  `json:"price"`
		SpecialInstructions string `json:"specialInstructions,omitempty"`
		Options             []opt  `json:"options,omitempty"`
	}
	return Target{
		Next: func(i int64) (Request, bool) {
			loc := w.location(i)
			var items []item
			for _, l := range w.pickLines(loc, i, 3, false) {
				it := item{ID: l.p.Ref, Quantity: l.qty, Price: l.unit}
				if l.p.Options {
					it.Options = []opt{{1, l.spice}, {2, l.size}}
				}
				items = append(items, it)
			}
			body := jsonBody(map[string]any{
				"botOrderId": fmt.Sprintf("kakao-%s-%d", run, i), "type": "PICK_UP",
				"customer": map[string]string{"id": fmt.Sprintf("kakao-user-%d", i%5000), "name": "김민수", "phone": "010-1234-5678"},
				"notes":    "포크 빼주세요", "paymentMethod": "kakaopay", "items": items,
			})
			return Request{Method: "POST", Path: fmt.Sprintf("/api/v1/stores/%d/orders", loc), ContentType: "application/json",
				Body: body, Header: [][2]string{{"Authorization", "Bearer " + w.kakaoKey}}}, true
		},
		Check: wantStatus(http.StatusCreated),
	}
}

// ---- Junglebook (seed 002): POST /order, multipart field "data" ----

func (w *world) junglebookTarget(run string) Target {
	type item struct {
		GoodsNo int64 `json:"goodsNo"`
		EA      int   `json:"ea"`
	}
	return Target{
		Next: func(i int64) (Request, bool) {
			loc := w.location(i)
			var items []item
			for _, l := range w.pickLines(loc, i, 3, false) {
				items = append(items, item{GoodsNo: l.p.ID, EA: l.qty})
			}
			data := jsonBody(map[string]any{
				"oaType": "api", "oaOrderNo": fmt.Sprintf("jb-%s-%d", run, i), "nameReceiver": "정글북",
				"phoneReceiver": "010-1234-5678", "mobileReceiver": "010-1234-5678", "zipCode": "12345",
				"address": "경기도 화성시 팔탄면 버들로 1362번길 10-12", "address2": "정글북", "settleKind": "a",
				"bankSender": "정글북", "doubleCheck": "1", "memo": "부재시 경비실에 맡겨주세요!", "orderItem": items,
			})
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("data", string(data))
			mw.Close()
			return Request{Method: "POST", Path: "/order", ContentType: mw.FormDataContentType(), Body: buf.Bytes(),
				Header: [][2]string{{"Authorization", w.junglebook[loc].Key}}}, true
		},
		// Business failures are HTTP 200 too: success is orderResult.success "1".
		Check: func(status int, body []byte) error {
			if status != http.StatusOK || !bytes.Contains(body, []byte(`"success":"1"`)) {
				return fmt.Errorf("HTTP %d: %s", status, snippet(body))
			}
			return nil
		},
	}
}

// ---- /hub/v1: POST /hub/v1/orders ----

// hubOrderBody is a native order of 3 lines at loc.
func (w *world) hubOrderBody(run string, i int64) []byte {
	type opt struct {
		GroupID int64 `json:"group_id"`
		ValueID int64 `json:"value_id"`
	}
	type line struct {
		Product   string `json:"product"`
		Quantity  int    `json:"quantity"`
		UnitPrice int64  `json:"unit_price"`
		Options   []opt  `json:"options,omitempty"`
	}
	loc := w.location(i)
	var lines []line
	for _, l := range w.pickLines(loc, i, 3, false) {
		ln := line{Product: l.p.Ref, Quantity: l.qty, UnitPrice: l.unit}
		if l.p.Options {
			ln.Options = []opt{{1, l.spice}, {2, l.size}}
		}
		lines = append(lines, ln)
	}
	return jsonBody(map[string]any{
		"brand_id": w.brandID, "location_id": loc, "external_ref": fmt.Sprintf("hub-%s-%d", run, i), "type": "pick_up",
		"customer": map[string]string{"name": "Kim Minsu", "phone": "010-1234-5678"}, "notes": "no cutlery",
		"payment_method": "card", "lines": lines,
	})
}

func (w *world) hubTarget(run string) Target {
	return Target{
		Next: func(i int64) (Request, bool) {
			return Request{Method: "POST", Path: "/hub/v1/orders", ContentType: "application/json", Body: w.hubOrderBody(run, i),
				Header: [][2]string{{"Authorization", "Bearer " + w.hubToken}}}, true
		},
		Check: wantStatus(http.StatusCreated),
	}
}

// ---- transitions, on a pool of orders ----

// poolTarget sends one transition per order of the pool, in pool order;
// the pool running out ends the phase.
func poolTarget(pool []pooledOrder, req func(o pooledOrder) Request) Target {
	return Target{
		Next: func(i int64) (Request, bool) {
			if i >= int64(len(pool)) {
				return Request{}, false
			}
			return req(pool[i]), true
		},
		Check: wantStatus(http.StatusOK),
	}
}

func (w *world) omniTarget(pool []pooledOrder, action string) Target {
	key := "order"
	if action == "confirm" {
		key = "number" // confirm documents "number", the others "order" (DESIGN.md §4)
	}
	return poolTarget(pool, func(o pooledOrder) Request {
		return Request{Method: "POST", Path: "/api/store/orders/" + action, ContentType: "application/json",
			Body: jsonBody(map[string]string{key: o.Number}), Header: [][2]string{{"Authorization", "token " + w.omniKey}}}
	})
}

func (w *world) cookTarget(pool []pooledOrder) Target {
	return poolTarget(pool, func(o pooledOrder) Request {
		return Request{Method: "POST", Path: fmt.Sprintf("/api/kakao/v1/order/cook?storeId=%d", o.LocationID), ContentType: "application/json",
			Body: jsonBody(map[string]string{"orderId": o.Number}), Header: [][2]string{{"Authorization", "Bearer " + w.kakaoKey}}}
	})
}

// ---- menu ----

func (w *world) menuTarget(etag string) Target {
	h := [][2]string{{"Authorization", "Bearer " + w.kakaoKey}}
	want := http.StatusOK
	if etag != "" {
		h = append(h, [2]string{"If-None-Match", etag})
		want = http.StatusNotModified
	}
	path := fmt.Sprintf("/api/v1/stores/%d/items", w.locations[0])
	return Target{
		Next:  func(int64) (Request, bool) { return Request{Method: "GET", Path: path, Header: h}, true },
		Check: wantStatus(want),
	}
}

func wantStatus(want int) func(int, []byte) error {
	return func(status int, body []byte) error {
		if status != want {
			return fmt.Errorf("HTTP %d (want %d): %s", status, want, strings.TrimSpace(snippet(body)))
		}
		return nil
	}
}
