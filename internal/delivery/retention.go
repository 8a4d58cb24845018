package delivery

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"orderhub/internal/store"
)

// Retention defaults (serve's --retain-* flags).
const (
	DefaultRetainDelivered   = 30 * 24 * time.Hour
	DefaultRetainDead        = 90 * 24 * time.Hour
	DefaultRetainIdempotency = 48 * time.Hour
	DefaultSweepInterval     = time.Hour
	DefaultSweepFirst        = time.Minute
)

// Retention is how long the sweep keeps what it deletes, and how often it
// runs. A zero age keeps that kind of row forever.
type Retention struct {
	Delivered   time.Duration // delivered deliveries (with their attempts), after delivery
	Dead        time.Duration // dead deliveries (with their attempts), after dying
	Idempotency time.Duration // idempotency records, after creation
	// Interval between sweeps (default DefaultSweepInterval); the first
	// runs After (default DefaultSweepFirst) after Start.
	Interval time.Duration
	After    time.Duration
	// Batch is the most rows one statement deletes (default
	// store.DefaultRetentionBatch).
	Batch  int
	Now    func() time.Time
	Logger *slog.Logger
}

// Sweeper deletes, on a timer, what Retention no longer keeps (see the
// package doc, "Retention").
type Sweeper struct {
	st   store.Store
	cfg  Retention
	log  *slog.Logger
	mu   sync.Mutex
	stop context.CancelFunc
	done chan struct{}
}

// NewSweeper returns a sweeper of st; Start runs it.
func NewSweeper(st store.Store, cfg Retention) *Sweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultSweepInterval
	}
	if cfg.After <= 0 {
		cfg.After = DefaultSweepFirst
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sweeper{st: st, cfg: cfg, log: cfg.Logger.With("component", "retention")}
}

// Cutoffs are the RetentionCutoffs of a sweep at now.
func (r Retention) Cutoffs(now time.Time) store.RetentionCutoffs {
	at := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	return store.RetentionCutoffs{Delivered: at(r.Delivered), Dead: at(r.Dead), Idempotency: at(r.Idempotency)}
}

// Sweep runs one sweep now and logs one line when it deleted something.
func (s *Sweeper) Sweep(ctx context.Context) (store.Swept, error) {
	start := time.Now()
	got, err := store.Sweep(ctx, s.st, s.cfg.Cutoffs(s.cfg.Now().UTC()), s.cfg.Batch)
	// Repair, should anything have left a delivery blocked behind nothing
	// (every path keeps the order's first pending delivery ready; this is
	// the safety net that keeps one slip from holding an order forever).
	var unblocked int
	if uerr := s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		unblocked, err = tx.UnblockDeliveries(ctx, store.Target{})
		return err
	}); uerr != nil && err == nil {
		err = uerr
	}
	if unblocked > 0 {
		s.log.Warn("deliveries were blocked behind nothing; made ready", "deliveries", unblocked)
	}
	if got.Total() > 0 {
		s.log.Info("retention sweep", "delivered", got.Delivered, "dead", got.Dead, "attempts", got.Attempts,
			"idempotency", got.Idempotency, "took", time.Since(start).Round(time.Millisecond))
	}
	if err != nil && ctx.Err() == nil {
		s.log.Warn("retention sweep failed; it runs again at the next interval", "error", err)
	}
	return got, err
}

// Start runs a sweep After from now, then every Interval, until Stop or
// until ctx ends. Starting twice does nothing.
func (s *Sweeper) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done != nil {
		return
	}
	ctx, s.stop = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTimer(s.cfg.After)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			s.Sweep(ctx)
			t.Reset(s.cfg.Interval)
		}
	}()
}

// Stop cancels a sweep in progress (its finished batches stay deleted)
// and waits for it to return.
func (s *Sweeper) Stop() {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
}
