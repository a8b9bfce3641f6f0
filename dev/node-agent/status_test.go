package main

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

func TestBackoff(t *testing.T) {
	var b backoff
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 300 * time.Second, 300 * time.Second, 300 * time.Second}
	for i, w := range want {
		if got := b.next(time.Second); got != w {
			t.Errorf("exit %d: back-off %s, want %s", i+1, got, w)
		}
	}
	// Ten minutes of running resets it.
	if got := b.next(11 * time.Minute); got != 0 {
		t.Errorf("after a long run: %s, want 0", got)
	}
	if got := b.next(time.Second); got != 10*time.Second {
		t.Errorf("after reset, second exit: %s, want 10s", got)
	}
}

func TestCondTrackerTransitionTimes(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := newCondTracker(nil)
	c := tr.set(v1.PodReady, v1.ConditionFalse, "ContainersNotReady", "a", t0)
	if !c.LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("first set: %v", c.LastTransitionTime)
	}
	// Same status, other message: the transition time stays.
	c = tr.set(v1.PodReady, v1.ConditionFalse, "ContainersNotReady", "b", t0.Add(5*time.Second))
	if !c.LastTransitionTime.Time.Equal(t0) || c.Message != "b" {
		t.Fatalf("unchanged status moved the time: %+v", c)
	}
	c = tr.set(v1.PodReady, v1.ConditionTrue, "", "", t0.Add(7*time.Second))
	if !c.LastTransitionTime.Time.Equal(t0.Add(7 * time.Second)) {
		t.Fatalf("flip did not move the time: %v", c.LastTransitionTime)
	}
	// Sub-second precision is dropped, as the API stores it.
	c = tr.set(v1.PodReady, v1.ConditionFalse, "", "", t0.Add(9*time.Second+400*time.Millisecond))
	if !c.LastTransitionTime.Time.Equal(t0.Add(9 * time.Second)) {
		t.Fatalf("time not truncated: %v", c.LastTransitionTime)
	}
	// Existing conditions (after an agent restart) keep their times.
	tr2 := newCondTracker([]v1.PodCondition{c})
	c2 := tr2.set(v1.PodReady, v1.ConditionFalse, "", "", t0.Add(time.Hour))
	if !c2.LastTransitionTime.Equal(&c.LastTransitionTime) {
		t.Fatalf("restored condition moved: %v", c2.LastTransitionTime)
	}
}

func TestMergeConditionsKeepsForeign(t *testing.T) {
	existing := []v1.PodCondition{
		{Type: v1.PodScheduled, Status: v1.ConditionTrue},
		{Type: v1.PodReady, Status: v1.ConditionFalse},
		{Type: "DisruptionTarget", Status: v1.ConditionTrue},
	}
	owned := []v1.PodCondition{{Type: v1.PodReady, Status: v1.ConditionTrue}, {Type: v1.ContainersReady, Status: v1.ConditionTrue}}
	got := mergeConditions(existing, owned)
	if len(got) != 4 || got[0].Type != v1.PodScheduled || got[1].Status != v1.ConditionTrue ||
		got[2].Type != "DisruptionTarget" || got[3].Type != v1.ContainersReady {
		t.Fatalf("merge: %+v", got)
	}
}

func TestPodPhase(t *testing.T) {
	running := v1.ContainerStatus{Name: "a", State: v1.ContainerState{Running: &v1.ContainerStateRunning{}}}
	waiting := v1.ContainerStatus{Name: "a", State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "ErrImagePull"}}}
	ok := v1.ContainerStatus{Name: "a", State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 0}}}
	bad := v1.ContainerStatus{Name: "a", State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 1}}}
	backoff := v1.ContainerStatus{Name: "a",
		State:                v1.ContainerState{Waiting: &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{ExitCode: 1}}}
	spec := func(p v1.RestartPolicy) *v1.PodSpec {
		return &v1.PodSpec{RestartPolicy: p, Containers: []v1.Container{{Name: "a"}}}
	}
	cases := []struct {
		policy v1.RestartPolicy
		st     v1.ContainerStatus
		want   v1.PodPhase
	}{
		{v1.RestartPolicyAlways, running, v1.PodRunning},
		{v1.RestartPolicyAlways, waiting, v1.PodPending},
		{v1.RestartPolicyAlways, backoff, v1.PodRunning},
		{v1.RestartPolicyNever, ok, v1.PodSucceeded},
		{v1.RestartPolicyNever, bad, v1.PodFailed},
		{v1.RestartPolicyOnFailure, ok, v1.PodSucceeded},
		{v1.RestartPolicyOnFailure, backoff, v1.PodRunning},
	}
	for _, c := range cases {
		if got := podPhase(spec(c.policy), true, false, []v1.ContainerStatus{c.st}); got != c.want {
			t.Errorf("%s with %+v: %s, want %s", c.policy, c.st.State, got, c.want)
		}
	}
	if got := podPhase(spec(v1.RestartPolicyAlways), false, false, nil); got != v1.PodPending {
		t.Errorf("uninitialized: %s", got)
	}
	if got := podPhase(spec(v1.RestartPolicyNever), false, true, nil); got != v1.PodFailed {
		t.Errorf("failed init: %s", got)
	}
}
