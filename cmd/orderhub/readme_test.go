package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"orderhub/internal/hub"
)

// readmeBlock is the first ```sh block after a README heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no heading %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("README %q has no sh block", heading)
	}
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatalf("README %q: the sh block does not end", heading)
	}
	return block
}

// TestReadmeFirstOrder runs README's "Your first order in one minute" as
// written (bash, curl, jq) against the real binary on a fresh demo, with
// the base URL and the credentials file replaced by this run's: every
// command must succeed (curl -f, jq -e), twice, and the orders must be in
// the database afterwards, two per door, the /hub/v1 ones completed.
func TestReadmeFirstOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is needed to run the README's commands (CI installs it)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	block := readmeBlock(t, "## Your first order in one minute")
	const readmeBase, readmeCreds = "http://127.0.0.1:8080", "data/demo-credentials.json"
	if !strings.Contains(block, "B="+readmeBase) || !strings.Contains(block, "C="+readmeCreds) {
		t.Fatalf("the block no longer sets B=%s and C=%s:\n%s", readmeBase, readmeCreds, block)
	}

	bin := buildBinary(t)
	data := t.TempDir()
	r := start(t, bin, []string{"ORDERHUB_DATA=" + data}, "--demo", "--addr", "127.0.0.1:0")
	base := r.addr(t)
	creds := filepath.Join(data, "demo-credentials.json")
	script := strings.NewReplacer("B="+readmeBase, "B="+base, "C="+readmeCreds, "C="+creds).Replace(block)

	// Twice: a reader runs it again, and the partners' ids must not clash.
	var out []byte
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
		cmd.Dir = t.TempDir()
		var err error
		if out, err = cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of the README's commands failed: %v\n%s", run, err, out)
		}
	}

	var c struct {
		Hub   struct{ Token string }
		Admin struct{ Password string }
	}
	raw, err := os.ReadFile(creds)
	if err != nil || json.Unmarshal(raw, &c) != nil {
		t.Fatalf("demo credentials: %v %s", err, raw)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), c.Admin.Password) {
		t.Errorf("the last line is not the admin password:\n%s", out)
	}
	status, body, _ := call(t, "GET", base+"/hub/v1/orders", c.Hub.Token, "")
	if status != 200 {
		t.Fatalf("orders: %d %v", status, body)
	}
	channels := map[string]int{}
	for _, o := range body["data"].([]any) {
		o := o.(map[string]any)
		channels[o["channel"].(string)]++
		if o["channel"] == "hub" && o["status"] != float64(hub.StatusCompleted) {
			t.Errorf("the /hub/v1 order is in status %v, want completed (by the platform client)", o["status"])
		}
	}
	want := map[string]int{"hub": 2, "tableorder": 2, "kakao": 2, "junglebook": 2}
	if len(channels) != len(want) {
		t.Fatalf("orders by channel %v, want %v", channels, want)
	}
	for ch, n := range want {
		if channels[ch] != n {
			t.Fatalf("orders by channel %v, want %v", channels, want)
		}
	}
	r.stop(t)
}
