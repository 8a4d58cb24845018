package service_test

import (
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// TestAdmins: create (names and passwords checked, a taken name a
// conflict), list, passwd (ends the admin's sessions), remove (so does
// it; the name is free again), on both databases.
func TestAdmins(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clk := testutil.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		svc := service.New(st, service.WithClock(clk.Now))
		for _, c := range []struct {
			name, user, pass string
			field            string
		}{
			{"empty name", "", "long enough password", "username"},
			{"space in name", "ana maria", "long enough password", "username"},
			{"short password", "ana", "short", "password"},
		} {
			err := svc.CreateAdmin(ctx, c.user, c.pass)
			if e := hub.AsError(err); e.Code != hub.CodeInvalid || e.Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		for _, u := range []string{"bo", "ana"} {
			if err := svc.CreateAdmin(ctx, u, "first password!"); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.CreateAdmin(ctx, "ana", "another password"); hub.ErrorCode(err) != hub.CodeConflict {
			t.Errorf("a taken name: %v, want conflict", err)
		}
		list, err := svc.ListAdmins(ctx)
		if err != nil || len(list) != 2 || list[0].Username != "ana" || list[1].Username != "bo" || !list[0].CreatedAt.Equal(clk.Now()) {
			t.Fatalf("ListAdmins = %+v, %v", list, err)
		}
		login := func(user, pass string) (string, error) {
			return svc.Login(ctx, service.LoginInput{Username: user, Password: pass, Address: "192.0.2.1", TTL: time.Hour})
		}
		token, err := login("ana", "first password!")
		if err != nil {
			t.Fatal(err)
		}
		// Only the hash is stored: the token itself finds nothing.
		if _, err := st.GetAdminSession(ctx, token); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Errorf("the raw token is a stored key: %v", err)
		}
		if s, err := svc.Session(ctx, token); err != nil || s.Username != "ana" || !s.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("Session = %+v, %v", s, err)
		}
		if err := svc.SetAdminPassword(ctx, "ana", "second password"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, token); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Errorf("a session outlived the password change: %v", err)
		}
		if _, err := login("ana", "first password!"); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Errorf("the old password still works: %v", err)
		}
		if token, err = login("ana", "second password"); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetAdminPassword(ctx, "nobody", "second password"); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Errorf("passwd of nobody: %v", err)
		}
		if err := svc.RemoveAdmin(ctx, "ana"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, token); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Errorf("a removed admin's session lives: %v", err)
		}
		if err := svc.RemoveAdmin(ctx, "ana"); hub.ErrorCode(err) != hub.CodeNotFound {
			t.Errorf("removing twice: %v", err)
		}
		if err := svc.CreateAdmin(ctx, "ana", "third password!"); err != nil {
			t.Errorf("the name of a removed admin: %v", err)
		}
		// Expiry and logout.
		token, _ = login("bo", "first password!")
		clk.Add(time.Hour)
		if _, err := svc.Session(ctx, token); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Errorf("an expired session: %v", err)
		}
		token, _ = login("bo", "first password!")
		if err := svc.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, token); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Errorf("a logged-out session: %v", err)
		}
	})
}

