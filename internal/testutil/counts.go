package testutil

import (
	"context"
	"database/sql"
	"testing"

	"orderhub/internal/store"
)

// Counts are the rows a change leaves behind: the cheap "nothing was
// written" check, compared before and after a refused request.
type Counts struct {
	Orders, History, Events, Stock, Balance, Partners, Products, Credentials int64
}

// dber is a store with its database handle (both stores have one).
type dber interface{ DB() *sql.DB }

// CountRows reads the counts of st in one statement: orders, their
// history, events, stock on hand, balance entries, partners, products
// and credentials.
func CountRows(tb testing.TB, st store.Store) Counts {
	tb.Helper()
	d, ok := st.(dber)
	if !ok {
		tb.Fatalf("store %T has no DB handle", st)
	}
	var c Counts
	err := d.DB().QueryRowContext(context.Background(), `SELECT
		(SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_history), (SELECT COUNT(*) FROM events),
		(SELECT COALESCE(SUM(quantity), 0) FROM stock), (SELECT COUNT(*) FROM partner_balance_entries),
		(SELECT COUNT(*) FROM partners), (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM credentials)`).
		Scan(&c.Orders, &c.History, &c.Events, &c.Stock, &c.Balance, &c.Partners, &c.Products, &c.Credentials)
	if err != nil {
		tb.Fatalf("counts: %v", err)
	}
	return c
}
