package sqlitebench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const schema = `
CREATE TABLE orders (
	id INTEGER PRIMARY KEY,
	brand_id INTEGER NOT NULL,
	number TEXT NOT NULL UNIQUE,
	status INTEGER NOT NULL,
	total INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX orders_brand_id ON orders(brand_id, id);
CREATE TABLE stock (
	location_id INTEGER NOT NULL,
	product_id INTEGER NOT NULL,
	quantity INTEGER NOT NULL CHECK (quantity >= 0),
	PRIMARY KEY (location_id, product_id)
);
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES orders(id),
	type TEXT NOT NULL,
	payload TEXT NOT NULL
);
CREATE INDEX events_order_id ON events(order_id);
`

const (
	locations    = 10
	products     = 100
	brands       = 20
	seedOrders   = 10_000
	groupSize    = 16
	readPoolSize = 4
)

// body is a ~1 KiB JSON order document.
var body = func() string {
	var sb strings.Builder
	sb.WriteString(`{"customer":{"name":"Jane Example","email":"jane@example.com"},"lines":[`)
	for i := 0; sb.Len() < 1000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku":"SKU-%05d","qty":%d,"price":%d}`, i*37, i%3+1, 995+i)
	}
	sb.WriteString(`]}`)
	return sb.String()
}()

// openDB opens a fresh database file in b.TempDir() with the given pool
// size, creates the schema, seeds stock and checks the PRAGMAs took effect.
func openDB(b *testing.B, maxConns int) (*sql.DB, string) {
	b.Helper()
	if driverName == "" {
		b.Skip("build with -tags modernc, ncruces or mattn")
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	db := openPool(b, path, maxConns)
	if _, err := db.Exec(schema); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for l := range locations {
		for p := range products {
			if _, err := tx.Exec(`INSERT INTO stock VALUES (?, ?, ?)`, l, p, 1_000_000_000); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db, path
}

func openPool(b *testing.B, path string, maxConns int) *sql.DB {
	b.Helper()
	db, err := sql.Open(driverName, dsn(path))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(0)
	b.Cleanup(func() { db.Close() })
	checkPragmas(b, db)
	return db
}

func checkPragmas(b *testing.B, db *sql.DB) {
	b.Helper()
	want := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"busy_timeout": "5000",
		"foreign_keys": "1",
	}
	for p, w := range want {
		var got string
		if err := db.QueryRow("PRAGMA " + p).Scan(&got); err != nil {
			b.Fatal(err)
		}
		if got != w {
			b.Fatalf("PRAGMA %s = %q, want %q", p, got, w)
		}
	}
}

// writer holds one dedicated write connection and its prepared statements.
type writer struct {
	conn                                *sql.Conn
	begin, commit, savepoint, release   *sql.Stmt
	decrement, insertOrder, insertEvent *sql.Stmt
	rng                                 *rand.Rand
	seq                                 int
}

func newWriter(b *testing.B, db *sql.DB) *writer {
	b.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	prep := func(q string) *sql.Stmt {
		s, err := conn.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	return &writer{
		conn:      conn,
		begin:     prep(`BEGIN IMMEDIATE`),
		commit:    prep(`COMMIT`),
		savepoint: prep(`SAVEPOINT unit`),
		release:   prep(`RELEASE unit`),
		decrement: prep(`UPDATE stock SET quantity = quantity - 1
			WHERE location_id = ? AND product_id = ? AND quantity >= 1`),
		insertOrder: prep(`INSERT INTO orders (brand_id, number, status, total, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`),
		insertEvent: prep(`INSERT INTO events (order_id, type, payload) VALUES (?, ?, ?)`),
		rng:         rand.New(rand.NewPCG(1, 2)),
	}
}

// unit is the work of placing one order: reserve stock, insert the order
// and two events. It must run inside a transaction.
func (w *writer) unit() error {
	res, err := w.decrement.Exec(w.rng.IntN(locations), w.rng.IntN(products))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("stock decrement: rows=%d err=%v", n, err)
	}
	w.seq++
	res, err = w.insertOrder.Exec(w.seq%brands, orderNumber(w.seq), 1, 4990,
		body, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := w.insertEvent.Exec(id, "order.created", `{"status":1}`); err != nil {
		return err
	}
	_, err = w.insertEvent.Exec(id, "stock.reserved", `{"qty":1}`)
	return err
}

func orderNumber(i int) string { return fmt.Sprintf("ORD-%09d", i) }

// BenchmarkOrderTxSerial: one fsync'd transaction per order.
func BenchmarkOrderTxSerial(b *testing.B) {
	db, _ := openDB(b, 1)
	w := newWriter(b, db)
	b.ResetTimer()
	for range b.N {
		if _, err := w.begin.Exec(); err != nil {
			b.Fatal(err)
		}
		if err := w.unit(); err != nil {
			b.Fatal(err)
		}
		if _, err := w.commit.Exec(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrderTxGrouped: group commit of 16 orders per transaction, each
// in its own SAVEPOINT; ns/op is per order.
func BenchmarkOrderTxGrouped(b *testing.B) {
	db, _ := openDB(b, 1)
	w := newWriter(b, db)
	b.ResetTimer()
	for done := 0; done < b.N; {
		if _, err := w.begin.Exec(); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < groupSize && done < b.N; i++ {
			if _, err := w.savepoint.Exec(); err != nil {
				b.Fatal(err)
			}
			if err := w.unit(); err != nil {
				b.Fatal(err)
			}
			if _, err := w.release.Exec(); err != nil {
				b.Fatal(err)
			}
			done++
		}
		if _, err := w.commit.Exec(); err != nil {
			b.Fatal(err)
		}
	}
}

// seededReadPool returns a read pool of readPoolSize connections over a
// database holding seedOrders orders.
func seededReadPool(b *testing.B) *sql.DB {
	b.Helper()
	db, path := openDB(b, 1)
	w := newWriter(b, db)
	if _, err := w.begin.Exec(); err != nil {
		b.Fatal(err)
	}
	for range seedOrders {
		if err := w.unit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.commit.Exec(); err != nil {
		b.Fatal(err)
	}
	return openPool(b, path, readPoolSize)
}

// BenchmarkReadOrderByNumber: parallel point reads (4 goroutines on 4
// pooled connections) by the unique order number.
func BenchmarkReadOrderByNumber(b *testing.B) {
	rdb := seededReadPool(b)
	stmt, err := rdb.Prepare(`SELECT id, brand_id, status, total, body, created_at
		FROM orders WHERE number = ?`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	// 4 goroutines per GOMAXPROCS would oversubscribe the pool; aim for
	// readPoolSize goroutines in total.
	b.SetParallelism(max(1, readPoolSize/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		var (
			id, brand, status, total int64
			bd, created              string
		)
		for pb.Next() {
			n := orderNumber(rng.IntN(seedOrders) + 1)
			if err := stmt.QueryRow(n).Scan(&id, &brand, &status, &total, &bd, &created); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListOrders: the 50 latest orders of one brand.
func BenchmarkListOrders(b *testing.B) {
	rdb := seededReadPool(b)
	stmt, err := rdb.Prepare(`SELECT id, number, status, total, created_at
		FROM orders WHERE brand_id = ? ORDER BY id DESC LIMIT 50`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	var (
		id, status, total int64
		number, created   string
	)
	b.ResetTimer()
	for i := range b.N {
		rows, err := stmt.Query(i % brands)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&id, &number, &status, &total, &created); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
		if n != 50 {
			b.Fatalf("got %d rows, want 50", n)
		}
	}
}
