package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"orderhub/internal/store/schema"
)

// Migrate applies the migrations (package schema, rendered for d) not yet
// recorded in schema_migrations, each in its own transaction together with
// its record, and returns how many it applied. The caller serialises
// concurrent migrators (SQLite's single writer; an advisory lock on
// PostgreSQL).
func Migrate(ctx context.Context, db Querier, begin func(context.Context) (*sql.Tx, error), d *Dialect) (int, error) {
	migrations, err := schema.Migrations(d.Name)
	if err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(applied) > len(migrations) {
		return 0, fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade orderhub", len(applied), len(migrations))
	}
	n := 0
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		tx, err := begin(ctx)
		if err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return n, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return n, fmt.Errorf("commit migration %s: %w", m.Name, err)
		}
		n++
	}
	return n, nil
}
