package omni_test

import (
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/testutil/world"
)

var omniCalls = []string{"confirm", "paid", "complete", "cancel"}

// FuzzOmni sends the POS's wire format to the four status calls through
// the whole server: never a 5xx, and a refused call (any answer but 200)
// writes nothing.
func FuzzOmni(f *testing.F) {
	w := world.Open(f)
	key := "token " + w.A.Partner(hub.ChannelOmni).(omni.DemoCredentials).Token
	numbers := []string{w.PlaceHubOrder(f, "omni-fuzz-1", "P004"), w.PlaceHubOrder(f, "omni-fuzz-2", "P006")}
	for _, obj := range world.JSONObjects(f, "testdata/001_5f57ff6f4950ca12.txt") {
		f.Add(uint8(0), string(obj))
	}
	for call := range omniCalls {
		for _, n := range numbers {
			f.Add(uint8(call), `{"number": "`+n+`"}`)
			f.Add(uint8(call), `{"order": "`+n+`"}`)
		}
		f.Add(uint8(call), `{}`)
	}
	w.Mark(f)
	f.Fuzz(func(t *testing.T, call uint8, body string) {
		path := "/api/store/orders/" + omniCalls[int(call)%len(omniCalls)]
		rr := w.Do(world.Request("POST", path, body, "Authorization", key, "Content-Type", "application/json"))
		w.Check(t, rr, rr.Code != 200, path+" "+body)
	})
}
