package main

// Pod sync: an informer on the pods bound to this node, and one worker
// goroutine per pod (by UID) that owns that pod's processes and status, so
// no pod state is shared between goroutines.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
)

const (
	// A pod's status is written at most this often, so a flapping probe or
	// a crash loop cannot hammer the API server.
	minStatusInterval = 300 * time.Millisecond
	// Waiting containers (unknown image, missing secret, no free IP) are
	// retried this often.
	retryInterval = 3 * time.Second
	// Volumes that could not be set up are retried sooner: the usual cause
	// is a ConfigMap about to appear (kube-root-ca.crt in a new namespace).
	volumeRetryInterval = 500 * time.Millisecond
	// Grace for pod processes when the agent itself stops.
	shutdownGrace = 5 * time.Second
	// Default pod termination grace period.
	defaultGrace = 30 * time.Second
)

type agentConfig struct {
	nodeName     string
	podsDir      string
	imageMapPath string
	apiPort      string // the API server's port, for KUBERNETES_SERVICE_PORT
}

type Agent struct {
	client kubernetes.Interface
	cfg    agentConfig
	images *imageMap
	ips    *ipAllocator
	env    *envSource
	ctx    context.Context
	events record.EventRecorder

	mu       sync.Mutex
	workers  map[types.UID]*podWorker
	finished map[types.UID]time.Time // workers that are done, so late events do not revive them
	wg       sync.WaitGroup
	synced   atomic.Bool
}

func newAgent(client kubernetes.Interface, cfg agentConfig, ips *ipAllocator) *Agent {
	return &Agent{
		client:   client,
		cfg:      cfg,
		images:   newImageMap(cfg.imageMapPath),
		ips:      ips,
		env:      &envSource{client: client, apiPort: cfg.apiPort, node: nodeAllocatable()},
		workers:  map[types.UID]*podWorker{},
		finished: map[types.UID]time.Time{},
	}
}

// run watches this node's pods until ctx ends, then stops every pod's
// processes and returns once they are gone.
func (a *Agent) run(ctx context.Context) {
	a.ctx = ctx
	var stopEvents func()
	a.events, stopEvents = newEventRecorder(ctx, a.client, a.cfg.nodeName)
	defer stopEvents()
	factory := informers.NewSharedInformerFactoryWithOptions(a.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = "spec.nodeName=" + a.cfg.nodeName
		}))
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { a.podSeen(obj) },
		UpdateFunc: func(_, obj any) { a.podSeen(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*v1.Pod); ok {
				a.podGone(pod.UID)
			}
		},
	})
	factory.Start(ctx.Done())
	if cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		a.synced.Store(true)
		log.Printf("watching pods on node %s", a.cfg.nodeName)
	}
	<-ctx.Done()
	factory.Shutdown()
	a.wg.Wait()
}

func (a *Agent) podSeen(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok || pod.Spec.NodeName != a.cfg.nodeName {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ctx.Err() != nil {
		return
	}
	w := a.workers[pod.UID]
	if w == nil {
		if _, done := a.finished[pod.UID]; done {
			return
		}
		w = &podWorker{a: a, uid: pod.UID, name: pod.Namespace + "/" + pod.Name,
			latest: pod, wakeCh: make(chan struct{}, 1)}
		a.workers[pod.UID] = w
		a.wg.Add(1)
		go w.run(a.ctx)
		return
	}
	w.mu.Lock()
	w.latest = pod
	w.mu.Unlock()
	w.wake()
}

func (a *Agent) podGone(uid types.UID) {
	a.mu.Lock()
	w := a.workers[uid]
	a.mu.Unlock()
	if w != nil {
		w.mu.Lock()
		w.gone = true
		w.mu.Unlock()
		w.wake()
	}
}

func (a *Agent) workerDone(w *podWorker) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.workers, w.uid)
	now := time.Now()
	a.finished[w.uid] = now
	for uid, t := range a.finished {
		if now.Sub(t) > 10*time.Minute {
			delete(a.finished, uid)
		}
	}
	a.wg.Done()
}

