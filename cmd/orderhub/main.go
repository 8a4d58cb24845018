// Command orderhub runs the order hub.
//
//	orderhub serve [--addr 127.0.0.1:8080] [--data ./data] [--database-url postgres://...] [--demo]
//	orderhub migrate [--data ./data] [--database-url postgres://...]
//	orderhub deliveries list|replay ...
//	orderhub token create [--brand N] [--label TEXT]
//	orderhub bench [--quick] [--phases ...] [--database-url postgres://...]
//	orderhub version
//
// Every flag can also be set with an ORDERHUB_* environment variable (the
// flag name in upper case with - as _, e.g. ORDERHUB_DATABASE_URL); a flag
// on the command line wins over the variable.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/metrics"
	"orderhub/internal/netguard"
	"orderhub/internal/protocol"
	"orderhub/internal/ratelimit"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func usage(w io.Writer) {
	fmt.Fprint(w, `orderhub: one service between ordering channels and store POS.

Usage:
  orderhub serve    run the server (--demo loads demo data into an empty database)
  orderhub migrate  apply database migrations and exit (--to postgres://... copies the embedded database there)
  orderhub backup --to FILE      a consistent copy of the embedded database, while serving
  orderhub restore --from FILE   put a backup in place (orderhub stopped)
  orderhub orders list|show      orders, one with its lines and history
  orderhub location status|snooze|unsnooze   pause or slow a location, 86 products
  orderhub stock export|import   stock levels as CSV (location, product, quantity)
  orderhub partner list|create|rotate|revoke   partners and their credentials
  orderhub admin create|passwd|list|remove   dashboard logins
  orderhub token create|list|revoke   /hub/v1 tokens (a new one is shown once)
  orderhub deliveries list|replay     inspect and replay event deliveries
  orderhub openapi  print the API description GET /openapi.json serves
  orderhub bench    benchmark orderhub against a bare net/http server (--quick for CI)
  orderhub healthcheck  exit 0 when the server on --addr answers /healthz (a container's HEALTHCHECK)
  orderhub version  print the version

Listings take --output table|json. Commands other than serve and bench work
on the database directly (--data or --database-url, as serve); a running
server sees their changes within a second.

Run "orderhub <command> -h" for a command's flags.
`)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "deliveries":
		return deliveries(ctx, args[1:], stdout, stderr)
	case "token":
		return token(ctx, args[1:], stdout, stderr)
	case "location":
		return location(ctx, args[1:], stdout, stderr)
	case "backup":
		return backup(ctx, args[1:], stdout, stderr)
	case "partner":
		return partner(ctx, args[1:], stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], stdout, stderr)
	case "stock":
		return stock(ctx, args[1:], stdout, stderr)
	case "orders":
		return orders(ctx, args[1:], stdout, stderr)
	case "restore":
		return restore(ctx, args[1:], stdout, stderr)
	case "openapi":
		return openAPICmd(args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "bench":
		return benchCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "orderhub", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "orderhub: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// config is the parsed command line, read once and passed down.
type config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	LogFormat       string
	LogLevel        string
	Demo            bool
	BaseURL         string
	TLSCert         string
	TLSKey          string
	RequireHTTPS    string
	TrustedProxies  string
	ShutdownTimeout time.Duration
	MetricsToken    string
	PprofAddr       string
	CPUProfile      string
	Delivery        deliveryConfig
	// RateLimit and RateBurst limit each credential, IPRateLimit and
	// IPRateBurst each client address for calls that do not
	// authenticate and for logins (requests per second; 0 = off).
	RateLimit   float64
	RateBurst   int
	IPRateLimit float64
	IPRateBurst int
	// AllowPrivateTargets lifts the outbound-address guard.
	AllowPrivateTargets bool
}

