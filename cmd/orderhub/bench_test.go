package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"orderhub/internal/bench"
	"orderhub/internal/testutil"
)

// TestBenchQuick runs `orderhub bench --quick` end to end against the
// built binary, on SQLite and (with ORDERHUB_TEST_DATABASE_URL) on
// PostgreSQL: it must exit 0, every figure must have sent requests with no
// error on either server, and the JSON must hold every figure. Nothing
// here looks at how fast anything was.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole quick benchmark (about a minute)")
	}
	bin := buildBinary(t)
	dbs := map[string]string{"sqlite": ""}
	if u := testutil.PostgresURL(t); u != "" {
		dbs["postgres"] = u
	}
	for name, url := range dbs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "bench.json")
			args := []string{"bench", "--quick", "--json", out, "--data", filepath.Join(dir, "data")}
			if url != "" {
				args = append(args, "--database-url", url)
			}
			cmd := exec.Command(bin, args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("orderhub bench --quick: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var rep bench.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			checkReport(t, &rep, url != "")
			if !strings.Contains(stdout.String(), "ratio") {
				t.Errorf("no table on stdout:\n%s", stdout.String())
			}
		})
	}
}

func checkReport(t *testing.T, rep *bench.Report, postgres bool) {
	t.Helper()
	if !rep.OK || rep.Errors != 0 || len(rep.Problems) > 0 {
		t.Fatalf("report: ok %v, %d errors, problems %v", rep.OK, rep.Errors, rep.Problems)
	}
	if want := map[bool]string{false: "sqlite", true: "postgres"}[postgres]; rep.Meta.Database != want {
		t.Errorf("database %q, want %q", rep.Meta.Database, want)
	}
	var names []string
	for _, f := range rep.Figures {
		names = append(names, f.Name)
		// Sent: answered within the window, or still in flight when it
		// closed (the scale figure of a slow build may answer none).
		if f.Requests+f.Unfinished == 0 || f.Errors != 0 {
			t.Errorf("%s: %d requests, %d unfinished, %d errors %v", f.Name, f.Requests, f.Unfinished, f.Errors, f.Samples)
		}
		if f.Ceiling.Requests == 0 || f.Ceiling.Errors != 0 || f.Ceiling.RPS <= 0 {
			t.Errorf("%s ceiling: %d requests, %d errors", f.Name, f.Ceiling.Requests, f.Ceiling.Errors)
		}
		if f.BodyBytes == 0 && !strings.HasPrefix(f.Name, "menu") {
			t.Errorf("%s: no request body", f.Name)
		}
	}
	for _, p := range []string{"qr", "kakao", "junglebook", "hub", "menu", "menu-etag", "confirm", "cook", "complete", "scale"} {
		if !slices.Contains(names, p) {
			t.Errorf("no %s figure in %v", p, names)
		}
	}
	if d := rep.Delivery; d == nil || d.Sent == 0 || d.PostErrors != 0 || d.Delivered == 0 {
		t.Errorf("delivery figure: %+v", d)
	}
	if d := rep.Drain; d == nil || d.Events == 0 || d.Received == 0 {
		t.Errorf("drain figure: %+v", d)
	}
	if s := rep.Scale; s == nil || s.OrdersStored < 10000 {
		t.Errorf("scale: %+v", s)
	}
	if rep.Setup == nil || rep.Setup.Products != 1000 || rep.Setup.Locations != 10 || rep.Setup.MenuItems != 200 {
		t.Errorf("setup: %+v", rep.Setup)
	}
	if rep.PeakRSSMaxKB <= 0 || len(rep.PeakRSS) != 4 {
		t.Errorf("peak RSS: %d KB over %v", rep.PeakRSSMaxKB, rep.PeakRSS)
	}
}