// podWorker runs one pod. Fields below the mutex are touched only by its
// own goroutine.
type podWorker struct {
	a    *Agent
	uid  types.UID
	name string // namespace/name, for logs

	mu     sync.Mutex
	latest *v1.Pod
	gone   bool // the pod object no longer exists
	wakeCh chan struct{}

	pod          *v1.Pod
	setupDone    bool
	adopted      bool // pod was already Succeeded/Failed when we first saw it: leave it be
	dir          string
	ip           string
	ipErr        string
	vols         *podVolumes
	volRetry     bool // volume setup failed: retry soon
	startTime    time.Time
	initCtrs     []*containerRT
	ctrs         []*containerRT
	initialized  bool
	conds        *condTracker
	phase        v1.PodPhase
	terminal     bool
	terminating  bool
	termStart    time.Time
	termDeadline time.Time
	lastSent     *v1.PodStatus
	lastWrite    time.Time
}

func (w *podWorker) wake() {
	select {
	case w.wakeCh <- struct{}{}:
	default:
	}
}

// event records an event on the pod.
func (w *podWorker) event(eventType, reason, format string, args ...any) {
	if w.pod != nil && w.a.events != nil {
		w.a.events.Eventf(w.pod, eventType, reason, format, args...)
	}
}

func (w *podWorker) run(ctx context.Context) {
	defer w.a.workerDone(w)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			w.shutdown()
			return
		}
		next, done := w.sync(ctx)
		if done {
			return
		}
		timer.Reset(next)
		select {
		case <-ctx.Done():
		case <-w.wakeCh:
		case <-timer.C:
		}
	}
}

func (w *podWorker) all() []*containerRT {
	return append(append([]*containerRT{}, w.initCtrs...), w.ctrs...)
}

// setup prepares the pod on first sight. Processes are never adopted: an
// agent restart starts the pod's containers afresh, keeping restart counts.
func (w *podWorker) setup(pod *v1.Pod, now time.Time) {
	w.setupDone = true
	w.dir = filepath.Join(w.a.cfg.podsDir, pod.Namespace+"_"+pod.Name)
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		log.Printf("pod %s: create pod dir: %v", w.name, err)
	}
	w.vols = newPodVolumes(w.a.client, w.a.env, w.dir)
	w.conds = newCondTracker(pod.Status.Conditions)
	w.startTime = now
	if pod.Status.StartTime != nil {
		w.startTime = pod.Status.StartTime.Time
	}
	restarts := map[string]int32{}
	for _, s := range append(append([]v1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		restarts[s.Name] = s.RestartCount
	}
	for _, c := range pod.Spec.InitContainers {
		kind := initContainer
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			kind = sidecarContainer
		}
		rt := newContainerRT(c, kind, pod.Spec.RestartPolicy)
		rt.restartCount = restarts[c.Name]
		w.initCtrs = append(w.initCtrs, rt)
	}
	for _, c := range pod.Spec.Containers {
		rt := newContainerRT(c, regularContainer, pod.Spec.RestartPolicy)
		rt.restartCount = restarts[c.Name]
		w.ctrs = append(w.ctrs, rt)
	}
	if pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed {
		w.adopted, w.terminal, w.phase = true, true, pod.Status.Phase
	}
	log.Printf("pod %s: assigned to this node (uid %s)", w.name, pod.UID)
}

