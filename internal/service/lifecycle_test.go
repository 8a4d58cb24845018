package service_test

import (
	"slices"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

func (f *fx) act(ref string, a hub.Action, actor hub.Actor) (*hub.Order, error) {
	return f.svc.Transition(f.ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID}, OrderRef: ref, Action: a, Actor: actor})
}

func TestTransitions(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		o := f.place(f.coffeeOrder(3))
		f.wantStock(f.locA.ID, f.coffee.ID, 17)
		before := f.lastEventID()

		// Only the store moves an order forward.
		_, err := f.act(o.Number, hub.ActionConfirm, customerActor)
		wantErr(t, err, hub.CodeForbidden, hub.ReasonNone)
		for _, a := range []hub.Action{hub.ActionConfirm, hub.ActionPrepare} {
			if _, err := f.act(o.Number, a, storeActor); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		// Cooking has started: the customer can no longer cancel.
		_, err = f.act(o.Number, hub.ActionCancel, customerActor)
		wantErr(t, err, hub.CodeConflict, hub.ReasonCookingStarted)
		_, err = f.act(o.Number, hub.ActionPrepare, storeActor)
		wantErr(t, err, hub.CodeConflict, hub.ReasonAlreadyInStatus)
		_, err = f.act(o.Number, hub.ActionConfirm, storeActor)
		wantErr(t, err, hub.CodeConflict, hub.ReasonInvalidTransition)
		if _, err := f.act(o.Number, hub.ActionReady, storeActor); err != nil {
			t.Fatal(err)
		}
		done, err := f.svc.Transition(f.ctx, service.TransitionInput{Scope: service.OrderScope{BrandID: f.brand.ID},
			OrderRef: o.Number, Action: hub.ActionComplete, Actor: storeActor, AlsoMarkPaid: true, Note: "picked up"})
		if err != nil || done.Status != hub.StatusCompleted || done.PaymentStatus != hub.PaymentPaid || done.Version != 5 {
			t.Fatalf("complete = %+v, %v", done, err)
		}
		_, err = f.act(o.Number, hub.ActionCancel, storeActor)
		wantErr(t, err, hub.CodeConflict, hub.ReasonAlreadyCompleted)
		// A completed order keeps its stock.
		f.wantStock(f.locA.ID, f.coffee.ID, 17)

		stored, _ := f.st.GetOrder(f.ctx, o.ID)
		if stored.Status != hub.StatusCompleted || stored.PaymentStatus != hub.PaymentPaid || stored.Version != 5 {
			t.Fatalf("stored = %+v", stored)
		}
		h, _ := f.st.OrderHistory(f.ctx, o.ID)
		var actions []string
		for _, e := range h {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"create", "confirm", "prepare", "ready", "complete"}) ||
			h[4].FromStatus != hub.StatusReady || h[4].Note != "picked up" || h[4].Actor != "pos" {
			t.Fatalf("history = %+v", h)
		}
		want := []hub.EventType{hub.EventOrderConfirmed, hub.EventOrderPreparing, hub.EventOrderReady, hub.EventOrderCompleted, hub.EventOrderPaid}
		if got := eventTypes(f.eventsAfter(before)); !slices.Equal(got, want) {
			t.Fatalf("events = %v, want %v (refused actions write none)", got, want)
		}
	})
}

