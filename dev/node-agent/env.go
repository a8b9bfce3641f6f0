package main

// Environment and argument resolution with the kubelet's semantics, so a pod
// spec written for a real cluster means the same thing here.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// expandVars replaces $(VAR) using mapping, like the kubelet (its forked
// third_party/forked/golang/expansion): "$$" is an escaped "$", so "$$(X)"
// stays "$(X)"; an undefined or unterminated reference is left as written.
func expandVars(input string, mapping func(string) (string, bool)) string {
	var b strings.Builder
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] != '$' || cursor+1 >= len(input) {
			continue
		}
		b.WriteString(input[checkpoint:cursor])
		next := input[cursor+1:]
		advance := 1
		switch next[0] {
		case '$':
			b.WriteByte('$')
		case '(':
			if end := strings.IndexByte(next, ')'); end > 0 {
				name := next[1:end]
				if v, ok := mapping(name); ok {
					b.WriteString(v)
				} else {
					b.WriteString("$(" + name + ")")
				}
				advance = end + 1
			} else {
				b.WriteString("$(") // unterminated: keep it
			}
		default:
			b.WriteByte('$')
			b.WriteByte(next[0])
		}
		cursor += advance
		checkpoint = cursor + 1
	}
	return b.String() + input[checkpoint:]
}

// orderedEnv keeps definition order (later definitions replace earlier ones
// in place) so the process environment is deterministic.
type orderedEnv struct {
	names  []string
	values map[string]string
}

func newOrderedEnv() *orderedEnv { return &orderedEnv{values: map[string]string{}} }

func (e *orderedEnv) Set(name, value string) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = value
}

func (e *orderedEnv) Get(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

// List renders NAME=value pairs for exec.
func (e *orderedEnv) List() []string {
	out := make([]string, 0, len(e.names))
	for _, n := range e.names {
		out = append(out, n+"="+e.values[n])
	}
	return out
}

// configError is a problem with the pod's configuration (missing secret,
// bad fieldRef); the kubelet shows it as CreateContainerConfigError.
type configError struct{ msg string }

func (e configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return configError{msg: fmt.Sprintf(format, args...)}
}

// envSource is what env resolution needs from the cluster.
type envSource struct {
	client  kubernetes.Interface
	apiPort string // the KUBERNETES_SERVICE_PORT containers see
	node    nodeResources
}

// nodeResources stands in for node allocatable in resourceFieldRefs
// when a container sets no limit.
type nodeResources struct {
	cpu, memory, ephemeralStorage resource.Quantity
}

// containerEnv builds a container's variables in kubelet order: service
// variables, then envFrom sources, then env entries (each may use $(VAR) of
// anything defined before it).
func (s *envSource) containerEnv(ctx context.Context, pod *v1.Pod, c *v1.Container, podIP string) (*orderedEnv, error) {
	env := newOrderedEnv()
	env.Set("KUBERNETES_SERVICE_HOST", "127.0.0.1")
	env.Set("KUBERNETES_SERVICE_PORT", s.apiPort)
	env.Set("KUBERNETES_SERVICE_PORT_HTTPS", s.apiPort)
	ns := pod.Namespace

	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			ref := from.ConfigMapRef
			cm, err := s.client.CoreV1().ConfigMaps(ns).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, lookupError("configmap", ns, ref.Name, err)
			}
			for _, k := range sortedKeys(cm.Data) {
				env.Set(from.Prefix+k, cm.Data[k])
			}
		case from.SecretRef != nil:
			ref := from.SecretRef
			sec, err := s.client.CoreV1().Secrets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) && ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, lookupError("secret", ns, ref.Name, err)
			}
			for _, k := range sortedKeys(sec.Data) {
				env.Set(from.Prefix+k, string(sec.Data[k]))
			}
		}
	}

	for i := range c.Env {
		e := &c.Env[i]
		if e.ValueFrom == nil {
			env.Set(e.Name, expandVars(e.Value, env.Get))
			continue
		}
		v, ok, err := s.valueFrom(ctx, pod, c, e.ValueFrom, podIP)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if ok {
			env.Set(e.Name, v)
		}
	}
	return env, nil
}

func lookupError(kind, ns, name string, err error) error {
	if apierrors.IsNotFound(err) {
		return configErrorf("%s %q not found", kind, name)
	}
	return fmt.Errorf("get %s %s/%s: %w", kind, ns, name, err)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// valueFrom resolves one env var source; ok=false means an optional
// reference that is absent, so the variable is not set at all.
func (s *envSource) valueFrom(ctx context.Context, pod *v1.Pod, c *v1.Container, src *v1.EnvVarSource, podIP string) (string, bool, error) {
	ns := pod.Namespace
	switch {
	case src.FieldRef != nil:
		v, err := podFieldValue(pod, src.FieldRef.FieldPath, podIP)
		return v, err == nil, err
	case src.ResourceFieldRef != nil:
		v, err := s.resourceFieldValue(pod, c, src.ResourceFieldRef)
		return v, err == nil, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := s.client.CoreV1().ConfigMaps(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, lookupError("configmap", ns, ref.Name, err)
		}
		if v, ok := cm.Data[ref.Key]; ok {
			return v, true, nil
		}
		if v, ok := cm.BinaryData[ref.Key]; ok {
			return string(v), true, nil
		}
		if optional {
			return "", false, nil
		}
		return "", false, configErrorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, ns, ref.Name)
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		sec, err := s.client.CoreV1().Secrets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) && optional {
				return "", false, nil
			}
			return "", false, lookupError("secret", ns, ref.Name, err)
		}
		if v, ok := sec.Data[ref.Key]; ok {
			return string(v), true, nil
		}
		if optional {
			return "", false, nil
		}
		return "", false, configErrorf("couldn't find key %s in Secret %s/%s", ref.Key, ns, ref.Name)
	}
	return "", false, configErrorf("unsupported valueFrom")
}

