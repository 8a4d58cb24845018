//go:build crash

// Package crash is orderhub's crash suite: the real binary under mixed load
// through every door, killed with SIGKILL at random moments and started
// again, then checked for what a store relies on. Run it with
//
//	go test -tags crash ./test/crash                      # 10 kills, SQLite (and PostgreSQL when configured)
//	CRASH_KILLS=3 go test -tags crash ./test/crash        # what CI runs
//	ORDERHUB_TEST_DATABASE_URL=postgres://... go test -tags crash ./test/crash
//
// On PostgreSQL two nodes share the database and the killed one is picked
// at random each time. The checks, after the last restart:
//   - every acknowledged order exists exactly once, and no refused one
//     exists;
//   - stock is conserved: at every location, initial − what the orders
//     that stand hold = what is left (a cancelled order gave its stock
//     back);
//   - every committed event was delivered at least once to a webhook
//     endpoint subscribed to everything;
//   - a request cut off by a kill (no answer) can be sent again with its
//     Idempotency-Key (or the door's own key) within a minute, and then
//     answers as if it had been sent once;
//   - SQLite's integrity check passes.
//
// Every loop is bounded in count and time, and everything listens on
// loopback.
package crash

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/testutil"
)

func kills(t *testing.T) int {
	if v := os.Getenv("CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			t.Fatalf("CRASH_KILLS=%q: want 1 to 100", v)
		}
		return n
	}
	return 10
}

func TestCrashSQLite(t *testing.T) {
	bin := build(t)
	data := t.TempDir()
	h := newHarness(t, bin)
	h.nodes = []*node{h.node([]string{"--data", data})}
	h.run(kills(t))
	// The integrity of the file the kills left.
	if err := sqlite.Check(t.Context(), sqlite.Path(data)); err != nil {
		t.Fatalf("integrity: %v", err)
	}
	st, err := sqlite.Open(t.Context(), sqlite.Path(data))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h.verify(st)
}

func TestCrashPostgresTwoNodes(t *testing.T) {
	if testutil.PostgresURL(t) == "" {
		t.Skip("PostgreSQL crash test skipped: set " + testutil.PostgresEnv)
	}
	bin := build(t)
	url := testutil.PostgresSchema(t)
	h := newHarness(t, bin)
	h.nodes = []*node{h.node([]string{"--database-url", url, "--data", t.TempDir()}),
		h.node([]string{"--database-url", url, "--data", t.TempDir()})}
	h.run(kills(t))
	st, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h.verify(st)
}

// ---- the binary ----

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "orderhub")
	cmd := exec.Command("go", "build", "-o", bin, "orderhub/cmd/orderhub")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// node is one orderhub process, started again on the same address after
// each kill.
type node struct {
	t    *testing.T
	bin  string
	args []string
	addr string
	cmd  *exec.Cmd
	done chan error
	logs *bytes.Buffer
	mu   sync.Mutex
}

func (n *node) base() string { return "http://" + n.addr }

func (n *node) start(extra ...string) {
	n.t.Helper()
	// The receivers are on loopback, and the load drives each credential
	// far above the default rate limits: the suite tests durability, not
	// the limits.
	args := append([]string{"serve", "--addr", n.addr, "--log-level", "warn", "--shutdown-timeout", "5s",
		"--allow-private-targets", "--rate-limit", "0", "--ip-rate-limit", "0"}, n.args...)
	cmd := exec.Command(n.bin, append(args, extra...)...)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.cmd, n.done = cmd, make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			if n.logs.Len() < 1<<20 {
				n.logs.WriteString(sc.Text() + "\n")
			}
			n.mu.Unlock()
		}
		n.done <- cmd.Wait()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(n.base() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case err := <-n.done:
			n.t.Fatalf("orderhub exited at start: %v\n%s", err, n.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	n.t.Fatalf("orderhub not ready within 30 s\n%s", n.logs.String())
}

func (n *node) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

func (n *node) stop() {
	n.t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.done:
		if err != nil {
			n.t.Errorf("orderhub exited with %v after SIGTERM\n%s", err, n.logs.String())
		}
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill()
		n.t.Errorf("orderhub did not stop within 30 s of SIGTERM")
	}
}