// envName is the ORDERHUB_ variable of a flag ("database-url" →
// ORDERHUB_DATABASE_URL).
func envName(flagName string) string {
	return "ORDERHUB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets each named flag of fs (every flag when none are named) from
// its ORDERHUB_ variable, before the command line is parsed so that a flag
// given there wins. A value the flag refuses is an error naming the
// variable, never silently the default.
func applyEnv(fs *flag.FlagSet, names ...string) error {
	var err error
	set := func(f *flag.Flag) {
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok || err != nil {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q is not a valid --%s (%v)", envName(f.Name), v, f.Name, serr)
		}
	}
	if len(names) == 0 {
		fs.VisitAll(set)
	}
	for _, n := range names {
		if f := fs.Lookup(n); f != nil {
			set(f)
		}
	}
	return err
}

// parseMixed parses flags that may come before, between or after the
// positional arguments, which it returns in order.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// storageFlagNames are the flags storageFlags adds.
var storageFlagNames = []string{"data", "database-url", "log-format", "log-level"}

func storageFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.DataDir, "data", "./data", "data directory (the SQLite file, demo-credentials.json)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://...); empty = embedded SQLite")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
}

// parse applies the ORDERHUB_ variables of every flag of fs, then args,
// and reports what it refuses on fs's output.
func parse(fs *flag.FlagSet, args []string, c *config) error {
	var err error
	switch err = applyEnv(fs); {
	case err != nil:
	case fs.Parse(args) != nil:
		return flag.ErrHelp // fs.Parse printed why
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.LogFormat != "text" && c.LogFormat != "json":
		err = fmt.Errorf("--log-format (%s) must be text or json", envName("log-format"))
	}
	if err != nil {
		fmt.Fprintf(fs.Output(), "orderhub %s: %v\n", fs.Name(), err)
	}
	return err
}

func newLogger(c *config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// openStore opens PostgreSQL when a URL is given, else the SQLite file in
// the data directory; both apply pending migrations.
func openStore(ctx context.Context, c *config) (store.Store, error) {
	if c.DatabaseURL != "" {
		if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			return nil, fmt.Errorf("--database-url must start with postgres://")
		}
		return postgres.Open(ctx, c.DatabaseURL)
	}
	return sqlite.Open(ctx, sqlite.Path(c.DataDir))
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c config
	var to string
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	storageFlags(fs, &c)
	fs.StringVar(&to, "to", "", "copy the embedded database (--data) into this empty PostgreSQL database (postgres://...)")
	if err := parse(fs, args, &c); err != nil {
		return 2
	}
	toGiven := false
	fs.Visit(func(f *flag.Flag) { toGiven = toGiven || f.Name == "to" })
	if toGiven {
		// An empty --to (an unset variable in a script) is a mistake, never
		// a plain migrate of --data.
		return migrateTo(ctx, &c, to, stdout, stderr)
	}
	var n int
	var err error
	if c.DatabaseURL != "" {
		n, err = postgres.Migrate(ctx, c.DatabaseURL)
	} else {
		n, err = sqlite.Migrate(ctx, sqlite.Path(c.DataDir))
	}
	if err != nil {
		fmt.Fprintln(stderr, "orderhub migrate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	return 0
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c config
	fs := serveFlags(&c, stderr)
	if err := parse(fs, args, &c); err != nil {
		return 2
	}
	if err := checkRetention(&c.Delivery); err != nil {
		fmt.Fprintln(stderr, "orderhub serve:", err)
		return 2
	}
	log, err := newLogger(&c, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "orderhub serve:", err)
		return 2
	}
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, "orderhub serve:", err)
			return 1
		}
		defer stop()
	}
	if c.DatabaseURL == "" {
		// One server per data directory (sqlite.LockDir), held until exit.
		release, err := sqlite.LockDir(c.DataDir)
		if errors.Is(err, sqlite.ErrLocked) {
			fmt.Fprintf(stderr, "orderhub serve: another orderhub is serving %s (%s is locked): stop it first, or give this one another --data\n", c.DataDir, sqlite.LockPath(c.DataDir))
			return 1
		} else if err != nil {
			fmt.Fprintln(stderr, "orderhub serve:", err)
			return 1
		}
		defer release()
	}
	if err := runServer(ctx, &c, log, stdout); err != nil {
		log.Error("orderhub stopped", "error", err)
		return 1
	}
	return 0
}

