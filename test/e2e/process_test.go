//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A process the harness started. It runs in its own process group and is
// stopped by PID (SIGTERM to the group, SIGKILL after a grace period); the
// kernel also kills it if the test binary dies (Pdeathsig).
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	once sync.Once
}

// processes started so far, stopped in reverse order by stopAll.
var (
	procMu sync.Mutex
	procs  []*process
)

// run starts bin with args and extra env, logging to logDir/name.log.
func run(name string, env []string, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(p.done) }()
	procMu.Lock()
	procs = append(procs, p)
	procMu.Unlock()
	return p, nil
}

// exited reports whether the process is gone.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop terminates the process group by PID and waits for the process.
func (p *process) stop() {
	p.once.Do(func() {
		pid := p.cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-p.done
		}
		// Anything left in the group (children) goes too.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	})
}

// stopAll stops every process in reverse start order.
func stopAll() {
	procMu.Lock()
	ps := procs
	procs = nil
	procMu.Unlock()
	for i := len(ps) - 1; i >= 0; i-- {
		ps[i].stop()
	}
}

// tailLog returns the last n bytes of the process log.
func (p *process) tailLog(n int) string {
	b, _ := os.ReadFile(p.log)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// dumpLogs prints the end of every process log (on failure).
func dumpLogs() {
	procMu.Lock()
	defer procMu.Unlock()
	for _, p := range procs {
		fmt.Fprintf(os.Stderr, "----- %s (%s) -----\n%s\n", p.name, p.log, p.tailLog(6000))
	}
}

// command runs bin to completion and returns its combined output.
func command(ctx context.Context, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// freePort returns a loopback TCP port that was free a moment ago. Ports
// handed out are remembered so two callers never get the same one.
var (
	portMu sync.Mutex
	given  = map[int]bool{}
)

func freePort() int {
	portMu.Lock()
	defer portMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !given[port] {
			given[port] = true
			return port
		}
	}
}

// freeTCPUDPPort returns a loopback port free for both TCP and UDP (DNS).
func freeTCPUDPPort() int {
	for {
		port := freePort()
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_ = u.Close()
			return port
		}
	}
}

// waitTCP waits until something listens on addr or the process exits.
func waitTCP(ctx context.Context, p *process, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited before listening on %s:\n%s", p.name, addr, p.tailLog(3000))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing listens on %s: %w", addr, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// phase prints a timing line for a named step of the harness.
func phase(name string, start time.Time) {
	fmt.Printf("e2e: phase %-28s %6.1fs\n", name, time.Since(start).Seconds())
}
