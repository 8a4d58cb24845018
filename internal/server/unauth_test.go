package server

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// writeCounter is a store that counts the writes a request could leave
// behind for an idempotency key: claims of a replay record and orders
// (intake keeps its key on the order row).
type writeCounter struct {
	store.Store
	claims, orders atomic.Int64
}

func (s *writeCounter) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(countingTx{Tx: tx, s: s}) })
}

type countingTx struct {
	store.Tx
	s *writeCounter
}

func (tx countingTx) ClaimIdempotency(ctx context.Context, r *store.IdempotencyRecord, now time.Time, ttl time.Duration) (*store.IdempotencyRecord, error) {
	tx.s.claims.Add(1)
	return tx.Tx.ClaimIdempotency(ctx, r, now, ttl)
}

func (tx countingTx) CreateOrder(ctx context.Context, o *hub.Order, doc []byte, key, hash string) error {
	tx.s.orders.Add(1)
	return tx.Tx.CreateOrder(ctx, o, doc, key, hash)
}

// TestUnauthenticatedWritesNothing: every write operation of the API
// description (every surface, every protocol of the registry), sent with
// an idempotency key (Idempotency-Key and KS-Client-Request-Id) and no
// credentials or wrong ones, claims no replay record and stores no order,
// not even for a moment: the replay layer runs after authentication
// (DESIGN.md §10). It used to run first, so such requests wrote rows.
func TestUnauthenticatedWritesNothing(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		counter := &writeCounter{Store: st}
		svc := service.New(counter, Protocols().Option())
		srv := httptest.NewServer(Handler(Config{Version: "test"}, svc, quietLog()))
		t.Cleanup(srv.Close)
		if _, err := demo.Load(t.Context(), svc, srv.URL, Protocols()); err != nil {
			t.Fatal(err)
		}
		claims, orders := counter.claims.Load(), counter.orders.Load()
		events, _ := st.ListEventsByID(t.Context(), 0, store.MaxPage)

		paths, _ := loadDoc(t, Protocols())["paths"].(map[string]any)
		sent := 0
		for _, path := range slices.Sorted(maps.Keys(paths)) {
			ops, _ := paths[path].(map[string]any)
			for _, method := range []string{"post", "put", "patch", "delete"} {
				if _, ok := ops[method]; !ok {
					continue
				}
				for _, auth := range []string{"", "Bearer ohh_wrong", "Basic b2hjX3dyb25nOm9oc193cm9uZw==", "KakaoAK ohk_wrong"} {
					req, err := http.NewRequest(strings.ToUpper(method), srv.URL+fill(path), strings.NewReader(`{"number": "1", "quantity": 1}`))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", "unauth-"+method+path)
					req.Header.Set("KS-Client-Request-Id", "unauth-"+method+path)
					if auth != "" {
						req.Header.Set("Authorization", auth)
					}
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					sent++
					if n := counter.claims.Load(); n != claims {
						t.Fatalf("%s %s (%q): %d %s claimed a replay record", method, path, auth, res.StatusCode, res.Status)
					}
					if n := counter.orders.Load(); n != orders {
						t.Fatalf("%s %s (%q): %d stored an order", method, path, auth, res.StatusCode)
					}
				}
			}
		}
		if sent < 40 {
			t.Fatalf("only %d requests sent: the document's write operations were not found", sent)
		}
		if after, _ := st.ListEventsByID(t.Context(), 0, store.MaxPage); len(after) != len(events) {
			t.Fatalf("%d events written by unauthenticated requests", len(after)-len(events))
		}
	})
}