// ---- the harness ----

// request is one order (or change) sent through a door, kept so that a
// request cut off by a kill can be sent again exactly.
type request struct {
	door, ref string // ref: the order's external ref (its door's own id)
	method    string
	path      string
	ctype     string
	auth      string
	key       string // Idempotency-Key (empty: the door's own key is in the body)
	body      []byte
	order     bool // it places an order (else it changes one)
}

type outcome int

const (
	acked   outcome = iota // 2xx: the order exists
	refused                // 4xx: it must not exist
	unknown                // no answer: send it again
)

type harness struct {
	t       *testing.T
	bin     string
	nodes   []*node
	creds   map[string]map[string]any
	token   string // the operator's /hub/v1 token
	qrToken atomic.Value
	zkToken atomic.Value
	locs    []int64
	product struct {
		ref string
		id  int64
	}
	initial int64
	// floor is the last event dispatched before the webhook endpoint
	// existed: later events must reach it.
	floor int64
	// cutoffs counts requests a kill left without an answer, sent again;
	// serverErrors the 5xx answers by status.
	cutoffs      atomic.Int64
	serverErrors map[int]int

	mu       sync.Mutex
	results  map[string]outcome // by ref, orders only
	pending  []*request         // cut off by a kill
	numbers  []string           // hub numbers of acknowledged hub orders
	received map[int64]int      // event id → deliveries received
	receiver *httptest.Server
	seq      atomic.Int64
}

func newHarness(t *testing.T, bin string) *harness {
	h := &harness{t: t, bin: bin, results: map[string]outcome{}, received: map[int64]int{}, serverErrors: map[int]int{}}
	h.receiver = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			ID int64 `json:"id"`
		}
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &ev) == nil && ev.ID > 0 {
			h.mu.Lock()
			h.received[ev.ID]++
			h.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.receiver.Close)
	return h
}

func (h *harness) node(args []string) *node {
	return &node{t: h.t, bin: h.bin, args: args, addr: freePort(h.t), logs: &bytes.Buffer{}}
}

func (h *harness) base() string { return h.nodes[rand.IntN(len(h.nodes))].base() }

