// Package bench is `orderhub bench`: a load generator and the benchmark of
// issue 10, with no external tool.
//
// It starts orderhub as a child process (the same binary, `serve`, on a
// free loopback port; SQLite in a temporary data directory, or PostgreSQL
// in a fresh schema of --database-url, dropped at the end) and a bare
// net/http "ceiling" server as a second child (see ceiling.go). Every
// throughput figure is measured on the ceiling and then on orderhub, back
// to back, with the same client (one http.Client, --connections keep-alive
// connections per server), the same bodies and the same duration, and is
// reported as a ratio to the ceiling.
//
// Setup goes through the public API as a user would: `orderhub token
// create` on the database before the first child starts, then a brand, 10
// locations, 1,000 products (every tenth with two option groups; the first
// 200 sold everywhere, the others everywhere but the first location, whose
// menu therefore lists 200 products), tracked stock of 10^9 for every
// product where it is sold, and partners: a QR and a Junglebook partner
// per location (a QR credential is bound to one location), and one kakao,
// Omni and Zeek partner for all locations, each with its credential.
//
// The run is in stages, each on a fresh orderhub child over the same
// database (children are stopped with SIGTERM; their VmHWM is read just
// before):
//
//  1. intake (empty database): qr, kakao, junglebook, hub; menu and
//     menu-etag; delivery (commit → receipt at --delivery-rate).
//  2. drain: --backlog orders whose order.created events have not been
//     fanned out are loaded while no orderhub runs (an outage); the child
//     starts and the time until the receiver has every one is measured.
//  3. transitions: --pool NEW orders are loaded; Omni confirm, kakao cook
//     and Omni complete walk the same pool (NEW → CONFIRMED → PREPARING →
//     COMPLETED, one request per order), so a phase can run out of orders
//     and then ends early (reported).
//  4. scale: orders of the last 30 days are loaded until about --orders
//     are stored, and QR intake is measured again, as a ratio to the
//     empty-database QR figure.
//
// Orders are loaded in process through the store's own units of work
// (preload.go), never with SQL of the bench's own. Before a child is
// stopped, and after setup, the bench waits until the delivery engine has
// fanned out every event written so far (a marker order reaching a
// temporary webhook endpoint), so that no stage starts with the previous
// one's backlog; and before each ceiling measurement it waits (at most
// the figure's duration, 5 s at least) until orderhub is idle, so that
// requests cancelled at the end of the previous figure do not slow the
// ceiling down.
//
// A closed-loop figure counts the answers that came within the window
// (as wrk does): requests still in flight when it closes are cancelled
// and reported as unfinished, not as errors. Errors are answers other
// than the door's success (Junglebook's business failures are HTTP 200:
// success there is orderResult.success "1").
package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"orderhub/internal/store"
)

// Phases are the figures, in the order they run.
var Phases = []string{"qr", "kakao", "junglebook", "hub", "menu", "menu-etag", "delivery", "drain", "confirm", "cook", "complete", "scale"}

// phaseGroups are shorthands for --phases.
var phaseGroups = map[string][]string{
	"intake":      {"qr", "kakao", "junglebook", "hub"},
	"transitions": {"confirm", "cook", "complete"},
	"all":         Phases,
}

// ParsePhases reads --phases ("qr,menu", groups intake and transitions, or
// all).
func ParsePhases(s string) ([]string, error) {
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if g, ok := phaseGroups[p]; ok {
			for _, x := range g {
				seen[x] = true
			}
			continue
		}
		if !slices.Contains(Phases, p) {
			return nil, fmt.Errorf("unknown phase %q (phases: %s; groups: intake, transitions, all)", p, strings.Join(Phases, ", "))
		}
		seen[p] = true
	}
	var out []string
	for _, p := range Phases {
		if seen[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no phase selected")
	}
	return out, nil
}

