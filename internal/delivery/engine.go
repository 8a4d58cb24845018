package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/store"
)

// Config tunes the engine. Zero fields take the defaults of doc.go.
type Config struct {
	// Workers bounds the attempts in flight on this node (default 8).
	Workers int
	// PerTarget bounds the attempts in flight to one endpoint or partner
	// on this node (default 4).
	PerTarget int
	// Timeout bounds one attempt, connection to last byte (default 15 s).
	Timeout time.Duration
	// PollInterval is how often idle loops look for work (default 1 s).
	PollInterval time.Duration
	// Lease is how long a claim holds before another node may take the
	// delivery (default Timeout + 30 s). It must exceed Timeout.
	Lease time.Duration
	// InitialBackoff is the wait after the first failure (default 10 s);
	// each further failure doubles it up to MaxBackoff (default 4 h).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// Jitter spreads each wait by ± this fraction (default 0.2).
	Jitter float64
	// RetryFor is how long a delivery is retried before it is dead
	// (default 72 h): an attempt that fails at or after RetryFor since the
	// retry window began is the last.
	RetryFor time.Duration
	// MaxRetryAfter caps a receiver's Retry-After (default 4 h).
	MaxRetryAfter time.Duration
	// DisableAfter disables a webhook endpoint that has failed without a
	// single success for this long (default 5 days).
	DisableAfter time.Duration
	// DispatchBatch is how many events one fan-out unit takes (default 100).
	DispatchBatch int
	// Node names this engine in leases and attempts (default host-pid-random).
	Node string
	// Client sends the requests (default: Outbound's guarded client, no
	// redirects followed).
	Client *http.Client
	// Outbound is the outbound-address policy of the default client
	// (internal/netguard; the zero Policy refuses private targets at dial
	// time, after DNS resolution).
	Outbound netguard.Policy
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics hears of each attempt's outcome (nil: nobody).
	Metrics Metrics
}

// Metrics counts attempts (internal/metrics implements it). result is
// "delivered", "retry" (it will be tried again) or "dead" (dead-lettered,
// including a delivery dropped unsent because its target is gone); latency
// is the time from the delivery's retry window start (its creation when
// its event was fanned out, or its replay) to the outcome. It is called
// after the outcome is stored, and must be cheap and safe for concurrent
// use.
type Metrics interface {
	DeliveryAttempt(result string, latency time.Duration)
}

// Defaults of Config (documented in doc.go).
const (
	DefaultWorkers        = 8
	DefaultPerTarget      = 4
	DefaultTimeout        = 15 * time.Second
	DefaultPollInterval   = time.Second
	DefaultInitialBackoff = 10 * time.Second
	DefaultMaxBackoff     = 4 * time.Hour
	DefaultJitter         = 0.2
	DefaultRetryFor       = 72 * time.Hour
	DefaultMaxRetryAfter  = 4 * time.Hour
	DefaultDisableAfter   = 5 * 24 * time.Hour
	DefaultDispatchBatch  = 100
	// RotationGrace is how long the previous secret keeps signing after a
	// rotation (the domain's rule, hub.SecretRotationGrace).
	RotationGrace = hub.SecretRotationGrace
	// SnippetSize is how much of an answer an attempt keeps.
	SnippetSize = 1024
)