func TestCancelReturnsStock(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		// A customer may cancel a new order; the stock comes back.
		o := f.place(f.coffeeOrder(4))
		f.wantStock(f.locA.ID, f.coffee.ID, 16)
		before := f.lastEventID()
		c, err := f.act(o.Number, hub.ActionCancel, customerActor)
		if err != nil || c.Status != hub.StatusCancelled || c.StockTaken != nil {
			t.Fatalf("cancel = %+v, %v", c, err)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 20)
		evs := f.eventsAfter(before)
		if !slices.Equal(eventTypes(evs), []hub.EventType{hub.EventOrderCancelled, hub.EventStockChanged}) {
			t.Fatalf("events = %v", eventTypes(evs))
		}
		if d := payload(t, evs[1]); d["quantity"] != float64(20) {
			t.Fatalf("stock.changed = %s", evs[1].Payload)
		}
		// Cancelling twice gives nothing back twice.
		_, err = f.act(o.Number, hub.ActionCancel, storeActor)
		wantErr(t, err, hub.CodeConflict, hub.ReasonAlreadyCancelled)
		f.wantStock(f.locA.ID, f.coffee.ID, 20)

		// The store may cancel while cooking.
		o = f.place(f.coffeeOrder(2))
		if _, err := f.act(o.Number, hub.ActionPrepare, storeActor); err != nil {
			t.Fatal(err)
		}
		if _, err := f.act(o.Number, hub.ActionCancel, storeActor); err != nil {
			t.Fatal(err)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 20)

		// Concurrent cancels of one order: one wins, stock returns once.
		o = f.place(f.coffeeOrder(5))
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() { _, err := f.act(o.Number, hub.ActionCancel, storeActor); errs <- err }()
		}
		won := 0
		for range n {
			err := <-errs
			switch {
			case err == nil:
				won++
			case hub.ErrorReason(err) != hub.ReasonAlreadyCancelled:
				t.Errorf("concurrent cancel: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d cancels succeeded, want 1", won)
		}
		f.wantStock(f.locA.ID, f.coffee.ID, 20)
	})
}

func TestMarkPaid(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		o := f.place(f.coffeeOrder(1))
		in := service.MarkPaidInput{Scope: service.OrderScope{BrandID: f.brand.ID}, OrderRef: o.Number, Actor: storeActor, Method: "cash"}
		before := f.lastEventID()
		paid, err := f.svc.MarkPaid(f.ctx, in)
		if err != nil || paid.PaymentStatus != hub.PaymentPaid || paid.PaymentMethod != "cash" || paid.Status != hub.StatusNew {
			t.Fatalf("MarkPaid = %+v, %v", paid, err)
		}
		_, err = f.svc.MarkPaid(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonAlreadyPaid)
		if got := eventTypes(f.eventsAfter(before)); !slices.Equal(got, []hub.EventType{hub.EventOrderPaid}) {
			t.Fatalf("events = %v", got)
		}
		h, _ := f.st.OrderHistory(f.ctx, o.ID)
		if len(h) != 2 || h[1].Action != "pay" {
			t.Fatalf("history = %+v", h)
		}
		// Not on a cancelled order.
		o = f.place(f.coffeeOrder(1))
		if _, err := f.act(o.Number, hub.ActionCancel, storeActor); err != nil {
			t.Fatal(err)
		}
		in.OrderRef = o.Number
		_, err = f.svc.MarkPaid(f.ctx, in)
		wantErr(t, err, hub.CodeConflict, hub.ReasonAlreadyCancelled)
	})
}

func TestScope(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		scoped, _ := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{})
		in := f.coffeeOrder(1)
		in.Partner, in.Channel = scoped, hub.ChannelTableOrder
		atA := f.place(in)
		in.LocationID = f.locB.ID
		_, err := f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeForbidden, hub.ReasonNone)

		// An order at B, placed by the store.
		bIn := f.coffeeOrder(1)
		bIn.LocationID, bIn.Lines[0].ProductRef = f.locB.ID, "TEA"
		atB := f.place(bIn)

		own := service.OrderScope{BrandID: f.brand.ID, Partner: scoped}
		if got, err := f.svc.FindOrder(f.ctx, own, atA.Number); err != nil || got.ID != atA.ID {
			t.Fatalf("FindOrder(own) = %v, %v", got, err)
		}
		// Another location of the partner's brand, and another brand, are
		// not found (not forbidden: existence does not leak).
		_, err = f.svc.FindOrder(f.ctx, own, atB.Number)
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
		otherBrand := service.OrderScope{BrandID: f.other.ID}
		for _, ref := range []string{atA.Number, atB.Number} {
			_, err = f.svc.FindOrder(f.ctx, otherBrand, ref)
			wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
		}
		_, err = f.svc.Transition(f.ctx, service.TransitionInput{Scope: otherBrand, OrderRef: atA.Number, Action: hub.ActionCancel, Actor: storeActor})
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
		_, err = f.svc.Transition(f.ctx, service.TransitionInput{Scope: own, OrderRef: atB.Number, Action: hub.ActionCancel, Actor: customerActor})
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
		_, err = f.svc.MarkPaid(f.ctx, service.MarkPaidInput{Scope: otherBrand, OrderRef: atA.Number, Actor: storeActor})
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)
		if got, _ := f.st.GetOrder(f.ctx, atA.ID); got.Status != hub.StatusNew || got.PaymentStatus != hub.PaymentUnpaid {
			t.Fatalf("an out-of-scope call changed the order: %+v", got)
		}
		// A disabled partner may not order at all.
		scoped.Disabled = true
		f.must(f.svc.UpdatePartner(f.ctx, scoped))
		in.LocationID = f.locA.ID
		_, err = f.svc.PlaceOrder(f.ctx, in)
		wantErr(t, err, hub.CodeForbidden, hub.ReasonNone)
		// Listing with the partner's locations.
		if os := f.orders(store.OrderFilter{LocationIDs: scoped.LocationIDs}); len(os) != 1 || os[0].ID != atA.ID {
			t.Fatalf("scoped list = %d orders", len(os))
		}
	})
}

