// Stock: tracked quantities per location and product, taken and
// returned under the row locks of one UPDATE.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func (s *Queries) SetStock(ctx context.Context, locationID, productID int64, qty *int64) error {
	if qty != nil && *qty < 0 {
		return hub.Invalid("quantity", "must not be negative")
	}
	var v any
	if qty != nil {
		v = *qty
	}
	_, err := s.exec(ctx, `INSERT INTO stock (location_id, product_id, quantity, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (location_id, product_id) DO UPDATE SET quantity = excluded.quantity, updated_at = excluded.updated_at`,
		locationID, productID, v, micros(nowUTC(s)))
	return s.wrap(err, "stock")
}

func (s *Queries) GetStock(ctx context.Context, locationID, productID int64) (*int64, error) {
	var q sql.NullInt64
	err := s.queryRow(ctx, `SELECT quantity FROM stock WHERE location_id = ? AND product_id = ?`, locationID, productID).Scan(&q)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	if !q.Valid {
		return nil, nil
	}
	return &q.Int64, nil
}

func (s *Queries) ListStock(ctx context.Context, locationID int64) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT product_id, quantity FROM stock WHERE location_id = ? AND quantity IS NOT NULL`, locationID)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	return scanStock(rows, s)
}

// TakeStock reads which products are tracked, then decrements them all in
// one UPDATE that also requires enough on hand (quantity >= need): the
// condition is part of the UPDATE, so concurrent takers (goroutines or
// nodes) are serialised by the row locks and none can take what another
// already took; a row the UPDATE skipped for that reason is a shortage.
func (s *Queries) TakeStock(ctx context.Context, locationID int64, needs []hub.StockNeed) (map[int64]int64, *store.Shortage, error) {
	if len(needs) == 0 {
		return nil, nil, nil
	}
	need := make(map[int64]int64, len(needs))
	ids := make([]int64, 0, len(needs))
	for _, n := range needs {
		if n.Quantity <= 0 {
			return nil, nil, hub.Invalid("quantity", "must be positive")
		}
		if _, ok := need[n.ProductID]; !ok {
			ids = append(ids, n.ProductID)
		}
		need[n.ProductID] += int64(n.Quantity)
	}
	have, err := s.stockOf(ctx, locationID, ids)
	if err != nil {
		return nil, nil, err
	}
	var tracked []int64
	for _, id := range ids {
		if q, ok := have[id]; ok {
			if q < need[id] {
				return nil, &store.Shortage{ProductID: id, Left: q}, nil
			}
			tracked = append(tracked, id)
		}
	}
	if len(tracked) == 0 {
		return map[int64]int64{}, nil, nil
	}
	by, byArgs := caseByProduct(tracked, need)
	in, inArgs := inList(tracked)
	args := append(append(append([]any{}, byArgs...), micros(nowUTC(s)), locationID), inArgs...)
	args = append(args, byArgs...)
	rows, err := s.query(ctx, `UPDATE stock SET quantity = quantity - `+by+`, updated_at = ?
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL AND quantity >= `+by+`
		RETURNING product_id, quantity`, args...)
	if err != nil {
		return nil, nil, s.wrap(err, "stock")
	}
	left, err := scanStock(rows, s)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range tracked {
		if _, ok := left[id]; !ok {
			// Taken meanwhile by another node (PostgreSQL): short now.
			now, err := s.stockOf(ctx, locationID, []int64{id})
			if err != nil {
				return nil, nil, err
			}
			return nil, &store.Shortage{ProductID: id, Left: now[id]}, nil
		}
	}
	return left, nil, nil
}

func (s *Queries) ReturnStock(ctx context.Context, locationID int64, back []hub.StockNeed) (map[int64]int64, error) {
	add := map[int64]int64{}
	var ids []int64
	for _, n := range back {
		if n.Quantity <= 0 {
			continue
		}
		if _, ok := add[n.ProductID]; !ok {
			ids = append(ids, n.ProductID)
		}
		add[n.ProductID] += int64(n.Quantity)
	}
	if len(ids) == 0 {
		return map[int64]int64{}, nil
	}
	by, byArgs := caseByProduct(ids, add)
	in, inArgs := inList(ids)
	args := append(append(append([]any{}, byArgs...), micros(nowUTC(s)), locationID), inArgs...)
	rows, err := s.query(ctx, `UPDATE stock SET quantity = quantity + `+by+`, updated_at = ?
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL
		RETURNING product_id, quantity`, args...)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	return scanStock(rows, s)
}

// stockOf reads the tracked quantities of some products at a location.
func (s *Queries) stockOf(ctx context.Context, locationID int64, ids []int64) (map[int64]int64, error) {
	in, inArgs := inList(ids)
	rows, err := s.query(ctx, `SELECT product_id, quantity FROM stock
		WHERE location_id = ? AND product_id IN (`+in+`) AND quantity IS NOT NULL`, append([]any{locationID}, inArgs...)...)
	if err != nil {
		return nil, s.wrap(err, "stock")
	}
	return scanStock(rows, s)
}

// caseByProduct is a CASE expression giving each product its quantity.
func caseByProduct(ids []int64, qty map[int64]int64) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(ids))
	b.WriteString("CASE product_id")
	for _, id := range ids {
		b.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
		args = append(args, id, qty[id])
	}
	b.WriteString(" END")
	return b.String(), args
}

func scanStock(rows *sql.Rows, s *Queries) (map[int64]int64, error) {
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, q int64
		if err := rows.Scan(&id, &q); err != nil {
			return nil, s.wrap(err, "stock")
		}
		out[id] = q
	}
	return out, s.wrap(rows.Err(), "stock")
}