// podFieldValue implements the downward API fieldRef paths.
func podFieldValue(pod *v1.Pod, path, podIP string) (string, error) {
	if key, ok := subscript(path, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := subscript(path, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return hostIP, nil
	case "status.podIP", "status.podIPs":
		return podIP, nil
	}
	return "", configErrorf("unsupported fieldRef fieldPath %q", path)
}

// subscript parses `prefix['key']`.
func subscript(path, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(path, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

// formatMap renders labels/annotations like the downward API: sorted
// key="value" lines.
func formatMap(m map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k + "=" + strconv.Quote(m[k]))
	}
	return b.String()
}

// resourceFieldValue implements resourceFieldRef; without a limit the value
// is the node's allocatable, as on a real node.
func (s *envSource) resourceFieldValue(pod *v1.Pod, c *v1.Container, ref *v1.ResourceFieldSelector) (string, error) {
	target := c
	if ref.ContainerName != "" && ref.ContainerName != c.Name {
		target = findContainer(pod, ref.ContainerName)
		if target == nil {
			return "", configErrorf("resourceFieldRef: no container %q", ref.ContainerName)
		}
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	var q resource.Quantity
	var isCPU bool
	switch ref.Resource {
	case "limits.cpu", "requests.cpu":
		isCPU = true
		q = pickQuantity(target, ref.Resource, v1.ResourceCPU, s.node.cpu)
	case "limits.memory", "requests.memory":
		q = pickQuantity(target, ref.Resource, v1.ResourceMemory, s.node.memory)
	case "limits.ephemeral-storage", "requests.ephemeral-storage":
		q = pickQuantity(target, ref.Resource, v1.ResourceEphemeralStorage, s.node.ephemeralStorage)
	default:
		return "", configErrorf("unsupported resourceFieldRef resource %q", ref.Resource)
	}
	var n float64
	if isCPU {
		n = math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue()))
	} else {
		n = math.Ceil(float64(q.Value()) / float64(divisor.Value()))
	}
	return strconv.FormatInt(int64(n), 10), nil
}

func pickQuantity(c *v1.Container, field string, name v1.ResourceName, nodeValue resource.Quantity) resource.Quantity {
	if strings.HasPrefix(field, "requests.") {
		if q, ok := c.Resources.Requests[name]; ok {
			return q
		}
		// A request defaults to the limit when only the limit is set.
	}
	if q, ok := c.Resources.Limits[name]; ok {
		return q
	}
	if strings.HasPrefix(field, "requests.") {
		return resource.Quantity{}
	}
	return nodeValue
}

func findContainer(pod *v1.Pod, name string) *v1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

// processEnv is the complete environment of a container process: only the
// container's variables plus PATH, HOME and HOSTNAME, never the agent's own
// environment (which holds e.g. its KUBECONFIG).
func processEnv(pod *v1.Pod, env *orderedEnv) []string {
	full := newOrderedEnv()
	full.Set("PATH", os.Getenv("PATH"))
	if full.values["PATH"] == "" {
		full.Set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	if home := os.Getenv("HOME"); home != "" {
		full.Set("HOME", home)
	}
	full.Set("HOSTNAME", pod.Name)
	for _, n := range env.names {
		full.Set(n, env.values[n])
	}
	return full.List()
}

// containerArgv applies container-runtime semantics with the mapped
// executable as the image's entrypoint: without command, run the executable
// with args; with command, run command (+ args). $(VAR) is expanded from the
// container's variables.
func containerArgv(c *v1.Container, env *orderedEnv, entrypoint string) []string {
	var argv []string
	if len(c.Command) == 0 {
		argv = append(argv, entrypoint)
	} else {
		for _, a := range c.Command {
			argv = append(argv, expandVars(a, env.Get))
		}
	}
	for _, a := range c.Args {
		argv = append(argv, expandVars(a, env.Get))
	}
	return argv
}

var errNotFoundInPath = errors.New("executable file not found in $PATH")

// resolveExecutable finds the program for argv[0]. A name equal to the
// entrypoint's base name (e.g. command: ["kappa-processor"] or
// ["/usr/local/bin/kappa-processor"] in a chart written for a real image) is
// the mapped executable; otherwise absolute paths are used as they are,
// relative paths are relative to the working dir, and bare names are looked
// up in the container's PATH.
func resolveExecutable(name, entrypoint, workDir, pathEnv string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty command")
	}
	if entrypoint != "" && (name == entrypoint || filepath.Base(name) == filepath.Base(entrypoint)) {
		return entrypoint, nil
	}
	if filepath.IsAbs(name) {
		return name, nil
	}
	if strings.Contains(name, "/") {
		return filepath.Join(workDir, name), nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q: %w", name, errNotFoundInPath)
}