func TestAuthentication(t *testing.T) {
	each(t, func(t *testing.T, f *fx) {
		unauthorized := func(what string, err error) {
			t.Helper()
			if hub.ErrorCode(err) != hub.CodeUnauthorized {
				t.Errorf("%s: %v, want unauthorized", what, err)
			}
		}

		// Static API keys.
		kakao, kcred := f.partner(hub.ChannelKakao, nil, hub.PartnerSettings{})
		if kcred.APIKey == "" || kcred.ClientID != "" {
			t.Fatalf("kakao credential = %+v", kcred)
		}
		if p, err := f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, kcred.APIKey); err != nil || p.ID != kakao.ID {
			t.Fatalf("AuthenticateAPIKey = %v, %v", p, err)
		}
		if sec, _ := f.st.PartnerCallbackSecret(f.ctx, kakao.ID); sec == "" {
			t.Fatal("kakao partner has no callback secret")
		}
		_, err := f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelOmni, kcred.APIKey)
		unauthorized("key of another protocol", err)
		_, err = f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, kcred.APIKey+"x")
		unauthorized("wrong key", err)
		_, err = f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, "")
		unauthorized("empty key", err)
		// Rotation: a new key works, the revoked one does not.
		newKey, err := f.svc.IssueCredential(f.ctx, kakao.ID)
		f.must(err)
		f.must(f.svc.RevokeCredential(f.ctx, kakao.ID, kcred.ID))
		_, err = f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, kcred.APIKey)
		unauthorized("revoked key", err)
		if _, err := f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelKakao, newKey.APIKey); err != nil {
			t.Fatalf("rotated key: %v", err)
		}
		// Another partner's credential id is not found.
		omni, _ := f.partner(hub.ChannelOmni, nil, hub.PartnerSettings{})
		err = f.svc.RevokeCredential(f.ctx, omni.ID, newKey.ID)
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)

		// OAuth2 client credentials and access tokens.
		qr, ccred := f.partner(hub.ChannelTableOrder, []int64{f.locA.ID}, hub.PartnerSettings{})
		if ccred.ClientID == "" || ccred.ClientSecret == "" || ccred.APIKey != "" {
			t.Fatalf("client credential = %+v", ccred)
		}
		p, client, err := f.svc.AuthenticateClient(f.ctx, hub.ChannelTableOrder, ccred.ClientID, ccred.ClientSecret)
		if err != nil || p.ID != qr.ID || client.ID != ccred.ID {
			t.Fatalf("AuthenticateClient = %v, %v, %v", p, client, err)
		}
		_, _, err = f.svc.AuthenticateClient(f.ctx, hub.ChannelTableOrder, ccred.ClientID, "wrong")
		unauthorized("wrong secret", err)
		_, _, err = f.svc.AuthenticateClient(f.ctx, hub.ChannelZeek, ccred.ClientID, ccred.ClientSecret)
		unauthorized("client of another protocol", err)
		_, _, err = f.svc.AuthenticateClient(f.ctx, hub.ChannelTableOrder, "ohc_unknown", ccred.ClientSecret)
		unauthorized("unknown client", err)

		token, exp, err := f.svc.IssueAccessToken(f.ctx, client, time.Hour)
		if err != nil || !exp.Equal(f.clock.Now().Add(time.Hour)) {
			t.Fatalf("IssueAccessToken = %q, %v, %v", token, exp, err)
		}
		if p, err := f.svc.AuthenticateAccessToken(f.ctx, hub.ChannelTableOrder, token); err != nil || p.ID != qr.ID {
			t.Fatalf("AuthenticateAccessToken = %v, %v", p, err)
		}
		_, err = f.svc.AuthenticateAccessToken(f.ctx, hub.ChannelZeek, token)
		unauthorized("token for another protocol", err)
		_, err = f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelTableOrder, token)
		unauthorized("token used as an API key", err)
		f.clock.Advance(59 * time.Minute)
		if _, err := f.svc.AuthenticateAccessToken(f.ctx, hub.ChannelTableOrder, token); err != nil {
			t.Fatalf("token before expiry: %v", err)
		}
		f.clock.Advance(time.Minute)
		_, err = f.svc.AuthenticateAccessToken(f.ctx, hub.ChannelTableOrder, token)
		unauthorized("expired token", err)

		// Revoking the client revokes its live tokens.
		token2, _, err := f.svc.IssueAccessToken(f.ctx, client, time.Hour)
		f.must(err)
		f.must(f.svc.RevokeCredential(f.ctx, qr.ID, ccred.ID))
		_, err = f.svc.AuthenticateAccessToken(f.ctx, hub.ChannelTableOrder, token2)
		unauthorized("token of a revoked client", err)
		_, _, err = f.svc.AuthenticateClient(f.ctx, hub.ChannelTableOrder, ccred.ClientID, ccred.ClientSecret)
		unauthorized("revoked client", err)

		// A disabled partner's key stops working.
		omni2, ocred := f.partner(hub.ChannelOmni, nil, hub.PartnerSettings{})
		omni2.Disabled = true
		f.must(f.svc.UpdatePartner(f.ctx, omni2))
		_, err = f.svc.AuthenticateAPIKey(f.ctx, hub.ChannelOmni, ocred.APIKey)
		unauthorized("disabled partner", err)

		// Native API tokens.
		ht, err := f.svc.CreateHubToken(f.ctx, f.brand.ID, "ci")
		f.must(err)
		if pr, err := f.svc.AuthenticateHubToken(f.ctx, ht); err != nil || pr.BrandID != f.brand.ID || !pr.CanBrand(f.brand.ID) || pr.CanBrand(f.other.ID) {
			t.Fatalf("AuthenticateHubToken = %+v, %v", pr, err)
		}
		op, err := f.svc.CreateHubToken(f.ctx, 0, "operator")
		f.must(err)
		if pr, err := f.svc.AuthenticateHubToken(f.ctx, op); err != nil || !pr.CanBrand(f.other.ID) {
			t.Fatalf("operator token = %+v, %v", pr, err)
		}
		_, err = f.svc.AuthenticateHubToken(f.ctx, kcred.APIKey)
		unauthorized("partner key as hub token", err)
		_, err = f.svc.CreateHubToken(f.ctx, f.other.ID+100, "x")
		wantErr(t, err, hub.CodeNotFound, hub.ReasonNone)

		// Dashboard login.
		f.must(f.svc.CreateAdmin(f.ctx, "admin", "correct horse battery"))
		f.must(f.svc.AuthenticateAdmin(f.ctx, "admin", "correct horse battery"))
		unauthorized("wrong password", f.svc.AuthenticateAdmin(f.ctx, "admin", "wrong horse battery"))
		unauthorized("unknown admin", f.svc.AuthenticateAdmin(f.ctx, "nobody", "correct horse battery"))
		wantErr(t, f.svc.CreateAdmin(f.ctx, "short", "short"), hub.CodeInvalid, hub.ReasonNone)
	})
}
