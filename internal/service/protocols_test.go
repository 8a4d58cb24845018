package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// provider is an InventoryProvider that answers what it is told and
// records the questions.
type provider struct {
	mu       sync.Mutex
	asked    []service.InventoryQuery
	out      []int64
	err      error
	delay    time.Duration
	deadline time.Duration // what was left of the deadline when asked
}

func (p *provider) AskInventory(ctx context.Context, q service.InventoryQuery) ([]int64, error) {
	p.mu.Lock()
	p.asked = append(p.asked, q)
	if d, ok := ctx.Deadline(); ok {
		p.deadline = time.Until(d)
	}
	out, err, delay := p.out, p.err, p.delay
	p.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, err
}

// TestProtocols: the service reads what it needs of a protocol from the
// Protocol given to New — credential kind, key prefix, callback secret,
// location binding, settings check — and refuses unknown protocols.
func TestProtocols(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		var seen []service.PartnerScope
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithProtocols(
			service.Protocol{Channel: "pos", Role: hub.RoleStore, Credential: store.CredAPIKey, KeyPrefix: "ohp_", CallbackSecret: true,
				Settings: func(sc service.PartnerScope) error {
					seen = append(seen, sc)
					if err := sc.Partner.Settings.ExtraKnown("table"); err != nil {
						return err
					}
					_, err := sc.Partner.Settings.ExtraString("table")
					return err
				}},
			service.Protocol{Channel: "qr", Role: hub.RoleCustomer, Credential: store.CredClient, OneLocation: true},
		))
		ctx := t.Context()
		brand := &hub.Brand{Name: "B", Currency: "KRW"}
		must(t, svc.CreateBrand(ctx, brand))
		loc := &hub.Location{BrandID: brand.ID, Code: "A", Name: "A", Timezone: "UTC"}
		must(t, svc.CreateLocation(ctx, loc))

		if got := svc.Channels(); len(got) != 3 || got[0] != "pos" || got[1] != "qr" || got[2] != hub.ChannelHub {
			t.Errorf("Channels() = %v", got)
		}
		if !svc.KnownChannel("qr") || !svc.KnownChannel(hub.ChannelHub) || svc.KnownChannel(hub.ChannelKakao) {
			t.Error("KnownChannel")
		}
		_, _, err := svc.CreatePartner(ctx, &hub.Partner{BrandID: brand.ID, Protocol: hub.ChannelKakao})
		if e := hub.AsError(err); err == nil || e.Field != "protocol" || e.Message != "must be one of pos, qr, hub" {
			t.Errorf("unknown protocol: %v", err)
		}

		pos := &hub.Partner{BrandID: brand.ID, Protocol: "pos", Settings: hub.PartnerSettings{Extra: map[string]any{"table": "7"}}}
		cred, secret, err := svc.CreatePartner(ctx, pos)
		must(t, err)
		if !strings.HasPrefix(cred.APIKey, "ohp_") || cred.ClientID != "" || !strings.HasPrefix(secret, "ohcb_") {
			t.Errorf("pos credential %+v, secret %q", cred, secret)
		}
		if len(seen) != 1 || seen[0].Brand.ID != brand.ID || len(seen[0].Locations) != 1 || seen[0].Partner != pos {
			t.Errorf("settings check saw %+v", seen)
		}
		if a := svc.Actor(pos); a.Role != hub.RoleStore || a.Name != service.PartnerActor(pos) {
			t.Errorf("Actor = %+v", a)
		}
		pos.Settings.Extra = map[string]any{"table": 7}
		if err := svc.UpdatePartner(ctx, pos); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "settings.extra.table" {
			t.Errorf("bad setting saved: %v", err)
		}
		pos.Settings.Extra = map[string]any{"chair": "7"}
		if err := svc.UpdatePartner(ctx, pos); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "settings.extra.chair" {
			t.Errorf("unknown setting saved: %v", err)
		}
		if got, err := st.GetPartner(ctx, pos.ID); err != nil || got.Settings.Extra["table"] != "7" {
			t.Errorf("a refused change was stored: %+v %v", got, err)
		}

		qr := &hub.Partner{BrandID: brand.ID, Protocol: "qr"}
		if _, _, err := svc.CreatePartner(ctx, qr); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "location_ids" {
			t.Errorf("unbound qr partner: %v", err)
		}
		qr.LocationIDs = []int64{loc.ID}
		qr.Settings.Extra = map[string]any{"table": "7"} // qr has no settings
		if _, _, err := svc.CreatePartner(ctx, qr); hub.ErrorCode(err) != hub.CodeInvalid || hub.AsError(err).Field != "settings.extra.table" {
			t.Errorf("qr with a setting: %v", err)
		}
		qr.Settings.Extra = nil
		cred, secret, err = svc.CreatePartner(ctx, qr)
		must(t, err)
		if cred.ClientID == "" || cred.ClientSecret == "" || cred.APIKey != "" || secret != "" {
			t.Errorf("qr credential %+v, secret %q", cred, secret)
		}
	})
}

