package main

// Pod sync against a fake API (client-go's fake clientset) with real
// processes: what a pod looks like to the API at each step.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

const testNode = "kappa-node-1"

type testAgent struct {
	t       *testing.T
	client  kubernetes.Interface
	agent   *Agent
	cancel  context.CancelFunc
	done    chan struct{}
	podsDir string
}

func startTestAgent(t *testing.T) *testAgent {
	t.Helper()
	dir := t.TempDir()
	imageMap := filepath.Join(dir, "images.json")
	if err := os.WriteFile(imageMap, []byte(`{"images": {
		"kappa.dev/sleep": "/bin/sleep",
		"kappa.dev/sh": "/bin/sh",
		"kappa.dev/test-http": "/usr/bin/python3"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	client := fake.NewClientset()
	ips, _ := newIPAllocator("127.77.1", 1)
	a := newAgent(client, agentConfig{
		nodeName: testNode, podsDir: filepath.Join(dir, "pods"), imageMapPath: imageMap, apiPort: "6443",
	}, ips)
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAgent{t: t, client: client, agent: a, cancel: cancel, done: make(chan struct{}), podsDir: filepath.Join(dir, "pods")}
	go func() {
		defer close(ta.done)
		a.run(ctx)
	}()
	waitFor(t, 10*time.Second, "informer sync", func() (bool, string) { return a.synced.Load(), "" })
	t.Cleanup(ta.stop)
	return ta
}

func (ta *testAgent) stop() {
	ta.cancel()
	select {
	case <-ta.done:
	case <-time.After(20 * time.Second):
		ta.t.Error("agent did not stop")
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

func newPod(name string, containers ...v1.Container) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(uniqueUID(name))},
		Spec: v1.PodSpec{
			NodeName:                      testNode,
			RestartPolicy:                 v1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr(int64(5)),
			Containers:                    containers,
		},
	}
}

func uniqueUID(name string) string { return strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + name }

func (ta *testAgent) create(pod *v1.Pod) {
	ta.t.Helper()
	if _, err := ta.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		ta.t.Fatal(err)
	}
}

func (ta *testAgent) get(name string) *v1.Pod {
	pod, err := ta.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return pod
}

// waitPod waits until cond holds for the pod as the API has it.
func (ta *testAgent) waitPod(name, what string, timeout time.Duration, cond func(*v1.Pod) bool) *v1.Pod {
	ta.t.Helper()
	var pod *v1.Pod
	waitFor(ta.t, timeout, name+": "+what, func() (bool, string) {
		pod = ta.get(name)
		if pod == nil {
			return false, "pod not found"
		}
		return cond(pod), fmt.Sprintf("%+v", pod.Status)
	})
	return pod
}

func condStatus(pod *v1.Pod, typ v1.PodConditionType) v1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

func pidOf(t *testing.T, cs v1.ContainerStatus) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimPrefix(cs.ContainerID, "local://"))
	if err != nil {
		t.Fatalf("containerID %q: %v", cs.ContainerID, err)
	}
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestUnknownImageIsErrImagePull(t *testing.T) {
	ta := startTestAgent(t)
	ta.create(newPod("unknown", v1.Container{Name: "c", Image: "kappa.dev/nope:1"}))
	pod := ta.waitPod("unknown", "ErrImagePull", 10*time.Second, func(p *v1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "ErrImagePull"
	})
	w := pod.Status.ContainerStatuses[0].State.Waiting
	if !strings.Contains(w.Message, `image "kappa.dev/nope:1" is not in the node agent's image map`) {
		t.Errorf("message: %q", w.Message)
	}
	if pod.Status.Phase != v1.PodPending || condStatus(pod, v1.PodReady) != v1.ConditionFalse {
		t.Errorf("phase %s ready %s", pod.Status.Phase, condStatus(pod, v1.PodReady))
	}
	if !strings.HasPrefix(pod.Status.PodIP, "127.77.1.") || pod.Status.HostIP != "127.0.0.1" {
		t.Errorf("IPs: pod %q host %q", pod.Status.PodIP, pod.Status.HostIP)
	}
}

func TestRunReadyAndGracefulDelete(t *testing.T) {
	ta := startTestAgent(t)
	ta.create(newPod("sleeper", v1.Container{Name: "main", Image: "kappa.dev/sleep:1", Args: []string{"1000"}}))
	pod := ta.waitPod("sleeper", "Running and Ready", 10*time.Second, func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning && condStatus(p, v1.PodReady) == v1.ConditionTrue
	})
	cs := pod.Status.ContainerStatuses[0]
	if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started || cs.ImageID != "kappa-local:///bin/sleep" {
		t.Errorf("container status: %+v", cs)
	}
	pid := pidOf(t, cs)
	if !alive(pid) {
		t.Fatalf("pid %d not running", pid)
	}
	for _, c := range []v1.PodConditionType{v1.PodScheduled, v1.PodInitialized, v1.ContainersReady, v1.PodReadyToStartContainers} {
		if condStatus(pod, c) != v1.ConditionTrue {
			t.Errorf("condition %s = %q", c, condStatus(pod, c))
		}
	}
	// A pod whose state does not change causes no further status writes.
	writes := func() int {
		n := 0
		for _, a := range ta.client.(*fake.Clientset).Actions() {
			if a.GetVerb() == "update" && a.GetSubresource() == "status" {
				n++
			}
		}
		return n
	}
	before := writes()
	time.Sleep(1500 * time.Millisecond)
	if after := writes(); after != before {
		t.Errorf("idle pod: %d status writes in 1.5s", after-before)
	}

	// Graceful deletion as the API server does it: deletionTimestamp set.
	now := metav1.Now()
	pod.DeletionTimestamp = &now
	pod.DeletionGracePeriodSeconds = ptr(int64(5))
	if _, err := ta.client.CoreV1().Pods("default").Update(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "pod object deleted", func() (bool, string) {
		_, err := ta.client.CoreV1().Pods("default").Get(context.Background(), "sleeper", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	if alive(pid) {
		t.Errorf("pid %d still running after deletion", pid)
	}
	waitFor(t, 5*time.Second, "IP released", func() (bool, string) { return ta.agent.ips.InUse() == 0, "" })
}

func TestForceDeleteKillsAtOnce(t *testing.T) {
	ta := startTestAgent(t)
	// A process that ignores SIGTERM: only SIGKILL stops it.
	ta.create(newPod("stubborn", v1.Container{Name: "main", Image: "kappa.dev/sh",
		Command: []string{"/bin/sh", "-c", "trap '' TERM; sleep 1000 & wait; sleep 1000"}}))
	pod := ta.waitPod("stubborn", "Running", 10*time.Second, func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
	pid := pidOf(t, pod.Status.ContainerStatuses[0])
	start := time.Now()
	if err := ta.client.CoreV1().Pods("default").Delete(context.Background(), "stubborn", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "process killed", func() (bool, string) { return !alive(pid), "" })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("force delete took %s", d)
	}
	// Its child (sleep, same process group) is gone too.
	waitFor(t, 3*time.Second, "process group gone", func() (bool, string) { return syscall.Kill(-pid, 0) != nil, "" })
}

func TestHTTPReadinessProbeAndEnvExpansion(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("python3 not installed")
	}
	ta := startTestAgent(t)
	ta.create(newPod("web", v1.Container{
		Name:  "web",
		Image: "kappa.dev/test-http:1",
		Args:  []string{"-m", "http.server", "--bind", "$(POD_IP)", "8080"},
		Env: []v1.EnvVar{{Name: "POD_IP", ValueFrom: &v1.EnvVarSource{
			FieldRef: &v1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
		Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		ReadinessProbe: &v1.Probe{
			ProbeHandler:  v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
			PeriodSeconds: 10, // the first success is still seen within ~1s
		},
	}))
	pod := ta.waitPod("web", "Ready", 15*time.Second, func(p *v1.Pod) bool { return condStatus(p, v1.PodReady) == v1.ConditionTrue })
	resp, err := http.Get("http://" + pod.Status.PodIP + ":8080/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

func TestRestartPolicies(t *testing.T) {
	ta := startTestAgent(t)
	sh := func(name, script string, policy v1.RestartPolicy) {
		p := newPod(name, v1.Container{Name: "main", Image: "kappa.dev/sh", Args: []string{"-c", script}})
		p.Spec.RestartPolicy = policy
		ta.create(p)
	}
	sh("never-fails", "echo bye; exit 3", v1.RestartPolicyNever)
	sh("onfailure-ok", "exit 0", v1.RestartPolicyOnFailure)
	sh("always-crashes", "exit 1", v1.RestartPolicyAlways)

	pod := ta.waitPod("never-fails", "Failed", 10*time.Second, func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed })
	term := pod.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 3 || term.Reason != "Error" || pod.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("never-fails: %+v", pod.Status.ContainerStatuses[0])
	}
	logData, _ := os.ReadFile(filepath.Join(ta.podsDir, "default_never-fails", "main.log"))
	if string(logData) != "bye\n" {
		t.Errorf("log file: %q", logData)
	}

	pod = ta.waitPod("onfailure-ok", "Succeeded", 10*time.Second, func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded })
	if term := pod.Status.ContainerStatuses[0].State.Terminated; term == nil || term.Reason != "Completed" {
		t.Errorf("onfailure-ok: %+v", pod.Status.ContainerStatuses[0])
	}

	// Always: restarted at once, then CrashLoopBackOff with the kubelet's message.
	pod = ta.waitPod("always-crashes", "CrashLoopBackOff", 10*time.Second, func(p *v1.Pod) bool {
		if len(p.Status.ContainerStatuses) == 0 {
			return false
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff"
	})
	cs := pod.Status.ContainerStatuses[0]
	if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 {
		t.Errorf("always-crashes: %+v", cs)
	}
	if want := "back-off 10s restarting failed container=main pod=always-crashes_default("; !strings.HasPrefix(cs.State.Waiting.Message, want) {
		t.Errorf("message %q, want prefix %q", cs.State.Waiting.Message, want)
	}
	if pod.Status.Phase != v1.PodRunning {
		t.Errorf("crash-looping pod phase %s", pod.Status.Phase)
	}
}

// FallbackToLogsOnError: a failed container's termination message is the
// end of its log (what the operator shows in a Stalled condition); a
// container without the policy, or one that succeeded, has none.
func TestFallbackToLogsOnErrorReportsTheLogTail(t *testing.T) {
	ta := startTestAgent(t)
	sh := func(name, script string, policy v1.TerminationMessagePolicy) {
		p := newPod(name, v1.Container{Name: "main", Image: "kappa.dev/sh", Args: []string{"-c", script},
			TerminationMessagePolicy: policy})
		p.Spec.RestartPolicy = v1.RestartPolicyNever
		ta.create(p)
	}
	sh("refuses", "for i in $(seq 1 200); do echo line $i; done; echo 'KAPPA_CONFIG.sql: JOIN is not supported' >&2; exit 2",
		v1.TerminationMessageFallbackToLogsOnError)
	sh("plain", "echo no; exit 2", v1.TerminationMessageReadFile)
	sh("fine", "echo yes", v1.TerminationMessageFallbackToLogsOnError)
	failed := func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed || p.Status.Phase == v1.PodSucceeded }

	term := ta.waitPod("refuses", "ended", 10*time.Second, failed).Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 2 || !strings.HasSuffix(term.Message, "KAPPA_CONFIG.sql: JOIN is not supported") {
		t.Fatalf("refuses: %+v", term)
	}
	if lines := strings.Count(term.Message, "\n") + 1; lines != 80 || strings.Contains(term.Message, "line 120\n") {
		t.Errorf("the message holds %d lines, want the last 80: %q", lines, term.Message)
	}
	for _, name := range []string{"plain", "fine"} {
		term := ta.waitPod(name, "ended", 10*time.Second, failed).Status.ContainerStatuses[0].State.Terminated
		if term == nil || term.Message != "" {
			t.Errorf("%s: message %+v, want none", name, term)
		}
	}
}

func TestLivenessFailureRestarts(t *testing.T) {
	ta := startTestAgent(t)
	p := newPod("unhealthy", v1.Container{
		Name: "main", Image: "kappa.dev/sleep", Args: []string{"1000"},
		LivenessProbe: &v1.Probe{
			ProbeHandler:  v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"false"}}},
			PeriodSeconds: 1, FailureThreshold: 1,
		},
	})
	p.Spec.TerminationGracePeriodSeconds = ptr(int64(1))
	ta.create(p)
	pod := ta.waitPod("unhealthy", "restarted", 15*time.Second, func(p *v1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	last := pod.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last == nil || last.ExitCode != 128+int32(syscall.SIGTERM) {
		t.Errorf("last termination: %+v", last)
	}
}

func TestMissingSecretThenCreated(t *testing.T) {
	ta := startTestAgent(t)
	ta.create(newPod("needs-secret", v1.Container{Name: "main", Image: "kappa.dev/sleep", Args: []string{"1000"},
		Env: []v1.EnvVar{{Name: "TOKEN", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "tok"}, Key: "t"}}}}}))
	pod := ta.waitPod("needs-secret", "CreateContainerConfigError", 10*time.Second, func(p *v1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError"
	})
	if msg := pod.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, `secret "tok" not found`) {
		t.Errorf("message %q", msg)
	}
	if _, err := ta.client.CoreV1().Secrets("default").Create(context.Background(), &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "tok", Namespace: "default"}, Data: map[string][]byte{"t": []byte("x")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ta.waitPod("needs-secret", "Running after the secret appears", 10*time.Second, func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning
	})
}

