package main

// Startup, readiness and liveness probes of one container instance, with the
// kubelet's thresholds and defaults. Each probe runs in its own goroutine
// and tells the pod worker when its verdict changes.

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type probeKind string

const (
	startupProbe   probeKind = "startup"
	readinessProbe probeKind = "readiness"
	livenessProbe  probeKind = "liveness"
)

// probeTarget is where and how probes of one container instance run.
type probeTarget struct {
	label     string // "ns/pod/container" for logs
	podIP     string
	ports     []v1.ContainerPort
	env       []string // exec probes see the container's environment
	envVars   *orderedEnv
	dir       string
	mounts    *mountPlan // exec probes see the container's mounts
	startedAt time.Time
	event     eventFunc // may be nil
}

// probeSet holds the verdicts for one running container instance.
type probeSet struct {
	cancel   context.CancelFunc
	onChange func()

	mu             sync.Mutex
	started        bool          // startup probe passed (or none)
	startedCh      chan struct{} // closed when started becomes true
	ready          bool
	hasReadiness   bool
	livenessFailed string // non-empty: kill and restart, with this reason
}

func startProbes(parent context.Context, c *v1.Container, t probeTarget, onChange func()) *probeSet {
	ctx, cancel := context.WithCancel(parent)
	ps := &probeSet{
		cancel:       cancel,
		onChange:     onChange,
		startedCh:    make(chan struct{}),
		hasReadiness: c.ReadinessProbe != nil,
	}
	if c.StartupProbe == nil {
		ps.started = true
		close(ps.startedCh)
	} else {
		go ps.run(ctx, startupProbe, c.StartupProbe, &t)
	}
	if c.ReadinessProbe != nil {
		go ps.run(ctx, readinessProbe, c.ReadinessProbe, &t)
	}
	if c.LivenessProbe != nil {
		go ps.run(ctx, livenessProbe, c.LivenessProbe, &t)
	}
	return ps
}

func (ps *probeSet) stop() { ps.cancel() }

// Started: the startup probe has passed (Kubernetes' containerStatus.started).
func (ps *probeSet) Started() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.started
}

// Ready: started and, with a readiness probe, that probe passes.
func (ps *probeSet) Ready() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.started && (!ps.hasReadiness || ps.ready)
}

// KillReason is non-empty when a liveness or startup probe has failed.
func (ps *probeSet) KillReason() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.livenessFailed
}

// probeTiming holds a probe's settings with Kubernetes' defaults applied.
type probeTiming struct {
	initialDelay, period, timeout time.Duration
	successThreshold              int
	failureThreshold              int
}

func timingOf(p *v1.Probe) probeTiming {
	orDefault := func(v, def int32) int32 {
		if v <= 0 {
			return def
		}
		return v
	}
	return probeTiming{
		initialDelay:     time.Duration(max(p.InitialDelaySeconds, 0)) * time.Second,
		period:           time.Duration(orDefault(p.PeriodSeconds, 10)) * time.Second,
		timeout:          time.Duration(orDefault(p.TimeoutSeconds, 1)) * time.Second,
		successThreshold: int(orDefault(p.SuccessThreshold, 1)),
		failureThreshold: int(orDefault(p.FailureThreshold, 3)),
	}
}

