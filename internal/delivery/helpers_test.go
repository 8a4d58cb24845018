package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fast is a configuration that makes every wait short, so that retries,
// leases and dead letters happen within a test's seconds.
func fast(node string) delivery.Config {
	return delivery.Config{
		Node:           node,
		Outbound:       testutil.Outbound,
		PollInterval:   10 * time.Millisecond,
		Timeout:        2 * time.Second,
		Lease:          5 * time.Second,
		InitialBackoff: 20 * time.Millisecond,
		MaxBackoff:     80 * time.Millisecond,
		Jitter:         0.01,
		RetryFor:       time.Hour,
		Logger:         quiet,
	}
}

// start runs an engine until the test ends.
func start(t *testing.T, st store.Store, cfg delivery.Config, register ...func(*delivery.Engine)) *delivery.Engine {
	t.Helper()
	e := delivery.New(st, cfg)
	for _, r := range register {
		r(e)
	}
	e.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Stop(ctx)
	})
	return e
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type env struct {
	t     *testing.T
	st    store.Store
	ctx   context.Context
	brand *hub.Brand
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	e := &env{t: t, st: st, ctx: context.Background()}
	e.brand = e.newBrand("Hanok")
	return e
}

func (e *env) newBrand(name string) *hub.Brand {
	e.t.Helper()
	b := &hub.Brand{Name: name, Currency: "KRW"}
	if err := e.st.Update(e.ctx, func(tx store.Tx) error { return tx.CreateBrand(e.ctx, b) }); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) endpoint(url string, types ...hub.EventType) (*store.WebhookEndpoint, string) {
	e.t.Helper()
	ts := make([]string, len(types))
	for i, x := range types {
		ts[i] = string(x)
	}
	ep, secret, err := delivery.CreateEndpoint(e.ctx, e.st, e.brand.ID, url, ts)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep, secret
}

// event writes an outbox event as the service does; data carries the order
// and a sequence number the receivers check order with.
func (e *env) event(brandID, orderID int64, typ hub.EventType, seq int) *store.Event {
	e.t.Helper()
	payload, _ := json.Marshal(map[string]any{"version": 1, "type": typ, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
		"data": map[string]any{"order_id": orderID, "seq": seq}})
	ev := &store.Event{Type: typ, BrandID: brandID, OrderID: orderID, Payload: payload}
	if err := e.st.Update(e.ctx, func(tx store.Tx) error { return tx.AddEvent(e.ctx, ev) }); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) deliveries(f store.DeliveryFilter) []store.Delivery {
	e.t.Helper()
	f.Limit = 500
	ds, err := e.st.ListDeliveries(e.ctx, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) countStatus(f store.DeliveryFilter, s store.DeliveryStatus) int {
	n := 0
	for _, d := range e.deliveries(f) {
		if d.Status == s {
			n++
		}
	}
	return n
}

func (e *env) attempts(deliveryID int64) []store.DeliveryAttempt {
	e.t.Helper()
	as, err := e.st.ListDeliveryAttempts(e.ctx, []int64{deliveryID})
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func (e *env) getEndpoint(id int64) *store.WebhookEndpoint {
	e.t.Helper()
	ep, err := e.st.GetWebhookEndpoint(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

// hit is one request a receiver saw.
type hit struct {
	At      time.Time
	Header  http.Header
	Body    []byte
	ID      string // webhook-id
	Type    string
	OrderID int64
	Seq     int
	Status  int // what the receiver answered (0: it hung up)
}

// answer is what a receiver does with a request.
type answer struct {
	Status int
	Body   string
	Header map[string]string
	// Hang blocks until the request is abandoned or release is closed.
	Hang bool
	// Delay sleeps before answering.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
}

// receiver is a real HTTP server that records and answers requests.
type receiver struct {
	*httptest.Server
	mu          sync.Mutex
	hits        []hit
	respond     func(h *hit, n int) answer // n: how many requests came before
	release     chan struct{}
	inflight    int
	maxInflight int
}

func newReceiver(t *testing.T, respond func(h *hit, n int) answer) *receiver {
	t.Helper()
	r := &receiver{respond: respond, release: make(chan struct{})}
	if r.respond == nil {
		r.respond = func(*hit, int) answer { return answer{Status: 200} }
	}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		r.Release()
		r.Server.CloseClientConnections()
		r.Server.Close()
	})
	return r
}

// Release unblocks hanging requests (and every later one).
func (r *receiver) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.release:
	default:
		close(r.release)
	}
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	h := hit{At: time.Now(), Header: req.Header.Clone(), Body: body, ID: req.Header.Get("webhook-id")}
	var v struct {
		Type string `json:"type"`
		Data struct {
			OrderID int64 `json:"order_id"`
			Seq     int   `json:"seq"`
		} `json:"data"`
	}
	json.Unmarshal(body, &v)
	h.Type, h.OrderID, h.Seq = v.Type, v.Data.OrderID, v.Data.Seq
	r.mu.Lock()
	n := len(r.hits)
	r.inflight++
	r.maxInflight = max(r.maxInflight, r.inflight)
	r.mu.Unlock()
	a := r.respond(&h, n)
	defer func() {
		r.mu.Lock()
		r.inflight--
		h.Status = a.Status
		if a.Hang || a.Drop {
			h.Status = 0
		}
		r.hits = append(r.hits, h)
		r.mu.Unlock()
	}()
	if a.Hang {
		select {
		case <-req.Context().Done():
		case <-r.release:
		}
		a.Hang = false
		if req.Context().Err() != nil {
			return
		}
		// Released: answer as told, or 200.
		if a.Status == 0 {
			a.Status = 200
		}
		h.Status = a.Status
	}
	if a.Delay > 0 {
		time.Sleep(a.Delay)
	}
	if a.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	if a.Status == 0 {
		a.Status = 200
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
}

func (r *receiver) Hits() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.hits...)
}

// ok returns the requests answered with a 2xx.
func (r *receiver) ok() []hit {
	var out []hit
	for _, h := range r.Hits() {
		if h.Status >= 200 && h.Status < 300 {
			out = append(out, h)
		}
	}
	return out
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.hits)
}

func (r *receiver) MaxInflight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxInflight
}

func key(orderID int64, seq int) string { return fmt.Sprintf("%d/%d", orderID, seq) }
