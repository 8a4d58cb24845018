package sqlite

// Internal tests of the group commit: they hold the writer so that a known
// set of units lands in one batch.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "orderhub.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// holdWriter occupies the writer with a unit until the returned function
// is called, so that units queued meanwhile share the next batch.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, done := make(chan struct{}), make(chan struct{})
	go s.Update(context.Background(), func(store.Tx) error { close(started); <-done; return nil })
	<-started
	return func() { close(done) }
}

// queue starts one Update per fn and waits until all are queued.
func queue(t *testing.T, s *Store, ctx context.Context, fns ...func(store.Tx) error) []chan error {
	t.Helper()
	out := make([]chan error, len(fns))
	for i, fn := range fns {
		out[i] = make(chan error, 1)
		go func() { out[i] <- s.Update(ctx, fn) }()
		// One at a time, so that the batch keeps the order given.
		deadline := time.Now().Add(5 * time.Second)
		for len(s.units) != i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("unit %d was not queued", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return out
}

func createBrand(name string) func(store.Tx) error {
	return func(tx store.Tx) error {
		return tx.CreateBrand(context.Background(), &hub.Brand{Name: name, Currency: "KRW"})
	}
}

func brandNames(t *testing.T, s *Store) string {
	t.Helper()
	bs, err := s.ListBrands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return strings.Join(names, ",")
}

// TestBatchIsolatesFailures puts succeeding, failing, panicking and
// constraint-violating units into one batch.
func TestBatchIsolatesFailures(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	dupe := func(tx store.Tx) error {
		if err := tx.CreateBrand(ctx, &hub.Brand{Name: "dupe", Currency: "KRW"}); err != nil {
			return err
		}
		return tx.CreateCredential(ctx, &store.Credential{Kind: store.CredAPIKey, Lookup: "same"})
	}
	release := holdWriter(t, s)
	res := queue(t, s, ctx,
		createBrand("a"),
		func(tx store.Tx) error { createBrand("x1")(tx); return errors.New("no") },
		dupe,
		createBrand("b"),
		func(tx store.Tx) error { createBrand("x2")(tx); panic("boom") },
		dupe,
		createBrand("c"),
	)
	release()
	want := []string{"", "no", "", "", "panic", "credential already exists", ""}
	for i, c := range res {
		err := <-c
		if (want[i] == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want[i])) {
			t.Errorf("unit %d: %v, want %q", i, err, want[i])
		}
	}
	if got := brandNames(t, s); got != "a,dupe,b,c" {
		t.Fatalf("stored brands %q, want a,dupe,b,c", got)
	}
}

// TestLostTransactionMidBatch simulates SQLite rolling back the whole
// transaction while a unit runs (as it does on an I/O error or a full
// disk): the units before it are reported lost, the ones after it are
// committed in a transaction of their own and reported as such.
func TestLostTransactionMidBatch(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	release := holdWriter(t, s)
	res := queue(t, s, ctx,
		createBrand("before"),
		func(tx store.Tx) error {
			createBrand("victim")(tx)
			s.conn.ExecContext(ctx, "ROLLBACK") // what SQLite does on SQLITE_FULL/IOERR
			return errors.New("disk full")
		},
		createBrand("after1"),
		func(tx store.Tx) error { createBrand("x")(tx); return errors.New("no") },
		createBrand("after2"),
	)
	release()
	errs := make([]error, len(res))
	for i, c := range res {
		errs[i] = <-c
	}
	if errs[0] == nil || errs[1] == nil || errs[2] != nil || errs[3] == nil || errs[4] != nil {
		t.Fatalf("outcomes %v", errs)
	}
	if got := brandNames(t, s); got != "after1,after2" {
		t.Fatalf("stored brands %q, want after1,after2 (exactly the units reported committed)", got)
	}
	// The writer goes on.
	if err := s.Update(ctx, createBrand("later")); err != nil {
		t.Fatal(err)
	}
}

// TestCancelDuringWriteKeepsBatch cancels a unit's context while its long
// write runs. SQLite would answer an interrupt by rolling back the whole
// batch transaction, so the writer does not interrupt: the other units of
// the batch, before and after, commit and say so.
func TestCancelDuringWriteKeepsBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	s, _ := openTest(t)
	ctx := context.Background()
	// Client credentials with many tokens each: revoking one updates its
	// tokens in one long statement.
	const rounds, tokens = 3, 5000
	var parents []int64
	err := s.Update(ctx, func(tx store.Tx) error {
		for r := range rounds {
			c := &store.Credential{Kind: store.CredClient, Lookup: fmt.Sprint("client", r)}
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
			parents = append(parents, c.ID)
			// The writer's own connection, inside this unit: one fast
			// statement instead of many inserts.
			if _, err := s.conn.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				INSERT INTO credentials (kind, lookup, parent_id, created_at) SELECT 'access_token', ? || i, ?, 0 FROM n`,
				tokens, fmt.Sprint("t", r, "-"), c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for round := range rounds {
		bctx, cancel := context.WithCancel(ctx)
		release := holdWriter(t, s)
		var took time.Duration
		res := queue(t, s, ctx,
			createBrand(fmt.Sprint("before", round)),
			func(tx store.Tx) error {
				time.AfterFunc(time.Duration(1+round)*time.Millisecond, cancel)
				start := time.Now()
				defer func() { took = time.Since(start) }()
				return tx.RevokeCredential(bctx, parents[round], time.Now())
			},
			createBrand(fmt.Sprint("after", round)),
		)
		release()
		for i, c := range res {
			if err := <-c; err != nil {
				t.Errorf("round %d unit %d: %v", round, i, err)
			}
		}
		cancel()
		t.Logf("round %d: the revoke took %v", round, took)
	}
	if got := brandNames(t, s); got != "before0,after0,before1,after1,before2,after2" {
		t.Fatalf("stored brands %q", got)
	}
}

// TestStockCheckConstraint writes a negative quantity past the store: the
// schema refuses it.
func TestStockCheckConstraint(t *testing.T) {
	s, path := openTest(t)
	ctx := context.Background()
	var loc, prod int64
	err := s.Update(ctx, func(tx store.Tx) error {
		b := &hub.Brand{Name: "b", Currency: "KRW"}
		if err := tx.CreateBrand(ctx, b); err != nil {
			return err
		}
		l := &hub.Location{BrandID: b.ID, Code: "c", Name: "c", Timezone: "UTC"}
		if err := tx.CreateLocation(ctx, l); err != nil {
			return err
		}
		p := &hub.Product{BrandID: b.ID, Name: hub.I18n{"en": "p"}}
		if err := tx.CreateProduct(ctx, p); err != nil {
			return err
		}
		loc, prod = l.ID, p.ID
		q := int64(1)
		return tx.SetStock(ctx, l.ID, p.ID, &q)
	})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE stock SET quantity = quantity - 2 WHERE location_id = ? AND product_id = ?`,
		`UPDATE stock SET quantity = -1 WHERE location_id = ? AND product_id = ?`,
	} {
		if _, err := db.ExecContext(ctx, q, loc, prod); err == nil || !strings.Contains(err.Error(), "CHECK") {
			t.Errorf("%s: %v, want a CHECK constraint failure", q, err)
		}
	}
	if q, err := s.GetStock(ctx, loc, prod); err != nil || q == nil || *q != 1 {
		t.Fatalf("stock = %v, %v; want 1", q, err)
	}
}
