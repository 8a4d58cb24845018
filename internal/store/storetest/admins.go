// The dashboard's logins: sessions by the hash of their cookie, the failed
// login counters, admin credentials.

package storetest

import (
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func testAdminSessions(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &store.AdminSession{TokenHash: "hash-a", Username: "ana", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	b := &store.AdminSession{TokenHash: "hash-b", Username: "ana", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	c := &store.AdminSession{TokenHash: "hash-c", Username: "bo", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	update(t, s, func(tx store.Tx) error {
		for _, x := range []*store.AdminSession{a, b, c} {
			if err := tx.CreateAdminSession(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := s.GetAdminSession(ctx, "hash-a")
	if err != nil || *got != *a {
		t.Fatalf("GetAdminSession = %+v, %v; want %+v", got, err, a)
	}
	_, err = s.GetAdminSession(ctx, "nope")
	wantCode(t, err, hub.CodeNotFound)
	// The same hash twice is a clash, and the unit writes nothing.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateAdminSession(ctx, &store.AdminSession{TokenHash: "hash-a", Username: "eve", CreatedAt: now, ExpiresAt: now})
	})
	wantCode(t, err, hub.CodeConflict)
	if got, _ := s.GetAdminSession(ctx, "hash-a"); got.Username != "ana" {
		t.Fatalf("a clash overwrote the session: %+v", got)
	}
	// Stale: b has expired at now+2min; a and c have not.
	update(t, s, func(tx store.Tx) error { return tx.DeleteStaleLogins(ctx, now.Add(2*time.Minute), now) })
	if _, err := s.GetAdminSession(ctx, "hash-b"); hub.ErrorCode(err) != hub.CodeNotFound {
		t.Fatalf("expired session kept: %v", err)
	}
	var n int
	update(t, s, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteAdminSessions(ctx, "ana")
		return err
	})
	if n != 1 {
		t.Fatalf("DeleteAdminSessions(ana) = %d, want 1", n)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteAdminSession(ctx, "hash-c") })
	for _, h := range []string{"hash-a", "hash-c"} {
		if _, err := s.GetAdminSession(ctx, h); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Fatalf("%s kept: %v", h, err)
		}
	}
}

func testLoginFailures(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	window := 15 * time.Minute
	add := func(key string, at time.Time) int {
		t.Helper()
		var n int
		update(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.AddLoginFailure(ctx, key, at, at.Add(-window))
			return err
		})
		return n
	}
	if n, start, err := s.LoginFailures(ctx, "user:ana"); err != nil || n != 0 || !start.IsZero() {
		t.Fatalf("no failures yet = %d, %v, %v", n, start, err)
	}
	for i := 1; i <= 3; i++ {
		if n := add("user:ana", t0.Add(time.Duration(i)*time.Minute)); n != i {
			t.Fatalf("failure %d counted as %d", i, n)
		}
	}
	add("addr:10.0.0.1", t0)
	n, start, err := s.LoginFailures(ctx, "user:ana")
	if err != nil || n != 3 || !start.Equal(t0.Add(time.Minute)) {
		t.Fatalf("LoginFailures = %d, %v, %v; want 3 from t0+1m", n, start, err)
	}
	// Past the window a failure starts a new one.
	later := t0.Add(time.Minute + window)
	if n := add("user:ana", later); n != 1 {
		t.Fatalf("a failure after the window counted as %d, want 1", n)
	}
	if _, start, _ := s.LoginFailures(ctx, "user:ana"); !start.Equal(later) {
		t.Fatalf("new window starts %v, want %v", start, later)
	}
	update(t, s, func(tx store.Tx) error { return tx.ClearLoginFailures(ctx, "user:ana") })
	if n, _, _ := s.LoginFailures(ctx, "user:ana"); n != 0 {
		t.Fatalf("cleared key still has %d", n)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteStaleLogins(ctx, t0, t0.Add(time.Second)) })
	if n, _, _ := s.LoginFailures(ctx, "addr:10.0.0.1"); n != 0 {
		t.Fatalf("stale counter kept: %d", n)
	}
}

func testAdmins(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	bo := &store.Credential{Kind: store.CredAdminPassword, Lookup: "bo", SecretHash: "h1"}
	ana := &store.Credential{Kind: store.CredAdminPassword, Lookup: "ana", SecretHash: "h2"}
	key := &store.Credential{PartnerID: 1, BrandID: 1, Kind: store.CredAPIKey, Lookup: "k"}
	update(t, s, func(tx store.Tx) error {
		for _, c := range []*store.Credential{bo, ana, key} {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	list, err := s.ListAdmins(ctx)
	if err != nil || len(list) != 2 || list[0].Lookup != "ana" || list[1].Lookup != "bo" {
		t.Fatalf("ListAdmins = %+v, %v", list, err)
	}
	update(t, s, func(tx store.Tx) error { return tx.SetCredentialSecret(ctx, bo.ID, "h3") })
	if c, _ := s.CredentialByLookup(ctx, store.CredAdminPassword, "bo"); c.SecretHash != "h3" {
		t.Fatalf("secret not set: %+v", c)
	}
	wantCode(t, s.Update(ctx, func(tx store.Tx) error { return tx.SetCredentialSecret(ctx, 9999, "x") }), hub.CodeNotFound)
	update(t, s, func(tx store.Tx) error { return tx.DeleteCredential(ctx, bo.ID) })
	wantCode(t, s.Update(ctx, func(tx store.Tx) error { return tx.DeleteCredential(ctx, bo.ID) }), hub.CodeNotFound)
	if _, err := s.CredentialByLookup(ctx, store.CredAdminPassword, "bo"); hub.ErrorCode(err) != hub.CodeNotFound {
		t.Fatalf("deleted admin still found: %v", err)
	}
	// The name can be used again.
	update(t, s, func(tx store.Tx) error {
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAdminPassword, Lookup: "bo", SecretHash: "h4"})
	})
}
