package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The deployment files and the operator guide name flags, variables and
// paths of this binary; these tests hold them to the binary, since no
// Docker or systemd runs here. The repository root is two levels up.

const repoRoot = "../.."

// deployFiles are the files whose flags and variables are checked.
var deployFiles = []string{"Dockerfile", "deploy/orderhub.service", "deploy/orderhub.env", "docs/operations.md"}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// commands are orderhub's commands (run's switch).
var commands = map[string]bool{"serve": true, "migrate": true, "backup": true, "restore": true, "orders": true,
	"location": true, "stock": true, "partner": true, "token": true, "deliveries": true, "bench": true,
	"version": true, "healthcheck": true}

var defaultsLine = regexp.MustCompile(`(?m)^  -([a-z0-9][a-z0-9-]*)`)

// commandFlags are the flags a command (with its subcommand, if any)
// prints for -h.
func commandFlags(t *testing.T, words ...string) map[string]bool {
	t.Helper()
	var out bytes.Buffer
	run(context.Background(), append(slices.Clone(words), "-h"), io.Discard, &out)
	flags := map[string]bool{}
	for _, m := range defaultsLine.FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("orderhub %s -h lists no flags:\n%s", strings.Join(words, " "), out.String())
	}
	return flags
}

func serveFlagSet() *flag.FlagSet {
	var c config
	return serveFlags(&c, io.Discard)
}

var (
	commandRE = regexp.MustCompile(`^orderhub ([a-z]+)(?: ([a-z]+))?`)
	longFlag  = regexp.MustCompile(`(?:^|[\s\x60(\[])--([a-z][a-z0-9-]*)`)
	variable  = regexp.MustCompile(`ORDERHUB_[A-Z0-9_]+`)
	// foreign lines run another program, whose flags are its own.
	foreign = regexp.MustCompile(`^\s*(?:#\s*)?(?:docker|systemctl|journalctl|useradd|install|pg_dump|pg_restore|psql|curl|echo|systemd-analyze|HEALTHCHECK|COPY|RUN|FROM)\b`)
)

// TestDeployFilesNameRealFlags: every `orderhub <command> --flag` in the
// deployment files and docs/operations.md is a flag of that command; every
// other --flag mentioned is one of serve; every ORDERHUB_ variable is the
// variable of a serve flag, and where a value is given the flag takes it.
func TestDeployFilesNameRealFlags(t *testing.T) {
	serve := serveFlagSet()
	vars := map[string]string{}
	serve.VisitAll(func(f *flag.Flag) { vars[envName(f.Name)] = f.Name })
	flagsOf := map[string]map[string]bool{}
	checked := 0
	for _, name := range deployFiles {
		var named []string // the commands named in this paragraph
		for i, line := range strings.Split(readRepoFile(t, name), "\n") {
			where := name + ":" + itoaInt(i+1)
			if strings.TrimSpace(line) == "" {
				named = nil
			}
			// Commands and their flags.
			rest := line
			for at := range line {
				if !strings.HasPrefix(line[at:], "orderhub ") || (at > 0 && isWordByte(line[at-1])) {
					continue
				}
				m := commandRE.FindStringSubmatch(line[at:])
				if m == nil || !commands[m[1]] {
					continue
				}
				words := []string{m[1]}
				if m[2] != "" && !slices.Contains([]string{"serve", "backup", "restore", "migrate", "healthcheck"}, m[1]) {
					words = append(words, m[2])
				}
				key := strings.Join(words, " ")
				if flagsOf[key] == nil {
					flagsOf[key] = commandFlags(t, words...)
				}
				named = append(named, key)
				seg := line[at+len("orderhub "+key):]
				if j := strings.IndexAny(seg, "`|;#"); j >= 0 {
					seg = seg[:j]
				}
				if j := strings.Index(seg, "&&"); j >= 0 {
					seg = seg[:j]
				}
				for _, f := range longFlag.FindAllStringSubmatch(seg, -1) {
					checked++
					if !flagsOf[key][f[1]] {
						t.Errorf("%s: orderhub %s has no flag --%s", where, key, f[1])
					}
				}
				rest = strings.Replace(rest, seg, "", 1)
			}
			// Flags in prose are serve's, or those of a command the
			// paragraph names.
			if !foreign.MatchString(line) {
			prose:
				for _, f := range longFlag.FindAllStringSubmatch(rest, -1) {
					checked++
					if serve.Lookup(f[1]) != nil {
						continue
					}
					for _, key := range named {
						if flagsOf[key][f[1]] {
							continue prose
						}
					}
					t.Errorf("%s: --%s is not a flag of orderhub serve or of %v", where, f[1], named)
				}
			}
			// Variables, and their values where given.
			for _, v := range variable.FindAllString(line, -1) {
				checked++
				fl, ok := vars[v]
				if !ok {
					t.Errorf("%s: %s is not the variable of a serve flag", where, v)
					continue
				}
				if val, ok := assigned(line, v); ok && !strings.Contains(val, "$") {
					if err := serveFlagSet().Set(fl, val); err != nil {
						t.Errorf("%s: %s=%s: --%s refuses it: %v", where, v, val, fl, err)
					}
				}
			}
		}
	}
	t.Logf("%d flags and variables checked", checked)
	if checked < 60 {
		t.Errorf("only %d flags and variables checked: the scan is broken", checked)
	}
}