// sync moves the pod one step towards its desired state and returns when
// to look again (sooner if woken).
func (w *podWorker) sync(ctx context.Context) (time.Duration, bool) {
	w.mu.Lock()
	pod, gone := w.latest, w.gone
	w.mu.Unlock()
	now := time.Now()
	if gone {
		w.stopAll(0)
		w.release()
		log.Printf("pod %s: removed from the API; its processes are stopped", w.name)
		return 0, true
	}
	w.pod = pod
	if !w.setupDone {
		w.setup(pod, now)
	}
	if pod.DeletionTimestamp != nil {
		return w.syncDeleting(ctx, now)
	}
	if w.adopted {
		return time.Hour, false // a finished pod: nothing runs, nothing to report
	}
	w.reap(now, !w.terminal)
	w.volRetry = false
	if w.vols.due(now) && !w.terminal {
		if err := w.vols.sync(ctx, pod, w.ip, now); err != nil {
			log.Printf("pod %s: refresh volumes: %v (keeping their previous content)", w.name, err)
		}
	}
	if w.ip == "" {
		w.allocateIP()
	}
	if w.ip != "" && !w.terminal {
		w.startContainers(ctx, now)
		w.applyProbeKills()
	}
	status := w.buildStatus(now)
	if status.Phase != w.phase {
		log.Printf("pod %s: phase %s", w.name, status.Phase)
		w.phase = status.Phase
	}
	if !w.terminal && (status.Phase == v1.PodSucceeded || status.Phase == v1.PodFailed) {
		w.terminal = true
		// Whatever still runs (sidecars) ends with the pod.
		for _, c := range w.all() {
			if c.proc != nil {
				c.proc.stopAsync(w.graceOf(pod))
			}
		}
	}
	next := min(w.writeStatus(ctx, status, now), w.nextEvent(now), retryInterval)
	if w.volRetry {
		next = min(next, volumeRetryInterval)
	}
	if w.vols.ready && !w.terminal {
		next = min(next, max(w.vols.next.Sub(now), 0))
	}
	return next, false
}

func (w *podWorker) graceOf(pod *v1.Pod) time.Duration {
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return defaultGrace
}

// nextEvent is when a back-off ends.
func (w *podWorker) nextEvent(now time.Time) time.Duration {
	next := time.Hour
	for _, c := range w.all() {
		if c.proc == nil && c.terminated == nil && c.nextStart.After(now) {
			next = min(next, c.nextStart.Sub(now))
		}
	}
	return next
}

func (w *podWorker) allocateIP() {
	if w.pod.Spec.HostNetwork {
		w.ip = hostIP
		return
	}
	ip, err := w.a.ips.Allocate(string(w.uid), w.pod.Status.PodIP)
	if err != nil {
		if w.ipErr != err.Error() {
			log.Printf("pod %s: cannot start: %v", w.name, err)
		}
		w.ipErr = err.Error()
		return
	}
	w.ip, w.ipErr = ip, ""
	log.Printf("pod %s: IP %s", w.name, ip)
}

// release frees what the pod held; its processes are gone by now.
func (w *podWorker) release() {
	w.a.ips.Release(string(w.uid)) // a no-op for host-network pods, which hold none
	if w.vols != nil {
		w.vols.remove()
	}
}

