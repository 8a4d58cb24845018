package kakao_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/protocol/kakao"
	"orderhub/internal/protocol/omni"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// received is one request the bot got.
type received struct {
	path, query string
	header      http.Header
	body        []byte
}

// botReceiver is the bot's server: it records every request and answers
// 200.
type botReceiver struct {
	mu   sync.Mutex
	reqs []received
}

func (b *botReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.reqs = append(b.reqs, received{path: r.URL.Path, query: r.URL.RawQuery, header: r.Header.Clone(), body: body})
	b.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (b *botReceiver) get() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.reqs...)
}

// waitFor polls until the bot has n requests.
func (b *botReceiver) waitFor(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := b.get(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bot got %d notifications, want %d", len(b.get()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verify checks the Standard Webhooks signature with the callback secret.
func verify(t *testing.T, r received, secret string) {
	t.Helper()
	id, ts := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp")
	if id == "" || ts == "" {
		t.Fatalf("missing Standard Webhooks headers: %v", r.header)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		t.Fatalf("webhook-timestamp %q", ts)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id + "." + ts + "."))
	m.Write(r.body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, sig := range strings.Fields(r.header.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return
		}
	}
	t.Fatalf("webhook-signature %q does not verify with the callback secret", r.header.Get("webhook-signature"))
}

// botWorld is the full server (every surface on one mux, the delivery
// engine with kakao.Formatter among the formatters) on the demo data, with
// the demo bot's bot_url pointing at a botReceiver.
type botWorld struct {
	st       store.Store
	svc      *service.Service
	creds    *demo.Credentials
	kakao    kakao.DemoCredentials
	omni     omni.DemoCredentials
	bot      *hub.Partner
	receiver *botReceiver
	srv      *httptest.Server
}

// newBotWorld builds the world on st; opts are added to the service's.
func newBotWorld(t *testing.T, st store.Store, opts ...service.Option) *botWorld {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	protocols := server.Protocols()
	w := &botWorld{st: st, svc: service.New(st, append([]service.Option{service.WithOutbound(testutil.Outbound), service.WithLogger(quiet), protocols.Option()}, opts...)...),
		receiver: &botReceiver{}}
	var err error
	if w.creds, err = demo.Load(ctx, w.svc, "http://orderhub.test", protocols); err != nil {
		t.Fatal(err)
	}
	w.kakao = w.creds.Partner(hub.ChannelKakao).(kakao.DemoCredentials)
	w.omni = w.creds.Partner(hub.ChannelOmni).(omni.DemoCredentials)
	bot := httptest.NewServer(w.receiver)
	t.Cleanup(bot.Close)

	// The demo's bot gets a bot_url.
	botID, _ := strconv.ParseInt(w.kakao.PartnerID, 10, 64)
	if w.bot, err = st.GetPartner(ctx, botID); err != nil {
		t.Fatal(err)
	}
	w.bot.Settings.BotURL = bot.URL + "/bot"
	if err := w.svc.UpdatePartner(ctx, w.bot); err != nil {
		t.Fatal(err)
	}
	engine := delivery.New(st, delivery.Config{Outbound: testutil.Outbound, PollInterval: 10 * time.Millisecond, Timeout: 5 * time.Second,
		InitialBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logger: quiet})
	// The server registers the protocols' formatters on the engine
	// (kakao.Formatter among them), before it starts.
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(testutil.ValidatingHandler(t, doc, server.Handler(server.Config{Delivery: engine}, w.svc, quiet)))
	t.Cleanup(w.srv.Close)
	engine.Start(ctx)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		engine.Stop(c)
	})
	return w
}

// call sends a request to the server and decodes its JSON answer.
func (w *botWorld) call(t *testing.T, method, path, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %d %q", method, path, res.StatusCode, b)
	}
	return res.StatusCode, m
}