// positiveOr sets *v to def when it is not positive (unset, or nonsense).
func positiveOr[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

func (c Config) withDefaults() Config {
	positiveOr(&c.Workers, DefaultWorkers)
	positiveOr(&c.PerTarget, DefaultPerTarget)
	positiveOr(&c.Timeout, DefaultTimeout)
	positiveOr(&c.PollInterval, DefaultPollInterval)
	if c.Lease <= c.Timeout {
		c.Lease = c.Timeout + 30*time.Second
	}
	positiveOr(&c.InitialBackoff, DefaultInitialBackoff)
	positiveOr(&c.MaxBackoff, DefaultMaxBackoff)
	if c.MaxBackoff < c.InitialBackoff {
		c.MaxBackoff = c.InitialBackoff
	}
	if c.Jitter < 0 || c.Jitter >= 1 {
		c.Jitter = DefaultJitter
	}
	positiveOr(&c.RetryFor, DefaultRetryFor)
	positiveOr(&c.MaxRetryAfter, DefaultMaxRetryAfter)
	positiveOr(&c.DisableAfter, DefaultDisableAfter)
	positiveOr(&c.DispatchBatch, DefaultDispatchBatch)
	if c.Node == "" {
		c.Node = defaultNode()
	}
	if c.Client == nil {
		// A webhook that redirects is answered as it stands: the 3xx is a
		// final failure, never a request to another host (netguard's
		// client follows none).
		c.Client = c.Outbound.Client(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = c.PerTarget // keep one connection per concurrent attempt
		})
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func defaultNode() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "node"
	}
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Engine fans outbox events out into deliveries and sends them.
type Engine struct {
	st  store.Store
	cfg Config
	log *slog.Logger

	mu         sync.Mutex
	formatters map[hub.Channel]Formatter
	// sending counts attempts on the wire, perTarget those to each target.
	sending   int
	perTarget map[store.Target]int
	// held counts the deliveries this node has claimed and not yet
	// recorded (queued, sending or being recorded), per target and in all
	// (heldTotal); queue holds the claimed ones waiting for a slot, oldest
	// claim first.
	held      map[store.Target]int
	heldTotal int
	queue     []*store.Delivery
	// latency is each target's recent attempt time (an exponentially
	// weighted mean), which sizes what the node claims for it.
	latency map[store.Target]time.Duration
	started bool
	stopped bool

	// Outcomes waiting to be written, by whichever attempt is writing
	// (record).
	recMu      sync.Mutex
	recQueue   []*outcomeRecord
	recWriting bool

	kickDispatch chan struct{}
	kickDeliver  chan struct{}

	stopLoops context.CancelFunc
	abort     context.CancelFunc
	attemptCx context.Context
	loops     sync.WaitGroup
	attempts  sync.WaitGroup
}

// New returns an engine over st; call Register for each protocol that
// sends callbacks, then Start.
func New(st store.Store, cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{
		st:           st,
		cfg:          cfg,
		log:          cfg.Logger.With("component", "delivery", "node", cfg.Node),
		formatters:   map[hub.Channel]Formatter{},
		perTarget:    map[store.Target]int{},
		held:         map[store.Target]int{},
		latency:      map[store.Target]time.Duration{},
		kickDispatch: make(chan struct{}, 1),
		kickDeliver:  make(chan struct{}, 1),
	}
}

// Config returns the engine's configuration with defaults applied.
func (e *Engine) Config() Config { return e.cfg }

// InFlight is the number of attempts this node is making now.
func (e *Engine) InFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sending
}

// Register installs the formatter of a protocol: every event of a brand is
// offered to each partner of that protocol. Registering again replaces it.
// Events fanned out before a registration do not see it, so register
// before Start. Register on a nil *Engine does nothing.
func (e *Engine) Register(protocol hub.Channel, f Formatter) {
	if e == nil {
		return // no engine (tests of other surfaces)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if f == nil {
		delete(e.formatters, protocol)
		return
	}
	e.formatters[protocol] = f
}

func (e *Engine) formatter(protocol hub.Channel) Formatter {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.formatters[protocol]
}

// Kick wakes the loops now instead of at the next poll (after a write that
// created work, e.g. a replay).
func (e *Engine) Kick() {
	kick(e.kickDispatch)
	kick(e.kickDeliver)
}

func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Start runs the dispatcher and the delivery loop until Stop (or until ctx
// ends, which stops claiming new work like Stop does; call Stop to wait
// for the attempts in flight).
func (e *Engine) Start(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return
	}
	e.started = true
	loopCtx, stopLoops := context.WithCancel(ctx)
	attemptCx, abort := context.WithCancel(context.WithoutCancel(ctx))
	e.stopLoops, e.abort, e.attemptCx = stopLoops, abort, attemptCx
	e.loops.Add(2)
	go func() { defer e.loops.Done(); e.dispatchLoop(loopCtx) }()
	go func() { defer e.loops.Done(); e.deliverLoop(loopCtx) }()
	e.log.Info("delivery engine started", "workers", e.cfg.Workers, "per_target", e.cfg.PerTarget, "timeout", e.cfg.Timeout)
}

