package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"orderhub/internal/store"
	"orderhub/internal/store/postgres"
	"orderhub/internal/store/sqlite"
)

// ForEachSharedStore runs fn as a subtest per configured database, like
// ForEachStore, for tests that need several stores on one database (two
// nodes, or a restart after a crash): each call of open opens another store
// on the same fresh database, closed (and the database dropped) when the
// test ends. Closing a store early is allowed.
func ForEachSharedStore(t *testing.T, fn func(t *testing.T, open func() store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "orderhub.db")
		fn(t, func() store.Store {
			t.Helper()
			st, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open sqlite: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
	if PostgresURL(t) == "" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		u := PostgresSchema(t)
		fn(t, func() store.Store {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			st, err := postgres.Open(ctx, u)
			if err != nil {
				t.Fatalf("open postgres store: %v", err)
			}
			closed := false
			t.Cleanup(func() {
				if !closed {
					st.Close()
				}
			})
			return &onceCloser{Store: st, closed: &closed}
		})
	})
}

// onceCloser lets a test close a PostgreSQL store early without the
// cleanup closing it again.
type onceCloser struct {
	*postgres.Store
	closed *bool
}

func (c *onceCloser) Close() error {
	if *c.closed {
		return nil
	}
	*c.closed = true
	return c.Store.Close()
}

// PostgresSchema creates a new schema in the test database, dropped when
// tb ends, and returns a URL whose connections use it. It skips tb when no
// database is configured (and fails it under CI=true).
func PostgresSchema(tb testing.TB) string {
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
	// Registered first, so it runs after the stores opened later close.
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	return u
}
