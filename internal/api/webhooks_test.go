package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub/internal/delivery"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// hookReceiver answers with the status it is told and keeps what it got.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	got    []struct {
		header http.Header
		body   []byte
	}
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{status: 200}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, struct {
			header http.Header
			body   []byte
		}{req.Header.Clone(), b})
		status := r.status
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) answer(status int) {
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhookEndpoints(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		rcv := newHookReceiver(t)
		e := delivery.New(st, delivery.Config{Outbound: testutil.Outbound, PollInterval: 10 * time.Millisecond, InitialBackoff: 10 * time.Millisecond,
			MaxBackoff: 20 * time.Millisecond, Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		e.Start(context.Background())
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			e.Stop(ctx)
		})
		const base = "/hub/v1/webhook-endpoints"

		// Validation names the field.
		for _, c := range []struct{ name, token, body, field string }{
			{"bad url", f.brandTok, `{"url":"ftp://x.example","event_types":["order.created"]}`, "url"},
			{"no url", f.brandTok, `{"event_types":["order.created"]}`, "url"},
			{"unknown event type", f.brandTok, `{"url":"https://x.example/h","event_types":["order.created","order.eaten"]}`, "event_types[1]"},
			{"no event types", f.brandTok, `{"url":"https://x.example/h","event_types":[]}`, "event_types"},
			{"unknown field", f.brandTok, `{"url":"https://x.example/h","event_types":["order.created"],"secret":"mine"}`, "secret"},
			{"operator without brand", f.operator, `{"url":"https://x.example/h","event_types":["order.created"]}`, "brand_id"},
		} {
			status, body, _ := f.do("POST", base, c.token, c.body)
			if code, field := errorOf(body); status != 400 || code != "invalid" || field != c.field {
				t.Errorf("%s: %d %v, want 400 naming %s", c.name, status, body, c.field)
			}
		}

		// Create: 201, id and the secret, once.
		status, body, hdr := f.do("POST", base, f.brandTok, `{"url":"`+rcv.URL+`/hook","event_types":["order.created","order.confirmed"]}`)
		if status != 201 {
			t.Fatalf("create: %d %v", status, body)
		}
		id := int64(body["id"].(float64))
		secret, _ := body["secret"].(string)
		path := base + "/" + itoa(id)
		if !strings.HasPrefix(secret, "whsec_") || body["status"] != "enabled" || hdr.Get("Location") != path {
			t.Fatalf("create body: %v (Location %q)", body, hdr.Get("Location"))
		}
		if types := body["event_types"].([]any); len(types) != 2 {
			t.Errorf("event_types = %v", types)
		}
		status, body, _ = f.do("GET", path, f.brandTok, "")
		if _, shown := body["secret"]; status != 200 || shown || body["url"] != rcv.URL+"/hook" {
			t.Errorf("get: %d %v (the secret is shown once only)", status, body)
		}
		status, body, _ = f.do("GET", base, f.brandTok, "")
		if data := body["data"].([]any); status != 200 || len(data) != 1 {
			t.Errorf("list: %d %v", status, body)
		}
		// Another brand sees nothing.
		if status, _, _ := f.do("GET", path, f.otherTok, ""); status != 404 {
			t.Errorf("other brand get: %d, want 404", status)
		}
		if status, body, _ := f.do("GET", base, f.otherTok, ""); status != 200 || len(body["data"].([]any)) != 0 {
			t.Errorf("other brand list: %d %v", status, body)
		}
		if status, _, _ := f.do("POST", path+"/test", f.otherTok, ""); status != 404 {
			t.Errorf("other brand test: %d, want 404", status)
		}

		// An order made through the API reaches the endpoint, signed.
		status, body, _ = f.do("POST", "/hub/v1/orders", f.brandTok, `{"location_id":`+itoa(f.loc.ID)+`,"type":"PICK_UP","lines":[{"product":"P001","quantity":1}]}`)
		if status != 201 {
			t.Fatalf("order: %d %v", status, body)
		}
		eventually(t, "order.created at the receiver", func() bool { return rcv.count() == 1 })
		rcv.mu.Lock()
		first := rcv.got[0]
		rcv.mu.Unlock()
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(first.body, first.header); err != nil {
			t.Errorf("signature: %v", err)
		}
		var payload map[string]any
		json.Unmarshal(first.body, &payload)
		if payload["type"] != "order.created" || payload["version"] != float64(1) || payload["id"] == nil || payload["data"] == nil {
			t.Errorf("payload: %s", first.body)
		}

		// PATCH.
		status, body, _ = f.do("PATCH", path, f.brandTok, `{"event_types":["order.paid"]}`)
		if types := body["event_types"].([]any); status != 200 || len(types) != 1 || types[0] != "order.paid" {
			t.Errorf("patch types: %d %v", status, body)
		}
		status, body, _ = f.do("PATCH", path, f.brandTok, `{"url":"not a url"}`)
		if _, field := errorOf(body); status != 400 || field != "url" {
			t.Errorf("patch bad url: %d %v", status, body)
		}

		// Send test event.
		status, body, _ = f.do("POST", path+"/test", f.brandTok, "")
		if status != 202 || body["event_type"] != "webhook.test" || body["status"] != "pending" {
			t.Fatalf("test: %d %v", status, body)
		}
		eventually(t, "the test event", func() bool { return rcv.count() == 2 })

		// Deliveries with their attempts, paged.
		var list map[string]any
		eventually(t, "two delivered", func() bool {
			_, list, _ = f.do("GET", path+"/deliveries?status=delivered", f.brandTok, "")
			return len(list["data"].([]any)) == 2
		})
		d0 := list["data"].([]any)[0].(map[string]any)
		log := d0["attempt_log"].([]any)
		if d0["event_type"] != "webhook.test" || len(log) != 1 || log[0].(map[string]any)["status_code"] != float64(200) ||
			log[0].(map[string]any)["response"] != `{"ok":true}` || !strings.HasPrefix(d0["webhook_id"].(string), "dlv_") {
			t.Errorf("delivery view: %v", d0)
		}
		status, body, _ = f.do("GET", path+"/deliveries?limit=1", f.brandTok, "")
		if status != 200 || len(body["data"].([]any)) != 1 || body["next_cursor"] == nil {
			t.Errorf("paged: %d %v", status, body)
		}
		if status, body, _ := f.do("GET", path+"/deliveries?status=lost", f.brandTok, ""); status != 400 {
			t.Errorf("bad status: %d %v", status, body)
		}

		// A 4xx is final; replay one, then all dead.
		rcv.answer(400)
		for i := 0; i < 2; i++ {
			if status, body, _ := f.do("POST", path+"/test", f.brandTok, ""); status != 202 {
				t.Fatalf("test: %d %v", status, body)
			}
		}
		eventually(t, "two dead", func() bool {
			_, list, _ = f.do("GET", path+"/deliveries?status=dead", f.brandTok, "")
			return len(list["data"].([]any)) == 2
		})
		rcv.answer(200)
		deadID := itoa(int64(list["data"].([]any)[0].(map[string]any)["id"].(float64)))
		if status, _, _ := f.do("POST", "/hub/v1/deliveries/"+deadID+"/replay", f.otherTok, ""); status != 404 {
			t.Errorf("other brand replay: %d, want 404", status)
		}
		status, body, _ = f.do("POST", "/hub/v1/deliveries/"+deadID+"/replay", f.brandTok, "")
		if status != 202 || body["status"] != "pending" {
			t.Errorf("replay: %d %v", status, body)
		}
		eventually(t, "replayed one delivered", func() bool {
			_, body, _ := f.do("GET", "/hub/v1/deliveries/"+deadID, f.brandTok, "")
			return body["status"] == "delivered"
		})
		status, body, _ = f.do("POST", path+"/replay-dead", f.brandTok, "")
		if status != 202 || body["replayed"] != float64(1) {
			t.Errorf("replay-dead: %d %v", status, body)
		}
		eventually(t, "no dead left", func() bool {
			_, list, _ = f.do("GET", path+"/deliveries?status=dead", f.brandTok, "")
			return len(list["data"].([]any)) == 0
		})
		status, body, _ = f.do("GET", "/hub/v1/deliveries?endpoint_id="+itoa(id), f.brandTok, "")
		if status != 200 || len(body["data"].([]any)) != 4 {
			t.Errorf("deliveries of the brand: %d %v", status, body)
		}

		// Rotation shows the new secret once.
		status, body, _ = f.do("POST", path+"/rotate-secret", f.brandTok, "")
		if s, _ := body["secret"].(string); status != 200 || !strings.HasPrefix(s, "whsec_") || s == secret || body["previous_secret_expires_at"] == nil {
			t.Errorf("rotate: %d %v", status, body)
		}
		status, body, _ = f.do("GET", path, f.brandTok, "")
		if body["previous_secret_expires_at"] == nil {
			t.Errorf("after rotate: %d %v", status, body)
		}

		// 410 disables; the status says why; enabling again works.
		rcv.answer(410)
		f.do("POST", path+"/test", f.brandTok, "")
		eventually(t, "disabled", func() bool {
			_, body, _ = f.do("GET", path, f.brandTok, "")
			return body["status"] == "disabled"
		})
		if !strings.Contains(body["disabled_reason"].(string), "410") || body["failing_since"] == nil {
			t.Errorf("disabled endpoint: %v", body)
		}
		if status, body, _ := f.do("POST", path+"/test", f.brandTok, ""); status != 409 {
			t.Errorf("test to a disabled endpoint: %d %v", status, body)
		}
		status, body, _ = f.do("PATCH", path, f.brandTok, `{"enabled":true}`)
		if status != 200 || body["status"] != "enabled" || body["failing_since"] != nil || body["disabled_reason"] != nil {
			t.Errorf("enable again: %d %v", status, body)
		}

		// Delete.
		if status, _, _ := f.do("DELETE", path, f.brandTok, ""); status != 204 {
			t.Errorf("delete: %d", status)
		}
		if status, _, _ := f.do("GET", path, f.brandTok, ""); status != 404 {
			t.Errorf("get after delete: %d", status)
		}
	})
}
