package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// eventPage is how many events a poll reads at once; a poll reads at most
// maxPages of them before it lets the next tick continue.
const (
	eventPage = 500
	maxPages  = 20
)

type notice struct {
	id         int64
	OrderID    int64         `json:"order_id"`
	LocationID int64         `json:"location_id"`
	Type       hub.EventType `json:"type"`
}

// events is GET /ui/events?brand=N: Server-Sent Events, one "order" event
// per changed order of the brand (every brand without ?brand=).
func (h *Handler) events(w http.ResponseWriter, r *http.Request, s *session) {
	brandID, ok := queryID(r.URL.Query(), "brand")
	if !ok {
		http.Error(w, "bad brand", http.StatusBadRequest)
		return
	}
	select {
	case h.streams <- struct{}{}:
		defer func() { <-h.streams }()
	default:
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many live streams", http.StatusServiceUnavailable)
		return
	}
	ctx := r.Context()
	var after int64
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id >= 0 {
		after = id
	} else if after, err = h.svc.Store().LastEventSeq(ctx); err != nil {
		h.log.ErrorContext(ctx, "live view", "error", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}

	rc := http.NewResponseController(w)
	// The server's ReadTimeout would end the stream (the connection's
	// background read fails and cancels the request); its WriteTimeout is
	// renewed before each write instead.
	_ = rc.SetReadDeadline(time.Time{})
	write := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if !write("retry: 3000\n: live\n\n") {
		return
	}

	// New events wake the stream as soon as they are dispatched (on any
	// node, through the store); the poll is the fallback.
	woken, unsubscribe := h.svc.Store().Subscribe(store.TopicDispatched)
	defer unsubscribe()
	poll := time.NewTicker(h.cfg.PollInterval)
	defer poll.Stop()
	beat := time.NewTicker(h.cfg.Heartbeat)
	defer beat.Stop()
	check := time.NewTicker(h.cfg.SessionCheck)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.cfg.Shutdown:
			return
		case <-check.C:
			// Logout, a new password or the admin's removal end the
			// session; the stream ends with it (one primary-key read).
			if h.sessionEnded(r, s) {
				write("event: ended\ndata: signed out\n\n")
				return
			}
			continue
		case <-beat.C:
			if !write(": heartbeat\n\n") {
				return
			}
			continue
		case <-woken:
		case <-poll.C:
		}
		var ns []notice
		var err error
		ns, after, err = h.changes(r, brandID, after)
		if err != nil {
			if ctx.Err() == nil {
				h.log.ErrorContext(ctx, "live view", "error", err)
			}
			continue
		}
		for _, n := range ns {
			data, _ := json.Marshal(n)
			if !write("id: %d\nevent: order\ndata: %s\n\n", n.id, data) {
				return
			}
		}
	}
}

// sessionEnded reports whether a stream's session is gone. A failed read
// (the database away for a moment) keeps the stream: the next check tries
// again.
func (h *Handler) sessionEnded(r *http.Request, s *session) bool {
	_, err := h.svc.Session(r.Context(), s.token)
	if err != nil && hub.ErrorCode(err) != hub.CodeUnauthorized {
		if r.Context().Err() == nil {
			h.log.ErrorContext(r.Context(), "live view session check", "error", err)
		}
		return false
	}
	return err != nil
}

// changes reads the events after a cursor and returns one notice per order
// of the brand that changed (its last event), in event order, and the new
// cursor.
func (h *Handler) changes(r *http.Request, brandID, after int64) ([]notice, int64, error) {
	var all []notice
	for range maxPages {
		var evs []store.Event
		var err error
		if brandID == 0 {
			evs, err = h.svc.Store().ListEvents(r.Context(), after, eventPage)
		} else {
			evs, err = h.svc.Store().ListBrandEvents(r.Context(), brandID, after, eventPage)
		}
		if err != nil {
			return nil, after, err
		}
		for _, e := range evs {
			after = e.Seq
			if e.OrderID != 0 && (brandID == 0 || e.BrandID == brandID) {
				all = append(all, notice{id: e.Seq, OrderID: e.OrderID, LocationID: e.LocationID, Type: e.Type})
			}
		}
		if len(evs) < eventPage {
			break
		}
	}
	// Keep each order's last notice only.
	seen := map[int64]bool{}
	var out []notice
	for i := len(all) - 1; i >= 0; i-- {
		if !seen[all[i].OrderID] {
			seen[all[i].OrderID] = true
			out = append(out, all[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, after, nil
}
