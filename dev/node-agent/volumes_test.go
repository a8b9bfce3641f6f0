package main

// Volumes: the atomic writer on its own, then real containers (in their own
// mount namespaces) reading mounted Secrets, ConfigMaps, tokens and writing
// to an emptyDir, against the fake clientset.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAtomicWriterReplacesContent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	if err := writeAtomic(dir, fileSet{"a": {data: []byte("1"), mode: 0o600}, "sub/b": {data: []byte("2"), mode: 0o644}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "sub/b")); got != "2" {
		t.Errorf("sub/b = %q", got)
	}
	if st, err := os.Stat(filepath.Join(dir, "a")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode of a: %v %v", st, err)
	}
	if err := writeAtomic(dir, fileSet{"a": {data: []byte("3"), mode: 0o644}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "a")); got != "3" {
		t.Errorf("a = %q after the update", got)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// a, ..data and one version dir: sub and the first version are gone.
	if len(names) != 3 || !strings.Contains(strings.Join(names, " "), "..data") {
		t.Errorf("entries after the update: %v", names)
	}
	for _, bad := range []string{"../x", "/abs", "..data", "a/../b"} {
		if err := writeAtomic(dir, fileSet{bad: {data: nil, mode: 0o644}}); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

func TestTokenRefreshAt(t *testing.T) {
	issued := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := tokenRefreshAt(issued, issued.Add(time.Hour)); !got.Equal(issued.Add(48 * time.Minute)) {
		t.Errorf("1h token refreshed at %v", got)
	}
	// An extended (one-year) token is still renewed daily.
	if got := tokenRefreshAt(issued, issued.Add(365*24*time.Hour)); !got.Equal(issued.Add(24 * time.Hour)) {
		t.Errorf("1y token refreshed at %v", got)
	}
}

// tokenServer answers TokenRequests like the API server: "tok-N" valid
// for ttl; it records the requests.
type tokenServer struct {
	n    atomic.Int32
	mu   sync.Mutex
	reqs []authv1.TokenRequest
	sa   []string
}

func serveTokens(client *fake.Clientset, ttl time.Duration) *tokenServer {
	ts := &tokenServer{}
	client.PrependReactor("create", "serviceaccounts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		create, ok := action.(k8stesting.CreateActionImpl)
		if !ok || action.GetSubresource() != "token" {
			return false, nil, nil
		}
		req := create.GetObject().(*authv1.TokenRequest).DeepCopy()
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, *req)
		ts.sa = append(ts.sa, create.Name)
		ts.mu.Unlock()
		req.Status = authv1.TokenRequestStatus{
			Token:               fmt.Sprintf("tok-%d", ts.n.Add(1)),
			ExpirationTimestamp: metav1.NewTime(time.Now().Add(ttl)),
		}
		return true, req, nil
	})
	return ts
}

