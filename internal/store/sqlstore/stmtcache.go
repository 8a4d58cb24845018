package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Preparer is a Querier that can prepare statements (*sql.DB, *sql.Conn).
type Preparer interface {
	Querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// maxCachedStatements bounds a StmtCache. The queries are a fixed set but
// for IN lists and optional filters, whose variants are few in practice;
// past the bound a statement runs unprepared.
const maxCachedStatements = 512

// StmtCache is a Querier that prepares each statement once and reuses it.
// Parsing and planning a statement costs SQLite (modernc, pure Go) more
// than running a point lookup, so the SQLite store runs every statement
// through one (pgx caches prepared statements per connection itself).
// Statements prepared on a *sql.DB are re-prepared by database/sql on
// each pool connection as needed; on a *sql.Conn they belong to it.
type StmtCache struct {
	p Preparer
	// noCancel runs statements without the caller's cancellation (the
	// SQLite writer: see sqlite.Store).
	noCancel bool
	mu       sync.Mutex
	stmts    map[string]*sql.Stmt
}

// NewStmtCache caches statements prepared on p; with noCancel they run
// without the caller's cancellation.
func NewStmtCache(p Preparer, noCancel bool) *StmtCache {
	return &StmtCache{p: p, noCancel: noCancel, stmts: map[string]*sql.Stmt{}}
}

func (c *StmtCache) ctx(ctx context.Context) context.Context {
	if c.noCancel {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns the prepared statement of query, preparing it the first
// time; nil when it cannot be cached (then the caller runs it as is, and
// sees any error there).
func (c *StmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStatements
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.p.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

func (c *StmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.p.ExecContext(ctx, query, args...)
}

func (c *StmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.p.QueryContext(ctx, query, args...)
}

func (c *StmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = c.ctx(ctx)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.p.QueryRowContext(ctx, query, args...)
}

// Close closes the prepared statements.
func (c *StmtCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
