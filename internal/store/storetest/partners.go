// Partners: creating, changing and listing partners.

package storetest

import (
	"reflect"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testPartners(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	f := newFixture(t, s)
	p := &hub.Partner{BrandID: f.b1.ID, Protocol: hub.ChannelZeek, Name: "Zeek", LocationIDs: []int64{f.l1.ID},
		Settings: hub.PartnerSettings{CallbackURL: "https://example.com/cb", PricePolicy: hub.PriceAccept, InventoryTimeoutMS: 1500,
			Extra: map[string]any{"status_codes": map[string]any{"5": "completed"}}}}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p) })
	if p.ID <= 0 || p.CreatedAt.IsZero() {
		t.Fatalf("CreatePartner: %+v", p)
	}
	got, err := s.GetPartner(ctx, p.ID)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("GetPartner =\n%+v, %v\nwant\n%+v", got, err, p)
	}
	p2 := &hub.Partner{BrandID: f.b2.ID, Protocol: hub.ChannelOmni, Name: "POS"}
	update(t, s, func(tx store.Tx) error { return tx.CreatePartner(ctx, p2) })
	if ps, err := s.ListPartners(ctx, f.b1.ID); err != nil || len(ps) != 1 || ps[0].ID != p.ID {
		t.Fatalf("ListPartners(b1) = %+v, %v", ps, err)
	}
	if ps, err := s.ListPartners(ctx, 0); err != nil || len(ps) != 2 {
		t.Fatalf("ListPartners(all) = %+v, %v", ps, err)
	}
	p.Disabled, p.LocationIDs, p.Settings.CallbackURL = true, nil, ""
	update(t, s, func(tx store.Tx) error { return tx.UpdatePartner(ctx, p) })
	got, _ = s.GetPartner(ctx, p.ID)
	if !got.Disabled || got.LocationIDs != nil || got.Settings.CallbackURL != "" || got.Protocol != hub.ChannelZeek {
		t.Fatalf("after UpdatePartner: %+v", got)
	}

	if sec, err := s.PartnerCallbackSecret(ctx, p.ID); err != nil || sec != "" {
		t.Fatalf("PartnerCallbackSecret before set = %q, %v", sec, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p.ID, "ohcb_secret", time.Now()) })
	if sec, err := s.PartnerCallbackSecret(ctx, p.ID); err != nil || sec != "ohcb_secret" {
		t.Fatalf("PartnerCallbackSecret = %q, %v", sec, err)
	}
	// The secret is not part of the partner document.
	update(t, s, func(tx store.Tx) error { return tx.UpdatePartner(ctx, p) })
	if sec, _ := s.PartnerCallbackSecret(ctx, p.ID); sec != "ohcb_secret" {
		t.Fatalf("UpdatePartner cleared the callback secret: %q", sec)
	}
	if sec, _ := s.PartnerCallbackSecret(ctx, p2.ID); sec != "" {
		t.Fatalf("another partner's secret = %q", sec)
	}

	_, err = s.GetPartner(ctx, p2.ID+100)
	wantCode(t, err, hub.CodeNotFound)
	_, err = s.PartnerCallbackSecret(ctx, p2.ID+100)
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.SetPartnerCallbackSecret(ctx, p2.ID+100, "x", time.Now()) })
	wantCode(t, err, hub.CodeNotFound)
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.UpdatePartner(ctx, &hub.Partner{ID: p2.ID + 100, BrandID: f.b1.ID, Protocol: hub.ChannelOmni})
	})
	wantCode(t, err, hub.CodeNotFound)
}
