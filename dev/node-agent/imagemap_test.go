package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStripTagAndDigest(t *testing.T) {
	cases := map[string]string{
		"kappa.dev/processor":                "kappa.dev/processor",
		"kappa.dev/processor:1.2":            "kappa.dev/processor",
		"kappa.dev/processor@sha256:abc":     "kappa.dev/processor",
		"kappa.dev/processor:1.2@sha256:abc": "kappa.dev/processor",
		"localhost:5000/processor":           "localhost:5000/processor",
		"localhost:5000/processor:v3":        "localhost:5000/processor",
		"busybox":                            "busybox",
		"busybox:latest":                     "busybox",
	}
	for in, want := range cases {
		if got := stripTagAndDigest(in); got != want {
			t.Errorf("stripTagAndDigest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchImage(t *testing.T) {
	images := map[string]string{
		"kappa.dev/processor":   "/bin/proc",
		"kappa.dev/pinned:2":    "/bin/pinned2",
		"ghcr.io/x/tool:latest": "/bin/tool",
		"localhost:5000/svc":    "/bin/svc",
	}
	cases := []struct {
		image string
		want  string
		ok    bool
	}{
		{"kappa.dev/processor", "/bin/proc", true},
		{"kappa.dev/processor:1.2", "/bin/proc", true},
		{"kappa.dev/processor@sha256:0123", "/bin/proc", true},
		{"kappa.dev/pinned:2", "/bin/pinned2", true},
		{"kappa.dev/pinned:3", "", false},
		{"ghcr.io/x/tool", "/bin/tool", true},
		{"localhost:5000/svc:9", "/bin/svc", true},
		{"kappa.dev/processorx", "", false},
		{"other/image:1", "", false},
	}
	for _, c := range cases {
		got, ok := matchImage(images, c.image)
		if ok != c.ok || got != c.want {
			t.Errorf("matchImage(%q) = %q,%v want %q,%v", c.image, got, ok, c.want, c.ok)
		}
	}
}

func TestImageMapReloadsAndKeepsLastGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "images.json")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"images": {"a": "/bin/a"}}`)
	m := newImageMap(path)
	if exe, err := m.Resolve("a:1"); err != nil || exe != "/bin/a" {
		t.Fatalf("Resolve(a:1) = %q, %v", exe, err)
	}
	_, err := m.Resolve("b")
	var nm errImageNotMapped
	if !errors.As(err, &nm) || !strings.Contains(err.Error(), `image "b" is not in the node agent's image map `+path) {
		t.Fatalf("unexpected error %v", err)
	}
	write(`{"images": {"a": "/bin/a", "b": "/bin/b"}}`)
	if exe, err := m.Resolve("b"); err != nil || exe != "/bin/b" {
		t.Fatalf("after edit Resolve(b) = %q, %v", exe, err)
	}
	write(`{"images": {`) // half-written
	if exe, err := m.Resolve("b"); err != nil || exe != "/bin/b" {
		t.Fatalf("with a broken file Resolve(b) = %q, %v", exe, err)
	}
}
