package bench

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// receiver is the webhook endpoint of the delivery figures: an HTTP server
// in the bench process that notes when each order's order.created event
// first arrives (deliveries are at least once: repeats are counted apart).
type receiver struct {
	srv  *http.Server
	url  string
	mu   sync.Mutex
	seen map[int64]time.Time // order id → first receipt
	// want, when set, is signalled once every id in it has arrived.
	want    map[int64]bool
	missing int
	all     chan struct{}
	dups    int
	bad     int
	last    time.Time
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{seen: map[int64]time.Time{}, url: "http://" + ln.Addr().String() + "/hook"}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Order struct {
				ID int64 `json:"id"`
			} `json:"order"`
		} `json:"data"`
	}
	if err == nil {
		err = json.Unmarshal(b, &ev)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil || ev.Data.Order.ID == 0 {
		r.bad++
		w.WriteHeader(http.StatusOK) // not the engine's fault: do not make it retry
		return
	}
	id := ev.Data.Order.ID
	if _, ok := r.seen[id]; ok {
		r.dups++
	} else {
		r.seen[id] = now
		r.last = now
		if r.want != nil && r.want[id] {
			r.missing--
			if r.missing == 0 {
				close(r.all)
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// expect arms the receiver for a set of order ids and returns a channel
// closed once all of them have arrived (ids already seen count).
func (r *receiver) expect(ids []int64) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.want = make(map[int64]bool, len(ids))
	r.all = make(chan struct{})
	r.missing = 0
	for _, id := range ids {
		if _, ok := r.seen[id]; !ok && !r.want[id] {
			r.missing++
		}
		r.want[id] = true
	}
	if r.missing == 0 {
		close(r.all)
	}
	return r.all
}

// received returns the first receipt time of an order.
func (r *receiver) received(id int64) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.seen[id]
	return t, ok
}

// count reports how many of ids have arrived, and the latest first receipt.
func (r *receiver) count(ids []int64) (n int, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if t, ok := r.seen[id]; ok {
			n++
			if t.After(last) {
				last = t
			}
		}
	}
	return n, last
}

func (r *receiver) stats() (dups, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups, r.bad
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
