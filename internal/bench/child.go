package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server process the bench started (orderhub serve, or the
// ceiling), on loopback.
type child struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	logPath string
	started time.Time // just before the process was started
	ready   time.Time // when /readyz first answered 200
	done    chan struct{}
	err     error // after done
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the bench's environment without ORDERHUB_ variables, so that
// a child runs with the flags the bench gives it and nothing else.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORDERHUB_") {
			env = append(env, kv)
		}
	}
	return env
}

// startChild runs exe with args plus --addr 127.0.0.1:<free port> (args
// must not name --addr), its output appended to logPath, and waits until
// GET /readyz answers 200 (at most a minute).
func startChild(ctx context.Context, name, exe string, args []string, logPath string) (*child, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logf, "---- %s: %s %s --addr %s\n", time.Now().Format(time.RFC3339), exe, strings.Join(args, " "), addr)
	cmd := exec.Command(exe, append(append([]string{}, args...), "--addr", addr)...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	started := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, base: "http://" + addr, logPath: logPath, started: started, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logf.Close()
		close(c.done)
	}()
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := hc.Get(c.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				c.ready = time.Now()
				return c, nil
			}
		}
		select {
		case <-c.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log: %s\n%s", name, c.err, logPath, tail(logPath, 20))
		case <-ctx.Done():
			c.stop(10 * time.Second)
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop(10 * time.Second)
			return nil, fmt.Errorf("%s not ready after a minute; its log: %s\n%s", name, logPath, tail(logPath, 20))
		}
	}
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// memory reads VmHWM (peak resident set) and VmRSS of the running child,
// in KiB, from /proc/<pid>/status.
func (c *child) memory() (hwm, rss int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.pid()) + "/status")
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			hwm = n
		case "VmRSS":
			rss = n
		}
	}
	if hwm == 0 {
		return 0, 0, errors.New("no VmHWM in /proc/" + strconv.Itoa(c.pid()) + "/status")
	}
	return hwm, rss, nil
}

// cpuTicks reads the child's user + system CPU time, in clock ticks
// (1/100 s on Linux), from /proc/<pid>/stat.
func (c *child) cpuTicks() (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.pid()) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("bad /proc stat")
	}
	// After the name: state is field 3, utime 14, stime 15.
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s, nil
}

// settle waits until the child is idle (under 10 % of a core over 200
// ms), at most limit: work left over from the previous figure (requests
// cancelled at its end, the delivery engine catching up) must not run
// during the next one's ceiling measurement. It returns how long it
// waited.
func (c *child) settle(ctx context.Context, limit time.Duration) time.Duration {
	start := time.Now()
	prev, err := c.cpuTicks()
	if err != nil {
		return 0
	}
	for time.Since(start) < limit && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
		cur, err := c.cpuTicks()
		if err != nil {
			break
		}
		if cur-prev <= 2 {
			break
		}
		prev = cur
	}
	return time.Since(start)
}

// exited reports whether the child has exited (on its own, unless stop
// was called).
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits up to timeout for the child to exit, then
// kills it. It reports an exit other than a clean one after SIGTERM.
func (c *child) stop(timeout time.Duration) error {
	select {
	case <-c.done:
		return c.err
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return c.err
	case <-time.After(timeout):
		c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s did not stop within %s after SIGTERM: killed", c.name, timeout)
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 64<<10 {
		f.Seek(-64<<10, io.SeekEnd)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
