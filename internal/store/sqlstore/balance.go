package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// ---- partner cash balances (migration 0003) ----

func (s *Queries) GetBalance(ctx context.Context, partnerID int64) (int64, error) {
	var b int64
	err := s.queryRow(ctx, `SELECT balance FROM partner_balances WHERE partner_id = ?`, partnerID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return b, s.wrap(err, "balance")
}

// AdjustBalance credits with an upsert and debits with a conditional
// UPDATE (balance + delta >= 0), which PostgreSQL re-evaluates on the
// newest row version after waiting for the row lock: two debits can never
// both spend the same money. The CHECK (balance >= 0) backs it up.
func (s *Queries) AdjustBalance(ctx context.Context, partnerID, delta int64) (bool, int64, error) {
	now := micros(nowUTC(s))
	var b int64
	var err error
	if delta >= 0 {
		if delta > hub.MaxAmount {
			return false, 0, hub.Invalid("amount", "must be at most %d", hub.MaxAmount)
		}
		err = s.queryRow(ctx, `INSERT INTO partner_balances (partner_id, balance, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (partner_id) DO UPDATE SET balance = partner_balances.balance + excluded.balance, updated_at = excluded.updated_at
			RETURNING balance`, partnerID, delta, now).Scan(&b)
		if err != nil {
			return false, 0, s.wrap(err, "balance")
		}
		return true, b, nil
	}
	if delta < -hub.MaxAmount {
		return false, 0, hub.Invalid("amount", "must be at least %d", -hub.MaxAmount)
	}
	err = s.queryRow(ctx, `UPDATE partner_balances SET balance = balance + ?, updated_at = ?
		WHERE partner_id = ? AND balance + ? >= 0 RETURNING balance`, delta, now, partnerID, delta).Scan(&b)
	if err == nil {
		return true, b, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, s.wrap(err, "balance")
	}
	cur, err := s.GetBalance(ctx, partnerID)
	return false, cur, err
}

func (s *Queries) AddBalanceEntry(ctx context.Context, e *store.BalanceEntry) error {
	nowIfZero(s, &e.CreatedAt)
	var err error
	e.ID, err = s.insert(ctx, `INSERT INTO partner_balance_entries (partner_id, kind, amount, balance_after, order_id, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.PartnerID, string(e.Kind), e.Amount, e.BalanceAfter, e.OrderID, e.Note, micros(e.CreatedAt))
	return s.wrap(err, "balance entry")
}

func (s *Queries) ListBalanceEntries(ctx context.Context, partnerID, beforeID int64, limit int) ([]store.BalanceEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	q := `SELECT id, partner_id, kind, amount, balance_after, order_id, note, created_at
		FROM partner_balance_entries WHERE partner_id = ?`
	args := []any{partnerID}
	if beforeID > 0 {
		q += ` AND id < ?`
		args = append(args, beforeID)
	}
	args = append(args, limit)
	rows, err := s.query(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
	return collect(rows, err, func(sc interface{ Scan(...any) error }) (*store.BalanceEntry, error) {
		var e store.BalanceEntry
		var kind string
		var at int64
		if err := sc.Scan(&e.ID, &e.PartnerID, &kind, &e.Amount, &e.BalanceAfter, &e.OrderID, &e.Note, &at); err != nil {
			return nil, err
		}
		e.Kind, e.CreatedAt = store.BalanceEntryKind(kind), fromMicros(at)
		return &e, nil
	}, s, "balance entries")
}
