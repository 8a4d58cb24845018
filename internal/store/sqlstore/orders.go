// Orders: creation, versioned updates, row locks, lookups by reference
// or keys, and listings.

package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) CreateOrder(ctx context.Context, o *hub.Order, encoded []byte, idempotencyKey, requestHash string) error {
	doc, err := orderDoc(o, encoded)
	if err != nil {
		return err
	}
	o.ID, err = s.insert(ctx, `INSERT INTO orders (brand_id, location_id, partner_id, channel, number, external_ref, channel_ref,
		idempotency_key, request_hash, status, payment_status, version, doc, created_at, updated_at, due_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.BrandID, o.LocationID, o.PartnerID, string(o.Channel), o.Number, o.ExternalRef, o.ChannelRef,
		idempotencyKey, requestHash, int(o.Status), int(o.PaymentStatus), o.Version, doc,
		micros(o.CreatedAt), micros(o.UpdatedAt), nullMicros(o.DueAt()))
	return s.wrapClash(err, "order", hub.ReasonDuplicateOrder)
}

// orderDoc is the stored document of an order: the caller's encoding, or
// its own.
func orderDoc(o *hub.Order, doc []byte) (string, error) {
	if doc != nil {
		return string(doc), nil
	}
	s, err := marshal(o)
	if err != nil {
		return "", hub.Internal(err, "encode order")
	}
	return s, nil
}

func (s *Queries) UpdateOrder(ctx context.Context, o *hub.Order, encoded []byte) error {
	doc, err := orderDoc(o, encoded)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE orders SET status = ?, payment_status = ?, channel_ref = ?, version = ?, doc = ?, updated_at = ?,
		due_at = ? WHERE id = ? AND version = ?`,
		int(o.Status), int(o.PaymentStatus), o.ChannelRef, o.Version, doc, micros(o.UpdatedAt), nullMicros(o.DueAt()),
		o.ID, o.Version-1)
	if err != nil {
		return s.wrapClash(err, "order", hub.ReasonDuplicateOrder) // a channel ref another order has
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(err, "order")
	}
	if n == 0 {
		return hub.Conflict(hub.ReasonNone, "order %s was changed concurrently", o.Number)
	}
	return nil
}

const orderCols = `id, brand_id, location_id, partner_id, channel, number, external_ref, channel_ref,
	status, payment_status, version, doc, created_at, updated_at`

func scanOrder(sc interface{ Scan(...any) error }) (*hub.Order, error) {
	var o hub.Order
	var doc, channel string
	var status, pay, version int
	var created, updated int64
	if err := sc.Scan(&o.ID, &o.BrandID, &o.LocationID, &o.PartnerID, &channel, &o.Number, &o.ExternalRef, &o.ChannelRef,
		&status, &pay, &version, &doc, &created, &updated); err != nil {
		return nil, err
	}
	cols := o
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return nil, fmt.Errorf("decode order %d: %w", cols.ID, err)
	}
	o.ID, o.BrandID, o.LocationID, o.PartnerID = cols.ID, cols.BrandID, cols.LocationID, cols.PartnerID
	o.Number, o.ExternalRef, o.ChannelRef = cols.Number, cols.ExternalRef, cols.ChannelRef
	o.Channel = hub.Channel(channel)
	o.Status, o.PaymentStatus, o.Version = hub.Status(status), hub.PaymentStatus(pay), version
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &o, nil
}

func (s *Queries) GetOrder(ctx context.Context, id int64) (*hub.Order, error) {
	return one(ctx, s, scanOrder, "order", `SELECT `+orderCols+` FROM orders WHERE id = ?`, id)
}

func (s *Queries) LockOrderVersion(ctx context.Context, id int64) (int, error) {
	var v int
	err := s.queryRow(ctx, `SELECT version FROM orders WHERE id = ?`+s.d.ForUpdate, id).Scan(&v)
	return v, s.wrap(err, "order")
}

func (s *Queries) LockOrder(ctx context.Context, id int64) (*hub.Order, error) {
	return one(ctx, s, scanOrder, "order", `SELECT `+orderCols+` FROM orders WHERE id = ?`+s.d.ForUpdate, id)
}

