package main

// Process lifecycle of one container instance. Each runs in its own process
// group so a stop reaches whatever it forked, the way stopping a container
// ends everything in it.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type procSpec struct {
	path    string   // resolved executable
	argv    []string // argv[0] included
	env     []string
	dir     string
	logPath string     // stdout and stderr are appended here
	mounts  *mountPlan // non-nil: run in a mount namespace of its own
}

type proc struct {
	pid       int
	startedAt time.Time
	done      chan struct{} // closed once the process has exited and was reaped

	mu         sync.Mutex
	exited     bool // leader has exited; its group must not be signalled any more
	exitCode   int32
	signal     syscall.Signal // non-zero when killed by a signal
	finishedAt time.Time
	stopping   bool
}

// startProc starts spec; onExit runs (in another goroutine) after the
// process has exited and been reaped.
func startProc(spec procSpec, onExit func()) (*proc, error) {
	if spec.mounts == nil {
		// With mounts the helper makes it, since it may lie in a volume.
		if err := os.MkdirAll(spec.dir, 0o755); err != nil {
			return nil, fmt.Errorf("working dir: %w", err)
		}
	}
	logFile, err := os.OpenFile(spec.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	defer logFile.Close() // the child has its own copy once started
	cmd := &exec.Cmd{
		Path:   spec.path,
		Args:   spec.argv,
		Env:    spec.env,
		Dir:    spec.dir,
		Stdout: logFile, // an *os.File is handed to the child directly: no copying goroutine to wait for
		Stderr: logFile,
		SysProcAttr: &syscall.SysProcAttr{
			Setpgid: true,
			// If the agent is SIGKILLed, its children die with it instead of
			// running on unsupervised.
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if spec.mounts != nil {
		plan := *spec.mounts
		plan.Dir = spec.dir
		if cmd.Path, cmd.Args, err = helperCommand(&plan, spec.path, spec.argv); err != nil {
			return nil, err
		}
		cmd.Dir = "/"
		cmd.SysProcAttr = helperSysProcAttr(cmd.SysProcAttr, &plan)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{pid: cmd.Process.Pid, startedAt: time.Now(), done: make(chan struct{})}
	go p.wait(cmd, onExit)
	return p, nil
}

func (p *proc) wait(cmd *exec.Cmd, onExit func()) {
	// Wait for the exit without reaping (WNOWAIT): while the zombie exists its
	// pid cannot be reused, so killing the leftover group is safe.
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, p.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	p.mu.Lock()
	// A container ends with its main process: take its children along.
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	p.exited = true
	p.mu.Unlock()

	_ = cmd.Wait()
	p.mu.Lock()
	p.finishedAt = time.Now()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		p.signal = ws.Signal()
		p.exitCode = 128 + int32(ws.Signal())
	} else {
		p.exitCode = int32(cmd.ProcessState.ExitCode())
	}
	p.mu.Unlock()
	close(p.done)
	if onExit != nil {
		onExit()
	}
}

// signalGroup sends sig to the whole process group while the leader lives.
func (p *proc) signalGroup(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.exited {
		_ = syscall.Kill(-p.pid, sig)
	}
}

func (p *proc) isStopping() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

func (p *proc) hasExited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitInfo is valid once done is closed.
func (p *proc) exitInfo() (code int32, sig syscall.Signal, finished time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitCode, p.signal, p.finishedAt
}

// stopAsync sends SIGTERM now and SIGKILL after grace unless it has exited;
// the exit itself is reported through onExit as usual. A second call sends
// no second SIGTERM but may bring the SIGKILL forward (a pod deletion with a
// short grace period during a liveness restart, or agent shutdown).
func (p *proc) stopAsync(grace time.Duration) {
	p.mu.Lock()
	first := !p.stopping
	p.stopping = true
	p.mu.Unlock()
	if first {
		p.signalGroup(syscall.SIGTERM)
	}
	if grace <= 0 {
		p.signalGroup(syscall.SIGKILL)
		return
	}
	go func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-p.done:
		case <-t.C:
			p.signalGroup(syscall.SIGKILL)
		}
	}()
}

// stop is stopAsync and waiting for the exit.
func (p *proc) stop(grace time.Duration) {
	p.stopAsync(grace)
	<-p.done
}