// reap collects exited processes and applies restart policies.
func (w *podWorker) reap(now time.Time, mayRestart bool) {
	for _, c := range w.all() {
		if c.proc == nil || !c.proc.hasExited() {
			continue
		}
		pid := c.proc.pid
		term := c.exited(now, mayRestart)
		what := "not restarting"
		switch {
		case c.terminated == nil && c.delay > 0:
			what = "restarting in " + c.delay.String()
		case c.terminated == nil:
			what = "restarting"
		}
		log.Printf("pod %s: container %s (pid %d) exited with code %d (%s); %s",
			w.name, c.spec.Name, pid, term.ExitCode, term.Reason, what)
		if c.terminated == nil && c.delay > 0 {
			w.event(v1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", c.spec.Name, w.pod.Name)
		}
	}
}

// initState: whether init containers are through, whether one failed for
// good, and which are still pending.
func (w *podWorker) initState() (done, failed bool, pending []string) {
	if w.initialized {
		return true, false, nil
	}
	for _, c := range w.initCtrs {
		switch {
		case c.kind == sidecarContainer && c.started():
		case c.kind == initContainer && c.succeeded():
		case c.kind == initContainer && c.failedForGood():
			failed = true
			pending = append(pending, c.spec.Name)
		default:
			pending = append(pending, c.spec.Name)
		}
	}
	done = len(pending) == 0
	if done {
		w.initialized = true
	}
	return done, failed, pending
}

// startContainers starts init containers one at a time (sidecars stay up),
// then the regular containers, each when its back-off allows.
func (w *podWorker) startContainers(ctx context.Context, now time.Time) {
	for _, c := range w.initCtrs {
		if c.kind == sidecarContainer {
			if c.proc == nil && c.terminated == nil {
				w.maybeStart(ctx, c, now)
			}
			if !c.started() && !w.initialized {
				return
			}
			continue
		}
		if w.initialized || c.succeeded() {
			continue
		}
		if c.proc == nil && c.terminated == nil {
			w.maybeStart(ctx, c, now)
		}
		return // the next one waits for this one
	}
	if done, _, _ := w.initState(); !done {
		return
	}
	for _, c := range w.ctrs {
		if c.proc == nil && c.terminated == nil {
			w.maybeStart(ctx, c, now)
		}
	}
}

// maybeStart resolves a container's image, environment and command line
// and starts its process, recording why it could not where it cannot.
func (w *podWorker) maybeStart(ctx context.Context, c *containerRT, now time.Time) {
	if now.Before(c.nextStart) {
		return
	}
	pod := w.pod
	var plan *mountPlan // nil: no volumeMounts, no mount namespace
	exe, err := w.a.images.Resolve(c.spec.Image)
	if err != nil {
		if c.setWaiting("ErrImagePull", err.Error()) {
			log.Printf("pod %s: container %s: ErrImagePull: %v", w.name, c.spec.Name, err)
			w.event(v1.EventTypeWarning, "Failed", "Failed to pull image %q: %v", c.spec.Image, err)
		}
		return
	}
	if !w.vols.ready {
		if err := w.vols.sync(ctx, pod, w.ip, now); err != nil {
			w.volRetry = true
			w.volumeFailed(c, err)
			return
		}
	}
	env, err := w.a.env.containerEnv(ctx, pod, &c.spec, w.ip)
	if err == nil {
		var mounts []bindMount
		if mounts, err = containerMounts(pod, &c.spec, w.vols, env); err == nil && len(mounts) > 0 {
			plan = &mountPlan{Mounts: mounts, Hostname: podHostname(pod)}
		}
	}
	if err != nil {
		w.configFailed(c, err)
		return
	}
	dir := c.spec.WorkingDir
	if dir == "" {
		dir = w.dir
	}
	procEnv := processEnv(pod, env)
	argv := containerArgv(&c.spec, env, exe)
	pathEnv, _ := envValue(procEnv, "PATH")
	// Every attempt after the first is a restart, failed starts included.
	if c.starts > 0 {
		c.restartCount++
	}
	c.starts++
	var p *proc
	c.logPath = filepath.Join(w.dir, c.spec.Name+".log")
	path, err := resolveExecutable(argv[0], exe, dir, pathEnv)
	if err == nil {
		argv[0] = path
		p, err = startProc(procSpec{
			path:    path,
			argv:    argv,
			env:     procEnv,
			dir:     dir,
			logPath: c.logPath,
			mounts:  plan,
		}, w.wake)
	}
	if err != nil {
		log.Printf("pod %s: container %s: failed to start %q: %v", w.name, c.spec.Name, argv, err)
		w.event(v1.EventTypeWarning, "Failed", "Error: failed to start container %s: %v", c.spec.Name, err)
		c.startFailed(err, now, true)
		return
	}
	c.proc = p
	c.startedAt = p.startedAt
	c.containerID = "local://" + strconv.Itoa(p.pid)
	c.imageID = "kappa-local://" + exe
	c.waiting = nil
	c.lastError = ""
	c.probes = startProbes(ctx, &c.spec, probeTarget{
		label:     w.name + "/" + c.spec.Name,
		podIP:     w.ip,
		ports:     c.spec.Ports,
		env:       procEnv,
		envVars:   env,
		dir:       dir,
		mounts:    plan,
		startedAt: p.startedAt,
		event: func(eventType, reason, format string, args ...any) {
			if w.a.events != nil {
				w.a.events.Eventf(pod, eventType, reason, format, args...)
			}
		},
	}, w.wake)
	w.event(v1.EventTypeNormal, "Started", "Started container %s", c.spec.Name)
	log.Printf("pod %s: container %s started: pid %d, ip %s: %s", w.name, c.spec.Name, p.pid, w.ip, strings.Join(argv, " "))
}

// configFailed: the container cannot be configured (missing ConfigMap or
// Secret, bad reference); retried every retryInterval.
func (w *podWorker) configFailed(c *containerRT, err error) {
	if c.setWaiting("CreateContainerConfigError", err.Error()) {
		log.Printf("pod %s: container %s: CreateContainerConfigError: %v", w.name, c.spec.Name, err)
		w.event(v1.EventTypeWarning, "Failed", "Error: %v", err)
	}
}

// volumeFailed: a configuration error is the container's, anything else
// (a failed token request) leaves it ContainerCreating, as the kubelet does.
func (w *podWorker) volumeFailed(c *containerRT, err error) {
	var cfgErr configError
	if errors.As(err, &cfgErr) {
		w.configFailed(c, err)
		return
	}
	if c.setWaiting("ContainerCreating", err.Error()) {
		log.Printf("pod %s: container %s: volumes: %v", w.name, c.spec.Name, err)
		w.event(v1.EventTypeWarning, "FailedMount", "MountVolume.SetUp failed: %v", err)
	}
}

// applyProbeKills stops containers whose liveness or startup probe failed;
// their exit then goes through the restart policy like any other.
func (w *podWorker) applyProbeKills() {
	for _, c := range w.all() {
		if c.proc == nil || c.probes == nil || c.probes.KillReason() == "" || c.proc.isStopping() {
			continue
		}
		reason := c.probes.KillReason()
		w.event(v1.EventTypeNormal, "Killing", "Container %s %s, will be restarted", c.spec.Name, reason)
		grace := w.graceOf(w.pod)
		// A probe may set its own grace period for the kill it causes.
		probe := c.spec.LivenessProbe
		if strings.HasPrefix(reason, "failed startup") {
			probe = c.spec.StartupProbe
		}
		if probe != nil && probe.TerminationGracePeriodSeconds != nil {
			grace = time.Duration(*probe.TerminationGracePeriodSeconds) * time.Second
		}
		c.proc.stopAsync(grace)
	}
}

// syncDeleting runs a graceful deletion like the kubelet: SIGTERM, wait out
// the grace period, SIGKILL, then remove the pod object for good.
func (w *podWorker) syncDeleting(ctx context.Context, now time.Time) (time.Duration, bool) {
	grace := defaultGrace
	if g := w.pod.DeletionGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if !w.terminating {
		w.terminating = true
		w.termStart = now
		w.termDeadline = now.Add(grace)
		n := 0
		for _, c := range w.all() {
			if c.proc != nil {
				w.event(v1.EventTypeNormal, "Killing", "Stopping container %s", c.spec.Name)
				c.proc.stopAsync(grace)
				n++
			}
		}
		if n > 0 {
			log.Printf("pod %s: deleting: stopping %d container(s) with grace period %s", w.name, n, grace)
		}
	} else if d := w.termStart.Add(grace); d.Before(w.termDeadline) {
		// The grace period was shortened by a second delete.
		w.termDeadline = d
		for _, c := range w.all() {
			if c.proc != nil {
				c.proc.stopAsync(max(d.Sub(now), 0))
			}
		}
	}
	w.reap(now, false)
	for _, c := range w.all() {
		if c.proc != nil {
			if now.After(w.termDeadline.Add(2 * time.Second)) {
				c.proc.stopAsync(0) // belt and braces: SIGKILL again
			}
			return time.Second, false
		}
	}
	zero := int64(0)
	uid := w.uid
	err := w.a.client.CoreV1().Pods(w.pod.Namespace).Delete(ctx, w.pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero,
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		log.Printf("pod %s: delete: %v (retrying)", w.name, err)
		return time.Second, false
	}
	w.release()
	log.Printf("pod %s: deleted", w.name)
	return 0, true
}

// stopAll stops every process of the pod and waits for them.
func (w *podWorker) stopAll(grace time.Duration) {
	var running []*containerRT
	for _, c := range w.all() {
		if c.proc != nil {
			c.proc.stopAsync(grace)
			running = append(running, c)
		}
	}
	for _, c := range running {
		<-c.proc.done
		log.Printf("pod %s: container %s (pid %d) stopped", w.name, c.spec.Name, c.proc.pid)
		if c.probes != nil {
			c.probes.stop()
		}
	}
}

// shutdown is the agent stopping: stop the processes, write nothing.
func (w *podWorker) shutdown() {
	if w.pod == nil {
		return
	}
	w.stopAll(min(w.graceOf(w.pod), shutdownGrace))
}

// buildStatus renders the pod status from the containers' state, on top of
// the current status so fields of other writers survive.
func (w *podWorker) buildStatus(now time.Time) v1.PodStatus {
	pod := w.pod
	st := pod.Status.DeepCopy()
	st.HostIP = hostIP
	st.HostIPs = []v1.HostIP{{IP: hostIP}}
	st.PodIP, st.PodIPs = "", nil
	if w.ip != "" {
		st.PodIP = w.ip
		st.PodIPs = []v1.PodIP{{IP: w.ip}}
	}
	start := apiTime(w.startTime)
	st.StartTime = &start
	st.Message, st.Reason = "", ""
	if w.ipErr != "" {
		st.Message = w.ipErr
	}

	initDone, initFailed, pending := w.initState()
	st.InitContainerStatuses = nil
	for _, c := range w.initCtrs {
		st.InitContainerStatuses = append(st.InitContainerStatuses, c.status(pod, now))
	}
	st.ContainerStatuses = nil
	for _, c := range w.ctrs {
		cs := c.status(pod, now)
		if !initDone && c.starts == 0 && cs.State.Waiting != nil && cs.State.Waiting.Reason == "ContainerCreating" {
			cs.State.Waiting.Reason = "PodInitializing"
		}
		if w.ipErr != "" && cs.State.Waiting != nil && cs.State.Waiting.Message == "" {
			cs.State.Waiting.Message = w.ipErr
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}

	phase := podPhase(&pod.Spec, initDone, initFailed && pod.Spec.RestartPolicy == v1.RestartPolicyNever, st.ContainerStatuses)
	if w.terminal {
		phase = w.phase // Succeeded and Failed are final
	}
	st.Phase = phase
	owned := podConditions(w.conds, pod, phase, w.ip != "", w.ipErr, initDone, pending, st.ContainerStatuses, now)
	st.Conditions = mergeConditions(st.Conditions, owned)
	st.ObservedGeneration = pod.Generation
	return *st
}

// writeStatus sends status if it changed, no more often than
// minStatusInterval; it returns when to try again if it had to wait.
func (w *podWorker) writeStatus(ctx context.Context, st v1.PodStatus, now time.Time) time.Duration {
	if w.lastSent != nil && equality.Semantic.DeepEqual(*w.lastSent, st) {
		return time.Hour
	}
	if since := now.Sub(w.lastWrite); since < minStatusInterval {
		return minStatusInterval - since
	}
	w.lastWrite = now
	pods := w.a.client.CoreV1().Pods(w.pod.Namespace)
	for attempt := 0; ; attempt++ {
		obj := w.pod.DeepCopy()
		obj.Status = st
		updated, err := pods.UpdateStatus(ctx, obj, metav1.UpdateOptions{})
		if err == nil {
			w.pod = updated
			w.lastSent = &st
			return time.Hour
		}
		if apierrors.IsNotFound(err) || ctx.Err() != nil {
			return time.Second // gone: the informer will tell us
		}
		if !apierrors.IsConflict(err) || attempt >= 4 {
			log.Printf("pod %s: update status: %v", w.name, err)
			return time.Second
		}
		fresh, gerr := pods.Get(ctx, w.pod.Name, metav1.GetOptions{})
		if gerr != nil || fresh.UID != w.uid {
			return time.Second
		}
		w.pod = fresh
		st = w.buildStatus(now)
	}
}

func (w *podWorker) String() string { return fmt.Sprintf("pod %s (%s)", w.name, w.uid) }