// sleepCtx waits d or until ctx ends; false means ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (ps *probeSet) run(ctx context.Context, kind probeKind, p *v1.Probe, t *probeTarget) {
	tm := timingOf(p)
	if kind != startupProbe {
		// Liveness and readiness wait for the startup probe, as in the kubelet.
		select {
		case <-ctx.Done():
			return
		case <-ps.startedCh:
		}
	}
	if !sleepCtx(ctx, time.Until(t.startedAt.Add(tm.initialDelay))) {
		return
	}
	successes, failures := 0, 0
	everReady := false
	for {
		ok, detail := runProbe(ctx, p, t, tm.timeout)
		if ctx.Err() != nil {
			return
		}
		if ok {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		switch kind {
		case startupProbe:
			if ok {
				log.Printf("container %s: startup probe succeeded", t.label)
				ps.mu.Lock()
				ps.started = true
				close(ps.startedCh)
				ps.mu.Unlock()
				ps.onChange()
				return
			}
			if failures >= tm.failureThreshold {
				t.emit("Warning", "Unhealthy", "Startup probe failed: %s", detail)
				ps.fail(fmt.Sprintf("failed startup probe (%d times: %s)", failures, detail), t)
				return
			}
		case livenessProbe:
			if failures >= tm.failureThreshold {
				t.emit("Warning", "Unhealthy", "Liveness probe failed: %s", detail)
				ps.fail(fmt.Sprintf("failed liveness probe (%d times: %s)", failures, detail), t)
				return
			}
		case readinessProbe:
			ps.mu.Lock()
			was := ps.ready
			if !was && successes >= tm.successThreshold {
				ps.ready = true
			} else if was && failures >= tm.failureThreshold {
				ps.ready = false
			}
			now := ps.ready
			ps.mu.Unlock()
			if now != was {
				if now {
					everReady = true
					log.Printf("container %s: readiness probe succeeded: ready", t.label)
				} else {
					log.Printf("container %s: readiness probe failed %d times: not ready: %s", t.label, failures, detail)
					t.emit("Warning", "Unhealthy", "Readiness probe failed: %s", detail)
				}
				ps.onChange()
			}
		}
		wait := tm.period
		// Until an instance is first ready, poll at least every second: a
		// not-ready container cannot get "less ready", and this gets pods
		// Ready within a second of listening, which keeps tests fast.
		if kind == readinessProbe && !everReady && wait > time.Second {
			wait = time.Second
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

func (t *probeTarget) emit(eventType, reason, format string, args ...any) {
	if t.event != nil {
		t.event(eventType, reason, format, args...)
	}
}

func (ps *probeSet) fail(reason string, t *probeTarget) {
	log.Printf("container %s: %s: restarting it", t.label, reason)
	ps.mu.Lock()
	ps.livenessFailed = reason
	ps.mu.Unlock()
	ps.onChange()
}

// runProbe runs one probe attempt.
func runProbe(ctx context.Context, p *v1.Probe, t *probeTarget, timeout time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return httpProbe(ctx, p.HTTPGet, t)
	case p.TCPSocket != nil:
		return tcpProbe(ctx, p.TCPSocket, t)
	case p.Exec != nil:
		return execProbe(ctx, p.Exec, t)
	case p.GRPC != nil:
		// No gRPC client here; treat as passing rather than never ready.
		return true, "grpc probes are not supported by the node agent; assumed healthy"
	}
	return true, "probe has no handler"
}

// resolvePort turns a number or a named container port into a port.
func resolvePort(port intstr.IntOrString, ports []v1.ContainerPort) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, p := range ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("no container port named %q", port.StrVal)
}

func httpProbe(ctx context.Context, g *v1.HTTPGetAction, t *probeTarget) (bool, string) {
	port, err := resolvePort(g.Port, t.ports)
	if err != nil {
		return false, err.Error()
	}
	host := g.Host
	if host == "" {
		host = t.podIP
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	path := g.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}
	full := u.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, full, nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("User-Agent", "kube-probe/1.34")
	req.Header.Set("Accept", "*/*")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
		} else {
			req.Header.Add(h.Name, h.Value)
		}
	}
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:             nil, // never through a proxy from the agent's environment
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // like the kubelet: probes do not verify certificates
		},
		// A redirect counts as success without following it, as the kubelet
		// does for redirects it will not follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Sprintf("GET %s: %v", full, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return true, ""
	}
	return false, fmt.Sprintf("GET %s: HTTP status %d", full, resp.StatusCode)
}

func tcpProbe(ctx context.Context, s *v1.TCPSocketAction, t *probeTarget) (bool, string) {
	port, err := resolvePort(s.Port, t.ports)
	if err != nil {
		return false, err.Error()
	}
	host := s.Host
	if host == "" {
		host = t.podIP
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, fmt.Sprintf("dial %s: %v", addr, err)
	}
	_ = conn.Close()
	return true, ""
}

func execProbe(ctx context.Context, e *v1.ExecAction, t *probeTarget) (bool, string) {
	if len(e.Command) == 0 {
		return false, "exec probe has no command"
	}
	argv := make([]string, len(e.Command))
	for i, a := range e.Command {
		argv[i] = expandVars(a, t.envVars.Get)
	}
	pathEnv, _ := envValue(t.env, "PATH")
	path, err := resolveExecutable(argv[0], "", t.dir, pathEnv)
	if err != nil {
		return false, err.Error()
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = t.env
	cmd.Dir = t.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if t.mounts != nil {
		plan := *t.mounts
		plan.Dir = t.dir
		if cmd.Path, cmd.Args, err = helperCommand(&plan, path, argv); err != nil {
			return false, err.Error()
		}
		cmd.Dir = "/"
		cmd.SysProcAttr = helperSysProcAttr(cmd.SysProcAttr, &plan)
	}
	// On timeout kill the whole group, not just the shell.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() == context.DeadlineExceeded {
		return false, fmt.Sprintf("exec %v: timed out", argv)
	}
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if msg != "" {
			return false, fmt.Sprintf("exec %v: %v: %s", argv, err, msg)
		}
		return false, fmt.Sprintf("exec %v: %v", argv, err)
	}
	return true, ""
}

func envValue(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v, true
		}
	}
	return "", false
}
