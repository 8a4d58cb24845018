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
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

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
}

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Queries
	db *sql.DB
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
	return &Store{Queries: sqlstore.New(db, dialect), db: db}, nil
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
	ms, err := sqlstore.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		return 0, fmt.Errorf("lock migrations: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockID)
	return sqlstore.Migrate(ctx, conn, func(ctx context.Context) (*sql.Tx, error) { return conn.BeginTx(ctx, nil) }, dialect, ms)
}

// Dialect names the implementation.
func (s *Store) Dialect() string { return "postgres" }

// DB exposes the pool (for LISTEN/NOTIFY and tests).
func (s *Store) DB() *sql.DB { return s.db }

// Update runs fn in a READ COMMITTED transaction, retrying the whole unit on
// serialization failures and deadlocks.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
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
	q := sqlstore.New(tx, dialect)
	q.Now = s.Queries.Now
	if err := fn(q); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return hub.Internal(err, "commit")
	}
	return nil
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }
