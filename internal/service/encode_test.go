package service

import (
	"bytes"
	"testing"
	"time"

	"orderhub/internal/hub"
)

// TestOrderEventBytes: an order event built from the order's encoding is
// byte for byte the event the generic encoder writes, and the id is
// written into an encoding made before the order had one.
func TestOrderEventBytes(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456000, time.UTC)
	s := New(nil, WithClock(func() time.Time { return at }))
	o := &hub.Order{Number: "FR9TL74P", BrandID: 3, LocationID: 4, Channel: hub.ChannelHub, Type: hub.OrderPickUp,
		Notes: `<b>"no onions" & more</b>`, Currency: "KRW", Status: hub.StatusNew, Version: 1, CreatedAt: at, UpdatedAt: at,
		Lines: []hub.OrderLine{{ProductID: 9, Name: "불고기", Quantity: 2, UnitPrice: 9500, TotalPrice: 19000}}}
	doc, err := encodeOrder(o)
	if err != nil {
		t.Fatal(err)
	}
	o.ID = 12345
	withid, err := withID(doc, o)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := encodeOrder(o)
	if !bytes.Equal(withid, want) {
		t.Fatalf("withID:\n%s\nwant\n%s", withid, want)
	}
	for _, from := range []string{"", "confirmed"} {
		data := map[string]any{"order": o}
		if from != "" {
			data["from_status"] = from
		}
		wantEv, err := s.event(hub.EventOrderCancelled, o.BrandID, o.LocationID, o.ID, data)
		if err != nil {
			t.Fatal(err)
		}
		got := s.orderEvent(hub.EventOrderCancelled, o, withid, from)
		if !bytes.Equal(got.Payload, wantEv.Payload) {
			t.Fatalf("from %q:\n%s\nwant\n%s", from, got.Payload, wantEv.Payload)
		}
		if got.Type != wantEv.Type || got.BrandID != 3 || got.LocationID != 4 || got.OrderID != 12345 || !got.CreatedAt.Equal(at) {
			t.Fatalf("event %+v", got)
		}
	}
}
