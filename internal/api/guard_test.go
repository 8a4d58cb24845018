package api_test

import (
	"fmt"
	"testing"

	"orderhub/internal/netguard"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestOutboundURLsCheckedWhenSaved: with the outbound guard on, a URL
// orderhub would call that points at a private address is a 400 naming
// its field, on create and on change, and nothing is stored.
func TestOutboundURLsCheckedWhenSaved(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, service.WithOutbound(netguard.Policy{}))
		loc := itoa(f.loc.ID)
		// A partner to patch, with a public callback.
		status, body, _ := f.do("POST", "/hub/v1/partners", f.brandTok,
			`{"protocol":"zeek","name":"Zeek","location_ids":[`+loc+`],"settings":{"callback_url":"https://example.test/cb"}}`)
		if status != 201 {
			t.Fatalf("create partner: %d %v", status, body)
		}
		zeekID := itoa(int64(body["id"].(float64)))
		status, body, _ = f.do("POST", "/hub/v1/webhook-endpoints", f.brandTok, `{"url":"https://example.test/hook","event_types":["order.created"]}`)
		if status != 201 {
			t.Fatalf("create endpoint: %d %v", status, body)
		}
		hookID := itoa(int64(body["id"].(float64)))
		partners, _ := st.ListPartners(t.Context(), f.brand.ID)

		for _, tc := range []struct {
			name, method, path, body, field, message string
		}{
			{"callback_url", "POST", "/hub/v1/partners",
				`{"protocol":"zeek","name":"Z2","location_ids":[` + loc + `],"settings":{"callback_url":"http://127.0.0.1:9000/cb"}}`,
				"settings.callback_url", "must not point at 127.0.0.1 (a loopback address)"},
			{"provider_url", "POST", "/hub/v1/partners",
				`{"protocol":"zeek","name":"Z3","location_ids":[` + loc + `],"settings":{"provider_url":"http://169.254.169.254/latest/meta-data/"}}`,
				"settings.provider_url", "must not point at 169.254.169.254 (the cloud metadata address)"},
			{"bot_url", "POST", "/hub/v1/partners",
				`{"protocol":"kakao","name":"Bot","settings":{"bot_url":"http://10.0.0.8/bot"}}`,
				"settings.bot_url", "must not point at 10.0.0.8 (a private address)"},
			{"callback_url on patch", "PATCH", "/hub/v1/partners/" + zeekID,
				`{"settings":{"callback_url":"http://[::ffff:192.168.1.9]/cb"}}`,
				"settings.callback_url", "must not point at 192.168.1.9 (a private address)"},
			{"webhook url", "POST", "/hub/v1/webhook-endpoints",
				`{"url":"http://[::1]:8080/hook","event_types":["order.created"]}`,
				"url", "must not point at ::1 (a loopback address)"},
			{"webhook url on patch", "PATCH", "/hub/v1/webhook-endpoints/" + hookID,
				`{"url":"http://100.64.0.1/hook"}`,
				"url", "must not point at 100.64.0.1 (a carrier-grade NAT (shared) address)"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body, _ := f.do(tc.method, tc.path, f.brandTok, tc.body)
				want := fmt.Sprintf("map[error:map[code:invalid details:map[field:%s] message:%s]]", tc.field, tc.message)
				if status != 400 || fmt.Sprint(body) != want {
					t.Errorf("%d %v\nwant 400 %s", status, body, want)
				}
			})
		}
		after, _ := st.ListPartners(t.Context(), f.brand.ID)
		if len(after) != len(partners) {
			t.Errorf("partners: %d before, %d after the refusals", len(partners), len(after))
		}
		for _, p := range after {
			if p.Settings.CallbackURL != "" && p.Settings.CallbackURL != "https://example.test/cb" {
				t.Errorf("partner %d stored callback %q", p.ID, p.Settings.CallbackURL)
			}
		}
		_, body, _ = f.do("GET", "/hub/v1/webhook-endpoints/"+hookID, f.brandTok, "")
		if body["url"] != "https://example.test/hook" {
			t.Errorf("endpoint after the refused patch: %v", body)
		}
	})
}
