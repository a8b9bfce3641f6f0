package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestResolvePort(t *testing.T) {
	ports := []v1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}}
	if p, err := resolvePort(intstr.FromInt32(81), ports); err != nil || p != 81 {
		t.Errorf("number: %d %v", p, err)
	}
	if p, err := resolvePort(intstr.FromString("metrics"), ports); err != nil || p != 9090 {
		t.Errorf("named: %d %v", p, err)
	}
	if _, err := resolvePort(intstr.FromString("nope"), ports); err == nil {
		t.Error("unknown name resolved")
	}
}

func TestTimingDefaults(t *testing.T) {
	tm := timingOf(&v1.Probe{})
	if tm.period != 10*time.Second || tm.timeout != time.Second || tm.successThreshold != 1 || tm.failureThreshold != 3 || tm.initialDelay != 0 {
		t.Errorf("defaults: %+v", tm)
	}
}

func TestHTTPProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(200)
		case "/moved":
			http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
		default:
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	host, portStr, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portStr)
	target := &probeTarget{podIP: host, ports: []v1.ContainerPort{{Name: "web", ContainerPort: int32(port)}}}
	for path, want := range map[string]bool{"/ok": true, "ok": true, "/moved": true, "/fail": false} {
		p := &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: path, Port: intstr.FromString("web")}}}
		if got, detail := runProbe(context.Background(), p, target, time.Second); got != want {
			t.Errorf("GET %s: %v (%s), want %v", path, got, detail, want)
		}
	}
}

func TestTCPProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	target := &probeTarget{podIP: "127.0.0.1"}
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt(port)}}}
	if ok, detail := runProbe(context.Background(), p, target, time.Second); !ok {
		t.Errorf("open port: %s", detail)
	}
	ln.Close()
	if ok, _ := runProbe(context.Background(), p, target, time.Second); ok {
		t.Error("closed port passed")
	}
}

func TestExecProbe(t *testing.T) {
	env := newOrderedEnv()
	env.Set("WANT", "yes")
	target := &probeTarget{dir: t.TempDir(), env: processEnv(testPod(), env), envVars: env}
	cases := []struct {
		cmd  []string
		want bool
	}{
		{[]string{"true"}, true},
		{[]string{"false"}, false},
		{[]string{"sh", "-c", `test "$WANT" = yes`}, true}, // sees the container's environment
		{[]string{"sh", "-c", "test $(WANT) = yes"}, true}, // $(VAR) expanded
		{[]string{"sleep", "5"}, false},                    // times out
		{[]string{"no-such-command-xyz"}, false},
	}
	for _, c := range cases {
		p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: c.cmd}}}
		start := time.Now()
		got, detail := runProbe(context.Background(), p, target, 500*time.Millisecond)
		if got != c.want {
			t.Errorf("%q: %v (%s), want %v", c.cmd, got, detail, c.want)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("%q took %s", c.cmd, time.Since(start))
		}
	}
}
