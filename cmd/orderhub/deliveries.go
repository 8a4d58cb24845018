package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/httpx"
	"orderhub/internal/netguard"
	"orderhub/internal/store"
)

// deliveryConfig is the engine's part of the serve command line.
type deliveryConfig struct {
	Workers      int
	PerEndpoint  int
	Timeout      time.Duration
	DisableAfter time.Duration
	// The retention sweep (--retain-*).
	RetainDelivered   time.Duration
	RetainDead        time.Duration
	RetainIdempotency time.Duration
}

// deliveryFlags adds the engine's flags to serve.
func deliveryFlags(fs *flag.FlagSet, c *config) {
	fs.IntVar(&c.Delivery.Workers, "delivery-workers", delivery.DefaultWorkers, "event deliveries in flight at once on this node")
	fs.IntVar(&c.Delivery.PerEndpoint, "delivery-per-endpoint", delivery.DefaultPerTarget, "event deliveries in flight to one endpoint or partner on this node")
	fs.DurationVar(&c.Delivery.Timeout, "delivery-timeout", delivery.DefaultTimeout, "timeout of one delivery attempt")
	fs.DurationVar(&c.Delivery.DisableAfter, "delivery-disable-after", delivery.DefaultDisableAfter, "disable a webhook endpoint that fails without a success for this long")
	fs.DurationVar(&c.Delivery.RetainDelivered, "retain-delivered", delivery.DefaultRetainDelivered, "delete delivered deliveries and their attempts this long after delivery")
	fs.DurationVar(&c.Delivery.RetainDead, "retain-dead", delivery.DefaultRetainDead, "delete dead deliveries and their attempts this long after they died")
	fs.DurationVar(&c.Delivery.RetainIdempotency, "retain-idempotency", delivery.DefaultRetainIdempotency, "delete Idempotency-Key records this long after they were made (at least the 24h replay window)")
}

// checkRetention refuses retention ages the sweep cannot honour: none may
// be zero or negative, and idempotency records must outlive the window in
// which httpx replays them.
func checkRetention(c *deliveryConfig) error {
	for _, r := range []struct {
		name string
		v    time.Duration
	}{{"retain-delivered", c.RetainDelivered}, {"retain-dead", c.RetainDead}, {"retain-idempotency", c.RetainIdempotency}} {
		if r.v <= 0 {
			return fmt.Errorf("--%s (%s) must be positive, not %s", r.name, envName(r.name), r.v)
		}
	}
	if c.RetainIdempotency < httpx.IdempotencyTTL {
		return fmt.Errorf("--retain-idempotency (%s) is %s: it must be at least %s, the time an Idempotency-Key answer is replayed",
			envName("retain-idempotency"), c.RetainIdempotency, httpx.IdempotencyTTL)
	}
	return nil
}

// newSweeper builds the retention sweeper of serve: every hour, the first
// a minute after start.
func newSweeper(st store.Store, c *config, log *slog.Logger) *delivery.Sweeper {
	return delivery.NewSweeper(st, delivery.Retention{Delivered: c.Delivery.RetainDelivered, Dead: c.Delivery.RetainDead,
		Idempotency: c.Delivery.RetainIdempotency, Logger: log})
}

// newEngine builds the delivery engine of serve.
func newEngine(st store.Store, c *config, log *slog.Logger, m delivery.Metrics) *delivery.Engine {
	return delivery.New(st, delivery.Config{Workers: c.Delivery.Workers, PerTarget: c.Delivery.PerEndpoint,
		Timeout: c.Delivery.Timeout, DisableAfter: c.Delivery.DisableAfter, Logger: log, Metrics: m,
		Outbound: netguard.Policy{AllowPrivate: c.AllowPrivateTargets}})
}

// stopEngine lets the attempts in flight finish (up to the shutdown
// timeout); what it cuts short is released and sent again later.
func stopEngine(e *delivery.Engine, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		log.Warn("delivery attempts cut short at shutdown; they will be sent again", "error", err)
	}
}

func deliveriesUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub deliveries list [--status pending|delivered|dead] [--endpoint N | --partner N] [--brand N] [--limit 50] [--output table|json]
  orderhub deliveries replay <delivery id>
  orderhub deliveries replay --endpoint N --dead    (or --partner N --dead)