// TestEndToEnd runs the whole conversation over real HTTP on the full
// server (every surface on one mux) with the demo data and the delivery
// engine: the bot orders, the POS confirms through the Omni API (seed
// 001), the kakao POS starts cooking, the bot is notified, the dashboard's
// native API marks it ready, the bot is notified, the bot's cancel is
// refused, the POS completes it and the bot is notified.
func TestEndToEnd(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		w := newBotWorld(t, st)
		kakaoCreds, omniCreds, demoCreds, bp, receiver := w.kakao, w.omni, w.creds, w.bot, w.receiver
		// A separate kakao partner is the POS.
		pos := &hub.Partner{BrandID: bp.BrandID, Protocol: hub.ChannelKakao, Name: "kakao POS"}
		posCred, _, err := w.svc.CreatePartner(ctx, pos)
		if err != nil {
			t.Fatal(err)
		}
		call := func(method, path, auth, body string) (int, map[string]any) {
			t.Helper()
			return w.call(t, method, path, auth, body)
		}
		store := kakaoCreds.StoreID
		botAuth, posAuth := "Bearer "+kakaoCreds.APIKey, "Bearer "+posCred.APIKey

		// 1. The bot reads the menu and orders.
		if status, menu := call("GET", "/api/v1/stores/"+store+"/items", botAuth, ""); status != 200 || len(menu["items"].([]any)) < 10 {
			t.Fatalf("menu: %d", status)
		}
		status, order := call("POST", "/api/v1/stores/"+store+"/orders", botAuth,
			`{"botOrderId": "e2e-1", "customer": {"id": "kakao-user-1", "name": "김민수"},
			  "items": [{"id": "P001", "quantity": 1, "options": [{"groupId": 1, "valueId": 2}]}, {"id": "P011", "quantity": 2}]}`)
		if status != 201 || order["status"] != "NEW" {
			t.Fatalf("order: %d %v", status, order)
		}
		orderID, numb := order["orderId"].(string), order["numb"].(string)

		// 2. The POS confirms it through the Omni API.
		status, omni := call("POST", "/api/store/orders/confirm", "token "+omniCreds.Token, `{"number": "`+orderID+`"}`)
		if status != 200 || omni["status"] != float64(10) || omni["number"] != orderID {
			t.Fatalf("omni confirm: %d %v", status, omni)
		}
		statusPath := "/api/v1/stores/" + store + "/orders/" + orderID + "/numbs/" + numb
		if status, v := call("GET", statusPath, botAuth, ""); status != 200 || v["status"] != "CONFIRMED" {
			t.Fatalf("status after confirm: %d %v", status, v)
		}

		// 3. The kakao POS starts cooking; the bot hears of it.
		if status, v := call("POST", "/api/kakao/v1/order/cook?storeId="+store, posAuth, `{"orderId": "`+orderID+`"}`); status != 200 || v["status"] != "PREPARING" {
			t.Fatalf("cook: %d %v", status, v)
		}
		got := receiver.waitFor(t, 1)
		checkNote := func(r received, path, event, status string) {
			t.Helper()
			verify(t, r, kakaoCreds.CallbackSecret)
			if r.path != "/bot/api/kakao/v1/order/"+path || r.query != "storeId="+store || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("notification to %s?%s (%s)", r.path, r.query, r.header.Get("Content-Type"))
			}
			var n map[string]any
			if err := json.Unmarshal(r.body, &n); err != nil {
				t.Fatal(err)
			}
			if n["event"] != event || n["status"] != status || n["orderId"] != orderID || n["numb"] != numb ||
				n["botOrderId"] != "e2e-1" || n["storeId"] != store {
				t.Fatalf("notification body %s", r.body)
			}
		}
		checkNote(got[0], "cook", "order.preparing", "PREPARING")

		// 4. The bot's cancel is refused while cooking.
		status, refused := call("DELETE", "/api/v1/cancel?storeId="+store+"&orderId="+orderID+"&numb="+numb, botAuth, "")
		if status != 409 || refused["error"] != "cannot cancel while cooking" {
			t.Fatalf("cancel while cooking: %d %v", status, refused)
		}

		// 5. The dashboard's native API marks it ready: the bot hears it on /cook.
		status, ready := call("POST", "/hub/v1/orders/"+orderID+"/actions/ready?brand_id="+strconv.FormatInt(bp.BrandID, 10), "Bearer "+demoCreds.Hub.Token, "")
		if status != 200 {
			t.Fatalf("hub ready: %d %v", status, ready)
		}
		got = receiver.waitFor(t, 2)
		checkNote(got[1], "cook", "order.ready", "READY")

		// 6. The POS completes it; the bot hears it on /complete.
		if status, v := call("POST", "/api/kakao/v1/order/complete?storeId="+store, posAuth, `{"orderId": "`+orderID+`"}`); status != 200 || v["status"] != "COMPLETED" {
			t.Fatalf("complete: %d %v", status, v)
		}
		got = receiver.waitFor(t, 3)
		checkNote(got[2], "complete", "order.completed", "COMPLETED")
		if status, v := call("GET", statusPath, botAuth, ""); status != 200 || v["status"] != "COMPLETED" {
			t.Fatalf("final status: %d %v", status, v)
		}

		// Nothing else was sent to the bot (no created/confirmed events, no
		// duplicates).
		time.Sleep(100 * time.Millisecond)
		if n := len(receiver.get()); n != 3 {
			t.Fatalf("the bot got %d notifications, want 3", n)
		}
	})
}
