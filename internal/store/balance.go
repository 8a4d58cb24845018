package store

import (
	"context"
	"time"
)

// BalanceEntryKind says why a partner's cash balance changed.
type BalanceEntryKind string

const (
	// BalanceTopUp is money added by an operator (/hub/v1 top-up).
	BalanceTopUp BalanceEntryKind = "top_up"
	// BalanceOrderPayment is an order paid from the balance (Junglebook
	// settleKind "s").
	BalanceOrderPayment BalanceEntryKind = "order_payment"
	// BalanceOrderRefund gives an order payment back when the order is
	// cancelled.
	BalanceOrderRefund BalanceEntryKind = "order_refund"
)

// BalanceEntry is one row of a partner's cash balance history. Amount is
// signed (minor units of the partner's brand currency): positive adds,
// negative takes. BalanceAfter is the balance right after the change.
type BalanceEntry struct {
	ID           int64            `json:"id"`
	PartnerID    int64            `json:"partner_id"`
	Kind         BalanceEntryKind `json:"kind"`
	Amount       int64            `json:"amount"`
	BalanceAfter int64            `json:"balance_after"`
	// OrderID is the order an order payment paid or a refund gave back
	// (0 otherwise).
	OrderID   int64     `json:"order_id,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// BalanceReader reads partners' cash balances.
type BalanceReader interface {
	// GetBalance returns a partner's balance (0 when it never had one).
	GetBalance(ctx context.Context, partnerID int64) (int64, error)
	// ListBalanceEntries lists a partner's history newest first; beforeID
	// pages backwards (0 starts at the newest), limit 0 means 50.
	ListBalanceEntries(ctx context.Context, partnerID, beforeID int64, limit int) ([]BalanceEntry, error)
}

// BalanceWriter changes partners' cash balances inside a unit of work.
type BalanceWriter interface {
	// AdjustBalance adds delta (signed) to a partner's balance unless the
	// result would be negative. It reports whether it changed the balance
	// and the balance after the call (unchanged when refused). The
	// condition is part of the UPDATE and a CHECK backs it, so a balance
	// never goes below zero under any concurrency.
	AdjustBalance(ctx context.Context, partnerID, delta int64) (ok bool, balance int64, err error)
	// AddBalanceEntry writes a history row and sets its ID.
	AddBalanceEntry(ctx context.Context, e *BalanceEntry) error
}
