// Package sqlite is the embedded store, orderhub's default: one file, no
// server.
//
// Durability: WAL with synchronous=FULL, so a commit is on disk (fsync of the
// WAL) before Update returns and an acknowledged order survives power loss.
//
// Group commit: fsync is the cost of a commit, so all writes go through one
// writer goroutine that owns the only write connection. It takes every unit
// of work waiting at that moment (up to maxBatch), runs each inside its own
// SAVEPOINT within one BEGIN IMMEDIATE transaction, and commits them with a
// single fsync. A unit that fails is rolled back to its savepoint alone; the
// others commit. Under load the fsync is shared by the batch; alone, a unit
// commits at once (the writer never waits to fill a batch).
//
// Reads use a separate pool of read-only connections, which WAL lets run
// beside the writer. busy_timeout covers other processes (orderhub migrate)
// touching the same file.
//
// One server per data directory: serve holds an exclusive flock on
// DIR/orderhub.lock for its life (LockDir, lock.go); restore and
// migrate --to take it too and refuse while a server holds it; backup and
// the other commands work beside the server.
//
// Driver: modernc.org/sqlite, a cgo-free translation of SQLite, chosen by
// measurement (see tools/sqlitebench/README.md): a cgo-free static binary,
// and commit latency is dominated by fsync, which the drivers share.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/store/sqlstore"
)

// maxBatch bounds the units sharing one commit, so one slow batch cannot
// hold many callers.
const maxBatch = 64

// batchLimit is the batch bound a Store takes at Open. Tests and benchmarks
// lower it (1 turns group commit off) to measure what group commit buys.
var batchLimit = maxBatch

var dialect = &sqlstore.Dialect{
	Name:   "sqlite",
	Rebind: func(q string) string { return q },
	IsUniqueViolation: func(err error) bool {
		var se *sqlite.Error
		if errors.As(err, &se) {
			c := se.Code()
			return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
		}
		return false
	},
	ForUpdate:  "",
	SkipLocked: "",
}

// Store is the SQLite store.
type Store struct {
	*sqlstore.Queries // reads, on the read pool
	read              *sql.DB
	write             *sql.DB
	conn              *sql.Conn
	units             chan *unit
	maxBatch          int
	stop              chan struct{}
	done              chan struct{}
	closeOnce         sync.Once
	signals           store.Signals
	// readStmts and writeStmts keep the statements prepared on the read
	// pool and on the writer's connection.
	readStmts, writeStmts *sqlstore.StmtCache
}

type unit struct {
	ctx  context.Context
	fn   func(store.Tx) error
	errc chan error
}

// Path returns the database file inside a data directory.
func Path(dataDir string) string { return filepath.Join(dataDir, "orderhub.db") }

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	// temp_store(MEMORY): each unit runs in a savepoint, whose
	// sub-journal would otherwise be a temporary file written for every
	// page a unit changes.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "temp_store(MEMORY)"} {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the database file at path and applies
// migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The database holds token hashes and callback secrets: it is made
	// 0600 before SQLite opens it, and SQLite gives its -wal and -shm
	// files the database file's mode. An existing file keeps its mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	} else {
		f.Close()
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if _, err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	conn, err := write.Conn(ctx)
	if err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		conn.Close()
		write.Close()
		return nil, err
	}
	// WAL readers do not wait for the writer or each other; enough of
	// them that requests do not queue for a connection.
	n := max(8, runtime.NumCPU()*4)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	// Reads run without the caller's cancellation too: every one is an
	// index lookup or a bounded page (the query-plan tests hold them to
	// that), and a cancellable context costs database/sql and the driver
	// a watcher goroutine per statement.
	readStmts := sqlstore.NewStmtCache(read, true)
	s := &Store{
		Queries:    sqlstore.New(readStmts, dialect),
		readStmts:  readStmts,
		writeStmts: sqlstore.NewStmtCache(conn, true),
		read:       read,
		write:      write,
		conn:       conn,
		units:      make(chan *unit, maxBatch),
		maxBatch:   max(1, min(batchLimit, maxBatch)),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go s.writer()
	return s, nil
}

func migrate(ctx context.Context, db *sql.DB) (int, error) {
	return sqlstore.Migrate(ctx, db, func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) }, dialect)
}

// Migrate applies pending migrations to the file at path and reports how
// many it applied.
func Migrate(ctx context.Context, path string) (int, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return migrate(ctx, db)
}

// Dialect names the implementation.
func (s *Store) Dialect() string { return "sqlite" }

// Update queues fn for the writer and waits for its commit.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	fn = store.Fenced(ctx, fn) // a keyed request commits only while it holds its key
	u := &unit{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	select {
	case s.units <- u:
	case <-s.stop:
		return hub.Errorf(hub.CodeUnavailable, "store is closed")
	case <-ctx.Done():
		return &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled", Err: ctx.Err()}
	}
	// Once queued, the unit's outcome is decided by the writer: wait for
	// it even if ctx ends, so the caller never reports failure for a write
	// that committed.
	select {
	case err := <-u.errc:
		return err
	case <-s.done:
		select {
		case err := <-u.errc:
			return err
		default:
			return hub.Errorf(hub.CodeUnavailable, "store is closed")
		}
	}
}