// serveFlags defines the flags of serve on c.
func serveFlags(c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address (loopback by default: --addr :8080 listens on every interface)")
	storageFlags(fs, c)
	fs.BoolVar(&c.Demo, "demo", false, "load the demo data into an empty database and write demo-credentials.json")
	fs.StringVar(&c.BaseURL, "base-url", "", "public base URL (for demo-credentials.json); default from --addr")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (serve HTTPS)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file")
	fs.StringVar(&c.RequireHTTPS, "require-https", "auto", "refuse plain HTTP on partner APIs that demand HTTPS: true, false, or auto (true when TLS is served)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-Proto (and, for the dashboard login throttle, X-Forwarded-For) is trusted")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to wait for requests in flight at shutdown")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "Bearer token GET /metrics requires; empty = open (serve it on a private network)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", "", "serve net/http/pprof on this separate address (e.g. 127.0.0.1:6060); empty = off")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile (runtime/pprof) of the whole run to this file")
	fs.Float64Var(&c.RateLimit, "rate-limit", 50, "requests per second per credential, on every surface (per node); 0 = no limit")
	fs.IntVar(&c.RateBurst, "rate-burst", 100, "requests a credential may make at once above --rate-limit")
	fs.Float64Var(&c.IPRateLimit, "ip-rate-limit", 10, "requests per second per client address for calls without a valid credential and for partner logins (per node); 0 = no limit")
	fs.IntVar(&c.IPRateBurst, "ip-rate-burst", 20, "requests a client address may make at once above --ip-rate-limit")
	fs.BoolVar(&c.AllowPrivateTargets, "allow-private-targets", false, "let webhooks, callbacks, provider checks and bot notifications reach loopback, private and link-local addresses")
	deliveryFlags(fs, c)
	return fs
}

// serviceOptions are the service's rate limits and outbound policy.
func serviceOptions(c *config) []service.Option {
	return []service.Option{
		service.WithRateLimits(service.RateLimits{
			Credential: ratelimit.Limits{Rate: c.RateLimit, Burst: c.RateBurst},
			Address:    ratelimit.Limits{Rate: c.IPRateLimit, Burst: c.IPRateBurst},
		}),
		service.WithOutbound(netguard.Policy{AllowPrivate: c.AllowPrivateTargets}),
	}
}

