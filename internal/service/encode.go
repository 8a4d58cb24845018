package service

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// An order is encoded to JSON once per change and the bytes serve twice:
// as the stored document and inside the change's event (the SQLite writer
// is one goroutine, and encoding an order twice was a fifth of its time).

// encodeOrder is o as JSON (the stored document).
func encodeOrder(o *hub.Order) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, hub.Internal(err, "encode order")
	}
	return b, nil
}

// idPrefix is how an order's JSON starts before the order has an id.
const idPrefix = `{"id":0,`

// withID is an order's JSON encoded before its id was known, with the id
// written in.
func withID(doc []byte, o *hub.Order) ([]byte, error) {
	if !bytes.HasPrefix(doc, []byte(idPrefix)) {
		return encodeOrder(o)
	}
	out := make([]byte, 0, len(doc)+20)
	out = append(out, `{"id":`...)
	out = strconv.AppendInt(out, o.ID, 10)
	out = append(out, ',')
	return append(out, doc[len(idPrefix):]...), nil
}

// orderEvent is an outbox event about an order whose JSON is orderJSON:
// the same bytes as s.event with data {"order": o} (and "from_status"
// when set) would write, without encoding the order again.
func (s *Service) orderEvent(typ hub.EventType, o *hub.Order, orderJSON []byte, fromStatus string) *store.Event {
	now := s.Now()
	var b bytes.Buffer
	b.Grow(len(orderJSON) + 128)
	b.WriteString(`{"created_at":`)
	writeString(&b, now.Format(time.RFC3339Nano))
	b.WriteString(`,"data":{`)
	if fromStatus != "" {
		b.WriteString(`"from_status":`)
		writeString(&b, fromStatus)
		b.WriteByte(',')
	}
	b.WriteString(`"order":`)
	b.Write(orderJSON)
	b.WriteString(`},"type":`)
	writeString(&b, string(typ))
	b.WriteString(`,"version":1}`)
	return &store.Event{Type: typ, BrandID: o.BrandID, LocationID: o.LocationID, OrderID: o.ID, Payload: b.Bytes(), CreatedAt: now}
}

func writeString(b *bytes.Buffer, v string) {
	q, _ := json.Marshal(v) // a string always encodes
	b.Write(q)
}
