package delivery_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func ksHex(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	return hex.EncodeToString(m.Sum(nil))
}

// TestPartnerSecretRotation: a rotated partner callback secret keeps
// signing during the grace period (a second webhook-signature, or
// KS-Signature-Previous), and no longer once it has passed.
func TestPartnerSecretRotation(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		env := newEnv(t, st)
		rcv := newReceiver(t, nil)
		zeek := &hub.Partner{BrandID: env.brand.ID, Protocol: hub.ChannelZeek, Name: "zeek"}
		kakao := &hub.Partner{BrandID: env.brand.ID, Protocol: hub.ChannelKakao, Name: "bot"}
		rotate := func(secret string, exp time.Time) {
			t.Helper()
			err := st.Update(env.ctx, func(tx store.Tx) error {
				if err := tx.SetPartnerCallbackSecret(env.ctx, zeek.ID, "ohcb_zeek-"+secret, exp); err != nil {
					return err
				}
				return tx.SetPartnerCallbackSecret(env.ctx, kakao.ID, "ohcb_bot-"+secret, exp)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := st.Update(env.ctx, func(tx store.Tx) error {
			if err := tx.CreatePartner(env.ctx, zeek); err != nil {
				return err
			}
			return tx.CreatePartner(env.ctx, kakao)
		})
		if err != nil {
			t.Fatal(err)
		}
		rotate("old", time.Now())                             // first secrets: no previous
		rotate("new", time.Now().Add(delivery.RotationGrace)) // old stays valid 24 h

		zeekFmt := func(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
			return &delivery.Outbound{URL: rcv.URL + "/zeek", Body: []byte(`{"zeek":true}`), Signing: delivery.SignKS}, nil
		}
		botFmt := func(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
			return &delivery.Outbound{URL: rcv.URL + "/bot", Body: []byte(`{"bot":true}`)}, nil
		}
		env.event(env.brand.ID, 1, hub.EventOrderCreated, 1)
		start(t, st, fast("a"), func(e *delivery.Engine) {
			e.Register(hub.ChannelZeek, zeekFmt)
			e.Register(hub.ChannelKakao, botFmt)
		})
		waitFor(t, 30*time.Second, "callbacks during the grace", func() bool { return len(rcv.ok()) == 2 })

		check := func(hits []hit, current, previous string) {
			t.Helper()
			for _, h := range hits {
				if ks := h.Header.Get("KS-Signature"); ks != "" {
					ts := h.Header.Get("KS-Timestamp")
					if want := ksHex("ohcb_zeek-"+current, ts, h.Body); ks != want {
						t.Errorf("KS-Signature = %s, want %s (current secret)", ks, want)
					}
					want := ""
					if previous != "" {
						want = ksHex("ohcb_zeek-"+previous, ts, h.Body)
					}
					if got := h.Header.Get("KS-Signature-Previous"); got != want {
						t.Errorf("KS-Signature-Previous = %q, want %q", got, want)
					}
					continue
				}
				sigs := strings.Fields(h.Header.Get("webhook-signature"))
				if want := map[bool]int{true: 2, false: 1}[previous != ""]; len(sigs) != want {
					t.Errorf("webhook-signature = %q, want %d signatures", h.Header.Get("webhook-signature"), want)
				}
				verify := func(secret string) error {
					wh, _ := standardwebhooks.NewWebhookRaw([]byte("ohcb_bot-" + secret))
					return wh.Verify(h.Body, h.Header)
				}
				if err := verify(current); err != nil {
					t.Errorf("current bot secret does not verify: %v", err)
				}
				if previous != "" {
					if err := verify(previous); err != nil {
						t.Errorf("previous bot secret does not verify during the grace: %v", err)
					}
				}
			}
		}
		check(rcv.ok(), "new", "old")

		// A rotation whose grace has passed signs with the new secret only.
		rotate("newest", time.Now().Add(-time.Minute))
		env.event(env.brand.ID, 2, hub.EventOrderCreated, 1)
		waitFor(t, 30*time.Second, "callbacks after the grace", func() bool { return len(rcv.ok()) == 4 })
		after := rcv.ok()[2:]
		check(after, "newest", "")
		for _, h := range after {
			if h.Header.Get("webhook-signature") == "" {
				continue
			}
			wh, _ := standardwebhooks.NewWebhookRaw([]byte("ohcb_bot-new"))
			if err := wh.Verify(h.Body, h.Header); err == nil {
				t.Error("an expired previous bot secret still verifies")
			}
		}
	})
}