// Config is the parsed command line of orderhub bench.
type Config struct {
	// Exe is the orderhub binary the children run.
	Exe         string
	Connections int
	Duration    time.Duration
	Quick       bool
	DatabaseURL string
	// DataDir holds the SQLite database and the logs; empty: a temporary
	// directory, removed at the end unless Keep.
	DataDir      string
	Keep         bool
	JSONPath     string
	Phases       []string
	Orders       int
	Pool         int
	Backlog      int
	DeliveryRate float64
	// ChildArgs are added to every `orderhub serve` the bench starts.
	ChildArgs []string
	// CPUProfileDir, when set, makes every orderhub child write a CPU
	// profile there (serve --cpuprofile), one file per stage.
	CPUProfileDir string
	// Args is the command line and Version the binary's version (set at
	// build time with -ldflags "-X main.version=..."), for the report.
	Args    []string
	Version string
}

type bench struct {
	cfg     Config
	out     io.Writer // the table
	log     io.Writer // progress
	dir     string
	dbURL   string
	client  *Client
	ceiling *child
	child   *child
	stage   string
	w       *world
	run     string
	seq     atomic.Int64
	recv    *receiver
	rep     *Report
	stored  int // orders in the database, as far as the bench knows
	// qrEmpty is the QR figure's ratio to its ceiling on the empty
	// database (0: not measured).
	qrEmpty float64
	mu      sync.Mutex
}

func (b *bench) has(p string) bool { return slices.Contains(b.cfg.Phases, p) }

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// problem records a failed step: it makes the run fail.
func (b *bench) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.logf("ERROR %s", msg)
	b.mu.Lock()
	b.rep.Problems = append(b.rep.Problems, msg)
	b.rep.Errors++
	b.mu.Unlock()
}

// Run runs the benchmark and returns the exit code: 1 when any request
// that should have succeeded failed or a step could not be done, never
// because of how fast anything was.
func Run(ctx context.Context, cfg Config, stdout, stderr io.Writer) int {
	start := time.Now()
	b := &bench{cfg: cfg, out: stdout, log: stderr, client: NewClient(cfg.Connections)}
	rb := make([]byte, 4)
	rand.Read(rb)
	b.run = hex.EncodeToString(rb)
	b.rep = &Report{Meta: meta(cfg), Figures: []Figure{}, Loads: []LoadInfo{}, PeakRSS: []RSSInfo{}}
	err := b.main(ctx)
	if err != nil {
		b.problem("%v", err)
	}
	b.rep.Seconds = time.Since(start).Seconds()
	b.rep.Meta.LoadAvgEnd = loadAvg()
	b.rep.OK = b.rep.Errors == 0
	printTable(stdout, b.rep)
	if cfg.JSONPath != "" {
		if err := writeJSON(cfg.JSONPath, b.rep); err != nil {
			fmt.Fprintln(stderr, "bench: write json:", err)
			return 1
		}
		b.logf("wrote %s", cfg.JSONPath)
	}
	if !b.rep.OK {
		return 1
	}
	return 0
}

