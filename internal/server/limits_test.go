package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/junglebook"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/protocol/tableorder"
	"orderhub/internal/protocol/zeek"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

// TestBodyTooLarge: a body one byte over httpx.MaxBody is 413 on every
// surface, in its own envelope.
func TestBodyTooLarge(t *testing.T) {
	w := newLimitedWorld(t, service.RateLimits{})
	big := `{"x": "` + strings.Repeat("a", httpx.MaxBody) + `"}`
	msg := "request body exceeds 1048576 bytes"
	for _, tc := range []struct {
		surface string
		call    func() limitedAnswer
		body    string
	}{
		{"hub", func() limitedAnswer {
			return w.send(t, "POST", "/hub/v1/orders", big, "Authorization", "Bearer "+w.creds.Hub.Token, "Content-Type", "application/json")
		}, `{"error":{"code":"too_large","message":"` + msg + `","details":{"field":"body"}}}` + "\n"},
		{"kakao", func() limitedAnswer {
			c := w.creds.Partner(hub.ChannelKakao).(kakao.DemoCredentials)
			return w.send(t, "POST", "/api/v1/stores/"+c.StoreID+"/orders", big, "Authorization", "Bearer "+c.APIKey)
		}, `{"error":"` + msg + `"}` + "\n"},
		{"omni", func() limitedAnswer {
			c := w.creds.Partner(hub.ChannelOmni).(omni.DemoCredentials)
			return w.send(t, "POST", "/api/store/orders/confirm", big, "Authorization", "token "+c.Token)
		}, `{"detail":"Request body too large: ` + msg + `."}` + "\n"},
		{"junglebook json", func() limitedAnswer {
			c := w.creds.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials)
			return w.send(t, "POST", "/order", big, "Authorization", c.APIKey, "Content-Type", "application/json")
		}, `{"orderResult":{"success":0,"errCode":"999","parameter":"body","errMsg":"` + msg + `"},"payResult":{"successs":0,"payResultMsg":"did not even try because order failed","cashBalance":"100000","payAmount":0}}` + "\n"},
		{"junglebook multipart", func() limitedAnswer {
			c := w.creds.Partner(hub.ChannelJunglebook).(junglebook.DemoCredentials)
			mp := "--B\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n" + big + "\r\n--B--\r\n"
			return w.send(t, "POST", "/order", mp, "Authorization", c.APIKey, "Content-Type", "multipart/form-data; boundary=B")
		}, `{"orderResult":{"success":0,"errCode":"999","parameter":"body","errMsg":"` + msg + `"},"payResult":{"successs":0,"payResultMsg":"did not even try because order failed","cashBalance":"100000","payAmount":0}}` + "\n"},
		{"zeek", func() limitedAnswer {
			n := 100
			return w.zeekCall(t, zeek.PathToken, big, &n)
		}, `{"error":"41301","error_msg":"Request body too large"}` + "\n"},
		{"tableorder login", func() limitedAnswer {
			return w.send(t, "POST", "/v1/auth/login", big, "Content-Type", "application/json")
		}, `{"error":"invalid_request","error_description":"` + msg + `"}` + "\n"},
		{"tableorder items", func() limitedAnswer {
			c := w.creds.Partner(hub.ChannelTableOrder).(tableorder.DemoCredentials)
			login := w.send(t, "POST", "/v1/auth/login", "grant_type=client_credentials&client_id="+c.ClientID+"&client_secret="+c.ClientSecret,
				"Content-Type", "application/x-www-form-urlencoded")
			return w.send(t, "POST", "/v1/items", big, "Authorization", "Bearer "+w.token(t, login, "access_token"), "Content-Type", "application/json")
		}, `{"error":{"code":"too_large","message":"` + msg + `","path":"body"}}` + "\n"},
	} {
		t.Run(tc.surface, func(t *testing.T) {
			a := tc.call()
			if a.status != http.StatusRequestEntityTooLarge || a.body != tc.body {
				t.Errorf("%d %s\nwant 413 %s", a.status, a.body, tc.body)
			}
		})
	}
}

// TestHSTS: Strict-Transport-Security on answers served over TLS and on
// those a trusted proxy says came over HTTPS; never on plain HTTP, nor when
// an untrusted peer claims HTTPS.
func TestHSTS(t *testing.T) {
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound))
	h := Handler(Config{Version: "test", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, svc, quietLog())
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	c := tlsSrv.Client()
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	res, err := c.Get(tlsSrv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("over TLS: Strict-Transport-Security %q", got)
	}
	for _, tc := range []struct {
		remote, proto, want string
	}{
		{"10.1.2.3:5000", "https", "max-age=31536000"},
		{"10.1.2.3:5000", "http", ""},
		{"192.0.2.7:5000", "https", ""}, // not a trusted proxy
		{"10.1.2.3:5000", "", ""},
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr = tc.remote
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != tc.want {
			t.Errorf("%s X-Forwarded-Proto %q: Strict-Transport-Security %q, want %q", tc.remote, tc.proto, got, tc.want)
		}
	}
}
