package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// Partner cash balances. A partner (the Junglebook shop) keeps money with
// orderhub: operators top it up through /hub/v1, and an order placed with
// PlaceOrderInput.PayFromBalance is paid from it in the order's own unit of
// work, so the order, its debit, its history rows and its order.paid event
// are written together or not at all. Amounts are minor units of the
// partner's brand currency. A balance never goes below zero: when it does
// not cover an order's total the order is still taken, unpaid (the seed's
// "not enough cash"), and the balance is left untouched; such an order is
// paid later through MarkPaid like any other. Cancelling an order paid from
// the balance gives the money back to it in the same unit of work.

// PaymentMethodBalance is the payment method of an order paid from the
// partner's cash balance.
const PaymentMethodBalance = "cash_balance"

// MaxBalanceNote bounds a top-up's note (characters).
const MaxBalanceNote = 200

// BalancePayment is what paying an order from a balance did.
type BalancePayment struct {
	// Paid says the balance covered the order total and was debited.
	Paid bool
	// Amount is the amount asked for: the order total.
	Amount int64
	// Balance is the balance after the debit, or the untouched balance
	// when it did not cover Amount.
	Balance int64
}

// debitForOrder takes the order total from the partner's balance when the
// input asks for it and the balance covers it, marking the order paid. It
// runs before the order row is written, inside the same unit.
func (s *Service) debitForOrder(ctx context.Context, tx store.Tx, o *hub.Order, in PlaceOrderInput) (*BalancePayment, error) {
	// A retried unit starts over from the unpaid order.
	o.PaymentStatus, o.PaymentMethod = hub.PaymentUnpaid, in.PaymentMethod
	if !in.PayFromBalance {
		return nil, nil
	}
	if in.Partner == nil {
		return nil, hub.Invalid("payment", "only a partner can pay from a balance")
	}
	ok, balance, err := tx.AdjustBalance(ctx, in.Partner.ID, -o.Fees.Total)
	if err != nil {
		return nil, err
	}
	if ok {
		o.PaymentStatus, o.PaymentMethod = hub.PaymentPaid, PaymentMethodBalance
	}
	return &BalancePayment{Paid: ok, Amount: o.Fees.Total, Balance: balance}, nil
}

// recordOrderPayment writes the balance entry, the history row and the
// order.paid event of an order paid from the balance (after the order row,
// whose id they name).
func (s *Service) recordOrderPayment(ctx context.Context, tx store.Tx, o *hub.Order, actor string, pay *BalancePayment) error {
	if pay == nil || !pay.Paid {
		return nil
	}
	if err := tx.AddBalanceEntry(ctx, &store.BalanceEntry{PartnerID: o.PartnerID, Kind: store.BalanceOrderPayment,
		Amount: -pay.Amount, BalanceAfter: pay.Balance, OrderID: o.ID, Note: "order " + o.Number, CreatedAt: o.CreatedAt}); err != nil {
		return err
	}
	if err := tx.AddHistory(ctx, &hub.OrderEvent{OrderID: o.ID, Action: "pay", FromStatus: o.Status, ToStatus: o.Status,
		Actor: actor, Note: "paid from cash balance", CreatedAt: o.CreatedAt}); err != nil {
		return err
	}
	return s.addEvent(ctx, tx, hub.EventOrderPaid, o.BrandID, o.LocationID, o.ID, map[string]any{"order": o})
}

// refundToBalance gives back the payment of an order paid from its
// partner's cash balance, in the unit that cancels it, and marks the order
// refunded. Orders paid any other way are left to whoever took the money
// (the store's till, the platform): orderhub did not collect it.
func (s *Service) refundToBalance(ctx context.Context, tx store.Tx, o *hub.Order) (bool, error) {
	if o.PaymentStatus != hub.PaymentPaid || o.PaymentMethod != PaymentMethodBalance || o.PartnerID == 0 {
		return false, nil
	}
	_, balance, err := tx.AdjustBalance(ctx, o.PartnerID, o.Fees.Total)
	if err != nil {
		return false, err
	}
	if err := tx.AddBalanceEntry(ctx, &store.BalanceEntry{PartnerID: o.PartnerID, Kind: store.BalanceOrderRefund,
		Amount: o.Fees.Total, BalanceAfter: balance, OrderID: o.ID, Note: "order " + o.Number + " cancelled", CreatedAt: o.UpdatedAt}); err != nil {
		return false, err
	}
	o.PaymentStatus = hub.PaymentRefunded
	return true, nil
}

// TopUpBalance adds a positive amount to a partner's balance and records
// it; it returns the history entry.
func (s *Service) TopUpBalance(ctx context.Context, partnerID, amount int64, note string) (*store.BalanceEntry, error) {
	if amount <= 0 || amount > hub.MaxAmount {
		return nil, hub.Invalid("amount", "must be a positive amount of at most %d (minor units)", hub.MaxAmount)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxBalanceNote {
		return nil, hub.Invalid("note", "must be at most %d characters", MaxBalanceNote)
	}
	var e *store.BalanceEntry
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetPartner(ctx, partnerID); err != nil {
			return err
		}
		_, balance, err := tx.AdjustBalance(ctx, partnerID, amount)
		if err != nil {
			return err
		}
		// Checked after the atomic adjustment, not before it, so that two
		// concurrent top-ups cannot both pass the check: the one that
		// would overflow rolls back.
		if balance > hub.MaxAmount {
			return hub.Invalid("amount", "the balance would exceed %d", hub.MaxAmount)
		}
		e = &store.BalanceEntry{PartnerID: partnerID, Kind: store.BalanceTopUp, Amount: amount, BalanceAfter: balance,
			Note: note, CreatedAt: s.Now()}
		return tx.AddBalanceEntry(ctx, e)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Balance returns a partner's balance.
func (s *Service) Balance(ctx context.Context, partnerID int64) (int64, error) {
	if _, err := s.store.GetPartner(ctx, partnerID); err != nil {
		return 0, err
	}
	return s.store.GetBalance(ctx, partnerID)
}

// BalanceEntries lists a partner's balance history, newest first.
func (s *Service) BalanceEntries(ctx context.Context, partnerID, beforeID int64, limit int) ([]store.BalanceEntry, error) {
	if _, err := s.store.GetPartner(ctx, partnerID); err != nil {
		return nil, err
	}
	return s.store.ListBalanceEntries(ctx, partnerID, beforeID, limit)
}
