package main

// The image map stands in for a container registry: there are no images on
// this machine, only local executables that play their part.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

type imageMapFile struct {
	Images map[string]string `json:"images"`
}

type imageMap struct {
	path string

	mu       sync.Mutex
	lastGood map[string]string // kept so a half-written file does not break running pods
}

func newImageMap(path string) *imageMap { return &imageMap{path: path} }

// errImageNotMapped is reported as ErrImagePull, the way a kubelet reports a
// pull from a registry that does not have the image.
type errImageNotMapped struct{ image, path string }

func (e errImageNotMapped) Error() string {
	return fmt.Sprintf("image %q is not in the node agent's image map %s", e.image, e.path)
}

// load re-reads the file on every call: it is tiny, read only when a
// container starts, and re-reading means edits apply without a restart.
func (m *imageMap) load() (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, err := os.ReadFile(m.path)
	if err == nil {
		var f imageMapFile
		if err = json.Unmarshal(data, &f); err == nil {
			if f.Images == nil {
				f.Images = map[string]string{}
			}
			// Relative executables are relative to the map file.
			for k, exe := range f.Images {
				if exe != "" && !filepath.IsAbs(exe) {
					f.Images[k] = filepath.Join(filepath.Dir(m.path), exe)
				}
			}
			m.lastGood = f.Images
			return f.Images, nil
		}
		err = fmt.Errorf("parse image map %s: %w", m.path, err)
	}
	if m.lastGood != nil {
		return m.lastGood, nil
	}
	return nil, err
}

// Resolve returns the executable an image runs.
func (m *imageMap) Resolve(image string) (string, error) {
	images, err := m.load()
	if err != nil {
		return "", err
	}
	if exe, ok := matchImage(images, image); ok {
		return exe, nil
	}
	return "", errImageNotMapped{image: image, path: m.path}
}

// matchImage: a key matches the full reference, or the reference without its
// tag and digest, so one entry serves every version of an image.
func matchImage(images map[string]string, image string) (string, bool) {
	if exe, ok := images[image]; ok {
		return exe, true
	}
	repo := stripTagAndDigest(image)
	if exe, ok := images[repo]; ok {
		return exe, true
	}
	// An untagged reference means :latest, as in a registry.
	if repo == image {
		if exe, ok := images[image+":latest"]; ok {
			return exe, true
		}
	}
	return "", false
}

// stripTagAndDigest turns "host:5000/a/b:1.2@sha256:..." into "host:5000/a/b".
// A colon before the last slash belongs to a registry port, not a tag.
func stripTagAndDigest(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	lastSlash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > lastSlash {
		ref = ref[:colon]
	}
	return ref
}