// TestInventoryPolicy: before an order is taken, every enabled partner of
// the brand whose protocol has a provider, with a provider_url and the
// location in its scope, is asked; an out-of-stock answer refuses the order
// naming its line; a failure refuses it (unavailable) unless the partner
// fails open; the timeout is the partner's or 3 s.
func TestInventoryPolicy(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		prov := &provider{}
		svc := service.New(st, service.WithOutbound(testutil.Outbound), service.WithLogger(quietLog()), service.WithProtocols(
			service.Protocol{Channel: "platform", Role: hub.RoleStore, Credential: store.CredClient, CallbackSecret: true, Inventory: prov},
			service.Protocol{Channel: "shop", Role: hub.RoleCustomer, Credential: store.CredAPIKey},
		))
		ctx := t.Context()
		brand := &hub.Brand{Name: "B", Currency: "KRW"}
		must(t, svc.CreateBrand(ctx, brand))
		locA := &hub.Location{BrandID: brand.ID, Code: "A", Name: "A", Timezone: "UTC"}
		locB := &hub.Location{BrandID: brand.ID, Code: "B", Name: "B", Timezone: "UTC"}
		must(t, svc.CreateLocation(ctx, locA))
		must(t, svc.CreateLocation(ctx, locB))
		tea := &hub.Product{BrandID: brand.ID, RefID: "TEA", Name: hub.I18n{"en": "Tea"}, Type: hub.ProductSingle, Price: 3000,
			IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
		must(t, svc.SaveProduct(ctx, tea))
		order := func(loc int64) error {
			_, err := svc.PlaceOrder(ctx, service.PlaceOrderInput{BrandID: brand.ID, LocationID: loc, Channel: hub.ChannelHub,
				Lines: []service.LineInput{{ProductRef: "TEA", Quantity: 1}}})
			return err
		}
		asked := func() int { prov.mu.Lock(); defer prov.mu.Unlock(); return len(prov.asked) }

		// No partner with a provider_url: nobody is asked.
		shop := &hub.Partner{BrandID: brand.ID, Protocol: "shop", Settings: hub.PartnerSettings{ProviderURL: "https://shop.example/inv"}}
		_, _, err := svc.CreatePartner(ctx, shop)
		must(t, err)
		must(t, order(locA.ID))
		if n := asked(); n != 0 {
			t.Fatalf("asked %d times, want 0 (the shop's protocol has no provider)", n)
		}
		plat := &hub.Partner{BrandID: brand.ID, Protocol: "platform", LocationIDs: []int64{locA.ID},
			Settings: hub.PartnerSettings{ProviderURL: "https://platform.example/inv"}}
		_, secret, err := svc.CreatePartner(ctx, plat)
		must(t, err)

		must(t, order(locA.ID))
		prov.mu.Lock()
		q := prov.asked[len(prov.asked)-1]
		deadline := prov.deadline
		prov.mu.Unlock()
		if q.Partner.ID != plat.ID || q.Secret != secret || len(q.Order.Lines) != 1 || q.Order.Lines[0].ProductID != tea.ID {
			t.Errorf("asked %+v", q)
		}
		if deadline <= 2*time.Second || deadline > service.DefaultInventoryTimeout {
			t.Errorf("deadline %s, want about %s", deadline, service.DefaultInventoryTimeout)
		}
		must(t, order(locB.ID)) // outside its scope: not asked
		if n := asked(); n != 1 {
			t.Errorf("asked %d times, want 1", n)
		}

		prov.out = []int64{tea.ID}
		err = order(locA.ID)
		if e := hub.AsError(err); err == nil || e.Code != hub.CodeConflict || e.Reason != hub.ReasonInventoryRejected || e.Field != "lines[0].product" {
			t.Errorf("out of stock: %v", err)
		}
		prov.out, prov.err = nil, errors.New("connection refused")
		if err := order(locA.ID); hub.ErrorCode(err) != hub.CodeUnavailable {
			t.Errorf("provider down, fail closed: %v", err)
		}
		plat.Settings.InventoryFailOpen = true
		must(t, svc.UpdatePartner(ctx, plat))
		must(t, order(locA.ID))

		// The partner's timeout; past it, the failure is the policy's.
		prov.err, prov.delay = nil, time.Second
		plat.Settings.InventoryFailOpen, plat.Settings.InventoryTimeoutMS = false, 50
		must(t, svc.UpdatePartner(ctx, plat))
		if err := order(locA.ID); hub.ErrorCode(err) != hub.CodeUnavailable {
			t.Errorf("slow provider, fail closed: %v", err)
		}
		// A caller that went away is unavailable even when failing open.
		plat.Settings.InventoryFailOpen, plat.Settings.InventoryTimeoutMS = true, 0
		must(t, svc.UpdatePartner(ctx, plat))
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err = svc.PlaceOrder(cctx, service.PlaceOrderInput{BrandID: brand.ID, LocationID: locA.ID, Channel: hub.ChannelHub,
			Lines: []service.LineInput{{ProductRef: "TEA", Quantity: 1}}})
		if hub.ErrorCode(err) != hub.CodeUnavailable {
			t.Errorf("caller gone: %v", err)
		}
		// A disabled partner is not asked.
		prov.delay = 0
		plat.Disabled = true
		must(t, svc.UpdatePartner(ctx, plat))
		n := asked()
		must(t, order(locA.ID))
		if asked() != n {
			t.Error("a disabled partner was asked")
		}
	})
}

