package zeek_test

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/testutil/world"
)

var zeekCalls = []string{zeek.PathCreate, zeek.PathBatchUpdate, zeek.PathStatusUpdate, zeek.PathToken}

// succeeded reports a platform success: HTTP 200 and {"error": 0}.
func succeeded(rr *httptest.ResponseRecorder) bool {
	var out struct {
		Error any `json:"error"`
	}
	return rr.Code == 200 && json.Unmarshal(rr.Body.Bytes(), &out) == nil && out.Error == float64(0)
}

var storeID = regexp.MustCompile(`"store_id"\s*:\s*\d+`)

// FuzzZeek sends the client's wire format (the seed's headers and bodies)
// to the four platform calls through the whole server: never a 5xx, and a
// refused call writes nothing.
func FuzzZeek(f *testing.F) {
	w := world.Open(f)
	creds := w.A.Partner(hub.ChannelZeek).(zeek.DemoCredentials)
	token := "Bearer " + w.ZeekToken(f, creds)
	order := w.PlaceHubOrder(f, "zeek-fuzz-1", "P004")
	ours := `"store_id": ` + strconv.FormatInt(creds.StoreID, 10)
	for _, obj := range world.JSONObjects(f, "testdata/003_07287a63d548cffe.txt") {
		for call := range uint8(3) {
			f.Add(call, "SGN", string(obj))
			// The same example at the client's own store (the seed's
			// ids are another platform's).
			if s := storeID.ReplaceAllString(string(obj), ours); s != string(obj) {
				f.Add(call, "SGN", s)
			}
		}
	}
	f.Add(uint8(2), "", `{"order_id": "`+order+`", "status": 2}`)
	f.Add(uint8(3), "", `{"client_id": "`+creds.ClientID+`", "client_secret": "`+creds.ClientSecret+`", "grant_type": "client_credentials"}`)
	w.Mark(f)
	f.Fuzz(func(t *testing.T, call uint8, region, body string) {
		path := zeekCalls[int(call)%len(zeekCalls)]
		req := world.Request("POST", path, body, "Authorization", token, "Content-Type", "application/json",
			"KS-Client-Request-Id", world.Unique("fuzz-"), "KS-Lang", "en")
		if region != "" {
			req.Header.Set("KS-Region", region)
		}
		rr := w.Do(req)
		// A token call writes a token (a credential row) when it succeeds.
		w.Check(t, rr, !succeeded(rr), path+" "+region+" "+body)
	})
}
