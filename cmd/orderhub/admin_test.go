package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
	"orderhub/internal/testutil"
)

// TestAdminCommand: `orderhub admin create|passwd|list|remove` on SQLite
// (--data) and PostgreSQL (--database-url): the happy paths, --output
// json, a generated password printed once; usage mistakes exit 2 and
// refusals 1, each saying why, and neither writes anything.
func TestAdminCommand(t *testing.T) {
	ctx := context.Background()
	type target struct {
		name string
		flag []string
		open func(t *testing.T) store.Store
	}
	dir := t.TempDir()
	targets := []target{{"sqlite", []string{"--data", dir}, func(t *testing.T) store.Store {
		st, err := sqlite.Open(ctx, sqlite.Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}}}
	if testutil.PostgresURL(t) != "" {
		u := testutil.PostgresSchema(t)
		targets = append(targets, target{"postgres", []string{"--database-url", u}, func(t *testing.T) store.Store {
			st, err := postgres.Open(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}})
	}
	pwFile := func(t *testing.T, content string) string {
		p := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			cli := func(args ...string) (int, string, string) {
				var out, errb strings.Builder
				code := run(ctx, append(append([]string{"admin"}, args...), tg.flag...), &out, &errb)
				return code, out.String(), errb.String()
			}
			// Migrate first, so that state() can read an empty database.
			if code, _, errs := cli("list"); code != 0 {
				t.Fatalf("list on an empty database: %d %s", code, errs)
			}
			state := func() string {
				st := tg.open(t)
				defer st.Close()
				cs, err := st.ListAdmins(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, c := range cs {
					b.WriteString(c.Lookup + ":" + c.SecretHash + "\n")
				}
				return b.String()
			}
			login := func(user, pass string) error {
				st := tg.open(t)
				defer st.Close()
				return service.New(st).AuthenticateAdmin(ctx, user, pass)
			}
			good := pwFile(t, "a long enough password\n")
			if code, out, errs := cli("create", "ana", "--password-file", good); code != 0 || out != "admin ana created\n" {
				t.Fatalf("create: %d %q %s", code, out, errs)
			}
			if err := login("ana", "a long enough password"); err != nil {
				t.Fatalf("ana cannot log in: %v", err)
			}
			// No password given: one is made and printed once.
			code, out, errs := cli("create", "bo")
			pw := strings.TrimPrefix(strings.Split(strings.TrimSpace(out), "\n")[1], "password (shown once): ")
			if code != 0 || len(pw) != 20 || login("bo", pw) != nil {
				t.Fatalf("create with a made password: %d %q %s", code, out, errs)
			}
			code, out, _ = cli("list", "--output", "json")
			var list []service.Admin
			if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0].Username != "ana" || list[1].Username != "bo" ||
				time.Since(list[0].CreatedAt) > time.Minute || strings.Contains(out, "pbkdf2") {
				t.Fatalf("list --output json: %d %s", code, out)
			}
			if code, out, _ := cli("list"); code != 0 || !strings.HasPrefix(out, "USERNAME") || !strings.Contains(out, "\nana ") {
				t.Errorf("list: %d %q", code, out)
			}

			before := state()
			for _, c := range []struct {
				args []string
				code int
				why  string
			}{
				{[]string{}, 2, "Usage"},
				{[]string{"rename", "ana"}, 2, "Usage"},
				{[]string{"create"}, 2, "Usage"},
				{[]string{"create", "a", "b"}, 2, "Usage"},
				{[]string{"list", "extra"}, 2, `unexpected argument "extra"`},
				{[]string{"list", "--output", "xml"}, 2, "--output must be table or json"},
				{[]string{"create", "cy", "--password-file", filepath.Join(dir, "missing")}, 2, "--password-file"},
				{[]string{"create", "cy", "--password-file", pwFile(t, "\n")}, 2, "the first line is empty"},
				{[]string{"create", "ana", "--password-file", good}, 1, `admin "ana" already exists`},
				{[]string{"create", "c y", "--password-file", good}, 1, "username: may hold only"},
				{[]string{"create", "cy", "--password-file", pwFile(t, "short")}, 1, "password: must be at least 12 characters"},
				{[]string{"passwd", "nobody", "--password-file", good}, 1, `there is no admin "nobody"`},
				{[]string{"passwd", "ana", "--password-file", pwFile(t, "short")}, 1, "password: must be at least 12"},
				{[]string{"remove", "nobody"}, 1, `there is no admin "nobody"`},
			} {
				code, _, errs := cli(c.args...)
				if code != c.code || !strings.Contains(errs, c.why) {
					t.Errorf("admin %v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.why)
				}
			}
			if after := state(); after != before {
				t.Errorf("refused commands wrote:\nbefore %s\nafter  %s", before, after)
			}

			if code, out, errs := cli("passwd", "ana", "--password-file", pwFile(t, "the new password")); code != 0 || !strings.Contains(out, "password changed") {
				t.Fatalf("passwd: %d %q %s", code, out, errs)
			}
			if login("ana", "a long enough password") == nil || login("ana", "the new password") != nil {
				t.Error("passwd did not replace the password")
			}
			if code, out, _ := cli("remove", "bo"); code != 0 || out != "admin bo removed; the admin's sessions ended\n" {
				t.Errorf("remove: %d %q", code, out)
			}
			if login("bo", pw) == nil {
				t.Error("a removed admin can log in")
			}
		})
	}
}
