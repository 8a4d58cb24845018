// Idempotency: claiming, finishing, releasing and expiring replay records.

package storetest

import (
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testIdempotency(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	now := base()
	ttl := 24 * time.Hour
	_, err := s.GetIdempotency(ctx, "partner:1", "k1")
	wantCode(t, err, hub.CodeNotFound)
	lease := func(d time.Duration) *time.Time { u := now.Add(d); return &u }
	claim := func(r store.IdempotencyRecord, at time.Time) *store.IdempotencyRecord {
		t.Helper()
		var held *store.IdempotencyRecord
		update(t, s, func(tx store.Tx) error {
			var err error
			held, err = tx.ClaimIdempotency(ctx, &r, at, ttl)
			return err
		})
		return held
	}
	get := func(scope, key string) *store.IdempotencyRecord {
		t.Helper()
		r, err := s.GetIdempotency(ctx, scope, key)
		if err != nil {
			t.Fatalf("GetIdempotency(%s, %s): %v", scope, key, err)
		}
		return r
	}
	// The first attempt claims the key.
	a := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "a", LeaseUntil: lease(time.Minute)}
	if held := claim(a, now); held != nil {
		t.Fatalf("first claim found %+v", held)
	}
	if got := get("partner:1", "k1"); got.Status != 0 || got.RequestHash != "h1" || got.Owner != "a" ||
		!got.LeaseUntil.Equal(*a.LeaseUntil) || !got.CreatedAt.Equal(now) || len(got.Body) != 0 {
		t.Fatalf("in-progress record = %+v", got)
	}
	// A concurrent attempt, same request or not, finds it held while the
	// lease lives.
	for _, h := range []string{"h1", "h2"} {
		b := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: h, Owner: "b", LeaseUntil: lease(2 * time.Minute)}
		if held := claim(b, now.Add(30*time.Second)); held == nil || held.Owner != "a" {
			t.Fatalf("claim of a held key (%s) = %+v", h, held)
		}
	}
	// Same key in another scope is independent.
	if held := claim(store.IdempotencyRecord{Scope: "partner:2", Key: "k1", RequestHash: "other", Owner: "c"}, now); held != nil {
		t.Fatalf("another scope: %+v", held)
	}
	// Renewed, the lease outlives its first end; only by its owner.
	update(t, s, func(tx store.Tx) error {
		return tx.RenewIdempotency(ctx, "partner:1", "k1", "a", now.Add(3*time.Minute))
	})
	update(t, s, func(tx store.Tx) error { return tx.RenewIdempotency(ctx, "partner:1", "k1", "z", now.Add(time.Hour)) })
	if got := get("partner:1", "k1"); !got.LeaseUntil.Equal(now.Add(3 * time.Minute)) {
		t.Fatalf("renewed lease = %v", got.LeaseUntil)
	}
	b := store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "b", LeaseUntil: lease(5 * time.Minute)}
	if held := claim(b, now.Add(2*time.Minute)); held == nil {
		t.Fatal("a renewed lease was taken over")
	}
	// Past the lease: another request is still refused (it is not a
	// retry of the same one), the same request takes the key over.
	late := now.Add(3*time.Minute + time.Microsecond)
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h2", Owner: "x"}, late); held == nil || held.Owner != "a" {
		t.Fatalf("another request took an abandoned key over: %+v", held)
	}
	if held := claim(b, late); held != nil {
		t.Fatalf("the same request could not take an abandoned key over: %+v", held)
	}
	if got := get("partner:1", "k1"); got.Owner != "b" || !got.LeaseUntil.Equal(*b.LeaseUntil) {
		t.Fatalf("taken over: %+v", got)
	}
	// The loser can no longer finish, renew or release it; the owner
	// finishes it, and then it is held for good.
	body := []byte("{\"ok\":true,\"bytes\":\"\x00\xff\"}")
	update(t, s, func(tx store.Tx) error {
		return tx.FinishIdempotency(ctx, &store.IdempotencyRecord{Scope: "partner:1", Key: "k1", Owner: "a", Status: 500})
	})
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "partner:1", "k1", "a") })
	if got := get("partner:1", "k1"); got.Status != 0 || got.Owner != "b" {
		t.Fatalf("the old owner changed the record: %+v", got)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.FinishIdempotency(ctx, &store.IdempotencyRecord{Scope: "partner:1", Key: "k1", Owner: "b", Status: 201,
			ContentType: "application/json", Body: body})
	})
	got := get("partner:1", "k1")
	if got.Status != 201 || got.ContentType != "application/json" || string(got.Body) != string(body) || got.RequestHash != "h1" || got.LeaseUntil != nil {
		t.Fatalf("finished record = %+v", got)
	}
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h1", Owner: "d"}, late.Add(time.Hour)); held == nil || held.Status != 201 {
		t.Fatalf("a finished key was claimed again: %+v", held)
	}
	// Released (a failed attempt gives its key back), it starts afresh.
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "partner:2", "k1", "c") })
	_, err = s.GetIdempotency(ctx, "partner:2", "k1")
	wantCode(t, err, hub.CodeNotFound)
	if held := claim(store.IdempotencyRecord{Scope: "partner:2", Key: "k1", RequestHash: "h9", Owner: "e"}, now); held != nil {
		t.Fatalf("after a release: %+v", held)
	}
	// Past the replay window a finished record no longer holds its key.
	if held := claim(store.IdempotencyRecord{Scope: "partner:1", Key: "k1", RequestHash: "h7", Owner: "f"}, now.Add(ttl+time.Hour)); held != nil {
		t.Fatalf("an expired record still holds its key: %+v", held)
	}
	if got := get("partner:1", "k1"); got.Status != 0 || got.RequestHash != "h7" || got.Owner != "f" || len(got.Body) != 0 {
		t.Fatalf("claimed after expiry: %+v", got)
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseIdempotency(ctx, "nope", "nope", "nope") })
}
