package testservers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a process has to exit after SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// A Group runs the processes of one test, or of one test binary (TestMain):
// each logs to Dir/logs/NAME.log and is stopped by PID, by Stop in reverse
// start order. Servers get their configuration and data under Dir.
type Group struct {
	Dir string
	// Phase, when set, is told how long each step of a server's start took
	// (test/e2e prints these timings).
	Phase func(name string, start time.Time)

	mu    sync.Mutex
	procs []*Process
	names map[string]int
}

// NewGroup returns a Group over dir (created if missing).
func NewGroup(dir string) (*Group, error) {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the log directory: %w", err)
	}
	return &Group{Dir: dir, names: map[string]int{}}, nil
}

// A Process is one program a Group started.
type Process struct {
	Name string // unique in its Group, and the base name of its log
	Log  string // path of its log (stdout and stderr)
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// Run starts bin with args, the environment plus env, in its own process
// group; the kernel kills it if the test binary dies (Pdeathsig). A name used
// before in g gets a suffix (named-2 for a restarted named), so every start
// has a log of its own.
func (g *Group) Run(name string, env []string, bin string, args ...string) (*Process, error) {
	g.mu.Lock()
	g.names[name]++
	if n := g.names[name]; n > 1 {
		name += "-" + strconv.Itoa(n)
	}
	g.mu.Unlock()
	logPath := filepath.Join(g.Dir, "logs", name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &Process{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(p.done) }()
	g.mu.Lock()
	g.procs = append(g.procs, p)
	g.mu.Unlock()
	return p, nil
}

// Stop stops every process of g, the last started first. Their logs stay
// listed for Tails.
func (g *Group) Stop() {
	g.mu.Lock()
	ps := slices.Clone(g.procs)
	g.mu.Unlock()
	for _, p := range slices.Backward(ps) {
		p.Stop()
	}
}

// CPU is the CPU seconds (see Usage) each process of g that still runs has
// used so far, by name: which program a benchmark's machine was busy with.
func (g *Group) CPU() map[string]float64 {
	g.mu.Lock()
	ps := slices.Clone(g.procs)
	g.mu.Unlock()
	out := make(map[string]float64, len(ps))
	for _, p := range ps {
		if p.Exited() {
			continue
		}
		if cpu, _, err := p.Usage(); err == nil {
			out[p.Name] = cpu
		}
	}
	return out
}

// Tails returns the last n bytes of the log of every process g started,
// for a failure report.
func (g *Group) Tails(n int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var b strings.Builder
	for _, p := range g.procs {
		fmt.Fprintf(&b, "----- %s (%s) -----\n%s\n", p.Name, p.Log, p.Tail(n))
	}
	return b.String()
}

// phase reports a timing when g has a Phase.
func (g *Group) phase(name string, start time.Time) {
	if g.Phase != nil {
		g.Phase(name, start)
	}
}

// dir creates a fresh directory under g.Dir for a server's files.
func (g *Group) dir(name string) (string, error) {
	d, err := os.MkdirTemp(g.Dir, name+"-")
	if err != nil {
		return "", fmt.Errorf("cannot create a directory for %s: %w", name, err)
	}
	return d, nil
}

// Exited reports whether the process is gone.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop terminates the process group by PID and waits for the process; a
// process that ignores SIGTERM for stopGrace is killed.
func (p *Process) Stop() {
	p.once.Do(func() {
		pid := p.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-p.done
		}
		// Anything left in the group (children) goes too.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	})
}

// Tail returns the last n bytes of the process's log.
func (p *Process) Tail(n int) string {
	b, _ := os.ReadFile(p.Log)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// exitedErr describes a process that exited while it was awaited.
func (p *Process) exitedErr() error {
	return fmt.Errorf("%s exited:\n%s", p.Name, p.Tail(3000))
}

// WaitTCP waits until something listens on addr, the process exits or ctx
// ends.
func (p *Process) WaitTCP(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		if p.Exited() {
			return p.exitedErr()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s for %s: %w", addr, p.Name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitHTTP polls url until it answers 200, the process exits or ctx ends;
// a token is sent as a bearer token.
func (p *Process) waitHTTP(ctx context.Context, hc *http.Client, url, token string) error {
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("cannot ask %s: %w", url, err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if r, err := hc.Do(req); err == nil {
			_ = r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return nil
			}
			last = r.Status
		} else {
			last = err.Error()
		}
		if p.Exited() {
			return p.exitedErr()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s (%s): %w", p.Name, url, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Output runs bin to completion (killed with ctx) and returns its combined
// output; on failure the error carries the command line and the output.
func Output(ctx context.Context, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Ports handed out in this test binary, so two servers never get the same
// one even before either listens.
var (
	portMu sync.Mutex
	given  = map[int]bool{}
)

// FreePorts returns n loopback TCP ports that were free a moment ago.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for len(ports) < n {
		p, err := freePort(false)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// freePort returns a loopback port free for TCP (and UDP too, for DNS, when
// udp is set) that no one in this binary got before.
func freePort(udp bool) (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("cannot pick a port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if given[port] {
			continue
		}
		if udp {
			u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				continue
			}
			_ = u.Close()
		}
		given[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("no free loopback port found (udp too: %t)", udp)
}

// randomHex returns n random bytes in hex (crypto/rand.Read cannot fail
// since Go 1.24).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ResetPeakRSS restarts the process's peak resident memory (VmHWM) from its
// current size, so that a benchmark measures the peak of one phase, not of
// everything before it (Linux: "5" to /proc/<pid>/clear_refs).
func (p *Process) ResetPeakRSS() error {
	if p.cmd.Process == nil {
		return fmt.Errorf("%s has not started", p.Name)
	}
	path := fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid)
	if err := os.WriteFile(path, []byte("5"), 0o600); err != nil {
		return fmt.Errorf("cannot reset the peak RSS of %s: %w", p.Name, err)
	}
	return nil
}

// Usage is what a process has cost so far: CPU seconds (user and system,
// from /proc/<pid>/stat, in clock ticks of 1/100 s) and its peak resident
// memory (VmHWM in /proc/<pid>/status), for benchmarks on Linux.
func (p *Process) Usage() (cpuSeconds float64, peakRSSBytes int64, err error) {
	if p.cmd.Process == nil {
		return 0, 0, fmt.Errorf("%s has not started", p.Name)
	}
	pid := p.cmd.Process.Pid
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name, which may hold spaces: ") state ppid …";
	// utime and stime are fields 14 and 15 of the whole line.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 13 {
		return 0, 0, fmt.Errorf("cannot parse /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("cannot parse /proc/%d/stat", pid)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("cannot parse VmHWM of %d: %w", pid, err)
			}
			peakRSSBytes = kb * 1024
		}
	}
	return float64(utime+stime) / 100, peakRSSBytes, nil
}
