package httpx_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// TestIdempotencySecretNotKept: an answer marked as holding a secret is not
// stored; the same key again gets 409 and runs nothing, and the record
// keeps no body.
func TestIdempotencySecretNotKept(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		var runs atomic.Int32
		h := httpx.Idempotency(st, "test", slog.New(slog.NewTextHandler(io.Discard, nil)), conflict,
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				runs.Add(1)
				httpx.MarkSecret(w)
				httpx.WriteJSON(w, http.StatusCreated, map[string]string{"secret": "ohs_do-not-keep-me"})
			}))
		send := func() *httptest.ResponseRecorder {
			r := httptest.NewRequest("POST", "/keys", strings.NewReader(`{}`))
			r.Header.Set("Idempotency-Key", "s1")
			r.Header.Set("Authorization", "Bearer x")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		if w := send(); w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), "ohs_do-not-keep-me") || w.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("first: %d %s %v", w.Code, w.Body, w.Header())
		}
		if w := send(); w.Code != http.StatusConflict || strings.Contains(w.Body.String(), "ohs_") || runs.Load() != 1 {
			t.Fatalf("retry: %d %s runs=%d, want 409 without the secret and one run", w.Code, w.Body, runs.Load())
		}
		// The key stays used, but its record keeps no answer.
		sum := sha256.Sum256([]byte("Bearer x"))
		rec, err := st.GetIdempotency(context.Background(), "test:"+hex.EncodeToString(sum[:16]), "s1")
		if err != nil || len(rec.Body) != 0 || rec.Status != http.StatusCreated {
			t.Fatalf("record %+v %v", rec, err)
		}
	})
}
