package main

// A pod's volumes, materialised under its pod dir (DIR/volumes/<name>/)
// before its containers start, and kept current afterwards: ConfigMaps,
// Secrets and the downward API are re-read every volumeResync, tokens are
// renewed when due. Only the pod's worker goroutine touches it.

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// volumeResync is how often ConfigMap/Secret/downward API content is
// re-read (the kubelet's sync period is a minute too).
const volumeResync = time.Minute

type podVolumes struct {
	client  kubernetes.Interface
	env     *envSource
	root    string // DIR/volumes
	tokens  podTokens
	written map[string]fileSet // what each volume shows now
	ready   bool               // every volume materialised once
	next    time.Time          // next refresh
}

func newPodVolumes(client kubernetes.Interface, env *envSource, podDir string) *podVolumes {
	return &podVolumes{
		client:  client,
		env:     env,
		root:    filepath.Join(podDir, "volumes"),
		tokens:  podTokens{client: client},
		written: map[string]fileSet{},
	}
}

// path is where volume name lives on the host.
func (v *podVolumes) path(name string) string { return filepath.Join(v.root, name) }

// supported reports whether the agent can provide a volume of this type.
func supported(vol *v1.Volume) bool {
	s := vol.VolumeSource
	return s.EmptyDir != nil || s.ConfigMap != nil || s.Secret != nil || s.Projected != nil || s.DownwardAPI != nil
}

// sync materialises every supported volume of the pod. Before the first
// full success it fails on the first error (the containers wait); after
// that a failure keeps the volume's previous content, like the kubelet.
func (v *podVolumes) sync(ctx context.Context, pod *v1.Pod, podIP string, now time.Time) error {
	var firstErr error
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		if !supported(vol) {
			continue // an error only for a container that mounts it
		}
		if err := v.syncOne(ctx, pod, podIP, vol, now); err != nil {
			err = fmt.Errorf("volume %q: %w", vol.Name, err)
			if !v.ready {
				return err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	v.ready = true
	v.next = now.Add(volumeResync)
	if t := v.tokens.nextRefresh(); !t.IsZero() && t.Before(v.next) {
		v.next = t
	}
	return firstErr
}

func (v *podVolumes) syncOne(ctx context.Context, pod *v1.Pod, podIP string, vol *v1.Volume, now time.Time) error {
	dir := v.path(vol.Name)
	s := vol.VolumeSource
	if s.EmptyDir != nil {
		// Writable scratch space for any user, as the kubelet makes it.
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		return os.Chmod(dir, 0o777)
	}
	files := fileSet{}
	var err error
	switch {
	case s.ConfigMap != nil:
		err = v.configMapFiles(ctx, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.DefaultMode, s.ConfigMap.Optional, files)
	case s.Secret != nil:
		err = v.secretFiles(ctx, pod.Namespace, s.Secret.SecretName, s.Secret.Items, s.Secret.DefaultMode, s.Secret.Optional, files)
	case s.DownwardAPI != nil:
		err = v.downwardAPIFiles(pod, podIP, s.DownwardAPI.Items, s.DownwardAPI.DefaultMode, files)
	case s.Projected != nil:
		err = v.projectedFiles(ctx, pod, podIP, s.Projected, now, files)
	}
	if err != nil {
		return err
	}
	if old, ok := v.written[vol.Name]; ok && old.equal(files) {
		return nil
	}
	if err := writeAtomic(dir, files); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if _, ok := v.written[vol.Name]; ok {
		log.Printf("pod %s/%s: volume %s updated", pod.Namespace, pod.Name, vol.Name)
	}
	v.written[vol.Name] = files
	return nil
}

// due reports whether a refresh is due.
func (v *podVolumes) due(now time.Time) bool { return v.ready && !now.Before(v.next) }

// remove deletes the volumes' content once no process of the pod runs.
func (v *podVolumes) remove() {
	if err := os.RemoveAll(v.root); err != nil {
		log.Printf("remove %s: %v", v.root, err)
	}
}
