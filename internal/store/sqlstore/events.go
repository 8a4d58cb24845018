// Events: the outbox the dispatcher and the event feeds read, by id or
// dispatch sequence.

package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) AddEvent(ctx context.Context, e *store.Event) error {
	nowIfZero(s, &e.CreatedAt)
	s.wrote |= store.TopicEvents
	var err error
	e.ID, err = s.insert(ctx, `INSERT INTO events (type, brand_id, location_id, order_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, string(e.Type), e.BrandID, e.LocationID, e.OrderID, string(e.Payload), micros(e.CreatedAt))
	return s.wrap(err, "event")
}

func (s *Queries) AddEvents(ctx context.Context, es []*store.Event) error {
	if len(es) == 0 {
		return nil
	}
	s.wrote |= store.TopicEvents
	now := nowUTC(s)
	var b strings.Builder
	args := make([]any, 0, 6*len(es))
	b.WriteString(`INSERT INTO events (type, brand_id, location_id, order_id, payload, created_at) VALUES `)
	for i, e := range es {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, string(e.Type), e.BrandID, e.LocationID, e.OrderID, string(e.Payload), micros(e.CreatedAt))
	}
	_, err := s.exec(ctx, b.String(), args...)
	return s.wrap(err, "event")
}

func (s *Queries) ListEvents(ctx context.Context, afterSeq int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `seq > ?`, `seq`, []any{afterSeq}, limit)
}

func (s *Queries) ListBrandEvents(ctx context.Context, brandID, afterSeq int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `brand_id = ? AND seq > ?`, `seq`, []any{brandID, afterSeq}, limit)
}

func (s *Queries) ListEventsByID(ctx context.Context, afterID int64, limit int) ([]store.Event, error) {
	return s.listEvents(ctx, `id > ?`, `id`, []any{afterID}, limit)
}

func (s *Queries) listEvents(ctx context.Context, where, order string, args []any, limit int) ([]store.Event, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+eventCols+` FROM events WHERE `+where+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
	return collect(rows, err, scanEvent, s, "events")
}

const eventCols = `id, type, brand_id, location_id, order_id, payload, created_at, seq`

func scanEvent(sc interface{ Scan(...any) error }) (*store.Event, error) {
	var e store.Event
	var typ, payload string
	var at int64
	var seq sql.NullInt64
	if err := sc.Scan(&e.ID, &typ, &e.BrandID, &e.LocationID, &e.OrderID, &payload, &at, &seq); err != nil {
		return nil, err
	}
	e.Type, e.Payload, e.CreatedAt, e.Seq = hub.EventType(typ), []byte(payload), fromMicros(at), seq.Int64
	return &e, nil
}

func (s *Queries) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events WHERE seq IS NOT NULL`).Scan(&seq)
	return seq, s.wrap(err, "events")
}
