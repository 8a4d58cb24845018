// Package transfer copies an embedded (SQLite) orderhub database into an
// empty PostgreSQL one: `orderhub migrate --to postgres://…`, the way to
// several nodes once one machine is outgrown.
//
// Decisions:
//   - Both sides are migrated to this binary's schema first (opening either
//     store applies its migrations), so the tables and columns are the same
//     (internal/store's schema test holds the two dialects to that).
//   - The target must be empty: every table but schema_migrations and
//     config_version (both written by the migrations) must have no rows.
//     Copying into a database in use would mix two histories.
//   - Tables are copied parents first (the order of PostgreSQL's foreign
//     keys), rows with their ids as they are, in one PostgreSQL
//     transaction with COPY: a failure leaves the target as it was. Each
//     identity column's sequence then continues after the largest id.
//   - Values keep their meaning: times are Unix microseconds and documents
//     JSON text on both sides; a value SQLite returns as bytes for a text
//     column (or the reverse) is converted by the target column's type.
//   - Verification: after the copy, in the same transaction, each table's
//     row count on the target must equal the source's; otherwise nothing
//     is committed.
//   - The source must not change while it is copied: stop orderhub first
//     (or copy a backup: `orderhub backup`). The copy reads the source in
//     one read transaction, so even a live source gives one instant of it.
package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Table is one table's copy.
type Table struct {
	Name string
	Rows int64
}

// Report is what a copy did, table by table in copy order.
type Report struct {
	Tables []Table
}

// Rows is the number of rows copied.
func (r *Report) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Rows
	}
	return n
}

// written are the tables the migrations fill; they are not copied as rows
// (config_version's one row is set to the source's version).
var written = map[string]bool{"schema_migrations": true, "config_version": true}

type column struct {
	name, typ string
	identity  bool
}

// CheckTarget refuses, before anything is created there, a PostgreSQL
// database at url that holds a table the SQLite database src does not
// have (another application's, or another version's): migrating it first
// and refusing after would leave orderhub's tables behind in it.
func CheckTarget(ctx context.Context, src *sql.DB, url string) error {
	dst, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("open PostgreSQL: %w", err)
	}
	defer dst.Close()
	ours := map[string]bool{}
	rows, err := src.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return fmt.Errorf("read the source's tables: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		ours[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = dst.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return fmt.Errorf("read the target's tables: %w", err)
	}
	defer rows.Close()
	var foreign []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		if !ours[t] {
			foreign = append(foreign, t)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(foreign) > 0 {
		return fmt.Errorf("the target holds tables that are not orderhub's (%s): copy only into a new database", strings.Join(foreign, ", "))
	}
	return nil
}

// Copy copies every row of the SQLite database src into the PostgreSQL
// database dst, which must be empty.
func Copy(ctx context.Context, src, dst *sql.DB) (*Report, error) {
	tables, err := targetTables(ctx, dst)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s on the target: %w", t, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("the target is not empty: %s has %d rows (copy only into a new database)", t, n)
		}
	}
	// One read transaction on the source: one instant of it.
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer stx.Rollback()
	srcTables := map[string]bool{}
	rows, err := stx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, fmt.Errorf("read the source's tables: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		srcTables[name] = true
	}
	rows.Close()
	for _, t := range tables {
		if !srcTables[t] {
			return nil, fmt.Errorf("the source has no table %s: is it an orderhub database of this version?", t)
		}
	}

	conn, err := dst.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rep := &Report{}
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, t := range tables {
			cols, err := targetColumns(ctx, tx, t)
			if err != nil {
				return err
			}
			n, err := copyTable(ctx, stx, tx, t, cols)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			var got int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&got); err != nil {
				return err
			}
			if got != n {
				return fmt.Errorf("%s: %d rows read, %d on the target", t, n, got)
			}
			for _, c := range cols {
				if !c.identity {
					continue
				}
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE(MAX(`+
					pgx.Identifier{c.name}.Sanitize()+`), 0), 1), COALESCE(MAX(`+pgx.Identifier{c.name}.Sanitize()+`), 0) > 0) FROM `+
					pgx.Identifier{t}.Sanitize(), t, c.name); err != nil {
					return fmt.Errorf("continue the ids of %s: %w", t, err)
				}
			}
			rep.Tables = append(rep.Tables, Table{Name: t, Rows: n})
		}
		var version int64
		if err := stx.QueryRowContext(ctx, `SELECT version FROM config_version WHERE id = 1`).Scan(&version); err == nil {
			if _, err := tx.Exec(ctx, `UPDATE config_version SET version = $1 WHERE id = 1`, version); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// targetTables are the target's tables to copy, parents before the tables
// whose foreign keys name them.
func targetTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return nil, fmt.Errorf("read the target's tables: %w", err)
	}
	var all []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		if !written[t] {
			all = append(all, t)
		}
	}
	rows.Close()
	if len(all) == 0 {
		return nil, fmt.Errorf("the target has no orderhub tables")
	}
	parents := map[string][]string{}
	rows, err = db.QueryContext(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("read the target's foreign keys: %w", err)
	}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		parents[unquote(child)] = append(parents[unquote(child)], unquote(parent))
	}
	rows.Close()
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(t string) error
	visit = func(t string) error {
		switch state[t] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle at %s", t)
		case 2:
			return nil
		}
		state[t] = 1
		for _, p := range parents[t] {
			if p != t && slices.Contains(all, p) {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[t] = 2
		order = append(order, t)
		return nil
	}
	for _, t := range all {
		if err := visit(t); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// unquote drops the schema and quotes regclass text may carry.
func unquote(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Trim(s, `"`)
}

func targetColumns(ctx context.Context, tx pgx.Tx, table string) ([]column, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ, &c.identity); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// copyTable streams a table's rows from the source into the target with
// COPY and reports how many it read.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string, cols []column) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	quoted := make([]string, len(cols))
	for i, n := range names {
		quoted[i] = `"` + n + `"`
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+table+`"`)
	if err != nil {
		return 0, fmt.Errorf("read the source: %w", err)
	}
	defer rows.Close()
	in := &sourceRows{rows: rows, cols: cols, vals: make([]any, len(cols))}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{table}, names, in)
	if in.err != nil {
		return 0, in.err
	}
	if err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return n, nil
}

// sourceRows adapts the source's rows to pgx.CopyFromSource, converting
// each value to the target column's type.
type sourceRows struct {
	rows *sql.Rows
	cols []column
	vals []any
	err  error
}

func (s *sourceRows) Next() bool {
	if !s.rows.Next() {
		return false
	}
	ptrs := make([]any, len(s.vals))
	for i := range s.vals {
		ptrs[i] = &s.vals[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, c := range s.cols {
		v, err := convert(s.vals[i], c.typ)
		if err != nil {
			s.err = fmt.Errorf("column %s: %w", c.name, err)
			return false
		}
		s.vals[i] = v
	}
	return true
}

func (s *sourceRows) Values() ([]any, error) { return s.vals, s.err }
func (s *sourceRows) Err() error             { return s.err }

// convert turns a SQLite value into what the PostgreSQL column takes.
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "text", "character varying":
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case string:
			return x, nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	}
	return nil, fmt.Errorf("a %T cannot go into a %s column", v, typ)
}