func serverConfig(c *config) (server.Config, error) {
	cfg := server.Config{Version: version, MetricsToken: c.MetricsToken}
	switch c.RequireHTTPS {
	case "auto", "":
		cfg.RequireHTTPS = c.TLSCert != ""
	default:
		v, err := strconv.ParseBool(c.RequireHTTPS)
		if err != nil {
			return cfg, fmt.Errorf("--require-https must be true, false or auto")
		}
		cfg.RequireHTTPS = v
	}
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return cfg, fmt.Errorf("--trusted-proxies: %q is not a CIDR or address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return cfg, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	return cfg, nil
}

func runServer(ctx context.Context, c *config, log *slog.Logger, stdout io.Writer) error {
	scfg, err := serverConfig(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	// The one registry of protocols, read by the service, the metrics,
	// the server and the demo alike.
	protocols := server.Protocols()
	if err := server.Check(protocols); err != nil {
		return fmt.Errorf("protocols: %w", err)
	}
	m := metrics.New(version, protocols.Surfaces()...)
	svc := service.New(st, append(serviceOptions(c), service.WithLogger(log), service.WithMetrics(m), protocols.Option())...)
	engine := newEngine(st, c, log, m)
	scfg.Delivery = engine
	scfg.Protocols = protocols
	shutdown := make(chan struct{})
	scfg.Shutdown = shutdown
	scfg.Metrics = m

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if c.Demo {
		if err := loadDemo(ctx, c, svc, protocols, ln.Addr(), log, stdout); err != nil {
			ln.Close()
			return err
		}
		// The guard stays on for the demo (DESIGN.md §10); a local
		// receiver is the first thing one tries, so say how.
		if !c.AllowPrivateTargets {
			fmt.Fprintln(stdout, "Webhooks and callbacks to loopback or private addresses are refused; for a local receiver, restart with --allow-private-targets.")
		}
	}
	if err := firstRunHints(ctx, svc, ln.Addr(), c, stdout); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           server.Handler(scfg, svc, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Live dashboard streams end when Shutdown begins, so that it does not
	// wait for them until its timeout.
	srv.RegisterOnShutdown(func() { close(shutdown) })
	// Started once the handler is built (protocols have registered their
	// formatters); stopped after the HTTP server, before the store closes.
	engine.Start(ctx)
	defer stopEngine(engine, c.ShutdownTimeout, log)
	// The outbox watcher keeps this node's menu cache current (it stops
	// with ctx).
	go svc.Watch(ctx, time.Second)
	// The acceptance loop confirms or cancels orders whose time has come
	// (deadlines are stored with the orders: any node, after any restart).
	go svc.RunAcceptance(ctx, time.Second)
	// The retention sweep stops first (a sweep in progress is cancelled).
	sweeper := newSweeper(st, c, log)
	sweeper.Start(ctx)
	defer sweeper.Stop()
	if c.PprofAddr != "" {
		stopPprof, err := servePprof(c.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	errc := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	log.Info("orderhub listening", "addr", ln.Addr().String(), "database", st.Dialect(), "version", version, "tls", c.TLSCert != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

func loadDemo(ctx context.Context, c *config, svc *service.Service, protocols protocol.Registry, addr net.Addr, log *slog.Logger, stdout io.Writer) error {
	empty, err := demo.Empty(ctx, svc)
	if err != nil {
		return err
	}
	if !empty {
		log.Info("database is not empty: demo data not loaded; the credentials printed at the first --demo start still apply")
		return nil
	}
	base := c.BaseURL
	if base == "" {
		port := "8080"
		if ta, ok := addr.(*net.TCPAddr); ok {
			port = strconv.Itoa(ta.Port)
		}
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		base = scheme + "://127.0.0.1:" + port
	}
	creds, err := demo.Load(ctx, svc, base, protocols)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	path, err := demo.Write(c.DataDir, creds)
	if err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	fmt.Fprintf(stdout, "Demo data loaded. These credentials are shown once (also written to %s):\n", path)
	fmt.Fprintf(stdout, "  dashboard: %s/ui/  (admin %s / %s)\n", creds.BaseURL, creds.Admin.Username, creds.Admin.Password)
	fmt.Fprintf(stdout, "  hub token (Authorization: Bearer ...): %s\n", creds.Hub.Token)
	for _, p := range creds.Partners {
		fmt.Fprintf(stdout, "  %s\n", p.Summary)
	}
	// The hub token is an operator token: it names its brand.
	fmt.Fprintf(stdout, "  try: curl -H 'Authorization: Bearer %s' '%s/hub/v1/products'\n", creds.Hub.Token, creds.BaseURL)
	return nil
}

// startCPUProfile is serve --cpuprofile: a CPU profile from start to
// shutdown (how orderhub bench --cpuprofile profiles its children).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// firstRunHints tells an operator who started without --demo how to get in:
// with no dashboard login and no live /hub/v1 token the server is
// reachable by no one, and only "listening" would say so otherwise.
func firstRunHints(ctx context.Context, svc *service.Service, addr net.Addr, c *config, stdout io.Writer) error {
	admins, err := svc.ListAdmins(ctx)
	if err != nil {
		return err
	}
	tokens, err := svc.ListHubTokens(ctx, 0)
	if err != nil {
		return err
	}
	live := 0
	for _, t := range tokens {
		if t.RevokedAt == nil {
			live++
		}
	}
	base := c.BaseURL
	if base == "" {
		scheme := "http"
		if c.TLSCert != "" {
			scheme = "https"
		}
		base = scheme + "://" + addr.String()
	}
	if len(admins) == 0 {
		fmt.Fprintf(stdout, "No dashboard login yet: run `orderhub admin create NAME` (with this server's --data or --database-url), then log in at %s/ui/\n", base)
	}
	if live == 0 {
		fmt.Fprintln(stdout, "No /hub/v1 token yet: run `orderhub token create` (an operator token, shown once; --brand N for one brand's)")
	}
	return nil
}
