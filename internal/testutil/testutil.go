// Package testutil opens fresh stores for tests: SQLite always, PostgreSQL
// when ORDERHUB_TEST_DATABASE_URL is set. Every call gives an empty
// database of its own (a file in t.TempDir(), or a new PostgreSQL schema
// dropped when the test ends), so tests never see each other's rows.
//
// CI must not silently skip PostgreSQL: with CI=true and no URL, asking for
// PostgreSQL fails the test instead of skipping it.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"orderhub/internal/netguard"
	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
)

// PostgresEnv names the variable holding the test database URL.
const PostgresEnv = "ORDERHUB_TEST_DATABASE_URL"

// PostgresURL returns the test database URL, or "" when PostgreSQL tests
// should be skipped. Under CI=true a missing URL fails tb.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" && os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not set but CI=true: PostgreSQL tests must run in CI", PostgresEnv)
	}
	return u
}

// Stores returns an opener per configured database: "sqlite" always,
// "postgres" when ORDERHUB_TEST_DATABASE_URL is set (and a failure under
// CI=true when it is not). Each call of an opener returns a fresh, empty
// store that is closed (and dropped) when the test ends.
func Stores(tb testing.TB) map[string]func(*testing.T) store.Store {
	tb.Helper()
	m := map[string]func(*testing.T) store.Store{
		"sqlite": func(t *testing.T) store.Store { return OpenSQLite(t) },
	}
	if PostgresURL(tb) != "" {
		m["postgres"] = func(t *testing.T) store.Store { return OpenPostgres(t) }
	}
	return m
}

// ForEachStore runs fn as a subtest per configured database, each with a
// fresh store.
func ForEachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Helper()
	stores := Stores(t)
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := stores[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) { fn(t, open(t)) })
	}
}

// OpenSQLite opens a fresh SQLite store in a temporary directory.
func OpenSQLite(tb testing.TB) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "orderhub.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// OpenPostgres opens a store on a new schema of the test database, and
// drops the schema when the test ends. It skips tb when no database is
// configured (and fails it under CI=true).
func OpenPostgres(tb testing.TB) *postgres.Store {
	tb.Helper()
	base := PostgresURL(tb)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	}
	u, err := withSearchPath(base, schema)
	if err != nil {
		drop()
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	st, err := postgres.Open(ctx, u)
	if err != nil {
		drop()
		tb.Fatalf("open postgres store: %v", err)
	}
	tb.Cleanup(func() {
		st.Close()
		drop()
	})
	return st
}

// withSearchPath adds search_path as a connection parameter: pgx passes
// parameters it does not know to the server as run-time parameters. Both
// URL and key=value forms are accepted.
func withSearchPath(dsn, schema string) (string, error) {
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// DispatchAll gives every undispatched event its dispatch sequence number,
// as the delivery engine's dispatcher does (without creating deliveries),
// so that readers of the outbox by seq (/hub/v1/events, the live view) see
// them in tests that run no engine.
func DispatchAll(tb testing.TB, st store.Store) {
	tb.Helper()
	ctx := context.Background()
	for range 1000 {
		n := 0
		err := st.Update(ctx, func(tx store.Tx) error {
			evs, err := tx.ClaimUndispatchedEvents(ctx, 500)
			if err != nil {
				return err
			}
			ids := make([]int64, len(evs))
			for i, e := range evs {
				ids[i] = e.ID
			}
			n = len(ids)
			return tx.MarkEventsDispatched(ctx, ids, time.Now())
		})
		if err != nil {
			tb.Fatalf("dispatch events: %v", err)
		}
		if n == 0 {
			return
		}
	}
	tb.Fatal("DispatchAll: events keep coming")
}

// Outbound is the outbound-address policy of tests (service.WithOutbound,
// delivery.Config.Outbound): their receivers are httptest servers on
// 127.0.0.1, which the default policy refuses (internal/netguard).
var Outbound = netguard.Policy{AllowPrivate: true}