// assigned is the value given to v on a line (v=value, unquoted or
// quoted), if any.
func assigned(line, v string) (string, bool) {
	i := strings.Index(line, v+"=")
	if i < 0 {
		return "", false
	}
	val := line[i+len(v)+1:]
	if strings.HasPrefix(val, "'") || strings.HasPrefix(val, `"`) {
		q := val[:1]
		val = val[1:]
		if j := strings.Index(val, q); j >= 0 {
			val = val[:j]
		}
	} else if j := strings.IndexAny(val, " \t\\`"); j >= 0 {
		val = val[:j]
	}
	return val, val != ""
}

func itoaInt(v int) string { return itoa(int64(v)) }

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// dockerfile is the final stage's instructions, by keyword (the
// continuation lines joined).
func dockerfile(t *testing.T) (final map[string][]string, all string) {
	t.Helper()
	text := strings.ReplaceAll(readRepoFile(t, "Dockerfile"), "\\\n", " ")
	final = map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kw, arg, _ := strings.Cut(line, " ")
		kw = strings.ToUpper(kw)
		if kw == "FROM" {
			final = map[string][]string{}
		}
		final[kw] = append(final[kw], strings.TrimSpace(arg))
	}
	return final, text
}

// TestDockerfile: a static build of this command, a non-root final stage
// whose data directory is the volume, whose address is the exposed port,
// whose entrypoint is the binary copied in, and whose health check is a
// command of it.
func TestDockerfile(t *testing.T) {
	final, all := dockerfile(t)
	if !strings.Contains(all, "CGO_ENABLED=0 go build") {
		t.Error("the binary is not built with CGO_ENABLED=0")
	}
	build := regexp.MustCompile(`go build [^\n]* (\./[a-z/]+)`).FindStringSubmatch(all)
	if build == nil {
		t.Fatal("no go build of a package")
	}
	if st, err := os.Stat(filepath.Join(repoRoot, build[1], "main.go")); err != nil || st.IsDir() {
		t.Errorf("go build %s: no such command (%v)", build[1], err)
	}
	if len(final["USER"]) != 1 || strings.HasPrefix(final["USER"][0], "0") || strings.HasPrefix(final["USER"][0], "root") {
		t.Errorf("the final stage runs as %v, want a non-root user", final["USER"])
	}
	env := map[string]string{}
	for _, e := range final["ENV"] {
		for _, kv := range strings.Fields(e) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	if env["ORDERHUB_ADDR"] != ":8080" {
		t.Errorf("ORDERHUB_ADDR = %q, want :8080 (every interface, inside the container)", env["ORDERHUB_ADDR"])
	}
	if !slices.Contains(final["VOLUME"], env["ORDERHUB_DATA"]) || env["ORDERHUB_DATA"] == "" {
		t.Errorf("the data directory %q is not the volume %v", env["ORDERHUB_DATA"], final["VOLUME"])
	}
	_, port, _ := net.SplitHostPort(env["ORDERHUB_ADDR"])
	if !slices.Contains(final["EXPOSE"], port) {
		t.Errorf("EXPOSE %v, but orderhub listens on %s", final["EXPOSE"], port)
	}
	var bin string
	for _, c := range final["COPY"] {
		if f := strings.Fields(c); strings.Contains(c, "--from=build") && strings.HasSuffix(f[len(f)-1], "/orderhub") {
			bin = f[len(f)-1]
		}
	}
	if bin == "" {
		t.Fatal("the binary is not copied into the final stage")
	}
	if len(final["ENTRYPOINT"]) != 1 || final["ENTRYPOINT"][0] != `["`+bin+`"]` || len(final["CMD"]) != 1 || final["CMD"][0] != `["serve"]` {
		t.Errorf("ENTRYPOINT %v CMD %v, want [%q] [\"serve\"]", final["ENTRYPOINT"], final["CMD"], bin)
	}
	if len(final["HEALTHCHECK"]) != 1 || !strings.HasSuffix(final["HEALTHCHECK"][0], `CMD ["`+bin+`", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %v does not run %s healthcheck", final["HEALTHCHECK"], bin)
	}
	if !commandFlags(t, "healthcheck")["addr"] {
		t.Error("orderhub healthcheck has no --addr")
	}
	// The build context keeps what the build needs.
	for _, line := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "/")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, need := range []string{"go.mod", "go.sum", "cmd", "internal", "cmd/orderhub/main.go", "internal/api/openapi.json"} {
			if ok, _ := filepath.Match(line, need); ok || strings.HasPrefix(need, line+"/") {
				t.Errorf(".dockerignore %q leaves out %s, which the build needs", line, need)
			}
		}
	}
}

// unit parses a systemd unit into its settings (a key may repeat).
func unit(text string) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[k] = append(out[k], v)
		}
	}
	return out
}

// TestSystemdUnit: the unit runs serve as a user, in its state directory,
// with its settings file, hardened, and gives the shutdown more time than
// serve's grace period; systemd-analyze verifies it where it exists.
func TestSystemdUnit(t *testing.T) {
	text := readRepoFile(t, "deploy/orderhub.service")
	u := unit(text)
	one := func(k string) string {
		t.Helper()
		if len(u[k]) != 1 {
			t.Errorf("%s: %v, want one", k, u[k])
			return ""
		}
		return u[k][0]
	}
	exec0 := strings.Fields(one("ExecStart"))
	if len(exec0) < 2 || filepath.Base(exec0[0]) != "orderhub" || exec0[1] != "serve" || !filepath.IsAbs(exec0[0]) {
		t.Errorf("ExecStart = %v, want /…/orderhub serve", exec0)
	}
	if user := one("User"); user == "" || user == "root" || user == "0" {
		if one("DynamicUser") != "yes" {
			t.Errorf("User = %q: not as root", user)
		}
	}
	env := map[string]string{}
	for _, e := range u["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = v
	}
	if dir := one("StateDirectory"); env["ORDERHUB_DATA"] != "/var/lib/"+dir {
		t.Errorf("ORDERHUB_DATA = %q, but the state directory is /var/lib/%s", env["ORDERHUB_DATA"], dir)
	}
	envFile := strings.TrimPrefix(one("EnvironmentFile"), "-")
	if !strings.Contains(readRepoFile(t, "deploy/orderhub.env"), envFile) || !strings.Contains(readRepoFile(t, "docs/operations.md"), envFile) {
		t.Errorf("EnvironmentFile %s is not where deploy/orderhub.env and the guide put it", envFile)
	}
	for k, want := range map[string]string{"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
		"KillSignal": "SIGTERM", "SystemCallFilter": "@system-service"} {
		if got := one(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	grace := serveFlagSet().Lookup("shutdown-timeout").Value.(flag.Getter).Get().(time.Duration)
	if stop, err := time.ParseDuration(one("TimeoutStopSec")); err != nil || stop <= grace {
		t.Errorf("TimeoutStopSec = %q: systemd must wait longer than --shutdown-timeout (%s)", one("TimeoutStopSec"), grace)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the unit is not verified by systemd")
		return
	}
	// ExecStart must name an executable: this test binary stands in.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "orderhub.service")
	if err := os.WriteFile(path, []byte(strings.Replace(text, "ExecStart="+exec0[0], "ExecStart="+self, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", path).CombinedOutput()
	var ours []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "orderhub.service") {
			ours = append(ours, line)
		}
	}
	switch {
	case len(ours) > 0:
		t.Errorf("systemd-analyze verify:\n%s", strings.Join(ours, "\n"))
	case err != nil:
		t.Logf("systemd-analyze verify could not run here (%v): %s", err, out)
	}
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// anchors are GitHub's anchors of a Markdown file's headings.
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(md, -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			}
		}
		out[b.String()] = true
	}
	return out
}

// TestOperationsGuideLinks: the README links the guide, and every relative
// link of the guide (and the README's into it) reaches a file and heading.
func TestOperationsGuideLinks(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	if !strings.Contains(readme, "](docs/operations.md") {
		t.Error("the README does not link docs/operations.md")
	}
	for _, doc := range []string{"docs/operations.md", "README.md"} {
		for _, m := range mdLink.FindAllStringSubmatch(readRepoFile(t, doc), -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			if file == "" {
				file = doc
			} else {
				file = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(doc), file)))
			}
			if doc == "README.md" && !strings.HasPrefix(file, "docs/") && anchor == "" {
				continue // the README's other links are not this test's
			}
			b, err := os.ReadFile(filepath.Join(repoRoot, file))
			if err != nil {
				t.Errorf("%s: link %s: %v", doc, target, err)
				continue
			}
			if anchor != "" && strings.HasSuffix(file, ".md") && !anchors(string(b))[anchor] {
				t.Errorf("%s: link %s: no heading #%s in %s", doc, target, anchor, file)
			}
		}
	}
}