// must fails the test on a setup error.
var must = testutil.Must

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestActAs: a route names the role it acts in and the service decides from
// the partner's credential role — the protocol's hook over its settings, or
// its one role — failing closed for an unreadable setting or an unknown
// protocol.
func TestActAs(t *testing.T) {
	hook := func(s hub.PartnerSettings) (hub.CredentialRole, error) {
		switch v := s.Extra["side"]; v {
		case nil:
			return hub.CredentialBoth, nil
		case "bot":
			return hub.CredentialCustomer, nil
		case "pos":
			return hub.CredentialStore, nil
		}
		return "", errors.New("unreadable")
	}
	svc := service.New(nil, service.WithProtocols(
		service.Protocol{Channel: "both", Role: hub.RoleCustomer, Credential: store.CredAPIKey, CredentialRole: hook},
		service.Protocol{Channel: "pos", Role: hub.RoleStore, Credential: store.CredAPIKey},
	))
	partner := func(c hub.Channel, side any) *hub.Partner {
		p := &hub.Partner{ID: 7, Protocol: c}
		if side != nil {
			p.Settings.Extra = map[string]any{"side": side}
		}
		return p
	}
	for _, tt := range []struct {
		p  *hub.Partner
		as hub.Role
		ok bool
	}{
		{partner("both", nil), hub.RoleStore, true},
		{partner("both", nil), hub.RoleCustomer, true},
		{partner("both", "bot"), hub.RoleCustomer, true},
		{partner("both", "bot"), hub.RoleStore, false},
		{partner("both", "pos"), hub.RoleStore, true},
		{partner("both", "pos"), hub.RoleCustomer, false},
		{partner("both", 7), hub.RoleCustomer, false}, // unreadable: nothing
		{partner("pos", nil), hub.RoleStore, true},
		{partner("pos", nil), hub.RoleCustomer, false}, // one-role protocol: its role only
		{partner("gone", nil), hub.RoleStore, false},   // unknown protocol: nothing
	} {
		a, err := svc.ActAs(tt.p, tt.as)
		if tt.ok {
			if err != nil || a != (hub.Actor{Role: tt.as, Name: "partner:7"}) {
				t.Errorf("%s %v as %s = %+v, %v", tt.p.Protocol, tt.p.Settings.Extra, tt.as, a, err)
			}
			continue
		}
		if e := hub.AsError(err); err == nil || e.Code != hub.CodeForbidden || e.Reason != hub.ReasonCredentialRole {
			t.Errorf("%s %v as %s = %+v, %v; want forbidden", tt.p.Protocol, tt.p.Settings.Extra, tt.as, a, err)
		}
	}
}