// run starts the nodes (the first with the demo), sets the stage, drives
// load while killing a node kills times, and sends again what was cut off.
func (h *harness) run(kills int) {
	t := h.t
	first := h.nodes[0]
	began := time.Now()
	first.start("--demo")
	for _, n := range h.nodes[1:] {
		n.start()
	}
	h.setup(first)
	t.Logf("started and set up in %v", time.Since(began).Round(time.Millisecond))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() { h.load(w, stop) })
	}
	for k := range kills {
		time.Sleep(time.Duration(300+rand.IntN(700)) * time.Millisecond)
		n := h.nodes[rand.IntN(len(h.nodes))]
		n.kill()
		t.Logf("kill %d of %d: node %s", k+1, kills, n.addr)
		n.start()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	began = time.Now()
	h.resend()
	t.Logf("resent in %v", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	h.waitDelivered()
	t.Logf("every event delivered %v later", time.Since(began).Round(time.Millisecond))
	for _, n := range h.nodes {
		n.stop()
	}
}

func (h *harness) setup(n *node) {
	t := h.t
	data := n.args[len(n.args)-1] // --data DIR is last
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	h.creds = map[string]map[string]any{}
	for k, v := range top {
		var m map[string]any
		if json.Unmarshal(v, &m) == nil {
			h.creds[k] = m
		}
	}
	h.token = h.creds["hub"]["token"].(string)
	// The tracked product every order takes one of, with a large stock
	// at every location.
	var products struct {
		Data []struct {
			ID    int64  `json:"id"`
			RefID string `json:"ref_id"`
		} `json:"data"`
	}
	h.must(h.call(n.base(), "GET", "/hub/v1/products?brand_id=1&limit=500", "Bearer "+h.token, "", "", nil, 200), &products)
	for _, p := range products.Data {
		if p.RefID == "P011" {
			h.product.ref, h.product.id = p.RefID, p.ID
		}
	}
	var locs struct {
		Data []struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	h.must(h.call(n.base(), "GET", "/hub/v1/locations?brand_id=1", "Bearer "+h.token, "", "", nil, 200), &locs)
	h.initial = 1_000_000
	for _, l := range locs.Data {
		h.locs = append(h.locs, l.ID)
		h.call(n.base(), "PUT", fmt.Sprintf("/hub/v1/locations/%d/stock/%d?brand_id=1", l.ID, h.product.id), "Bearer "+h.token,
			"application/json", "", []byte(fmt.Sprintf(`{"quantity": %d}`, h.initial)), 200)
	}
	// The setup's events, dispatched before the endpoint exists, are not
	// for it.
	prev := -1
	for range 50 {
		ids := h.listedEvents()
		if len(ids) == prev {
			break
		}
		prev = len(ids)
		if len(ids) > 0 {
			h.floor = ids[len(ids)-1]
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.call(n.base(), "POST", "/hub/v1/webhook-endpoints?brand_id=1", "Bearer "+h.token, "application/json", "",
		[]byte(fmt.Sprintf(`{"brand_id": 1, "url": %q, "event_types": %s}`, h.receiver.URL, mustJSON(hub.EventTypes))), 201)
	h.loginQR(n.base())
	h.loginZeek(n.base())
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (h *harness) must(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		h.t.Fatalf("decode %s: %v", b, err)
	}
}

// call sends one request during setup, where no kill happens.
func (h *harness) call(base, method, path, auth, ctype, key string, body []byte, want int) []byte {
	h.t.Helper()
	status, b, err := send(base, &request{method: method, path: path, auth: auth, ctype: ctype, key: key, body: body})
	if err != nil || status != want {
		h.t.Fatalf("%s %s: %d %s %v, want %d", method, path, status, b, err, want)
	}
	return b
}

func send(base string, r *request) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return 0, nil, err
	}
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	if strings.HasPrefix(r.path, "/api/v1.0/") {
		req.Header.Set("KS-Client-Request-Id", "crash-"+r.key)
		req.Header.Set("KS-Lang", "en")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func (h *harness) loginQR(base string) {
	qr := h.creds["tableorder"]
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {qr["client_id"].(string)}, "client_secret": {qr["client_secret"].(string)}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	h.must(h.call(base, "POST", "/v1/auth/login", "", "application/x-www-form-urlencoded", "", []byte(form.Encode()), 200), &tok)
	h.qrToken.Store(tok.AccessToken)
}

func (h *harness) loginZeek(base string) {
	zk := h.creds["zeek"]
	var tok struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	body := fmt.Sprintf(`{"client_id": %q, "client_secret": %q, "grant_type": "client_credentials", "scope": "all"}`,
		zk["client_id"], zk["client_secret"])
	h.must(h.call(base, "POST", "/api/v1.0/auth/token", "", "application/json", "token-1", []byte(body), 200), &tok)
	h.zkToken.Store(tok.Data.AccessToken)
}

// ---- load ----

// load sends orders through the four ordering doors (one in ten refused
// on purpose) and changes through Omni, Zeek and /hub/v1, until stop.
func (h *harness) load(worker int, stop chan struct{}) {
	for i := 0; i < 100000; i++ { // bounded; stop ends it first
		select {
		case <-stop:
			return
		default:
		}
		n := h.seq.Add(1)
		bad := n%10 == 0
		var r *request
		switch n % 7 {
		case 0, 1:
			r = h.hubOrder(n, bad)
		case 2:
			r = h.qrOrder(n, bad)
		case 3:
			r = h.kakaoOrder(n, bad)
		case 4:
			r = h.junglebookOrder(n, bad)
		case 5:
			r = h.change(n, "omni")
		case 6:
			r = h.change(n, "zeek")
		}
		if r == nil {
			continue
		}
		h.do(r, stop)
	}
}

// do sends r and records what came of it. A request a kill leaves
// without an answer (or that a dying node was still running) is sent
// again, as a client would, until it is answered or the load stops; what
// is left then is sent again by resend.
func (h *harness) do(r *request, stop chan struct{}) {
	for attempt := 0; ; attempt++ {
		status, body, err := send(h.base(), r)
		if err == nil && status >= 500 {
			h.mu.Lock()
			h.serverErrors[status]++
			h.mu.Unlock()
		}
		if err == nil && status < 500 && !(status == http.StatusConflict && isInProgress(body)) {
			if attempt > 0 {
				h.cutoffs.Add(1)
			}
			h.record(r, status, body)
			return
		}
		select {
		case <-stop:
			h.mu.Lock()
			if r.order {
				h.results[r.ref] = unknown
			}
			h.pending = append(h.pending, r)
			h.mu.Unlock()
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// record keeps the answer of an order request.
func (h *harness) record(r *request, status int, body []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !r.order {
		return
	}
	if status >= 300 || !accepted(r.door, body) {
		h.results[r.ref] = refused
		return
	}
	h.results[r.ref] = acked
	if r.door == "hub" {
		var o struct {
			Number string `json:"number"`
		}
		if json.Unmarshal(body, &o) == nil && o.Number != "" {
			h.numbers = append(h.numbers, o.Number)
		}
	}
}

// isInProgress: the replay layer's "a request with this key is still
// running" (its lease outlives a killed node by seconds).
func isInProgress(body []byte) bool {
	return bytes.Contains(body, []byte("in_progress")) || bytes.Contains(body, []byte("in progress")) || bytes.Contains(body, []byte("40903"))
}

// accepted: Junglebook answers refusals with HTTP 200 and success 0.
func accepted(door string, body []byte) bool {
	if door != "junglebook" {
		return true
	}
	var res struct {
		OrderResult struct {
			Success json.RawMessage `json:"success"`
		} `json:"orderResult"`
	}
	return json.Unmarshal(body, &res) == nil && strings.Trim(string(res.OrderResult.Success), `"`) == "1"
}

func (h *harness) productRef(bad bool) string {
	if bad {
		return "NO-SUCH-PRODUCT"
	}
	return h.product.ref
}

func (h *harness) hubOrder(n int64, bad bool) *request {
	ref := fmt.Sprintf("hub-%d", n)
	return &request{door: "hub", ref: ref, order: true, method: "POST", path: "/hub/v1/orders", auth: "Bearer " + h.token,
		ctype: "application/json", key: "k-" + ref,
		body: []byte(fmt.Sprintf(`{"brand_id": 1, "location_id": %d, "external_ref": %q, "lines": [{"product": %q, "quantity": 1}]}`,
			h.locs[0], ref, h.productRef(bad)))}
}

func (h *harness) qrOrder(n int64, bad bool) *request {
	ref := fmt.Sprintf("qr-%d", n)
	return &request{door: "tableorder", ref: ref, order: true, method: "POST", path: "/v1/items", auth: "Bearer " + h.qrToken.Load().(string),
		ctype: "application/json",
		body: []byte(fmt.Sprintf(`{"id": %q, "unique_code": %q, "type": "DINE_IN", "cart": {"items": [{"id": %q, "title": "x",
			"quantity": 1, "price": {"unit_price": {"amount": 2000, "currency_code": "KRW"},
			"total_price": {"amount": 2000, "currency_code": "KRW"}}}]}}`, ref, "u-"+ref, h.productRef(bad)))}
}

func (h *harness) kakaoOrder(n int64, bad bool) *request {
	ref := fmt.Sprintf("bot-%d", n)
	kk := h.creds["kakao"]
	return &request{door: "kakao", ref: ref, order: true, method: "POST", path: "/api/v1/stores/" + kk["store_id"].(string) + "/orders",
		auth: "Bearer " + kk["api_key"].(string), ctype: "application/json", key: "k-" + ref,
		body: []byte(fmt.Sprintf(`{"botOrderId": %q, "type": "PICK_UP", "items": [{"id": %q, "quantity": 1}]}`, ref, h.productRef(bad)))}
}

func (h *harness) junglebookOrder(n int64, bad bool) *request {
	ref := fmt.Sprintf("jb-%d", n)
	goods := strconv.FormatInt(h.product.id, 10)
	if bad {
		goods = "999999999"
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.SetBoundary("crashboundary")
	mw.WriteField("data", fmt.Sprintf(`{"oaType": "api", "oaOrderNo": %q, "nameReceiver": "정글북",
		"phoneReceiver": "010-1234-5678", "mobileReceiver": "010-1234-5678", "zipCode": "12345", "address": "서울",
		"address2": "1", "settleKind": "a", "bankSender": "정글북", "doubleCheck": "1", "orderItem": [{"goodsNo": %s, "ea": 1}]}`, ref, goods))
	mw.Close()
	return &request{door: "junglebook", ref: ref, order: true, method: "POST", path: "/order",
		auth: h.creds["junglebook"]["api_key"].(string), ctype: mw.FormDataContentType(), key: "k-" + ref, body: mp.Bytes()}
}

// change cancels (Omni) or completes (Zeek, status 5) a hub order placed
// earlier; refusals (already moved) are expected and fine.
func (h *harness) change(n int64, door string) *request {
	h.mu.Lock()
	if len(h.numbers) == 0 {
		h.mu.Unlock()
		return nil
	}
	number := h.numbers[rand.IntN(len(h.numbers))]
	h.mu.Unlock()
	key := fmt.Sprintf("chg-%d", n)
	if door == "omni" {
		return &request{door: door, method: "POST", path: "/api/store/orders/cancel", auth: "token " + h.creds["omni"]["token"].(string),
			ctype: "application/json", key: key, body: []byte(fmt.Sprintf(`{"order": %q}`, number))}
	}
	return &request{door: door, method: "POST", path: "/api/v1.0/order/status/update", auth: "Bearer " + h.zkToken.Load().(string),
		ctype: "application/json", key: key, body: []byte(fmt.Sprintf(`{"order_id": %q, "status": 5}`, number))}
}

// resend sends every request a kill cut off again, as a client would,
// until it gets an answer (at most a minute each: the replay layer's lease
// of a dead node runs out in seconds).
func (h *harness) resend() {
	h.mu.Lock()
	pending := h.pending
	h.pending = nil
	h.mu.Unlock()
	for _, r := range pending {
		deadline := time.Now().Add(time.Minute)
		for {
			status, body, err := send(h.base(), r)
			if err == nil && status < 500 && !(status == http.StatusConflict && isInProgress(body)) {
				h.record(r, status, body)
				break
			}
			if time.Now().After(deadline) {
				h.t.Errorf("%s %s (%s): no answer within a minute of the restarts: %d %s %v", r.method, r.path, r.ref, status, body, err)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	h.cutoffs.Add(int64(len(pending)))
	h.t.Logf("%d requests cut off by the kills were sent again and answered (%d of them after the load stopped)", h.cutoffs.Load(), len(pending))
	if h.serverErrors[http.StatusInternalServerError] > 0 {
		h.t.Errorf("500 answers: %v", h.serverErrors)
	} else if len(h.serverErrors) > 0 {
		h.t.Logf("5xx answers while nodes died: %v", h.serverErrors)
	}
}

// waitDelivered waits until the receiver has every event the API lists
// (all of them dispatched), and the count stops growing.
func (h *harness) waitDelivered() {
	deadline := time.Now().Add(90 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		ids := h.listedEvents()
		h.mu.Lock()
		missing := 0
		for _, id := range ids {
			if id > h.floor && h.received[id] == 0 {
				missing++
			}
		}
		h.mu.Unlock()
		if missing == 0 && len(ids) == last {
			return
		}
		last = len(ids)
		time.Sleep(500 * time.Millisecond)
	}
}

func (h *harness) listedEvents() []int64 {
	var ids []int64
	cursor := ""
	for range 1000 {
		status, b, err := send(h.nodes[0].base(), &request{method: "GET", path: "/hub/v1/events?brand_id=1&limit=500" + cursor, auth: "Bearer " + h.token})
		if err != nil || status != 200 {
			return ids
		}
		var page struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		if json.Unmarshal(b, &page) != nil {
			return ids
		}
		for _, e := range page.Data {
			ids = append(ids, e.ID)
		}
		if page.NextCursor == nil {
			return ids
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	return ids
}

// ---- checks ----

func (h *harness) verify(st store.Store) {
	t := h.t
	ctx := t.Context()
	var orders []hub.Order
	before := int64(0)
	for range 10000 {
		page, err := st.ListOrders(ctx, store.OrderFilter{BrandID: 1, BeforeID: before, Limit: store.MaxPage})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, page...)
		if len(page) < store.MaxPage {
			break
		}
		before = page[len(page)-1].ID
	}
	byRef := map[string]int{}
	for _, o := range orders {
		byRef[o.ExternalRef]++
	}
	counts := map[outcome]int{}
	for ref, out := range h.results {
		counts[out]++
		switch out {
		case acked:
			if byRef[ref] != 1 {
				t.Errorf("acknowledged order %s exists %d times", ref, byRef[ref])
			}
		case refused:
			if byRef[ref] != 0 {
				t.Errorf("refused order %s exists %d times", ref, byRef[ref])
			}
		case unknown:
			t.Errorf("order %s never got an answer", ref)
		}
	}
	for ref, n := range byRef {
		if _, sent := h.results[ref]; !sent || n != 1 {
			t.Errorf("stored order %q: sent %v, stored %d times", ref, sent, n)
		}
	}
	// Stock: what stands holds one unit per line of the product.
	held := map[int64]int64{}
	cancelled := 0
	for _, o := range orders {
		if o.Status == hub.StatusCancelled {
			cancelled++
			continue
		}
		for _, l := range o.Lines {
			if l.ProductID == h.product.id {
				held[o.LocationID] += int64(l.Quantity)
			}
		}
	}
	for _, loc := range h.locs {
		left, err := st.GetStock(ctx, loc, h.product.id)
		if err != nil || left == nil {
			t.Fatalf("stock at %d: %v %v", loc, left, err)
		}
		if *left != h.initial-held[loc] {
			t.Errorf("stock at location %d: %d left, want %d − %d = %d", loc, *left, h.initial, held[loc], h.initial-held[loc])
		}
	}
	// Events: every committed one delivered at least once.
	var missing []int64
	evs := 0
	after := int64(0)
	for range 10000 {
		page, err := st.ListEventsByID(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			after = e.ID
			if e.BrandID != 1 || e.ID <= h.floor {
				continue
			}
			evs++
			if h.received[e.ID] == 0 {
				missing = append(missing, e.ID)
			}
		}
		if len(page) < 500 {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d events never delivered, e.g. %v", len(missing), evs, missing[:min(10, len(missing))])
	}
	if counts[acked] < 20 {
		t.Errorf("only %d orders were acknowledged: the load did not run", counts[acked])
	}
	t.Logf("checked: %d orders acknowledged (each stored once), %d refused (none stored), %d stored in all, %d cancelled; "+
		"stock conserved at %d locations; %d events since the endpoint, each delivered at least once", counts[acked], counts[refused], len(orders),
		cancelled, len(h.locs), evs)
	if errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("cancelled")
	}
}
