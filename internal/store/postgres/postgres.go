// Package postgres is the store for several orderhub nodes on one
// PostgreSQL database, through pgx v5 (its database/sql adapter, so that the
// queries are the ones the SQLite store runs too).
//
// Concurrency between nodes: every unit of work is a READ COMMITTED
// transaction. Stock is taken with a conditional UPDATE (quantity >= n),
// which PostgreSQL re-checks on the newest row version after waiting for the
// row lock, so two nodes can never both take the last unit; a CHECK
// constraint backs it up. Order changes lock the order row (SELECT ... FOR
// UPDATE) and bump a version. A unit that hits a serialization failure or a
// deadlock is retried a few times, whole.
//
// Migrations take a session advisory lock so that nodes starting together
// apply them once.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/sqlstore"
)

// migrationLockID is the advisory lock key that serialises migrators.
const migrationLockID = 0x6f726465726875 // "orderhu"

var dialect = &sqlstore.Dialect{
	Name:   "postgres",
	Rebind: sqlstore.RebindDollar,
	IsUniqueViolation: func(err error) bool {
		var pe *pgconn.PgError
		return errors.As(err, &pe) && pe.Code == "23505"
	},
	ForUpdate:  " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	// Keyed by schema, so that stores in different schemas of one
	// database (tests) do not hold each other's dispatchers up.
	TryDispatchLock: `SELECT pg_try_advisory_xact_lock(1869767268, hashtext(current_schema()))`,
	DispatchLock:    `SELECT pg_advisory_xact_lock(1869767268, hashtext(current_schema()))`,
}

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Queries
	db      *sql.DB
	signals store.Signals
	// stopListen ends the LISTEN loop; listening is closed when it has.
	stopListen context.CancelFunc
	listening  chan struct{}
}

// Open connects to url (postgres://...) and applies migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if _, err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{Queries: sqlstore.New(db, dialect), db: db, listening: make(chan struct{})}
	lctx, stop := context.WithCancel(context.Background())
	s.stopListen = stop
	go s.listen(lctx, url)
	return s, nil
}

// Migrate applies pending migrations and reports how many it applied.
func Migrate(ctx context.Context, url string) (int, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return migrate(ctx, db)
}

func migrate(ctx context.Context, db *sql.DB) (int, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		return 0, fmt.Errorf("lock migrations: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	return sqlstore.Migrate(ctx, conn, func(ctx context.Context) (*sql.Tx, error) { return conn.BeginTx(ctx, nil) }, dialect)
}

// Dialect names the implementation.
func (s *Store) Dialect() string { return "postgres" }

// PoolStats reports the one pool ("main"; the LISTEN connection is
// outside it).
func (s *Store) PoolStats() []store.PoolStats {
	return []store.PoolStats{{Pool: "main", DBStats: s.db.Stats()}}
}

// DB exposes the pool (for LISTEN/NOTIFY and tests).
func (s *Store) DB() *sql.DB { return s.db }

// Update runs fn in a READ COMMITTED transaction, retrying the whole unit on
// serialization failures and deadlocks.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	fn = store.Fenced(ctx, fn) // a keyed request commits only while it holds its key
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt*10+rand.IntN(20)) * time.Millisecond):
			case <-ctx.Done():
				return &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled", Err: ctx.Err()}
			}
		}
		err = s.update(ctx, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return hub.Internal(err, "begin transaction")
	}
	defer func() {
		if r := recover(); r != nil {
			tx.Rollback()
			err = hub.Internal(fmt.Errorf("panic: %v", r), "unit of work panicked")
		}
	}()
	q := s.Queries.Unit(tx)
	if err := fn(q); err != nil {
		tx.Rollback()
		return err
	}
	if err := q.Finish(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return hub.Internal(err, "commit")
	}
	// This node wakes now; the others hear the NOTIFY the triggers send.
	s.signals.Notify(q.Wrote())
	return nil
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Close stops listening and closes the pool.
func (s *Store) Close() error {
	s.stopListen()
	<-s.listening
	return s.db.Close()
}

// Subscribe wakes the caller after each commit that wrote topic, on any
// node: this node's own units wake it at once, and the NOTIFY that the
// triggers of migration 0007 send at commit wakes it for the others'.
func (s *Store) Subscribe(topic store.Topic) (<-chan struct{}, func()) {
	return s.signals.Subscribe(topic)
}

// listen holds one connection of its own (outside the pool) LISTENing to
// orderhub_<schema>, and turns each notification into a wake-up. A lost
// connection is reopened after a pause; wake-ups missed meanwhile are
// covered by the readers' polling.
func (s *Store) listen(ctx context.Context, url string) {
	defer close(s.listening)
	for wait := time.Second; ctx.Err() == nil; {
		err := s.listenOnce(ctx, url)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres LISTEN connection lost; readers poll until it is back", "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{"orderhub_" + schema}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Payload {
		case "deliveries":
			s.signals.Notify(store.TopicDeliveries)
		case "dispatched":
			s.signals.Notify(store.TopicDispatched)
		case "config":
			s.signals.Notify(store.TopicConfig)
		}
	}
}

// Explain returns PostgreSQL's plan of a statement (EXPLAIN, text format)
// with sequential scans priced out (enable_seqscan off), so that a "Seq
// Scan" in it means that no index can serve the statement at all, whatever
// the table's size. It runs nothing.
func (s *Store) Explain(ctx context.Context, query string, args ...any) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		plan = append(plan, line)
	}
	return plan, rows.Err()
}