func meta(cfg Config) Meta {
	m := Meta{StartedAt: time.Now().UTC(), GoVersion: runtime.Version(), Cores: runtime.NumCPU(), CPU: cpuModel(),
		Database: "sqlite", Connections: cfg.Connections, Duration: cfg.Duration.String(), Quick: cfg.Quick,
		Phases: cfg.Phases, ChildArgs: cfg.ChildArgs, Args: cfg.Args, LoadAvgStart: loadAvg(), Version: cfg.Version}
	if cfg.DatabaseURL != "" {
		m.Database = "postgres"
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				m.Commit = s.Value
			case "vcs.modified":
				m.Modified = s.Value == "true"
			}
		}
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func (b *bench) main(ctx context.Context) (err error) {
	cfg := b.cfg
	// The data directory (SQLite, logs, profiles).
	b.dir = cfg.DataDir
	if b.dir == "" {
		if b.dir, err = os.MkdirTemp("", "orderhub-bench-"); err != nil {
			return err
		}
		if !cfg.Keep {
			defer os.RemoveAll(b.dir)
		}
	} else if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		url, drop, err := freshSchema(ctx, cfg.DatabaseURL, "bench_"+b.run)
		if err != nil {
			return err
		}
		defer func() {
			if derr := drop(); derr != nil {
				b.problem("drop schema: %v", derr)
			}
		}()
		b.dbURL = url
	} else if _, err := os.Stat(filepath.Join(b.dir, "orderhub.db")); err == nil {
		return fmt.Errorf("%s already holds a database: the bench needs an empty data directory", b.dir)
	}
	b.logf("data directory %s, database %s, %d connections, %s per figure", b.dir, b.rep.Meta.Database, cfg.Connections, cfg.Duration)

	if b.recv, err = startReceiver(); err != nil {
		return err
	}
	defer b.recv.close()

	if b.ceiling, err = startChild(ctx, "ceiling", cfg.Exe, []string{"bench", "ceiling"}, filepath.Join(b.dir, "ceiling.log")); err != nil {
		return err
	}
	defer b.ceiling.stop(10 * time.Second)

	token, err := b.tokenCreate(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if b.child != nil {
			b.stopChild()
		}
	}()

	// Stage 1: setup and everything measured on the empty database.
	if err := b.startChild(ctx, "intake"); err != nil {
		return err
	}
	t0 := time.Now()
	b.logf("setup through /hub/v1: brand, %d locations, %d products, stock, partners", numLocations, numProducts)
	if b.w, err = setupWorld(ctx, b.client, b.child.base, token, b.logf); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := b.w.loginQR(ctx, b.client, b.child.base); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	info := &SetupInfo{Locations: len(b.w.locations), Products: len(b.w.products), Partners: 3 + 2*len(b.w.locations)}
	for _, l := range b.w.locations {
		info.StockRows += len(b.w.byLoc[l])
	}
	for _, p := range b.w.products {
		if p.Options {
			info.WithOpts++
		}
	}
	b.rep.Setup = info
	if err := b.syncDispatch(ctx); err != nil {
		return err
	}
	info.Seconds = time.Since(t0).Seconds()
	b.logf("setup done in %.1f s", info.Seconds)

	intake := []struct {
		name, what string
		target     func(ceiling bool) Target
	}{
		{"qr", "QR POST /v1/items, 3 lines with options", func(bool) Target { return b.w.qrTarget(b.run, "qr") }},
		{"kakao", "kakao POST /api/v1/stores/{storeId}/orders, 3 lines", func(bool) Target { return b.w.kakaoTarget(b.run) }},
		{"junglebook", "Junglebook POST /order, multipart data, 3 items", func(bool) Target { return b.w.junglebookTarget(b.run) }},
		{"hub", "POST /hub/v1/orders, 3 lines", func(bool) Target { return b.w.hubTarget(b.run) }},
	}
	for _, ph := range intake {
		if !b.has(ph.name) {
			continue
		}
		f := b.measure(ctx, ph.name, ph.what, ph.target)
		b.stored += int(f.Requests - f.Errors)
		if ph.name == "qr" {
			b.qrEmpty = f.Ratio
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if b.has("menu") || b.has("menu-etag") {
		if err := b.menu(ctx); err != nil {
			b.problem("menu: %v", err)
		}
	}
	if b.has("delivery") {
		if err := b.delivery(ctx); err != nil {
			b.problem("delivery: %v", err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	// Stage 2: drain of a held backlog.
	if b.has("drain") {
		if err := b.drain(ctx); err != nil {
			b.problem("drain: %v", err)
		}
	}
	// Stage 3: transitions on a pool of NEW orders.
	if b.has("confirm") || b.has("cook") || b.has("complete") {
		if err := b.transitions(ctx); err != nil {
			b.problem("transitions: %v", err)
		}
	}
	// Stage 4: QR intake with many orders stored.
	if b.has("scale") {
		if err := b.scale(ctx); err != nil {
			b.problem("scale: %v", err)
		}
	}
	return nil
}

// tokenCreate runs `orderhub token create` on the database, before any
// orderhub serves it, and returns the operator token it prints.
func (b *bench) tokenCreate(ctx context.Context) (string, error) {
	args := append([]string{"token", "create", "--label", "bench"}, b.storageArgs()...)
	cmd := exec.CommandContext(ctx, b.cfg.Exe, args...)
	cmd.Env = childEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("orderhub token create: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	token := strings.TrimSpace(out.String())
	if i := strings.LastIndexByte(token, '\n'); i >= 0 {
		token = strings.TrimSpace(token[i+1:])
	}
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", fmt.Errorf("orderhub token create printed %q, not a token", out.String())
	}
	return token, nil
}

func (b *bench) storageArgs() []string {
	if b.dbURL != "" {
		return []string{"--data", b.dir, "--database-url", b.dbURL}
	}
	return []string{"--data", b.dir}
}

// startChild starts orderhub serve for a stage.
func (b *bench) startChild(ctx context.Context, stage string) error {
	args := append([]string{"serve"}, b.storageArgs()...)
	// The bench measures orderhub, not its limits: one token drives
	// thousands of requests a second, and the receiver is on loopback.
	// --child-args, later on the line, may set them again.
	args = append(args, "--rate-limit", "0", "--ip-rate-limit", "0", "--allow-private-targets")
	if b.cfg.CPUProfileDir != "" {
		args = append(args, "--cpuprofile", filepath.Join(b.cfg.CPUProfileDir, "orderhub-"+stage+".pprof"))
	}
	args = append(args, b.cfg.ChildArgs...)
	c, err := startChild(ctx, "orderhub ("+stage+")", b.cfg.Exe, args, filepath.Join(b.dir, "orderhub.log"))
	if err != nil {
		return err
	}
	b.child, b.stage = c, stage
	b.logf("stage %s: orderhub pid %d at %s", stage, c.pid(), c.base)
	if b.w != nil {
		if err := b.w.loginQR(ctx, b.client, c.base); err != nil {
			return err
		}
	}
	return nil
}

// stopChild reads the child's peak RSS and stops it.
func (b *bench) stopChild() {
	c := b.child
	b.child = nil
	if hwm, rss, err := c.memory(); err != nil {
		b.problem("read peak RSS of %s: %v", c.name, err)
	} else {
		b.rep.PeakRSS = append(b.rep.PeakRSS, RSSInfo{Stage: b.stage, VmHWMKB: hwm, VmRSSKB: rss})
		b.rep.PeakRSSMaxKB = max(b.rep.PeakRSSMaxKB, hwm)
		b.logf("stage %s: peak RSS %.1f MB", b.stage, float64(hwm)/1024)
	}
	b.client.CloseIdle()
	if c.exited() {
		b.problem("%s exited on its own (%v); its log: %s", c.name, c.err, c.logPath)
		return
	}
	// An unclean exit after SIGTERM (requests still running past
	// --shutdown-timeout, as when the scale figure's requests take
	// longer than that) is noted, not an error: it is about speed.
	if err := c.stop(30 * time.Second); err != nil {
		b.note("%s did not stop cleanly: %v (log: %s)", c.name, err, c.logPath)
	}
}

// note records something surprising that is not a failure.
func (b *bench) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.logf("note: %s", msg)
	b.mu.Lock()
	b.rep.Notes = append(b.rep.Notes, msg)
	b.mu.Unlock()
}

// measure runs one throughput figure: the ceiling, then orderhub.
func (b *bench) measure(ctx context.Context, name, what string, target func(ceiling bool) Target) *Figure {
	conns, d := b.cfg.Connections, b.cfg.Duration
	ct := target(true)
	ct.Check = nil // the ceiling answers 200 to everything
	settled := b.child.settle(ctx, max(5*time.Second, d))
	b.client.CloseIdle()
	cres := b.client.Closed(ctx, b.ceiling.base, ct, conns, d)
	b.client.CloseIdle()
	t := target(false)
	body := 0
	if r, ok := t.Next(0); ok {
		body = len(r.Body)
	}
	res := b.client.Closed(ctx, b.child.base, t, conns, d)
	f := Figure{Name: name, What: what, BodyBytes: body, Side: sideOf(res), Exhausted: res.Exhausted, Ceiling: sideOf(cres),
		SettleMs: ms(settled)}
	if f.Ceiling.RPS > 0 {
		f.Ratio = f.RPS / f.Ceiling.RPS
	}
	b.mu.Lock()
	b.rep.Errors += res.Errors + cres.Errors
	b.mu.Unlock()
	b.logf("%-10s %8.0f req/s  p50 %7.2f ms  p99 %8.2f ms  errors %d  | ceiling %8.0f req/s  p99 %6.2f ms | ratio %.3f%s",
		name, f.RPS, f.P50ms, f.P99ms, f.Errors, f.Ceiling.RPS, f.Ceiling.P99ms, f.Ratio, exhaustedNote(res))
	for _, s := range append(res.ErrorSamples, cres.ErrorSamples...) {
		b.logf("  error: %s", s)
	}
	b.rep.Figures = append(b.rep.Figures, f)
	return &b.rep.Figures[len(b.rep.Figures)-1]
}

func exhaustedNote(r *Result) string {
	var s string
	if r.Exhausted {
		s += fmt.Sprintf(" (pool used up after %.2f s)", r.Elapsed.Seconds())
	}
	if r.Unfinished > 0 {
		s += fmt.Sprintf(" (%d unfinished)", r.Unfinished)
	}
	return s
}

// menu measures the kakao menu of the first location (200 products),
// then the same with If-None-Match, after checking that it answers 304.
func (b *bench) menu(ctx context.Context) error {
	t := b.w.menuTarget("")
	r, _ := t.Next(0)
	var buf bytes.Buffer
	status, err := b.client.Do(ctx, b.child.base, r, &buf)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %v: %s", r.Path, status, err, snippet(buf.Bytes()))
	}
	var menu struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(buf.Bytes(), &menu); err != nil {
		return fmt.Errorf("menu: %w", err)
	}
	b.rep.Setup.MenuItems, b.rep.Setup.MenuBytes = len(menu.Items), buf.Len()
	if len(menu.Items) != menuProducts {
		return fmt.Errorf("menu lists %d items, want %d", len(menu.Items), menuProducts)
	}
	etag, err := b.etag(ctx, r)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("kakao GET /api/v1/stores/{storeId}/items, %d products, %d bytes", len(menu.Items), buf.Len())
	if b.has("menu") {
		b.measure(ctx, "menu", what, func(bool) Target { return b.w.menuTarget("") })
	}
	if b.has("menu-etag") {
		// The ETag must still hold (nothing changed) and answer 304.
		t := b.w.menuTarget(etag)
		r, _ := t.Next(0)
		status, err := b.client.Do(ctx, b.child.base, r, &buf)
		if err != nil || status != http.StatusNotModified {
			return fmt.Errorf("GET with If-None-Match %s: %d %v, want 304", etag, status, err)
		}
		b.measure(ctx, "menu-etag", what+", If-None-Match → 304", func(bool) Target { return b.w.menuTarget(etag) })
	}
	return nil
}

// etag does one GET and returns its ETag.
func (b *bench) etag(ctx context.Context, r Request) (string, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, b.child.base+r.Path, nil)
	if err != nil {
		return "", err
	}
	for _, h := range r.Header {
		req.Header.Set(h[0], h[1])
	}
	res, err := b.client.hc.Do(req)
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if etag == "" {
		return "", errors.New("the menu has no ETag")
	}
	return etag, nil
}

// endpoint creates a generic webhook endpoint to the receiver for
// order.created and returns its id.
func (b *bench) endpoint(ctx context.Context) (int64, error) {
	a := &api{c: b.client, base: b.child.base, token: b.w.hubToken}
	var ep struct {
		ID int64 `json:"id"`
	}
	err := a.call(ctx, "POST", "/hub/v1/webhook-endpoints", map[string]any{"brand_id": b.w.brandID, "url": b.recv.url,
		"event_types": []string{"order.created"}}, &ep, http.StatusCreated)
	return ep.ID, err
}

func (b *bench) deleteEndpoint(ctx context.Context, id int64) error {
	a := &api{c: b.client, base: b.child.base, token: b.w.hubToken}
	return a.call(ctx, "DELETE", "/hub/v1/webhook-endpoints/"+itoa(id), nil, nil, http.StatusNoContent)
}

// placeHub places one /hub/v1 order and returns its id.
func (b *bench) placeHub(ctx context.Context, i int64, run string) (int64, error) {
	t := b.w.hubTarget(run)
	r, _ := t.Next(i)
	var buf bytes.Buffer
	status, err := b.client.Do(ctx, b.child.base, r, &buf)
	if err == nil {
		err = t.Check(status, buf.Bytes())
	}
	if err != nil {
		return 0, err
	}
	b.stored++
	return orderID(buf.Bytes())
}

func orderID(body []byte) (int64, error) {
	var o struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &o); err != nil || o.ID == 0 {
		return 0, fmt.Errorf("no order id in %s", snippet(body))
	}
	return o.ID, nil
}

