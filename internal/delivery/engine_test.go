package delivery_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func TestGenericWebhook(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		ep, secret := env.endpoint(rcv.URL+"/hook", hub.EventOrderCreated, hub.EventStockChanged)
		other := env.newBrand("Other")
		created := env.event(env.brand.ID, 7, hub.EventOrderCreated, 1)
		env.event(env.brand.ID, 7, hub.EventOrderConfirmed, 2) // not subscribed
		env.event(other.ID, 8, hub.EventOrderCreated, 1)       // another brand
		stock := env.event(env.brand.ID, 0, hub.EventStockChanged, 1)
		start(t, st, fast("a"))

		waitFor(t, 30*time.Second, "two deliveries", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 2
		})
		time.Sleep(50 * time.Millisecond)
		hits := rcv.Hits()
		if len(hits) != 2 {
			t.Fatalf("receiver got %d requests, want 2 (order.created, stock.changed)", len(hits))
		}
		if n := len(env.deliveries(store.DeliveryFilter{})); n != 2 {
			t.Errorf("%d deliveries, want 2: unsubscribed types and other brands get none", n)
		}
		byType := map[string]hit{}
		for _, h := range hits {
			byType[h.Type] = h
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(h.Body, h.Header); err != nil {
				t.Errorf("the Standard Webhooks library refuses our signature: %v", err)
			}
			if got := h.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if !strings.HasPrefix(h.ID, "dlv_") {
				t.Errorf("webhook-id = %q, want dlv_<delivery id>", h.ID)
			}
			if sig := h.Header.Get("webhook-signature"); !strings.HasPrefix(sig, "v1,") || strings.Contains(sig, " ") {
				t.Errorf("webhook-signature = %q, want one v1,<base64>", sig)
			}
		}
		var body struct {
			ID        int64           `json:"id"`
			Version   int             `json:"version"`
			Type      string          `json:"type"`
			CreatedAt string          `json:"created_at"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(byType["order.created"].Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.ID != created.ID || body.Version != 1 || body.Type != "order.created" || body.CreatedAt == "" || len(body.Data) == 0 {
			t.Errorf("canonical payload = %s", byType["order.created"].Body)
		}
		if !strings.Contains(string(byType["stock.changed"].Body), `"id":`+strconv.FormatInt(stock.ID, 10)) {
			t.Errorf("stock payload lacks its event id: %s", byType["stock.changed"].Body)
		}
		ds := env.deliveries(store.DeliveryFilter{Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID}})
		for _, d := range ds {
			as := env.attempts(d.ID)
			if len(as) != 1 || as[0].StatusCode != 200 || as[0].Error != "" || d.Attempts != 1 || d.DeliveredAt == nil {
				t.Errorf("delivery %d: %+v attempts %+v", d.ID, d, as)
			}
		}
		if got := env.getEndpoint(ep.ID); got.LastSuccessAt == nil || got.FailingSince != nil {
			t.Errorf("endpoint health after success: %+v", got)
		}
	})
}

func TestOrderedPerOrder(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		var mu sync.Mutex
		fails := 2
		rcv := newReceiver(t, func(h *hit, n int) answer {
			mu.Lock()
			defer mu.Unlock()
			if h.OrderID == 1 && h.Seq == 1 && fails > 0 {
				fails--
				return answer{Status: 503}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventTypes...)
		types := []hub.EventType{hub.EventOrderCreated, hub.EventOrderConfirmed, hub.EventOrderPreparing, hub.EventOrderReady}
		for order := int64(1); order <= 3; order++ {
			for seq, typ := range types {
				env.event(env.brand.ID, order, typ, seq+1)
			}
		}
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "12 deliveries", func() bool { return len(rcv.ok()) == 12 })

		last := map[int64]int{}
		for _, h := range rcv.Hits() {
			if h.Seq < last[h.OrderID] {
				t.Errorf("order %d: event %d arrived after event %d", h.OrderID, h.Seq, last[h.OrderID])
			}
			if h.Seq > last[h.OrderID]+1 {
				t.Errorf("order %d: event %d arrived before event %d was delivered", h.OrderID, h.Seq, last[h.OrderID]+1)
			}
			if h.Status == 200 {
				last[h.OrderID] = h.Seq
			}
		}
		for order := int64(1); order <= 3; order++ {
			if last[order] != 4 {
				t.Errorf("order %d: last delivered event %d, want 4", order, last[order])
			}
		}
	})
}

func TestParallelAcrossOrders(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		var order1 atomic.Int32
		rcv := newReceiver(t, func(h *hit, n int) answer {
			if h.OrderID == 1 {
				order1.Add(1)
				return answer{Hang: true}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventTypes...)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		env.event(env.brand.ID, 1, hub.EventOrderConfirmed, 2)
		for order := int64(2); order <= 5; order++ {
			env.event(env.brand.ID, order, hub.EventOrderCreated, 1)
		}
		start(t, st, fast("a"))
		// Orders 2-5 go through while order 1's first event hangs.
		waitFor(t, 30*time.Second, "orders 2-5", func() bool { return len(rcv.ok()) == 4 })
		waitFor(t, 30*time.Second, "order 1's first request", func() bool { return order1.Load() >= 1 })
		time.Sleep(100 * time.Millisecond)
		if n := order1.Load(); n != 1 {
			t.Errorf("order 1: %d requests while its first hangs, want 1 (its second waits)", n)
		}
		rcv.Release()
		waitFor(t, 30*time.Second, "order 1", func() bool { return len(rcv.ok()) == 6 })
		var seqs []int
		for _, h := range rcv.ok() {
			if h.OrderID == 1 {
				seqs = append(seqs, h.Seq)
			}
		}
		if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 {
			t.Errorf("order 1 arrived as %v, want [1 2]", seqs)
		}
	})
}

func TestRetryThenSuccess(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		answers := []answer{{Status: 500, Body: "boom"}, {Drop: true}, {Status: 408}, {Status: 502}, {Status: 204}}
		rcv := newReceiver(t, func(h *hit, n int) answer { return answers[min(n, len(answers)-1)] })
		ep, _ := env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "delivered", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 1
		})
		d := env.deliveries(store.DeliveryFilter{})[0]
		as := env.attempts(d.ID)
		var codes []int
		for _, a := range as {
			codes = append(codes, a.StatusCode)
		}
		if got := fmt.Sprint(codes); got != "[500 0 408 502 204]" {
			t.Errorf("attempt status codes %s, want [500 0 408 502 204]", got)
		}
		if len(as) == 5 {
			if as[0].Response != "boom" || as[0].Error != "HTTP 500" {
				t.Errorf("first attempt = %+v", as[0])
			}
			if as[1].Error == "" {
				t.Errorf("dropped connection recorded without an error: %+v", as[1])
			}
			for i := 1; i < len(as); i++ {
				if !as[i].At.After(as[i-1].At) {
					t.Errorf("attempts not spaced: %v then %v", as[i-1].At, as[i].At)
				}
			}
		}
		if d.Attempts != 5 || d.LastStatus != 204 {
			t.Errorf("delivery = %+v", d)
		}
		if got := env.getEndpoint(ep.ID); got.FailingSince != nil || got.Disabled {
			t.Errorf("endpoint after recovery: %+v", got)
		}
	})
}

func TestTimeoutIsRetried(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer {
			if n == 0 {
				return answer{Hang: true}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		cfg := fast("a")
		cfg.Timeout = 200 * time.Millisecond
		cfg.Lease = 2 * time.Second
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "delivered", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 1
		})
		as := env.attempts(env.deliveries(store.DeliveryFilter{})[0].ID)
		if len(as) != 2 || !strings.Contains(as[0].Error, "timeout") || as[0].StatusCode != 0 || as[1].StatusCode != 200 {
			t.Errorf("attempts = %+v, want a timeout then 200", as)
		}
	})
}

func TestRetryAfterHonoured(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer {
			if n == 0 {
				return answer{Status: 429, Header: map[string]string{"Retry-After": "1"}}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "two requests", func() bool { return rcv.count() == 2 })
		hits := rcv.Hits()
		if gap := hits[1].At.Sub(hits[0].At); gap < 900*time.Millisecond {
			t.Errorf("retried %s after a 429 with Retry-After: 1 (backoff alone is 20ms)", gap)
		}
	})
}

func TestClientErrorIsFinal(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer { return answer{Status: 422, Body: `{"error":"bad"}`} })
		ep, _ := env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 2) // the dead one does not block it
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "dead", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDead) == 2 })
		time.Sleep(100 * time.Millisecond)
		if n := rcv.count(); n != 2 {
			t.Errorf("receiver got %d requests, want 2 (a 422 is not retried)", n)
		}
		for _, d := range env.deliveries(store.DeliveryFilter{}) {
			if d.Attempts != 1 || d.LastStatus != 422 || d.LastError != "HTTP 422" {
				t.Errorf("dead delivery = %+v", d)
			}
			if as := env.attempts(d.ID); len(as) != 1 || as[0].Response != `{"error":"bad"}` {
				t.Errorf("attempts = %+v", as)
			}
		}
		if got := env.getEndpoint(ep.ID); got.Disabled || got.FailingSince == nil {
			t.Errorf("endpoint after a 4xx: %+v (want enabled, failing_since set)", got)
		}
	})
}

func TestGoneDisablesEndpoint(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer {
			if h.OrderID == 1 {
				// Answer once both events are fanned out, so that the
				// second delivery exists and must die with the endpoint
				// (under load the dispatcher may not have reached it
				// yet; a disabled endpoint then gets no delivery at all).
				for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if ds, err := env.st.ListDeliveries(env.ctx, store.DeliveryFilter{Limit: 10}); err == nil && len(ds) >= 2 {
						break
					}
				}
				return answer{Status: 410}
			}
			return answer{Hang: true}
		})
		ep, _ := env.endpoint(rcv.URL, hub.EventOrderCreated, hub.EventOrderConfirmed)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		env.event(env.brand.ID, 1, hub.EventOrderConfirmed, 2) // waits behind 1, then dies with the endpoint
		cfg := fast("a")
		cfg.Workers = 1
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "endpoint disabled", func() bool { return env.getEndpoint(ep.ID).Disabled })
		got := env.getEndpoint(ep.ID)
		if !strings.Contains(got.DisabledReason, "410") || got.DisabledAt == nil {
			t.Errorf("endpoint = %+v", got)
		}
		waitFor(t, 30*time.Second, "both dead", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDead) == 2 })
		// A disabled endpoint gets no new deliveries.
		env.event(env.brand.ID, 2, hub.EventOrderCreated, 1)
		time.Sleep(150 * time.Millisecond)
		if n := len(env.deliveries(store.DeliveryFilter{})); n != 2 {
			t.Errorf("%d deliveries after the endpoint was disabled, want 2", n)
		}
		if n := rcv.count(); n != 1 {
			t.Errorf("receiver got %d requests, want 1", n)
		}
		// Replaying to a disabled endpoint is refused until it is enabled.
		if _, err := delivery.ReplayDead(env.ctx, st, store.Target{Kind: store.TargetWebhook, ID: ep.ID}, time.Now()); hub.ErrorCode(err) != hub.CodeConflict {
			t.Errorf("replay to a disabled endpoint: %v, want a conflict", err)
		}
	})
}

func TestFailingEndpointIsDisabled(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(h *hit, n int) answer { return answer{Status: 500} })
		ep, _ := env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		cfg := fast("a")
		cfg.DisableAfter = 300 * time.Millisecond
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "endpoint disabled", func() bool { return env.getEndpoint(ep.ID).Disabled })
		got := env.getEndpoint(ep.ID)
		if !strings.Contains(got.DisabledReason, "failing without a success") || got.FailingSince == nil {
			t.Errorf("endpoint = %+v", got)
		}
		if got.DisabledAt.Sub(*got.FailingSince) < 300*time.Millisecond {
			t.Errorf("disabled %s after the first failure, want at least 300ms", got.DisabledAt.Sub(*got.FailingSince))
		}
		waitFor(t, 30*time.Second, "dead", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDead) == 1 })
	})
}

func TestDeadLetterThenReplay(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		var mu sync.Mutex
		up := false
		// gate holds the first replayed attempt until the test has tried
		// to replay it again while it is pending.
		gate := make(chan struct{})
		rcv := newReceiver(t, func(h *hit, n int) answer {
			mu.Lock()
			isUp := up
			mu.Unlock()
			if isUp {
				<-gate
				return answer{Status: 200}
			}
			return answer{Status: 503}
		})
		ep, _ := env.endpoint(rcv.URL, hub.EventOrderCreated)
		for order := int64(1); order <= 3; order++ {
			env.event(env.brand.ID, order, hub.EventOrderCreated, 1)
		}
		cfg := fast("a")
		cfg.RetryFor = 250 * time.Millisecond
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "3 dead", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDead) == 3 })
		ds := env.deliveries(store.DeliveryFilter{})
		// Dead once an attempt fails past the window: how many attempts
		// fit in 250 ms depends on the machine (one, under load), so the
		// test asks only that the last failed after the window.
		for _, d := range ds {
			if d.Attempts < 1 || !strings.Contains(d.LastError, "gave up after") || d.RetryFrom.Add(250*time.Millisecond).After(d.UpdatedAt) {
				t.Errorf("dead delivery = %+v", d)
			}
		}
		mu.Lock()
		up = true
		mu.Unlock()
		before := rcv.count()

		// One by id...
		d, err := delivery.Replay(env.ctx, st, ds[0].ID, time.Now())
		if err != nil || d.Status != store.DeliveryPending || d.Attempts != 0 {
			t.Fatalf("replay: %+v, %v", d, err)
		}
		if _, err := delivery.Replay(env.ctx, st, ds[0].ID, time.Now()); hub.ErrorCode(err) != hub.CodeConflict {
			t.Errorf("replaying a pending delivery: %v, want a conflict", err)
		}
		close(gate)
		waitFor(t, 30*time.Second, "replayed one", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 1 })
		// ...then all the dead of the endpoint.
		n, err := delivery.ReplayDead(env.ctx, st, store.Target{Kind: store.TargetWebhook, ID: ep.ID}, time.Now())
		if err != nil || n != 2 {
			t.Fatalf("replay dead = %d, %v; want 2", n, err)
		}
		waitFor(t, 30*time.Second, "all delivered", func() bool { return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 3 })
		if got := rcv.count() - before; got != 3 {
			t.Errorf("%d requests after the replays, want 3", got)
		}
		ids := map[string]bool{}
		for _, h := range rcv.Hits() {
			ids[h.ID] = true
		}
		if len(ids) != 3 {
			t.Errorf("webhook-ids %v: a replay must keep its delivery's id", ids)
		}
	})
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		ep, oldSecret := env.endpoint(rcv.URL, hub.EventOrderCreated)
		newSecret, err := delivery.RotateSecret(env.ctx, st, ep.ID, time.Now())
		if err != nil || !strings.HasPrefix(newSecret, "whsec_") || newSecret == oldSecret {
			t.Fatalf("rotate: %q, %v", newSecret, err)
		}
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "delivered", func() bool { return len(rcv.ok()) == 1 })
		h := rcv.Hits()[0]
		if sigs := strings.Fields(h.Header.Get("webhook-signature")); len(sigs) != 2 {
			t.Errorf("webhook-signature during rotation = %q, want two", h.Header.Get("webhook-signature"))
		}
		for name, s := range map[string]string{"old": oldSecret, "new": newSecret} {
			wh, _ := standardwebhooks.NewWebhook(s)
			if err := wh.Verify(h.Body, h.Header); err != nil {
				t.Errorf("%s secret does not verify during rotation: %v", name, err)
			}
		}

		// A rotation whose grace has passed signs with the new secret only.
		third, err := delivery.RotateSecret(env.ctx, st, ep.ID, time.Now().Add(-delivery.RotationGrace-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		env.event(env.brand.ID, 2, hub.EventOrderCreated, 1)
		waitFor(t, 30*time.Second, "second delivered", func() bool { return len(rcv.ok()) == 2 })
		h = rcv.Hits()[1]
		if sigs := strings.Fields(h.Header.Get("webhook-signature")); len(sigs) != 1 {
			t.Errorf("webhook-signature after the grace = %q, want one", h.Header.Get("webhook-signature"))
		}
		wh, _ := standardwebhooks.NewWebhook(third)
		if err := wh.Verify(h.Body, h.Header); err != nil {
			t.Errorf("current secret does not verify: %v", err)
		}
		wh, _ = standardwebhooks.NewWebhook(newSecret)
		if err := wh.Verify(h.Body, h.Header); err == nil {
			t.Errorf("an expired previous secret still verifies")
		}
	})
}

func TestPartnerCallbacks(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		other := env.newBrand("Other")
		var mu sync.Mutex
		var ksErrs []string
		zeekN := 0
		rcv := newReceiver(t, nil)
		zeek := &hub.Partner{BrandID: env.brand.ID, Protocol: hub.ChannelZeek, Name: "zeek"}
		kakao := &hub.Partner{BrandID: env.brand.ID, Protocol: hub.ChannelKakao, Name: "bot"}
		omni := &hub.Partner{BrandID: env.brand.ID, Protocol: hub.ChannelOmni, Name: "pos"}         // no formatter
		zeekOther := &hub.Partner{BrandID: other.ID, Protocol: hub.ChannelZeek, Name: "other zeek"} // other brand
		const zeekSecret, botSecret = "ohcb_zeek-secret", "ohcb_bot-secret"
		err := st.Update(env.ctx, func(tx store.Tx) error {
			for _, p := range []*hub.Partner{zeek, kakao, omni, zeekOther} {
				if err := tx.CreatePartner(env.ctx, p); err != nil {
					return err
				}
			}
			if err := tx.SetPartnerCallbackSecret(env.ctx, zeek.ID, zeekSecret, time.Now()); err != nil {
				return err
			}
			return tx.SetPartnerCallbackSecret(env.ctx, kakao.ID, botSecret, time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		rcv.respond = func(h *hit, n int) answer {
			if h.Header.Get("KS-Signature") == "" {
				return answer{Status: 200}
			}
			ts := h.Header.Get("KS-Timestamp")
			sec, _ := strconv.ParseInt(ts, 10, 64)
			m := hmac.New(sha256.New, []byte(zeekSecret))
			m.Write([]byte(ts + "." + string(h.Body)))
			mu.Lock()
			defer mu.Unlock()
			if want := hex.EncodeToString(m.Sum(nil)); h.Header.Get("KS-Signature") != want {
				ksErrs = append(ksErrs, "KS-Signature "+h.Header.Get("KS-Signature")+" != "+want)
			}
			if d := time.Since(time.Unix(sec, 0)); d < -2*time.Second || d > 5*time.Second {
				ksErrs = append(ksErrs, "KS-Timestamp "+ts+" is not now")
			}
			if zeekN++; zeekN == 1 {
				return answer{Status: 200, Body: `{"status":"FAIL"}`} // not accepted: retried
			}
			return answer{Status: 200, Body: `{"status":"OK"}`}
		}
		var calls sync.Map
		zeekFmt := func(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
			calls.Store(p.ID, true)
			if ev.Type != hub.EventOrderCreated {
				return nil, nil
			}
			if _, err := r.GetBrand(ctx, p.BrandID); err != nil { // reads through the unit
				return nil, err
			}
			return &delivery.Outbound{URL: rcv.URL + "/callback", Body: []byte(`{"event":"order_create","from":"zeek"}`),
				Signing: delivery.SignKS, Acceptance: delivery.AcceptStatusOK}, nil
		}
		botFmt := func(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
			return &delivery.Outbound{URL: rcv.URL + "/bot", Body: []byte(`{"bot":true}`)}, nil // defaults: POST, JSON, SWH, 2xx
		}
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		env.event(env.brand.ID, 1, hub.EventOrderConfirmed, 2)
		env.event(other.ID, 2, hub.EventOrderConfirmed, 1)
		start(t, st, fast("a"), func(e *delivery.Engine) {
			e.Register(hub.ChannelZeek, zeekFmt)
			e.Register(hub.ChannelKakao, botFmt)
		})
		waitFor(t, 30*time.Second, "partner deliveries", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 3
		})
		if ds := env.deliveries(store.DeliveryFilter{}); len(ds) != 3 {
			t.Errorf("%d deliveries, want 3 (zeek order.created, bot twice; none for omni)", len(ds))
		}
		zd := env.deliveries(store.DeliveryFilter{Target: store.Target{Kind: store.TargetPartner, ID: zeek.ID}})
		if len(zd) != 1 || zd[0].Attempts != 2 || zd[0].Signing != "ks-hmac" || zd[0].Acceptance != "status-ok" {
			t.Errorf("zeek deliveries = %+v (want one, accepted at the second attempt)", zd)
		}
		if zd := env.deliveries(store.DeliveryFilter{Target: store.Target{Kind: store.TargetPartner, ID: zeekOther.ID}}); len(zd) != 0 {
			t.Errorf("other brand's zeek partner: %d deliveries, want 0 (its brand's only event is one its formatter skips)", len(zd))
		}
		mu.Lock()
		for _, e := range ksErrs {
			t.Error(e)
		}
		mu.Unlock()
		for _, h := range rcv.Hits() {
			if h.Header.Get("webhook-id") == "" {
				continue
			}
			wh, _ := standardwebhooks.NewWebhookRaw([]byte(botSecret))
			if err := wh.Verify(h.Body, h.Header); err != nil {
				t.Errorf("bot callback signature: %v", err)
			}
		}
		if _, ok := calls.Load(omni.ID); ok {
			t.Error("a formatter was called for a partner of another protocol")
		}
	})
}

func TestPerTargetLimit(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		a := newReceiver(t, func(*hit, int) answer { return answer{Status: 200, Delay: 80 * time.Millisecond} })
		b := newReceiver(t, func(*hit, int) answer { return answer{Status: 200, Delay: 80 * time.Millisecond} })
		env.endpoint(a.URL, hub.EventOrderCreated)
		env.endpoint(b.URL, hub.EventOrderCreated)
		for order := int64(1); order <= 10; order++ {
			env.event(env.brand.ID, order, hub.EventOrderCreated, 1)
		}
		cfg := fast("a")
		cfg.PerTarget = 2
		cfg.Workers = 8
		start(t, st, cfg)
		waitFor(t, 30*time.Second, "20 deliveries", func() bool { return len(a.ok()) == 10 && len(b.ok()) == 10 })
		for name, r := range map[string]*receiver{"a": a, "b": b} {
			if m := r.MaxInflight(); m > 2 {
				t.Errorf("endpoint %s had %d requests at once, limit 2", name, m)
			}
			if m := r.MaxInflight(); m < 2 {
				t.Logf("endpoint %s never had 2 requests at once (max %d): parallelism not observed", name, m)
			}
		}
	})
}

// TestNodesDeliverOnce runs two engines (two nodes, each with its own
// connection pool) on one PostgreSQL database, and one engine on SQLite:
// every event is delivered exactly once between them, in order per order.
func TestNodesDeliverOnce(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		st := open()
		env := newEnv(t, st)
		rcv := newReceiver(t, func(*hit, int) answer { return answer{Status: 200, Delay: time.Millisecond} })
		env.endpoint(rcv.URL, hub.EventTypes...)
		const orders, perOrder = 20, 3
		types := []hub.EventType{hub.EventOrderCreated, hub.EventOrderConfirmed, hub.EventOrderCompleted}
		// Half the events wait before the nodes start, half arrive while they run.
		for order := int64(1); order <= orders/2; order++ {
			for s := 0; s < perOrder; s++ {
				env.event(env.brand.ID, order, types[s], s+1)
			}
		}
		nodes := []store.Store{st}
		if st.Dialect() == "postgres" {
			nodes = append(nodes, open())
		}
		for i, n := range nodes {
			start(t, n, fast("node"+strconv.Itoa(i)))
		}
		for order := int64(orders/2 + 1); order <= orders; order++ {
			for s := 0; s < perOrder; s++ {
				env.event(env.brand.ID, order, types[s], s+1)
			}
		}
		const total = orders * perOrder
		waitFor(t, 20*time.Second, "all delivered", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == total
		})
		time.Sleep(100 * time.Millisecond)
		seen := map[string]int{}
		last := map[int64]int{}
		for _, h := range rcv.Hits() {
			seen[key(h.OrderID, h.Seq)]++
			if h.Seq != last[h.OrderID]+1 {
				t.Errorf("order %d: event %d after %d", h.OrderID, h.Seq, last[h.OrderID])
			}
			last[h.OrderID] = h.Seq
		}
		if len(seen) != total {
			t.Errorf("%d distinct events received, want %d", len(seen), total)
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("event %s received %d times", k, n)
			}
		}
		if n := rcv.count(); n != total {
			t.Errorf("receiver got %d requests, want %d", n, total)
		}
		byNode := map[string]int{}
		for _, d := range env.deliveries(store.DeliveryFilter{}) {
			for _, a := range env.attempts(d.ID) {
				byNode[a.Node]++
			}
		}
		t.Logf("%s: attempts by node %v", st.Dialect(), byNode)
	})
}

// TestRestartAfterCrash stops a node abruptly mid-delivery (its database
// closed under it, so it cannot give its claims back) and starts another
// on the same database: what was pending is delivered after the dead
// node's leases pass.
func TestRestartAfterCrash(t *testing.T) {
	testutil.ForEachSharedStore(t, func(t *testing.T, open func() store.Store) {
		st1 := open()
		env := newEnv(t, st1)
		var mu sync.Mutex
		down := true
		rcv := newReceiver(t, func(*hit, int) answer {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return answer{Hang: true}
			}
			return answer{Status: 200}
		})
		env.endpoint(rcv.URL, hub.EventTypes...)
		const orders = 6
		for order := int64(1); order <= orders; order++ {
			env.event(env.brand.ID, order, hub.EventOrderCreated, 1)
			env.event(env.brand.ID, order, hub.EventOrderConfirmed, 2)
		}
		cfg := fast("crashing")
		cfg.Lease = time.Second
		cfg.Timeout = 900 * time.Millisecond
		e1 := delivery.New(st1, cfg)
		e1.Start(context.Background())
		waitFor(t, 30*time.Second, "first requests", func() bool {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			return rcv.inflight > 0
		})
		// Crash: the database goes away under the node, then it stops
		// without waiting.
		st1.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		e1.Stop(ctx)
		mu.Lock()
		down = false
		mu.Unlock()

		st2 := open()
		env.st = st2
		start(t, st2, fast("restarted"))
		waitFor(t, 30*time.Second, "all delivered after the restart", func() bool {
			return env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered) == 2*orders
		})
		got := map[string]bool{}
		for _, h := range rcv.ok() {
			got[key(h.OrderID, h.Seq)] = true
		}
		if len(got) != 2*orders {
			t.Errorf("%d distinct events answered 200, want %d", len(got), 2*orders)
		}
	})
}

func TestGracefulStopFinishesAttempts(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, func(*hit, int) answer { return answer{Status: 200, Delay: 300 * time.Millisecond} })
		env.endpoint(rcv.URL, hub.EventOrderCreated)
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		e := delivery.New(st, fast("a"))
		e.Start(context.Background())
		waitFor(t, 30*time.Second, "request in flight", func() bool {
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			return rcv.inflight > 0
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n := env.countStatus(store.DeliveryFilter{}, store.DeliveryDelivered); n != 1 {
			t.Errorf("after a graceful stop %d delivered, want the attempt in flight recorded", n)
		}
	})
}

func TestSendTestEvent(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		ep, secret := env.endpoint(rcv.URL, hub.EventOrderCreated)
		d, err := delivery.SendTest(env.ctx, st, ep.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		start(t, st, fast("a"))
		waitFor(t, 30*time.Second, "test event", func() bool { return len(rcv.ok()) == 1 })
		h := rcv.Hits()[0]
		wh, _ := standardwebhooks.NewWebhook(secret)
		if h.Type != "webhook.test" || h.ID != delivery.MessageID(d.ID) || wh.Verify(h.Body, h.Header) != nil {
			t.Errorf("test event: %s %s", h.ID, h.Body)
		}
		// The test event is never fanned out to anyone else.
		time.Sleep(50 * time.Millisecond)
		if n := len(env.deliveries(store.DeliveryFilter{})); n != 1 {
			t.Errorf("%d deliveries, want 1", n)
		}
	})
}
