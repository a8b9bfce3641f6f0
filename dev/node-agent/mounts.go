package main

// A container with volumeMounts runs in a private mount namespace of its
// own: the agent starts itself in "mount helper" mode with CLONE_NEWNS (Go
// then marks every mount private in the child, so nothing propagates back to
// the host or to other pods), the helper bind-mounts each volume at its
// mountPath and execs the container's entrypoint. The namespace, and its
// mounts, end with the container's last process.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
)

// mountHelperArg as os.Args[1] selects the helper mode (see runMountHelper).
const mountHelperArg = "__kappa_mount_helper__"

type bindMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// mountPlan is what the helper does before the exec.
type mountPlan struct {
	Mounts []bindMount `json:"mounts"`
	Dir    string      `json:"dir"` // working dir, made and entered after mounting
	// Non-empty: a UTS namespace with this host name, as a pod has (so
	// gethostname() is the pod's name, e.g. in leader-election identities).
	Hostname string `json:"hostname,omitempty"`
}

// readOnlyVolume: the kubelet always mounts these read-only.
func readOnlyVolume(vol *v1.Volume) bool {
	s := vol.VolumeSource
	return s.ConfigMap != nil || s.Secret != nil || s.Projected != nil || s.DownwardAPI != nil
}

// containerMounts lists the bind mounts of c's volumeMounts.
func containerMounts(pod *v1.Pod, c *v1.Container, vols *podVolumes, env *orderedEnv) ([]bindMount, error) {
	var out []bindMount
	for _, vm := range c.VolumeMounts {
		var vol *v1.Volume
		for i := range pod.Spec.Volumes {
			if pod.Spec.Volumes[i].Name == vm.Name {
				vol = &pod.Spec.Volumes[i]
			}
		}
		if vol == nil {
			return nil, configErrorf("volumeMount %q: no such volume in the pod", vm.Name)
		}
		if !supported(vol) {
			return nil, configErrorf("volume %q: type not supported by the node agent (emptyDir, configMap, secret, projected, downwardAPI are)", vm.Name)
		}
		if !filepath.IsAbs(vm.MountPath) {
			return nil, configErrorf("volumeMount %q: mountPath %q is not absolute", vm.Name, vm.MountPath)
		}
		source := vols.path(vm.Name)
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expandVars(vm.SubPathExpr, env.Get)
		}
		if sub != "" {
			if err := validRelPath(sub); err != nil {
				return nil, configErrorf("volumeMount %q: subPath: %v", vm.Name, err)
			}
			source = filepath.Join(source, sub)
			if vol.EmptyDir != nil {
				if err := os.MkdirAll(source, 0o777); err != nil { // the kubelet creates a missing subPath
					return nil, err
				}
			}
		}
		out = append(out, bindMount{Source: source, Target: filepath.Clean(vm.MountPath), ReadOnly: vm.ReadOnly || readOnlyVolume(vol)})
	}
	return out, nil
}

// helperCommand is how to run path/argv inside plan: the agent's own
// binary in helper mode, to be started with helperSysProcAttr.
func helperCommand(plan *mountPlan, path string, argv []string) (string, []string, error) {
	js, err := json.Marshal(plan)
	if err != nil {
		return "", nil, err
	}
	args := append([]string{"kappa-mount-helper", mountHelperArg, string(js), path}, argv...)
	return "/proc/self/exe", args, nil
}

// isMountHelper reports whether this process was started as the helper.
func isMountHelper() bool { return len(os.Args) > 2 && os.Args[1] == mountHelperArg }

// runMountHelper is the helper's whole life: os.Args are [_, mountHelperArg,
// plan JSON, executable, argv...]. It never returns; on failure it exits 127
// with the reason on stderr, which is the container's log.
func runMountHelper() {
	if err := mountAndExec(os.Args[2], os.Args[3], os.Args[4:]); err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: cannot start container: %v\n", err)
		os.Exit(127)
	}
}

func mountAndExec(planJSON, path string, argv []string) error {
	var plan mountPlan
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		return fmt.Errorf("mount plan: %w", err)
	}
	// Parents before children, so /a/b lands on top of /a.
	sort.SliceStable(plan.Mounts, func(i, j int) bool {
		return strings.Count(plan.Mounts[i].Target, "/") < strings.Count(plan.Mounts[j].Target, "/")
	})
	if plan.Hostname != "" {
		if err := unix.Sethostname([]byte(plan.Hostname)); err != nil {
			return fmt.Errorf("set host name: %w", err)
		}
	}
	for _, m := range plan.Mounts {
		if err := bindMountOne(m); err != nil {
			return fmt.Errorf("mount %s at %s: %w", m.Source, m.Target, err)
		}
	}
	if plan.Dir != "" {
		if err := os.MkdirAll(plan.Dir, 0o755); err != nil {
			return fmt.Errorf("working dir: %w", err)
		}
		if err := os.Chdir(plan.Dir); err != nil {
			return fmt.Errorf("working dir: %w", err)
		}
	}
	return unix.Exec(path, argv, os.Environ())
}

// bindMountOne makes the mount point (a missing one is created on the host's
// filesystem, empty, as a runtime creates it in the image) and binds.
func bindMountOne(m bindMount) error {
	st, err := os.Stat(m.Source)
	if err != nil {
		return err
	}
	if st.IsDir() {
		if err := os.MkdirAll(m.Target, 0o755); err != nil {
			return err
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(m.Target), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(m.Target, os.O_CREATE|os.O_RDONLY, 0o644)
		if err != nil {
			return err
		}
		_ = f.Close()
	}
	if err := unix.Mount(m.Source, m.Target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if !m.ReadOnly {
		return nil
	}
	// A read-only bind is a remount; it must keep the flags the source's
	// mount has (nosuid, nodev, ...) or the kernel refuses it.
	var sfs unix.Statfs_t
	if err := unix.Statfs(m.Target, &sfs); err != nil {
		return err
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
	for _, f := range []struct{ st, ms int64 }{
		{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if sfs.Flags&f.st != 0 {
			flags |= uintptr(f.ms)
		}
	}
	return unix.Mount("", m.Target, "", flags, "")
}

// helperSysProcAttr: the helper's own mount (and UTS) namespace.
func helperSysProcAttr(attr *syscall.SysProcAttr, plan *mountPlan) *syscall.SysProcAttr {
	attr.Unshareflags |= syscall.CLONE_NEWNS
	if plan.Hostname != "" {
		attr.Unshareflags |= syscall.CLONE_NEWUTS
	}
	return attr
}

// podHostname is the host name a pod's containers see; host-network pods
// keep the node's, as in Kubernetes.
func podHostname(pod *v1.Pod) string {
	switch {
	case pod.Spec.HostNetwork:
		return ""
	case pod.Spec.Hostname != "":
		return pod.Spec.Hostname
	}
	return pod.Name
}
