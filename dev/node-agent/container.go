package main

// One container of a pod across its restarts: what runs now, how it last
// ended, and when it may start again. Only the pod's worker goroutine
// touches it.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
)

type containerKind int

const (
	regularContainer containerKind = iota
	initContainer                  // runs to completion before the regular ones
	sidecarContainer               // init container with restartPolicy Always: keeps running
)

type containerRT struct {
	spec   v1.Container
	kind   containerKind
	policy v1.RestartPolicy // effective policy for this container

	proc   *proc
	probes *probeSet

	// Status as reported.
	waiting      *v1.ContainerStateWaiting
	startedAt    time.Time
	terminated   *v1.ContainerStateTerminated // final: will not run again
	lastTerm     *v1.ContainerStateTerminated
	restartCount int32
	starts       int // start attempts by this agent
	imageID      string
	containerID  string

	backoff   backoff
	nextStart time.Time // no start before this (crash-loop back-off)
	delay     time.Duration
	lastError string // last waiting message logged, to log changes only
	logPath   string // where the running process writes (set at start)
}

func newContainerRT(c v1.Container, kind containerKind, podPolicy v1.RestartPolicy) *containerRT {
	policy := podPolicy
	if policy == "" {
		policy = v1.RestartPolicyAlways
	}
	switch kind {
	case initContainer:
		// Init containers are retried on failure unless the pod never restarts.
		if policy != v1.RestartPolicyNever {
			policy = v1.RestartPolicyOnFailure
		}
	case sidecarContainer:
		policy = v1.RestartPolicyAlways
	}
	return &containerRT{
		spec:    c,
		kind:    kind,
		policy:  policy,
		waiting: &v1.ContainerStateWaiting{Reason: "ContainerCreating"},
	}
}

func (c *containerRT) running() bool { return c.proc != nil }

// succeeded: ran to completion with exit 0 and will not run again.
func (c *containerRT) succeeded() bool { return c.terminated != nil && c.terminated.ExitCode == 0 }

// failedForGood: terminated with an error and the policy forbids a restart.
func (c *containerRT) failedForGood() bool { return c.terminated != nil && c.terminated.ExitCode != 0 }

func (c *containerRT) started() bool {
	return c.proc != nil && c.probes != nil && c.probes.Started()
}

func (c *containerRT) ready() bool {
	if c.kind == initContainer {
		return c.succeeded()
	}
	return c.proc != nil && c.probes != nil && c.probes.Ready()
}

// setWaiting records why the container is not running; it reports whether
// the message changed (so the caller logs only changes).
func (c *containerRT) setWaiting(reason, message string) bool {
	c.waiting = &v1.ContainerStateWaiting{Reason: reason, Message: message}
	changed := c.lastError != reason+message
	c.lastError = reason + message
	return changed
}

// exited turns the finished process into a termination record and decides
// whether and when the container restarts. Called once per exit.
// logTail is what kubelet reports for FallbackToLogsOnError: the end of the
// container's log, at most 80 lines and 2048 bytes.
func logTail(path string) string {
	const maxBytes, maxLines = 2048, 80
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	from := info.Size() - maxBytes
	if from < 0 {
		from = 0
	}
	buf := make([]byte, info.Size()-from)
	n, _ := f.ReadAt(buf, from)
	lines := strings.Split(strings.TrimRight(string(buf[:n]), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}

func (c *containerRT) exited(now time.Time, mayRestart bool) *v1.ContainerStateTerminated {
	p := c.proc
	code, sig, finished := p.exitInfo()
	c.proc = nil
	if c.probes != nil {
		c.probes.stop()
		c.probes = nil
	}
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	term := &v1.ContainerStateTerminated{
		ExitCode:    code,
		Signal:      int32(sig),
		Reason:      reason,
		StartedAt:   apiTime(p.startedAt),
		FinishedAt:  apiTime(finished),
		ContainerID: c.containerID,
	}
	if sig != 0 {
		term.Message = "killed by signal " + strconv.Itoa(int(sig)) + " (" + syscall.Signal(sig).String() + ")"
	} else if code != 0 && c.spec.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError {
		term.Message = logTail(c.logPath)
	}
	c.recordTermination(term, finished.Sub(p.startedAt), now, mayRestart)
	return term
}

// recordTermination applies the restart policy to a termination (an exit,
// or a failure to start at all).
func (c *containerRT) recordTermination(term *v1.ContainerStateTerminated, ranFor time.Duration, now time.Time, mayRestart bool) {
	restart := mayRestart && (c.policy == v1.RestartPolicyAlways ||
		(c.policy == v1.RestartPolicyOnFailure && term.ExitCode != 0))
	if !restart {
		c.terminated = term
		c.waiting = nil
		return
	}
	c.lastTerm = term
	c.delay = c.backoff.next(ranFor)
	c.nextStart = now.Add(c.delay)
	c.waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
}

// startFailed records a failure to create the process (e.g. the executable
// does not exist) as the runtime would: a terminated instance with exit
// code 128 and reason StartError, subject to back-off.
func (c *containerRT) startFailed(err error, now time.Time, mayRestart bool) {
	term := &v1.ContainerStateTerminated{
		ExitCode:   128,
		Reason:     "StartError",
		Message:    err.Error(),
		StartedAt:  apiTime(now),
		FinishedAt: apiTime(now),
	}
	c.recordTermination(term, 0, now, mayRestart)
}

// crashLoopMessage is the kubelet's CrashLoopBackOff message.
func crashLoopMessage(delay time.Duration, container string, pod *v1.Pod) string {
	return fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
		delay, container, pod.Name, pod.Namespace, pod.UID)
}

// status renders the container status the API shows.
func (c *containerRT) status(pod *v1.Pod, now time.Time) v1.ContainerStatus {
	started := c.started()
	st := v1.ContainerStatus{
		Name:         c.spec.Name,
		Image:        c.spec.Image,
		ImageID:      c.imageID,
		ContainerID:  c.containerID,
		RestartCount: c.restartCount,
		Ready:        c.ready(),
		Started:      &started,
	}
	switch {
	case c.proc != nil:
		st.State.Running = &v1.ContainerStateRunning{StartedAt: apiTime(c.startedAt)}
	case c.terminated != nil:
		st.State.Terminated = c.terminated.DeepCopy()
	case c.lastTerm != nil && now.Before(c.nextStart):
		st.State.Waiting = &v1.ContainerStateWaiting{
			Reason:  "CrashLoopBackOff",
			Message: crashLoopMessage(c.delay, c.spec.Name, pod),
		}
	case c.waiting != nil:
		st.State.Waiting = c.waiting.DeepCopy()
	default:
		st.State.Waiting = &v1.ContainerStateWaiting{Reason: "ContainerCreating"}
	}
	if c.lastTerm != nil {
		st.LastTerminationState.Terminated = c.lastTerm.DeepCopy()
	}
	return st
}
