package httpx_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"orderhub/internal/httpx"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

func conflict(w http.ResponseWriter, r *http.Request, status int, msg string) {
	httpx.WriteJSON(w, status, map[string]string{"error": msg})
}

// TestIdempotencyClientGone: the client gives up (its request context ends)
// while the first request runs, which still completes; its retry with the
// same key replays the first answer instead of "in progress" (or running
// the change twice).
func TestIdempotencyClientGone(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		var runs atomic.Int32
		var cancel context.CancelFunc
		h := httpx.Idempotency(st, "test", slog.New(slog.NewTextHandler(io.Discard, nil)), conflict,
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := runs.Add(1)
				if cancel != nil {
					cancel() // the client goes away; the change has been made
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"run":`+strconv.Itoa(int(n))+`}`)
			}))
		send := func(ctx context.Context) *httptest.ResponseRecorder {
			r := httptest.NewRequestWithContext(ctx, "POST", "/things", strings.NewReader(`{"a":1}`))
			r.Header.Set("Idempotency-Key", "k1")
			r.Header.Set("Authorization", "Bearer x")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		var ctx context.Context
		ctx, cancel = context.WithCancel(context.Background())
		if w := send(ctx); w.Code != http.StatusCreated {
			t.Fatalf("first: %d %s", w.Code, w.Body)
		}
		cancel = nil
		w := send(context.Background())
		if w.Code != http.StatusCreated || w.Body.String() != `{"run":1}` || w.Header().Get("Idempotent-Replayed") != "true" || runs.Load() != 1 {
			t.Fatalf("retry after the client left: %d %s replayed=%q runs=%d, want the first answer replayed",
				w.Code, w.Body, w.Header().Get("Idempotent-Replayed"), runs.Load())
		}
	})
}