Storage flags (--data, --database-url) as for migrate. A running server
sends replayed deliveries within a second.
`)
}

// deliveries is `orderhub deliveries list|replay`.
func deliveries(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	sc := newSubcommand("deliveries", args, []string{"list", "replay"}, deliveriesUsage, stderr)
	if sc == nil {
		return 2
	}
	cmd, fs, fail := args[0], sc.fs, sc.fail
	var status string
	var endpoint, partner, brand int64
	var limit int
	var dead bool
	fs.Int64Var(&endpoint, "endpoint", 0, "webhook endpoint id")
	fs.Int64Var(&partner, "partner", 0, "partner id (callbacks)")
	if cmd == "list" {
		fs.StringVar(&status, "status", "", "pending, delivered or dead")
		fs.Int64Var(&brand, "brand", 0, "brand id (default all)")
		fs.IntVar(&limit, "limit", 50, "how many, newest first (at most 500)")
		sc.listing()
	} else {
		fs.BoolVar(&dead, "dead", false, "replay every dead delivery of --endpoint or --partner")
	}
	// Flags may come before or after the positional delivery id. What
	// the flags refuse is told as the group's (orderhub deliveries: …).
	pos, ok := parseStorage(fs, args[1:], &sc.output, "deliveries", stderr)
	if !ok {
		return 2
	}
	if sc.c.LogFormat != "text" && sc.c.LogFormat != "json" {
		fmt.Fprintln(stderr, "orderhub deliveries: --log-format must be text or json")
		return 2
	}
	if endpoint > 0 && partner > 0 {
		fmt.Fprintln(stderr, "orderhub deliveries: give --endpoint or --partner, not both")
		return 2
	}
	var target store.Target
	switch {
	case endpoint > 0:
		target = store.Target{Kind: store.TargetWebhook, ID: endpoint}
	case partner > 0:
		target = store.Target{Kind: store.TargetPartner, ID: partner}
	}
	var id int64
	switch cmd {
	case "list":
		if len(pos) > 0 {
			return fail(2, "unexpected argument %q", pos[0])
		}
		switch store.DeliveryStatus(status) {
		case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryDead:
		default:
			return fail(2, "--status must be pending, delivered or dead")
		}
		if limit < 1 || limit > maxListLimit {
			return fail(2, "--limit must be between 1 and %d", maxListLimit)
		}
	case "replay":
		switch {
		case len(pos) == 1 && !dead && target.Kind == "":
			if id, ok = idArg(pos[0]); !ok {
				return fail(2, "%q is not a delivery id", pos[0])
			}
		case len(pos) == 0 && dead && target.Kind != "":
		default:
			deliveriesUsage(stderr)
			return 2
		}
	}

	st, ok := openFor(ctx, &sc.c, "deliveries", stderr)
	if !ok {
		return 1
	}
	defer st.Close()
	now := time.Now().UTC()
	switch {
	case cmd == "list":
		ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{BrandID: brand, Target: target,
			Status: store.DeliveryStatus(status), Limit: limit})
		if err != nil {
			return fail(1, "%v", err)
		}
		printDeliveries(stdout, sc.output, ds)
	case id > 0:
		d, err := delivery.Replay(ctx, st, id, now)
		if err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "delivery %d is pending again (%s %s %d)\n", d.ID, d.EventType, d.Target.Kind, d.Target.ID)
	default:
		n, err := delivery.ReplayDead(ctx, st, target, now)
		if err != nil {
			return fail(1, "%v", err)
		}
		fmt.Fprintf(stdout, "replayed %d dead deliveries of %s %d\n", n, target.Kind, target.ID)
	}
	return 0
}

func printDeliveries(w io.Writer, format string, ds []store.Delivery) error {
	t := &table{header: []string{"ID", "STATUS", "TARGET", "EVENT", "ORDER", "ATTEMPTS", "WHEN", "LAST ERROR"}, empty: "(no deliveries)"}
	for _, d := range ds {
		when := "next " + d.NextAttemptAt.Format(time.RFC3339)
		switch {
		case d.Status == store.DeliveryDelivered && d.DeliveredAt != nil:
			when = "delivered " + d.DeliveredAt.Format(time.RFC3339)
		case d.Status == store.DeliveryDead:
			when = "dead " + d.UpdatedAt.Format(time.RFC3339)
		}
		lastErr := strings.ReplaceAll(d.LastError, "\n", " ")
		if len(lastErr) > 80 {
			lastErr = lastErr[:77] + "..."
		}
		order := "-"
		if d.OrderID > 0 {
			order = strconv.FormatInt(d.OrderID, 10)
		}
		t.add(strconv.FormatInt(d.ID, 10), string(d.Status), fmt.Sprintf("%s %d", d.Target.Kind, d.Target.ID),
			fmt.Sprintf("%s #%d", d.EventType, d.EventID), order, strconv.Itoa(d.Attempts), when, lastErr)
	}
	if ds == nil {
		ds = []store.Delivery{}
	}
	return emit(w, format, ds, t)
}
