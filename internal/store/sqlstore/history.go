// Order history: the append-only log of what happened to each order.

package sqlstore

import (
	"context"

	"orderhub/internal/hub"
)

func (s *Queries) AddHistory(ctx context.Context, e *hub.OrderEvent) error {
	nowIfZero(s, &e.CreatedAt)
	var err error
	e.ID, err = s.insert(ctx, `INSERT INTO order_history (order_id, action, from_status, to_status, actor, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.OrderID, e.Action, int(e.FromStatus), int(e.ToStatus), e.Actor, e.Note, micros(e.CreatedAt))
	return s.wrap(err, "order history")
}

func (s *Queries) OrderHistory(ctx context.Context, orderID int64) ([]hub.OrderEvent, error) {
	rows, err := s.query(ctx, `SELECT id, order_id, action, from_status, to_status, actor, note, created_at
		FROM order_history WHERE order_id = ? ORDER BY id`, orderID)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*hub.OrderEvent, error) {
		var e hub.OrderEvent
		var from, to int
		var at int64
		if err := sc.Scan(&e.ID, &e.OrderID, &e.Action, &from, &to, &e.Actor, &e.Note, &at); err != nil {
			return nil, err
		}
		e.FromStatus, e.ToStatus, e.CreatedAt = hub.Status(from), hub.Status(to), fromMicros(at)
		return &e, nil
	}, s, "order history")
}
