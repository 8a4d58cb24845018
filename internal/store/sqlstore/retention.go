package sqlstore

import (
	"context"
	"time"
)

// The retention sweep (store.RetentionWriter; indexes in migration 0004).
// Each call deletes one bounded batch: the ids come from a LIMITed
// subquery, oldest first, so a sweep never holds many locks for long.

func (s *Queries) DeleteDeliveredDeliveries(ctx context.Context, cutoff time.Time, limit int) (int, int, error) {
	return s.deleteDeliveries(ctx, `status = 'delivered' AND delivered_at < ?`, `delivered_at`, cutoff, limit)
}

func (s *Queries) DeleteDeadDeliveries(ctx context.Context, cutoff time.Time, limit int) (int, int, error) {
	return s.deleteDeliveries(ctx, `status = 'dead' AND updated_at < ?`, `updated_at`, cutoff, limit)
}

// deleteDeliveries locks up to limit deliveries matching cond (the status
// is a literal, so the partial indexes of 0004 serve it), skipping rows
// another unit holds (a replay, a worker's late attempt), then deletes
// their attempts and them. Locked, they cannot turn pending before the
// unit ends; SQLite's single writer serialises the same statements.
func (s *Queries) deleteDeliveries(ctx context.Context, cond, col string, cutoff time.Time, limit int) (int, int, error) {
	if limit <= 0 {
		return 0, 0, nil
	}
	rows, err := s.query(ctx, `SELECT id FROM deliveries WHERE `+cond+` ORDER BY `+col+`, id LIMIT ?`+s.d.SkipLocked,
		micros(cutoff), limit)
	if err != nil {
		return 0, 0, s.wrap(err, "deliveries")
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, s.wrap(err, "deliveries")
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, s.wrap(err, "deliveries")
	}
	if len(ids) == 0 {
		return 0, 0, nil
	}
	in, args := inList(ids)
	res, err := s.exec(ctx, `DELETE FROM delivery_attempts WHERE delivery_id IN (`+in+`)`, args...)
	if err != nil {
		return 0, 0, s.wrap(err, "delivery attempts")
	}
	attempts, err := res.RowsAffected()
	if err != nil {
		return 0, 0, s.wrap(err, "delivery attempts")
	}
	res, err = s.exec(ctx, `DELETE FROM deliveries WHERE id IN (`+in+`) AND `+cond, append(args, micros(cutoff))...)
	if err != nil {
		return 0, 0, s.wrap(err, "deliveries")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, s.wrap(err, "deliveries")
	}
	return int(n), int(attempts), nil
}

func (s *Queries) DeleteIdempotencyRecords(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	at := micros(cutoff)
	res, err := s.exec(ctx, `DELETE FROM idempotency WHERE created_at < ? AND (scope, key) IN
		(SELECT scope, key FROM idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)`, at, at, limit)
	if err != nil {
		return 0, s.wrap(err, "idempotency records")
	}
	n, err := res.RowsAffected()
	return int(n), s.wrap(err, "idempotency records")
}
