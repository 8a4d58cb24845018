package storetest

import (
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// testPartnerSecretRotation: setting a callback secret keeps the current
// one as the previous secret with its expiry; a first secret has none.
func testPartnerSecretRotation(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := &hub.Partner{BrandID: f.b1.ID, Protocol: hub.ChannelKakao, Name: "Bot"}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p) })
	if prev, exp, err := s.PartnerPreviousCallbackSecret(ctx, p.ID); err != nil || prev != "" || exp != nil {
		t.Fatalf("previous before any secret = %q, %v, %v", prev, exp, err)
	}
	exp1 := time.Date(2030, 1, 2, 3, 4, 5, 6789000, time.UTC)
	update(t, s, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p.ID, "ohcb_first", exp1) })
	if prev, exp, err := s.PartnerPreviousCallbackSecret(ctx, p.ID); err != nil || prev != "" || exp != nil {
		t.Fatalf("previous after the first secret = %q, %v, %v", prev, exp, err)
	}
	exp2 := exp1.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p.ID, "ohcb_second", exp2) })
	if sec, err := s.PartnerCallbackSecret(ctx, p.ID); err != nil || sec != "ohcb_second" {
		t.Fatalf("current after rotation = %q, %v", sec, err)
	}
	if prev, exp, err := s.PartnerPreviousCallbackSecret(ctx, p.ID); err != nil || prev != "ohcb_first" || exp == nil || !exp.Equal(exp2) {
		t.Fatalf("previous after rotation = %q, %v, %v; want ohcb_first until %v", prev, exp, err, exp2)
	}
	// Rotating again drops the oldest secret.
	exp3 := exp2.Add(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p.ID, "ohcb_third", exp3) })
	if prev, exp, err := s.PartnerPreviousCallbackSecret(ctx, p.ID); err != nil || prev != "ohcb_second" || exp == nil || !exp.Equal(exp3) {
		t.Fatalf("previous after a second rotation = %q, %v, %v", prev, exp, err)
	}
	_, _, err := s.PartnerPreviousCallbackSecret(ctx, p.ID+100)
	wantCode(t, err, hub.CodeNotFound)
}