// Stop stops claiming work and waits for the attempts in flight. When ctx
// ends first, it aborts them: their leases are released without counting
// an attempt, so that this or another node sends them again.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	if !e.started || e.stopped {
		e.mu.Unlock()
		return nil
	}
	e.stopped = true
	e.mu.Unlock()
	e.stopLoops()
	e.loops.Wait()
	e.dropQueued()
	done := make(chan struct{})
	go func() { e.attempts.Wait(); close(done) }()
	select {
	case <-done:
		e.abort()
		return nil
	case <-ctx.Done():
		e.abort()
		<-done
		return ctx.Err()
	}
}

func (e *Engine) now() time.Time { return e.cfg.Now().UTC().Truncate(time.Microsecond) }

// wait sleeps until d passes (at most the poll interval), a kick or a
// commit wake-up comes, or ctx ends; it reports false when ctx ended.
func (e *Engine) wait(ctx context.Context, d time.Duration, kicks chan struct{}, woken <-chan struct{}) bool {
	if d <= 0 || d > e.cfg.PollInterval {
		d = e.cfg.PollInterval
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-kicks:
	case <-woken:
	case <-t.C:
	}
	return true
}

// dispatchLoop fans events out as soon as a unit that wrote some commits
// (store.TopicEvents), polling as a fallback.
func (e *Engine) dispatchLoop(ctx context.Context) {
	e.loop(ctx, store.TopicEvents, e.kickDispatch, "fan-out failed", func() (time.Duration, bool, error) {
		n, err := e.DispatchOnce(ctx)
		if n > 0 {
			kick(e.kickDeliver)
		}
		return 0, n > 0, err // more may be waiting (an order's next event)
	})
}

// deliverLoop claims work when deliveries are created or replayed
// (store.TopicDeliveries), when a slot frees (a kick), when the earliest
// retry falls due, and at the poll interval as a fallback.
func (e *Engine) deliverLoop(ctx context.Context) {
	e.loop(ctx, store.TopicDeliveries, e.kickDeliver, "claiming deliveries failed", func() (time.Duration, bool, error) {
		next, err := e.claim(ctx)
		return next, false, err
	})
}

// loop runs round until ctx ends: at once again when round says so, else
// once wait returns (a commit that wrote topic, a kick on kicks, the delay
// round returned, or the poll interval). A failed round is logged as
// failed.
func (e *Engine) loop(ctx context.Context, topic store.Topic, kicks chan struct{}, failed string,
	round func() (delay time.Duration, again bool, err error)) {
	woken, unsubscribe := e.st.Subscribe(topic)
	defer unsubscribe()
	for {
		delay, again, err := round()
		if err != nil && ctx.Err() == nil {
			e.log.Error(failed, "error", err)
		}
		if again && ctx.Err() == nil {
			continue
		}
		if !e.wait(ctx, delay, kicks, woken) {
			return
		}
	}
}

// holdFor is how many deliveries of a target this node may hold at once
// (claimed, not yet recorded): PerTarget times as many rounds of attempts
// as fit, at the target's recent latency, in what a lease leaves after
// one attempt's timeout (at least 2, at most 32 rounds). A fast receiver
// gets big claims (one claim per many deliveries); a slow one small
// claims, so that what is claimed starts well inside its lease. e.mu must
// be held.
func (e *Engine) holdFor(t store.Target) int {
	lat := max(e.latency[t], time.Millisecond)
	rounds := int((e.cfg.Lease - e.cfg.Timeout) / lat)
	return e.cfg.PerTarget * min(max(rounds, 2), maxRounds)
}

// maxRounds bounds holdFor; the node holds at most Workers × maxRounds in
// all.
const maxRounds = 32

