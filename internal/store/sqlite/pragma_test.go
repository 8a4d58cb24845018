package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPragmasOnEveryConnection checks that the DSN applies the durability
// pragmas on every connection of both pools, not only on the first: the
// writer connection, several read connections held at once (so each is a
// new one), and the pool orderhub migrate opens.
func TestPragmasOnEveryConnection(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	check := func(name string, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}, wantQueryOnly int) {
		t.Helper()
		var synchronous, fk, queryOnly int
		var mode string
		for p, dst := range map[string]any{"synchronous": &synchronous, "journal_mode": &mode,
			"foreign_keys": &fk, "query_only": &queryOnly} {
			if err := q.QueryRowContext(ctx, "PRAGMA "+p).Scan(dst); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, p, err)
			}
		}
		// synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
		if synchronous != 2 || mode != "wal" || fk != 1 || queryOnly != wantQueryOnly {
			t.Errorf("%s: synchronous=%d journal_mode=%s foreign_keys=%d query_only=%d, want 2 wal 1 %d",
				name, synchronous, mode, fk, queryOnly, wantQueryOnly)
		}
	}
	check("writer", s.conn, 0)

	conns := make([]*sql.Conn, 4)
	for i := range conns {
		c, err := s.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	for _, c := range conns {
		check("reader", c, 1)
	}

	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	check("migrate", db, 0)
}