func (ta *testAgent) createObj(obj runtime.Object) {
	ta.t.Helper()
	var err error
	switch o := obj.(type) {
	case *v1.Secret:
		_, err = ta.client.CoreV1().Secrets(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
	case *v1.ConfigMap:
		_, err = ta.client.CoreV1().ConfigMaps(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
	}
	if err != nil {
		ta.t.Fatal(err)
	}
}

// kubeAPIAccess is the volume the ServiceAccount admission plugin injects.
func kubeAPIAccess() v1.Volume {
	return v1.Volume{Name: "kube-api-access-x1y2z", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{
		DefaultMode: ptr(int32(0o644)),
		Sources: []v1.VolumeProjection{
			{ServiceAccountToken: &v1.ServiceAccountTokenProjection{ExpirationSeconds: ptr(int64(3607)), Path: "token"}},
			{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []v1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &v1.DownwardAPIProjection{Items: []v1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		},
	}}}
}

// containerLog waits until the container's log contains want.
func (ta *testAgent) containerLog(pod, container, want string, timeout time.Duration) string {
	ta.t.Helper()
	path := filepath.Join(ta.podsDir, "default_"+pod, container+".log")
	var text string
	waitFor(ta.t, timeout, pod+" log containing "+want, func() (bool, string) {
		b, _ := os.ReadFile(path)
		text = string(b)
		return strings.Contains(text, want), text
	})
	return text
}

func TestContainerSeesItsVolumes(t *testing.T) {
	ta := startTestAgent(t)
	tokens := serveTokens(ta.client.(*fake.Clientset), time.Hour)
	ta.createObj(&v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"},
		Data: map[string][]byte{"password": []byte("s3cret"), "unused": []byte("x")}})
	ta.createObj(&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"},
		Data: map[string]string{"level": "debug"}, BinaryData: map[string][]byte{"blob": {1, 2}}})
	ta.createObj(&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Namespace: "default"},
		Data: map[string]string{"ca.crt": "-----CA-----"}})

	mnt := t.TempDir() // mount points: made on the host, stay empty there
	sa, secret, settings, scratch := mnt+"/sa", mnt+"/secret", mnt+"/etc/settings", mnt+"/scratch"
	script := strings.Join([]string{
		"echo token=$(cat " + sa + "/token) ca=$(cat " + sa + "/ca.crt) ns=$(cat " + sa + "/namespace)",
		"echo password=$(cat " + secret + "/pw) mode=$(stat -Lc %a " + secret + "/pw) unused=$(ls " + secret + " | grep -c unused)",
		"echo level=$(cat " + settings + "/level) blob=$(od -An -tu1 " + settings + "/blob | tr -d ' ')",
		"echo hello > " + scratch + "/out && echo wrote-scratch",
		"(echo x > " + secret + "/new) 2>/dev/null || echo secret-read-only",
		"echo hostname=$(hostname)",
		"echo DONE; sleep 1000",
	}, "\n")
	pod := newPod("vols", v1.Container{Name: "main", Image: "kappa.dev/sh", Args: []string{"-c", script},
		VolumeMounts: []v1.VolumeMount{
			{Name: "kube-api-access-x1y2z", MountPath: sa, ReadOnly: true},
			{Name: "creds", MountPath: secret},
			{Name: "settings", MountPath: settings},
			{Name: "scratch", MountPath: scratch},
		}})
	// Exec probes run in the container's view of the filesystem too.
	pod.Spec.Containers[0].ReadinessProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{
		Exec: &v1.ExecAction{Command: []string{"test", "-s", secret + "/pw"}}}}
	pod.Spec.ServiceAccountName = "runner"
	pod.Spec.Volumes = []v1.Volume{
		kubeAPIAccess(),
		{Name: "creds", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "creds",
			Items: []v1.KeyToPath{{Key: "password", Path: "pw"}}, DefaultMode: ptr(int32(0o400))}}},
		{Name: "settings", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "settings"}}}},
		{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
	}
	ta.create(pod)
	out := ta.containerLog("vols", "main", "DONE", 15*time.Second)
	for _, want := range []string{
		"token=tok-1 ca=-----CA----- ns=default",
		"password=s3cret mode=400 unused=0",
		"level=debug blob=12",
		"wrote-scratch",
		"secret-read-only",
		"hostname=vols",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("container output lacks %q:\n%s", want, out)
		}
	}
	ta.waitPod("vols", "Ready by its exec probe", 10*time.Second, func(p *v1.Pod) bool {
		return condStatus(p, v1.PodReady) == v1.ConditionTrue
	})
	// The mounts were the container's alone: the host's mount points are
	// empty, and what it wrote is in the pod's emptyDir on the host.
	for _, dir := range []string{sa, secret, settings, scratch} {
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("host view of %s: %v %v", dir, entries, err)
		}
	}
	if got := readFile(t, filepath.Join(ta.podsDir, "default_vols", "volumes", "scratch", "out")); got != "hello\n" {
		t.Errorf("emptyDir on the host: %q", got)
	}
	tokens.mu.Lock()
	req, saName := tokens.reqs[0], tokens.sa[0]
	tokens.mu.Unlock()
	ref := req.Spec.BoundObjectRef
	if saName != "runner" || ref == nil || ref.Kind != "Pod" || ref.Name != "vols" || ref.UID != pod.UID ||
		*req.Spec.ExpirationSeconds != 3607 || len(req.Spec.Audiences) != 0 {
		t.Errorf("token request for %q: %+v", saName, req.Spec)
	}

	// Deleting the pod removes its volumes from the host.
	if err := ta.client.CoreV1().Pods("default").Delete(context.Background(), "vols", metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "volumes removed", func() (bool, string) {
		_, err := os.Stat(filepath.Join(ta.podsDir, "default_vols", "volumes"))
		return os.IsNotExist(err), fmt.Sprint(err)
	})
}

