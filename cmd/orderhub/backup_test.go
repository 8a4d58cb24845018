package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/demo"
	"orderhub/internal/testutil"
)

// addr waits for the "orderhub listening" log line and returns its URL.
func (r *running) addr(t *testing.T) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line := <-r.logs.ch:
			if i := strings.Index(line, "addr="); i >= 0 && strings.Contains(line, "orderhub listening") {
				return "http://" + strings.Fields(line[i+len("addr="):])[0]
			}
		case <-deadline:
			t.Fatal("no listening address in the log")
		}
	}
}

func orderCount(t *testing.T, base, token string) int {
	t.Helper()
	n, cursor := 0, ""
	for range 100 {
		status, body, _ := call(t, "GET", base+"/hub/v1/orders?brand_id=1&limit=500"+cursor, token, "")
		if status != 200 {
			t.Fatalf("orders: %d %v", status, body)
		}
		n += len(body["data"].([]any))
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return n
		}
		cursor = "&cursor=" + next
	}
	t.Fatal("too many pages")
	return 0
}

func runBin(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// TestBackupRestoreAndMove: the real binary takes a backup while it serves
// orders, the backup restores into a new data directory that serves what
// it held, and the stopped database moves into PostgreSQL with every order.
func TestBackupRestoreAndMove(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	// Orders go in as fast as the test can send them: no rate limit.
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0", "--rate-limit", "0")
	raw, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var creds demo.Credentials
	json.Unmarshal(raw, &creds)
	base, token := creds.BaseURL, creds.Hub.Token

	// Orders keep coming while the backup is taken.
	var placed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 400 { // bounded
			select {
			case <-stop:
				return
			default:
			}
			status, body, _ := call(t, "POST", base+"/hub/v1/orders", token,
				fmt.Sprintf(`{"brand_id": 1, "location_id": 1, "external_ref": "bk-%d", "lines": [{"product": "P004", "quantity": 1}]}`, i))
			if status != 201 {
				t.Errorf("order %d: %d %v", i, status, body)
				return
			}
			placed.Add(1)
		}
	})
	for placed.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	backupFile := filepath.Join(t.TempDir(), "orderhub-backup.db")
	code, out := runBin(t, bin, "backup", "--data", data, "--to", backupFile)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "backup", "--data", data, "--to", backupFile); code != 1 || !strings.Contains(out, "exists") {
		t.Fatalf("backup over a file: %d %s", code, out)
	}
	if code, _ := runBin(t, bin, "backup", "--data", data); code != 2 {
		t.Fatalf("backup without --to: %d", code)
	}
	live := orderCount(t, base, token)
	r.stop(t)

	restored := t.TempDir()
	if code, out := runBin(t, bin, "restore", "--from", filepath.Join(data, "demo-credentials.json"), "--data", restored); code != 1 ||
		!strings.Contains(out, "not a SQLite database") && !strings.Contains(out, "integrity") {
		t.Fatalf("restore from a file that is no backup: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "restore", "--from", backupFile, "--data", restored); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "restore", "--from", backupFile, "--data", restored); code != 1 || !strings.Contains(out, "--force") {
		t.Fatalf("restore over a database: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "restore", "--from", backupFile, "--data", restored, "--force"); code != 0 {
		t.Fatalf("restore --force: %d %s", code, out)
	}
	r2 := start(t, bin, []string{"ORDERHUB_DATA=" + restored}, "--addr", "127.0.0.1:0")
	n := orderCount(t, r2.addr(t), token)
	r2.stop(t)
	if n < 20 || n > live {
		t.Fatalf("the backup serves %d orders; %d were placed before it began, %d in all", n, 20, live)
	}
	t.Logf("backup taken with %d of %d orders", n, live)

	// Move the original (stopped) database into PostgreSQL.
	if testutil.PostgresURL(t) == "" {
		return
	}
	pg := testutil.PostgresSchema(t)
	code, out = runBin(t, bin, "migrate", "--data", data, "--to", pg)
	if code != 0 || !strings.Contains(out, "row counts verified") {
		t.Fatalf("migrate --to: %d %s", code, out)
	}
	if code, out := runBin(t, bin, "migrate", "--data", data, "--to", pg); code != 1 || !strings.Contains(out, "not empty") {
		t.Fatalf("migrate into a database in use: %d %s", code, out)
	}
	r3 := start(t, bin, []string{"ORDERHUB_DATABASE_URL=" + pg}, "--addr", "127.0.0.1:0")
	base3 := r3.addr(t)
	if got := orderCount(t, base3, token); got != live {
		t.Fatalf("PostgreSQL serves %d orders, want %d", got, live)
	}
	status, body, _ := call(t, "POST", base3+"/hub/v1/orders", token,
		`{"brand_id": 1, "location_id": 1, "lines": [{"product": "P004", "quantity": 1}]}`)
	if status != 201 {
		t.Fatalf("an order on the moved database: %d %v", status, body)
	}
	r3.stop(t)
}