func TestInitContainersRunFirst(t *testing.T) {
	ta := startTestAgent(t)
	p := newPod("with-init", v1.Container{Name: "main", Image: "kappa.dev/sh", Args: []string{"-c", "cat marker && sleep 1000"}})
	p.Spec.InitContainers = []v1.Container{{Name: "prep", Image: "kappa.dev/sh", Args: []string{"-c", "echo ok > marker"}}}
	ta.create(p)
	pod := ta.waitPod("with-init", "Running", 10*time.Second, func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodRunning && condStatus(p, v1.PodInitialized) == v1.ConditionTrue
	})
	if ics := pod.Status.InitContainerStatuses; len(ics) != 1 || ics[0].State.Terminated == nil || ics[0].State.Terminated.ExitCode != 0 {
		t.Errorf("init status: %+v", ics)
	}
}

func TestAgentShutdownStopsEverything(t *testing.T) {
	ta := startTestAgent(t)
	ta.create(newPod("a", v1.Container{Name: "main", Image: "kappa.dev/sleep", Args: []string{"1000"}}))
	ta.create(newPod("b", v1.Container{Name: "main", Image: "kappa.dev/sh", Args: []string{"-c", "trap '' TERM; sleep 1000 & wait"}}))
	var pids []int
	for _, n := range []string{"a", "b"} {
		pod := ta.waitPod(n, "Running", 10*time.Second, func(p *v1.Pod) bool { return p.Status.Phase == v1.PodRunning })
		pids = append(pids, pidOf(t, pod.Status.ContainerStatuses[0]))
	}
	ta.stop()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("pid %d survived agent shutdown", pid)
		}
		// Killed children are reaped by init a moment later.
		waitFor(t, 3*time.Second, "process group gone", func() (bool, string) { return syscall.Kill(-pid, 0) != nil, "" })
	}
}
