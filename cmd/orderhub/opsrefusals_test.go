package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestDataDirLock: a serving orderhub owns its data directory: a second
// serve on it, restore (even --force) and migrate --to refuse while it
// runs; backup works beside it; once it stops, restore --force works.
func TestDataDirLock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	r := start(t, bin, nil, "--data", data, "--addr", "127.0.0.1:0")
	// Bounded: without the lock a second server would run on.
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	second, err := exec.CommandContext(ctx, bin, "serve", "--data", data, "--addr", "127.0.0.1:0").CombinedOutput()
	code, out := 0, string(second)
	if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
		code = ee.ExitCode()
	}
	if code != 1 || !strings.Contains(out, "another orderhub is serving "+data) || !strings.Contains(out, "orderhub.lock") {
		t.Fatalf("second serve: %d %s", code, out)
	}
	backupFile := filepath.Join(t.TempDir(), "b.db")
	if code, out := runBin(t, bin, "backup", "--data", data, "--to", backupFile); code != 0 {
		t.Fatalf("backup while serving: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "restore", "--data", data, "--from", backupFile, "--force"); code != 1 || !strings.Contains(out, "stop orderhub first") {
		t.Fatalf("restore --force while serving: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "migrate", "--data", data, "--to", "postgres://127.0.0.1:1/none"); code != 1 || !strings.Contains(out, "stop orderhub first") {
		t.Fatalf("migrate --to while serving: %d %s", code, out)
	}
	r.stop(t)
	if code, out := runBin(t, bin, "restore", "--data", data, "--from", backupFile, "--force"); code != 0 {
		t.Fatalf("restore --force after stop: %d %s", code, out)
	}
	// The lock went with the process: serve starts again.
	start(t, bin, nil, "--data", data, "--addr", "127.0.0.1:0").stop(t)
}

// TestFirstRunHints: a fresh install without --demo says at start how to
// make a dashboard login and a /hub/v1 token, and the login page how to
// make an admin; once both exist, the banner says nothing more.
func TestFirstRunHints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	r := start(t, bin, nil, "--data", data, "--addr", "127.0.0.1:0")
	base := r.addr(t)
	res, err := http.Get(base + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "<code>orderhub admin create NAME</code>") {
		t.Fatalf("login page: %d %s", res.StatusCode, page)
	}
	r.stop(t)
	out := r.stdout.String()
	if !strings.Contains(out, "No dashboard login yet: run `orderhub admin create NAME`") || !strings.Contains(out, base+"/ui/") ||
		!strings.Contains(out, "No /hub/v1 token yet: run `orderhub token create`") {
		t.Fatalf("first start printed:\n%s", out)
	}
	if code, out := runBin(t, bin, "admin", "create", "ops", "--data", data); code != 0 {
		t.Fatalf("admin create: %d %s", code, out)
	}
	r = start(t, bin, nil, "--data", data, "--addr", "127.0.0.1:0")
	r.stop(t)
	if out := r.stdout.String(); strings.Contains(out, "No dashboard login") || !strings.Contains(out, "No /hub/v1 token yet") {
		t.Fatalf("with an admin, no token:\n%s", out)
	}
	if code, out := runBin(t, bin, "token", "create", "--data", data); code != 0 {
		t.Fatalf("token create: %d %s", code, out)
	}
	r = start(t, bin, nil, "--data", data, "--addr", "127.0.0.1:0")
	r.stop(t)
	if out := r.stdout.String(); out != "" {
		t.Fatalf("with an admin and a token, serve printed:\n%s", out)
	}
}