// TestLoginThrottle: five wrong passwords lock the name (even the right
// one is refused, unchecked) for the rest of the window, twenty failures
// lock the address for every name, a success clears the name's count,
// and the window's end opens both, on both databases. The address's
// count is brought near its limit through the store, so that the test
// does not spend twenty password hashes.
func TestLoginThrottle(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clk := testutil.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		svc := service.New(st, service.WithClock(clk.Now))
		for _, u := range []string{"ana", "bo"} {
			if err := svc.CreateAdmin(ctx, u, "the right password"); err != nil {
				t.Fatal(err)
			}
		}
		try := func(user, pass, addr string) error {
			_, err := svc.Login(ctx, service.LoginInput{Username: user, Password: pass, Address: addr, TTL: time.Hour})
			return err
		}
		throttled := func(err error) bool {
			e := hub.AsError(err)
			return e.Code == hub.CodeForbidden && e.Reason == service.ReasonLoginThrottled && e.Details["retry_after"] != nil
		}
		// A success clears the name's count: four wrong, one right, four
		// wrong again is not yet five.
		for range 4 {
			if err := try("ana", "wrong", "192.0.2.1"); hub.ErrorCode(err) != hub.CodeUnauthorized {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if err := try("ana", "the right password", "192.0.2.1"); err != nil {
			t.Fatalf("the right password before the limit: %v", err)
		}
		for i := range 5 {
			if err := try("ana", "wrong", "192.0.2.2"); hub.ErrorCode(err) != hub.CodeUnauthorized {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		}
		clk.Add(time.Minute)
		// From the guessing address even the right password is refused,
		// unchecked.
		err := try("ana", "the right password", "192.0.2.2")
		if !throttled(err) {
			t.Fatalf("sixth try: %v, want throttled", err)
		}
		if e := hub.AsError(err); e.Details["retry_after"] != 14*60 || e.Message != "too many failed logins: try again in 14 min" {
			t.Errorf("throttled: %q, retry_after %v", e.Message, e.Details["retry_after"])
		}
		if n, _, _ := st.LoginFailures(ctx, "user:ana"); n != 5 {
			t.Errorf("a throttled try was counted: %d failures", n)
		}
		// From an address with no failure of its own the password is
		// checked: a guesser cannot lock ana out. Its one wrong guess makes
		// the name's lock hold there too; a clean address gets in.
		if err := try("ana", "wrong", "192.0.2.3"); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Fatalf("a wrong password from a clean address: %v", err)
		}
		if err := try("ana", "the right password", "192.0.2.3"); !throttled(err) {
			t.Fatalf("the locked name from an address that has failed: %v, want throttled", err)
		}
		if err := try("ana", "the right password", "192.0.2.4"); err != nil {
			t.Fatalf("the right password from a clean address: %v", err)
		}
		if n, _, _ := st.LoginFailures(ctx, "user:ana"); n != 0 {
			t.Errorf("the success left %d failures on the name", n)
		}
		// Another name is not locked by ana's failures.
		if err := try("bo", "the right password", "192.0.2.3"); err != nil {
			t.Errorf("bo while ana is locked: %v", err)
		}
		// The address: one short of its limit, then one more failure.
		if err := st.Update(ctx, func(tx store.Tx) error {
			for range service.LoginAddressFailures - 1 {
				if _, err := tx.AddLoginFailure(ctx, "addr:198.51.100.7", clk.Now(), clk.Now().Add(-service.LoginWindow)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := try("eve", "guess", "198.51.100.7"); hub.ErrorCode(err) != hub.CodeUnauthorized {
			t.Fatalf("an unknown name: %v", err)
		}
		if err := try("bo", "the right password", "198.51.100.7"); !throttled(err) {
			t.Errorf("bo from a locked address: %v, want throttled", err)
		}
		// The window's end opens both.
		clk.Add(service.LoginWindow)
		if err := try("ana", "the right password", "198.51.100.7"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

// TestPasswdUnlocksAccount: a name locked by failed logins is unlocked by
// a new password (as the lockout message promises) and by being created
// again after its removal; another name's and the address's counts stay.
// On both databases; the failures are added through the store.
func TestPasswdUnlocksAccount(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clk := testutil.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		svc := service.New(st, service.WithClock(clk.Now))
		fail := func(key string, n int) {
			t.Helper()
			if err := st.Update(ctx, func(tx store.Tx) error {
				for range n {
					if _, err := tx.AddLoginFailure(ctx, key, clk.Now(), clk.Now().Add(-service.LoginWindow)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		count := func(key string) int {
			t.Helper()
			n, _, err := st.LoginFailures(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		login := func(pass string) error {
			_, err := svc.Login(ctx, service.LoginInput{Username: "ana", Password: pass, Address: "192.0.2.9", TTL: time.Hour})
			return err
		}
		for _, u := range []string{"ana", "bo"} {
			if err := svc.CreateAdmin(ctx, u, "the first password"); err != nil {
				t.Fatal(err)
			}
		}
		fail("user:bo", 2)
		fail("addr:192.0.2.1", 3)
		fail("addr:192.0.2.9", 1) // the address ana logs in from has failed: the name's lock holds there

		fail("user:ana", service.LoginAccountFailures)
		if err := login("the first password"); hub.AsError(err).Reason != service.ReasonLoginThrottled {
			t.Fatalf("locked: %v", err)
		}
		if err := svc.SetAdminPassword(ctx, "ana", "the second password"); err != nil {
			t.Fatal(err)
		}
		if n := count("user:ana"); n != 0 {
			t.Errorf("after passwd: %d failures", n)
		}
		if err := login("the second password"); err != nil {
			t.Errorf("the new password after passwd: %v", err)
		}

		fail("user:ana", service.LoginAccountFailures)
		if err := svc.RemoveAdmin(ctx, "ana"); err != nil {
			t.Fatal(err)
		}
		if err := svc.CreateAdmin(ctx, "ana", "the third password"); err != nil {
			t.Fatal(err)
		}
		if n := count("user:ana"); n != 0 {
			t.Errorf("after remove and create: %d failures", n)
		}
		if err := login("the third password"); err != nil {
			t.Errorf("the new admin's password: %v", err)
		}
		if a, b := count("user:bo"), count("addr:192.0.2.1"); a != 2 || b != 3 {
			t.Errorf("other counts changed: bo %d, address %d", a, b)
		}
	})
}
