package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"POD_IP": "127.1.2.3", "A": "x", "EMPTY": ""}
	mapping := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	cases := map[string]string{
		"":                      "",
		"plain":                 "plain",
		"$(POD_IP)":             "127.1.2.3",
		"--bind=$(POD_IP):8080": "--bind=127.1.2.3:8080",
		"$(A)$(A)":              "xx",
		"$(EMPTY)-":             "-",
		"$(UNDEFINED)":          "$(UNDEFINED)",
		"$$(A)":                 "$(A)",
		"$$$(A)":                "$x",
		"$$":                    "$",
		"$":                     "$",
		"a$":                    "a$",
		"$A":                    "$A",
		"$(A":                   "$(A",
		"100$":                  "100$",
		"$()":                   "$()",
		"x$(A)y$$z":             "xxy$z",
	}
	for in, want := range cases {
		if got := expandVars(in, mapping); got != want {
			t.Errorf("expandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

func testPod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-1", Namespace: "ns1", UID: "uid-1",
			Labels:      map[string]string{"app": "web", "tier": "front"},
			Annotations: map[string]string{"note": "hi"},
		},
		Spec: v1.PodSpec{NodeName: "kappa-node-1", ServiceAccountName: "sa1"},
	}
}

func TestPodFieldValue(t *testing.T) {
	pod := testPod()
	cases := map[string]string{
		"metadata.name":                "web-1",
		"metadata.namespace":           "ns1",
		"metadata.uid":                 "uid-1",
		"metadata.labels['app']":       "web",
		"metadata.labels['missing']":   "",
		"metadata.annotations['note']": "hi",
		"metadata.labels":              "app=\"web\"\ntier=\"front\"",
		"spec.nodeName":                "kappa-node-1",
		"spec.serviceAccountName":      "sa1",
		"status.podIP":                 "127.5.5.5",
		"status.hostIP":                "127.0.0.1",
	}
	for path, want := range cases {
		got, err := podFieldValue(pod, path, "127.5.5.5")
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := podFieldValue(pod, "spec.bogus", ""); !errors.As(err, &configError{}) {
		t.Errorf("bogus fieldPath: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestContainerEnv(t *testing.T) {
	client := fake.NewClientset(
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns1"},
			Data: map[string][]byte{"user": []byte("alice"), "pass": []byte("s3cret")}},
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "ns1"},
			Data: map[string]string{"LEVEL": "debug", "PORT": "9090"}},
	)
	src := &envSource{client: client, apiPort: "6443", node: nodeAllocatable()}
	pod := testPod()
	c := &v1.Container{
		Name: "main",
		EnvFrom: []v1.EnvFromSource{
			{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}},
			{Prefix: "DB_", SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "creds"}}},
			{SecretRef: &v1.SecretEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "nope"}, Optional: ptr(true)}},
		},
		Env: []v1.EnvVar{
			{Name: "POD_IP", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "NAME", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "ADDR", Value: "$(POD_IP):$(PORT)"},
			{Name: "LATER", Value: "$(DEFINED_LATER)"},
			{Name: "DEFINED_LATER", Value: "v"},
			{Name: "ESCAPED", Value: "$$(POD_IP)"},
			{Name: "PASSWORD", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
				LocalObjectReference: v1.LocalObjectReference{Name: "creds"}, Key: "pass"}}},
			{Name: "OPT", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
				LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "absent", Optional: ptr(true)}}},
			{Name: "LEVEL", Value: "info"}, // overrides envFrom
			{Name: "CPU", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{Resource: "limits.cpu"}}},
			{Name: "MEM_MI", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{
				Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
		},
		Resources: v1.ResourceRequirements{Limits: v1.ResourceList{v1.ResourceMemory: resource.MustParse("256Mi")}},
	}
	env, err := src.containerEnv(context.Background(), pod, c, "127.5.5.5")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"KUBERNETES_SERVICE_HOST": "127.0.0.1",
		"KUBERNETES_SERVICE_PORT": "6443",
		"LEVEL":                   "info",
		"PORT":                    "9090",
		"DB_user":                 "alice",
		"DB_pass":                 "s3cret",
		"POD_IP":                  "127.5.5.5",
		"NAME":                    "web-1",
		"ADDR":                    "127.5.5.5:9090",
		"LATER":                   "$(DEFINED_LATER)", // only earlier variables expand
		"DEFINED_LATER":           "v",
		"ESCAPED":                 "$(POD_IP)",
		"PASSWORD":                "s3cret",
		"CPU":                     "8", // no limit: node allocatable
		"MEM_MI":                  "256",
	}
	for k, v := range want {
		if got, ok := env.Get(k); !ok || got != v {
			t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := env.Get("OPT"); ok {
		t.Error("optional missing key must leave the variable unset")
	}

	full := processEnv(pod, env)
	for _, kv := range full {
		if strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "GOFLAGS=") {
			t.Errorf("agent environment leaked into the container: %s", kv)
		}
	}
	if v, _ := envValue(full, "PATH"); v == "" {
		t.Error("PATH missing")
	}
	if v, _ := envValue(full, "HOSTNAME"); v != "web-1" {
		t.Errorf("HOSTNAME = %q", v)
	}
}

func TestContainerEnvMissingRequired(t *testing.T) {
	client := fake.NewClientset(&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "ns1"}})
	src := &envSource{client: client, apiPort: "6443"}
	cases := map[string]v1.Container{
		`secret "gone" not found`: {Env: []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "gone"}, Key: "k"}}}}},
		`couldn't find key k in ConfigMap ns1/cfg`: {Env: []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "k"}}}}},
		`configmap "other" not found`: {EnvFrom: []v1.EnvFromSource{{ConfigMapRef: &v1.ConfigMapEnvSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "other"}}}}},
	}
	for want, c := range cases {
		_, err := src.containerEnv(context.Background(), testPod(), &c, "127.5.5.5")
		if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &configError{}) {
			t.Errorf("want config error %q, got %v", want, err)
		}
	}
}

func TestContainerArgv(t *testing.T) {
	env := newOrderedEnv()
	env.Set("POD_IP", "127.1.1.2")
	c := &v1.Container{Args: []string{"-m", "http.server", "--bind", "$(POD_IP)", "8080", "$$(POD_IP)"}}
	got := containerArgv(c, env, "/usr/bin/python3")
	want := []string{"/usr/bin/python3", "-m", "http.server", "--bind", "127.1.1.2", "8080", "$(POD_IP)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("argv = %q, want %q", got, want)
	}
	c = &v1.Container{Command: []string{"sh", "-c"}, Args: []string{"echo $(POD_IP)"}}
	got = containerArgv(c, env, "/usr/bin/python3")
	want = []string{"sh", "-c", "echo 127.1.1.2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("argv = %q, want %q", got, want)
	}
}

func TestResolveExecutable(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, entry, want string }{
		{"tool", "", tool}, // PATH lookup
		{"kappa-processor", "/build/kappa-processor", "/build/kappa-processor"}, // image entrypoint name
		{"/usr/local/bin/kappa-processor", "/build/kappa-processor", "/build/kappa-processor"},
		{"/bin/sh", "/build/kappa-processor", "/bin/sh"},
		{"./run.sh", "", "/work/run.sh"},
	}
	for _, c := range cases {
		got, err := resolveExecutable(c.name, c.entry, "/work", dir)
		if err != nil || got != c.want {
			t.Errorf("resolveExecutable(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := resolveExecutable("no-such-tool", "", "/work", dir); !errors.Is(err, errNotFoundInPath) {
		t.Errorf("want not found, got %v", err)
	}
}
