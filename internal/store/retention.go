package store

import (
	"context"
	"time"
)

// This file is the retention sweep's storage: what orderhub stops keeping
// once it is old enough. RetentionWriter is embedded in Tx.

// DefaultRetentionBatch is how many rows one retention statement deletes at
// most, so that no sweep holds long locks or a long write transaction.
const DefaultRetentionBatch = 500

// RetentionWriter deletes old rows, one bounded batch per call: each call
// picks at most limit ids (a subquery, oldest first) and deletes those, so
// a caller loops, one unit per batch, until a call deletes fewer than
// limit (Sweep does). Deletes are idempotent: several nodes may sweep at
// once. Pending deliveries are never deleted.
type RetentionWriter interface {
	// DeleteDeliveredDeliveries deletes delivered deliveries whose
	// delivered_at is before cutoff, with their attempts, and reports how
	// many deliveries and attempts it deleted.
	DeleteDeliveredDeliveries(ctx context.Context, cutoff time.Time, limit int) (deliveries, attempts int, err error)
	// DeleteDeadDeliveries deletes dead deliveries that died (their last
	// change, updated_at) before cutoff, with their attempts.
	DeleteDeadDeliveries(ctx context.Context, cutoff time.Time, limit int) (deliveries, attempts int, err error)
	// DeleteIdempotencyRecords deletes idempotency records created before
	// cutoff (answered or still in progress) and reports how many.
	DeleteIdempotencyRecords(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// RetentionCutoffs says what Sweep deletes: rows strictly older than each
// cutoff (a zero cutoff deletes nothing of its kind).
type RetentionCutoffs struct {
	Delivered   time.Time // delivered deliveries, by delivered_at
	Dead        time.Time // dead deliveries, by updated_at
	Idempotency time.Time // idempotency records, by created_at
}

// Swept counts what Sweep deleted.
type Swept struct {
	Delivered   int // delivered deliveries
	Dead        int // dead deliveries
	Attempts    int // attempts of both
	Idempotency int // idempotency records
}

// Total is every row deleted.
func (s Swept) Total() int { return s.Delivered + s.Dead + s.Attempts + s.Idempotency }

// Sweep deletes what c names, one Update per batch of at most batch rows
// (DefaultRetentionBatch when batch <= 0), looping until a batch comes back
// short. It returns what it deleted so far with the first error.
func Sweep(ctx context.Context, st Store, c RetentionCutoffs, batch int) (Swept, error) {
	if batch <= 0 {
		batch = DefaultRetentionBatch
	}
	var out Swept
	// each deletes one batch in one unit; counts are added once it commits.
	each := func(cutoff time.Time, del func(tx Tx) (n, attempts int, err error), count *int) error {
		for !cutoff.IsZero() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var n, a int
			if err := st.Update(ctx, func(tx Tx) error {
				var err error
				n, a, err = del(tx)
				return err
			}); err != nil {
				return err
			}
			*count += n
			out.Attempts += a
			if n < batch {
				break
			}
		}
		return nil
	}
	err := each(c.Delivered, func(tx Tx) (int, int, error) {
		return tx.DeleteDeliveredDeliveries(ctx, c.Delivered, batch)
	}, &out.Delivered)
	if err == nil {
		err = each(c.Dead, func(tx Tx) (int, int, error) {
			return tx.DeleteDeadDeliveries(ctx, c.Dead, batch)
		}, &out.Dead)
	}
	if err == nil {
		err = each(c.Idempotency, func(tx Tx) (int, int, error) {
			n, err := tx.DeleteIdempotencyRecords(ctx, c.Idempotency, batch)
			return n, 0, err
		}, &out.Idempotency)
	}
	return out, err
}