func TestTokenIsRenewedInPlace(t *testing.T) {
	ta := startTestAgent(t)
	tokens := serveTokens(ta.client.(*fake.Clientset), 2*time.Second) // renewed after 1.6 s
	sa := t.TempDir() + "/sa"
	pod := newPod("renew", v1.Container{Name: "main", Image: "kappa.dev/sh",
		Args:         []string{"-c", "while :; do echo seen=$(cat " + sa + "/t); sleep 0.2; done"},
		VolumeMounts: []v1.VolumeMount{{Name: "tok", MountPath: sa}}})
	pod.Spec.Volumes = []v1.Volume{{Name: "tok", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{
		Sources: []v1.VolumeProjection{{ServiceAccountToken: &v1.ServiceAccountTokenProjection{
			Audience: "kafka", ExpirationSeconds: ptr(int64(600)), Path: "t"}}}}}}}
	ta.create(pod)
	ta.containerLog("renew", "main", "seen=tok-1", 10*time.Second)
	// The running container sees the new token through its existing mount.
	ta.containerLog("renew", "main", "seen=tok-2", 10*time.Second)
	tokens.mu.Lock()
	defer tokens.mu.Unlock()
	if aud := tokens.reqs[0].Spec.Audiences; len(aud) != 1 || aud[0] != "kafka" {
		t.Errorf("audiences %v", aud)
	}
}

func TestMissingVolumeSourcesAndOptional(t *testing.T) {
	ta := startTestAgent(t)
	mnt := t.TempDir()
	pod := newPod("needs-cm", v1.Container{Name: "main", Image: "kappa.dev/sh",
		Args: []string{"-c", "echo files=$(ls " + mnt + "/opt | wc -l) cfg=$(cat " + mnt + "/cfg/k); sleep 1000"},
		VolumeMounts: []v1.VolumeMount{
			{Name: "opt", MountPath: mnt + "/opt"},
			{Name: "cfg", MountPath: mnt + "/cfg"},
		}})
	pod.Spec.Volumes = []v1.Volume{
		{Name: "opt", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "absent", Optional: ptr(true)}}},
		{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "later"}}}},
	}
	ta.create(pod)
	got := ta.waitPod("needs-cm", "CreateContainerConfigError", 10*time.Second, func(p *v1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError"
	})
	if msg := got.Status.ContainerStatuses[0].State.Waiting.Message; !strings.Contains(msg, `configmap "later" not found`) {
		t.Errorf("message %q", msg)
	}
	ta.createObj(&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: "default"}, Data: map[string]string{"k": "v"}})
	ta.containerLog("needs-cm", "main", "files=0 cfg=v", 10*time.Second)
}

func TestUnsupportedVolumeIsConfigError(t *testing.T) {
	ta := startTestAgent(t)
	pod := newPod("hostpath", v1.Container{Name: "main", Image: "kappa.dev/sleep", Args: []string{"1000"},
		VolumeMounts: []v1.VolumeMount{{Name: "h", MountPath: "/h"}}})
	pod.Spec.Volumes = []v1.Volume{{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/"}}}}
	ta.create(pod)
	ta.waitPod("hostpath", "CreateContainerConfigError", 10*time.Second, func(p *v1.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "CreateContainerConfigError" &&
			strings.Contains(p.Status.ContainerStatuses[0].State.Waiting.Message, "not supported")
	})
}
