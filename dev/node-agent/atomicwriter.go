package main

// Writes a volume's files the way the kubelet's AtomicWriter does, so a
// process reading a mounted secret or token never sees half an update:
//
//	DIR/..2025_01_02_15_04_05.123/  the files of one version
//	DIR/..data -> ..2025_...        swapped by rename(2), which is atomic
//	DIR/<top-level name> -> ..data/<top-level name>
//
// The mount shows DIR, so a swap is visible inside the container at once.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// volFile is one file of a volume.
type volFile struct {
	data []byte
	mode os.FileMode
}

// fileSet maps a relative path ("key" or "dir/key") to its content.
type fileSet map[string]volFile

func (a fileSet) equal(b fileSet) bool {
	if len(a) != len(b) {
		return false
	}
	for p, f := range a {
		g, ok := b[p]
		if !ok || g.mode != f.mode || !bytes.Equal(g.data, f.data) {
			return false
		}
	}
	return true
}

const dataLink = "..data"

// validRelPath rejects paths that would leave the volume dir or clash with
// the writer's own "..*" entries.
func validRelPath(p string) error {
	if p == "" || filepath.IsAbs(p) {
		return fmt.Errorf("path %q must be relative and non-empty", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." || part == "." || part == "" {
			return fmt.Errorf("path %q must not contain '.', '..' or empty elements", p)
		}
	}
	if strings.HasPrefix(p, "..") {
		return fmt.Errorf("path %q must not start with '..'", p)
	}
	return nil
}

// writeAtomic makes dir show exactly files.
func writeAtomic(dir string, files fileSet) error {
	for p := range files {
		if err := validRelPath(p); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("..2006_01_02_15_04_05.")
	version, err := os.MkdirTemp(dir, stamp)
	if err != nil {
		return err
	}
	if err := os.Chmod(version, 0o755); err != nil { // MkdirTemp makes it 0700
		return err
	}
	for p, f := range files {
		full := filepath.Join(version, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(full, f.mode); err != nil { // WriteFile's mode is filtered by the umask
			return err
		}
	}
	tmpLink := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(version), tmpLink); err != nil {
		return err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataLink)); err != nil {
		return err
	}
	top := map[string]bool{}
	for p := range files {
		top[strings.SplitN(p, "/", 2)[0]] = true
	}
	for name := range top {
		link := filepath.Join(dir, name)
		if target, err := os.Readlink(link); err == nil && target == filepath.Join(dataLink, name) {
			continue
		}
		_ = os.RemoveAll(link)
		if err := os.Symlink(filepath.Join(dataLink, name), link); err != nil {
			return err
		}
	}
	// Drop what the new version no longer has, and older versions.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == dataLink || name == filepath.Base(version) || top[name]:
		default:
			_ = os.RemoveAll(filepath.Join(dir, name))
		}
	}
	return nil
}
