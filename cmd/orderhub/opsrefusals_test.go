package main

import (
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"orderhub/internal/testutil"
)

// TestMigrateToRefusals: an empty --to is refused (never a plain
// migrate), and a target holding another application's table is refused
// before anything is created in it.
func TestMigrateToRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	if code, out := runBin(t, bin, "migrate", "--data", data, "--to", ""); code != 2 || !strings.Contains(out, "--to must be a postgres:// URL") {
		t.Fatalf("migrate --to '': %d %s", code, out)
	}
	if code, out := runBin(t, bin, "migrate", "--data", data); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	pg := testutil.PostgresSchema(t)
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE widgets (id INT)`); err != nil {
		t.Fatal(err)
	}
	code, out := runBin(t, bin, "migrate", "--data", data, "--to", pg)
	if code != 1 || !strings.Contains(out, "not orderhub's (widgets)") {
		t.Fatalf("migrate into a foreign database: %d %s", code, out)
	}
	var tables []string
	rows, err := db.QueryContext(t.Context(), `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tables = append(tables, s)
	}
	rows.Close()
	if strings.Join(tables, ",") != "widgets" {
		t.Fatalf("the refused move left tables behind: %v", tables)
	}
}