// claim asks the store which targets have ready deliveries, claims as
// many of each as this node may hold (holdFor), and starts what the slots
// allow. It returns how long until the earliest delivery it saw that is
// not due yet (0: none).
func (e *Engine) claim(ctx context.Context) (next time.Duration, err error) {
	due, err := e.st.PendingTargets(ctx)
	if err != nil {
		return 0, err
	}
	now := e.now()
	type ask struct {
		t store.Target
		n int
	}
	var asks []ask
	e.mu.Lock()
	room := e.cfg.Workers*maxRounds - e.heldTotal
	for _, td := range due {
		if td.NextAttemptAt.After(now) {
			if w := td.NextAttemptAt.Sub(now); next == 0 || w < next {
				next = w
			}
			continue
		}
		n := min(e.holdFor(td.Target)-e.held[td.Target], room)
		if n > 0 {
			asks = append(asks, ask{td.Target, n})
			room -= n
		}
	}
	e.mu.Unlock()
	if len(asks) == 0 {
		return next, nil
	}
	var claimed []store.Delivery
	err = e.st.Update(ctx, func(tx store.Tx) error {
		claimed = claimed[:0]
		for _, a := range asks {
			ds, err := tx.ClaimDeliveries(ctx, store.DeliveryClaim{Owner: e.cfg.Node, Target: a.t, Now: now,
				Until: now.Add(e.cfg.Lease), Limit: a.n})
			if err != nil {
				return err
			}
			claimed = append(claimed, ds...)
		}
		return nil
	})
	if err != nil {
		return next, err
	}
	e.mu.Lock()
	for i := range claimed {
		d := &claimed[i]
		e.held[d.Target]++
		e.heldTotal++
		e.queue = append(e.queue, d)
	}
	expired := e.startQueued()
	e.mu.Unlock()
	e.release(expired)
	return next, nil
}

// startQueued starts queued deliveries while slots are free, oldest claim
// first among the targets below their limit. A queued delivery whose lease
// would run out during its attempt is given back instead (another claim,
// here or on another node, takes it). e.mu must be held; it returns the
// ids to release.
func (e *Engine) startQueued() (expired []int64) {
	now := e.now()
	for i := 0; i < len(e.queue) && e.sending < e.cfg.Workers; {
		d := e.queue[i]
		if e.perTarget[d.Target] >= e.cfg.PerTarget {
			i++
			continue
		}
		e.queue = append(e.queue[:i], e.queue[i+1:]...)
		if d.LeaseUntil == nil || now.Add(e.cfg.Timeout).After(*d.LeaseUntil) {
			e.unhold(d.Target)
			expired = append(expired, d.ID)
			continue
		}
		e.sending++
		e.perTarget[d.Target]++
		e.attempts.Add(1)
		go e.run(d)
	}
	return expired
}

// unhold forgets a claimed delivery (e.mu held).
func (e *Engine) unhold(t store.Target) {
	if e.held[t]--; e.held[t] <= 0 {
		delete(e.held, t)
	}
	e.heldTotal--
}

func (e *Engine) release(ids []int64) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.ReleaseDeliveries(ctx, e.cfg.Node, ids) }); err != nil {
		e.log.Warn("releasing claims failed; they expire with their lease", "deliveries", ids, "error", err)
	}
}

// run makes one attempt at d and records it. Its slot is freed as soon as
// the answer is in, before the record commits, so that the next attempt
// to the target does not wait for the commit.
func (e *Engine) run(d *store.Delivery) {
	sent := false
	freeSlot := func(latency time.Duration) {
		if sent {
			return
		}
		sent = true
		e.mu.Lock()
		if latency > 0 {
			if old, ok := e.latency[d.Target]; ok {
				latency = (7*old + latency) / 8
			}
			e.latency[d.Target] = latency
		}
		e.sending--
		if e.perTarget[d.Target]--; e.perTarget[d.Target] <= 0 {
			delete(e.perTarget, d.Target)
		}
		expired := e.startQueued()
		e.mu.Unlock()
		e.release(expired)
	}
	defer func() {
		freeSlot(0)
		e.mu.Lock()
		e.unhold(d.Target)
		e.mu.Unlock()
		e.attempts.Done()
		kick(e.kickDeliver)
	}()
	if err := e.attempt(e.attemptCx, d, freeSlot); err != nil {
		if e.attemptCx.Err() != nil {
			// Aborted at shutdown: give the claim back untried.
			e.release([]int64{d.ID})
			return
		}
		e.log.Error("recording a delivery attempt failed; the lease will expire and it is retried", "delivery", d.ID, "error", err)
	}
}

// dropQueued gives back the claims of deliveries that never started (at
// shutdown), so that another node takes them at once.
func (e *Engine) dropQueued() {
	e.mu.Lock()
	var ids []int64
	for _, d := range e.queue {
		ids = append(ids, d.ID)
		e.unhold(d.Target)
	}
	e.queue = nil
	e.mu.Unlock()
	e.release(ids)
}