// FindOrdersByRef reads each reference's own index (a UNION ALL: one OR
// would tempt a planner into walking the brand's orders) and leaves out
// the repeats of an order found twice.
func (s *Queries) FindOrdersByRef(ctx context.Context, brandID int64, ref string, byID bool) ([]hub.Order, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	q := `SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND number = ?
		UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND external_ref = ? AND external_ref <> ''
		UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND channel_ref = ? AND channel_ref <> ''`
	args := []any{brandID, ref, brandID, ref, brandID, ref}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 && byID {
		q += ` UNION ALL SELECT ` + orderCols + ` FROM orders WHERE brand_id = ? AND id = ?`
		args = append(args, brandID, id)
	}
	rows, err := s.query(ctx, q, args...)
	all, err := collect(rows, err, scanOrder, s, "order")
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	out := all[:0]
	for _, o := range all {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Queries) FindOrderByExternalRef(ctx context.Context, brandID int64, channel hub.Channel, ref string) (*hub.Order, error) {
	return one(ctx, s, scanOrder, "order", `SELECT `+orderCols+` FROM orders WHERE brand_id = ? AND external_ref = ? AND channel = ? AND external_ref <> ''`,
		brandID, ref, string(channel))
}

func (s *Queries) FindOrderByKeys(ctx context.Context, k store.OrderKeys) (*hub.Order, string, *hub.Order, error) {
	if k.IdempotencyKey == "" && k.ExternalRef == "" {
		return nil, "", nil, nil
	}
	// Each side of the OR is its own partial index; an empty key matches
	// nothing (the indexes leave empty keys out).
	rows, err := s.query(ctx, `SELECT request_hash, idempotency_key, `+orderCols+` FROM orders
		WHERE (partner_id = ? AND idempotency_key = ? AND idempotency_key <> '')
		   OR (brand_id = ? AND external_ref = ? AND channel = ? AND external_ref <> '')
		LIMIT 2`, k.PartnerID, k.IdempotencyKey, k.BrandID, k.ExternalRef, string(k.Channel))
	if err != nil {
		return nil, "", nil, s.wrap(err, "order")
	}
	defer rows.Close()
	var byKey, byRef *hub.Order
	var keyHash string
	for rows.Next() {
		var hash, key string
		o, err := scanOrder(scanFirst{scanFirst{rows, &hash}, &key})
		if err != nil {
			return nil, "", nil, s.wrap(err, "order")
		}
		if k.IdempotencyKey != "" && key == k.IdempotencyKey && o.PartnerID == k.PartnerID {
			byKey, keyHash = o, hash
		}
		if k.ExternalRef != "" && o.ExternalRef == k.ExternalRef && o.Channel == k.Channel && o.BrandID == k.BrandID {
			byRef = o
		}
	}
	return byKey, keyHash, byRef, s.wrap(rows.Err(), "order")
}

func (s *Queries) ListOrders(ctx context.Context, f store.OrderFilter) ([]hub.Order, error) {
	var where []string
	var args []any
	add := func(cond string, v ...any) { where = append(where, cond); args = append(args, v...) }
	add("brand_id = ?", f.BrandID)
	if f.LocationID > 0 {
		add("location_id = ?", f.LocationID)
	}
	if len(f.LocationIDs) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.LocationIDs)), ", ")
		vals := make([]any, len(f.LocationIDs))
		for i, id := range f.LocationIDs {
			vals[i] = id
		}
		add("location_id IN ("+ph+")", vals...)
	}
	if f.Status != 0 {
		add("status = ?", int(f.Status))
	}
	if f.Channel != "" {
		add("channel = ?", string(f.Channel))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := pageLimit(f.Limit)
	args = append(args, limit)
	rows, err := s.query(ctx, `SELECT `+orderCols+` FROM orders WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	return collect(rows, err, scanOrder, s, "orders")
}

// ClaimDueOrders locks up to limit NEW orders whose due_at has come,
// earliest first, skipping rows another unit holds (PostgreSQL): two nodes
// never act on one order at once, and the one that waited finds it no
// longer due.
func (s *Queries) ClaimDueOrders(ctx context.Context, now time.Time, limit int) ([]hub.Order, error) {
	rows, err := s.query(ctx, `SELECT `+orderCols+` FROM orders WHERE status = 1 AND due_at IS NOT NULL AND due_at <= ?
		ORDER BY due_at LIMIT ?`+s.d.SkipLocked, micros(now), limit)
	return collect(rows, err, scanOrder, s, "orders")
}

// NextDueAt is the earliest due_at of a NEW order (nil: none).
func (s *Queries) NextDueAt(ctx context.Context) (*time.Time, error) {
	var v sql.NullInt64
	err := s.queryRow(ctx, `SELECT MIN(due_at) FROM orders WHERE status = 1 AND due_at IS NOT NULL`).Scan(&v)
	if err != nil {
		return nil, s.wrap(err, "orders")
	}
	return fromNullMicros(v), nil
}
