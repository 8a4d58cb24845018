package junglebook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/testutil/world"
)

const seedFile = "testdata/002_b19078e030ce8ca5.txt"

// accepted reports whether a shop answer took the order: HTTP 200 with
// orderResult.success "1" (business failures are HTTP 200 too).
func accepted(rr *httptest.ResponseRecorder) bool {
	var out struct {
		OrderResult struct {
			Success any `json:"success"`
		} `json:"orderResult"`
	}
	return rr.Code == 200 && json.Unmarshal(rr.Body.Bytes(), &out) == nil && out.OrderResult.Success == "1"
}

// dataBodies are the seed's example objects and one the demo's shop can
// take (goodsNo is a hub id).
func dataBodies(f *testing.F, w *world.World) []string {
	p, err := w.Store.FindProduct(f.Context(), w.A.BrandID, "P004")
	if err != nil {
		f.Fatal(err)
	}
	out := []string{fmt.Sprintf(`{"oaType": "api", "oaOrderNo": "fuzz-jb-1", "nameReceiver": "정글북",
		"phoneReceiver": "010-1234-5678", "mobileReceiver": "010-1234-5678", "zipCode": "12345", "address": "서울",
		"address2": "1", "settleKind": "s", "bankSender": "정글북", "doubleCheck": "1", "memo": "문 앞",
		"orderItem": [{"goodsNo": %d, "ea": 2}]}`, p.ID)}
	for _, obj := range world.JSONObjects(f, seedFile) {
		out = append(out, string(obj))
	}
	return out
}

// encodings put the data object in a request the ways the shop may send
// it.
var encodings = []func(data string) (contentType, body string){
	func(data string) (string, string) { // curl -F data=...
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("data", data)
		mw.Close()
		return mw.FormDataContentType(), b.String()
	},
	func(data string) (string, string) { // a file part named data
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("data", "data.json")
		fw.Write([]byte(data))
		mw.Close()
		return mw.FormDataContentType(), b.String()
	},
	func(data string) (string, string) {
		return "application/x-www-form-urlencoded", url.Values{"data": {data}}.Encode()
	},
	func(data string) (string, string) { return "application/json", data },
	func(data string) (string, string) { return "", `{"data": ` + data + `}` },
}

var paths = []string{"/order", "/order/test"}

// FuzzJunglebook sends the data object, in every encoding the shop may
// use (the multipart field, a file part, urlencoded, raw, wrapped), to
// both calls through the whole server: never a 5xx, and an order not
// accepted writes nothing.
func FuzzJunglebook(f *testing.F) {
	w := world.Open(f)
	key := w.A.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials).APIKey
	for i, data := range dataBodies(f, w) {
		f.Add(uint8(i%len(paths)), uint8(i%len(encodings)), data)
		f.Add(uint8(1), uint8(0), data)
	}
	w.Mark(f)
	f.Fuzz(func(t *testing.T, call, encoding uint8, data string) {
		path := paths[int(call)%len(paths)]
		ct, body := encodings[int(encoding)%len(encodings)](data)
		rr := w.Do(world.Request("POST", path, body, "Authorization", key, "Content-Type", ct))
		w.Check(t, rr, !accepted(rr), path+" "+ct+" "+body)
	})
}

// FuzzJunglebookMultipart fuzzes the multipart body itself (boundaries,
// part headers, several data parts) under a fixed boundary.
func FuzzJunglebookMultipart(f *testing.F) {
	w := world.Open(f)
	key := w.A.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials).APIKey
	const boundary = "fuzzboundary"
	for _, data := range dataBodies(f, w)[:3] {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary(boundary)
		mw.WriteField("data", data)
		mw.Close()
		f.Add(b.String())
	}
	f.Add("--fuzzboundary\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{}\r\n--fuzzboundary\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{}\r\n--fuzzboundary--\r\n")
	w.Mark(f)
	f.Fuzz(func(t *testing.T, body string) {
		rr := w.Do(world.Request("POST", "/order", body, "Authorization", key,
			"Content-Type", "multipart/form-data; boundary="+boundary))
		w.Check(t, rr, !accepted(rr), body)
	})
}
