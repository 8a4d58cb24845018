package service

import (
	"context"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The acceptance loop (DESIGN.md §9). Every NEW order stores when the
// system must act on it (hub.Order.DueAt, the due_at column): confirm it at
// the start of its acceptance under auto acceptance (a scheduled order;
// others are confirmed as they are taken), or cancel it as not accepted at
// its deadline under manual acceptance. Deadlines are data, not timers, so
// a restart loses none and a node that was down catches up at once; the
// loop on each node claims due orders with row locks that skip what
// another node holds (FOR UPDATE SKIP LOCKED on PostgreSQL, the single
// writer on SQLite), and the order's status is the claim's condition, so
// exactly one node acts on each order, once. A store that confirms an
// order at the deadline's instant and the loop meet at the order's row
// lock: whichever comes second sees the other's result (a confirmed order
// is no longer due; a cancelled one cannot be confirmed).

// acceptBatch bounds the orders one unit acts on.
const acceptBatch = 50

// AcceptDue acts on the NEW orders whose time has come (at most a bounded
// number of batches per call) and returns how many it changed. The cheap
// question (is anything due?) is asked of the read pool first, so an idle
// loop never takes the write lock.
func (s *Service) AcceptDue(ctx context.Context) (int, error) {
	now := s.Now()
	next, err := s.store.NextDueAt(ctx)
	if err != nil || next == nil || next.After(now) {
		return 0, err
	}
	done := 0
	for range 20 {
		n, err := s.acceptBatch(ctx, now)
		done += n
		if err != nil || n < acceptBatch {
			return done, err
		}
	}
	return done, nil
}

// acceptBatch acts on one batch of due orders in one unit. When the unit
// fails (one order whose change the store refuses), each order of the
// batch is tried in its own unit, so that one bad order never holds up the
// others; its failure is logged and it is tried again next time.
func (s *Service) acceptBatch(ctx context.Context, now time.Time) (int, error) {
	var changed []*hub.Order
	var ids []int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		changed, ids = nil, nil
		due, err := tx.ClaimDueOrders(ctx, now, acceptBatch)
		if err != nil {
			return err
		}
		for i := range due {
			ids = append(ids, due[i].ID)
			o, err := s.actOnDue(ctx, tx, &due[i], now)
			if err != nil {
				return err
			}
			changed = append(changed, o)
		}
		return nil
	})
	if err == nil {
		for _, o := range changed {
			s.moved(o)
		}
		return len(changed), nil
	}
	if len(ids) == 0 || ctx.Err() != nil {
		return 0, err
	}
	s.log.Warn("acceptance: a batch failed; acting on its orders one by one", "orders", len(ids), "error", err)
	done := 0
	for _, id := range ids {
		var o *hub.Order
		err := s.store.Update(ctx, func(tx store.Tx) error {
			o = nil
			found, err := tx.LockOrder(ctx, id)
			if err != nil {
				return err
			}
			if due := found.DueAt(); due == nil || due.After(now) {
				return nil // acted on meanwhile
			}
			o, err = s.actOnDue(ctx, tx, found, now)
			return err
		})
		if err != nil {
			s.log.Error("acceptance: cannot act on a due order; it is tried again", "order_id", id, "error", err)
			continue
		}
		if o != nil {
			s.moved(o)
			done++
		}
	}
	return done, nil
}

// actOnDue confirms (auto) or cancels (manual, not accepted in time) a
// due order held in tx, as the system.
func (s *Service) actOnDue(ctx context.Context, tx store.Tx, o *hub.Order, now time.Time) (*hub.Order, error) {
	o.UpdatedAt = now
	o.Version++
	in := TransitionInput{Action: hub.ActionCancel, Actor: System, Reason: string(hub.ReasonNotAccepted),
		Note: "not accepted before the deadline"}
	if o.AcceptMode == hub.AcceptAuto {
		in = TransitionInput{Action: hub.ActionConfirm, Actor: System, Note: "accepted automatically"}
	}
	if err := s.move(ctx, tx, o, in); err != nil {
		return nil, err
	}
	return o, nil
}

// RunAcceptance runs the acceptance loop until ctx ends: AcceptDue every
// poll (a deadline is acted on within about one poll of passing).
func (s *Service) RunAcceptance(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.AcceptDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("acceptance: checking due orders failed; trying again", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
