package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"orderhub/internal/bench"
)

func benchUsage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  orderhub bench [--quick] [--phases qr,menu,...] [--database-url postgres://...] [flags]

Starts orderhub (this binary, serve) and a bare net/http ceiling server as
child processes on loopback, sets up a brand with 10 locations, 1,000
products with stock and a partner per protocol through the public API, and
measures every figure against the ceiling with the same client and
connections: intake through each door, transitions, the menu with and
without If-None-Match, delivery latency and drain, intake with many orders
stored, and peak RSS. Prints a table and writes JSON (--json).

SQLite in a temporary data directory by default; with --database-url, a
fresh schema bench_<random> of that database, dropped at the end. Exits 1
when a request that should succeed failed (never because of a timing).
The children get no ORDERHUB_ variables: pass serve flags with --child-args.

Phases: qr kakao junglebook hub menu menu-etag delivery drain confirm cook
complete scale (groups: intake, transitions, all).
`)
}

// benchCmd is `orderhub bench` (and `orderhub bench ceiling --addr A`, the
// ceiling server it starts).
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "ceiling" {
		fs := flag.NewFlagSet("bench ceiling", flag.ContinueOnError)
		fs.SetOutput(stderr)
		addr := fs.String("addr", "127.0.0.1:0", "listen address")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		return bench.ServeCeiling(ctx, *addr, stderr)
	}
	cfg := bench.Config{Args: append([]string{"bench"}, args...), Version: version}
	var phases, childArgs string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { benchUsage(stderr); fs.PrintDefaults() }
	fs.IntVar(&cfg.Connections, "connections", 64, "keep-alive connections per server (closed-loop goroutines)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "duration of each figure (orderhub and the ceiling each); --quick: 1s")
	fs.BoolVar(&cfg.Quick, "quick", false, "small run for CI (under a minute): 1s per figure and small --orders, --pool, --backlog, --delivery-rate")
	fs.StringVar(&cfg.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://...): run in a fresh schema of it; empty = SQLite")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (SQLite file, child logs); empty = a temporary one, removed unless --keep")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the temporary data directory (database and logs)")
	fs.StringVar(&cfg.JSONPath, "json", "bench.json", "write the JSON report here (empty = none)")
	fs.StringVar(&phases, "phases", "all", "comma-separated phases to run")
	fs.IntVar(&cfg.Orders, "orders", 1_000_000, "orders stored for the scale figure; --quick: 10000")
	fs.IntVar(&cfg.Pool, "pool", 100_000, "NEW orders loaded for the transition figures (a phase that uses them up ends early); --quick: 2000")
	fs.IntVar(&cfg.Backlog, "backlog", 20_000, "held events of the drain figure; --quick: 500")
	fs.Float64Var(&cfg.DeliveryRate, "delivery-rate", 500, "orders per second of the delivery latency figure; --quick: 100")
	fs.StringVar(&childArgs, "child-args", "", "extra flags for every orderhub serve child, space-separated (e.g. \"--log-level warn\")")
	fs.StringVar(&cfg.CPUProfileDir, "cpuprofile", "", "directory where each orderhub child writes a CPU profile (orderhub-<stage>.pprof)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "orderhub bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if cfg.Quick {
		quick := map[string]func(){
			"duration":      func() { cfg.Duration = time.Second },
			"orders":        func() { cfg.Orders = 10_000 },
			"pool":          func() { cfg.Pool = 2_000 },
			"backlog":       func() { cfg.Backlog = 500 },
			"delivery-rate": func() { cfg.DeliveryRate = 100 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	var err error
	if cfg.Phases, err = bench.ParsePhases(phases); err != nil {
		fmt.Fprintln(stderr, "orderhub bench:", err)
		return 2
	}
	switch {
	case cfg.Connections < 1:
		err = fmt.Errorf("--connections must be at least 1")
	case cfg.Duration <= 0:
		err = fmt.Errorf("--duration must be positive")
	case cfg.Orders < 0 || cfg.Pool < 1 || cfg.Backlog < 1:
		err = fmt.Errorf("--orders must not be negative, --pool and --backlog must be positive")
	case cfg.DeliveryRate <= 0:
		err = fmt.Errorf("--delivery-rate must be positive")
	}
	if err != nil {
		fmt.Fprintln(stderr, "orderhub bench:", err)
		return 2
	}
	cfg.ChildArgs = strings.Fields(childArgs)
	if cfg.Exe, err = os.Executable(); err != nil {
		fmt.Fprintln(stderr, "orderhub bench:", err)
		return 1
	}
	if cfg.CPUProfileDir != "" {
		if cfg.CPUProfileDir, err = filepath.Abs(cfg.CPUProfileDir); err != nil {
			fmt.Fprintln(stderr, "orderhub bench:", err)
			return 1
		}
		if err := os.MkdirAll(cfg.CPUProfileDir, 0o755); err != nil {
			fmt.Fprintln(stderr, "orderhub bench:", err)
			return 1
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench.Run(ctx, cfg, stdout, stderr)
}
