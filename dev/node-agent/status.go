package main

// Pure pieces of pod status: phase, conditions with stable transition times,
// and crash-loop back-off. Kept free of I/O so they are unit-tested alone.

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// apiTime is t at the API's precision (seconds), so a status built twice
// from the same state compares equal to what was written.
func apiTime(t time.Time) metav1.Time { return metav1.NewTime(t.Truncate(time.Second)) }

// condTracker remembers each condition so lastTransitionTime moves only
// when the status changes.
type condTracker struct {
	conds map[v1.PodConditionType]v1.PodCondition
}

func newCondTracker(existing []v1.PodCondition) *condTracker {
	t := &condTracker{conds: map[v1.PodConditionType]v1.PodCondition{}}
	for _, c := range existing {
		t.conds[c.Type] = c
	}
	return t
}

func (t *condTracker) set(typ v1.PodConditionType, status v1.ConditionStatus, reason, message string, now time.Time) v1.PodCondition {
	c := v1.PodCondition{Type: typ, Status: status, Reason: reason, Message: message}
	if old, ok := t.conds[typ]; ok && old.Status == status && !old.LastTransitionTime.IsZero() {
		c.LastTransitionTime = old.LastTransitionTime
	} else {
		c.LastTransitionTime = apiTime(now)
	}
	t.conds[typ] = c
	return c
}

// mergeConditions replaces the conditions we own in existing (keeping their
// place) and appends the rest, leaving conditions of other writers alone
// (PodScheduled from the scheduler, DisruptionTarget, readiness gates).
func mergeConditions(existing, owned []v1.PodCondition) []v1.PodCondition {
	out := make([]v1.PodCondition, 0, len(existing)+len(owned))
	used := map[v1.PodConditionType]bool{}
	for _, c := range existing {
		replaced := false
		for _, o := range owned {
			if o.Type == c.Type {
				out = append(out, o)
				used[o.Type] = true
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, c)
		}
	}
	for _, o := range owned {
		if !used[o.Type] {
			out = append(out, o)
		}
	}
	return out
}

// podPhase follows the kubelet's getPhase: from container states and the
// restart policy. initFailed: an init container failed for good.
func podPhase(spec *v1.PodSpec, initDone, initFailed bool, statuses []v1.ContainerStatus) v1.PodPhase {
	if initFailed {
		return v1.PodFailed
	}
	if !initDone {
		return v1.PodPending
	}
	var running, waiting, stopped, succeeded, unknown int
	for _, c := range spec.Containers {
		var st *v1.ContainerStatus
		for i := range statuses {
			if statuses[i].Name == c.Name {
				st = &statuses[i]
			}
		}
		switch {
		case st == nil:
			unknown++
		case st.State.Running != nil:
			running++
		case st.State.Terminated != nil:
			stopped++
			if st.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case st.State.Waiting != nil:
			if st.LastTerminationState.Terminated != nil {
				stopped++ // restarting after an exit
			} else {
				waiting++
			}
		default:
			unknown++
		}
	}
	switch {
	case waiting > 0:
		return v1.PodPending
	case running > 0 && unknown == 0:
		return v1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		if spec.RestartPolicy == v1.RestartPolicyAlways || spec.RestartPolicy == "" {
			return v1.PodRunning
		}
		if stopped == succeeded {
			return v1.PodSucceeded
		}
		if spec.RestartPolicy == v1.RestartPolicyNever {
			return v1.PodFailed
		}
		return v1.PodRunning
	}
	return v1.PodPending
}

// podConditions computes the conditions we own.
func podConditions(t *condTracker, pod *v1.Pod, phase v1.PodPhase, sandboxReady bool, sandboxMsg string,
	initDone bool, pendingInit []string, statuses []v1.ContainerStatus, now time.Time) []v1.PodCondition {
	var out []v1.PodCondition
	// PodScheduled belongs to the scheduler; fill it in only for pods bound
	// without one (created with spec.nodeName set).
	scheduled := false
	for _, c := range pod.Status.Conditions {
		scheduled = scheduled || c.Type == v1.PodScheduled
	}
	if !scheduled {
		out = append(out, t.set(v1.PodScheduled, v1.ConditionTrue, "", "", now))
	}
	if sandboxReady {
		out = append(out, t.set(v1.PodReadyToStartContainers, v1.ConditionTrue, "", "", now))
	} else {
		out = append(out, t.set(v1.PodReadyToStartContainers, v1.ConditionFalse, "PodIPNotAllocated", sandboxMsg, now))
	}
	if initDone {
		out = append(out, t.set(v1.PodInitialized, v1.ConditionTrue, "", "", now))
	} else {
		out = append(out, t.set(v1.PodInitialized, v1.ConditionFalse, "ContainersNotInitialized",
			fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(pendingInit, " ")), now))
	}

	var unready []string
	for _, c := range pod.Spec.Containers {
		ready := false
		for _, s := range statuses {
			if s.Name == c.Name {
				ready = s.Ready
			}
		}
		if !ready {
			unready = append(unready, c.Name)
		}
	}
	switch {
	case phase == v1.PodSucceeded || phase == v1.PodFailed:
		out = append(out, t.set(v1.ContainersReady, v1.ConditionFalse, "PodCompleted", "", now))
		out = append(out, t.set(v1.PodReady, v1.ConditionFalse, "PodCompleted", "", now))
	case len(unready) > 0:
		msg := fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		out = append(out, t.set(v1.ContainersReady, v1.ConditionFalse, "ContainersNotReady", msg, now))
		out = append(out, t.set(v1.PodReady, v1.ConditionFalse, "ContainersNotReady", msg, now))
	default:
		out = append(out, t.set(v1.ContainersReady, v1.ConditionTrue, "", "", now))
		// Readiness gates: conditions other controllers set on the pod.
		var notTrue []string
		for _, g := range pod.Spec.ReadinessGates {
			ok := false
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType && c.Status == v1.ConditionTrue {
					ok = true
				}
			}
			if !ok {
				notTrue = append(notTrue, string(g.ConditionType))
			}
		}
		if len(notTrue) > 0 {
			sort.Strings(notTrue)
			out = append(out, t.set(v1.PodReady, v1.ConditionFalse, "ReadinessGatesNotReady",
				fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist or is not True", notTrue[0]), now))
		} else {
			out = append(out, t.set(v1.PodReady, v1.ConditionTrue, "", "", now))
		}
	}
	return out
}

// Crash-loop back-off, as the kubelet does it: the first restart is
// immediate, then 10s, 20s, 40s ... capped at 5 minutes; a container that
// ran for 10 minutes before exiting starts over.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 10 * time.Minute
)

type backoff struct {
	exits int // exits counted since the last reset
}

// next returns how long to wait before restarting after an exit from an
// instance that ran for ranFor.
func (b *backoff) next(ranFor time.Duration) time.Duration {
	if ranFor >= backoffReset {
		b.exits = 0
	}
	b.exits++
	if b.exits == 1 {
		return 0
	}
	d := backoffInitial
	for i := 2; i < b.exits && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}