// syncDispatch waits until the delivery engine has fanned out every event
// written so far: it places a marker order with a temporary endpoint and
// waits for its delivery (events are fanned out oldest first).
func (b *bench) syncDispatch(ctx context.Context) error {
	ep, err := b.endpoint(ctx)
	if err != nil {
		return err
	}
	id, err := b.placeHub(ctx, b.seq.Add(1), "marker-"+b.run)
	if err != nil {
		return fmt.Errorf("marker order: %w", err)
	}
	const limit = 5 * time.Minute
	select {
	case <-b.recv.expect([]int64{id}):
	case <-time.After(limit):
		b.problem("the delivery engine did not fan out the events of stage %s within %s", b.stage, limit)
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.deleteEndpoint(ctx, ep)
}

// delivery: /hub/v1 orders at a steady rate with an endpoint subscribed to
// order.created; latency is receipt time − the time the POST answered.
func (b *bench) delivery(ctx context.Context) error {
	ep, err := b.endpoint(ctx)
	if err != nil {
		return err
	}
	rate, d := b.cfg.DeliveryRate, b.cfg.Duration
	b.logf("delivery: %.0f orders/s for %s", rate, d)
	var mu sync.Mutex
	answered := map[int64]time.Time{}
	var ids []int64
	var bad []string
	res := b.client.Open(ctx, b.child.base, b.w.hubTarget("dlv-"+b.run), rate, b.cfg.Connections, d, func(a Answer) {
		if a.Err != nil {
			return
		}
		id, err := orderID(a.Body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			bad = append(bad, err.Error())
			return
		}
		answered[id] = a.Answered
		ids = append(ids, id)
	})
	b.stored += len(ids)
	// Wait for what was sent (bounded: a slow engine shows as undelivered).
	wait := max(30*time.Second, 3*d)
	t0 := time.Now()
	select {
	case <-b.recv.expect(ids):
	case <-time.After(wait):
	case <-ctx.Done():
	}
	waited := time.Since(t0)
	var h Histogram
	delivered := 0
	for _, id := range ids {
		if t, ok := b.recv.received(id); ok {
			h.Record(t.Sub(answered[id]))
			delivered++
		}
	}
	dups, _ := b.recv.stats()
	f := &DeliveryFigure{Rate: rate, Seconds: d.Seconds(), Planned: res.Planned, Sent: res.Sent, Missed: res.Missed,
		Achieved:   float64(res.Sent) / d.Seconds(),
		PostErrors: res.Errors + uint64(len(bad)), Delivered: delivered, Undelivered: len(ids) - delivered, Duplicates: dups,
		P50ms: ms(h.Quantile(0.5)), P99ms: ms(h.Quantile(0.99)), MaxMs: ms(h.Max()),
		PostP50ms: ms(res.Hist.Quantile(0.5)), PostP99ms: ms(res.Hist.Quantile(0.99)), WaitSeconds: waited.Seconds(),
		Samples: append(res.ErrorSamples, bad...)}
	b.rep.Delivery = f
	b.mu.Lock()
	b.rep.Errors += f.PostErrors
	b.mu.Unlock()
	b.logf("delivery: p50 %.1f ms, p99 %.1f ms; %d/%d delivered, %.0f orders/s achieved (%d ticks missed), %d POST errors",
		f.P50ms, f.P99ms, delivered, len(ids), f.Achieved, f.Missed, f.PostErrors)
	for _, s := range f.Samples {
		b.logf("  error: %s", s)
	}
	return b.deleteEndpoint(ctx, ep)
}

// withStore stops the current child, opens the database in process, runs
// fn and closes it.
func (b *bench) withStore(ctx context.Context, fn func(st store.Store, l *loader) error) error {
	if b.child != nil {
		if err := b.syncDispatch(ctx); err != nil {
			return err
		}
		b.stopChild()
	}
	st, err := openStore(ctx, b.dir, b.dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := newLoader(ctx, st, b.w, b.run, &b.seq)
	if err != nil {
		return err
	}
	return fn(st, l)
}

func (b *bench) loadWorkers() int {
	if b.dbURL != "" {
		return 4
	}
	return 1
}

// loadOrders loads n orders of a kind and records how long it took.
func (b *bench) loadOrders(ctx context.Context, st store.Store, l *loader, kind string, n int, keep bool) ([]pooledOrder, time.Duration, error) {
	b.logf("loading %d %s orders in process (%d per unit of work)", n, kind, unitSize)
	t0 := time.Now()
	got, err := l.load(ctx, st, loadSpec{n: n, kind: kind, keep: keep}, b.loadWorkers())
	d := time.Since(t0)
	if err != nil {
		return nil, d, err
	}
	b.stored += n
	b.rep.Loads = append(b.rep.Loads, LoadInfo{Kind: kind, Orders: n, Seconds: d.Seconds()})
	b.logf("loaded %d %s orders in %.1f s (%.0f orders/s)", n, kind, d.Seconds(), float64(n)/d.Seconds())
	return got, d, nil
}

// drain: --backlog orders are stored with their order.created events not
// yet fanned out while no orderhub runs, with an endpoint subscribed; the
// time from the child being ready to the last receipt is the drain.
func (b *bench) drain(ctx context.Context) error {
	ep, err := b.endpoint(ctx)
	if err != nil {
		return err
	}
	var backlog []pooledOrder
	var loadTime time.Duration
	err = b.withStore(ctx, func(st store.Store, l *loader) error {
		var err error
		backlog, loadTime, err = b.loadOrders(ctx, st, l, "backlog", b.cfg.Backlog, true)
		return err
	})
	if err != nil {
		return err
	}
	ids := make([]int64, len(backlog))
	for i, o := range backlog {
		ids[i] = o.ID
	}
	all := b.recv.expect(ids)
	if err := b.startChild(ctx, "drain"); err != nil {
		return err
	}
	// The clock starts when the process is started: the drain includes
	// orderhub's start, as after an outage.
	t0 := b.child.started
	limit := max(60*time.Second, time.Duration(len(ids))*time.Second/50)
	limit = min(limit, 10*time.Minute)
	timedOut := false
	select {
	case <-all:
	case <-time.After(limit):
		timedOut = true
	case <-ctx.Done():
		return ctx.Err()
	}
	n, last := b.recv.count(ids)
	var first time.Time
	for _, id := range ids {
		if t, ok := b.recv.received(id); ok && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	el := last.Sub(t0)
	if timedOut {
		el = time.Since(t0)
	}
	f := &DrainFigure{Events: len(ids), Received: n, Seconds: el.Seconds(), TimedOut: timedOut, LoadSeconds: loadTime.Seconds(),
		StartMs: ms(b.child.ready.Sub(t0))}
	if !first.IsZero() {
		f.FirstMs = ms(first.Sub(t0))
	}
	if el > 0 {
		f.EventsPerS = float64(n) / el.Seconds()
	}
	b.rep.Drain = f
	b.logf("drain: %d/%d events in %.2f s = %.0f events/s%s", n, len(ids), el.Seconds(), f.EventsPerS, map[bool]string{true: " (timed out)"}[timedOut])
	return b.deleteEndpoint(ctx, ep)
}

// transitions: Omni confirm, kakao cook, Omni complete on one pool.
func (b *bench) transitions(ctx context.Context) error {
	var pool []pooledOrder
	err := b.withStore(ctx, func(st store.Store, l *loader) error {
		var err error
		pool, _, err = b.loadOrders(ctx, st, l, "pool", b.cfg.Pool, true)
		return err
	})
	if err != nil {
		return err
	}
	if err := b.startChild(ctx, "transitions"); err != nil {
		return err
	}
	// The ceiling gets the same bodies, cycling so that it never runs out.
	cycle := func(t Target, ceiling bool) Target {
		if ceiling {
			next := t.Next
			t.Next = func(i int64) (Request, bool) { return next(i % int64(len(pool))) }
		}
		return t
	}
	// Each phase goes through the pool from its start: cook takes orders
	// confirm moved (or NEW ones past them), complete any open one.
	if b.has("confirm") {
		b.measure(ctx, "confirm", "Omni POST /api/store/orders/confirm (NEW → CONFIRMED)", func(c bool) Target {
			return cycle(b.w.omniTarget(pool, "confirm"), c)
		})
	}
	if b.has("cook") {
		b.measure(ctx, "cook", "kakao POST /api/kakao/v1/order/cook (→ PREPARING)", func(c bool) Target {
			return cycle(b.w.cookTarget(pool), c)
		})
	}
	if b.has("complete") {
		b.measure(ctx, "complete", "Omni POST /api/store/orders/complete (→ COMPLETED)", func(c bool) Target {
			return cycle(b.w.omniTarget(pool, "complete"), c)
		})
	}
	return nil
}

// scale: load orders until about --orders are stored, then QR intake
// again.
func (b *bench) scale(ctx context.Context) error {
	n := max(0, b.cfg.Orders-b.stored)
	var d time.Duration
	err := b.withStore(ctx, func(st store.Store, l *loader) error {
		var err error
		_, d, err = b.loadOrders(ctx, st, l, "history", n, false)
		return err
	})
	if err != nil {
		return err
	}
	info := &ScaleInfo{OrdersStored: b.stored, Loaded: n, LoadSeconds: d.Seconds()}
	if d > 0 {
		info.LoadPerS = float64(n) / d.Seconds()
	}
	b.rep.Scale = info
	if err := b.startChild(ctx, "scale"); err != nil {
		return err
	}
	f := b.measure(ctx, "scale", fmt.Sprintf("QR POST /v1/items with %d orders stored", b.stored), func(bool) Target {
		return b.w.qrTarget(b.run, "qrs")
	})
	// Compared as ratios to the ceiling, each measured beside its figure:
	// raw req/s of two stages minutes apart move with what else the
	// machine does, the ratios much less.
	if b.qrEmpty > 0 {
		r := f.Ratio / b.qrEmpty
		f.VsEmpty = &r
	}
	return nil
}

// freshSchema creates a schema in the database of base and returns a URL
// whose connections use it, and a function that drops it.
func freshSchema(ctx context.Context, base, schema string) (string, func() error, error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return "", nil, errors.New("--database-url must start with postgres://")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		return err
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