// writer is the only goroutine that writes.
func (s *Store) writer() {
	defer close(s.done)
	for {
		var first *unit
		select {
		case first = <-s.units:
		case <-s.stop:
			// Finish what was queued before Close.
			for {
				select {
				case u := <-s.units:
					s.commit([]*unit{u})
				default:
					return
				}
			}
		}
		batch := []*unit{first}
	fill:
		for len(batch) < s.maxBatch {
			select {
			case u := <-s.units:
				batch = append(batch, u)
			default:
				break fill
			}
		}
		s.commit(batch)
	}
}

// commit runs a batch in one transaction, each unit in its own savepoint.
func (s *Store) commit(batch []*unit) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	var wrote store.Topic
	if _, err := s.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		for _, u := range batch {
			u.errc <- hub.Internal(err, "begin transaction")
		}
		return
	}
	ok := 0
	for i, u := range batch {
		var lost bool
		var w store.Topic
		lost, w, errs[i] = s.runUnit(u)
		if lost {
			// SQLite rolled the whole transaction back (an I/O error, a
			// full disk): the units before this one are gone too, and
			// the ones after it must not run outside a transaction, where
			// each savepoint would commit on its own. Report the lost
			// ones and give the rest a transaction of their own.
			s.conn.ExecContext(ctx, "ROLLBACK")
			for j := 0; j <= i; j++ {
				if errs[j] == nil {
					errs[j] = hub.Internal(errTxLost, "commit")
				}
				batch[j].errc <- errs[j]
			}
			if rest := batch[i+1:]; len(rest) > 0 {
				s.commit(rest)
			}
			return
		}
		if errs[i] == nil {
			ok++
			wrote |= w
		}
	}
	var commitErr error
	if ok > 0 {
		if _, err := s.conn.ExecContext(ctx, "COMMIT"); err != nil {
			commitErr = hub.Internal(err, "commit")
			s.conn.ExecContext(ctx, "ROLLBACK")
		}
	} else {
		s.conn.ExecContext(ctx, "ROLLBACK")
	}
	if commitErr == nil {
		s.signals.Notify(wrote)
	}
	for i, u := range batch {
		if errs[i] == nil {
			errs[i] = commitErr
		}
		u.errc <- errs[i]
	}
}

// Subscribe wakes the caller after each commit that wrote topic. SQLite is
// one process: another process writing the file (the CLI) wakes nobody,
// which the readers' polling covers.
func (s *Store) Subscribe(topic store.Topic) (<-chan struct{}, func()) {
	return s.signals.Subscribe(topic)
}

var errTxLost = errors.New("the database rolled back the transaction")

// runUnit runs one unit inside a savepoint, rolling back to it on error or
// panic. lost reports that the savepoint is gone: the database rolled back
// the whole transaction while the unit ran.
func (s *Store) runUnit(u *unit) (lost bool, wrote store.Topic, err error) {
	ctx := context.Background()
	if e := u.ctx.Err(); e != nil {
		return false, 0, &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled", Err: e}
	}
	if _, err := s.conn.ExecContext(ctx, "SAVEPOINT unit"); err != nil {
		return false, 0, hub.Internal(err, "savepoint")
	}
	defer func() {
		if r := recover(); r != nil {
			err = hub.Internal(fmt.Errorf("panic: %v", r), "unit of work panicked")
		}
		if err != nil {
			if _, rerr := s.conn.ExecContext(ctx, "ROLLBACK TO unit"); rerr != nil {
				lost = true
				return
			}
		}
		if _, rerr := s.conn.ExecContext(ctx, "RELEASE unit"); rerr != nil {
			lost = true
			if err == nil {
				err = hub.Internal(rerr, "release savepoint")
			}
		}
	}()
	q := s.Queries.Unit(s.writeStmts)
	if err = u.fn(q); err == nil {
		err = q.Finish(ctx)
	}
	return false, q.Wrote(), err
}

// The writer's statements (writeStmts) run without the caller's
// cancellation: SQLite answers an interrupted write inside a transaction
// by rolling back the whole transaction, which here holds the other units
// of the batch too. A unit's context is checked before it starts; once
// started, it runs to its end like any unit already queued.

// Close stops the writer after the queued units and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.writeStmts.Close()
		s.readStmts.Close()
		s.conn.Close()
		s.write.Close()
		s.read.Close()
	})
	return nil
}

// IsBusy reports a database-locked error (another process holds the file).
func IsBusy(err error) bool {
	return err != nil && strings.Contains(err.Error(), "SQLITE_BUSY")
}

// PoolStats reports the read pool and the write pool. The writer holds
// the write pool's one connection for as long as the store is open (units
// queue for it in the writer, not in the pool), so "write" shows one
// connection in use.
func (s *Store) PoolStats() []store.PoolStats {
	return []store.PoolStats{{Pool: "read", DBStats: s.read.Stats()}, {Pool: "write", DBStats: s.write.Stats()}}
}

// DB exposes the read pool (for tests that read the catalog).
func (s *Store) DB() *sql.DB { return s.read }

// Explain returns SQLite's query plan of a statement, one line per step
// ("SEARCH orders USING INDEX …", "SCAN events"), for the query-plan tests.
// It runs nothing.
func (s *Store) Explain(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
